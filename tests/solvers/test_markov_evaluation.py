"""Exact evaluation of reactive profiles: oracle agreement, simulation agreement, metamorphic checks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from sedtheory import ValidationError
from sedtheory.games.markov import POMG
from sedtheory.evaluation.markov_evaluation import DIRECT_LIMIT, evaluate, solve_discounted, state_values
from sedtheory.evaluation.markov_simulation import sample_returns, simulate, truncation_bias
from test_markov_oracle import oracle_values, random_pomg, random_profile, with_unreachable_state

KINDS = ["full", "state", "action"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("horizon", [None, 4])
@pytest.mark.parametrize("seed", range(3))
def test_evaluate_matches_independent_oracle(kind, horizon, seed):
    rng = np.random.default_rng(seed)
    game = random_pomg(rng, n_states=3, n_actions=(2, 3), n_obs=(2, 2), kind=kind, horizon=horizon)
    profile = random_profile(rng, game)
    np.testing.assert_allclose(evaluate(game, profile), oracle_values(game, profile), atol=1e-9)


def test_state_only_kernel_written_in_general_form_gives_the_same_values():
    rng = np.random.default_rng(7)
    game = random_pomg(rng, kind="state")
    general = [np.broadcast_to(b[:, None, None, :], (3, 2, 2, b.shape[1])) for b in game.observations]
    # in the general form, B(o | s', a) ignores a; at step 0 the same kernel is used
    lifted = POMG(game.transitions, game.rewards, general, gamma=game.gamma,
                  initial_distribution=game.initial_distribution, initial_observations=game.observations)
    profile = random_profile(rng, game)
    np.testing.assert_allclose(evaluate(lifted, profile), evaluate(game, profile), atol=1e-10)


@pytest.mark.parametrize("kind", KINDS)
def test_evaluate_agrees_with_seeded_simulation(kind):
    """Statistical check: 20 000 seeded episodes; |mean - exact| <= 4.5 standard errors + truncation bias.

    Under the normal approximation a correct evaluator fails with probability < 1e-5 per
    component; with the fixed seed the outcome is deterministic.
    """
    rng = np.random.default_rng(11)
    game = random_pomg(rng, n_states=4, n_actions=(2, 2), n_obs=(3, 2), kind=kind, gamma=0.7)
    profile = random_profile(rng, game)
    length, episodes = 60, 20_000
    returns = sample_returns(game, profile, episodes, seed=2024, length=length)
    stderr = returns.std(axis=0, ddof=1) / np.sqrt(episodes)
    error = np.abs(returns.mean(axis=0) - evaluate(game, profile))
    assert np.all(error <= 4.5 * stderr + truncation_bias(game, length)), (error, stderr)


def test_finite_horizon_agrees_with_simulation():
    rng = np.random.default_rng(5)
    game = random_pomg(rng, kind="action", horizon=5, gamma=1.0)
    profile = random_profile(rng, game)
    returns = sample_returns(game, profile, 20_000, seed=99)
    stderr = returns.std(axis=0, ddof=1) / np.sqrt(returns.shape[0])
    assert np.all(np.abs(returns.mean(axis=0) - evaluate(game, profile)) <= 4.5 * stderr)


def test_simulation_is_reproducible_and_seed_sensitive():
    rng = np.random.default_rng(3)
    game = random_pomg(rng, kind="action")
    profile = random_profile(rng, game)
    a = simulate(game, profile, 30, seed=1)
    b = simulate(game, profile, 30, seed=1)
    c = simulate(game, profile, 30, seed=2)
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.actions, b.actions)
    assert not (np.array_equal(a.states, c.states) and np.array_equal(a.actions, c.actions))
    assert a.states.shape == (31,) and a.actions.shape == (30, 2) and a.rewards.shape == (30, 2)


def test_simulation_requires_an_explicit_seed():
    rng = np.random.default_rng(3)
    game = random_pomg(rng, kind="full")
    with pytest.raises(ValidationError, match="seed"):
        simulate(game, random_profile(rng, game), 5, seed=None)


def test_relabelling_states_and_actions_leaves_values_unchanged():
    rng = np.random.default_rng(21)
    game = random_pomg(rng, n_states=4, n_actions=(2, 3), kind="full")
    profile = random_profile(rng, game)
    perm_s, perm_a = rng.permutation(4), rng.permutation(3)  # new index k holds old perm[k]
    T = game.transition_tensor()[perm_s][:, :, perm_a][..., perm_s]
    R = game.rewards[perm_s][:, :, perm_a]
    relabelled = POMG(T, R, gamma=game.gamma, initial_distribution=game.initial_distribution[perm_s])
    new_profile = [profile[0][perm_s], profile[1][perm_s][:, perm_a]]
    np.testing.assert_allclose(evaluate(relabelled, new_profile), evaluate(game, profile), atol=1e-10)


def test_adding_an_unreachable_state_changes_nothing():
    rng = np.random.default_rng(8)
    game = random_pomg(rng, n_states=3, kind="full")
    profile = random_profile(rng, game)
    bigger = with_unreachable_state(game, reward=100.0, successor=0)  # leads into the old game
    bigger_profile = [np.vstack([p, [[1.0, 0.0]]]) for p in profile]
    np.testing.assert_allclose(evaluate(bigger, bigger_profile), evaluate(game, profile), atol=1e-10)


def test_leader_reward_columns_are_evaluated_on_the_same_chain():
    rng = np.random.default_rng(4)
    game = random_pomg(rng, kind="action")
    profile = random_profile(rng, game)
    extra = rng.normal(size=(3, 2, 2))
    np.testing.assert_allclose(evaluate(game, profile, extra), oracle_values(game, profile, extra), atol=1e-9)
    stacked = np.concatenate([game.rewards, extra[..., None]], axis=-1)
    np.testing.assert_allclose(evaluate(game, profile, stacked)[:2], evaluate(game, profile), atol=1e-10)


def test_large_sparse_game_uses_the_iterative_path_with_a_checked_residual():
    rng = np.random.default_rng(0)
    n = DIRECT_LIMIT + 500
    rows = np.repeat(np.arange(n * 4), 3)
    cols = rng.integers(0, n, size=rows.size)
    matrix = sp.csr_array((np.full(rows.size, 1 / 3), (rows, cols)), shape=(n * 4, n))
    game = POMG(matrix, rng.normal(size=(n, 2, 2, 2)), gamma=0.95, initial_distribution=np.full(n, 1 / n))
    profile = [rng.dirichlet(np.ones(2), size=n) for _ in range(2)]
    values = state_values(game, profile)
    # independent check: a sparse LU solve of the same system
    from sedtheory.evaluation.markov_evaluation import markov_reward_process
    _, chain, reward = markov_reward_process(game, profile)
    direct = sp.linalg.spsolve(sp.csc_array(sp.eye_array(n) - 0.95 * chain), reward)
    np.testing.assert_allclose(values, direct, atol=1e-6)


def test_solve_discounted_reports_the_error_bound_it_guarantees():
    matrix = sp.csr_array(np.array([[0.0, 1.0], [1.0, 0.0]]))
    values = solve_discounted(matrix, np.array([[1.0], [0.0]]), 0.5)
    # V0 = 1 + 0.5 V1, V1 = 0.5 V0  =>  V0 = 4/3, V1 = 2/3 (hand computation)
    np.testing.assert_allclose(values[:, 0], [4 / 3, 2 / 3], atol=1e-12)


def test_bad_profiles_are_refused_with_the_agent_named():
    rng = np.random.default_rng(1)
    game = random_pomg(rng, kind="state")
    with pytest.raises(ValidationError, match=r"profile\[1\]"):
        evaluate(game, [np.full((2, 2), 0.5), np.full((3, 2), 0.5)])
    with pytest.raises(ValidationError, match="profile"):
        evaluate(game, [np.full((2, 2), 0.5)])


def test_step_zero_observation_comes_from_the_initial_kernel_even_with_one_joint_action():
    """Regression (simulator): with a single joint action a general kernel has the shape
    (S, 1, O_i) of a reshaped state-only one; step 0 must still use initial_observations.
    By construction the agent sees observation 1 at step 0 and observation 0 afterwards."""
    kernel = np.zeros((1, 1, 2))
    kernel[0, 0, 0] = 1.0
    game = POMG(np.ones((1, 1, 1)), np.zeros((1, 1, 1)), [kernel], horizon=1, initial_distribution=[1.0],
                initial_observations=[np.array([[0.0, 1.0]])])
    assert simulate(game, [np.ones((2, 1))], 3, seed=0).observations[:, 0].tolist() == [1, 0, 0]


def test_mixed_observation_forms_match_the_oracle_and_the_best_response_brute_force():
    """Agent 1 observes after the action (general kernel), agent 2 by the state only."""
    from sedtheory.evaluation.markov_best_response import best_response
    from test_markov_oracle import brute_force_best

    rng = np.random.default_rng(17)
    base = random_pomg(rng, n_states=3, n_actions=(2, 2), n_obs=(2, 2), kind="action")
    state_only = rng.dirichlet(np.ones(3), size=3)
    game = POMG(base.transitions, base.rewards, [base.observations[0], state_only], gamma=base.gamma,
                initial_distribution=base.initial_distribution,
                initial_observations=[base.initial_observations[0], None])
    profile = random_profile(rng, game)
    np.testing.assert_allclose(evaluate(game, profile), oracle_values(game, profile), atol=1e-9)
    for agent in range(2):
        assert best_response(game, profile, agent).value == pytest.approx(
            brute_force_best(game, profile, agent)[0], abs=1e-8)
