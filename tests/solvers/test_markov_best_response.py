"""Exact best responses: brute force, a second method (LP), refusal, metamorphic checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from sedtheory import ValidationError
from sedtheory.games.markov import POMG
from sedtheory.evaluation.markov_best_response import (
    BRANCH_AND_BOUND,
    POLICY_ITERATION,
    ProblemTooLargeError,
    agent_problem,
    best_response,
    policies_within,
)
from sedtheory.evaluation.markov_evaluation import evaluate
from test_markov_oracle import brute_force_best, oracle_values, random_pomg, random_profile, with_unreachable_state


@pytest.mark.parametrize("kind", ["full", "state", "action"])
@pytest.mark.parametrize("horizon", [None, 3])
@pytest.mark.parametrize("seed", range(3))
def test_best_response_equals_brute_force(kind, horizon, seed):
    rng = np.random.default_rng(100 + seed)
    game = random_pomg(rng, n_states=3, n_actions=(2, 3), n_obs=(3, 2), kind=kind, horizon=horizon)
    profile = random_profile(rng, game)
    for agent in range(2):
        response = best_response(game, profile, agent)
        best, _ = brute_force_best(game, profile, agent)
        assert response.value == pytest.approx(best, abs=1e-8)
        trial = list(profile)
        trial[agent] = response.policy
        assert oracle_values(game, trial)[agent] == pytest.approx(best, abs=1e-8)  # the policy attains it


def test_fully_observed_discounted_uses_policy_iteration_and_matches_the_lp():
    """Second method: the primal LP  min Σ_s V(s)  s.t.  V(s) >= R(s,a) + γ Σ_s' K(s'|s,a) V(s')."""
    rng = np.random.default_rng(3)
    game = random_pomg(rng, n_states=5, n_actions=(3, 2), kind="full", gamma=0.9)
    profile = random_profile(rng, game)
    response = best_response(game, profile, 0)
    assert response.method == POLICY_ITERATION and response.details["bellman_residual"] <= 1e-7
    problem = agent_problem(game, profile, 0)
    K = problem.kernel.toarray().reshape(5, 3, 5)
    A_ub = (0.9 * K - np.eye(5)[:, None, :]).reshape(15, 5)
    lp = linprog(np.ones(5), A_ub=A_ub, b_ub=-problem.reward.reshape(15), bounds=[(None, None)] * 5, method="highs")
    assert lp.status == 0
    assert response.value == pytest.approx(problem.initial @ lp.x, abs=1e-7)


def test_partially_observed_uses_branch_and_bound_and_reports_nodes():
    rng = np.random.default_rng(4)
    game = random_pomg(rng, n_states=3, n_actions=(3, 2), n_obs=(4, 2), kind="state")
    response = best_response(game, random_profile(rng, game), 0)
    assert response.method == BRANCH_AND_BOUND
    assert response.policy_class == "deterministic reactive policies"
    assert 1 <= response.details["leaves"] <= response.details["policies"] == 3**4
    assert response.details["root_bound"] >= response.value - 1e-9


def test_stochastic_reactive_policy_can_beat_every_deterministic_one():
    """Documented limitation (Singh, Jaakkola & Jordan 1994): aliased states need opposite actions.

    One agent (plus a dummy with one action); states 0 and 1 emit the same observation. Action
    ``a`` in state ``a`` pays 1 and moves to the other state; the wrong action pays 0 and stays.
    γ = 1/2, μ0 uniform. By hand: a deterministic policy (say always 0) earns 1 from state 0
    and then is stuck in state 1 forever, 0 from state 1: value 1/2. The uniform policy has
    V = 1/2 + γ V by symmetry, so V = 1. The best response over deterministic reactive
    policies (the paper's class) is therefore 1/2, below the stochastic profile's 1.
    """
    T = np.zeros((2, 2, 1, 2))
    T[0, 0, 0, 1] = T[0, 1, 0, 0] = 1.0
    T[1, 1, 0, 0] = T[1, 0, 0, 1] = 1.0
    R = np.zeros((2, 2, 1, 2))
    R[0, 0, 0, 0] = R[1, 1, 0, 0] = 1.0
    game = POMG(T, R, [np.ones((2, 1)), np.ones((2, 1))], gamma=0.5, initial_distribution=[0.5, 0.5])
    uniform = [np.full((1, 2), 0.5), np.ones((1, 1))]
    assert best_response(game, uniform, 0).value == pytest.approx(0.5)
    assert evaluate(game, uniform)[0] == pytest.approx(1.0)


def test_refuses_above_the_documented_size():
    rng = np.random.default_rng(5)
    game = random_pomg(rng, n_states=3, n_actions=(3, 2), n_obs=(4, 2), kind="state")
    with pytest.raises(ProblemTooLargeError, match="max_policies"):
        best_response(game, random_profile(rng, game), 0, max_policies=80)
    assert issubclass(ProblemTooLargeError, ValidationError)


@pytest.mark.parametrize("kind", ["full", "state"])
def test_policies_within_threshold_equal_brute_force_set(kind):
    rng = np.random.default_rng(9)
    game = random_pomg(rng, n_states=3, n_actions=(2, 2), n_obs=(3, 2), kind=kind)
    profile = random_profile(rng, game)
    best, table = brute_force_best(game, profile, 0)
    threshold = best - 1.0
    expected = {tuple(a) for a, v in table if v >= threshold - 1e-9}
    found = policies_within(game, profile, 0, threshold)
    assert {tuple(a) for a, _ in found} == expected
    for actions, value in found:
        assert value == pytest.approx(dict((tuple(a), v) for a, v in table)[tuple(actions)], abs=1e-9)


def test_best_response_value_is_invariant_to_relabelling_actions():
    rng = np.random.default_rng(12)
    game = random_pomg(rng, n_states=3, n_actions=(3, 2), n_obs=(2, 2), kind="state")
    profile = random_profile(rng, game)
    perm = rng.permutation(3)
    T = game.transition_tensor()[:, perm]
    R = game.rewards[:, perm]
    relabelled = POMG(T, R, game.observations, gamma=game.gamma, initial_distribution=game.initial_distribution)
    new_profile = [profile[0][:, perm], profile[1]]
    for agent in range(2):
        a = best_response(game, profile, agent)
        b = best_response(relabelled, new_profile, agent)
        assert a.value == pytest.approx(b.value, abs=1e-9)
    # the relabelled best-response policy is the original one with columns permuted
    a = best_response(game, profile, 0)
    b = best_response(relabelled, new_profile, 0)
    assert evaluate(relabelled, [a.policy[:, perm], profile[1]])[0] == pytest.approx(b.value, abs=1e-9)


def test_adding_an_unreachable_state_does_not_change_the_best_response_value():
    rng = np.random.default_rng(13)
    game = random_pomg(rng, n_states=3, kind="full")
    profile = random_profile(rng, game)
    bigger = with_unreachable_state(game, reward=50.0, successor=1)
    bigger_profile = [np.vstack([p, [[0.5, 0.5]]]) for p in profile]
    for agent in range(2):
        assert best_response(bigger, bigger_profile, agent).value == pytest.approx(
            best_response(game, profile, agent).value, abs=1e-9)


def test_agent_out_of_range_is_refused():
    rng = np.random.default_rng(1)
    game = random_pomg(rng, kind="full")
    with pytest.raises(ValidationError, match=r"agent: expected an agent index in 0\.\.1, got 2"):
        best_response(game, random_profile(rng, game), 2)
    with pytest.raises(ValidationError, match=r"agent: .* got 0\.5"):
        best_response(game, random_profile(rng, game), 0.5)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_mdp_best_response_dominates_every_stochastic_policy(seed):
    """Theorem (Puterman 1994, Thm 6.2.10): in a discounted fully observed game the best
    response value is at least the value of any stationary stochastic policy."""
    rng = np.random.default_rng(seed)
    game = random_pomg(rng, n_states=3, n_actions=(3, 2), kind="full", gamma=0.85)
    profile = random_profile(rng, game)
    response = best_response(game, profile, 1)
    for _ in range(5):
        trial = [profile[0], rng.dirichlet(np.ones(2), size=3)]
        assert evaluate(game, trial)[1] <= response.value + 1e-9


@pytest.mark.parametrize("n_actions, n_obs", [((3,), (2,)), ((2, 2, 2), (2, 1, 2))])
def test_one_and_three_agent_games_match_brute_force(n_actions, n_obs):
    rng = np.random.default_rng(len(n_actions))
    game = random_pomg(rng, n_states=3, n_actions=n_actions, n_obs=n_obs, kind="state")
    profile = random_profile(rng, game)
    np.testing.assert_allclose(evaluate(game, profile), oracle_values(game, profile), atol=1e-9)
    for agent in range(len(n_actions)):
        assert best_response(game, profile, agent).value == pytest.approx(
            brute_force_best(game, profile, agent)[0], abs=1e-8)


def _near_tie_game(gamma: float, eps: float, aliased: bool) -> POMG:
    """One agent (plus a one-action dummy); rewards 1 and 1 + eps for its two actions.

    Fully observed: one absorbing state. ``aliased``: two absorbing states, μ0 uniform; state 1
    pays 1 whatever the action and emits observation 0 or 1 with probability 1/2 each, state 0
    (with the near-tie) always emits 0, so observation 0 is seen in two augmented states and
    the branch-and-bound path runs. By hand the best response plays action 1 at observation 0
    and is worth ``(1 + eps) / (1 - γ)`` (fully observed) or
    ``(1/2)(1 + eps) / (1 - γ) + (1/2) / (1 - γ)`` (aliased).
    """
    n_states = 2 if aliased else 1
    T = np.zeros((n_states, 2, 1, n_states))
    for s in range(n_states):
        T[s, :, :, s] = 1.0
    R = np.zeros((n_states, 2, 1, 2))
    R[:, :, 0, 0] = 1.0
    R[0, 1, 0, 0] = 1.0 + eps
    if not aliased:
        return POMG(T, R, gamma=gamma, initial_distribution=[1.0])
    kernels = [np.array([[1.0, 0.0], [0.5, 0.5]]), np.ones((2, 1))]
    return POMG(T, R, kernels, gamma=gamma, initial_distribution=[0.5, 0.5])


@pytest.mark.parametrize("aliased", [False, True])
@pytest.mark.parametrize("gamma", [0.9, 0.999, 0.9999])
def test_near_ties_at_discounts_close_to_one_are_resolved(gamma, aliased):
    """Regression: a stopping rule on Q-gains of ``tol·|V|`` (ignoring ``1 - γ``) kept action 0
    and lost ``eps / (1 - γ)`` = 0.1 at γ = 0.9999 — 10^4 times the tolerance."""
    eps = 1e-5
    game = _near_tie_game(gamma, eps, aliased)
    others = [np.eye(2)[[0] * game.n_observations[0]], np.ones((game.n_observations[1], 1))]
    response = best_response(game, others, 0)
    want = (1 + eps) / (1 - gamma) if not aliased else (0.5 * (1 + eps) + 0.5) / (1 - gamma)
    assert response.actions[0] == 1
    assert response.value == pytest.approx(want, rel=1e-12)
    assert response.method == (BRANCH_AND_BOUND if aliased else POLICY_ITERATION)
    if not aliased:
        assert response.details["suboptimality_bound"] <= 1e-7 * max(1.0, (1 + eps) / (1 - gamma))


@pytest.mark.parametrize("kind", ["full", "state", "action"])
def test_best_response_equals_brute_force_at_a_discount_close_to_one(kind):
    """γ = 0.999: values near 10^3, so a stopping rule or a pruning bound that ignores
    ``1 - γ`` shows here; every deterministic reactive policy is evaluated by the oracle."""
    rng = np.random.default_rng(700)
    game = random_pomg(rng, n_states=3, n_actions=(2, 2), n_obs=(3, 2), kind=kind, gamma=0.999)
    profile = random_profile(rng, game)
    for agent in range(2):
        response = best_response(game, profile, agent)
        best, _ = brute_force_best(game, profile, agent)
        assert response.value == pytest.approx(best, rel=1e-9)
