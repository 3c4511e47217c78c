"""Stackelberg–Markov games (paper, Definition 2.3).

The leader commits to ``φ ∈ Φ ⊂ R^m``; the implementation map ``P`` turns it into a POMG
``M^φ`` played by the ``n`` followers with reactive policies; the leader receives
``u_0(φ, π)``. Formal objects only:

* :class:`Box` — a box ``Φ = [lower, upper]`` together with the stated grid on which the exact
  solvers search it (``points`` evenly spaced values per coordinate, endpoints included);
* :class:`WelfareUtility` — ``u_0(φ, π) = W(J(φ, π))`` for a welfare functional ``W`` of the
  followers' expected returns ``J`` (``(n,)``), e.g. utilitarian, Nash, egalitarian (paper §3);
* :class:`LeaderRewardUtility` — ``u_0(φ, π)`` = the leader's own expected return for a reward
  ``r_0^φ(s, a)`` paid along the play of ``M^φ`` (same discount/horizon as ``M^φ``);
* :class:`StackelbergMarkovGame` — ``(Φ, P, u_0)``.

Algorithms that evaluate ``u_0`` and solve the game live in :mod:`sedtheory.solvers`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

import numpy as np

from sedtheory._validate import DEFAULT_TOL, ValidationError, finite_array, positive_int
from sedtheory.games.markov import POMG


def ordered_bounds(lower, upper, *, ndim: int) -> tuple[np.ndarray, np.ndarray]:
    """Finite read-only ``lower``/``upper`` arrays of one shape (``ndim`` axes) with ``lower <= upper``.

    Raises a :class:`ValidationError` naming the first index where ``upper`` is below ``lower``.
    """
    lower = finite_array("lower", lower, ndim=ndim)
    upper = finite_array("upper", upper, shape=lower.shape)
    below = np.argwhere(lower > upper)
    if below.size:
        k = tuple(int(i) for i in below[0])
        index = ", ".join(map(str, k))
        raise ValidationError(f"upper: upper[{index}]={upper[k]} is below lower[{index}]={lower[k]}")
    return lower, upper


@dataclass(frozen=True, eq=False)
class Box:
    """A box of leader actions with the grid an exact solver searches.

    Args:
        lower, upper: ``(m,)`` bounds with ``lower <= upper``.
        points: grid points per coordinate (an int for all, or ``(m,)`` ints ``>= 1``; a
            coordinate with one point must have ``lower == upper``).
    """

    lower: np.ndarray
    upper: np.ndarray
    points: tuple = 5

    def __post_init__(self) -> None:
        lower, upper = ordered_bounds(np.atleast_1d(self.lower), np.atleast_1d(self.upper), ndim=1)
        raw = self.points
        points = (raw,) * lower.size if isinstance(raw, (int, np.integer)) else tuple(raw)
        if len(points) != lower.size:
            raise ValidationError(f"points: expected {lower.size} grid sizes, got {len(points)}")
        points = tuple(positive_int(f"points[{k}]", p) for k, p in enumerate(points))
        for k, p in enumerate(points):
            if p == 1 and lower[k] != upper[k]:
                raise ValidationError(f"points[{k}]: one grid point needs lower[{k}] == upper[{k}]")
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)
        object.__setattr__(self, "points", points)

    @property
    def dimension(self) -> int:
        """``m``, the dimension of a commitment."""
        return int(self.lower.size)

    def grid(self) -> np.ndarray:
        """``(K, m)`` grid points, lexicographic order (first coordinate slowest)."""
        axes = [np.linspace(lo, hi, p) for lo, hi, p in zip(self.lower, self.upper, self.points)]
        return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, self.dimension)

    def contains(self, phi, tol: float = DEFAULT_TOL) -> bool:
        """Whether ``phi`` ``(m,)`` lies in the box (within ``tol``)."""
        phi = np.atleast_1d(np.asarray(phi, dtype=float))
        if phi.shape != self.lower.shape:
            return False
        return bool(np.all(phi >= self.lower - tol) and np.all(phi <= self.upper + tol))


@dataclass(frozen=True)
class WelfareUtility:
    """``u_0(φ, π) = welfare(J)`` with ``J`` the ``(n,)`` follower returns in ``M^φ``.

    Args:
        welfare: maps ``(n,)`` returns to a finite number (e.g.
            :func:`sedtheory.social_choice.welfare.utilitarian`).
        name: a label for reports.
    """

    welfare: Callable[[np.ndarray], float]
    name: str = "welfare"

    def __post_init__(self) -> None:
        if not callable(self.welfare):
            raise ValidationError(f"welfare: expected a callable on (n,) returns, got {self.welfare!r}")

    def of_returns(self, returns: np.ndarray) -> float:
        """Apply the welfare functional and check it returns one finite number."""
        value = np.asarray(self.welfare(np.asarray(returns, dtype=float)))
        if value.size != 1 or not np.issubdtype(value.dtype, np.number):
            raise ValidationError(f"welfare: {self.name} returned {value.tolist()!r}, not one number")
        value = float(value.reshape(()))
        if not np.isfinite(value):
            raise ValidationError(f"welfare: {self.name} returned {value} for returns {np.asarray(returns).tolist()}")
        return value


@dataclass(frozen=True)
class LeaderRewardUtility:
    """``u_0(φ, π)`` = expected return of the leader reward ``reward(φ)`` in ``M^φ``.

    Args:
        reward: maps ``φ`` to an ``(S, A_1, …, A_n)`` array of leader rewards ``r_0^φ(s, a)``.
        name: a label for reports.
    """

    reward: Callable[[np.ndarray], np.ndarray]
    name: str = "leader reward"

    def __post_init__(self) -> None:
        if not callable(self.reward):
            raise ValidationError(f"reward: expected a callable φ -> (S, A_1, ..., A_n) array, got {self.reward!r}")

    def array(self, phi: np.ndarray, pomg: POMG) -> np.ndarray:
        """The validated ``(S, A_1, …, A_n)`` leader reward at ``φ``."""
        shape = (pomg.n_states, *pomg.n_actions)
        return finite_array(f"{self.name}(phi)", self.reward(phi), shape=shape)


LEADER_UTILITIES = (WelfareUtility, LeaderRewardUtility)


@dataclass(frozen=True, eq=False)
class StackelbergMarkovGame:
    """A Stackelberg–Markov game ``(Φ, P, u_0)`` (Definition 2.3).

    Args:
        leader_actions: a finite Φ as a ``(K, m)`` array (one commitment per row; a ``(K,)``
            array means ``m = 1``), or a :class:`Box` searched on its grid.
        implementation: the map ``P: φ ↦ M^φ``; must return a :class:`POMG` with the same
            number of agents for every ``φ``.
        leader_utility: :class:`WelfareUtility` or :class:`LeaderRewardUtility`.
        name: a label for reports.
    """

    leader_actions: object
    implementation: Callable[[np.ndarray], POMG]
    leader_utility: object
    name: str = "stackelberg-markov game"

    def __post_init__(self) -> None:
        if not isinstance(self.leader_actions, Box):
            actions = finite_array("leader_actions", self.leader_actions, ndim=(1, 2))
            actions = actions.reshape(-1, 1) if actions.ndim == 1 else actions
            if actions.shape[0] == 0 or actions.shape[1] == 0:
                raise ValidationError(f"leader_actions: need at least one commitment, got shape {actions.shape}")
            object.__setattr__(self, "leader_actions", actions)
        if not callable(self.implementation):
            raise ValidationError("implementation: expected a callable φ -> POMG")
        if not isinstance(self.leader_utility, LEADER_UTILITIES):
            raise ValidationError(
                "leader_utility: expected WelfareUtility or LeaderRewardUtility, "
                f"got {type(self.leader_utility).__name__}"
            )

    def candidates(self) -> np.ndarray:
        """``(K, m)`` the commitments an exact solver searches (Φ, or the box's grid)."""
        if isinstance(self.leader_actions, Box):
            return self.leader_actions.grid()
        return np.array(self.leader_actions)

    def index_of(self, phi, tol: float = DEFAULT_TOL) -> int:
        """Row of :meth:`candidates` equal to ``phi`` (within ``tol``); raises if absent."""
        phi = np.atleast_1d(np.asarray(phi, dtype=float))
        candidates = self.candidates()
        if phi.shape != candidates.shape[1:]:
            raise ValidationError(f"phi: expected shape {candidates.shape[1:]}, got {phi.shape}")
        hits = np.flatnonzero(np.all(np.abs(candidates - phi) <= tol, axis=1))
        if hits.size == 0:
            raise ValidationError(f"phi: {phi.tolist()} is not one of the game's {len(candidates)} commitments")
        return int(hits[0])

    def induced(self, phi) -> POMG:
        """``M^φ = P(φ)``, checked to be a :class:`POMG`."""
        phi = np.atleast_1d(np.asarray(phi, dtype=float))
        pomg = self.implementation(phi)
        if not isinstance(pomg, POMG):
            raise ValidationError(f"implementation: returned {type(pomg).__name__} for phi={phi.tolist()}, not a POMG")
        return pomg

    def restricted(self, keep) -> "StackelbergMarkovGame":
        """The same game with Φ cut to the candidates where the boolean ``keep`` ``(K,)`` is true."""
        keep = np.asarray(keep, dtype=bool)
        candidates = self.candidates()
        if keep.shape != (len(candidates),):
            raise ValidationError(f"keep: expected shape ({len(candidates)},), got {keep.shape}")
        if not keep.any():
            raise ValidationError("keep: the restricted leader action set is empty")
        return StackelbergMarkovGame(candidates[keep], self.implementation, self.leader_utility, self.name)

    def with_initial_state(self, state: int) -> "StackelbergMarkovGame":
        """The game whose every ``M^φ`` starts at ``state`` (μ0 = Dirac; constraint (1))."""
        implementation = self.implementation
        return StackelbergMarkovGame(self.leader_actions, lambda phi: implementation(phi).with_initial_state(state),
                                     self.leader_utility, self.name)
