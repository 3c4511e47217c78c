"""The (ε, δ)-equilibrium certificate of Definition 2.4, shared by every game type.

A certificate records the *measured* gaps, the witnesses that attain them, the tolerances
asked for, and whether the (ε, δ) condition holds:

* ``epsilon_hat`` = (best leader value over commitments, with followers δ-best-responding,
  strong tie-breaking) − (leader value of the certified profile);
* ``delta_hat[i]`` = (follower ``i``'s best-response value) − (its value in the profile).

The profile is an (ε, δ)-SSMNE iff ``epsilon_hat <= epsilon + tol`` and every
``delta_hat[i] <= delta + delta_tol[i]``, where ``delta_tol`` is ``tol`` for every follower
unless the grader states a slack of its own (normal-form certificates use the tie tolerance
τ_i of :mod:`sedtheory.evaluation.ties`, the rule the solvers and OPT(δ) use as well). Exact certificates come from tabular games; on the Apple game
the gaps are *estimates* (``estimated=True``) with confidence intervals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sedtheory._result import Record
from sedtheory._validate import DEFAULT_TOL, ValidationError, finite_array, nonnegative_scalar


@dataclass(frozen=True)
class Witness(Record):
    """The deviation that attains a gap.

    Attributes:
        player: 0 for the leader, ``i >= 1`` for follower ``i``.
        deviation: the deviating strategy (action index, mixed strategy, policy array, or
            a leader commitment together with the followers' response).
        value: the deviator's value under the deviation.
        baseline: its value in the certified profile; ``value - baseline`` is the gap.
    """

    player: int
    deviation: Any
    value: float
    baseline: float

    @property
    def gap(self) -> float:
        """``value - baseline``: what the deviator gains (a negative gap means it loses)."""
        return float(self.value - self.baseline)


@dataclass(frozen=True)
class Certificate(Record):
    """Result of grading a profile against Definition 2.4.

    Attributes:
        epsilon_hat: measured leader gap (``None`` when only followers were graded).
        delta_hat: ``(n_followers,)`` measured follower gaps (clipped below at 0 is *not*
            applied: a negative value means the profile beats every deviation found).
        epsilon, delta: the tolerances asked for.
        holds: whether the (ε, δ) condition holds (within ``tol``).
        leader_witness: deviation attaining ``epsilon_hat``.
        follower_witnesses: one witness per follower.
        leader_optimum_method: name of the exact method that produced the leader optimum
            ``epsilon_hat`` compares against (e.g. ``"multiple-lp (Conitzer & Sandholm 2006)"``).
        estimated: ``True`` when the gaps are statistical estimates, not exact values.
        epsilon_interval, delta_intervals: confidence intervals when ``estimated``.
        tol: numerical tolerance used in ``holds`` (the leader's side, and the followers'
            unless ``delta_tol`` is given).
        notes: free-form remarks (ties, solver statuses) a reader should see.
        delta_tol: ``(n_followers,)`` slack of each follower's δ test, or ``None`` for ``tol``.
    """

    epsilon_hat: float | None
    delta_hat: np.ndarray
    epsilon: float
    delta: float
    holds: bool
    leader_witness: Witness | None = None
    follower_witnesses: tuple[Witness, ...] = ()
    leader_optimum_method: str | None = None
    estimated: bool = False
    epsilon_interval: tuple[float, float] | None = None
    delta_intervals: tuple[tuple[float, float], ...] | None = None
    tol: float = DEFAULT_TOL
    notes: tuple[str, ...] = field(default_factory=tuple)
    delta_tol: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "delta_hat", finite_array("delta_hat", self.delta_hat, ndim=1))
        if self.delta_tol is not None:
            slack = finite_array("delta_tol", self.delta_tol, shape=self.delta_hat.shape)
            if np.any(slack < 0):
                raise ValidationError(f"delta_tol: must be >= 0, got {slack.tolist()}")
            object.__setattr__(self, "delta_tol", slack)
        nonnegative_scalar("epsilon", self.epsilon)
        nonnegative_scalar("delta", self.delta)
        if self.follower_witnesses and len(self.follower_witnesses) != self.delta_hat.size:
            raise ValidationError(
                f"follower_witnesses: {len(self.follower_witnesses)} witnesses for {self.delta_hat.size} followers"
            )
        # `holds` is derived from the gaps; a certificate may be conservative (False) but never
        # claim a condition its own gaps contradict
        if self.holds and not self.condition_holds(self.epsilon_hat, self.delta_hat, self.epsilon, self.delta, self.tol,
                                                   self.delta_tol):
            raise ValidationError(
                f"holds: True, but the gaps (epsilon_hat={self.epsilon_hat}, delta_hat={self.delta_hat.tolist()}) "
                f"exceed (epsilon={self.epsilon}, delta={self.delta}) + tol={self.tol}"
            )

    @staticmethod
    def condition_holds(epsilon_hat, delta_hat, epsilon: float, delta: float, tol: float = DEFAULT_TOL,
                        delta_tol=None) -> bool:
        """The (ε, δ) test of Definition 2.4 on measured gaps (``delta_tol``: per-follower slack, default ``tol``)."""
        leader_ok = epsilon_hat is None or epsilon_hat <= epsilon + tol
        slack = tol if delta_tol is None else np.asarray(delta_tol)
        return bool(leader_ok and np.all(np.asarray(delta_hat) <= delta + slack))

    def summary(self) -> str:
        """A short human-readable account, one line per gap."""
        kind = "estimated" if self.estimated else "exact"
        lines = [f"(ε={self.epsilon:g}, δ={self.delta:g})-equilibrium: {'HOLDS' if self.holds else 'FAILS'} ({kind})"]
        if self.epsilon_hat is not None:
            lines.append(f"  leader gap ε̂ = {self.epsilon_hat:.6g} (optimum by {self.leader_optimum_method})")
        for i, gap in enumerate(self.delta_hat, start=1):
            lines.append(f"  follower {i} gap δ̂ = {gap:.6g}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)
