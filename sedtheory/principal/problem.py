"""The divergence-constrained principal problem (1) of the paper (Section 3):

    max_phi  O(phi, pi)   s.t.  D(phi0, phi) <= delta,  phi in Phi (a box),

for *fixed* follower behaviour ``pi`` (the objective is then a function of ``phi`` alone).
Two exact methods:

* ``"cvxpy"``: when the objective is concave in ``phi`` the user passes a function that
  builds it as a cvxpy expression from a ``cp.Variable``; the problem is checked to be DCP
  (Grant, Boyd and Ye 2006, "Disciplined convex programming") and solved by an interior
  point method (Clarabel by default, with tolerances tightened to 1e-9). The answer is
  optimal up to the solver's tolerance (objective ~1e-9; the maximiser ~1e-5 where flat);
  the dual of the divergence constraint is returned so the KKT conditions can be checked.
  A non-concave objective raises :class:`NotConcaveError` instead of a wrong answer.
* ``"enumeration"``: on a finite action set (an array of candidate ``phi``, e.g. the
  paper code's 11 rates per bracket) every feasible candidate is evaluated; exact, and all
  maximisers (within ``tol``) are reported.

:func:`tax_objective` builds the Section 4 example: with the players' incomes fixed, the
objective ``O_eta`` of post-tax-and-transfer incomes is concave in the tax rates, because
``T(x, phi) = W(x) @ phi`` is linear in ``phi`` and ``min`` is concave.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from sedtheory._json import json_ready
from sedtheory._result import ResultRecord, SolverStatus, solver_status
from sedtheory._validate import DEFAULT_TOL, ValidationError, finite_array, nonnegative_scalar
from sedtheory.principal._cvx import solve
from sedtheory.principal.divergence import DeltaBall
from sedtheory.principal.tax import bracket_exposure

if TYPE_CHECKING:  # annotations only; cvxpy is imported where it is used
    import cvxpy as cp

__all__ = ["NotConcaveError", "PrincipalResult", "solve_principal_problem", "tax_objective"]


class NotConcaveError(ValidationError):
    """The objective passed to the cvxpy method is not a concave (DCP) expression."""


@dataclass(frozen=True, eq=False)
class PrincipalResult(ResultRecord):
    """Answer to problem (1).

    Attributes:
        status: a :class:`~sedtheory.SolverStatus`: ``OPTIMAL``, ``INFEASIBLE``,
            ``UNBOUNDED`` or ``NUMERICAL_ERROR`` (a ``str`` enum: equal to ``"optimal"`` etc.;
            a string is accepted and converted).
        phi: ``(L,)`` an optimal action (``None`` unless optimal).
        value: the optimal objective value (``-inf`` when infeasible).
        method: ``"enumeration"`` or ``"cvxpy:<SOLVER>"``.
        ball: the feasible set ``{phi : D(phi0, phi) <= delta} ∩ box``.
        tol: the tolerance the answer is exact up to.
        details: re-checking material: for enumeration ``n_candidates``, ``n_feasible``,
            ``maximisers`` (candidate indices within ``tol`` of the best); for cvxpy
            ``divergence_dual`` (multiplier of ``D <= delta``) and ``solver_status``.
    """

    status: SolverStatus
    phi: np.ndarray | None
    value: float
    method: str
    ball: DeltaBall
    tol: float = DEFAULT_TOL
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", solver_status("status", self.status))

    def to_dict(self) -> dict:
        """JSON-ready dictionary (:mod:`sedtheory._json`; the ball as its divergence, center, radius
        and box, an open side of the box as ``None``; an infeasible problem's ``-inf`` value as ``None``)."""
        ball = self.ball
        return json_ready({
            "status": self.status,
            "phi": self.phi,
            "value": self.value,
            "method": self.method,
            "tol": self.tol,
            "ball": {"divergence": ball.divergence, "center": ball.center, "radius": ball.radius,
                     "lower": ball.lower, "upper": ball.upper},
            "details": self.details,
        })


def _bounds(bounds) -> tuple:
    if bounds is None:
        return None, None
    try:
        lower, upper = bounds
    except (TypeError, ValueError):
        raise ValidationError(f"bounds: expected a pair (lower, upper), got {bounds!r}") from None
    return lower, upper


def solve_principal_problem(
    objective: Callable,
    center,
    divergence: str,
    radius: float,
    bounds=None,
    *,
    candidates=None,
    vectorized: bool = True,
    solver: str = "CLARABEL",
    tol: float = DEFAULT_TOL,
) -> PrincipalResult:
    """Solve problem (1) exactly, by cvxpy (concave objective) or enumeration (``candidates``).

    Args:
        objective: with ``candidates``: a function of ``(K, L)`` actions returning ``(K,)``
            values (or of one ``(L,)`` action returning a number if ``vectorized=False``).
            Without: a function ``cp.Variable (L,) -> concave scalar cp.Expression``.
        center: ``(L,)`` the status quo ``phi0``.
        divergence: a name from :func:`~sedtheory.principal.available_divergences`.
        radius: ``delta >= 0``.
        bounds: ``(lower, upper)`` of the box Φ (scalars or ``(L,)``), or ``None``.
        candidates: ``(K, L)`` finite action set to enumerate, or ``None`` for cvxpy.
        vectorized: how ``objective`` is called on candidates (see above).
        solver: cvxpy solver name for the cvxpy method.
        tol: feasibility tolerance and tie tolerance.

    Returns:
        :class:`PrincipalResult`: ``status``, the maximiser ``phi`` ``(L,)``, its ``value``, the
        feasible set and the re-checking material in ``details``. An infeasible problem is a
        status, not an exception.

    Raises:
        NotConcaveError: the cvxpy method got an objective that is not concave under DCP rules.
        ValidationError: bad centre, radius, bounds, candidates or objective output.
    """
    ball = DeltaBall(divergence, center, radius, *_bounds(bounds))
    if candidates is not None:
        return _enumerate(objective, ball, candidates, vectorized, tol)
    return _solve_cvxpy(objective, ball, solver, tol)


def _evaluate(objective: Callable, points: np.ndarray, vectorized: bool) -> np.ndarray:
    if vectorized:
        values = np.asarray(objective(points), dtype=float)
    else:
        values = np.array([float(objective(point)) for point in points])
    if values.shape != (points.shape[0],):
        raise ValidationError(f"objective: returned shape {values.shape} for {points.shape[0]} candidates")
    if np.any(np.isnan(values)):
        raise ValidationError(f"objective: NaN value at candidate {int(np.argmax(np.isnan(values)))}")
    return values


def _enumerate(objective, ball: DeltaBall, candidates, vectorized: bool, tol: float) -> PrincipalResult:
    points = finite_array("candidates", candidates, shape=(None, ball.dim))
    feasible = np.flatnonzero(ball.contains(points, tol=tol))
    details = {"n_candidates": int(points.shape[0]), "n_feasible": int(feasible.size)}
    if feasible.size == 0:
        return PrincipalResult(SolverStatus.INFEASIBLE, None, -np.inf, "enumeration", ball, tol, {**details, "maximisers": []})
    values = _evaluate(objective, points[feasible], vectorized)
    best = float(values.max())
    maximisers = feasible[values >= best - tol]
    details["maximisers"] = [int(i) for i in maximisers]
    return PrincipalResult(SolverStatus.OPTIMAL, points[maximisers[0]].copy(), best, "enumeration", ball, tol, details)


def _solve_cvxpy(builder: Callable, ball: DeltaBall, solver: str, tol: float) -> PrincipalResult:
    import cvxpy as cp
    variable = cp.Variable(ball.dim)
    try:
        expression = builder(variable)
    except Exception as exc:  # the builder is user code: say what was expected
        raise ValidationError(
            f"objective: calling it on a cvxpy Variable failed ({type(exc).__name__}: {exc}); without "
            "candidates= the objective must build a cvxpy expression"
        ) from exc
    if not isinstance(expression, cp.Expression) or expression.size != 1:
        raise ValidationError("objective: must return a scalar cvxpy Expression (or pass candidates= to enumerate)")
    constraints = ball.cvxpy_constraints(variable)
    problem = cp.Problem(cp.Maximize(expression), constraints)
    if not expression.is_concave() or not problem.is_dcp():
        raise NotConcaveError(
            f"objective: {expression} is not concave under DCP rules, so cvxpy cannot certify a "
            "global optimum; pass candidates= (a finite action set) to solve by enumeration"
        )
    solve(problem, solver)
    method = f"cvxpy:{solver}"
    details = {"solver_status": problem.status}
    if problem.status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
        return PrincipalResult(SolverStatus.INFEASIBLE, None, -np.inf, method, ball, tol, details)
    if problem.status in (cp.UNBOUNDED, cp.UNBOUNDED_INACCURATE):
        return PrincipalResult(SolverStatus.UNBOUNDED, None, np.inf, method, ball, tol, details)
    if problem.status != cp.OPTIMAL or variable.value is None:
        return PrincipalResult(SolverStatus.NUMERICAL_ERROR, None, np.nan, method, ball, tol, details)
    phi = np.asarray(variable.value, dtype=float)
    details["divergence_dual"] = float(np.asarray(constraints[-1].dual_value))  # the ball is the last constraint
    details["max_violation"] = float(max(np.max(c.violation()) for c in constraints))
    return PrincipalResult(SolverStatus.OPTIMAL, phi, float(problem.value), method, ball, tol, details)


def tax_objective(income, thresholds, eta: float) -> Callable[[cp.Variable], cp.Expression]:
    """cvxpy builder of ``O_eta`` of post-tax-and-transfer income, incomes held fixed.

    ``post(phi) = x - W phi + mean(W phi)`` with ``W = bracket_exposure(x, thresholds)``
    (``(n, B)``), and ``O_eta = eta * sum(post) + (1 - eta) * min(post)`` (paper, Section 4),
    a concave function of the rates ``phi``.

    Args:
        income: ``(n_players,)`` incomes of one tax period.
        thresholds: ``(B + 1,)`` bracket edges.
        eta: weight in ``[0, 1]``.
    """
    amounts = finite_array("income", income, ndim=1)
    exposure = bracket_exposure(amounts, thresholds)
    weight = nonnegative_scalar("eta", eta)
    if weight > 1.0:
        raise ValidationError(f"eta: must lie in [0, 1], got {eta!r}")

    def build(rates: cp.Variable) -> cp.Expression:
        import cvxpy as cp
        taxes = exposure @ rates
        post = amounts - taxes + cp.sum(taxes) / amounts.size
        return weight * cp.sum(post) + (1.0 - weight) * cp.min(post)

    return build
