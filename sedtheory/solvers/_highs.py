"""A small warm-startable LP over the leader's simplex, solved by HiGHS (Huangfu & Hall 2018).

Every exact Stackelberg LP in this package has the same shape::

    maximise    c · x
    subject to  Σ_l x_l = 1,  x ≥ 0          (x is a mixed leader commitment, shape (m,))
                G x ≤ 0                      (one row per follower deviation; rows added lazily)

:class:`CommitmentLP` holds one such LP inside a HiGHS instance, so rows can be added and the
LP re-solved from the previous optimal basis (dual simplex warm start); this is what makes
constraint generation cheap. ``highspy`` is the Python interface of HiGHS (a dependency of
cvxpy, declared explicitly in ``pyproject.toml``); its private ``_Highs`` class is used when
present because the public subclass prints a banner on standard output, which would corrupt
the JSON printed by the command line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

try:  # the bare binding: no banner on stdout, no callback machinery
    from highspy._core import _Highs as _HighsClass
except ImportError:  # pragma: no cover - older or newer highspy layouts
    from highspy import Highs as _HighsClass
import highspy

_INF = highspy.kHighsInf
_OPTIMAL = highspy.HighsModelStatus.kOptimal
# The feasible set lies in the simplex, so the LP is never unbounded: presolve's
# "unbounded or infeasible" verdict can only mean infeasible.
_INFEASIBLE = (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible)


@dataclass(frozen=True)
class LPSolution:
    """Outcome of one LP solve.

    Attributes:
        status: ``"optimal"``, ``"infeasible"`` or ``"error"`` (with the HiGHS status in ``message``).
        x: ``(m,)`` primal solution (``None`` unless optimal).
        value: optimal objective ``c · x``.
        simplex_dual: multiplier ``μ`` of the row ``Σ x = 1``.
        row_duals: ``(r,)`` multipliers ``λ ≥ 0`` of the rows ``G x ≤ 0``, in the order added.
            Together they certify optimality: ``μ·1 + Gᵀλ ≥ c`` and ``μ = value``.
    """

    status: str
    x: np.ndarray | None = None
    value: float = float("nan")
    simplex_dual: float = float("nan")
    row_duals: np.ndarray | None = None
    message: str = ""


class CommitmentLP:
    """``max c·x  s.t.  x ∈ Δ_m,  G x ≤ 0`` with rows of ``G`` added incrementally.

    Args:
        objective: ``(m,)`` leader payoff column ``c``.
        feasibility_tol: HiGHS primal and dual feasibility tolerance.
    """

    def __init__(self, objective: np.ndarray, feasibility_tol: float = 1e-10) -> None:
        objective = np.asarray(objective, dtype=float)
        self.m = int(objective.size)
        self.n_rows = 0
        self._index = np.arange(self.m, dtype=np.int32)
        highs = _HighsClass()
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("presolve", "off")
        highs.setOptionValue("primal_feasibility_tolerance", feasibility_tol)
        highs.setOptionValue("dual_feasibility_tolerance", feasibility_tol)
        highs.addVars(self.m, np.zeros(self.m), np.full(self.m, _INF))
        highs.changeColsCost(self.m, self._index, objective)
        highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        highs.addRow(1.0, 1.0, self.m, self._index, np.ones(self.m))
        self._highs = highs

    def add_rows(self, rows: np.ndarray) -> None:
        """Append constraints ``rows @ x ≤ 0``; ``rows`` has shape ``(r, m)``."""
        rows = np.ascontiguousarray(rows, dtype=float).reshape(-1, self.m)
        count = rows.shape[0]
        if count == 0:
            return
        starts = np.arange(count, dtype=np.int32) * self.m
        indices = np.tile(self._index, count)
        self._highs.addRows(count, np.full(count, -_INF), np.zeros(count), rows.size,
                            starts, indices, rows.ravel())
        self.n_rows += count

    def solve(self) -> LPSolution:
        """Solve (warm-started from the last basis when rows were added since).

        When the warm-started dual simplex ends without a verdict (HiGHS 1.16 was seen to end a
        plainly infeasible two-variable LP of nearly tied payoffs with ``kUnknown``), the LP is
        solved once more from scratch with presolve; only a status HiGHS reaches that way counts.
        """
        self._highs.run()
        status = self._highs.getModelStatus()
        if status != _OPTIMAL and status not in _INFEASIBLE:
            status = self._solve_from_scratch()
        if status in _INFEASIBLE:
            return LPSolution("infeasible")
        if status != _OPTIMAL:
            return LPSolution("error", message=f"HiGHS model status {status}")
        solution = self._highs.getSolution()
        duals = np.asarray(solution.row_dual, dtype=float)  # maximisation: λ ≥ 0 on "≤" rows
        return LPSolution(
            "optimal",
            x=np.asarray(solution.col_value, dtype=float),
            value=float(self._highs.getInfo().objective_function_value),
            simplex_dual=float(duals[0]),
            row_duals=duals[1:],
        )

    def _solve_from_scratch(self):
        """Forget the basis, solve with presolve on, and switch presolve off again for warm starts."""
        self._highs.clearSolver()
        self._highs.setOptionValue("presolve", "on")
        self._highs.run()
        self._highs.setOptionValue("presolve", "off")
        return self._highs.getModelStatus()
