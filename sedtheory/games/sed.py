"""Social Environment Design games (paper, Definition 3.1).

``S = (Φ, P, φ0, D, δ, Θ, O, f)``: a Stackelberg–Markov game ``(Φ, P)`` played online over
rounds, each round's leader objective chosen by a vote. One round (Definitions 3.2–3.4):

1. the participants report types ``θ_-1`` (the principal's ``θ_1`` is row 0): ``θ ∈ Θ``,
   an ``(n + 1, m)`` array;
2. the social choice function picks the objective ``O = f(θ)`` from the set ``O``;
3. the principal solves problem (1): ``max_φ O(φ, π)`` s.t. ``D(φ0, φ) ≤ δ`` and
   ``μ0^{P(φ)} = Dirac(s_T)`` (the last state of the previous round);
4. the followers play their equilibrium of ``M^φ`` for ``T`` steps, ending in ``s_T``.

This module holds the formal object and the constructions a round needs (the δ-ball of
commitments, the round's Stackelberg–Markov game). The loop itself is an algorithm and lives
in :func:`sedtheory.drivers.sed_rounds.run_rounds` (layering: games never import solvers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from sedtheory._validate import DEFAULT_TOL, ValidationError, finite_array, nonnegative_scalar
from sedtheory.games.markov import POMG
from sedtheory.games.stackelberg import LEADER_UTILITIES, StackelbergMarkovGame, ordered_bounds


@dataclass(frozen=True, eq=False)
class TypeSpace:
    """A box type space ``Θ = [lower, upper] ⊂ R^{(n+1) × m}`` (row 0 = the principal).

    Args:
        lower, upper: ``(n + 1, m)`` bounds with ``lower <= upper``.
    """

    lower: np.ndarray
    upper: np.ndarray

    def __post_init__(self) -> None:
        lower, upper = ordered_bounds(self.lower, self.upper, ndim=2)
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)

    @property
    def shape(self) -> tuple[int, int]:
        """``(n + 1, m)``, the shape of a report."""
        return tuple(int(k) for k in self.lower.shape)

    def check(self, field: str, theta) -> np.ndarray:
        """Return ``theta`` as a validated ``(n + 1, m)`` array inside Θ, or raise naming ``field``."""
        theta = finite_array(field, theta, shape=self.shape)
        outside = (theta < self.lower) | (theta > self.upper)
        if outside.any():
            bad = tuple(int(i) for i in np.argwhere(outside)[0])
            raise ValidationError(f"{field}: entry {bad} = {theta[bad]} lies outside the type space")
        return theta


@dataclass(frozen=True, eq=False)
class SEDGame:
    """A Social Environment Design game (Definition 3.1).

    Args:
        leader_actions: Φ — a finite ``(K, m)`` array or a :class:`Box` (searched on its grid).
        implementation: ``P: φ ↦ M^φ`` returning a :class:`POMG`.
        initial_action: ``φ0 ∈ Φ`` ``(m,)``.
        divergence: ``D(φ0, φ) >= 0``, a callable on two ``(m,)`` arrays.
        budget: the divergence budget δ of Definition 3.1 (``>= 0``; the paper asks ``> 0``,
            ``0`` pins the commitment to φ0).
        type_space: Θ, a :class:`TypeSpace` of ``(n + 1, m_types)`` reports.
        objectives: the objective set O, a mapping name → leader utility
            (:class:`~sedtheory.games.stackelberg.WelfareUtility` or
            :class:`~sedtheory.games.stackelberg.LeaderRewardUtility`).
        social_choice: ``f: Θ → O``, a callable mapping an ``(n + 1, m_types)`` report to a name
            in ``objectives``.
        name: a label for reports.
    """

    leader_actions: object
    implementation: Callable[[np.ndarray], POMG]
    initial_action: np.ndarray
    divergence: Callable[[np.ndarray, np.ndarray], float]
    budget: float
    type_space: TypeSpace
    objectives: Mapping[str, object]
    social_choice: Callable[[np.ndarray], str]
    name: str = "SED game"

    def __post_init__(self) -> None:
        if not callable(self.divergence):
            raise ValidationError("divergence: expected a callable D(phi0, phi) -> float >= 0")
        if not callable(self.social_choice):
            raise ValidationError("social_choice: expected a callable theta -> objective name")
        if not isinstance(self.type_space, TypeSpace):
            raise ValidationError(f"type_space: expected a TypeSpace, got {type(self.type_space).__name__}")
        object.__setattr__(self, "budget", nonnegative_scalar("budget", self.budget))
        objectives = dict(self.objectives)
        if not objectives:
            raise ValidationError("objectives: the objective set O is empty")
        for key, utility in objectives.items():
            if not isinstance(utility, LEADER_UTILITIES):
                raise ValidationError(f"objectives[{key!r}]: expected WelfareUtility or LeaderRewardUtility")
        object.__setattr__(self, "objectives", objectives)
        game = self._base_game(next(iter(objectives.values())))  # validates Φ and P
        phi0 = np.atleast_1d(np.asarray(self.initial_action, dtype=float))
        try:
            index = game.index_of(phi0)
        except ValidationError:
            raise ValidationError(f"initial_action: {phi0.tolist()} is not one of the commitments in Φ") from None
        object.__setattr__(self, "initial_action", game.candidates()[index])
        object.__setattr__(self, "leader_actions", game.leader_actions)

    def _base_game(self, utility) -> StackelbergMarkovGame:
        return StackelbergMarkovGame(self.leader_actions, self.implementation, utility, self.name)

    def candidates(self) -> np.ndarray:
        """``(K, m)`` the commitments (Φ, or the box's grid)."""
        return self._base_game(next(iter(self.objectives.values()))).candidates()

    def divergences(self, anchor=None) -> np.ndarray:
        """``(K,)`` ``D(anchor, φ)`` for every candidate (anchor defaults to φ0), checked ``>= 0``."""
        anchor = self.initial_action if anchor is None else np.atleast_1d(np.asarray(anchor, dtype=float))
        values = np.array([float(self.divergence(anchor, phi)) for phi in self.candidates()])
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            k = int(np.argmax(~np.isfinite(values) | (values < 0)))
            raise ValidationError(f"divergence: D(phi0, candidate {k}) = {values[k]} is not a finite number >= 0")
        return values

    def feasible(self, anchor=None, tol: float = DEFAULT_TOL) -> np.ndarray:
        """``(K,)`` boolean mask of the δ-ball ``{φ : D(anchor, φ) <= δ}`` (within ``tol``)."""
        return self.divergences(anchor) <= self.budget + tol

    def objective(self, name: str):
        """The leader utility registered under ``name``."""
        if name not in self.objectives:
            raise ValidationError(f"objective: {name!r} is not in the objective set {sorted(self.objectives)}")
        return self.objectives[name]

    def choose_objective(self, theta) -> tuple[np.ndarray, str]:
        """Validate a report ``θ ∈ Θ`` and apply ``f``: returns ``(θ, objective name)``."""
        theta = self.type_space.check("reports", theta)
        name = self.social_choice(theta)
        if not isinstance(name, str) or name not in self.objectives:
            raise ValidationError(f"social_choice: returned {name!r}, not a name in {sorted(self.objectives)}")
        return theta, name

    def stackelberg_game(self, objective: str, *, anchor=None, initial_state: int | None = None,
                         tol: float = DEFAULT_TOL) -> StackelbergMarkovGame:
        """The round's Stackelberg–Markov game of problem (1).

        Φ is cut to the δ-ball ``{φ : D(anchor, φ) ≤ δ + tol}`` around ``anchor`` (default φ0),
        the leader utility is the objective named ``objective``, and with ``initial_state``
        every ``M^φ`` starts there (μ0 = Dirac(s_T)).
        """
        game = self._base_game(self.objective(objective)).restricted(self.feasible(anchor, tol))
        return game if initial_state is None else game.with_initial_state(initial_state)

