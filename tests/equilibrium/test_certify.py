"""certify / certify_bayesian: hand-computed gaps and witnesses, and Hypothesis checks against
the brute-force oracles of tests/equilibrium/grader_oracle.py (no solver involved)."""

import itertools

import numpy as np
import pytest
from grader_oracle import bayesian_vertex_optimum, brute_regret, vertex_leader_optimum
from hypothesis import given, settings
from hypothesis import strategies as st
from small_games import integer_bayesian_games, integer_stackelberg_payoffs

from sedtheory import StackelbergNashGame, ValidationError
from sedtheory.equilibrium import certify, certify_bayesian

# Conitzer & Sandholm (EC 2006): SSE x = (1/2, 1/2), follower column 1, leader value 3.5.
CS = StackelbergNashGame.from_bimatrix([[2, 4], [1, 3]], [[1, 0], [0, 1]])


def test_strong_stackelberg_equilibrium_holds():
    certificate = certify(CS, [0.5, 0.5], [1])
    assert certificate.holds and certificate.epsilon_hat == pytest.approx(0.0, abs=1e-9)
    assert certificate.delta_hat.tolist() == [0.0]
    assert certificate.leader_witness.deviation["follower_actions"] == [1]
    assert "Conitzer & Sandholm" in certificate.leader_optimum_method
    assert not certificate.estimated


@pytest.mark.parametrize(
    "x, y, epsilon_hat, delta_hat, deviation",
    [
        # x = (0.4, 0.6): follower still plays column 1 (0.6 > 0.4); leader gets 3.4, optimum 3.5
        ([0.4, 0.6], 1, 0.1, 0.0, 1),
        # pure Nash (row 0, column 0): leader gets 2
        ([1.0, 0.0], 0, 1.5, 0.0, 0),
        # row 1 with the follower's best response column 1: leader gets 3
        ([0.0, 1.0], 1, 0.5, 0.0, 1),
        # follower off its best response: at x = (1, 0) column 1 pays 0 < 1; leader gets 4 > 3.5
        ([1.0, 0.0], 1, -0.5, 1.0, 0),
    ],
)
def test_perturbed_profiles_by_hand(x, y, epsilon_hat, delta_hat, deviation):
    certificate = certify(CS, x, [y])
    assert not certificate.holds
    assert certificate.epsilon_hat == pytest.approx(epsilon_hat, abs=1e-9)
    assert certificate.delta_hat == pytest.approx([delta_hat])
    witness = certificate.follower_witnesses[0]
    assert witness.player == 1 and witness.deviation == deviation and witness.gap == pytest.approx(delta_hat)
    leader = certificate.leader_witness
    assert leader.player == 0 and leader.value == pytest.approx(3.5, abs=1e-9)
    assert leader.deviation["leader_strategy"] == pytest.approx([0.5, 0.5], abs=1e-9)
    assert leader.gap == pytest.approx(epsilon_hat, abs=1e-9)


def test_tolerances_epsilon_and_delta():
    assert certify(CS, [0.4, 0.6], [1], epsilon=0.1).holds
    assert not certify(CS, [0.4, 0.6], [1], epsilon=0.09).holds
    # δ = 0.2: OPT(0.2) = 3.6 at x = (0.6, 0.4) (hand computation in test_leader_optimum.py)
    relaxed = certify(CS, [0.6, 0.4], [1], delta=0.2)
    assert relaxed.holds and relaxed.delta_hat == pytest.approx([0.2])
    assert relaxed.epsilon_hat == pytest.approx(0.0, abs=1e-9)
    # the δ = 0 equilibrium is only a (0.1, 0.2)-equilibrium: OPT(0.2) - 3.5 = 0.1
    moved = certify(CS, [0.5, 0.5], [1], delta=0.2)
    assert moved.epsilon_hat == pytest.approx(0.1, abs=1e-9) and not moved.holds
    assert certify(CS, [0.5, 0.5], [1], epsilon=0.1, delta=0.2).holds


