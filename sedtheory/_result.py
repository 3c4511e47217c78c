"""The base of every result record, and the one status an algorithm ends with.

A result is one named record, never a bare tuple (STYLE.md, habit 4): its ``status``, whether
it is ``ok``, and ``to_dict`` for JSON output through the one converter of
:mod:`sedtheory._json`. Solver results (:class:`~sedtheory.solvers.StackelbergResult`,
:class:`~sedtheory.solvers.SSMNEResult`) and the principal's
(:class:`~sedtheory.principal.PrincipalResult`) share :class:`ResultRecord`; the other records
(certificates, best responses, SED histories) share :class:`Record`.
"""

from __future__ import annotations

import dataclasses
import enum

from sedtheory._json import json_ready
from sedtheory._validate import ValidationError


class SolverStatus(str, enum.Enum):
    """How a solver ended. Only ``OPTIMAL`` carries a solution.

    A ``str`` enum: ``SolverStatus.OPTIMAL == "optimal"``, and its JSON form is that string.
    """

    OPTIMAL = "optimal"
    NO_PURE_EQUILIBRIUM = "no_pure_equilibrium"  # no commitment admits a pure follower equilibrium
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NUMERICAL_ERROR = "numerical_error"


class Record:
    """Base of the frozen dataclass records: ``to_dict`` converts every field with :func:`json_ready`."""

    __slots__ = ()

    def to_dict(self) -> dict:
        """JSON-ready dictionary of the fields (non-finite floats become ``None``; see :mod:`sedtheory._json`)."""
        return json_ready({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})


class ResultRecord(Record):
    """Base of the records an algorithm returns: a :class:`SolverStatus` ``status`` and ``ok``."""

    __slots__ = ()
    status: SolverStatus

    @property
    def ok(self) -> bool:
        """True when the status is ``OPTIMAL`` (only then is a solution filled in)."""
        return self.status is SolverStatus.OPTIMAL


def solver_status(field: str, value) -> SolverStatus:
    """``value`` (a :class:`SolverStatus` or its string) as a :class:`SolverStatus`, or raise naming ``field``."""
    try:
        return SolverStatus(value)
    except ValueError:
        choices = ", ".join(s.value for s in SolverStatus)
        raise ValidationError(f"{field}: expected one of {choices}, got {value!r}") from None


__all__ = ["Record", "ResultRecord", "SolverStatus", "solver_status"]
