"""The shipped example games against their hand-derived answers and an independent brute force.

The brute force here shares no code with sedtheory's solvers: it evaluates every pure
profile by 400 value-iteration sweeps on the dense tensors (γ^400 < 1e-18) and checks every deterministic
deviation, for every commitment.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from sedtheory.games.examples import (
    CPR_KNOWN,
    CPR_TAXES,
    PG_KNOWN,
    common_pool_game,
    common_pool_pomg,
    public_goods_game,
    public_goods_pomg,
    tax_budget_sed_game,
)
from sedtheory.social_choice.welfare import egalitarian, utilitarian


def value_iteration(pomg, policies, rewards=None):
    """Returns ``(k,)`` by iterating V ← r_π + γ P_π V on the states (state-only kernels)."""
    T = pomg.transition_tensor()
    R = pomg.rewards if rewards is None else rewards[..., None]
    kernels = pomg.observations or [np.eye(pomg.n_states)] * pomg.n_agents
    state_policy = [b @ p for b, p in zip(kernels, policies)]
    weights = np.einsum("sa,sb->sab", *state_policy)
    P = np.einsum("sab,sabt->st", weights, T)
    r = np.einsum("sab,sabk->sk", weights, R)
    V = np.zeros_like(r)
    for _ in range(400):  # γ^400 < 1e-18 for γ = 0.9
        V = r + pomg.gamma * P @ V
    return pomg.initial_distribution @ V


def brute_force_equilibria(pomg):
    """All pure profiles with no profitable deterministic deviation (tolerance 1e-9)."""
    spaces = [list(itertools.product(range(a), repeat=o)) for o, a in pomg.policy_shapes]
    onehot = lambda acts: np.eye(2)[list(acts)]  # noqa: E731
    found = []
    for joint in itertools.product(*spaces):
        policies = [onehot(a) for a in joint]
        values = value_iteration(pomg, policies)
        stable = True
        for i in range(2):
            for deviation in spaces[i]:
                trial = list(policies)
                trial[i] = onehot(deviation)
                if value_iteration(pomg, trial)[i] > values[i] + 1e-9:
                    stable = False
                    break
            if not stable:
                break
        if stable:
            found.append((joint, values))
    return found


@pytest.mark.parametrize("tax", CPR_TAXES)
def test_common_pool_equilibria_by_brute_force_match_the_hand_thresholds(tax):
    equilibria = brute_force_equilibria(common_pool_pomg(tax))
    healthy = {tuple(a[0] for a in joint) for joint, _ in equilibria}
    expected = set()
    if Fraction(tax) >= CPR_KNOWN["restraint_threshold"]:
        expected.add((0, 0))
    if Fraction(tax) <= CPR_KNOWN["grabbing_threshold"]:
        expected.add((1, 1))
    assert healthy == expected
    assert len(equilibria) == 4 * len(expected)  # depleted-state actions are payoff-irrelevant
    for joint, values in equilibria:
        want = CPR_KNOWN["restrain_both"] if joint[0][0] == 0 else CPR_KNOWN["grab_both"]
        np.testing.assert_allclose(values, [float(want)] * 2, atol=1e-9)


def test_common_pool_lone_deviation_values_match_the_closed_form():
    restrain, grab = np.array([[1.0, 0.0]] * 2), np.array([[0.0, 1.0]] * 2)
    for tax in CPR_TAXES:
        values = value_iteration(common_pool_pomg(tax), [grab, restrain])
        np.testing.assert_allclose(values, [float(CPR_KNOWN["grab_alone"](tax)),
                                            float(CPR_KNOWN["restrain_alone"](tax))], atol=1e-9)


def test_public_goods_equilibria_by_brute_force():
    always, never = (1, 1), (0, 0)
    for subsidy in np.linspace(0, 1, 5):
        equilibria = brute_force_equilibria(public_goods_pomg(subsidy))
        expected = always if Fraction(subsidy) > PG_KNOWN["subsidy_threshold"] else never
        assert [joint for joint, _ in equilibria] == [(expected, expected)]


def test_public_goods_leader_values_by_independent_evaluation():
    game = public_goods_game()
    always = np.array([[0.0, 1.0]] * 2)
    for subsidy, key in ((0.75, "leader_value_at_075"), (1.0, "leader_value_at_1")):
        pomg = game.induced([subsidy])
        reward = game.leader_utility.reward(np.array([subsidy]))
        assert value_iteration(pomg, [always, always], reward)[0] == pytest.approx(float(PG_KNOWN[key]))
    follower = value_iteration(game.induced([0.75]), [always, always])
    np.testing.assert_allclose(follower, [float(PG_KNOWN["follower_value_at_075"])] * 2)


def test_default_welfare_agrees_with_the_shared_welfare_functions():
    returns = np.array([3.0, 5.5])
    assert common_pool_game().leader_utility.of_returns(returns) == pytest.approx(float(utilitarian(returns)))
    game = tax_budget_sed_game(0.5)
    assert game.objectives["egalitarian"].of_returns(returns) == pytest.approx(float(egalitarian(returns)))
    shared = common_pool_game(welfare=utilitarian)
    assert shared.leader_utility.of_returns(returns) == pytest.approx(8.5)


@pytest.mark.parametrize("budget, feasible", [(0.25, 2), (0.49, 2), (0.5, 3), (1.0, 5)])
def test_tax_budget_game_delta_ball(budget, feasible):
    game = tax_budget_sed_game(budget)
    assert int(game.feasible().sum()) == feasible


def test_example_parameters_that_are_probabilities_are_checked_by_name():
    from sedtheory import ValidationError

    with pytest.raises(ValidationError, match=r"recovery: must be a probability in \[0, 1\], got 1.5"):
        common_pool_pomg(0.5, recovery=1.5)
    with pytest.raises(ValidationError, match="accuracy"):
        public_goods_pomg(0.5, accuracy=-0.1)
