"""Normal-form games and Stackelberg–Nash games (paper, Definition 2.1).

One canonical array: the payoff tensor of shape ``(n_players, *n_actions)``, where
``payoffs[p, a_0, ..., a_{n-1}]`` is player ``p``'s payoff when player ``q`` plays action
``a_q``. Objects here are formal and frozen; algorithms live in :mod:`sedtheory.solvers` and
graders in :mod:`sedtheory.equilibrium`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from sedtheory._validate import ValidationError, finite_array, index_tuple, probability_vector


@dataclass(frozen=True, eq=False)
class NormalFormGame:
    """A finite game in normal form.

    Args:
        payoffs: array ``(n_players, *n_actions)``; ``payoffs[p][a]`` is player ``p``'s payoff
            at pure action profile ``a`` (one index per player). Finite values only.

    Example:
        >>> matching_pennies = NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
        >>> matching_pennies.n_players, matching_pennies.n_actions
        (2, (2, 2))
    """

    payoffs: np.ndarray

    def __post_init__(self) -> None:
        payoffs = finite_array("payoffs", self.payoffs)
        if payoffs.ndim < 2:
            raise ValidationError(f"payoffs: expected shape (n_players, *n_actions), got {payoffs.shape}")
        if payoffs.shape[0] != payoffs.ndim - 1:
            raise ValidationError(
                f"payoffs: leading axis has {payoffs.shape[0]} players but there are "
                f"{payoffs.ndim - 1} action axes (shape {payoffs.shape})"
            )
        if min(payoffs.shape[1:]) < 1:
            raise ValidationError(f"payoffs: every player needs at least one action, got shape {payoffs.shape}")
        object.__setattr__(self, "payoffs", payoffs)

    @classmethod
    def from_bimatrix(cls, row_payoffs, column_payoffs) -> "NormalFormGame":
        """Two-player game from the row player's and the column player's ``(m, n)`` matrices."""
        row = finite_array("row_payoffs", row_payoffs, ndim=2)
        col = finite_array("column_payoffs", column_payoffs, shape=row.shape)
        return cls(np.stack([row, col]))

    @property
    def n_players(self) -> int:
        return int(self.payoffs.shape[0])

    @property
    def n_actions(self) -> tuple[int, ...]:
        return tuple(int(k) for k in self.payoffs.shape[1:])

    def payoff(self, actions: Sequence[int]) -> np.ndarray:
        """Payoff vector ``(n_players,)`` at a pure action profile."""
        actions = index_tuple("actions", actions, self.n_actions)
        return self.payoffs[(slice(None),) + actions].copy()

    def expected_payoffs(self, strategies: Sequence) -> np.ndarray:
        """Expected payoff vector ``(n_players,)`` under independent mixed strategies.

        Args:
            strategies: one probability vector ``(n_actions[p],)`` per player.
        """
        vectors = self._mixed(strategies)
        values = self.payoffs
        for vector in reversed(vectors):  # contract the last action axis each time
            values = values @ vector
        return np.asarray(values, dtype=float)

    def deviation_payoffs(self, strategies: Sequence, player: int) -> np.ndarray:
        """Player ``player``'s payoff ``(n_actions[player],)`` for each pure action against the others' mixes."""
        vectors = self._mixed(strategies)
        values = np.moveaxis(self.payoffs[player], player, 0)
        others = [v for q, v in enumerate(vectors) if q != player]
        for vector in reversed(others):
            values = values @ vector
        return np.asarray(values, dtype=float)

    def _mixed(self, strategies: Sequence) -> list[np.ndarray]:
        if len(strategies) != self.n_players:
            raise ValidationError(f"strategies: expected {self.n_players} strategies, got {len(strategies)}")
        return [
            probability_vector(f"strategies[{p}]", s, size=k)
            for p, (s, k) in enumerate(zip(strategies, self.n_actions))
        ]


@dataclass(frozen=True, eq=False)
class StackelbergNashGame:
    """A Stackelberg–Nash game (Definition 2.1): player 0 leads, players 1..k follow.

    The leader commits to a (possibly mixed) strategy over its ``m`` actions; the followers
    observe the commitment and play a Nash equilibrium of the induced game among themselves.

    Args:
        payoffs: array ``(1 + k, m, n_1, ..., n_k)``: leader payoffs at index 0, follower
            ``i`` at index ``i``.

    Example:
        >>> game = StackelbergNashGame.from_bimatrix([[2, 4], [1, 3]], [[1, 0], [0, 1]])
        >>> game.n_followers, game.n_leader_actions, game.n_follower_actions
        (1, 2, (2,))
    """

    payoffs: np.ndarray

    def __post_init__(self) -> None:
        game = NormalFormGame(self.payoffs)  # reuses the shape and finiteness checks
        if game.n_players < 2:
            raise ValidationError("payoffs: a Stackelberg–Nash game needs a leader and at least one follower")
        object.__setattr__(self, "payoffs", game.payoffs)

    @classmethod
    def from_bimatrix(cls, leader_payoffs, follower_payoffs) -> "StackelbergNashGame":
        """One leader with ``m`` actions and one follower with ``n``: two ``(m, n)`` matrices."""
        leader = finite_array("leader_payoffs", leader_payoffs, ndim=2)
        follower = finite_array("follower_payoffs", follower_payoffs, shape=leader.shape)
        return cls(np.stack([leader, follower]))

    @property
    def normal_form(self) -> NormalFormGame:
        """The same payoffs as a simultaneous-move game (leader = player 0)."""
        return NormalFormGame(self.payoffs)

    @property
    def n_followers(self) -> int:
        return int(self.payoffs.shape[0] - 1)

    @property
    def n_leader_actions(self) -> int:
        return int(self.payoffs.shape[1])

    @property
    def n_follower_actions(self) -> tuple[int, ...]:
        return tuple(int(k) for k in self.payoffs.shape[2:])

    @property
    def leader_payoffs(self) -> np.ndarray:
        """``(m, n_1, ..., n_k)`` leader payoffs."""
        return self.payoffs[0]

    @property
    def follower_payoffs(self) -> np.ndarray:
        """``(k, m, n_1, ..., n_k)`` follower payoffs."""
        return self.payoffs[1:]

    def induced_game(self, leader_strategy) -> NormalFormGame:
        """The lower-level game among the followers once the leader commits.

        Args:
            leader_strategy: probability vector ``(m,)``.

        Returns:
            A ``k``-player :class:`NormalFormGame` with payoffs ``(k, n_1, ..., n_k)``: each
            follower's expected payoff over the leader's mix.
        """
        x = probability_vector("leader_strategy", leader_strategy, size=self.n_leader_actions)
        return NormalFormGame(np.tensordot(self.follower_payoffs, x, axes=([1], [0])))

    def leader_value(self, leader_strategy, follower_actions: Sequence[int]) -> float:
        """Leader's expected payoff for a mixed commitment and pure follower actions."""
        x = probability_vector("leader_strategy", leader_strategy, size=self.n_leader_actions)
        index = self._follower_index(follower_actions)
        return float(self.leader_payoffs[(slice(None),) + index] @ x)

    def _follower_index(self, follower_actions: Sequence[int]) -> tuple[int, ...]:
        return index_tuple("follower_actions", follower_actions, self.n_follower_actions)
