"""Hypothesis strategies for small integer games used by the solver tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sedtheory import StackelbergNashGame


@st.composite
def payoff_tensors(draw, *, followers: int = 1, max_leader: int = 4, max_follower: int = 4, low: int = -5, high: int = 5):
    """An integer payoff tensor ``(1 + k, m, n_1, ..., n_k)`` with small entries."""
    m = draw(st.integers(1, max_leader))
    ns = [draw(st.integers(1, max_follower)) for _ in range(followers)]
    shape = (1 + followers, m, *ns)
    return draw(hnp.arrays(np.int64, shape, elements=st.integers(low, high))).astype(float)


@st.composite
def bimatrix_games(draw, *, max_leader: int = 4, max_follower: int = 4):
    """A one-follower :class:`StackelbergNashGame` with small integer payoffs."""
    return StackelbergNashGame(draw(payoff_tensors(max_leader=max_leader, max_follower=max_follower)))
