"""Generalized Advantage Estimation (Schulman et al. 2015, "High-Dimensional Continuous
Control Using Generalized Advantage Estimation", eq. 16), in CleanRL's storage layout.

For a rollout of ``T`` steps with rewards ``r_t``, values ``V(s_t)``, and ``done_t`` meaning
"the episode ended *before* step t's observation" (CleanRL's ``dones`` convention)::

    δ_t = r_t + γ V(s_{t+1}) (1 − done_{t+1}) − V(s_t)
    A_t = δ_t + γ λ (1 − done_{t+1}) A_{t+1}

with ``V(s_T)``, ``done_T`` the bootstrap value and done flag after the last step.
Returns ``R_t = A_t + V(s_t)`` are the value targets.
"""

from __future__ import annotations

import torch


def compute_gae(rewards: torch.Tensor, values: torch.Tensor, dones: torch.Tensor, next_value: torch.Tensor,
                next_done: torch.Tensor, gamma: float, gae_lambda: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Advantages and returns by the backward GAE recursion.

    Args:
        rewards: ``(T, *batch)`` reward received after step t's action.
        values: ``(T, *batch)`` value estimates V(s_t).
        dones: ``(T, *batch)`` 1.0 where s_t is the first state of a new episode.
        next_value: ``(*batch)`` V(s_T) for bootstrapping.
        next_done: ``(*batch)`` 1.0 where s_T starts a new episode (no bootstrap).
        gamma: discount γ.
        gae_lambda: λ.

    Returns:
        ``(advantages, returns)``, both ``(T, *batch)``.
    """
    steps = rewards.shape[0]
    advantages = torch.zeros_like(rewards)
    last = torch.zeros_like(next_value, dtype=rewards.dtype)
    for t in reversed(range(steps)):
        if t == steps - 1:
            nonterminal = 1.0 - next_done.to(rewards.dtype)
            following = next_value
        else:
            nonterminal = 1.0 - dones[t + 1].to(rewards.dtype)
            following = values[t + 1]
        delta = rewards[t] + gamma * following * nonterminal - values[t]
        last = delta + gamma * gae_lambda * nonterminal * last
        advantages[t] = last
    return advantages, advantages + values
