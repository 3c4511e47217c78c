"""Input validation shared by every layer.

Every check names the field it looks at and says what is wrong; nothing is repaired
silently. All functions return a *new* read-only numpy array (the caller's array is never
aliased), so frozen objects built from them are truly immutable.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

DEFAULT_TOL = 1e-7
"""Default numerical tolerance of the library (DESIGN.md: "exact up to 1e-7")."""


class ValidationError(ValueError):
    """Raised when an input is malformed. The message names the field and the problem."""


def _freeze(array: np.ndarray) -> np.ndarray:
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


def finite_array(
    field: str,
    value,
    *,
    ndim: int | Sequence[int] | None = None,
    shape: tuple[int | None, ...] | None = None,
    dtype=float,
) -> np.ndarray:
    """Return ``value`` as a read-only finite array, or raise naming ``field``.

    Args:
        field: the name used in error messages (for example ``"payoffs"``).
        value: anything ``numpy.asarray`` accepts.
        ndim: required number of dimensions (an int, or a collection of allowed ints).
        shape: required shape; ``None`` entries match any length.
        dtype: target dtype (float by default).
    """
    refuse_non_numbers(field, value)
    try:
        array = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{field}: cannot be read as a {np.dtype(dtype).name} array ({exc})") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if array.ndim not in allowed:
            raise ValidationError(
                f"{field}: expected {' or '.join(map(str, allowed))} dimensions, got shape {array.shape}"
            )
    if shape is not None:
        if array.ndim != len(shape) or any(
            want is not None and want != got for want, got in zip(shape, array.shape)
        ):
            parts = ["*" if s is None else str(s) for s in shape]
            wanted = "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
            raise ValidationError(f"{field}: expected shape {wanted}, got {array.shape}")
    if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValidationError(f"{field}: non-finite value {array[bad]} at index {bad}")
    return _freeze(array)


def _not_a_number(value) -> bool:
    """True for the values numpy would silently turn into numbers: ``"4"`` (4.0), ``True`` (1.0)
    and ``None`` (nan)."""
    return value is None or isinstance(value, (bool, np.bool_, str, bytes))


def _first_non_number(value, index: tuple[int, ...] = ()) -> tuple[tuple[int, ...], object] | None:
    """``(index, entry)`` of the first string, boolean or ``None`` in a nested sequence, or ``None``."""
    if _not_a_number(value):
        return index, value
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "bUSV":
            first = tuple(int(i) for i in np.unravel_index(0, value.shape)) if value.size else ()
            return (index + first, value[first].item() if value.size else value)
        if value.dtype.kind != "O":
            return None
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        for position, item in enumerate(value):
            if isinstance(item, (float, int)) and not isinstance(item, bool):
                continue  # the common case, checked without a call
            found = _first_non_number(item, index + (position,))
            if found is not None:
                return found
    return None


def refuse_non_numbers(field: str, value) -> None:
    """Raise naming ``field`` and the index of the first entry that is not a number.

    numpy reads ``"4"`` as 4.0, ``True`` as 1.0 and ``None`` as nan; a payoff or probability
    written that way is a mistake in the input, never repaired.
    """
    found = _first_non_number(value)
    if found is None:
        return
    index, entry = found
    if isinstance(entry, np.ndarray):  # an empty array of strings or booleans
        raise ValidationError(f"{field}: cannot be read as numbers (dtype {entry.dtype})")
    if entry is None:
        what = "None"
    elif isinstance(entry, (bool, np.bool_)):
        what = f"the boolean {bool(entry)}"
    else:
        what = f"the string {entry!r}"
    where = f" at index {index}" if index else ""
    raise ValidationError(f"{field}: cannot be read as numbers: entry{where} is {what}, expected a number")


def nonnegative_scalar(field: str, value) -> float:
    """Return ``value`` as a finite float >= 0, or raise naming ``field``.

    Strings (``"0.1"``), booleans and ``None`` are refused: they are not numbers.
    """
    if _not_a_number(value):
        raise ValidationError(f"{field}: expected a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{field}: expected a number, got {value!r}") from None
    if not np.isfinite(number):
        raise ValidationError(f"{field}: must be finite, got {number}")
    if number < 0:
        raise ValidationError(f"{field}: must be >= 0, got {number}")
    return number


def probability_vector(field: str, value, *, size: int | None = None, tol: float = DEFAULT_TOL) -> np.ndarray:
    """Return a read-only probability vector (entries >= -tol, sum 1 within ``tol``).

    Shape ``(size,)``. Entries in ``[-tol, 0)`` are *not* clipped: they are rejected unless
    within tolerance, and then kept as given, so the caller sees exactly what it passed.
    """
    vector = finite_array(field, value, ndim=1, shape=None if size is None else (size,))
    if vector.size == 0:
        raise ValidationError(f"{field}: empty probability vector")
    if np.any(vector < -tol):
        index = int(np.argmin(vector))
        raise ValidationError(f"{field}: negative probability {vector[index]} at index {index}")
    total = float(vector.sum())
    if abs(total - 1.0) > tol:
        raise ValidationError(f"{field}: probabilities sum to {total:.12g}, not 1 (tolerance {tol})")
    return vector


def stochastic_array(field: str, value, *, tol: float = DEFAULT_TOL, ndim=None, shape=None) -> np.ndarray:
    """Return a read-only array whose last axis holds probability distributions.

    Raises naming the first index (all but the last axis) whose row is not a distribution.
    """
    array = finite_array(field, value, ndim=ndim, shape=shape)
    if array.ndim == 0 or array.shape[-1] == 0:
        raise ValidationError(f"{field}: needs a non-empty last axis of probabilities, got shape {array.shape}")
    if np.any(array < -tol):
        bad = tuple(int(i) for i in np.argwhere(array < -tol)[0])
        raise ValidationError(f"{field}: negative probability {array[bad]} at index {bad}")
    sums = array.sum(axis=-1)
    off = np.abs(sums - 1.0) > tol
    if np.any(off):
        bad = tuple(int(i) for i in np.argwhere(off)[0])
        raise ValidationError(f"{field}: row {bad} sums to {sums[bad]:.12g}, not 1 (tolerance {tol})")
    return array


def instance_of(field: str, value, kind: type, what: str | None = None):
    """Return ``value`` if it is a ``kind``, else raise naming ``field`` and the type received.

    Used by every public algorithm on its game argument, so that passing, say, a POMG where a
    Stackelberg–Markov game is needed is one line naming the argument, not an AttributeError.
    """
    if not isinstance(value, kind):
        raise ValidationError(f"{field}: expected {what or 'a ' + kind.__name__}, got {type(value).__name__}")
    return value


def positive_int(field: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum``, or raise naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValidationError(f"{field}: expected an integer, got {value!r}")
    if value < minimum:
        raise ValidationError(f"{field}: must be >= {minimum}, got {value}")
    return int(value)


def index_tuple(field: str, values, sizes: Sequence[int], what: str = "action") -> tuple[int, ...]:
    """Validate one index per slot: ``values[p]`` an int in ``0..sizes[p]-1``.

    Used for pure action profiles, type profiles and follower responses. Errors name the
    slot, e.g. ``follower_actions[0]: action 2 out of range 0..1``.
    """
    try:
        items = list(values)
    except TypeError:
        raise ValidationError(f"{field}: expected a sequence of {len(sizes)} {what} indices, got {values!r}") from None
    if len(items) != len(sizes):
        raise ValidationError(f"{field}: expected {len(sizes)} {what}s, got {len(items)}")
    for p, (value, size) in enumerate(zip(items, sizes)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise ValidationError(f"{field}[{p}]: expected an integer {what}, got {value!r}")
        if not 0 <= value < size:
            raise ValidationError(f"{field}[{p}]: {what} {value} out of range 0..{size - 1}")
    return tuple(int(v) for v in items)
