"""Strong Stackelberg–Markov–Nash equilibria (Definition 2.4) over a finite or gridded Φ.

Exact by enumeration, for small games:

    for every commitment φ in Φ (or the stated grid of a box):
        M^φ = P(φ)
        E(φ) = all pure δ-Nash equilibria of M^φ          (sedtheory.solvers.markov_nash)
        v(φ) = max_{π ∈ E(φ)} u_0(φ, π)                    (strong: ties favour the leader)
    φ* = the first maximiser of v over Φ (in candidate order); π* its leader-best equilibrium.

This is the upper-level value ``max_φ max_{π ∈ BR^δ(φ, π)} u_0(φ, π)`` of Definition 2.4 with
Π_i the deterministic reactive policies. Commitments without a pure δ-equilibrium are
skipped (recorded in ``details``); if none has one, the status is ``NO_PURE_EQUILIBRIUM``.

Complexity: ``|Φ|`` times the cost of :func:`~sedtheory.solvers.markov_nash.pure_nash_equilibria`
plus one exact evaluation per equilibrium.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sedtheory._json import json_ready
from sedtheory._result import ResultRecord, SolverStatus
from sedtheory._validate import DEFAULT_TOL, instance_of, nonnegative_scalar
from sedtheory.evaluation.markov_best_response import MAX_POLICIES
from sedtheory.evaluation.markov_evaluation import leader_value
from sedtheory.games.stackelberg import StackelbergMarkovGame
from sedtheory.games.strategies import StrategyProfile
from sedtheory.solvers.markov_nash import MAX_PROFILES, pure_nash_equilibria

__all__ = ["MAX_PROFILES", "SOLVER_NAME", "SSMNEResult", "solve_ssmne"]

SOLVER_NAME = "enumeration of pure δ-Nash equilibria per commitment (sedtheory.solvers.markov_ssmne)"


@dataclass(frozen=True, eq=False)
class SSMNEResult(ResultRecord):
    """A strong SSMNE of a Stackelberg–Markov game (or why there is none).

    Attributes:
        status: :class:`SolverStatus`; only ``OPTIMAL`` carries a solution.
        leader_value: ``u_0(φ*, π*)`` (``-inf`` without a solution).
        phi: ``(m,)`` the optimal commitment (``None`` without a solution).
        phi_index: its row in ``game.candidates()``.
        profile: the followers' equilibrium profile π* in ``M^{φ*}``.
        follower_values: ``(n,)`` follower returns at (φ*, π*).
        delta: the follower tolerance δ used.
        solver: the method and where it lives.
        tol: numerical tolerance.
        rests_on_tie: ``True`` when the answer relies on a tie-break: another δ-equilibrium
            of ``M^{φ*}`` gives the leader less (strong selection matters), or another
            commitment attains the same leader value within ``tol``.
        details: ``per_phi``: for each candidate, the enumerated pure δ-equilibria (actions per
            observation, leader and follower values), their number, and the best and worst
            leader values over them (``None`` when there are none) — enough to re-check the
            answer independently.
    """

    status: SolverStatus
    leader_value: float
    phi: np.ndarray | None
    phi_index: int | None
    profile: StrategyProfile | None
    follower_values: np.ndarray | None
    delta: float
    solver: str = SOLVER_NAME
    tol: float = DEFAULT_TOL
    rests_on_tie: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready dictionary (:mod:`sedtheory._json`: arrays as lists, the ``-inf`` leader value
        of a result without a solution as ``None``), with the per-commitment table."""
        return json_ready({
            "status": self.status,
            "solver": self.solver,
            "leader_value": self.leader_value,
            "phi": self.phi,
            "phi_index": self.phi_index,
            "profile": None if self.profile is None else list(self.profile),
            "follower_values": self.follower_values,
            "delta": self.delta,
            "tol": self.tol,
            "rests_on_tie": self.rests_on_tie,
            "per_phi": self.details.get("per_phi", []),
        })


def solve_ssmne(game: StackelbergMarkovGame, delta: float = 0.0, *, max_profiles: int = MAX_PROFILES,
                max_policies: int = MAX_POLICIES, tol: float = DEFAULT_TOL) -> SSMNEResult:
    """Exact strong (ε = 0, δ)-SSMNE over ``game.candidates()`` (see the module docstring).

    Args:
        game: the Stackelberg–Markov game.
        delta: follower tolerance δ ``>= 0`` (δ-best responses, Definition 2.3).
        max_profiles, max_policies: size limits passed to the equilibrium enumeration.
        tol: numerical tolerance.
    """
    instance_of("game", game, StackelbergMarkovGame, "a StackelbergMarkovGame (commitments Φ and the map "
                "φ -> POMG; a POMG alone has no leader)")
    delta = nonnegative_scalar("delta", delta)
    candidates = game.candidates()
    per_phi, best = [], None
    for index, phi in enumerate(candidates):
        entry, choice = _solve_commitment(game, phi, delta, max_profiles, max_policies, tol)
        per_phi.append(entry)
        if choice is not None and (best is None or choice[0] > best[0][0] + tol * max(1.0, abs(best[0][0]))):
            best = (choice, index)
    details = {"per_phi": per_phi, "candidates": candidates}
    if best is None:
        return SSMNEResult(SolverStatus.NO_PURE_EQUILIBRIUM, -np.inf, None, None, None, None, delta,
                           tol=tol, details=details)
    (value, equilibrium), index = best
    return SSMNEResult(SolverStatus.OPTIMAL, value, candidates[index], index, equilibrium.profile,
                       equilibrium.values, delta, tol=tol,
                       rests_on_tie=_rests_on_tie(per_phi, index, value, tol), details=details)


def _solve_commitment(game, phi, delta, max_profiles, max_policies, tol):
    pomg = game.induced(phi)
    equilibria = pure_nash_equilibria(pomg, delta, max_profiles=max_profiles, max_policies=max_policies, tol=tol)
    values = [leader_value(game, phi, e.profile, pomg=pomg, tol=tol) for e in equilibria]
    entry = {"phi": phi.tolist(), "n_equilibria": len(equilibria),
             "best_leader_value": max(values) if values else None,
             "worst_leader_value": min(values) if values else None,
             "equilibria": [{"actions": [a.tolist() for a in e.actions], "leader_value": v,
                             "follower_values": e.values.tolist()} for e, v in zip(equilibria, values)]}
    if not values:
        return entry, None
    k = int(np.argmax(values))  # first maximiser: the leader-favourable (strong) selection
    return entry, (values[k], equilibria[k])


def _rests_on_tie(per_phi, index, value, tol) -> bool:
    slack = tol * max(1.0, abs(value))
    selection = per_phi[index]["worst_leader_value"] < value - slack
    other_phi = any(e["best_leader_value"] is not None and e["best_leader_value"] >= value - slack
                    for k, e in enumerate(per_phi) if k != index)
    return bool(selection or other_phi)
