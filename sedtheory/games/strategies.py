"""Mixed strategies and reactive policies, collected in a :class:`StrategyProfile`.

A player's strategy is an array whose last axis is a distribution over its actions:

* shape ``(A_i,)``: a mixed strategy in a normal-form game;
* shape ``(O_i, A_i)``: a stochastic reactive policy π_i(a | o) of a (PO)Markov game
  (paper, Definition 2.2: π_i maps observations to actions). A deterministic reactive
  policy is the special case of one-hot rows; :meth:`StrategyProfile.deterministic` builds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from sedtheory._validate import DEFAULT_TOL, ValidationError, stochastic_array


@dataclass(frozen=True, eq=False)
class StrategyProfile:
    """One strategy per player (never called a bare "profile"; see ``PreferenceProfile``).

    Args:
        strategies: a sequence of arrays, one per player, each ``(A_i,)`` or ``(O_i, A_i)``
            with rows summing to 1 within ``tol``.
        tol: tolerance of the simplex check.
    """

    strategies: tuple
    tol: float = DEFAULT_TOL

    def __post_init__(self) -> None:
        if isinstance(self.strategies, np.ndarray) or len(self.strategies) == 0:
            raise ValidationError("strategies: expected a non-empty sequence of per-player arrays")
        checked = tuple(
            stochastic_array(f"strategies[{i}]", s, tol=self.tol, ndim=(1, 2))
            for i, s in enumerate(self.strategies)
        )
        object.__setattr__(self, "strategies", checked)

    @classmethod
    def deterministic(cls, actions: Sequence, n_actions: Sequence[int]) -> "StrategyProfile":
        """Pure profile. ``actions[i]`` is an int (normal form) or an int array ``(O_i,)``
        giving the action taken at each observation (reactive policy)."""
        if len(actions) != len(n_actions):
            raise ValidationError(f"actions: {len(actions)} players but n_actions has {len(n_actions)}")
        out = []
        for i, (a, k) in enumerate(zip(actions, n_actions)):
            a = np.asarray(a)
            if a.dtype.kind not in "iu":
                raise ValidationError(f"actions[{i}]: expected integers, got dtype {a.dtype}")
            if np.any((a < 0) | (a >= k)):
                raise ValidationError(f"actions[{i}]: actions must lie in 0..{k - 1}, got {a.tolist()}")
            out.append(np.eye(k)[a])
        return cls(tuple(out))

    def __len__(self) -> int:
        return len(self.strategies)

    def __getitem__(self, player: int) -> np.ndarray:
        return self.strategies[player]

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self.strategies)

    @property
    def n_players(self) -> int:
        return len(self.strategies)

    def is_pure(self, tol: float = DEFAULT_TOL) -> bool:
        """True when every row puts probability ≥ 1 - tol on one action."""
        return all(bool(np.all(s.max(axis=-1) >= 1 - tol)) for s in self.strategies)

    def replace(self, player: int, strategy) -> "StrategyProfile":
        """A new profile with ``player``'s strategy swapped (unilateral deviation)."""
        if not 0 <= player < self.n_players:
            raise ValidationError(f"player: {player} out of range 0..{self.n_players - 1}")
        strategies = list(self.strategies)
        strategies[player] = strategy
        return StrategyProfile(tuple(strategies), self.tol)
