"""Best-response sets, δ-best responses, regret and NashConv: hand-computed cases, brute force
(tests/equilibrium/grader_oracle.py) and Hypothesis properties on small integer games."""

import numpy as np
import pytest
from grader_oracle import brute_regret, pure_nash_profiles
from hypothesis import given
from hypothesis import strategies as st

from sedtheory import NormalFormGame, StackelbergNashGame, StrategyProfile, ValidationError
from sedtheory.equilibrium import (
    best_response_set,
    delta_best_response,
    deviation_values,
    follower_gaps,
    follower_witnesses,
    joint_delta_best_response,
    nash_conv,
    regret,
)

# Prisoner's dilemma (action 0 = cooperate, 1 = defect): payoffs 3/3, 0/5, 5/0, 1/1.
PD = NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
# Matching pennies: the unique equilibrium mixes (1/2, 1/2) for both players.
MP = NormalFormGame.from_bimatrix([[1, -1], [-1, 1]], [[-1, 1], [1, -1]])


def test_prisoners_dilemma_by_hand():
    # At (C, C) each player gains 5 - 3 = 2 by defecting; (D, D) is the unique equilibrium.
    assert regret(PD, [0, 0]).tolist() == [2.0, 2.0]
    assert nash_conv(PD, [0, 0]) == 4.0
    assert regret(PD, [1, 1]).tolist() == [0.0, 0.0]
    assert best_response_set(PD, [0, 0], player=0) == (1,)
    # Row mixes (1/2, 1/2) against C: payoff 4, best 5, regret 1.
    assert regret(PD, [[0.5, 0.5], 0])[0] == pytest.approx(1.0)


def test_matching_pennies_by_hand():
    half = [0.5, 0.5]
    assert regret(MP, [half, half]) == pytest.approx([0.0, 0.0])
    assert best_response_set(MP, [half, half], player=1) == (0, 1)  # indifferent
    # Row plays (0.7, 0.3): column's payoffs are -0.4 for column 0 and +0.4 for column 1.
    assert deviation_values(MP, [[0.7, 0.3], half], 1) == pytest.approx([-0.4, 0.4])
    assert regret(MP, [[0.7, 0.3], half]) == pytest.approx([0.0, 0.4])
    assert nash_conv(MP, [[0.7, 0.3], half]) == pytest.approx(0.4)


def test_best_response_set_with_tolerance():
    # payoffs 1, 0.75, 0.5 are exact binary fractions: regrets 0, 0.25, 0.5 exactly
    game = NormalFormGame.from_bimatrix([[1.0, 0.0], [0.75, 0.0], [0.5, 0.0]], [[0, 0], [0, 0], [0, 0]])
    assert best_response_set(game, [0, 0], 0) == (0,)
    assert best_response_set(game, [0, 0], 0, tol=0.25) == (0, 1)
    assert best_response_set(game, [0, 0], 0, tol=0.6) == (0, 1, 2)
    # the set and the BR^δ membership test agree to the last bit: 1 - 0.95 is 0.050000000000000044
    # in binary, so neither counts 0.95 within 0.05 of 1 (the set used to, by testing 0.95 >= 1 - 0.05)
    decimal = NormalFormGame.from_bimatrix([[1.0, 0.0], [0.95, 0.0]], [[0, 0], [0, 0]])
    assert best_response_set(decimal, [0, 0], 0, tol=0.05) == (0,)
    assert not delta_best_response(decimal, [1, 0], 0, delta=0.05, tol=0.0)


def test_delta_best_response_membership():
    # In the prisoner's dilemma at (C, C) each player's gap is 2: inside BR^2, outside BR^1.99.
    assert delta_best_response(PD, [0, 0], 0, delta=2.0)
    assert not delta_best_response(PD, [0, 0], 0, delta=1.99)
    assert joint_delta_best_response(PD, [0, 0], delta=2.0)
    assert not joint_delta_best_response(PD, [0, 0], delta=[2.0, 1.5])
    assert joint_delta_best_response(PD, [1, 1], delta=0.0)
    # a mixed candidate: row (1/2, 1/2) against C has gap 1
    assert delta_best_response(PD, [[0.5, 0.5], 0], 0, delta=1.0)
    assert not delta_best_response(PD, [[0.5, 0.5], 0], 0, delta=0.9)


def test_stackelberg_game_read_as_its_normal_form():
    game = StackelbergNashGame.from_bimatrix([[2, 4], [1, 3]], [[1, 0], [0, 1]])
    # (row 0, column 1): the leader is best-responding (4 > 3), the follower gains 1 - 0 = 1
    assert regret(game, [0, 1]).tolist() == [0.0, 1.0]
    assert best_response_set(game, [[0.5, 0.5], 0], 1) == (0, 1)
    with pytest.raises(ValidationError, match="game: expected a NormalFormGame or StackelbergNashGame, got list"):
        regret([[1]], [0])


def test_strategy_profile_accepted():
    profile = StrategyProfile(([0.5, 0.5], [0.5, 0.5]))
    assert nash_conv(MP, profile) == pytest.approx(0.0)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: regret(PD, [0]), "strategies: expected 2 strategies, got 1"),
        (lambda: regret(PD, [0, 2]), r"strategies\[1\]: action 2 out of range 0..1"),
        (lambda: regret(PD, [[0.5, 0.6], 0]), r"strategies\[0\]: probabilities sum to 1.1"),
        (lambda: best_response_set(PD, [0, 0], 2), "player: expected an index in 0..1"),
        (lambda: best_response_set(PD, [0, 0], 0, tol=-1), "tol: must be >= 0"),
        (lambda: delta_best_response(PD, [0, 0], 0, delta=-0.1), "delta: must be >= 0"),
        (lambda: joint_delta_best_response(PD, [0, 0], delta=[0.1, 0.1, 0.1]), r"delta: expected a scalar or shape \(2,\)"),
        (lambda: regret(PD, [True, 0]), r"strategies\[0\]: expected an action index"),
    ],
)
def test_bad_input_names_the_field(call, message):
    with pytest.raises(ValidationError, match=message):
        call()


