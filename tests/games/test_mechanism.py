"""MechanismDesignProblem (Definition 2.5): second-price and first-price auctions on a value grid.

Known results: in the second-price (Vickrey, 1961) auction truthful bidding is a weakly
dominant strategy; in the first-price auction it is not (a bidder with a positive value gains
by shading its bid). Each check is also compared against a brute-force loop written here.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sedtheory import MechanismDesignProblem, NormalFormGame, ValidationError
from sedtheory.equilibrium import regret

GRID = (0, 1, 2, 3)  # values = bids


def auction(pricing: str) -> MechanismDesignProblem:
    """Two bidders, bids and values in GRID; bidder 0 wins ties.

    Outcome ``winner * len(GRID) + price`` (winner 0 or 1, price index); the winner's utility
    is value - price, the loser's 0; the principal's objective is the revenue (the price).
    """
    size = len(GRID)
    rule = np.zeros((size, size), dtype=int)
    for b0, b1 in itertools.product(range(size), repeat=2):
        winner = 0 if b0 >= b1 else 1
        price = min(b0, b1) if pricing == "second" else max(b0, b1)
        rule[b0, b1] = winner * size + price
    utilities = np.zeros((2, 2 * size, size))
    for winner, price, value in itertools.product(range(2), range(size), range(size)):
        utilities[winner, winner * size + price, value] = GRID[value] - GRID[price]
    revenue = np.array([GRID[p] for _ in range(2) for p in range(size)], dtype=float)
    return MechanismDesignProblem(rule, utilities, revenue)


SECOND, FIRST = auction("second"), auction("first")
TRUTHFUL = [np.arange(len(GRID)), np.arange(len(GRID))]


def brute_dominant(problem: MechanismDesignProblem, strategies) -> bool:
    """Dominance by a plain loop over agents, types, the other's bids and deviations (2 agents)."""
    for i, t in itertools.product(range(2), range(len(GRID))):
        for other, deviation in itertools.product(range(len(GRID)), repeat=2):
            def utility(own):
                actions = (own, other) if i == 0 else (other, own)
                return problem.utilities[i][problem.outcome(actions), t]
            if utility(deviation) > utility(strategies[i][t]):
                return False
    return True


def test_shapes_and_outcomes():
    assert (SECOND.n_agents, SECOND.n_actions, SECOND.n_types, SECOND.n_outcomes) == (2, (4, 4), (4, 4), 8)
    # bids (3, 1): bidder 0 wins and pays the second-highest bid 1 (first price: its own bid 3)
    assert SECOND.outcome([3, 1]) == 0 * 4 + 1 and FIRST.outcome([3, 1]) == 3
    assert SECOND.principal_value([3, 1]) == 1.0 and FIRST.principal_value([3, 1]) == 3.0


def test_vickrey_truthful_is_dominant():
    assert SECOND.is_dominant_strategy_equilibrium(TRUTHFUL)
    assert brute_dominant(SECOND, TRUTHFUL)
    assert SECOND.dominant_strategy_violation(TRUTHFUL) is None


def test_first_price_truthful_is_not_dominant():
    assert not FIRST.is_dominant_strategy_equilibrium(TRUTHFUL)
    assert not brute_dominant(FIRST, TRUTHFUL)
    violation = FIRST.dominant_strategy_violation(TRUTHFUL)
    # bidder 0 with value 1 facing a bid of 0: truthful bid 1 wins at price 1 (utility 0),
    # bidding 0 wins the tie at price 0 (utility 1)
    assert violation == {"agent": 0, "type": 1, "others": [None, 0], "action": 1, "better_action": 0, "gain": 1.0}


def test_overbidding_is_not_dominant_in_vickrey():
    # bid value + 1 (capped): with value 1 against a bid of 2 it wins and pays 2 > 1
    over = [np.minimum(np.arange(4) + 1, 3), np.arange(4)]
    assert not SECOND.is_dominant_strategy_equilibrium(over)
    assert not brute_dominant(SECOND, over)


def test_all_strategy_pairs_agree_with_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(40):
        strategies = [rng.integers(0, 4, size=4), rng.integers(0, 4, size=4)]
        for problem in (SECOND, FIRST):
            assert problem.is_dominant_strategy_equilibrium(strategies) == brute_dominant(problem, strategies)


