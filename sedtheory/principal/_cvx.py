"""Shared cvxpy call: tight Clarabel tolerances first, the solver's defaults as a fallback."""

from __future__ import annotations

import warnings

CLARABEL_TIGHT = {"tol_gap_abs": 1e-9, "tol_gap_rel": 1e-9, "tol_feas": 1e-9, "max_iter": 500}
"""Clarabel's defaults (1e-8) leave errors of ~1e-5 in the solution of flat or degenerate
problems (a strongly convex objective is flat to second order at its minimum)."""


def solve(problem, solver: str = "CLARABEL") -> str:
    """Solve a ``cvxpy.Problem`` in place and return its status.

    For Clarabel the tight settings are tried first; if that run does not end ``optimal``
    the problem is solved again with Clarabel's defaults. cvxpy's "may be inaccurate" warning
    is not raised: the caller reads the status and reports it.
    """
    attempts = (CLARABEL_TIGHT, {}) if solver == "CLARABEL" else ({},)
    for settings in attempts:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Solution may be inaccurate")
            problem.solve(solver=solver, **settings)
        if problem.status == "optimal":
            break
    return problem.status
