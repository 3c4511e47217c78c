"""Hypothesis strategies for the graders' tests: small integer games, where ties are common.

* ``integer_stackelberg_payoffs``: a Stackelberg–Nash payoff tensor ``(1 + k, m, n_1, ..., n_k)``
  with ``k`` in ``1..max_followers`` and every action count in ``1..3``, payoffs in ``-3..3``.
* ``integer_bayesian_games``: ``(leader (K, m, n), follower (K, m, n), prior (K,))`` with ``K``
  follower types, payoffs in ``-3..3`` and a prior of positive integer weights (every type
  has positive probability); ``uniform_prior=True`` fixes the prior to ``1/K``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


def _integer_array(draw, shape: tuple[int, ...], low: int = -3, high: int = 3) -> np.ndarray:
    size = int(np.prod(shape))
    return np.array(draw(st.lists(st.integers(low, high), min_size=size, max_size=size)), dtype=float).reshape(shape)


@st.composite
def integer_stackelberg_payoffs(draw, max_followers: int = 2) -> np.ndarray:
    k = draw(st.integers(1, max_followers))
    m = draw(st.integers(1, 3))
    shape = (1 + k, m) + tuple(draw(st.lists(st.integers(1, 3), min_size=k, max_size=k)))
    return _integer_array(draw, shape)


@st.composite
def integer_bayesian_games(draw, max_types: int = 3, max_leader_actions: int = 3, max_follower_actions: int = 3,
                           uniform_prior: bool = False):
    n_types = draw(st.integers(1, max_types))
    shape = (n_types, draw(st.integers(1, max_leader_actions)), draw(st.integers(1, max_follower_actions)))
    leader, follower = _integer_array(draw, shape), _integer_array(draw, shape)
    weights = np.ones(n_types) if uniform_prior else _integer_array(draw, (n_types,), 1, 4)
    return leader, follower, weights / weights.sum()
