"""pure_nash_equilibria and support_enumeration: brute force, nashpy and label-based oracles."""

from __future__ import annotations

import itertools
from fractions import Fraction

import nashpy
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sedtheory import NormalFormGame, ValidationError, normal_form_pure_nash_equilibria, pure_nash_equilibria
from sedtheory import support_enumeration
from sedtheory.solvers.support_enumeration import MAX_SUPPORT_PAIRS
from solver_oracles import extreme_equilibria_by_labels


@st.composite
def integer_games(draw, players=None, max_actions=3, low=-3, high=3):
    n_players = players or draw(st.integers(1, 3))
    actions = [draw(st.integers(1, max_actions)) for _ in range(n_players)]
    return draw(hnp.arrays(np.int64, (n_players, *actions), elements=st.integers(low, high))).astype(float)


def is_pure_equilibrium_by_loops(payoffs, profile) -> bool:
    for player in range(payoffs.shape[0]):
        for action in range(payoffs.shape[1 + player]):
            other = list(profile)
            other[player] = action
            if payoffs[(player,) + tuple(other)] > payoffs[(player,) + tuple(profile)]:
                return False
    return True


def assert_exact_equilibrium(game: NormalFormGame, x, y):
    """Exact check in Fractions: no pure deviation gains, for either player."""
    a = [[Fraction(float(v)) for v in row] for row in game.payoffs[0]]
    b = [[Fraction(float(v)) for v in row] for row in game.payoffs[1]]
    assert sum(x) == 1 and sum(y) == 1 and min(x) >= 0 and min(y) >= 0
    rows = [sum(a[i][j] * y[j] for j in range(len(y))) for i in range(len(x))]
    cols = [sum(b[i][j] * x[i] for i in range(len(x))) for j in range(len(y))]
    assert sum(p * r for p, r in zip(x, rows)) == max(rows)
    assert sum(q * c for q, c in zip(y, cols)) == max(cols)


def documented_order(equilibrium):
    """Sort key of support_enumeration's output: support pair (smaller supports first), then (x, y)."""
    x, y = equilibrium
    rows = tuple(i for i, p in enumerate(x) if p > 0)
    columns = tuple(j for j, q in enumerate(y) if q > 0)
    return (len(rows), rows, len(columns), columns, x, y)


# --- pure equilibria ----------------------------------------------------------------------

@given(integer_games())
def test_pure_equilibria_match_loops(payoffs):
    game = NormalFormGame(payoffs)
    expected = [p for p in itertools.product(*(range(k) for k in game.n_actions))
                if is_pure_equilibrium_by_loops(payoffs, p)]
    assert normal_form_pure_nash_equilibria(game, tol=0.0) == expected
    assert pure_nash_equilibria(game, 0.0) == expected  # the package-level name dispatches here


def test_pure_equilibria_tolerance():
    game = NormalFormGame([[[1.0, 0.0], [1.0 - 1e-9, 0.0]], [[1.0, 0.0], [1.0, 0.0]]])
    assert normal_form_pure_nash_equilibria(game, tol=0.0) == [(0, 0)]
    assert normal_form_pure_nash_equilibria(game, tol=1e-7) == [(0, 0), (1, 0)]


def test_pure_equilibria_errors():
    with pytest.raises(ValidationError, match="game: expected a NormalFormGame"):
        normal_form_pure_nash_equilibria([[1, 0], [0, 1]])
    with pytest.raises(ValidationError, match="tol: must be >= 0"):
        normal_form_pure_nash_equilibria(NormalFormGame([[[1, 0], [0, 1]], [[1, 0], [0, 1]]]), tol=-1)
    with pytest.raises(ValidationError, match="game: expected a NormalFormGame or a POMG, got list"):
        pure_nash_equilibria([[1, 0], [0, 1]])


# --- support enumeration --------------------------------------------------------------------

@settings(max_examples=25)
@given(st.integers(2, 4), st.integers(2, 4), st.integers(0, 2 ** 32 - 1))
def test_support_enumeration_matches_nashpy_on_nondegenerate_games(m, n, seed):
    """Uniform payoffs give a non-degenerate game with probability one: all equilibria, finitely many.

    nashpy's vertex enumeration is the oracle (its support enumeration was seen to miss
    equilibria of some integer games, e.g. the 4x3 game in test_more_than_nashpy_support_enumeration).
    """
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(size=(m, n)), rng.uniform(size=(m, n))
    ours = support_enumeration(NormalFormGame.from_bimatrix(a, b))
    theirs = list(nashpy.Game(a, b).vertex_enumeration())
    assert len(ours) == len(theirs)
    for x, y in theirs:
        assert any(np.allclose(np.array(p, float), x, atol=1e-9) and np.allclose(np.array(q, float), y, atol=1e-9)
                   for p, q in ours)
    assert len(ours) % 2 == 1  # Lemke–Howson oddness theorem for non-degenerate games


