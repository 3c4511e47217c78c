import itertools

import numpy as np
import pytest

from sedtheory import NormalFormGame, StackelbergNashGame, StrategyProfile, ValidationError


def test_expected_payoffs_match_explicit_sum():
    rng = np.random.default_rng(0)
    payoffs = rng.normal(size=(3, 2, 3, 4))
    game = NormalFormGame(payoffs)
    mixes = [rng.dirichlet(np.ones(k)) for k in game.n_actions]
    brute = np.zeros(3)
    for a in itertools.product(*(range(k) for k in game.n_actions)):
        brute += np.prod([m[i] for m, i in zip(mixes, a)]) * payoffs[(slice(None),) + a]
    np.testing.assert_allclose(game.expected_payoffs(mixes), brute, atol=1e-12)
    for player in range(3):
        dev = game.deviation_payoffs(mixes, player)
        for action in range(game.n_actions[player]):
            pure = list(mixes)
            pure[player] = np.eye(game.n_actions[player])[action]
            assert dev[action] == pytest.approx(game.expected_payoffs(pure)[player], abs=1e-12)


def test_validation_messages():
    with pytest.raises(ValidationError, match="payoffs: leading axis has 3 players"):
        NormalFormGame(np.zeros((3, 2, 2)))
    with pytest.raises(ValidationError, match="payoffs: non-finite"):
        NormalFormGame([[[np.nan, 0], [0, 0]], [[0, 0], [0, 0]]])
    with pytest.raises(ValidationError, match="column_payoffs: expected shape"):
        NormalFormGame.from_bimatrix(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValidationError, match="a leader and at least one follower"):
        StackelbergNashGame(np.zeros((1, 3)))
    game = NormalFormGame(np.zeros((2, 2, 2)))
    with pytest.raises(ValidationError, match=r"actions\[1\]: action 5 out of range"):
        game.payoff([0, 5])


def test_game_is_frozen_and_copies_input():
    payoffs = np.zeros((2, 2, 2))
    game = NormalFormGame(payoffs)
    payoffs[0, 0, 0] = 7
    assert game.payoffs[0, 0, 0] == 0
    with pytest.raises(AttributeError):
        game.payoffs = payoffs


def test_stackelberg_views_and_induced_game():
    leader = np.array([[2.0, 4.0], [1.0, 3.0]])
    follower = np.array([[1.0, 0.0], [0.0, 1.0]])
    game = StackelbergNashGame.from_bimatrix(leader, follower)
    assert (game.n_followers, game.n_leader_actions, game.n_follower_actions) == (1, 2, (2,))
    induced = game.induced_game([0.5, 0.5])
    np.testing.assert_allclose(induced.payoffs[0], [0.5, 0.5])
    assert game.leader_value([0.5, 0.5], [1]) == pytest.approx(3.5)
    with pytest.raises(ValidationError, match="follower_actions: expected 1 actions"):
        game.leader_value([1, 0], [0, 0])


def test_strategy_profile():
    profile = StrategyProfile.deterministic([1, np.array([0, 2])], [2, 3])
    assert profile.is_pure()
    np.testing.assert_array_equal(profile[1], [[1, 0, 0], [0, 0, 1]])
    mixed = profile.replace(0, [0.5, 0.5])
    assert not mixed.is_pure()
    with pytest.raises(ValidationError, match=r"strategies\[0\]: row \(\) sums to 0.5"):
        StrategyProfile(([0.25, 0.25],))
    with pytest.raises(ValidationError, match=r"actions\[0\]: actions must lie in 0..1"):
        StrategyProfile.deterministic([2], [2])
