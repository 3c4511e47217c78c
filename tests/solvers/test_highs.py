"""CommitmentLP (the warm-started HiGHS LP behind the Stackelberg solvers): answers, duals, retries."""

from __future__ import annotations

import highspy
import numpy as np
import pytest

from sedtheory.solvers._highs import CommitmentLP


def test_optimum_and_dual_certificate_of_a_small_lp():
    """max 2 x0 + x1 on the simplex with x0 - x1 <= 0: by hand x = (1/2, 1/2), value 3/2; the dual
    μ = 3/2, λ = 1/2 satisfies μ + λ·(1, -1) >= (2, 1) with equality (LP duality)."""
    lp = CommitmentLP(np.array([2.0, 1.0]))
    lp.add_rows(np.array([[1.0, -1.0]]))
    solution = lp.solve()
    assert solution.status == "optimal"
    np.testing.assert_allclose(solution.x, [0.5, 0.5], atol=1e-12)
    assert solution.value == pytest.approx(1.5, abs=1e-12)
    assert solution.simplex_dual == pytest.approx(1.5, abs=1e-12)
    np.testing.assert_allclose(solution.row_duals, [0.5], atol=1e-12)


def test_rows_added_later_are_respected_from_the_warm_start():
    lp = CommitmentLP(np.array([2.0, 1.0]))
    assert lp.solve().value == pytest.approx(2.0)  # no rows: the best pure row
    lp.add_rows(np.array([[1.0, -1.0]]))
    assert lp.solve().value == pytest.approx(1.5)
    lp.add_rows(np.array([[1.0, 1.0]]))  # x0 + x1 <= 0 contradicts Σx = 1
    assert lp.solve().status == "infeasible"


class _UndecidedOnce:
    """Wraps a HiGHS instance; its first verdict is kUnknown, as HiGHS 1.16 gave on a degenerate LP."""

    def __init__(self, highs):
        self._highs, self.runs = highs, 0

    def run(self):
        self.runs += 1
        return self._highs.run()

    def getModelStatus(self):
        if self.runs == 1:
            return highspy.HighsModelStatus.kUnknown
        return self._highs.getModelStatus()

    def __getattr__(self, name):
        return getattr(self._highs, name)


@pytest.mark.parametrize("rows,status,value", [([[1.0, -1.0]], "optimal", 1.5), ([[1.0, 1.0]], "infeasible", None)])
def test_an_undecided_solve_is_retried_from_scratch(rows, status, value):
    lp = CommitmentLP(np.array([2.0, 1.0]))
    lp.add_rows(np.array(rows))
    lp._highs = _UndecidedOnce(lp._highs)
    solution = lp.solve()
    assert lp._highs.runs == 2 and solution.status == status
    assert lp._highs.getOptionValue("presolve")[1] == "off"  # later warm starts skip presolve again
    if value is not None:
        assert solution.value == pytest.approx(value, abs=1e-12)
        assert solution.simplex_dual == pytest.approx(value, abs=1e-12)
        lp.add_rows(np.array([[3.0, -1.0]]))  # warm start after the retry: 3 x0 <= x1 gives x = (1/4, 3/4)
        assert lp.solve().value == pytest.approx(1.25, abs=1e-12)


def test_an_lp_still_undecided_after_the_retry_is_an_error():
    lp = CommitmentLP(np.array([2.0, 1.0]))
    wrapped = _UndecidedOnce(lp._highs)
    wrapped.getModelStatus = lambda: highspy.HighsModelStatus.kUnknown
    lp._highs = wrapped
    solution = lp.solve()
    assert solution.status == "error" and "kUnknown" in solution.message and wrapped.runs == 2