def test_follower_gaps_and_witnesses_by_hand():
    # Conitzer & Sandholm (2006) 2x2 game: at x = (0.6, 0.4) the follower's columns pay 0.6 and 0.4.
    game = StackelbergNashGame.from_bimatrix([[2, 4], [1, 3]], [[1, 0], [0, 1]])
    assert follower_gaps(game, [0.6, 0.4], [1]) == pytest.approx([0.2])
    (witness,) = follower_witnesses(game, [0.6, 0.4], [1])
    assert (witness.player, witness.deviation) == (1, 0)
    assert (witness.value, witness.baseline) == pytest.approx((0.6, 0.4))
    # at the tie x = (1/2, 1/2) the given action is already best: the witness is the action itself
    (witness,) = follower_witnesses(game, [0.5, 0.5], [1])
    assert witness.deviation == 1 and witness.gap == 0.0
    with pytest.raises(ValidationError, match=r"follower_actions\[0\]: action 2 out of range"):
        follower_gaps(game, [0.5, 0.5], [2])
    with pytest.raises(ValidationError, match="game: expected a StackelbergNashGame .*got NormalFormGame"):
        follower_witnesses(game.normal_form, [0.5, 0.5], [1])


def test_follower_gaps_two_followers():
    # Follower 1 wants to match the leader, follower 2 to mismatch follower 1.
    payoffs = np.zeros((3, 2, 2, 2))
    for a in range(2):
        for y1 in range(2):
            for y2 in range(2):
                payoffs[1, a, y1, y2] = float(y1 == a)
                payoffs[2, a, y1, y2] = float(y2 != y1)
    game = StackelbergNashGame(payoffs)
    # x = (0.25, 0.75): follower 1 gets 0.25 from action 0 and 0.75 from action 1.
    assert follower_gaps(game, [0.25, 0.75], [0, 0]) == pytest.approx([0.5, 1.0])
    witnesses = follower_witnesses(game, [0.25, 0.75], [0, 0])
    assert [w.deviation for w in witnesses] == [1, 1]
    assert follower_gaps(game, [0.25, 0.75], [1, 0]) == pytest.approx([0.0, 0.0])


# --- Hypothesis: small integer games -------------------------------------------------

@st.composite
def integer_games(draw, max_players=3, max_actions=3):
    n = draw(st.integers(2, max_players))
    shape = tuple(draw(st.lists(st.integers(1, max_actions), min_size=n, max_size=n)))
    values = draw(st.lists(st.integers(-4, 4), min_size=n * int(np.prod(shape)), max_size=n * int(np.prod(shape))))
    return np.array(values, dtype=float).reshape((n,) + shape)


@st.composite
def games_with_mixed_profiles(draw):
    payoffs = draw(integer_games())
    strategies = []
    for k in payoffs.shape[1:]:
        weights = np.array(draw(st.lists(st.integers(0, 5), min_size=k, max_size=k)), dtype=float)
        weights[draw(st.integers(0, k - 1))] += 1.0
        strategies.append(weights / weights.sum())
    return payoffs, strategies


@given(integer_games())
def test_regret_is_zero_exactly_at_brute_force_pure_equilibria(payoffs):
    game = NormalFormGame(payoffs)
    equilibria = set(pure_nash_profiles(payoffs))
    for profile in np.ndindex(*game.n_actions):
        regrets = regret(game, list(profile))
        assert (profile in equilibria) == bool(np.all(regrets == 0.0))
        assert np.all(regrets >= 0.0)
        assert joint_delta_best_response(game, list(profile), 0.0, tol=0.0) == (profile in equilibria)


@given(games_with_mixed_profiles())
def test_regret_matches_brute_force(case):
    payoffs, strategies = case
    assert regret(NormalFormGame(payoffs), strategies) == pytest.approx(brute_regret(payoffs, strategies), abs=1e-9)


@given(games_with_mixed_profiles(), st.integers(1, 5), st.integers(-5, 5))
def test_regret_scales_under_positive_affine_maps(case, scale, shift):
    payoffs, strategies = case
    base = regret(NormalFormGame(payoffs), strategies)
    scaled = regret(NormalFormGame(scale * payoffs + shift), strategies)
    assert scaled == pytest.approx(scale * base, abs=1e-9)


@given(games_with_mixed_profiles())
def test_best_response_set_and_delta_membership_agree(case):
    payoffs, strategies = case
    game = NormalFormGame(payoffs)
    regrets = regret(game, strategies)
    for p in range(game.n_players):
        values = deviation_values(game, strategies, p)
        best = best_response_set(game, strategies, p, tol=0.0)
        assert best and all(values[a] == values.max() for a in best)
        # a pure action is in BR^δ_p exactly when it is in the tol = δ best-response set
        for a in range(game.n_actions[p]):
            pure = strategies[:p] + [a] + strategies[p + 1:]
            assert delta_best_response(game, pure, p, delta=0.5, tol=0.0) == (a in best_response_set(game, strategies, p, tol=0.5))
        assert delta_best_response(game, strategies, p, delta=float(regrets[p]), tol=1e-12)
    assert nash_conv(game, strategies) == pytest.approx(float(regrets.sum()))
