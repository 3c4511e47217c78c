"""solve_pure_commitment: agreement with explicit loops over leader actions and follower profiles."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sedtheory import SolverStatus, SolverWarning, StackelbergNashGame, ValidationError, solve_pure_commitment
from solver_oracles import grade_stackelberg
from solver_strategies import payoff_tensors


def best_pure_commitment_by_loops(payoffs: np.ndarray):
    """Max over leader actions l and pure follower equilibria y at l of the leader payoff (or None)."""
    best = None
    for leader_action in range(payoffs.shape[1]):
        for profile in itertools.product(*(range(n) for n in payoffs.shape[2:])):
            stable = True
            for i, own in enumerate(profile):
                for action in range(payoffs.shape[2 + i]):
                    other = list(profile)
                    other[i] = action
                    if payoffs[(1 + i, leader_action) + tuple(other)] > payoffs[(1 + i, leader_action) + profile]:
                        stable = False
            if stable:
                value = payoffs[(0, leader_action) + profile]
                best = value if best is None else max(best, value)
    return best


@given(st.integers(1, 3).flatmap(lambda k: payoff_tensors(followers=k, max_leader=3, max_follower=3)))
def test_pure_commitment_matches_loops(payoffs):
    game = StackelbergNashGame(payoffs)
    expected = best_pure_commitment_by_loops(payoffs)
    if expected is None:
        with pytest.warns(SolverWarning, match="no pure leader action"):
            result = solve_pure_commitment(game, tol=0.0)
        assert result.status is SolverStatus.NO_PURE_EQUILIBRIUM
        return
    result = solve_pure_commitment(game, tol=0.0)
    assert result.ok and result.leader_value == expected
    strategy = result.leader_strategy
    assert strategy.max() == 1.0 and strategy.sum() == 1.0
    assert grade_stackelberg(payoffs, strategy, result.follower_actions, tol=0.0) == expected
    assert result.details["values_by_action"][result.details["leader_action"]] == expected


def test_pure_commitment_breaks_ties_for_the_leader():
    # against leader action 0 the follower is indifferent; the leader prefers column 1
    game = StackelbergNashGame.from_bimatrix([[0, 2], [1, 1]], [[5, 5], [1, 0]])
    result = solve_pure_commitment(game)
    assert result.leader_value == 2.0 and result.follower_actions == (1,)
    assert result.rests_on_tie and result.details["tied_deviations"] == [[0, 0]]


def test_pure_commitment_rejects_bad_input():
    with pytest.raises(ValidationError, match="game: expected a StackelbergNashGame"):
        solve_pure_commitment(np.zeros((2, 2, 2)))
    with pytest.raises(ValidationError, match="tol: must be >= 0"):
        solve_pure_commitment(StackelbergNashGame.from_bimatrix([[1]], [[1]]), tol=-0.5)


def test_pure_commitment_refuses_too_many_follower_profiles():
    game = StackelbergNashGame(np.zeros((3, 1, 1001, 1001)))  # 1001**2 > 1e6 profiles
    with pytest.raises(ValidationError, match="game: 1002001 pure follower profiles exceed"):
        solve_pure_commitment(game)
