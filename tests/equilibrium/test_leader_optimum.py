"""OPT(δ), the leader optimum of Definition 2.4: known answers, and a vertex-enumeration oracle
(tests/equilibrium/grader_oracle.py) that uses no LP solver."""

import itertools

import numpy as np
import pytest
from grader_oracle import bayesian_vertex_optimum, pure_nash_profiles, vertex_leader_optimum
from hypothesis import given, settings
from hypothesis import strategies as st
from small_games import integer_bayesian_games, integer_stackelberg_payoffs

from sedtheory import StackelbergNashGame, ValidationError
from sedtheory.equilibrium import bayesian_relaxed_leader_optimum, relaxed_leader_optimum

CS = StackelbergNashGame.from_bimatrix([[2, 4], [1, 3]], [[1, 0], [0, 1]])


def test_conitzer_sandholm_2006_value():
    # Conitzer & Sandholm (EC 2006), introduction: commit to (1/2, 1/2), follower plays
    # column 1 (tie broken for the leader), leader value 3.5 (worked by hand in sedtheory/cli/demo.py).
    optimum = relaxed_leader_optimum(CS)
    assert optimum.value == pytest.approx(3.5, abs=1e-9)
    assert optimum.leader_strategy == pytest.approx([0.5, 0.5], abs=1e-9)
    assert optimum.follower_actions == (1,)
    assert "Conitzer & Sandholm" in optimum.method


@pytest.mark.parametrize("delta, value, p", [(0.2, 3.6, 0.6), (0.5, 3.75, 0.75), (1.0, 4.0, 1.0), (3.0, 4.0, 1.0)])
def test_conitzer_sandholm_delta_relaxed_by_hand(delta, value, p):
    # x = (p, 1-p): column 1 is a δ-best response iff 1 - p >= p - δ, i.e. p <= (1 + δ)/2;
    # the leader gets 3 + p against column 1, so OPT(δ) = 3 + min(1, (1 + δ)/2).
    optimum = relaxed_leader_optimum(CS, delta)
    assert optimum.value == pytest.approx(value, abs=1e-9)
    assert optimum.leader_strategy[0] == pytest.approx(p, abs=1e-9)


def test_no_pure_equilibrium_for_any_commitment():
    # Two followers playing matching pennies whatever the leader does: no pure equilibrium.
    payoffs = np.zeros((3, 2, 2, 2))
    for y1, y2 in itertools.product(range(2), range(2)):
        payoffs[1, :, y1, y2] = float(y1 == y2)
        payoffs[2, :, y1, y2] = float(y1 != y2)
    optimum = relaxed_leader_optimum(StackelbergNashGame(payoffs))
    assert optimum.value is None and optimum.leader_strategy is None
    # with δ = 1 every profile is a δ-equilibrium; the leader payoffs are all 0
    assert relaxed_leader_optimum(StackelbergNashGame(payoffs), 1.0).value == pytest.approx(0.0)


def test_pruning_stops_early():
    # The leader's best column is attainable: one LP suffices, the other 3 are pruned by bounds.
    game = StackelbergNashGame.from_bimatrix([[10, 0, 0, 0], [0, 1, 1, 1]], [[1, 0, 0, 0], [1, 0, 0, 0]])
    optimum = relaxed_leader_optimum(game)
    assert optimum.value == pytest.approx(10.0) and optimum.n_lps == 1 and optimum.n_candidates == 4


def test_validation():
    with pytest.raises(ValidationError, match="delta: must be >= 0"):
        relaxed_leader_optimum(CS, -0.1)
    with pytest.raises(ValidationError, match="game: expected a StackelbergNashGame .*got NormalFormGame"):
        relaxed_leader_optimum(CS.normal_form)
    with pytest.raises(ValidationError, match="prior: probabilities sum to 0.9"):
        bayesian_relaxed_leader_optimum(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), [0.4, 0.5])
    with pytest.raises(ValidationError, match=r"follower_payoffs: expected shape \(2, 2, 2\)"):
        bayesian_relaxed_leader_optimum(np.zeros((2, 2, 2)), np.zeros((2, 2, 3)), [0.5, 0.5])


# --- Hypothesis: OPT(δ) against vertex enumeration -------------------------------------

@settings(max_examples=60)
@given(integer_stackelberg_payoffs(), st.sampled_from([0.0, 0.5, 2.0]))
def test_matches_vertex_enumeration(payoffs, delta):
    optimum = relaxed_leader_optimum(StackelbergNashGame(payoffs), delta)
    oracle = vertex_leader_optimum(payoffs, delta)
    if oracle is None:
        assert optimum.value is None
        return
    assert optimum.value == pytest.approx(oracle[0], abs=1e-7)
    # the reported commitment really supports the reported profile as a δ-equilibrium
    game = StackelbergNashGame(payoffs)
    x, y = optimum.leader_strategy, optimum.follower_actions
    assert game.leader_value(np.clip(x, 0, None) / np.clip(x, 0, None).sum(), y) == pytest.approx(optimum.value, abs=1e-7)
    induced = game.induced_game(np.clip(x, 0, None) / np.clip(x, 0, None).sum())
    for i, action in enumerate(y):
        values = induced.payoffs[i][y[:i] + (slice(None),) + y[i + 1:]]
        assert values[action] >= values.max() - delta - 1e-7


