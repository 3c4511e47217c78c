"""Social welfare functions O: outcome vectors -> real numbers (paper, Section 3 and 4).

The paper's "Social Welfare Examples" (Section 3) name the utilitarian objective
``sum_i J_i``, the Nash welfare ``(prod_i J_i)^(1/n)`` and the egalitarian objective
``min_i J_i``; Section 4 uses the interpolation

    O_eta(v) = eta * sum_i v_i + (1 - eta) * min_i v_i,     eta in [0, 1],

on cumulative apples per player. Leximin (Rawls 1971; Sen 1970, ch. 9) refines the
egalitarian order by comparing sorted vectors lexicographically; it is an order, not a
number, so it is offered as a sort key and a comparison rather than a function to ℝ.

Every function is vectorised: ``values`` has shape ``(..., n)`` (one outcome vector per
leading index, ``n`` players on the last axis) and the result has shape ``(...)``.

Zero and negative returns in the Nash welfare (a decision, see :func:`nash_welfare`):
the geometric mean is 0 as soon as one return is 0 (the limit from above, and the
convention of Caragiannis et al. 2019, "The unreasonable fairness of maximum Nash
welfare"); a negative return has no meaningful geometric mean, so it raises a
:class:`~sedtheory.ValidationError` unless the caller passes an explicit ``shift``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from sedtheory._validate import ValidationError, finite_array, nonnegative_scalar

__all__ = [
    "WelfareFunction",
    "available_welfare",
    "egalitarian",
    "eta_objective",
    "get_welfare",
    "leximin",
    "leximin_argmax",
    "leximin_compare",
    "nash_welfare",
    "register_welfare",
    "utilitarian",
]


def _outcomes(field_name: str, values) -> np.ndarray:
    """Validate an ``(..., n)`` array of outcome vectors with ``n >= 1``."""
    array = finite_array(field_name, values)
    if array.ndim == 0:
        raise ValidationError(f"{field_name}: expected shape (..., n_players), got a scalar")
    if array.shape[-1] == 0:
        raise ValidationError(
            f"{field_name}: the players axis (last) is empty (need n_players >= 1), shape {array.shape}"
        )
    return array


def utilitarian(values) -> np.ndarray:
    """Utilitarian welfare ``sum_i v_i`` (paper, Section 3, "Social Welfare Examples").

    Args:
        values: ``(..., n)`` outcome vectors.

    Returns:
        ``(...)`` sums over the last axis.
    """
    return _outcomes("values", values).sum(axis=-1)


def egalitarian(values) -> np.ndarray:
    """Egalitarian (Rawlsian maximin) welfare ``min_i v_i`` (paper, Section 3).

    Args:
        values: ``(..., n)`` outcome vectors.

    Returns:
        ``(...)`` minima over the last axis.
    """
    return _outcomes("values", values).min(axis=-1)


def nash_welfare(values, *, shift: float | None = None) -> np.ndarray:
    """Nash welfare: the geometric mean ``(prod_i v_i)^(1/n)`` (paper, Section 3).

    Computed as ``exp(mean_i log v_i)`` so that long vectors neither overflow nor underflow.

    Zero and negative returns (the documented policy):

    * any ``v_i == 0`` gives exactly 0 (the limit of the geometric mean);
    * any ``v_i < 0`` raises :class:`~sedtheory.ValidationError` naming the first such
      entry, unless ``shift`` is given;
    * with ``shift = c`` the result is the *shifted* Nash welfare
      ``(prod_i (v_i + c))^(1/n) - c``; every ``v_i + c`` must be ``>= 0`` (else the same
      error). Subtracting ``c`` back keeps the units of ``v`` and makes a constant vector
      ``(a, ..., a)`` map to ``a`` whatever the shift. The ordering it induces depends on
      ``c``, which is why the library never chooses it for you.

    Args:
        values: ``(..., n)`` outcome vectors.
        shift: explicit offset ``c >= 0`` for vectors with negative entries (keyword only).

    Returns:
        ``(...)`` geometric means.
    """
    array = _outcomes("values", values)
    offset = 0.0 if shift is None else nonnegative_scalar("shift", shift)
    shifted = array + offset
    if np.any(shifted < 0):
        bad = tuple(int(i) for i in np.argwhere(shifted < 0)[0])
        hint = "pass a larger shift" if shift is not None else "pass shift=c (c >= -min v) to use the shifted Nash welfare"
        raise ValidationError(
            f"values: negative return {array[bad]} at index {bad}; the Nash welfare (geometric mean) "
            f"is undefined for negative returns; {hint}"
        )
    with np.errstate(divide="ignore"):
        logs = np.log(shifted)
    return np.exp(logs.mean(axis=-1)) - offset


def _eta(eta) -> np.ndarray:
    array = finite_array("eta", eta)
    if np.any((array < 0) | (array > 1)):
        raise ValidationError(f"eta: must lie in [0, 1], got {array.tolist()}")
    return array


def eta_objective(values, eta) -> np.ndarray:
    """The paper's objective ``O_eta = eta * sum_i v_i + (1 - eta) * min_i v_i`` (Section 4).

    ``values`` are cumulative apples per player (``sum_t a_{i,t}``); ``eta = 1`` is the
    utilitarian objective, ``eta = 0`` the egalitarian one; the vote sets
    ``eta = f(sigma) = mean_i sigma_i``.

    Args:
        values: ``(..., n)`` outcome vectors.
        eta: scalar in ``[0, 1]`` or an array broadcastable against ``values.shape[:-1]``.

    Returns:
        ``(...)`` (broadcast of the two leading shapes).
    """
    array = _outcomes("values", values)
    weight = _eta(eta)
    try:
        np.broadcast_shapes(weight.shape, array.shape[:-1])
    except ValueError:
        raise ValidationError(
            f"eta: shape {weight.shape} does not broadcast against the outcomes' leading shape {array.shape[:-1]}"
        ) from None
    return weight * array.sum(axis=-1) + (1.0 - weight) * array.min(axis=-1)


def leximin(values) -> np.ndarray:
    """Leximin key: each vector sorted in increasing order (Sen 1970, *Collective Choice and
    Social Welfare*, ch. 9).

    ``a`` is leximin-better than ``b`` iff ``leximin(a)`` is lexicographically greater than
    ``leximin(b)``: compare the worst-off entries, then the second worst-off, and so on.

    Args:
        values: ``(..., n)`` outcome vectors.

    Returns:
        ``(..., n)`` sorted copy.
    """
    return np.sort(_outcomes("values", values), axis=-1)


def leximin_compare(a, b, *, tol: float = 0.0) -> np.ndarray:
    """Compare outcome vectors in the leximin order.

    Args:
        a, b: ``(..., n)`` outcome vectors (leading shapes broadcast; same ``n``).
        tol: entries whose sorted values differ by at most ``tol`` count as equal.

    Returns:
        ``(...)`` int array: ``1`` if ``a`` is leximin-better, ``-1`` if ``b`` is, ``0`` if
        their sorted vectors agree (within ``tol``). A 0-d result for single vectors.
    """
    key_a, key_b = leximin(a), leximin(b)
    if key_a.shape[-1] != key_b.shape[-1]:
        raise ValidationError(
            f"b: vectors of different lengths cannot be compared ({key_a.shape[-1]} vs {key_b.shape[-1]})"
        )
    difference = key_a - key_b
    decided = np.abs(difference) > tol
    first = np.argmax(decided, axis=-1)
    sign = np.sign(np.take_along_axis(difference, first[..., None], axis=-1)[..., 0])
    return np.where(decided.any(axis=-1), sign, 0).astype(int)


def leximin_argmax(values) -> int:
    """Index of a leximin-best row of ``values`` (``(k, n)``), the first one among ties."""
    keys = leximin(values)
    if keys.ndim != 2:
        raise ValidationError(f"values: expected shape (k, n_players), got {keys.shape}")
    best = keys[np.lexsort(keys.T[::-1])[-1]]  # lexsort's last key is primary: the worst-off entry
    return int(np.flatnonzero((keys == best).all(axis=1))[0])


@dataclass(frozen=True)
class WelfareFunction:
    """A named welfare function ``(..., n) -> (...)`` with its output shape checked.

    Wrap your own function to use it wherever the library takes a welfare function::

        spread = WelfareFunction("spread", lambda v: -(v.max(-1) - v.min(-1)), "minus the range")

    Args:
        name: registry name.
        function: callable taking a validated ``(..., n)`` float array and returning ``(...)``.
        description: one line, with the source of the definition where there is one.
        params: the parameters bound into ``function`` (for display, e.g. ``{"eta": 0.5}``).
    """

    name: str
    function: Callable[[np.ndarray], np.ndarray]
    description: str = ""
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValidationError(f"name: expected a non-empty string, got {self.name!r}")
        if not callable(self.function):
            raise ValidationError(f"function: expected a callable, got {type(self.function).__name__}")

    def __call__(self, values) -> np.ndarray:
        array = _outcomes("values", values)
        result = np.asarray(self.function(array), dtype=float)
        if result.shape != array.shape[:-1]:
            raise ValidationError(
                f"function: welfare {self.name!r} returned shape {result.shape} for input "
                f"{array.shape}; expected {array.shape[:-1]} (one number per outcome vector)"
            )
        return result


_REGISTRY: dict[str, Callable[..., WelfareFunction]] = {}


def register_welfare(name: str, factory: Callable[..., WelfareFunction]) -> None:
    """Register ``factory(**params) -> WelfareFunction`` under ``name`` (no silent overwrite)."""
    if name in _REGISTRY:
        raise ValidationError(f"name: welfare function {name!r} is already registered")
    _REGISTRY[name] = factory


def available_welfare() -> list[str]:
    """Sorted names accepted by :func:`get_welfare`."""
    return sorted(_REGISTRY)


def get_welfare(name: str, **params) -> WelfareFunction:
    """Look up a welfare function by name, binding its parameters (``get_welfare("eta", eta=0.3)``)."""
    if name not in _REGISTRY:
        raise ValidationError(f"name: unknown welfare function {name!r}; available: {available_welfare()}")
    try:
        return _REGISTRY[name](**params)
    except TypeError as exc:
        raise ValidationError(f"params: bad parameters for welfare {name!r}: {exc}") from None


register_welfare("utilitarian", lambda: WelfareFunction("utilitarian", utilitarian, "sum_i v_i (paper, Sec. 3)"))
register_welfare("egalitarian", lambda: WelfareFunction("egalitarian", egalitarian, "min_i v_i (paper, Sec. 3)"))


def _nash_factory(shift=None) -> WelfareFunction:
    offset = None if shift is None else nonnegative_scalar("shift", shift)  # checked at lookup, not first call
    return WelfareFunction(
        "nash", lambda v: nash_welfare(v, shift=offset), "geometric mean (paper, Sec. 3)", {"shift": offset}
    )


register_welfare("nash", _nash_factory)


def _eta_factory(eta) -> WelfareFunction:
    weight = float(_eta(eta))
    return WelfareFunction(
        "eta", lambda v: eta_objective(v, weight), "eta*sum + (1-eta)*min (paper, Sec. 4)", {"eta": weight}
    )


register_welfare("eta", _eta_factory)