def test_induced_game_and_nash():
    game = FIRST.induced_game([3, 1])
    assert isinstance(game, NormalFormGame) and game.payoffs.shape == (2, 4, 4)
    # values (3, 1), bids (1, 1): bidder 0 wins the tie and pays 1 (utility 2); bidder 1 would
    # pay 2 > 1 to win, bidder 0 would lose by bidding 0: a Nash equilibrium.
    assert game.payoff([1, 1]).tolist() == [2.0, 0.0]
    assert FIRST.is_nash_equilibrium([1, 1], [3, 1])
    # bids (2, 1): bidder 0 pays 2 but could win at 1
    assert not FIRST.is_nash_equilibrium([2, 1], [3, 1])
    # truthful bids in the Vickrey auction are a Nash equilibrium of every induced game
    for values in itertools.product(range(4), repeat=2):
        assert SECOND.is_nash_equilibrium(list(values), list(values))


def test_bayes_nash():
    uniform = np.full((4, 4), 1 / 16)
    assert SECOND.is_bayes_nash_equilibrium(TRUTHFUL, uniform)  # dominant implies Bayes-Nash
    # first price, uniform values: bidder 0 with value 3 bidding 2 wins whenever the other's
    # value is <= 2 (prob. 3/4) and gains 3/4 > 0 = its truthful payoff
    assert not FIRST.is_bayes_nash_equilibrium(TRUTHFUL, uniform)
    # a degenerate prior on values (3, 1) reduces Bayes-Nash to Nash of that induced game
    point = np.zeros((4, 4))
    point[3, 1] = 1.0
    assert FIRST.is_bayes_nash_equilibrium([np.array([0, 0, 0, 1]), np.array([0, 1, 0, 0])], point)
    assert not FIRST.is_bayes_nash_equilibrium([np.array([0, 0, 0, 2]), np.array([0, 1, 0, 0])], point)


