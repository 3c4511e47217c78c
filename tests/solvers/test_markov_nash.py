"""Pure δ-Nash equilibria of small POMGs against exhaustive enumeration with the oracle."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sedtheory.games.markov import POMG
from sedtheory.solvers.markov_best_response import ProblemTooLargeError
from sedtheory.solvers.markov_nash import pure_nash_equilibria
from test_markov_oracle import brute_force_best, oracle_values, random_pomg


def brute_force_equilibria(game: POMG, delta: float) -> set:
    """Every pure profile whose every agent gains at most δ by any deterministic deviation."""
    spaces = [list(itertools.product(range(a), repeat=o)) for o, a in game.policy_shapes]
    found = set()
    for joint in itertools.product(*spaces):
        policies = [np.eye(a)[list(acts)] for acts, (_, a) in zip(joint, game.policy_shapes)]
        values = oracle_values(game, policies)
        if all(brute_force_best(game, policies, i)[0] - values[i] <= delta + 1e-9 for i in range(game.n_agents)):
            found.add(joint)
    return found


@pytest.mark.parametrize("kind", ["full", "state"])
@pytest.mark.parametrize("delta", [0.0, 0.5])
@pytest.mark.parametrize("seed", range(2))
def test_enumeration_matches_brute_force(kind, delta, seed):
    rng = np.random.default_rng(300 + seed)
    game = random_pomg(rng, n_states=2, n_actions=(2, 2), n_obs=(2, 2), kind=kind, gamma=0.7)
    # every observation is possible here (Dirichlet kernels), so no action is fixed to 0
    found = {tuple(tuple(int(x) for x in a) for a in e.actions) for e in pure_nash_equilibria(game, delta)}
    assert found == brute_force_equilibria(game, delta)


def test_equilibria_report_their_values_and_gaps():
    rng = np.random.default_rng(31)
    game = random_pomg(rng, n_states=2, kind="full", gamma=0.6)
    for equilibrium in pure_nash_equilibria(game, 0.3):
        np.testing.assert_allclose(equilibrium.values, oracle_values(game, equilibrium.profile), atol=1e-9)
        assert np.all(equilibrium.gaps <= 0.3 + 1e-7)
        assert equilibrium.profile.is_pure()


def test_larger_delta_never_removes_an_equilibrium():
    rng = np.random.default_rng(32)
    game = random_pomg(rng, n_states=2, n_obs=(2, 2), kind="state", gamma=0.7)
    key = lambda eqs: {tuple(a.tobytes() for a in e.actions) for e in eqs}  # noqa: E731
    small, large = key(pure_nash_equilibria(game, 0.1)), key(pure_nash_equilibria(game, 1.0))
    assert small <= large


def test_matching_pennies_markov_game_has_no_pure_equilibrium():
    # one state, repeated matching pennies (γ = 1/2): no pure equilibrium (standard fact)
    T = np.ones((1, 2, 2, 1))
    R = np.zeros((1, 2, 2, 2))
    for a in range(2):
        for b in range(2):
            R[0, a, b] = [1, -1] if a == b else [-1, 1]
    game = POMG(T, R, gamma=0.5, initial_distribution=[1.0])
    assert pure_nash_equilibria(game) == []


def test_refuses_too_many_opponent_profiles():
    rng = np.random.default_rng(33)
    game = random_pomg(rng, n_states=3, n_actions=(2, 3), n_obs=(2, 4), kind="state")
    with pytest.raises(ProblemTooLargeError, match="max_profiles"):
        pure_nash_equilibria(game, max_profiles=10)


def _key(equilibria) -> set:
    return {tuple(tuple(int(x) for x in a) for a in e.actions) for e in equilibria}


def test_positive_affine_rescaling_of_rewards_leaves_pure_equilibria_unchanged():
    rng = np.random.default_rng(34)
    game = random_pomg(rng, n_states=2, n_obs=(2, 2), kind="state", gamma=0.7)
    scale, shift = np.array([2.5, 0.5]), np.array([-3.0, 7.0])
    rescaled = POMG(game.transitions, game.rewards * scale + shift, game.observations, gamma=game.gamma,
                    initial_distribution=game.initial_distribution)
    assert _key(pure_nash_equilibria(rescaled)) == _key(pure_nash_equilibria(game))


def test_relabelling_observations_relabels_the_equilibria():
    rng = np.random.default_rng(35)
    game = random_pomg(rng, n_states=3, n_obs=(3, 2), kind="state", gamma=0.7)
    perm = np.array([2, 0, 1])  # new observation k is old observation perm[k]
    relabelled = POMG(game.transitions, game.rewards, [game.observations[0][:, perm], game.observations[1]],
                      gamma=game.gamma, initial_distribution=game.initial_distribution)
    mapped = {(tuple(first[k] for k in perm), second) for first, second in _key(pure_nash_equilibria(game))}
    assert _key(pure_nash_equilibria(relabelled)) == mapped


def test_single_agent_equilibria_are_its_optimal_policies():
    rng = np.random.default_rng(36)
    game = random_pomg(rng, n_states=2, n_actions=(3,), n_obs=(2,), kind="state", gamma=0.7)
    best, table = brute_force_best(game, [np.full((2, 3), 1 / 3)], 0)
    expected = {(tuple(int(x) for x in a),) for a, v in table if v >= best - 1e-9}
    assert _key(pure_nash_equilibria(game)) == expected
