"""Divergences D(phi0, phi) on the principal's action space, delta-balls and projections.

Problem (1) of the paper (Section 3) limits the principal to ``D(phi0, phi) <= delta``. This
module provides the divergences and the set ``{phi : D(phi0, phi) <= delta} ∩ box``:

=============  ==========================================  =========================
name           D(c, phi)                                    domain
=============  ==========================================  =========================
``l1``         ``sum_i |phi_i - c_i|``                      ℝ^L
``l2``         ``sqrt(sum_i (phi_i - c_i)^2)``              ℝ^L
``linf``       ``max_i |phi_i - c_i|``                      ℝ^L
``tv``         ``(1/2) sum_i |phi_i - c_i|``                probability vectors
``kl``         ``KL(c || phi) = sum_i c_i log(c_i/phi_i)``  probability vectors
``reverse_kl`` ``KL(phi || c)``                             probability vectors
=============  ==========================================  =========================

``kl`` follows the paper's argument order ``D(phi0, phi)``; ``0 log 0 = 0`` and a term
``c_i > 0, phi_i = 0`` is ``+inf``.

Euclidean projection onto ball ∩ box (``DeltaBall.project``):

* ``linf``: the intersection is a box; projection is clipping (exact).
* ``l2``: minimise ``|x - p|^2`` s.t. ``|x - c| <= r``, ``lo <= x <= hi``. KKT with a
  multiplier ``lam`` for the ball gives ``x(lam) = clip((p + lam c)/(1 + lam), lo, hi)``;
  ``|x(lam) - c|`` decreases in ``lam``, found by bisection to machine precision.
* ``l1``: ``x(lam) = c + sign(d) * clip(|d| - lam, 0, cap)`` with ``d = p - c`` (soft
  thresholding then the box); ``g(lam) = sum clip(|d_i| - lam, 0, cap_i)`` is piecewise
  linear, so the root is found exactly among its breakpoints: the sort-based method of
  Duchi, Shalev-Shwartz, Singer and Chandra (2008), "Efficient projections onto the
  l1-ball for learning in high dimensions", ICML, extended with the box caps.
* ``tv``, ``kl``, ``reverse_kl`` on the simplex ∩ box: the KKT conditions separate over
  coordinates for fixed multipliers (soft thresholding for TV, a quadratic root for KL, the
  Wright omega function for reverse KL), and the two multipliers (ball and ``sum = 1``) are
  found by nested bisection to machine precision (``sedtheory.principal._simplex_projection``).
* ``project(..., method="cvxpy")`` solves the same projection with cvxpy (Clarabel, tolerances
  tightened; the exponential cone for KL) for any divergence: accurate in the squared
  distance to ~1e-9, hence in the point only to ~1e-5. It is the independent check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sedtheory._validate import ValidationError, finite_array, nonnegative_scalar, probability_vector, stochastic_array
from sedtheory.principal._cvx import solve
from sedtheory.principal._formulas import NORM_ORDERS, raw_divergence
from sedtheory.principal._simplex_projection import project_onto_simplex_ball

if TYPE_CHECKING:  # annotations only; cvxpy is imported where it is used
    import cvxpy as cp

__all__ = ["DeltaBall", "available_divergences", "divergence"]

SIMPLEX_DIVERGENCES = ("kl", "reverse_kl", "tv")


def available_divergences() -> list[str]:
    """Names accepted by :func:`divergence` and :class:`DeltaBall`."""
    return sorted((*NORM_ORDERS, *SIMPLEX_DIVERGENCES))


def _check_name(name: str) -> str:
    if name not in available_divergences():
        raise ValidationError(f"divergence: unknown divergence {name!r}; available: {available_divergences()}")
    return name


def divergence(name: str, center, phi, *, tol: float = 1e-9) -> np.ndarray:
    """``D(center, phi)`` for each ``phi`` (see the module table).

    Args:
        name: one of :func:`available_divergences`.
        center: ``(L,)`` or ``(..., L)`` reference action ``phi0``.
        phi: ``(..., L)`` actions (broadcast against ``center``).
        tol: simplex tolerance for ``kl``, ``reverse_kl`` and ``tv`` (both arguments must be
            probability vectors; a violation raises, nothing is renormalised).

    Returns:
        ``(...)`` divergences (``+inf`` possible for KL).
    """
    _check_name(name)
    if name in SIMPLEX_DIVERGENCES:
        c, x = stochastic_array("center", center, tol=tol), stochastic_array("phi", phi, tol=tol)
    else:
        c, x = finite_array("center", center), finite_array("phi", phi)
    if c.ndim == 0 or x.ndim == 0 or c.shape[-1] != x.shape[-1]:
        raise ValidationError(f"phi: shape {x.shape} does not match center {c.shape} on the last axis")
    return raw_divergence(name, c, x)


def _bound(field: str, value, size: int, default: float) -> np.ndarray:
    if value is None:
        array = np.full(size, default)
    else:
        try:
            array = np.broadcast_to(np.asarray(value, dtype=float), (size,)).copy()
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"{field}: expected a number or shape ({size},) ({exc})") from None
    if np.any(np.isnan(array)):
        raise ValidationError(f"{field}: contains NaN")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class DeltaBall:
    """The feasible set ``{phi : D(center, phi) <= radius, lower <= phi <= upper}`` of problem (1).

    For ``kl``, ``reverse_kl`` and ``tv`` the set also lies on the probability simplex.

    Args:
        divergence: a name from :func:`available_divergences`.
        center: ``(L,)`` the status quo ``phi0`` (must lie in the box, so the set is non-empty).
        radius: ``delta >= 0``.
        lower, upper: box bounds, scalars or ``(L,)`` (``None`` = unbounded; ``+-inf`` allowed).
    """

    divergence: str
    center: np.ndarray
    radius: float
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None

    def __post_init__(self) -> None:
        _check_name(self.divergence)
        if self.simplex:
            center = probability_vector("center", self.center)
        else:
            center = finite_array("center", self.center, ndim=1)
            if center.size == 0:
                raise ValidationError("center: empty action vector")
        lower = _bound("lower", self.lower, center.size, -np.inf)
        upper = _bound("upper", self.upper, center.size, np.inf)
        if self.simplex:
            lower, upper = np.maximum(lower, 0.0), np.minimum(upper, 1.0)
        if np.any(lower > upper):
            raise ValidationError(f"lower: exceeds upper at index {int(np.argmax(lower > upper))}")
        outside = (center < lower) | (center > upper)
        if np.any(outside):
            raise ValidationError(f"center: lies outside the box at index {int(np.argmax(outside))}")
        object.__setattr__(self, "center", center)
        object.__setattr__(self, "radius", nonnegative_scalar("radius", self.radius))
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)

    @property
    def simplex(self) -> bool:
        """Whether the set lies on the probability simplex."""
        return self.divergence in SIMPLEX_DIVERGENCES

    @property
    def dim(self) -> int:
        """``L``, the length of an action vector."""
        return int(self.center.size)

    def _points(self, phi) -> np.ndarray:
        array = finite_array("phi", phi)
        if array.ndim == 0 or array.shape[-1] != self.dim:
            raise ValidationError(f"phi: expected shape (..., {self.dim}), got {array.shape}")
        return array

    def contains(self, phi, *, tol: float = 1e-9) -> np.ndarray:
        """``(...)`` bool: ``phi`` ``(..., L)`` lies in the set (each check within ``tol``)."""
        x = self._points(phi)
        inside = np.all((x >= self.lower - tol) & (x <= self.upper + tol), axis=-1)
        if self.simplex:
            inside &= np.abs(x.sum(axis=-1) - 1.0) <= tol
            x = np.clip(x, 0.0, None)  # only to evaluate D; sign was checked by the box above
        return inside & (raw_divergence(self.divergence, self.center, x) <= self.radius + tol)

    def project(self, phi, *, method: str = "exact") -> np.ndarray:
        """Euclidean projection of each ``phi`` ``(..., L)`` onto the set.

        Args:
            phi: ``(..., L)`` points.
            method: ``"exact"`` (closed forms and KKT bisections, machine precision; see the
                module docstring) or ``"cvxpy"`` (a conic solver, ~1e-5 in the point; kept
                as an independent second method).
        """
        x = self._points(phi)
        if method not in ("exact", "cvxpy"):
            raise ValidationError(f"method: expected 'exact' or 'cvxpy', got {method!r}")
        if method == "exact" and self.divergence == "linf":
            lo = np.maximum(self.lower, self.center - self.radius)
            hi = np.minimum(self.upper, self.center + self.radius)
            return np.clip(x, lo, hi)
        exact = {"l2": self._project_l2, "l1": self._project_l1}.get(self.divergence, self._project_simplex)
        kernel = exact if method == "exact" else self._project_cvxpy
        rows = x.reshape(-1, self.dim)
        return np.stack([kernel(row) for row in rows]).reshape(x.shape)

    def _project_l2(self, point: np.ndarray) -> np.ndarray:
        c, r = self.center, self.radius
        clip = lambda lam: np.clip((point + lam * c) / (1.0 + lam), self.lower, self.upper)  # noqa: E731
        if np.linalg.norm(clip(0.0) - c) <= r:
            return clip(0.0)
        if r == 0.0:
            return c.copy()
        low, high = 0.0, np.linalg.norm(point - c) / r  # |x(lam) - c| <= |p - c| / (1 + lam)
        for _ in range(200):
            mid = 0.5 * (low + high)
            low, high = (mid, high) if np.linalg.norm(clip(mid) - c) > r else (low, mid)
            if high - low <= 1e-15 * max(1.0, high):
                break
        return clip(high)

    def _project_l1(self, point: np.ndarray) -> np.ndarray:
        c, r = self.center, self.radius
        d = point - c
        cap = np.where(d >= 0, self.upper - c, c - self.lower)
        size = np.abs(d)
        g = lambda lam: np.clip(size - lam, 0.0, cap).sum()  # noqa: E731
        if g(0.0) <= r:
            lam = 0.0
        else:
            breaks = np.unique(np.concatenate([[0.0], size, size - cap]))
            breaks = breaks[np.isfinite(breaks) & (breaks >= 0.0)]
            values = np.array([g(b) for b in breaks])  # non-increasing in lam
            k = int(np.argmax(values <= r))  # first breakpoint inside the ball; k >= 1
            lam_a, lam_b, g_a, g_b = breaks[k - 1], breaks[k], values[k - 1], values[k]
            lam = lam_b if g_a == g_b else lam_a + (g_a - r) * (lam_b - lam_a) / (g_a - g_b)
        return c + np.sign(d) * np.clip(size - lam, 0.0, cap)

    def _project_simplex(self, point: np.ndarray) -> np.ndarray:
        return project_onto_simplex_ball(self.divergence, point, self.center, self.radius, self.lower, self.upper)

    def cvxpy_constraints(self, variable: cp.Variable) -> list:
        """The set as cvxpy constraints on ``variable`` (shape ``(L,)``), DCP-compliant.

        The box (finite bounds only) and, on the simplex, ``sum = 1`` come first; the last
        constraint is always ``D(center, variable) <= radius``, so its dual value is the
        multiplier of the ball (read by :func:`~sedtheory.principal.solve_principal_problem`).
        """
        import cvxpy as cp
        c, r = self.center, self.radius
        constraints = []
        finite_lo, finite_hi = np.isfinite(self.lower), np.isfinite(self.upper)
        if finite_lo.any():
            constraints.append(variable[finite_lo] >= self.lower[finite_lo])
        if finite_hi.any():
            constraints.append(variable[finite_hi] <= self.upper[finite_hi])
        if self.simplex:
            constraints.append(cp.sum(variable) == 1)
        measure = {
            "l1": lambda: cp.norm1(variable - c),
            "l2": lambda: cp.norm2(variable - c),
            "linf": lambda: cp.norm_inf(variable - c),
            "tv": lambda: 0.5 * cp.norm1(variable - c),
            "kl": lambda: cp.sum(cp.kl_div(c, variable)),  # = KL(c||x) when sum x = 1
            "reverse_kl": lambda: cp.sum(cp.kl_div(variable, c)),
        }[self.divergence]()
        return [*constraints, measure <= r]

    def _project_cvxpy(self, point: np.ndarray) -> np.ndarray:
        import cvxpy as cp
        if self.contains(point, tol=0.0):
            return point.copy()
        x = cp.Variable(self.dim)
        problem = cp.Problem(cp.Minimize(cp.sum_squares(x - point)), self.cvxpy_constraints(x))
        if solve(problem, "CLARABEL") != cp.OPTIMAL:
            raise RuntimeError(f"projection onto the {self.divergence} ball: cvxpy status {problem.status}")
        return np.asarray(x.value, dtype=float)

    def radial_limit(self, directions) -> np.ndarray:
        """Largest ``t >= 0`` with ``center + t u`` in the set, for each direction ``u`` ``(..., L)``.

        For simplex sets the directions must sum to 0 (tangent to the simplex). ``+inf``
        only for the zero direction. Closed form for the norms and TV; bisection (to machine
        precision) on the convex map ``t -> D(c, c + t u)`` for the KL divergences.
        """
        u = self._points(directions)
        with np.errstate(divide="ignore", invalid="ignore"):
            room = np.where(u > 0, (self.upper - self.center) / u, np.where(u < 0, (self.lower - self.center) / u, np.inf))
            box_limit = room.min(axis=-1)
            if self.divergence in NORM_ORDERS or self.divergence == "tv":
                scale = 0.5 if self.divergence == "tv" else 1.0
                order = NORM_ORDERS.get(self.divergence, 1)
                ball_limit = self.radius / (scale * np.linalg.norm(u, ord=order, axis=-1))
                return np.minimum(box_limit, ball_limit)
        return self._kl_radial(u, box_limit)

    def _kl_radial(self, u: np.ndarray, box_limit: np.ndarray) -> np.ndarray:
        def excess(t):
            point = np.clip(self.center + t[..., None] * u, 0.0, None)
            return raw_divergence(self.divergence, self.center, point) - self.radius

        limit = np.where(np.isfinite(box_limit), box_limit, 0.0)
        inside_at_box = excess(limit) <= 0
        low, high = np.zeros_like(limit), limit
        for _ in range(200):
            mid = 0.5 * (low + high)
            out = excess(mid) > 0
            low, high = np.where(out, low, mid), np.where(out, mid, high)
        return np.where(np.isfinite(box_limit), np.where(inside_at_box, limit, low), np.inf)
