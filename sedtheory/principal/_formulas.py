"""The divergence formulas ``D(c, x)`` over the last axis, without validation.

The one definition shared by :func:`~sedtheory.principal.divergence`, :class:`DeltaBall`
membership and the projection kernels (the table is in :mod:`sedtheory.principal.divergence`).
"""

from __future__ import annotations

import numpy as np

NORM_ORDERS = {"l1": 1, "l2": 2, "linf": np.inf}
"""``numpy.linalg.norm`` orders of the norm divergences."""


def kl(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """KL(p || q) over the last axis, with ``0 log 0 = 0`` and ``p > 0, q = 0 -> +inf``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0)
    return terms.sum(axis=-1)


def raw_divergence(name: str, center: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """``D(center, phi)`` ``(...)`` for validated arrays ``(..., L)`` (broadcast) and a known ``name``."""
    if name == "kl":
        return kl(center, phi)
    if name == "reverse_kl":
        return kl(phi, center)
    if name == "tv":
        return 0.5 * np.abs(phi - center).sum(axis=-1)
    return np.linalg.norm(phi - center, ord=NORM_ORDERS[name], axis=-1)
