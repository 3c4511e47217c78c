"""The principal's levers: divergences, δ-balls, reparameterisations, tax maps, problem (1).

* :mod:`~sedtheory.principal.tax`: the bracket tax ``T(a, phi)`` of Section 4, its
  budget-balanced redistribution and a sympy piecewise form.
* :mod:`~sedtheory.principal.divergence`: ``D(phi0, phi)`` (L1, L2, L∞, TV, KL) and
  :class:`DeltaBall` with membership and Euclidean projection.
* :mod:`~sedtheory.principal.reparam`: maps ``R: xi -> ball`` for unconstrained optimisers.
* :mod:`~sedtheory.principal.problem`: problem (1) by cvxpy (concave objectives) or by
  enumeration of a finite action set.
"""

from sedtheory.principal.divergence import DeltaBall, available_divergences, divergence
from sedtheory.principal.problem import NotConcaveError, PrincipalResult, solve_principal_problem, tax_objective
from sedtheory.principal.reparam import BoxMap, RadialMap, reparameterise
from sedtheory.principal.tax import (
    SymbolicTax,
    bracket_exposure,
    bracket_tax,
    bracket_tax_symbolic,
    redistribute,
    validate_thresholds,
)

__all__ = [
    "BoxMap",
    "DeltaBall",
    "NotConcaveError",
    "PrincipalResult",
    "RadialMap",
    "SymbolicTax",
    "available_divergences",
    "bracket_exposure",
    "bracket_tax",
    "bracket_tax_symbolic",
    "divergence",
    "redistribute",
    "reparameterise",
    "solve_principal_problem",
    "tax_objective",
    "validate_thresholds",
]
