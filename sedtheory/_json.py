"""One conversion of result records to JSON-ready values, used by every record and command.

Rules (one for the whole library, so a value reads the same in every file and output):

* a float that is not finite (``nan``, ``inf``, ``-inf``) becomes ``None`` (JSON ``null``):
  strict JSON has no such numbers. The record says why a value is missing (its ``status`` is
  ``infeasible`` or ``numerical_error``; a box bound of ``null`` is an open side, as
  :class:`~sedtheory.principal.DeltaBall` reads ``None``);
* numpy arrays, tuples and lists become lists, numpy scalars Python numbers, enums their
  value, mappings dicts with string keys;
* a record inside a record becomes its ``to_dict()``; anything else its ``repr`` (never an
  error: a record's ``details`` may hold anything).

:func:`dumps` writes strict JSON (``allow_nan=False``), so a value that slipped past these rules
is an error, never an invalid file.
"""

from __future__ import annotations

import enum
import json
import math
from fractions import Fraction

import numpy as np


def json_ready(value):
    """A copy of ``value`` made of dicts, lists, strings, finite numbers, booleans and ``None``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, enum.Enum):
        return json_ready(value.value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating, Fraction)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    if callable(getattr(value, "to_dict", None)):  # a record (sedtheory._result.Record) inside a record
        return json_ready(value.to_dict())
    return repr(value)


def dumps(value, **kwargs) -> str:
    """Strict JSON text of :func:`json_ready` ``(value)`` (``json.dumps`` keywords pass through)."""
    return json.dumps(json_ready(value), allow_nan=False, **kwargs)


__all__ = ["dumps", "json_ready"]
