"""Running return normalisation for PPO rewards.

The scheme of gym's ``NormalizeReward`` wrapper, which CleanRL's continuous-control PPO uses
(Huang et al. 2022, "The 37 Implementation Details of PPO", continuous detail 6 "reward
scaling"; Engstrom et al. 2020, "Implementation Matters in Deep RL"): each stream keeps its
discounted return ``G ← γ G + r`` (reset after an episode ends), the running variance of all
``G`` seen is updated, and each reward is divided by ``sqrt(Var[G] + ε)``. The mean is not
subtracted, so the sign of a reward is kept. Value targets, value losses and value clipping
then act in these units, whatever the raw scale of the reward (apples, or O_η over a horizon).
"""

from __future__ import annotations

import torch


class ReturnNormalizer:
    """Scales rewards by the running standard deviation of their discounted return.

    Args:
        shape: the reward streams, e.g. ``(B, n)`` games × players or ``(B,)`` games.
        gamma: the discount of the return.
        epsilon: added to the variance.
    """

    def __init__(self, shape: tuple[int, ...], gamma: float, epsilon: float = 1e-8) -> None:
        self.gamma, self.epsilon = float(gamma), float(epsilon)
        self.returns = torch.zeros(shape, dtype=torch.float64)
        self.mean = torch.zeros((), dtype=torch.float64)
        self.var = torch.ones((), dtype=torch.float64)
        self.count = torch.full((), 1e-4, dtype=torch.float64)

    def __call__(self, reward: torch.Tensor, done: bool | torch.Tensor = False) -> torch.Tensor:
        """The scaled ``reward`` (same shape, dtype and device); ``done`` ends the streams' episodes
        after this reward (their returns restart from 0)."""
        r = reward.detach().to("cpu", torch.float64)
        self.returns = self.returns * self.gamma + r
        self._update(self.returns.reshape(-1))
        if isinstance(done, torch.Tensor):
            self.returns = self.returns * (1.0 - done.detach().to("cpu", torch.float64))
        elif done:
            self.returns = torch.zeros_like(self.returns)
        return (reward / float(torch.sqrt(self.var + self.epsilon))).to(reward.dtype)

    @property
    def scale(self) -> float:
        """The current divisor ``sqrt(Var[G] + ε)``."""
        return float(torch.sqrt(self.var + self.epsilon))

    def _update(self, batch: torch.Tensor) -> None:
        """Parallel mean/variance update (Chan et al. 1979), as gym's ``RunningMeanStd``."""
        b_mean, b_var, b_count = batch.mean(), batch.var(unbiased=False), batch.numel()
        delta, total = b_mean - self.mean, self.count + b_count
        self.mean = self.mean + delta * b_count / total
        m2 = self.var * self.count + b_var * b_count + delta ** 2 * self.count * b_count / total
        self.var, self.count = m2 / total, total

    def state_dict(self) -> dict:
        return {"returns": self.returns.clone(), "mean": self.mean.clone(), "var": self.var.clone(),
                "count": self.count.clone()}

    def load_state_dict(self, state: dict) -> None:
        self.returns, self.mean = state["returns"].clone(), state["mean"].clone()
        self.var, self.count = state["var"].clone(), state["count"].clone()
