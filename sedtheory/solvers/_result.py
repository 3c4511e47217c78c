"""Result records shared by the exact solvers (one named record, never a bare tuple)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sedtheory._validate import DEFAULT_TOL


class SolverStatus(str, enum.Enum):
    """How a solver ended. Only ``OPTIMAL`` carries a solution."""

    OPTIMAL = "optimal"
    NO_PURE_EQUILIBRIUM = "no_pure_equilibrium"  # no commitment admits a pure follower equilibrium
    INFEASIBLE = "infeasible"
    NUMERICAL_ERROR = "numerical_error"


@dataclass(frozen=True)
class StackelbergResult:
    """A strong Stackelberg equilibrium (or the reason there is none).

    Attributes:
        leader_value: the leader's expected payoff at the equilibrium.
        leader_strategy: ``(m,)`` mixed commitment.
        follower_actions: one pure action per follower (``tuple[int, ...]``); for Bayesian
            games one action per follower *type* (``tuple[int, ...]`` of length ``K``).
        follower_values: ``(k,)`` (or ``(K,)`` per type) follower expected payoffs.
        status: :class:`SolverStatus`.
        solver: the exact method used, with its citation.
        tol: numerical tolerance the answer is exact up to.
        rests_on_tie: ``True`` when some follower is indifferent between its equilibrium
            action and another at the commitment, so the answer relies on the strong
            (leader-favourable) tie-break. Indifferent means within the tie tolerance τ_i =
            1e-10 of the follower's payoff span (:mod:`sedtheory.evaluation.ties`), the rule
            ``certify`` uses too.
        details: what is needed to re-check the answer independently (LP duals, the number
            of LPs solved, the candidate set, ...).
    """

    leader_value: float
    leader_strategy: np.ndarray
    follower_actions: tuple
    follower_values: np.ndarray
    status: SolverStatus
    solver: str
    tol: float = DEFAULT_TOL
    rests_on_tie: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the status is ``OPTIMAL`` (only then are the strategy and values filled in)."""
        return self.status is SolverStatus.OPTIMAL

    def to_dict(self) -> dict:
        """JSON-ready dictionary (``details`` are included where JSON can hold them)."""
        def plain(value):
            if isinstance(value, np.ndarray):
                return value.tolist()
            if isinstance(value, (np.generic,)):
                return value.item()
            if isinstance(value, (list, tuple)):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {str(k): plain(v) for k, v in value.items()}
            return value if isinstance(value, (int, float, str, bool, type(None))) else repr(value)

        return {
            "status": self.status.value,
            "solver": self.solver,
            "leader_value": float(self.leader_value),
            "leader_strategy": plain(np.asarray(self.leader_strategy)),
            "follower_actions": plain(list(self.follower_actions)),
            "follower_values": plain(np.asarray(self.follower_values)),
            "rests_on_tie": self.rests_on_tie,
            "tol": self.tol,
            "details": plain(self.details),
        }