def test_two_followers_by_hand():
    # tests/data/games/two_followers.json: followers copy the leader's likelier action; the
    # leader scores 1 only at (1, 1). At x = (0.3, 0.7), (1, 1) is the followers' equilibrium.
    payoffs = np.zeros((3, 2, 2, 2))
    payoffs[0, :, 1, 1] = 1.0
    for a, y1, y2 in itertools.product(range(2), repeat=3):
        payoffs[1, a, y1, y2] = float(y1 == a)
        payoffs[2, a, y1, y2] = float(y2 == a)
    game = StackelbergNashGame(payoffs)
    assert certify(game, [0.3, 0.7], [1, 1]).holds
    off = certify(game, [0.3, 0.7], [1, 0])
    # follower 2 gains 0.7 - 0.3 = 0.4 by switching to 1; the leader lost 1 against OPT = 1
    assert off.delta_hat == pytest.approx([0.0, 0.4])
    assert [w.deviation for w in off.follower_witnesses] == [1, 1]
    assert off.epsilon_hat == pytest.approx(1.0, abs=1e-9)


def test_no_commitment_admits_a_pure_equilibrium():
    payoffs = np.zeros((3, 2, 2, 2))
    for y1, y2 in itertools.product(range(2), repeat=2):
        payoffs[1, :, y1, y2] = float(y1 == y2)
        payoffs[2, :, y1, y2] = float(y1 != y2)
    certificate = certify(StackelbergNashGame(payoffs), [1.0, 0.0], [0, 0])
    assert certificate.epsilon_hat is None and not certificate.holds
    assert any("OPT(δ) is undefined" in note for note in certificate.notes)
    assert certificate.to_dict()["leader_witness"] is None


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(epsilon=-0.1), "epsilon: must be >= 0, got -0.1"),
        (dict(delta=-1.0), "delta: must be >= 0, got -1.0"),
        (dict(delta=float("nan")), "delta: must be finite"),
        (dict(tol=-1e-9), "tol: must be >= 0"),
        (dict(leader_strategy=[0.5, 0.6]), "leader_strategy: probabilities sum to 1.1"),
        (dict(leader_strategy=[1.5, -0.5]), "leader_strategy: negative probability -0.5 at index 1"),
        (dict(follower_actions=[2]), r"follower_actions\[0\]: action 2 out of range 0..1"),
        (dict(follower_actions=[0, 1]), "follower_actions: expected 1 actions, got 2"),
        (dict(follower_actions=[0.5]), r"follower_actions\[0\]: expected an integer action"),
    ],
)
def test_bad_input_names_the_field(kwargs, message):
    args = dict(leader_strategy=[0.5, 0.5], follower_actions=[1])
    args.update(kwargs)
    x, y = args.pop("leader_strategy"), args.pop("follower_actions")
    with pytest.raises(ValidationError, match=message):
        certify(CS, x, y, **args)


def test_a_game_that_is_not_a_stackelberg_game_is_named():
    simultaneous = CS.normal_form  # same payoffs, but no leader/follower roles
    with pytest.raises(ValidationError, match="game: expected a StackelbergNashGame .*got NormalFormGame"):
        certify(simultaneous, [0.5, 0.5], [1])
    with pytest.raises(ValidationError, match="game: expected a StackelbergNashGame .*got list"):
        certify([[2, 4], [1, 3]], [0.5, 0.5], [1])


def test_certificate_to_dict_is_json_ready():
    import json

    data = json.loads(json.dumps(certify(CS, [0.4, 0.6], [1]).to_dict()))
    assert data["leader_witness"]["deviation"]["leader_strategy"] == pytest.approx([0.5, 0.5], abs=1e-9)
    assert data["follower_witnesses"][0]["deviation"] == 1


# --- Bayesian ------------------------------------------------------------------------------

# The demo game (sedtheory/cli/demo.py, solved by hand there): optimum x = (1, 0), types (0, 1), value 3.
LEADER = np.array([[[2, 4], [1, 3]], [[2, 4], [1, 3]]], dtype=float)
FOLLOWER = np.array([[[1, 0], [0, 1]], [[0, 1], [2, 0]]], dtype=float)
PRIOR = np.array([0.5, 0.5])


