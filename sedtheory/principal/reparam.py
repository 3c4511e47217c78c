"""Reparameterisations R: xi in ℝ^L' -> {phi : D(phi0, phi) <= delta} ∩ box (paper, Section 3).

The paper (after problem (1)) turns the constrained principal problem into an
unconstrained one through a map ``R: xi -> Phi_hat`` with ``xi in ℝ^L``. Two maps are
provided, both with an explicit inverse on the points they reach (which proves ontoness
constructively and lets an optimiser start from a given ``phi``):

* :class:`BoxMap` (for ``linf`` balls ∩ boxes, whose intersection is the box
  ``[max(lo, c - r), min(hi, c + r)]``): ``phi = lo' + (hi' - lo') * sigmoid(xi)``. Smooth
  (analytic), a bijection of ℝ^L onto the *open* box; the boundary is reached only in the
  limit.
* :class:`RadialMap` (any ball of :class:`~sedtheory.principal.DeltaBall` with any box; on the
  simplex for ``tv``/``kl``/``reverse_kl``): with ``u = B xi / |xi|`` and the radial
  function ``rho(u) = max{t : c + t u in set}`` (a "gauge" map),

      phi = c + tanh(|xi|) * rho(u) * u,        phi = c at xi = 0.

  ``B`` is the identity for ℝ^L, and an orthonormal basis of ``{v : sum v = 0}`` (so
  ``xi in ℝ^(L-1)``) for simplex sets. The image is every point ``c + s rho(u) u`` with
  ``0 <= s < 1``: the whole set except its far boundary (every relative-interior point
  and every point of a face through ``c`` is reached). For an ``l2`` ball whose box does
  not cut it, ``rho = r`` and the map ``c + r tanh(|xi|) xi / |xi|`` is smooth, also at 0
  (``tanh(s)/s`` is even and analytic). Otherwise ``rho`` is a minimum of smooth pieces,
  so the map is continuous and smooth away from ``xi = 0`` and from the directions where
  the active face changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.linalg import null_space

from sedtheory._validate import ValidationError, finite_array
from sedtheory.principal.divergence import DeltaBall

__all__ = ["BoxMap", "RadialMap", "reparameterise"]


def _inputs(field: str, value, size: int) -> np.ndarray:
    array = finite_array(field, value)
    if array.ndim == 0 or array.shape[-1] != size:
        raise ValidationError(f"{field}: expected shape (..., {size}), got {array.shape}")
    return array


@dataclass(frozen=True, eq=False)
class BoxMap:
    """``phi = lower + (upper - lower) * sigmoid(xi)``: ℝ^L onto the open box (coordinates
    with ``lower == upper`` are constant).

    Args:
        lower, upper: ``(L,)`` finite bounds with ``lower <= upper``.
    """

    lower: np.ndarray
    upper: np.ndarray

    def __post_init__(self) -> None:
        lower = finite_array("lower", self.lower, ndim=1)
        upper = finite_array("upper", self.upper, shape=lower.shape)
        if np.any(lower > upper):
            raise ValidationError(f"lower: exceeds upper at index {int(np.argmax(lower > upper))}")
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)

    @property
    def dim_in(self) -> int:
        """Length of ``xi``."""
        return int(self.lower.size)

    def forward(self, xi) -> np.ndarray:
        """``(..., L) -> (..., L)``; always strictly inside non-degenerate coordinates."""
        z = _inputs("xi", xi, self.dim_in)
        return self.lower + (self.upper - self.lower) * (0.5 * (1.0 + np.tanh(0.5 * z)))

    def inverse(self, phi) -> np.ndarray:
        """``xi`` with ``forward(xi) = phi`` for ``phi`` in the open box (0 on constant coordinates)."""
        x = _inputs("phi", phi, self.dim_in)
        width = self.upper - self.lower
        live = width > 0
        share = np.divide(x - self.lower, width, out=np.full(x.shape, 0.5), where=live)
        if np.any((share <= 0) | (share >= 1)):
            raise ValidationError("phi: must lie strictly inside the box (the sigmoid map reaches only the interior)")
        return np.log(share) - np.log1p(-share)


@dataclass(frozen=True, eq=False)
class RadialMap:
    """Gauge map ``xi -> c + tanh(|xi|) rho(u) u`` onto a :class:`DeltaBall` (module docstring).

    Args:
        ball: the feasible set; ``xi`` has length ``ball.dim - 1`` on the simplex, else ``ball.dim``.
    """

    ball: DeltaBall

    def __post_init__(self) -> None:
        if not isinstance(self.ball, DeltaBall):
            raise ValidationError(f"ball: expected a DeltaBall, got {type(self.ball).__name__}")

    @cached_property
    def basis(self) -> np.ndarray:
        """``(L, L')`` orthonormal columns spanning the directions the map moves in (computed once)."""
        basis = null_space(np.ones((1, self.ball.dim))) if self.ball.simplex else np.eye(self.ball.dim)
        basis.setflags(write=False)
        return basis

    @property
    def dim_in(self) -> int:
        """Length of ``xi``."""
        return int(self.basis.shape[1])

    def forward(self, xi) -> np.ndarray:
        """``(..., L') -> (..., L)``, every output inside the ball (up to rounding)."""
        z = _inputs("xi", xi, self.dim_in)
        v = z @ self.basis.T
        norm = np.linalg.norm(z, axis=-1)
        safe = np.where(norm > 0, norm, 1.0)
        u = v / safe[..., None]
        rho = np.where(norm > 0, self.ball.radial_limit(np.where(norm[..., None] > 0, u, self.basis[:, 0])), 0.0)
        small = norm < 1e-4  # tanh(s)/s = 1 - s^2/3 + 2 s^4/15 - ... (even, analytic)
        ratio = np.where(small, 1.0 - norm**2 / 3.0 + 2.0 * norm**4 / 15.0, np.tanh(norm) / safe)
        return self.ball.center + (ratio * rho)[..., None] * v

    def inverse(self, phi) -> np.ndarray:
        """``xi`` with ``forward(xi) = phi`` for ``phi`` reached by the map (else raises)."""
        x = _inputs("phi", phi, self.ball.dim)
        step = x - self.ball.center
        coords = step @ self.basis
        length = np.linalg.norm(coords, axis=-1)
        if self.ball.simplex and np.any(np.abs(step.sum(axis=-1)) > 1e-9):
            raise ValidationError("phi: must lie on the probability simplex")
        safe = np.where(length > 0, length, 1.0)
        u = np.where(length[..., None] > 0, step / safe[..., None], self.basis[:, 0])
        with np.errstate(divide="ignore"):
            share = np.where(length > 0, length / self.ball.radial_limit(u), 0.0)
        if np.any(share >= 1.0):
            raise ValidationError("phi: outside the set or on its far boundary, which the map reaches only in the limit")
        return (np.arctanh(share) / safe)[..., None] * coords


def reparameterise(ball: DeltaBall) -> BoxMap | RadialMap:
    """The reparameterisation R for ``ball``: :class:`BoxMap` for ``linf``, :class:`RadialMap` otherwise."""
    if not isinstance(ball, DeltaBall):
        raise ValidationError(f"ball: expected a DeltaBall, got {type(ball).__name__}")
    if ball.divergence == "linf":
        return BoxMap(np.maximum(ball.lower, ball.center - ball.radius), np.minimum(ball.upper, ball.center + ball.radius))
    return RadialMap(ball)
