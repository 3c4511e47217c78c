"""Exact solvers for small games, one algorithm per module, each citing its source."""

from sedtheory.solvers._result import SolverStatus, StackelbergResult

__all__ = ["SolverStatus", "StackelbergResult"]
