"""The bracket tax T(a, phi) of the Apple Picking Game and its budget-balanced redistribution.

Paper, Section 4: with thresholds ``tau_0 = 0 < tau_1 < ... < tau_B`` and one rate
``phi_b`` per bracket ``[tau_b, tau_{b+1}]``,

    T(x, phi) = sum_{b=0}^{B-1} phi_b * clip(x - tau_b, 0, tau_{b+1} - tau_b),

which equals the paper's indicator form ``phi_b ((tau_{b+1} - tau_b) 1[x > tau_{b+1}] +
(x - tau_b) 1[tau_b < x <= tau_{b+1}])``. Income above ``tau_B`` is not taxed (the paper's
last threshold, 10000 apples, is never reached in a 50-step period). Redistribution is
equal and budget balanced: ``x_i - T(x_i) + (1/n) sum_j T(x_j)`` (Section 4, r_extrinsic).

Worked example (rules sheet ``docs/apple_game.md``): ``tau = (0, 10, 20, 10000)``,
``phi = (0.1, 0.2, 0.3)``: ``T(5) = 0.5``, ``T(15) = 2.0``, ``T(25) = 4.5``.

``T`` is linear in ``phi`` for fixed incomes: ``T(x, phi) = W(x) @ phi`` with the
bracket-width matrix ``W`` of :func:`bracket_exposure`; that is what makes welfare of
post-tax income concave in ``phi`` (see :mod:`sedtheory.principal.problem`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sedtheory._validate import ValidationError, finite_array

if TYPE_CHECKING:  # annotations only; sympy is imported where it is used
    import sympy

__all__ = [
    "SymbolicTax",
    "bracket_exposure",
    "bracket_tax",
    "bracket_tax_symbolic",
    "redistribute",
    "validate_thresholds",
]


def validate_thresholds(thresholds) -> np.ndarray:
    """Check ``tau`` ``(B + 1,)``: starts at 0, strictly increasing; the last may be ``+inf``."""
    try:
        array = np.asarray(thresholds, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"thresholds: cannot be read as a float array ({exc})") from None
    if array.ndim != 1 or array.size < 2:
        raise ValidationError(f"thresholds: expected shape (B + 1,) with B >= 1 brackets, got {array.shape}")
    if np.any(np.isnan(array)) or np.any(np.isinf(array[:-1])) or array[-1] == -np.inf:
        raise ValidationError(f"thresholds: must be finite (the last may be +inf), got {array.tolist()}")
    if array[0] != 0.0:
        raise ValidationError(f"thresholds: the first threshold must be 0, got {array[0]}")
    if np.any(np.diff(array) <= 0):
        raise ValidationError(f"thresholds: must be strictly increasing, got {array.tolist()}")
    array = array.copy()
    array.setflags(write=False)
    return array


def bracket_exposure(income, thresholds) -> np.ndarray:
    """Income falling in each bracket: ``W[..., i, b] = clip(x_i - tau_b, 0, tau_{b+1} - tau_b)``.

    Args:
        income: ``(..., n_players)`` incomes.
        thresholds: ``(B + 1,)`` bracket edges, see :func:`validate_thresholds`.

    Returns:
        ``(..., n_players, B)``; ``T(x, phi) = W @ phi``.
    """
    edges = validate_thresholds(thresholds)
    amounts = finite_array("income", income)
    if amounts.ndim == 0:
        raise ValidationError("income: expected shape (..., n_players), got a scalar")
    return np.clip(amounts[..., None] - edges[:-1], 0.0, np.diff(edges))


def _rates(rates, n_brackets: int) -> np.ndarray:
    """``(..., B)`` rates in ``[0, 1]``: a rate outside would tax more than the income in its
    bracket (rate > 1) or pay a subsidy (rate < 0), which the paper's tax map never does."""
    array = finite_array("rates", rates)
    if array.ndim == 0 or array.shape[-1] != n_brackets:
        raise ValidationError(f"rates: expected shape (..., {n_brackets}) (one rate per bracket), got {array.shape}")
    outside = (array < 0) | (array > 1)
    if np.any(outside):
        index = tuple(int(i) for i in np.argwhere(outside)[0])
        raise ValidationError(f"rates: tax rate {array[index]} at index {index} is outside [0, 1]")
    return array


