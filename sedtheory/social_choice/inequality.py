"""Inequality metrics of outcome vectors: the Gini coefficient and the Atkinson index.

* Gini (Gini 1912): ``G = sum_i sum_j |x_i - x_j| / (2 n^2 mean(x))``, computed from the
  sorted vector as ``G = 2 sum_i i x_(i) / (n sum_i x_i) - (n + 1) / n`` (``i`` 1-based,
  ``x_(1) <= ... <= x_(n)``; Sen 1973, *On Economic Inequality*, eq. 2.8). For
  non-negative vectors ``0 <= G <= 1 - 1/n``.
* Atkinson (Atkinson 1970, "On the measurement of inequality", J. Econ. Theory 2):
  ``A_eps = 1 - M_{1-eps}(x) / mean(x)`` with ``M_p`` the power mean of order ``p``
  (``M_0`` the geometric mean); ``0 <= A_eps <= 1``.

Both are defined for non-negative outcomes (apples); a negative entry raises
:class:`~sedtheory.ValidationError`. Conventions for degenerate vectors (decisions):
an all-zero vector is perfectly equal (both metrics 0); for ``eps >= 1`` a vector with a
zero entry and a positive mean has ``A_eps = 1`` (the power mean of order ``<= 0`` is 0).

Vectorised: ``values`` ``(..., n)`` -> ``(...)``.
"""

from __future__ import annotations

import numpy as np

from sedtheory._validate import ValidationError, nonnegative_scalar
from sedtheory.social_choice.welfare import _outcomes

__all__ = ["atkinson", "gini"]


def _nonnegative_outcomes(values) -> np.ndarray:
    array = _outcomes("values", values)
    if np.any(array < 0):
        bad = tuple(int(i) for i in np.argwhere(array < 0)[0])
        raise ValidationError(
            f"values: negative outcome {array[bad]} at index {bad}; inequality metrics need values >= 0"
        )
    return array


def gini(values) -> np.ndarray:
    """Gini coefficient of each outcome vector (0 = equal, ``1 - 1/n`` = one holds all).

    Args:
        values: ``(..., n)`` non-negative outcomes.

    Returns:
        ``(...)`` Gini coefficients; 0 for an all-zero vector.
    """
    array = _nonnegative_outcomes(values)
    n = array.shape[-1]
    ordered = np.sort(array, axis=-1)
    ranks = np.arange(1, n + 1, dtype=float)
    total = ordered.sum(axis=-1)
    safe = np.where(total > 0, total, 1.0)
    coefficient = 2.0 * (ordered * ranks).sum(axis=-1) / (n * safe) - (n + 1.0) / n
    return np.where(total > 0, coefficient, 0.0)


def _power_mean(array: np.ndarray, order: float) -> np.ndarray:
    """Power mean of order ``order`` over the last axis of a non-negative array."""
    if order == 0.0:
        with np.errstate(divide="ignore"):
            return np.exp(np.log(array).mean(axis=-1))
    if order < 0.0:
        has_zero = np.any(array == 0, axis=-1)
        safe = np.where(array == 0, 1.0, array)
        with np.errstate(over="ignore"):  # x**order overflowing to inf means a power mean of 0
            mean = (safe**order).mean(axis=-1) ** (1.0 / order)
        return np.where(has_zero, 0.0, mean)
    return (array**order).mean(axis=-1) ** (1.0 / order)


def atkinson(values, epsilon: float) -> np.ndarray:
    """Atkinson inequality index ``A_eps = 1 - M_{1-eps}(x) / mean(x)`` (Atkinson 1970).

    ``eps`` is the inequality aversion: ``eps = 0`` gives 0 for every vector, ``eps = 1``
    uses the geometric mean, ``eps -> inf`` approaches ``1 - min/mean``.

    Args:
        values: ``(..., n)`` non-negative outcomes.
        epsilon: inequality aversion ``>= 0``.

    Returns:
        ``(...)`` indices in ``[0, 1]``; 0 for an all-zero vector.
    """
    array = _nonnegative_outcomes(values)
    aversion = nonnegative_scalar("epsilon", epsilon)
    mean = array.mean(axis=-1)
    safe = np.where(mean > 0, mean, 1.0)
    index = 1.0 - _power_mean(array, 1.0 - aversion) / safe
    return np.where(mean > 0, index, 0.0)
