"""The tie rule's primitives: the exact rational LP against HiGHS, and settle_commitment's verdicts."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.optimize import linprog

from sedtheory.evaluation.ties import TIE_RTOL, exact_commitment_lp, settle_commitment, tie_tolerances


@st.composite
def small_lps(draw):
    m, r = draw(st.integers(1, 4)), draw(st.integers(0, 4))
    objective = draw(hnp.arrays(np.int64, (m,), elements=st.integers(-5, 5))).astype(float)
    rows = draw(hnp.arrays(np.int64, (r, m), elements=st.integers(-5, 5))).astype(float)
    bounds = draw(hnp.arrays(np.int64, (r,), elements=st.integers(-2, 2))).astype(float)
    return objective, rows, bounds


@settings(max_examples=150, deadline=None, derandomize=True)
@given(small_lps())
def test_exact_lp_agrees_with_highs_on_integer_lps(lp):
    """Integer data: HiGHS's tolerance cannot change a verdict (any violation is >= 1/det), so
    its answer is an independent oracle for feasibility and the optimal value."""
    objective, rows, bounds = lp
    m = objective.size
    reference = linprog(-objective, A_ub=rows if rows.size else None, b_ub=bounds if rows.size else None,
                        A_eq=np.ones((1, m)), b_eq=[1.0], bounds=(0, None), method="highs")
    exact = exact_commitment_lp(objective, rows, bounds)
    if reference.status == 2:
        assert exact is None
        return
    assert exact is not None
    value, x = exact
    assert float(value) == pytest.approx(-reference.fun, abs=1e-9)
    assert sum(x) == 1 and all(v >= 0 for v in x)  # exactly on the simplex
    exact_rows = [[Fraction(v) for v in row] for row in rows]
    assert all(sum(g * v for g, v in zip(row, x)) <= Fraction(b) for row, b in zip(exact_rows, bounds))
    assert value == sum(Fraction(c) * v for c, v in zip(objective, x))


def test_exact_lp_known_answers():
    # Conitzer & Sandholm (EC 2006) 2x2: column 1 is a best response iff x0 <= x1; optimum 7/2 at (1/2, 1/2)
    assert exact_commitment_lp([4, 3], [[1, -1]], [0]) == (Fraction(7, 2), [Fraction(1, 2), Fraction(1, 2)])
    # a deviation that gains 2^-30 at every commitment: infeasible, however small the gain
    assert exact_commitment_lp([12, 11], [[2.0**-30, 2.0**-30]], [0]) is None
    # redundant equalities (two copies of one row) leave an artificial basic at zero: still solved
    assert exact_commitment_lp([1, 0], [[1, -1], [1, -1]], [0, 0]) == (Fraction(1, 2), [Fraction(1, 2), Fraction(1, 2)])


def test_settle_keeps_a_good_candidate_and_replaces_a_bad_one():
    rows = np.array([[1.0, -1.0]])  # gain x0 - x1 <= 0
    kept = settle_commitment(np.array([4.0, 3.0]), rows, np.zeros(1), np.full(1, 1e-10), np.array([0.5, 0.5]))
    assert kept.tolist() == [0.5, 0.5]
    # a solver that answers (1, 0) breaks the row by 1: the exact optimum replaces it
    fixed = settle_commitment(np.array([4.0, 3.0]), rows, np.zeros(1), np.full(1, 1e-10), np.array([1.0, 0.0]))
    assert fixed.tolist() == [0.5, 0.5]
    assert settle_commitment(np.array([1.0]), np.zeros((0, 1)), np.zeros(0), np.zeros(0), None) is None


def test_settle_draws_the_line_at_the_tie_tolerance():
    """A row gaining g at every commitment: within τ it is a tie (kept), beyond τ never feasible."""
    tau = 1e-10
    for gain, feasible in ((0.4 * tau, True), (0.9 * tau, True), (1.5 * tau, False), (2.0**-30, False)):
        rows = np.array([[gain, gain]])
        x = settle_commitment(np.array([1.0, 0.0]), rows, np.zeros(1), np.full(1, tau), np.array([1.0, 0.0]))
        assert (x is not None) == feasible, gain


def test_tie_tolerances_scale_with_each_follower():
    payoffs = np.array([[[0.0, 2.0]], [[5.0, 5.0]], [[-3.0, 1e6]]])  # spans 2, 0 (constant), 1e6 + 3
    assert tie_tolerances(payoffs).tolist() == pytest.approx([2 * TIE_RTOL, TIE_RTOL, (1e6 + 3) * TIE_RTOL])
