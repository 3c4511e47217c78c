"""The online SED game loop (paper, Definition 3.1 and problem (1)), solved exactly per round.

Each round ``r = 0, 1, …``:

1. reports ``θ_r ∈ Θ`` (given by the caller: a sequence, or a callable of the round index and
   the current state) → objective ``O_r = f(θ_r)``;
2. problem (1): the round's Stackelberg–Markov game has Φ cut to ``{φ : D(anchor, φ) ≤ δ}``
   and every ``M^φ`` started at ``s_T`` of the previous round (round 0: the game's own μ0, or
   ``initial_state``). ``anchor`` is φ0 (the paper's constraint, default) or, with
   ``anchor="previous"``, the previous round's commitment;
3. it is solved exactly by :func:`~sedtheory.solvers.markov_ssmne.solve_ssmne` (strong
   selection) and graded by :func:`~sedtheory.equilibrium.markov.certify_ssmne`;
4. the followers play the chosen equilibrium for ``steps_per_round`` steps with the seeded
   generator; the last state ``s_T`` becomes the Dirac μ0 of the next round.

Layering: this module sits in ``solvers`` because it calls a solver and a grader; the formal
game (:class:`~sedtheory.games.sed.SEDGame`) stays in ``games``.

Complexity: per round, two exact SSMNE solves over the δ-ball (one for the answer, one inside
the certificate) and ``steps_per_round`` simulation steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from sedtheory._json import json_ready
from sedtheory._result import Record
from sedtheory._validate import DEFAULT_TOL, ValidationError, instance_of, nonnegative_scalar, positive_int
from sedtheory.equilibrium.certificate import Certificate
from sedtheory.equilibrium.markov import certify_ssmne
from sedtheory.evaluation.markov_simulation import Trajectory, as_generator, simulate
from sedtheory.games.sed import SEDGame
from sedtheory.games.strategies import StrategyProfile
from sedtheory.solvers.markov_ssmne import solve_ssmne


@dataclass(frozen=True, eq=False)
class SEDRound(Record):
    """One round of an SED game.

    Attributes:
        index: round number (0-based).
        reports: ``(n + 1, m)`` the reported types θ.
        objective: the name of the objective ``f(θ)``.
        phi: ``(m,)`` the principal's commitment.
        profile: the followers' equilibrium profile in ``M^φ``.
        certificate: the (ε, δ)-SSMNE certificate of (φ, profile) in the round's game (ε = ``epsilon``,
            δ = ``follower_delta`` of :func:`run_rounds`).
        welfare: the exact expected objective ``O(φ, π)`` from the round's initial state.
        follower_values: ``(n,)`` exact expected follower returns.
        initial_state: the state the round started in (``None``: drawn from μ0 in round 0).
        trajectory: the ``T`` played steps; ``trajectory.final_state`` is ``s_T``.
        feasible_count: how many commitments satisfied ``D(anchor, φ) <= δ``.
    """

    index: int
    reports: np.ndarray
    objective: str
    phi: np.ndarray
    profile: StrategyProfile
    certificate: Certificate
    welfare: float
    follower_values: np.ndarray
    initial_state: int | None
    trajectory: Trajectory
    feasible_count: int


@dataclass(frozen=True, eq=False)
class SEDHistory(Record):
    """The rounds played, in order, with array views for analysis."""

    rounds: tuple[SEDRound, ...]
    seed: object

    def __len__(self) -> int:
        return len(self.rounds)

    @property
    def objectives(self) -> list[str]:
        """The objective chosen by the vote in each round."""
        return [r.objective for r in self.rounds]

    @property
    def phis(self) -> np.ndarray:
        """``(R, m)`` commitments per round."""
        return np.array([r.phi for r in self.rounds])

    @property
    def welfare(self) -> np.ndarray:
        """``(R,)`` exact expected objective per round."""
        return np.array([r.welfare for r in self.rounds])

    @property
    def final_states(self) -> np.ndarray:
        """``(R,)`` ``s_T`` of each round."""
        return np.array([r.trajectory.final_state for r in self.rounds])

    def to_dict(self) -> dict:
        """JSON-ready summary: one entry per round (policies as nested lists)."""
        return json_ready({"rounds": [_round_dict(r) for r in self.rounds]})


def _round_dict(played: SEDRound) -> dict:
    return {
        "index": played.index,
        "reports": played.reports,
        "objective": played.objective,
        "phi": played.phi,
        "profile": list(played.profile),
        "welfare": played.welfare,
        "follower_values": played.follower_values,
        "initial_state": played.initial_state,
        "final_state": played.trajectory.final_state,
        "certificate": played.certificate,
        "feasible_count": played.feasible_count,
    }


Reports = Sequence | Callable[[int, "int | None"], np.ndarray]


def run_rounds(game: SEDGame, reports: Reports, n_rounds: int, steps_per_round: int, *, seed,
               initial_state: int | None = None, anchor: str = "initial", follower_delta: float = 0.0,
               epsilon: float = 0.0, tol: float = DEFAULT_TOL) -> SEDHistory:
    """Play ``n_rounds`` rounds of ``game`` (see the module docstring).

    Args:
        game: the SED game.
        reports: a sequence of ``(n + 1, m)`` reports (at least ``n_rounds``) or a callable
            ``(round, state) -> report`` (``state`` is ``None`` in round 0 without ``initial_state``).
        n_rounds, steps_per_round: number of rounds and the ``T`` steps played per round.
        seed: int or ``numpy.random.Generator`` (required; same seed, same history).
        initial_state: the state of round 0 (default: the game's μ0).
        anchor: ``"initial"`` (D measured from φ0, the paper's (1)) or ``"previous"``.
        follower_delta: δ of the followers' δ-equilibria (Definition 2.3).
        epsilon: leader tolerance the certificates test.
    Raises:
        ValidationError: bad input, or a round in which no feasible commitment admits a pure
            follower δ-equilibrium (the exact principal problem has no solution).
    """
    instance_of("game", game, SEDGame)
    n_rounds, steps = positive_int("n_rounds", n_rounds), positive_int("steps_per_round", steps_per_round)
    if anchor not in ("initial", "previous"):
        raise ValidationError(f"anchor: expected 'initial' or 'previous', got {anchor!r}")
    follower_delta = nonnegative_scalar("follower_delta", follower_delta)
    rng, rounds = as_generator(seed), []
    state, phi_anchor = initial_state, game.initial_action
    for index in range(n_rounds):
        theta, objective = game.choose_objective(_report(reports, index, state))
        played = _play_round(game, index, theta, objective, state, phi_anchor, steps, rng,
                             follower_delta, epsilon, tol)
        rounds.append(played)
        state = played.trajectory.final_state
        phi_anchor = played.phi if anchor == "previous" else game.initial_action
    return SEDHistory(tuple(rounds), seed)


def _report(reports: Reports, index: int, state):
    if callable(reports):
        return reports(index, state)
    if len(reports) <= index:
        raise ValidationError(f"reports: {len(reports)} reports for round {index} (need one per round)")
    return reports[index]


def _play_round(game, index, theta, objective, state, phi_anchor, steps, rng, follower_delta, epsilon, tol):
    stackelberg = game.stackelberg_game(objective, anchor=phi_anchor, initial_state=state, tol=tol)
    result = solve_ssmne(stackelberg, follower_delta, tol=tol)
    if not result.ok:
        raise ValidationError(
            f"round {index}: no commitment within the divergence budget admits a pure follower δ-equilibrium"
        )
    certificate = certify_ssmne(stackelberg, result.phi, result.profile, epsilon, follower_delta, tol=tol)
    pomg = stackelberg.induced(result.phi)
    trajectory = simulate(pomg, result.profile, steps, rng)
    return SEDRound(index, theta, objective, result.phi, result.profile, certificate, result.leader_value,
                    result.follower_values, state, trajectory, len(stackelberg.candidates()))
