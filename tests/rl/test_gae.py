"""GAE against a plain Python loop over scalars (CleanRL tests/test_jax_compute_gae.py style)."""

import numpy as np
import torch

from sedtheory.rl.gae import compute_gae


def _loop_gae(rewards, values, dones, next_value, next_done, gamma, lam):
    """Textbook recursion, one trajectory at a time, written independently of compute_gae."""
    T, N = rewards.shape
    adv = np.zeros((T, N))
    for j in range(N):
        running = 0.0
        for t in range(T - 1, -1, -1):
            if t == T - 1:
                bootstrap, alive = next_value[j], 1.0 - next_done[j]
            else:
                bootstrap, alive = values[t + 1, j], 1.0 - dones[t + 1, j]
            delta = rewards[t, j] + gamma * bootstrap * alive - values[t, j]
            running = delta + gamma * lam * alive * running
            adv[t, j] = running
    return adv, adv + values


def test_gae_matches_plain_loop_with_episode_boundaries():
    rng = np.random.default_rng(0)
    T, N = 37, 5
    rewards, values = rng.normal(size=(T, N)), rng.normal(size=(T, N))
    dones = (rng.random((T, N)) < 0.15).astype(float)
    next_value, next_done = rng.normal(size=N), np.array([0, 1, 0, 1, 0], dtype=float)
    expected_adv, expected_ret = _loop_gae(rewards, values, dones, next_value, next_done, 0.99, 0.95)
    adv, ret = compute_gae(*(torch.as_tensor(x, dtype=torch.float64) for x in (rewards, values, dones, next_value,
                                                                                 next_done)), 0.99, 0.95)
    np.testing.assert_allclose(adv.numpy(), expected_adv, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ret.numpy(), expected_ret, rtol=1e-12, atol=1e-12)


def test_gae_lambda_one_is_discounted_return_minus_value():
    # lambda = 1, no dones, zero bootstrap: A_t = sum_k gamma^k r_{t+k} - V(s_t) (Monte Carlo)
    rewards = torch.tensor([[1.0], [2.0], [3.0]], dtype=torch.float64)
    values = torch.tensor([[0.5], [0.25], [0.0]], dtype=torch.float64)
    zeros = torch.zeros(1, dtype=torch.float64)
    adv, _ = compute_gae(rewards, values, torch.zeros_like(rewards), zeros, zeros, 0.5, 1.0)
    expected = [1 + 0.5 * 2 + 0.25 * 3 - 0.5, 2 + 0.5 * 3 - 0.25, 3.0]
    np.testing.assert_allclose(adv[:, 0].numpy(), expected)