def test_principal_objective_per_action_profile():
    problem = MechanismDesignProblem(np.array([[0, 1], [1, 0]]), [[[1.0], [0.0]], [[0.0], [1.0]]],
                                     principal_objective=[[5.0, 6.0], [7.0, 8.0]])
    assert problem.principal_value([1, 0]) == 7.0
    # one agent, 2 actions, 2 outcomes, g swaps them: shapes (|S|,) and (|A_0|,) coincide and
    # the documented reading is per action profile, so u_0(a=0) = 5 (not v[g(0)] = v[1] = 6)
    swap = MechanismDesignProblem(np.array([1, 0]), [[[0.0], [1.0]]], principal_objective=[5.0, 6.0])
    assert swap.principal_value([0]) == 5.0 and swap.principal_value([1]) == 6.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(outcome_rule=np.array([0.5, 1.0]), utilities=[[[0.0], [1.0]]]), "outcome_rule: expected a non-empty integer array"),
        (dict(outcome_rule=np.array([0, 2]), utilities=[[[0.0], [1.0]]]), r"outcome_rule: outcome 2 at \(1,\) out of range 0..1"),
        (dict(outcome_rule=np.array([0, 1]), utilities=[[[0.0], [np.nan]]]), r"utilities\[0\]: non-finite value nan"),
        (dict(outcome_rule=np.array([[0, 1], [1, 0]]), utilities=[[[0.0], [1.0]]]), "utilities: 1 agents but outcome_rule has 2 action axes"),
        (dict(outcome_rule=np.array([[0, 1], [1, 0]]), utilities=[[[0.0], [1.0]], [[0.0], [1.0], [2.0]]]),
         r"utilities\[1\]: 3 outcomes but utilities\[0\] has 2"),
        (dict(outcome_rule=np.array([0, 1]), utilities=[[[0.0], [1.0]]], principal_objective=[1.0, 2.0, 3.0]),
         r"principal_objective: expected shape \(2,\) or \(2,\), got \(3,\)"),
        (dict(outcome_rule=np.array([0, 1]), utilities=5.0), "utilities: expected per-agent arrays"),
    ],
)
def test_construction_errors_name_the_field(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        MechanismDesignProblem(**kwargs)


def test_method_errors_name_the_field():
    with pytest.raises(ValidationError, match=r"strategies\[0\]: expected 4 integer actions"):
        SECOND.is_dominant_strategy_equilibrium([np.arange(3), np.arange(4)])
    with pytest.raises(ValidationError, match=r"strategies\[1\]: actions must lie in 0..3"):
        SECOND.is_dominant_strategy_equilibrium([np.arange(4), np.arange(4) + 1])
    with pytest.raises(ValidationError, match=r"types\[1\]: type 4 out of range 0..3"):
        SECOND.induced_game([0, 4])
    with pytest.raises(ValidationError, match=r"prior \(flattened\): probabilities sum to 0.5"):
        SECOND.is_bayes_nash_equilibrium(TRUTHFUL, np.full((4, 4), 1 / 32))
    negative = np.full((4, 4), 1 / 16)
    negative[0, 0], negative[0, 1] = 3 / 16, -1 / 16  # still sums to 1; (0, 1) is flattened index 1
    with pytest.raises(ValidationError, match=r"prior \(flattened\): negative probability .* at index 1"):
        SECOND.is_bayes_nash_equilibrium(TRUTHFUL, negative)
    with pytest.raises(ValidationError, match=r"prior: expected shape \(4, 4\), got \(16,\)"):
        SECOND.is_bayes_nash_equilibrium(TRUTHFUL, np.full(16, 1 / 16))
    with pytest.raises(ValidationError, match="principal_objective: this problem has no principal objective"):
        MechanismDesignProblem(np.array([0, 1]), [[[0.0], [1.0]]]).principal_value([0])
    problem = MechanismDesignProblem(np.array([0, 1]), [[[0.0], [1.0]]])
    with pytest.raises(AttributeError):
        problem.outcome_rule = np.array([1, 0])  # frozen
    with pytest.raises(ValueError):
        problem.outcome_rule[0] = 1  # read-only array


# --- Hypothesis: random small mechanisms against brute force and the equilibrium graders -----

@st.composite
def mechanisms(draw):
    n = draw(st.integers(1, 3))
    actions = tuple(draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    types = tuple(draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    outcomes = draw(st.integers(1, 4))
    rule = np.array(draw(st.lists(st.integers(0, outcomes - 1), min_size=int(np.prod(actions)),
                                  max_size=int(np.prod(actions))))).reshape(actions)
    utilities = [np.array(draw(st.lists(st.integers(-2, 2), min_size=outcomes * t, max_size=outcomes * t)),
                          dtype=float).reshape(outcomes, t) for t in types]
    strategies = [np.array(draw(st.lists(st.integers(0, a - 1), min_size=t, max_size=t))) for a, t in zip(actions, types)]
    type_profile = [draw(st.integers(0, t - 1)) for t in types]
    return MechanismDesignProblem(rule, utilities), strategies, type_profile


@settings(max_examples=60)
@given(mechanisms())
def test_random_mechanisms_against_brute_force(case):
    problem, strategies, types = case
    dominant = True
    for i, strategy in enumerate(strategies):
        for t, own in enumerate(strategy):
            for profile in itertools.product(*(range(k) for k in problem.n_actions)):
                deviated = profile[:i] + (int(own),) + profile[i + 1:]
                if problem.utilities[i][problem.outcome(profile), t] > problem.utilities[i][problem.outcome(deviated), t]:
                    dominant = False
    assert problem.is_dominant_strategy_equilibrium(strategies) == dominant
    # Nash of the induced game, by the independent grader
    actions = [int(s[t]) for s, t in zip(strategies, types)]
    grader_says = bool(np.all(regret(problem.induced_game(types), actions) == 0.0))
    assert problem.is_nash_equilibrium(actions, types) == grader_says
    # a point prior on `types` reduces Bayes-Nash to that Nash check; dominance implies both
    point = np.zeros(problem.n_types)
    point[tuple(types)] = 1.0
    assert problem.is_bayes_nash_equilibrium(strategies, point) == grader_says
    if dominant:
        uniform = np.full(problem.n_types, 1.0 / np.prod(problem.n_types))
        assert grader_says and problem.is_bayes_nash_equilibrium(strategies, uniform)
