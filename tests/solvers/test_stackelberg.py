"""solve_stackelberg: oracle agreement, certificates, metamorphic properties, errors.

Known answers with provenance live in tests/known_answers/ and are run by test_known_answers.py.
Every test that solves a game grades the answer by direct best-response evaluation
(solver_oracles.grade_stackelberg).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sedtheory import (
    NormalFormGame,
    SolverStatus,
    SolverWarning,
    StackelbergNashGame,
    ValidationError,
    follower_gaps,
    solve_pure_commitment,
    solve_stackelberg,
    support_enumeration,
)
from sedtheory.solvers.stackelberg import MAX_FOLLOWER_PROFILES
from solver_oracles import (deviation_rows, grade_stackelberg, per_action_values, stackelberg_by_vertices,
                            stackelberg_two_rows_exact)
from solver_strategies import bimatrix_games, payoff_tensors


def solve_and_grade(game: StackelbergNashGame, **kwargs):
    result = solve_stackelberg(game, **kwargs)
    assert result.ok, result.details
    value = grade_stackelberg(game.payoffs, result.leader_strategy, result.follower_actions, tol=1e-8)
    assert result.leader_value == pytest.approx(value, abs=1e-9)
    return result


def random_game(seed: int, shape) -> StackelbergNashGame:
    rng = np.random.default_rng(seed)
    return StackelbergNashGame(rng.uniform(size=(len(shape),) + tuple(shape)))


# --- against the brute-force oracle --------------------------------------------------------

@given(payoff_tensors())
def test_one_follower_matches_vertex_enumeration(payoffs):
    oracle = stackelberg_by_vertices(payoffs)
    result = solve_and_grade(StackelbergNashGame(payoffs))
    assert result.leader_value == pytest.approx(oracle[0], abs=1e-6)


@given(payoff_tensors(followers=2, max_leader=3, max_follower=3))
def test_two_followers_match_vertex_enumeration(payoffs):
    oracle = stackelberg_by_vertices(payoffs)
    game = StackelbergNashGame(payoffs)
    if oracle is None:
        with pytest.warns(SolverWarning, match="pure Nash equilibrium"):
            result = solve_stackelberg(game)
        assert result.status is SolverStatus.NO_PURE_EQUILIBRIUM and np.isnan(result.leader_value)
        return
    result = solve_and_grade(game)
    assert result.leader_value == pytest.approx(oracle[0], abs=1e-6)


@settings(max_examples=60)
@given(st.integers(1, 2).flatmap(lambda k: payoff_tensors(followers=k, max_leader=4 - k, max_follower=4 - k,
                                                         low=0, high=1)),
       st.sampled_from(["auto", "multiple-lp"]))
def test_zero_one_payoffs_full_of_ties_match_vertex_enumeration(payoffs, method):
    """Payoffs in {0, 1}: duplicated actions, constant slices and ties at almost every vertex, the
    cases where the strong tie-break and the stop rule of the search matter most."""
    oracle = stackelberg_by_vertices(payoffs)
    if oracle is None:
        with pytest.warns(SolverWarning, match="pure Nash equilibrium"):
            result = solve_stackelberg(StackelbergNashGame(payoffs), method=method)
        assert result.status is SolverStatus.NO_PURE_EQUILIBRIUM
        return
    result = solve_and_grade(StackelbergNashGame(payoffs), method=method)
    assert result.leader_value == pytest.approx(oracle[0], abs=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_three_followers_match_vertex_enumeration(seed):
    game = random_game(seed, (3, 2, 2, 2))
    result = solve_and_grade(game)
    assert result.leader_value == pytest.approx(stackelberg_by_vertices(game.payoffs)[0], abs=1e-6)


@pytest.mark.parametrize("seed,shape", [(0, (30, 30)), (1, (40, 25)), (2, (15, 60)), (3, (6, 7, 8)), (4, (4, 5, 5, 5))])
def test_pruned_search_matches_plain_multiple_lp(seed, shape):
    game = random_game(seed, shape)
    pruned = solve_and_grade(game)
    plain = solve_and_grade(game, method="multiple-lp")
    assert pruned.leader_value == pytest.approx(plain.leader_value, abs=1e-9)
    assert pruned.details["n_lps"] <= plain.details["n_lps"]
    assert plain.details["n_lps"] == plain.details["candidates"]


# --- what the result records ---------------------------------------------------------------

@given(bimatrix_games())
def test_upper_bounds_dominate_every_action_value(game):
    """details["upper_bounds"][j] >= LP value of follower action j (oracle), and <= the optimum."""
    result = solve_and_grade(game)
    bounds = np.array([-np.inf if b is None else b for b in result.details["upper_bounds"]])
    assert np.all(per_action_values(game.payoffs) <= bounds + 1e-7)
    assert np.all(bounds <= result.leader_value + 1e-7)


@given(st.integers(1, 2).flatmap(lambda k: payoff_tensors(followers=k, max_leader=3, max_follower=3)))
def test_dual_certificate_proves_the_lp_optimum(payoffs):
    """μ = value, λ >= 0 and μ·1 + Σ λ_d g_d >= A[:, y] (LP duality for the chosen profile)."""
    game = StackelbergNashGame(payoffs)
    assume(stackelberg_by_vertices(payoffs) is not None)  # two followers may have no pure equilibrium
    result = solve_and_grade(game)
    certificate = result.details["dual_certificate"]
    profile = result.follower_actions
    multipliers = np.asarray(certificate["multipliers"])
    assert certificate["mu"] == pytest.approx(result.leader_value, abs=1e-7)
    assert np.all(multipliers >= -1e-9)
    rows = deviation_rows(payoffs, profile)
    chosen = {(i, a): k for k, (i, a) in enumerate(_deviation_order(payoffs, profile))}
    gain_rows = np.array([rows[chosen[(i, a)]] for i, a in certificate["deviations"]]).reshape(-1, payoffs.shape[1])
    slack = certificate["mu"] + multipliers @ gain_rows - payoffs[(0, slice(None)) + profile]
    assert np.all(slack >= -1e-7)


def _deviation_order(payoffs, profile):
    return [(i, a) for i, own in enumerate(profile) for a in range(payoffs.shape[2 + i]) if a != own]


def test_ties_are_reported_and_broken_for_the_leader():
    # the follower is indifferent between its two actions at every commitment; the leader's
    # payoff is higher under action 1, so the strong tie-break picks it
    game = StackelbergNashGame.from_bimatrix([[0, 5], [1, 2]], [[3, 3], [3, 3]])
    result = solve_and_grade(game)
    assert result.follower_actions == (1,) and result.leader_value == pytest.approx(5.0)
    assert result.rests_on_tie and result.details["tied_actions"] == [0]


def test_strict_answer_has_no_tie():
    game = StackelbergNashGame.from_bimatrix([[1, 0], [0, 0]], [[1, 0], [0, 1]])
    result = solve_and_grade(game)  # pure commitment to row 0: follower strictly prefers column 0
    assert result.leader_value == pytest.approx(1.0) and not result.rests_on_tie
    assert result.details["tied_deviations"] == []


def test_dominated_follower_actions_are_pruned_without_lps():
    rng = np.random.default_rng(7)
    leader = rng.uniform(size=(5, 6))
    follower = rng.uniform(size=(5, 6))
    follower[:, 3:] = follower[:, :3] - 1.0  # actions 3..5 strictly dominated by 0..2
    leader[:, 3:] = 10.0  # and attractive to the leader, so they come first in the search
    result = solve_and_grade(StackelbergNashGame.from_bimatrix(leader, follower))
    assert result.details["pruned_dominated"] == 3 and result.follower_actions[0] < 3


# --- metamorphic properties ---------------------------------------------------------------

@given(bimatrix_games(), st.randoms(use_true_random=False))
def test_relabelling_actions_permutes_the_answer(game, random):
    m, n = game.n_leader_actions, game.n_follower_actions[0]
    rows, cols = list(range(m)), list(range(n))
    random.shuffle(rows)
    random.shuffle(cols)
    permuted = StackelbergNashGame(game.payoffs[:, rows][:, :, cols])
    original = solve_and_grade(game)
    result = solve_and_grade(permuted)
    assert result.leader_value == pytest.approx(original.leader_value, abs=1e-7)
    # the original answer, relabelled, is feasible and optimal in the permuted game
    relabelled_x = original.leader_strategy[rows]
    relabelled_y = (cols.index(original.follower_actions[0]),)
    value = grade_stackelberg(permuted.payoffs, relabelled_x, relabelled_y, tol=1e-8)
    assert value == pytest.approx(result.leader_value, abs=1e-7)


@given(bimatrix_games(), st.integers(1, 4), st.integers(-3, 3), st.integers(1, 4), st.integers(-3, 3))
def test_positive_affine_rescaling_keeps_strategies(game, a, b, c, d):
    scaled = StackelbergNashGame.from_bimatrix(a * game.leader_payoffs + b, c * game.follower_payoffs[0] + d)
    original = solve_and_grade(game)
    result = solve_and_grade(scaled)
    assert result.leader_value == pytest.approx(a * original.leader_value + b, abs=1e-7)
    assert result.follower_actions == original.follower_actions
    np.testing.assert_allclose(result.leader_strategy, original.leader_strategy, atol=1e-9)


@given(bimatrix_games(), st.integers(-5, 20))
def test_adding_a_strictly_dominated_follower_action_changes_nothing(game, leader_bonus):
    follower = game.follower_payoffs[0]
    extra_follower = follower.min(axis=1, keepdims=True) - 1.0  # strictly below every column
    extra_leader = np.full((game.n_leader_actions, 1), float(leader_bonus))
    bigger = StackelbergNashGame.from_bimatrix(np.hstack([game.leader_payoffs, extra_leader]),
                                               np.hstack([follower, extra_follower]))
    original = solve_and_grade(game)
    result = solve_and_grade(bigger)
    assert result.leader_value == pytest.approx(original.leader_value, abs=1e-7)
    assert result.follower_actions[0] < game.n_follower_actions[0]


@given(bimatrix_games(max_leader=3), st.data())
def test_an_extra_leader_action_never_lowers_the_value(game, data):
    n = game.n_follower_actions[0]
    row = np.array(data.draw(st.lists(st.integers(-5, 5), min_size=2 * n, max_size=2 * n)), dtype=float)
    bigger = StackelbergNashGame.from_bimatrix(np.vstack([game.leader_payoffs, row[:n]]),
                                               np.vstack([game.follower_payoffs[0], row[n:]]))
    assert solve_and_grade(bigger).leader_value >= solve_and_grade(game).leader_value - 1e-7


@settings(max_examples=40)
@given(bimatrix_games(max_leader=3, max_follower=3))
def test_stackelberg_value_is_at_least_every_nash_value(game):
    """von Stengel & Zamir (GEB 2010): committing is worth at least any Nash equilibrium payoff."""
    value = solve_and_grade(game).leader_value
    equilibria = support_enumeration(NormalFormGame(game.payoffs))
    assert equilibria, "every finite game has a Nash equilibrium"
    for x, y in equilibria:
        nash_value = np.array(x, dtype=float) @ game.leader_payoffs @ np.array(y, dtype=float)
        assert value >= nash_value - 1e-7


@given(st.integers(1, 2).flatmap(lambda k: payoff_tensors(followers=k, max_leader=3, max_follower=3)))
def test_mixed_commitment_is_at_least_pure_commitment(payoffs):
    game = StackelbergNashGame(payoffs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)  # no pure equilibrium at any pure commitment
        pure = solve_pure_commitment(game)
    assume(pure.ok)
    assert solve_and_grade(game).leader_value >= pure.leader_value - 1e-7


# --- input errors -------------------------------------------------------------------------

def test_rejects_a_normal_form_game():
    with pytest.raises(ValidationError, match="game: expected a StackelbergNashGame"):
        solve_stackelberg(NormalFormGame([[[1, 0], [0, 1]], [[1, 0], [0, 1]]]))


@pytest.mark.parametrize("tol,message", [(-1.0, "tol: must be >= 0"), (1e-12, "tol: must be >= 1e-09"),
                                         (float("nan"), "tol: must be finite")])
def test_rejects_bad_tolerance(tol, message):
    game = StackelbergNashGame.from_bimatrix([[1, 0]], [[0, 1]])
    with pytest.raises(ValidationError, match=message):
        solve_stackelberg(game, tol=tol)


def test_rejects_unknown_method():
    game = StackelbergNashGame.from_bimatrix([[1, 0]], [[0, 1]])
    with pytest.raises(ValidationError, match="method: expected one of"):
        solve_stackelberg(game, method="simplex")


def test_refuses_too_many_follower_profiles():
    # two followers with 1001 actions each: 1001**2 > 1e6 pure follower profiles
    game = StackelbergNashGame(np.zeros((3, 1, 1001, 1001)))
    assert 1001 ** 2 > MAX_FOLLOWER_PROFILES
    with pytest.raises(ValidationError, match="pure follower profiles exceed"):
        solve_stackelberg(game)


# --- numerically awkward and degenerate games -----------------------------------------------

@pytest.mark.parametrize("scale,offset", [(1e6, -3e6), (1e-4, 5.0), (1.0, 1e7)])
def test_large_and_small_payoff_scales(scale, offset):
    rng = np.random.default_rng(11)
    leader, follower = rng.integers(-5, 6, size=(2, 4, 5)).astype(float)
    base = solve_and_grade(StackelbergNashGame.from_bimatrix(leader, follower))
    scaled = StackelbergNashGame.from_bimatrix(scale * leader + offset, scale * follower + offset)
    result = solve_stackelberg(scaled)
    grade_stackelberg(scaled.payoffs, result.leader_strategy, result.follower_actions, tol=1e-8 * max(1.0, abs(offset)))
    assert result.leader_value == pytest.approx(scale * base.leader_value + offset, rel=1e-9, abs=1e-9)


@settings(max_examples=30)
@given(bimatrix_games(), st.sampled_from([(2.0 ** -40, 1.0), (2.0 ** 40, -3.0), (2.0 ** -20, 1e6)]),
       st.sampled_from(["auto", "multiple-lp"]))
def test_dyadic_rescaling_gives_the_same_commitment(game, map_, method):
    """``c + s·u`` with ``s`` a power of two is stored exactly, so the solver's own rescaling to
    [0, 1] maps the scaled game back onto the original one: the commitment and responses must be
    the same, however small or large ``s`` is next to ``c``."""
    scale, offset = map_
    scaled = StackelbergNashGame(offset + scale * game.payoffs)
    assert np.array_equal((scaled.payoffs - offset) / scale, game.payoffs)  # the map is exact
    original = solve_and_grade(game, method=method)
    result = solve_stackelberg(scaled, method=method)
    assert result.follower_actions == original.follower_actions
    np.testing.assert_allclose(result.leader_strategy, original.leader_strategy, atol=1e-12)
    if scale >= 1:  # below 1, the absolute tol (1e-7) is wider than the payoff differences: all tie
        assert result.details["tied_deviations"] == original.details["tied_deviations"]


def test_constant_follower_payoffs_give_the_leaders_best_cell():
    leader = np.array([[1.0, 7.0, 2.0], [3.0, 0.0, 6.5]])
    result = solve_and_grade(StackelbergNashGame.from_bimatrix(leader, np.full((2, 3), 4.0)))
    assert result.leader_value == 7.0 and result.follower_actions == (1,)
    assert result.details["tied_actions"] == [0, 2]


def test_duplicate_follower_columns():
    rng = np.random.default_rng(12)
    leader, follower = rng.uniform(size=(2, 5, 3))
    leader, follower = np.hstack([leader, leader[:, ::-1]]), np.hstack([follower, follower[:, ::-1]])
    game = StackelbergNashGame.from_bimatrix(leader, follower)
    result = solve_and_grade(game)
    assert result.leader_value == pytest.approx(stackelberg_by_vertices(game.payoffs)[0], abs=1e-7)
    assert result.rests_on_tie  # the duplicate of the chosen column always ties


@st.composite
def near_tied_two_row_games(draw):
    """``offset + 1e-7·u`` with small integers ``u``: 1e-7 is not a binary fraction, so the stored
    payoffs carry rounding noise of about 1e-9 of their range, and ties become near-ties either way."""
    k = draw(st.integers(1, 2))
    shape = (1 + k, 2, *(draw(st.integers(1, 3)) for _ in range(k)))
    offset = draw(st.sampled_from([3.0, -7.0, 1e3, 0.1]))
    return offset + 1e-7 * draw(hnp.arrays(np.int64, shape, elements=st.integers(-2, 2)))


@settings(max_examples=60)
@given(near_tied_two_row_games(), st.sampled_from(["auto", "multiple-lp"]))
def test_near_ties_never_cost_the_leader_against_the_exact_optimum(payoffs, method):
    """Exact rational oracle (two leader actions): no pruning or stopping rule loses a better profile.

    Within the LP tolerance a profile that is infeasible by ~1e-9 may still be taken, so the
    solver's value may exceed the exact one; it may never fall below it, and its answer must
    pass direct grading at that tolerance. (HiGHS 1.16 once ended a plainly infeasible LP of
    such a game with status kUnknown; the LP is then re-solved from scratch.)
    """
    exact = stackelberg_two_rows_exact(payoffs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)
        result = solve_stackelberg(StackelbergNashGame(payoffs), method=method)
    if exact is None and not result.ok:
        assert result.status is SolverStatus.NO_PURE_EQUILIBRIUM
        return
    assert result.ok, result.details
    rounding = 1e-14 * float(np.abs(payoffs).max())
    follower_span = float(np.ptp(payoffs[1:]))
    grade_stackelberg(payoffs, result.leader_strategy, result.follower_actions, tol=2e-9 * follower_span + rounding)
    if exact is not None:
        assert result.leader_value >= float(exact[0]) - 1e-9 * float(np.ptp(payoffs[0])) - rounding


def test_plain_method_survives_an_lp_highs_leaves_undecided():
    """The 3 ± 1e-7 game in which HiGHS 1.16 (dual simplex, no presolve) ended profile (2, 1)'s
    infeasible LP with kUnknown. Exact oracle: profile (1, 1) at x = (1/2, 1/2), value 3 + 4e-16
    (profile (2, 2), worth 3 + 2e-7 with the payoffs as written, is infeasible by 1.1e-9 in x_0
    once they are rounded to binary)."""
    u = np.array([[[[1, -1, 0], [2, -2, -2], [2, -2, 2]], [[-1, -1, -1], [1, 2, -2], [-2, 2, 2]]],
                  [[[-2, 2, -2], [-2, 2, 2], [-2, 1, -1]], [[0, -1, 2], [-1, -1, -1], [-2, 0, 2]]],
                  [[[0, 1, 2], [1, 2, 1], [0, -1, 1]], [[0, 1, -1], [-2, 2, 1], [2, 1, 1]]]], dtype=float)
    game = StackelbergNashGame(3.0 + 1e-7 * u)
    exact_value, _, exact_profile = stackelberg_two_rows_exact(game.payoffs)
    assert exact_profile == (1, 1)
    for method in ("auto", "multiple-lp"):
        result = solve_stackelberg(game, method=method)
        assert result.ok, result.details
        assert result.follower_actions == exact_profile
        assert result.leader_value == pytest.approx(float(exact_value), abs=1e-15)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_pruned_search_matches_plain_on_100x100(seed):
    game = random_game(100 + seed, (100, 100))
    pruned = solve_and_grade(game)
    plain = solve_and_grade(game, method="multiple-lp")
    assert pruned.leader_value == pytest.approx(plain.leader_value, abs=1e-9)


def test_an_lp_failure_is_reported_not_guessed(monkeypatch):
    from sedtheory.solvers import _highs, stackelberg

    def broken(self):
        return _highs.LPSolution("error", message="HiGHS model status kSolveError (simulated)")

    monkeypatch.setattr(stackelberg.CommitmentLP, "solve", broken)
    game = StackelbergNashGame.from_bimatrix([[2, 4], [1, 3]], [[1, 0], [0, 1]])
    result = solve_stackelberg(game)
    assert result.status is SolverStatus.NUMERICAL_ERROR and not result.ok
    assert "simulated" in result.details["message"] and np.isnan(result.leader_value)


@pytest.mark.parametrize("method,row", [("auto", 0), ("multiple-lp", 1)])
def test_an_lp_optimum_that_breaks_its_rows_is_never_returned(monkeypatch, method, row):
    """A broken LP that calls one pure row optimal whatever rows it holds, in the Conitzer-Sandholm
    game (the follower matches the leader's row, gain 1). The best-first search starts with
    column 1 at row 0, adds the violated row and is told row 0 again; the plain search takes
    column 0, its first profile, at row 1. Both answers would be false: the tie rule's check
    finds the broken rows and the exact rational LP replaces them. (A stub that returns a
    feasible but suboptimal point for column 1 cannot be caught by a feasibility check: the plain
    search then reports that point, 3 at row 1, with the follower best-responding.)
    """
    from sedtheory.solvers import _highs, stackelberg

    def stubborn(self):
        x = np.eye(2)[row]
        return _highs.LPSolution("optimal", x=x, value=4.0, simplex_dual=4.0, row_duals=np.zeros(self.n_rows))

    monkeypatch.setattr(stackelberg.CommitmentLP, "solve", stubborn)
    game = StackelbergNashGame.from_bimatrix([[2, 4], [1, 3]], [[1, 0], [0, 1]])
    result = solve_stackelberg(game, method=method)
    assert result.ok and result.follower_actions == (1,)
    assert follower_gaps(game, result.leader_strategy, result.follower_actions)[0] <= 0.0
    if method == "auto":  # the exact LP of column 1: 3.5 at (1/2, 1/2) (Conitzer & Sandholm 2006)
        assert result.leader_value == 3.5 and result.leader_strategy.tolist() == [0.5, 0.5]


@pytest.mark.parametrize("seed", range(3))
def test_ties_are_reported_at_any_payoff_scale(seed):
    """Scaling both players' payoffs by 1e9 changes no best response, so the tied follower actions
    stay the same. With only the absolute ``tol`` (1e-7), the LP's rounding (about 1e-16 of x,
    i.e. 1e-7 payoff units at this scale) hid the tie in about one game in ten."""
    rng = np.random.default_rng(40 + seed)
    for _ in range(10):
        leader, follower = rng.uniform(size=(2, 8, 8))
        base = solve_and_grade(StackelbergNashGame.from_bimatrix(leader, follower))
        large = solve_stackelberg(StackelbergNashGame.from_bimatrix(1e9 * leader, 1e9 * follower))
        assert large.follower_actions == base.follower_actions
        assert large.details["tied_actions"] == base.details["tied_actions"]
        assert large.rests_on_tie == base.rests_on_tie
