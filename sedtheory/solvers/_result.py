"""The result record of the normal-form Stackelberg solvers (one named record, never a bare tuple).

:class:`SolverStatus` and the shared base :class:`~sedtheory._result.ResultRecord` live in
:mod:`sedtheory._result`, below every layer, so the principal's results use them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sedtheory._result import ResultRecord, SolverStatus
from sedtheory._validate import DEFAULT_TOL


@dataclass(frozen=True)
class StackelbergResult(ResultRecord):
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

    def to_dict(self) -> dict:
        """JSON-ready dictionary (:mod:`sedtheory._json`: a failed solve's ``nan`` value is ``None``)."""
        data = super().to_dict()
        data["follower_actions"] = [int(a) for a in self.follower_actions]
        return data


__all__ = ["SolverStatus", "StackelbergResult"]