@settings(max_examples=40)
@given(integer_games(players=2, max_actions=3, low=-2, high=2))
def test_support_enumeration_matches_labelled_vertex_pairs(payoffs):
    """Degenerate integer games included: the extreme equilibria equal the completely labelled vertex pairs."""
    game = NormalFormGame(payoffs)
    ours = support_enumeration(game)
    assert len(set(ours)) == len(ours)
    assert ours == sorted(ours, key=documented_order)
    for x, y in ours:
        assert_exact_equilibrium(game, x, y)
    oracle = extreme_equilibria_by_labels(payoffs[0], payoffs[1])
    ours_float = [(np.array(x, float), np.array(y, float)) for x, y in ours]
    for x, y in oracle:
        assert any(np.allclose(p, x, atol=1e-7) and np.allclose(q, y, atol=1e-7) for p, q in ours_float), (x, y)
    for p, q in ours_float:
        assert any(np.allclose(p, x, atol=1e-7) and np.allclose(q, y, atol=1e-7) for x, y in oracle), (p, q)


@given(integer_games(players=2, max_actions=4))
def test_pure_equilibria_are_among_the_extreme_ones(payoffs):
    game = NormalFormGame(payoffs)
    found = support_enumeration(game)
    for i, j in normal_form_pure_nash_equilibria(game, tol=0.0):
        x = tuple(Fraction(int(k == i)) for k in range(game.n_actions[0]))
        y = tuple(Fraction(int(k == j)) for k in range(game.n_actions[1]))
        assert (x, y) in found


def test_more_than_nashpy_support_enumeration():
    """A 4x3 integer game where nashpy 0.0.40's support enumeration reports 2 equilibria, ours 3.

    The third, x = (0, 7/8, 1/8, 0), y = (4/7, 0, 3/7), is checked exactly below: rows 1 and 2
    both earn 20/7 against y (rows 0 and 3 less), columns 0 and 2 both earn -7/4 against x
    (column 1: -13/4). nashpy's vertex enumeration also finds all three.
    """
    a = np.array([[-4, -9, -8], [5, -7, 0], [8, 8, -4], [-8, 0, 6]], dtype=float)
    b = np.array([[2, -8, 3], [-3, -5, -1], [7, 9, -7], [1, 5, -5]], dtype=float)
    game = NormalFormGame.from_bimatrix(a, b)
    found = support_enumeration(game)
    third = ((Fraction(0), Fraction(7, 8), Fraction(1, 8), Fraction(0)), (Fraction(4, 7), Fraction(0), Fraction(3, 7)))
    assert third in found and len(found) == 3
    assert_exact_equilibrium(game, *third)


def test_payoff_differences_in_the_last_bits_keep_the_mixed_equilibrium():
    """Matching pennies for the row player; the column player wants to mismatch, by only ε.

    The column payoffs are ε times those of mismatching pennies, a positive rescaling, so for every
    ε > 0 the unique equilibrium is uniform for both players (the same as for ε = 1). A float
    rank test used to call the 3x3 indifference system singular for ε ≤ 1e-11 and found nothing.
    """
    a = np.array([[1.0, -1.0], [-1.0, 1.0]])
    half = (Fraction(1, 2), Fraction(1, 2))
    for eps in (1.0, 1e-6, 1e-12, 2.0 ** -45):
        game = NormalFormGame.from_bimatrix(a, np.array([[0.0, eps], [eps, 0.0]]))
        assert support_enumeration(game) == [(half, half)], eps


@settings(max_examples=30)
@given(integer_games(players=2, max_actions=3),
       st.sampled_from([(2.0 ** -40, 1.0), (2.0 ** -20, -3.0), (2.0 ** 30, 5.0)]))
def test_dyadic_affine_rescaling_leaves_the_equilibria_unchanged(payoffs, map_):
    """``c + s·u`` with ``s`` a power of two is stored exactly, so the game is exactly an affine image.

    Positive affine maps of each player's payoffs do not change best responses, hence the exact
    equilibrium list must be identical, however tiny or huge ``s`` is relative to ``c``.
    """
    scale, offset = map_
    rescaled = NormalFormGame(np.stack([offset + scale * payoffs[0], -offset + scale * payoffs[1]]))
    assert np.array_equal((rescaled.payoffs[0] - offset) / scale, payoffs[0])  # the map is exact
    assert support_enumeration(rescaled) == support_enumeration(NormalFormGame(payoffs))


def test_support_enumeration_errors():
    with pytest.raises(ValidationError, match="game: support enumeration needs a two-player game, got 3 players"):
        support_enumeration(NormalFormGame(np.zeros((3, 2, 2, 2))))
    with pytest.raises(ValidationError, match="needs a two-player NormalFormGame, got ndarray"):
        support_enumeration(np.zeros((2, 2, 2)))
    big = 8
    assert (2 ** big - 1) ** 2 > MAX_SUPPORT_PAIRS
    with pytest.raises(ValidationError, match="support pairs"):
        support_enumeration(NormalFormGame(np.zeros((2, big, big))))
