"""Near-tied follower payoffs (issue 14): solvers and certificates follow one tie rule and agree
with an exact rational oracle.

The tie rule (sedtheory.evaluation.ties): a follower deviation gains only beyond
τ_i = 1e-10 of the follower's payoff span. Every game here states follower preferences of
2⁻³⁰ ≈ 9.3e-10 of the span or more, below the 1e-9 that HiGHS resolves and above τ, so the
answers must be the exact ones of the stored floats: the oracle (``stackelberg_exact``,
``bayesian_exact`` in solver_oracles.py) enumerates vertices in Fraction arithmetic.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sedtheory import (
    StackelbergNashGame,
    certify,
    certify_bayesian,
    solve_bayesian_stackelberg,
    solve_pure_commitment,
    solve_stackelberg,
)
from sedtheory.evaluation.ties import TIE_RTOL, tie_tolerances
from solver_oracles import bayesian_exact, stackelberg_exact

EPS = 2.0**-30

# Issue 14: the follower prefers column 1 in every row by 2^-30 (≈ 9.3e-10 of its span), so
# column 0 is never a best response; the exact answer is value 1 at x = (1, 0), y = 1.
LEADER = np.array([[12.0, 1.0], [11.0, 0.0]])
FOLLOWER = np.array([[-EPS, 0.0], [1.0 - EPS, 1.0]])
ISSUE = StackelbergNashGame.from_bimatrix(LEADER, FOLLOWER)


def test_the_oracle_states_the_exact_answer_of_the_issue_game():
    value, x, profile = stackelberg_exact(ISSUE.payoffs)
    assert (value, x, profile) == (1, [1, 0], (1,))


def test_certify_passes_the_exact_equilibrium_and_refuses_the_near_tie():
    exact = certify(ISSUE, [1, 0], [1])
    assert exact.holds and exact.epsilon_hat == 0.0 and exact.delta_hat.tolist() == [0.0]
    # column 0 gains the follower 2^-30 > τ: not a best response, and OPT(0) does not use it
    near = certify(ISSUE, [1, 0], [0])
    assert not near.holds and near.delta_hat.tolist() == [EPS]
    assert near.delta_tol.tolist() == pytest.approx([TIE_RTOL * (1 + EPS)], rel=1e-12)
    # with δ = 2^-30 the follower may play column 0, and the leader then gets 12
    relaxed = certify(ISSUE, [1, 0], [0], delta=EPS)
    assert relaxed.holds and relaxed.leader_witness.value == 12.0


@pytest.mark.parametrize("method", ["auto", "pruned", "multiple-lp"])
def test_every_solver_method_gives_the_exact_answer(method):
    result = solve_stackelberg(ISSUE, method=method)  # multiple-lp gave 12 at y = 0
    assert result.leader_value == 1.0 and result.leader_strategy.tolist() == [1.0, 0.0]
    assert result.follower_actions == (1,) and not result.rests_on_tie
    assert certify(ISSUE, result.leader_strategy, result.follower_actions).holds


def test_pure_commitment_and_bayesian_solvers_follow_the_same_rule():
    pure = solve_pure_commitment(ISSUE)  # with tol = 1e-7 as its tie rule it gave 12
    assert (pure.leader_value, pure.follower_actions, pure.rests_on_tie) == (1.0, (1,), False)
    bayes = solve_bayesian_stackelberg(LEADER[None], FOLLOWER[None], [1.0])  # DOBSS gave 12
    assert (bayes.leader_value, bayes.follower_actions) == (1.0, (1,))
    assert bayes.details["cut_responses"] == [[0]]  # the MILP's first answer failed the tie rule
    assert certify_bayesian(LEADER[None], FOLLOWER[None], [1.0], [1, 0], [1]).holds


def test_the_rule_scales_with_the_follower_payoffs():
    """A positive affine map of the follower's payoffs moves τ with them: same answers."""
    scaled = StackelbergNashGame.from_bimatrix(LEADER, 1e6 * FOLLOWER + 3e6)
    assert tie_tolerances(scaled.follower_payoffs)[0] == pytest.approx(1e6 * tie_tolerances(ISSUE.follower_payoffs)[0])
    for method in ("auto", "multiple-lp"):
        result = solve_stackelberg(scaled, method=method)
        assert (result.leader_value, result.follower_actions) == (1.0, (1,))
    assert certify(scaled, [1, 0], [1]).holds and not certify(scaled, [1, 0], [0]).holds