def bracket_tax(income, rates, thresholds) -> np.ndarray:
    """Tax owed ``T(x_i, phi)`` by each player (paper, Section 4).

    Args:
        income: ``(..., n_players)`` income of the tax period (apples eaten).
        rates: ``(..., B)`` tax rate ``phi_b`` in ``[0, 1]`` per bracket (others are refused);
            leading axes broadcast against those of ``income`` (one rate vector per game).
        thresholds: ``(B + 1,)`` edges ``(0, tau_1, ..., tau_B)``, e.g. ``(0, 10, 20, 10000)``.

    Returns:
        ``(broadcast(income[..., :-1], rates[..., :-1]), n_players)`` taxes; ``0 <= T(x) <= x``
        for ``x >= 0`` and ``T(x) = 0`` for ``x <= 0``.
    """
    exposure = bracket_exposure(income, thresholds)
    tax_rates = _rates(rates, exposure.shape[-1])
    try:
        np.broadcast_shapes(exposure.shape[:-2], tax_rates.shape[:-1])
    except ValueError:
        raise ValidationError(
            f"rates: leading shape {tax_rates.shape[:-1]} does not broadcast against the income's "
            f"{exposure.shape[:-2]} (one rate vector per game)"
        ) from None
    return (exposure * tax_rates[..., None, :]).sum(axis=-1)


def redistribute(income, rates, thresholds) -> np.ndarray:
    """Post-tax-and-transfer income ``x_i - T(x_i) + (1/n) sum_j T(x_j)`` (budget balanced).

    Args: as :func:`bracket_tax`. Returns: same shape as :func:`bracket_tax`; the total
    over players equals the total income.
    """
    amounts = finite_array("income", income)
    tax = bracket_tax(amounts, rates, thresholds)
    return amounts - tax + tax.mean(axis=-1, keepdims=True)


class SymbolicTax(NamedTuple):
    """``expression`` is ``T(income, rates)`` as a sympy ``Piecewise`` in the given symbols."""

    expression: sympy.Expr
    income: sympy.Symbol
    rates: tuple


def _exact(value: float) -> sympy.Expr:
    import sympy
    if value == np.inf:
        return sympy.oo
    return sympy.Integer(int(value)) if float(value).is_integer() else sympy.Rational(value)


def bracket_tax_symbolic(thresholds) -> SymbolicTax:
    """The tax map as a sympy piecewise function of the income ``x`` and rates ``phi_b``.

    One piece per bracket: ``x <= 0 -> 0``; ``tau_b < x <= tau_{b+1} ->
    sum_{c<b} phi_c (tau_{c+1} - tau_c) + phi_b (x - tau_b)``; ``x > tau_B`` -> the full
    tax of all brackets. Thresholds become exact rationals (the float's exact value).

    Args:
        thresholds: ``(B + 1,)`` edges as for :func:`bracket_tax`.
    """
    import sympy
    edges = [_exact(t) for t in validate_thresholds(thresholds)]
    income = sympy.Symbol("x", real=True)
    rates = sympy.symbols(f"phi_0:{len(edges) - 1}", real=True)
    pieces = [(sympy.Integer(0), income <= edges[0])]
    below = sympy.Integer(0)
    for b, rate in enumerate(rates):
        pieces.append((below + rate * (income - edges[b]), income <= edges[b + 1]))
        if edges[b + 1] != sympy.oo:
            below = below + rate * (edges[b + 1] - edges[b])
    pieces.append((below, True))
    return SymbolicTax(sympy.Piecewise(*pieces), income, tuple(rates))
