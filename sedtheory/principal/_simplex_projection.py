"""Euclidean projection onto {x in simplex ∩ box : D(c, x) <= r} for D = TV, KL(c||x), KL(x||c).

Method (KKT conditions; the problem is convex with a strongly convex objective). With a
multiplier ``lam >= 0`` for ``D <= r`` and ``nu`` for ``sum x = 1`` the Lagrangian separates
over coordinates, so for fixed ``(lam, nu)`` each ``x_i`` solves a one-dimensional convex
problem on ``[lo_i, hi_i]``, whose solution is the unconstrained stationary point clipped to
the interval. With ``q = p - nu``:

* TV, ``D = (1/2) sum |x_i - c_i|``: ``x_i = c_i + soft(q_i - c_i, lam/2)`` (soft thresholding);
* KL(c||x), ``D = sum c_i log(c_i/x_i)``: ``x_i^2 - q_i x_i - lam c_i = 0``, the positive root;
* KL(x||c), ``D = sum x_i log(x_i/c_i)``: ``x_i + lam log x_i = q_i - lam + lam log c_i``, so
  ``x_i = lam * omega((q_i - lam)/lam + log(c_i/lam))`` with the Wright omega function
  (Corless and Jeffrey 2002, "The Wright omega function"); ``x_i = 0`` where ``c_i = 0``.

``sum_i x_i`` decreases in ``nu`` and ``D(x(lam))`` decreases in ``lam``, so both multipliers
are found by bisection to machine precision (an inner search for ``nu`` inside the outer one
for ``lam``). The same scheme with ``lam = 0`` is the projection onto simplex ∩ box.
"""

from __future__ import annotations

import numpy as np
from scipy.special import wrightomega

from sedtheory.principal._formulas import raw_divergence

_MAX_STEPS = 200


def _coordinates(kind: str, q: np.ndarray, lam: float, c: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    if lam == 0.0:
        return np.clip(q, lo, hi)
    if kind == "tv":
        step = q - c
        x = c + np.sign(step) * np.maximum(np.abs(step) - 0.5 * lam, 0.0)
    elif kind == "kl":
        root = np.sqrt(q * q + 4.0 * lam * c)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(q >= 0, 0.5 * (q + root), np.where(root - q > 0, 2.0 * lam * c / (root - q), 0.0))
    else:  # reverse_kl
        safe = np.where(c > 0, c, 1.0)
        x = np.where(c > 0, lam * wrightomega((q - lam) / lam + np.log(safe / lam)), 0.0)
    return np.clip(x, lo, hi)


def _bisect_decreasing(function, target: float, start: float, width: float) -> tuple[float, float]:
    """``(a, b)`` with ``function(a) >= target >= function(b)``, ``b - a`` at machine precision."""
    a, b = start - width, start + width
    for _ in range(_MAX_STEPS):
        if function(a) >= target:
            break
        a -= 2.0 * (b - a)
    for _ in range(_MAX_STEPS):
        if function(b) <= target:
            break
        b += 2.0 * (b - a)
    for _ in range(_MAX_STEPS):
        mid = 0.5 * (a + b)
        if mid in (a, b):
            break
        a, b = (mid, b) if function(mid) > target else (a, mid)
    return a, b


def _on_simplex(kind, point, lam, c, lo, hi) -> np.ndarray:
    total = lambda nu: _coordinates(kind, point - nu, lam, c, lo, hi).sum()  # noqa: E731
    _, nu = _bisect_decreasing(total, 1.0, float(point.mean()), 1.0 + float(np.ptp(point)) + lam)
    return _coordinates(kind, point - nu, lam, c, lo, hi)


def project_onto_simplex_ball(kind: str, point, center, radius: float, lower, upper) -> np.ndarray:
    """Projection of ``point`` ``(L,)``; ``center`` on the simplex inside ``[lower, upper]``."""
    if radius == 0.0:
        return np.array(center, dtype=float)
    x = _on_simplex(kind, point, 0.0, center, lower, upper)
    if raw_divergence(kind, center, x) <= radius:
        return x

    def excess(lam: float) -> float:
        return float(raw_divergence(kind, center, _on_simplex(kind, point, lam, center, lower, upper)))

    _, lam = _bisect_decreasing(excess, radius, 0.5, 0.5)  # bracket starts at [0, 1]; lam = 0 is outside
    return _on_simplex(kind, point, lam, center, lower, upper)
