"""Strong SSMNE over finite / gridded Φ: known answers, brute force, metamorphic checks."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import numpy as np
import pytest

import sedtheory as sed
from sedtheory.equilibrium.markov import certify_ssmne
from sedtheory.games.markov import POMG
from sedtheory.games.examples import common_pool_game, common_pool_pomg, public_goods_game
from sedtheory.games.stackelberg import Box, LeaderRewardUtility, StackelbergMarkovGame, WelfareUtility
from sedtheory.solvers import SolverStatus
from sedtheory.solvers.markov_ssmne import solve_ssmne
from test_markov_nash import brute_force_equilibria
from test_markov_oracle import matching_pennies, oracle_values, random_pomg, with_unreachable_state


def test_common_pool_known_answer():
    """Hand answer (sedtheory.games.examples.common_pool_pomg): τ* = 1/2, restrain-both, welfare 20."""
    result = solve_ssmne(common_pool_game())
    assert result.ok and result.phi.tolist() == [0.5]
    assert result.leader_value == pytest.approx(20.0)
    np.testing.assert_allclose(result.follower_values, [10.0, 10.0])
    assert result.rests_on_tie  # grab-both is also an equilibrium at τ = 1/2, and τ = 3/4, 1 tie
    # equilibria per τ: (grab-both; grab-both; both; both; restrain-both) healthy-state behaviours,
    # each with 2 x 2 payoff-irrelevant depleted-state copies (common_pool_game's docstring)
    assert [e["n_equilibria"] for e in result.details["per_phi"]] == [4, 4, 8, 8, 4]
    grab = float(Fraction(440, 29))
    assert result.details["per_phi"][0]["best_leader_value"] == pytest.approx(grab)
    assert result.details["per_phi"][2]["worst_leader_value"] == pytest.approx(grab)


def test_public_goods_known_answer_on_a_box_grid():
    """Hand answer (sedtheory.games.examples.public_goods_game): σ* = 3/4, leader 9/2, followers 21/2."""
    result = solve_ssmne(public_goods_game())
    assert result.ok and result.phi == pytest.approx([0.75])
    assert result.leader_value == pytest.approx(4.5)
    np.testing.assert_allclose(result.follower_values, [10.5, 10.5])
    assert not result.rests_on_tie
    values = [e["best_leader_value"] for e in result.details["per_phi"]]
    assert values == pytest.approx([0.0, 0.0, 0.0, 4.5, 4.0])


def _random_stackelberg(seed: int, kind: str = "full") -> StackelbergMarkovGame:
    """Φ = three random 2-state games (indexed by φ); leader reward = a random array per φ."""
    rng = np.random.default_rng(seed)
    games = [random_pomg(rng, n_states=2, kind=kind, gamma=0.6) for _ in range(3)]
    rewards = [rng.normal(size=(2, 2, 2)) for _ in range(3)]
    return StackelbergMarkovGame(np.arange(3.0), lambda phi: games[int(phi[0])],
                                 LeaderRewardUtility(lambda phi: rewards[int(phi[0])]))


@pytest.mark.parametrize("kind", ["full", "state"])
@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("delta", [0.0, 0.4])
def test_ssmne_matches_brute_force_over_phi_and_equilibria(seed, delta, kind):
    game = _random_stackelberg(seed, kind)
    best = -np.inf
    for phi in game.candidates():
        pomg = game.induced(phi)
        for joint in brute_force_equilibria(pomg, delta):
            policies = [np.eye(2)[list(a)] for a in joint]
            best = max(best, oracle_values(pomg, policies, game.leader_utility.reward(phi))[0])
    result = solve_ssmne(game, delta)
    if np.isfinite(best):
        assert result.ok and result.leader_value == pytest.approx(best, abs=1e-8)
    else:
        assert result.status is SolverStatus.NO_PURE_EQUILIBRIUM


def test_larger_follower_delta_never_lowers_the_leader_optimum():
    game = _random_stackelberg(5)
    values = [solve_ssmne(game, d).leader_value for d in (0.0, 0.2, 0.6, 2.0)]
    assert np.all(np.isfinite(values)) and values[-1] > values[0] + 0.1  # not a flat sequence
    assert all(b >= a - 1e-9 for a, b in zip(values, values[1:]))


def test_more_commitments_never_lower_the_leader_optimum():
    small = common_pool_game(taxes=[0.0, 0.25])
    large = common_pool_game()
    assert solve_ssmne(large).leader_value >= solve_ssmne(small).leader_value - 1e-9


def test_no_pure_equilibrium_anywhere_is_reported():
    game = StackelbergMarkovGame([0.0], lambda phi: matching_pennies(), WelfareUtility(np.sum))
    result = solve_ssmne(game)
    assert result.status is SolverStatus.NO_PURE_EQUILIBRIUM and not result.ok
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))  # strict JSON: no -Infinity
    assert data["leader_value"] is None and data["per_phi"][0]["n_equilibria"] == 0
    certificate = certify_ssmne(game, [0.0], [np.full((1, 2), 0.5)] * 2, 0.0, 0.0)
    assert certificate.epsilon_hat is None and any("vacuous" in n for n in certificate.notes)
    # uniform play in matching pennies: no deterministic deviation gains (value 0 either way)
    np.testing.assert_allclose(certificate.delta_hat, [0.0, 0.0], atol=1e-12)


def test_ssmne_answers_pass_their_independent_certificate():
    for game in (common_pool_game(), public_goods_game(), _random_stackelberg(0)):
        result = solve_ssmne(game)
        assert result.ok
        certificate = certify_ssmne(game, result.phi, result.profile, 0.0, 0.0)
        assert certificate.holds and abs(certificate.epsilon_hat) <= 1e-7


def test_box_grid_is_the_stated_grid():
    box = Box([0.0, 1.0], [1.0, 1.0], (3, 1))
    np.testing.assert_allclose(box.grid(), [[0.0, 1.0], [0.5, 1.0], [1.0, 1.0]])


def test_unreachable_state_does_not_change_the_leader_optimum():
    plain = common_pool_game(taxes=[0.0, 0.5])
    bigger = StackelbergMarkovGame(np.array([0.0, 0.5]),
                                   lambda phi: with_unreachable_state(common_pool_pomg(phi[0]), 7.0, 0),
                                   plain.leader_utility)
    assert solve_ssmne(bigger).leader_value == pytest.approx(solve_ssmne(plain).leader_value)


def test_details_list_every_enumerated_equilibrium_for_rechecking():
    result = solve_ssmne(common_pool_game(taxes=[0.5]))
    entry = result.details["per_phi"][0]
    assert len(entry["equilibria"]) == entry["n_equilibria"] == 8
    for record in entry["equilibria"]:
        policies = [np.eye(2)[a] for a in record["actions"]]
        values = oracle_values(common_pool_pomg(0.5), policies)
        np.testing.assert_allclose(values, record["follower_values"], atol=1e-9)
        assert sum(values) == pytest.approx(record["leader_value"])


def _two_state_pomg():
    transitions = np.zeros((2, 1, 1, 2))
    transitions[:, 0, 0, 0] = 1.0
    return POMG(transitions, np.ones((2, 1, 1, 2)), gamma=0.5, initial_distribution=[1, 0])


@pytest.mark.parametrize("call, message", [
    # issue 14: solve_ssmne(POMG) raised AttributeError: 'POMG' object has no attribute 'candidates'
    (lambda g, nf: sed.solve_ssmne(g), "game: expected a StackelbergMarkovGame (commitments Φ and the map φ -> POMG"),
    (lambda g, nf: sed.certify_ssmne(g, [0.5], [np.ones((2, 1))] * 2, 0, 0), "game: expected a StackelbergMarkovGame, got POMG"),
    (lambda g, nf: sed.run_rounds(g, [[0.1]], 1, 1, seed=0), "game: expected a SEDGame, got POMG"),
    (lambda g, nf: sed.evaluate(nf, [np.ones((2, 1))] * 2), "pomg: expected a POMG, got StackelbergNashGame"),
    (lambda g, nf: sed.best_response(nf, [np.ones((2, 1))] * 2, 0), "pomg: expected a POMG, got StackelbergNashGame"),
    (lambda g, nf: sed.simulate(nf, [np.ones((2, 1))] * 2, 3, seed=0), "pomg: expected a POMG, got StackelbergNashGame"),
    (lambda g, nf: sed.evaluation.sample_returns(nf, [np.ones((2, 1))] * 2, 3, seed=0), "pomg: expected a POMG"),
])
def test_a_game_of_the_wrong_kind_is_named(call, message):
    nf = sed.StackelbergNashGame.from_bimatrix([[1, 0], [0, 1]], [[1, 0], [0, 1]])
    with pytest.raises(sed.ValidationError, match=re.escape(message)):
        call(_two_state_pomg(), nf)
