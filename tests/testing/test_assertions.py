"""The user-facing pytest helpers: they pass on equilibria and fail with the witnesses."""

import numpy as np
import pytest

from sedtheory import Certificate, NormalFormGame, StackelbergNashGame, ValidationError
from sedtheory.testing import assert_nash_equilibrium, assert_stackelberg_equilibrium

# Conitzer & Sandholm (EC 2006): strong Stackelberg equilibrium x = (1/2, 1/2), follower column 1.
CS = StackelbergNashGame.from_bimatrix([[2, 4], [1, 3]], [[1, 0], [0, 1]])
PD = NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])


def test_stackelberg_assertion_passes_and_returns_certificate():
    certificate = assert_stackelberg_equilibrium(CS, [0.5, 0.5], [1])
    assert isinstance(certificate, Certificate) and certificate.holds


def test_stackelberg_assertion_reports_leader_gap_and_witness():
    # pure commitment to row 1: follower plays column 1, leader gets 3 < 3.5
    with pytest.raises(AssertionError) as info:
        assert_stackelberg_equilibrium(CS, [0.0, 1.0], [1])
    message = str(info.value)
    assert "FAILS" in message and "ε̂ = 0.5" in message
    assert "witness (leader): deviation {'leader_strategy': [0.5" in message
    assert "gives 3.5 vs 3 in the profile (gap 0.5)" in message


def test_stackelberg_assertion_reports_follower_witness():
    # x = (0.6, 0.4): column 0 pays the follower 0.6 > 0.4
    with pytest.raises(AssertionError, match=r"witness \(follower 1\): deviation 0 gives 0.6 vs 0.4"):
        assert_stackelberg_equilibrium(CS, [0.6, 0.4], [1])
    # ... but it is a (0, 0.2)-equilibrium in the follower part; the leader gap against OPT(0.2)
    # = 3.6 is 3.6 - 3.6 = 0 (x = (0.6, 0.4) is the δ = 0.2 optimum, see test_leader_optimum)
    certificate = assert_stackelberg_equilibrium(CS, [0.6, 0.4], [1], delta=0.2)
    assert certificate.delta_hat == pytest.approx([0.2])


def test_epsilon_tolerance_accepts_a_near_optimum():
    assert_stackelberg_equilibrium(CS, [0.4, 0.6], [1], epsilon=0.1 + 1e-9)
    with pytest.raises(AssertionError):
        assert_stackelberg_equilibrium(CS, [0.4, 0.6], [1], epsilon=0.09)


def test_bad_tolerances_are_errors_not_failures():
    with pytest.raises(ValidationError, match="epsilon: must be >= 0"):
        assert_stackelberg_equilibrium(CS, [0.5, 0.5], [1], epsilon=-1)
    with pytest.raises(ValidationError, match="tol: must be >= 0"):
        assert_nash_equilibrium(PD, [1, 1], tol=-1)


def test_nash_assertion():
    regrets = assert_nash_equilibrium(PD, [1, 1])
    assert regrets.tolist() == [0.0, 0.0]
    with pytest.raises(AssertionError) as info:
        assert_nash_equilibrium(PD, [0, 1])
    message = str(info.value)
    # (C, D): the row player gets 0 and 1 by defecting; the column player is best-responding
    assert "regrets [1.0, 0.0]" in message
    assert "witness (player 0): deviation 1 gives 1 vs 0 in the profile (gap 1)" in message
    assert "player 1" not in message
    half = np.array([0.5, 0.5])
    mp = NormalFormGame.from_bimatrix([[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
    assert_nash_equilibrium(mp, [half, half])
    assert_nash_equilibrium(mp, [[0.55, 0.45], half], tol=0.1 + 1e-9)  # column regret 0.55 - 0.45 = 0.1
    with pytest.raises(AssertionError, match="player 1"):
        assert_nash_equilibrium(mp, [[0.55, 0.45], half], tol=0.09)