def test_a_region_empty_only_by_two_rows_is_found_empty():
    """Column 0 is a best response only where x0 <= x1 (against column 1) and x0 >= (1 + 2^-29) x1
    (against column 2): exactly never, within 2.4e-10 of the span at x = (1/2, 1/2). HiGHS accepts
    that point at its 1e-9 tolerance; the exact oracle says column 0 is never a best response
    and the optimum is 1 (columns 1 or 2 at a pure commitment), not 10."""
    follower = np.array([[0.0, 1.0, -1.0], [0.0, -1.0, 1.0 + 2 * EPS]])
    leader = np.array([[10.0, 1.0, 0.0], [10.0, 0.0, 1.0]])
    game = StackelbergNashGame.from_bimatrix(leader, follower)
    value, _, _ = stackelberg_exact(game.payoffs)
    assert value == 1
    for method in ("auto", "multiple-lp"):
        result = solve_stackelberg(game, method=method)
        assert result.leader_value == pytest.approx(1.0, abs=1e-12) and result.follower_actions != (0,)
        assert certify(game, result.leader_strategy, result.follower_actions).holds
    assert certify(game, [1, 0], [1]).holds


@st.composite
def near_tie_games(draw):
    """Small games whose follower payoffs are 0 or 1 plus k · 2^-30 (|k| <= 1): preferences of about
    1e-9 of the span, which HiGHS drops (matrix entries below 1e-9) and the tie rule resolves."""
    m, n = draw(st.integers(2, 3)), draw(st.integers(2, 3))
    leader = draw(hnp.arrays(np.int64, (m, n), elements=st.integers(-3, 3))).astype(float)
    base = draw(hnp.arrays(np.int64, (m, n), elements=st.integers(0, 1))).astype(float)
    nudge = draw(hnp.arrays(np.int64, (m, n), elements=st.integers(-1, 1))).astype(float)
    return StackelbergNashGame.from_bimatrix(leader, base + nudge * EPS)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(near_tie_games())
def test_solvers_and_certify_agree_with_the_exact_oracle_on_near_ties(game):
    value, x, profile = stackelberg_exact(game.payoffs)
    exact_x = np.array([float(v) for v in x])
    assert certify(game, exact_x, profile).holds  # the exact equilibrium always passes
    for method in ("auto", "multiple-lp"):
        result = solve_stackelberg(game, method=method)
        assert result.leader_value == pytest.approx(float(value), abs=1e-9)
        assert certify(game, result.leader_strategy, result.follower_actions).holds


@settings(max_examples=25, deadline=None, derandomize=True)
@given(near_tie_games(), near_tie_games(), st.floats(0.1, 0.9))
def test_bayesian_solver_agrees_with_the_exact_oracle_on_near_ties(first, second, weight):
    if first.payoffs.shape != second.payoffs.shape:
        second = first
    leader = np.stack([first.leader_payoffs, second.leader_payoffs])
    follower = np.stack([first.follower_payoffs[0], second.follower_payoffs[0]])
    prior = np.array([weight, 1.0 - weight])
    value, _ = bayesian_exact(leader, follower, prior)
    result = solve_bayesian_stackelberg(leader, follower, prior)
    # the MILP stops within its gap (1e-9 of the leader's span); a misjudged tie moves the value far more
    assert result.ok and result.leader_value == pytest.approx(float(value), abs=1e-7)
    assert certify_bayesian(leader, follower, prior, result.leader_strategy, result.follower_actions).holds