def test_bayesian_by_hand():
    good = certify_bayesian(LEADER, FOLLOWER, PRIOR, [1.0, 0.0], [0, 1])
    assert good.holds and good.epsilon_hat == pytest.approx(0.0, abs=1e-9)
    assert good.leader_witness.deviation["follower_actions"] == [0, 1]
    # x = (1/2, 1/2): type 0 plays 1 (tie, 0.5 each), type 1 plays 0 (1 > 0.5); leader gets
    # 0.5 * 3.5 + 0.5 * 1.5 = 2.5, so ε̂ = 0.5
    half = certify_bayesian(LEADER, FOLLOWER, PRIOR, [0.5, 0.5], [1, 0])
    assert half.epsilon_hat == pytest.approx(0.5, abs=1e-9) and half.delta_hat == pytest.approx([0.0, 0.0])
    # type 1 playing 1 at x = (1/2, 1/2) loses 1 - 0.5 = 0.5
    wrong = certify_bayesian(LEADER, FOLLOWER, PRIOR, [0.5, 0.5], [1, 1])
    assert wrong.delta_hat == pytest.approx([0.0, 0.5])
    assert wrong.follower_witnesses[1].player == 2 and wrong.follower_witnesses[1].deviation == 0
    with pytest.raises(ValidationError, match="follower_actions: expected 2 actions, got 1"):
        certify_bayesian(LEADER, FOLLOWER, PRIOR, [0.5, 0.5], [1])
    with pytest.raises(ValidationError, match="prior: probabilities sum to 0.9"):
        certify_bayesian(LEADER, FOLLOWER, [0.4, 0.5], [0.5, 0.5], [1, 0])


# --- Hypothesis: certificates against brute force ----------------------------------------------

@st.composite
def games_and_profiles(draw):
    """Integer payoffs, a commitment with rational weights and a pure follower profile."""
    payoffs = draw(integer_stackelberg_payoffs())
    m = payoffs.shape[1]
    weights = np.array(draw(st.lists(st.integers(0, 4), min_size=m, max_size=m)), dtype=float)
    weights[draw(st.integers(0, m - 1))] += 1
    actions = tuple(draw(st.integers(0, n - 1)) for n in payoffs.shape[2:])
    return payoffs, weights / weights.sum(), actions


@settings(max_examples=60)
@given(games_and_profiles(), st.sampled_from([0.0, 0.5]))
def test_certificate_matches_brute_force(case, delta):
    payoffs, x, y = case
    game = StackelbergNashGame(payoffs)
    certificate = certify(game, x, y, delta=delta)
    # follower gaps: brute-force regret of each follower in the induced game
    induced = np.tensordot(payoffs[1:], x, axes=([1], [0]))
    strategies = [np.eye(n)[a] for n, a in zip(payoffs.shape[2:], y)]
    assert certificate.delta_hat == pytest.approx(brute_regret(induced, strategies), abs=1e-9)
    oracle = vertex_leader_optimum(payoffs, delta)
    if oracle is None:
        assert certificate.epsilon_hat is None and not certificate.holds
        return
    assert certificate.epsilon_hat == pytest.approx(oracle[0] - payoffs[(0, slice(None)) + y] @ x, abs=1e-7)
    expected = certificate.epsilon_hat <= 1e-7 and np.all(certificate.delta_hat <= delta + 1e-7)
    assert certificate.holds == expected


@settings(max_examples=60)
@given(games_and_profiles(), st.sampled_from([0.0, 0.5]))
def test_oracle_optimum_is_certified(case, delta):
    payoffs, _, _ = case
    oracle = vertex_leader_optimum(payoffs, delta)
    if oracle is None:
        return
    value, x, profile = oracle
    x = np.clip(x, 0.0, None)
    certificate = certify(StackelbergNashGame(payoffs), x / x.sum(), profile, delta=delta, tol=1e-6)
    assert certificate.holds
    assert abs(certificate.epsilon_hat) <= 1e-6


@settings(max_examples=40)
@given(integer_bayesian_games(), st.data())
def test_bayesian_certificate_matches_brute_force(game, data):
    leader, follower, prior = game
    n_types, m, n = leader.shape
    x = np.array(data.draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)), float) + np.eye(m)[0]
    x /= x.sum()
    y = tuple(data.draw(st.integers(0, n - 1)) for _ in range(n_types))
    certificate = certify_bayesian(leader, follower, prior, x, y)
    values = np.einsum("a,kan->kn", x, follower)
    assert certificate.delta_hat == pytest.approx([values[k].max() - values[k, y[k]] for k in range(n_types)], abs=1e-9)
    baseline = sum(prior[k] * leader[k][:, y[k]] @ x for k in range(n_types))
    oracle = bayesian_vertex_optimum(leader, follower, prior)
    assert certificate.epsilon_hat == pytest.approx(oracle[0] - baseline, abs=1e-7)