@settings(max_examples=40)
@given(integer_stackelberg_payoffs(), st.sampled_from([0.0, 0.5]))
def test_monotone_in_delta_and_above_every_pure_nash(payoffs, delta):
    game = StackelbergNashGame(payoffs)
    tight = relaxed_leader_optimum(game, delta).value
    loose = relaxed_leader_optimum(game, delta + 0.5).value
    if tight is not None:
        assert loose is not None and loose >= tight - 1e-9
    # Theorem: committing to a pure Nash action with followers at that equilibrium is feasible,
    # so OPT(0) is at least the leader's payoff in every pure Nash equilibrium.
    zero = relaxed_leader_optimum(game).value
    for profile in pure_nash_profiles(payoffs):
        assert zero is not None and zero >= payoffs[(0,) + profile] - 1e-9


@settings(max_examples=40)
@given(integer_stackelberg_payoffs(max_followers=1))
def test_extra_leader_action_never_lowers_the_value(payoffs):
    extra = np.concatenate([payoffs, payoffs[:, :1] - 1.0], axis=1)  # any new row
    before = relaxed_leader_optimum(StackelbergNashGame(payoffs)).value
    after = relaxed_leader_optimum(StackelbergNashGame(extra)).value
    assert after >= before - 1e-9


# --- Bayesian OPT(δ) against enumeration of type responses with the vertex oracle ---------

@settings(max_examples=30)
@given(integer_bayesian_games(max_leader_actions=2), st.sampled_from([0.0, 0.5]))
def test_bayesian_matches_enumeration(game, delta):
    leader, follower, prior = game
    optimum = bayesian_relaxed_leader_optimum(leader, follower, prior, delta)
    oracle = bayesian_vertex_optimum(leader, follower, prior, delta)
    assert optimum.value == pytest.approx(oracle[0], abs=1e-7)


@settings(max_examples=40)
@given(integer_stackelberg_payoffs(), st.data())
def test_incumbent_changes_nothing_but_the_work(payoffs, data):
    game = StackelbergNashGame(payoffs)
    plain = relaxed_leader_optimum(game)
    x = np.eye(game.n_leader_actions)[data.draw(st.integers(0, game.n_leader_actions - 1))]
    y = tuple(data.draw(st.integers(0, n - 1)) for n in game.n_follower_actions)  # feasible or not
    seeded = relaxed_leader_optimum(game, incumbent=(x, y))
    if plain.value is None:
        assert seeded.value is None
    else:
        assert seeded.value == pytest.approx(plain.value, abs=1e-9) and seeded.n_lps <= plain.n_lps


@pytest.mark.parametrize("incumbent, message", [
    # (2, 0) is off the simplex but satisfies the follower row [1, -1] @ x >= 0 with value 4 > 3.5:
    # trusting it would report a wrong OPT(0)
    (([2.0, 0.0], (0,)), r"incumbent\[0\]: probabilities sum to 2"),
    (([1.0, 0.0, 0.0], (0,)), r"incumbent\[0\]: expected shape \(2,\)"),
    (([1.0, 0.0], (5,)), r"incumbent\[1\]\[0\]: action 5 out of range 0..1"),
    (([1.0, 0.0], (0, 1)), r"incumbent\[1\]: expected 1 actions, got 2"),
    (0.5, "incumbent: expected a pair"),
])
def test_bad_incumbent_is_refused(incumbent, message):
    with pytest.raises(ValidationError, match=message):
        relaxed_leader_optimum(CS, incumbent=incumbent)


def test_bad_bayesian_incumbent_is_refused():
    # one action for two types: a partial assignment's value is no bound on OPT(δ)
    leader = np.stack([np.array([[2.0, 4.0], [1.0, 3.0]])] * 2)
    with pytest.raises(ValidationError, match=r"incumbent\[1\]: expected 2 actions, got 1"):
        bayesian_relaxed_leader_optimum(leader, leader, [0.5, 0.5], incumbent=([1.0, 0.0], (0,)))


def test_incumbent_at_the_optimum_prunes_everything():
    # row 0 with column 0 (a best response there) attains the largest leader payoff 10
    game = StackelbergNashGame.from_bimatrix([[10, 0, 0, 0], [0, 1, 1, 1]], [[1, 0, 0, 0], [1, 0, 0, 0]])
    optimum = relaxed_leader_optimum(game, incumbent=([1.0, 0.0], (0,)))
    assert optimum.value == 10.0 and optimum.n_lps == 0 and optimum.follower_actions == (0,)
    # an incumbent that is not an equilibrium (column 1 at row 0) is rejected, not trusted
    assert relaxed_leader_optimum(game, incumbent=([1.0, 0.0], (1,))).n_lps == 1


@settings(max_examples=30)
@given(integer_bayesian_games(uniform_prior=True), st.data())
def test_bayesian_incumbent_changes_nothing_but_the_work(game, data):
    leader, follower, prior = game
    n_types, m, n = leader.shape
    x = np.eye(m)[data.draw(st.integers(0, m - 1))]
    y = tuple(data.draw(st.integers(0, n - 1)) for _ in range(n_types))
    plain = bayesian_relaxed_leader_optimum(leader, follower, prior)
    seeded = bayesian_relaxed_leader_optimum(leader, follower, prior, incumbent=(x, y))
    assert seeded.value == pytest.approx(plain.value, abs=1e-9)
