"""A tiny stand-in with the Apple engine's interface (used only by tests/rl).

Each player sees one bit ("an apple is in front of me", probability live/64); action 1
eats it. Apples regrow with a probability that grows with the number still live, so greedy
play depletes them. Rewards follow the paper's formulas (types, tax, redistribution), with
"observable agents" = everybody. Randomness from one seeded torch.Generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class FakeParams:
    n_players: int = 3
    episode_length: int = 200
    tax_period: int = 50
    tax_thresholds: tuple = (0.0, 10.0, 20.0, 10000.0)
    zap: bool = False

    @property
    def n_brackets(self):
        return len(self.tax_thresholds) - 1

    @property
    def n_actions(self):
        return 7

    @property
    def obs_shape(self):
        return (2, 11, 11)

    @property
    def principal_obs_shape(self):
        return (2, 6, 8)


@dataclass
class FakeStep:
    obs: torch.Tensor
    apples: torch.Tensor
    intrinsic: torch.Tensor
    extrinsic: torch.Tensor
    reward: torch.Tensor
    done: torch.Tensor
    principal_obs: torch.Tensor
    period_income: torch.Tensor
    obs_codes: torch.Tensor


class FakeAppleEnv:
    def __init__(self, params, num_games, seed=0, device="cpu", types=None):
        self.params, self.num_games, self.device = params, num_games, device
        self.generator = torch.Generator().manual_seed(int(seed))
        n = params.n_players
        if types is None:
            types = (torch.rand(num_games, n, generator=self.generator), torch.rand(num_games, n, generator=self.generator))
        self.types = tuple(torch.as_tensor(np.asarray(x), dtype=torch.float32) for x in types)
        self.rates = torch.zeros(num_games, params.n_brackets)
        self.t = 0

    @property
    def is_period_start(self):
        return self.t % self.params.tax_period == 0

    @property
    def upcoming_rates(self):
        return self.rates

    @property
    def current_period_income(self):
        return self.income

    def set_tax_rates(self, rates):
        self.rates = torch.as_tensor(rates, dtype=torch.float32).clone()

    def live_apples(self):
        return self.live.clone()

    def _observe(self):
        n = self.params.n_players
        chance = (self.live / 64.0).view(-1, 1).expand(-1, n)
        self.front = torch.rand(self.num_games, n, generator=self.generator) < chance
        obs = torch.zeros(self.num_games, n, *self.params.obs_shape)
        obs[:, :, 0, 9, 5] = self.front.float()
        obs[:, :, 1, 0, 0] = (self.live.view(-1, 1) >= 32).float()
        codes = torch.zeros(self.num_games, n, 11, 11, dtype=torch.uint8)
        codes[:, :, 9, 5] = self.front.to(torch.uint8)
        codes[:, :, 0, 0] = (self.live // 8).to(torch.uint8).view(-1, 1)
        self.codes = codes
        return obs

    def _principal_obs(self):
        out = torch.zeros(self.num_games, *self.params.principal_obs_shape)
        out[:, 0, 0, 0] = self.live / 64.0
        return out

    def reset(self):
        n = self.params.n_players
        self.t = 0
        self.live = torch.full((self.num_games,), 64.0)
        self.income = torch.zeros(self.num_games, n)
        self.episode_apples = torch.zeros(self.num_games, n)
        self.completed_period_income = torch.zeros(self.num_games, n)
        self.completed_period_tax = torch.zeros(self.num_games, n)
        zeros = torch.zeros(self.num_games, n)
        return FakeStep(self._observe(), zeros, zeros, zeros, zeros, torch.zeros(self.num_games, dtype=torch.bool),
                        self._principal_obs(), self.income.clone(), self.codes)

    def _tax(self, income):
        tau = torch.tensor(self.params.tax_thresholds, dtype=torch.float32)
        exposure = torch.clamp(income.unsqueeze(-1) - tau[:-1], min=0)
        exposure = torch.minimum(exposure, tau[1:] - tau[:-1])
        return (exposure * self.rates.unsqueeze(1)).sum(-1)

    def step(self, actions):
        sigma, beta = self.types
        eaten = (self.front & (actions == 1)).float()
        eaten_total = eaten.sum(1)
        eaten = torch.where((eaten_total <= self.live).view(-1, 1), eaten, torch.zeros_like(eaten))
        self.live = self.live - eaten.sum(1)
        regrow = torch.rand(self.num_games, generator=self.generator) < 0.3 * (self.live / 64.0)
        self.live = torch.clamp(self.live + regrow.float(), max=64.0)
        self.income += eaten
        self.episode_apples = self.episode_apples + eaten
        self.t += 1
        extrinsic = eaten.clone()
        if self.t % self.params.tax_period == 0:
            tax = self._tax(self.income)
            extrinsic += -tax + tax.mean(1, keepdim=True)
            income = self.income.clone()
            self.completed_period_income, self.completed_period_tax = income, tax
            self.income = torch.zeros_like(self.income)
        else:
            income = self.income.clone()
        others = eaten.sum(1, keepdim=True) - eaten
        intrinsic = sigma * eaten + (1 - sigma) * others
        reward = beta * extrinsic + (1 - beta) * intrinsic
        done = torch.full((self.num_games,), self.t >= self.params.episode_length)
        obs = self._observe()
        return FakeStep(obs, eaten, intrinsic, extrinsic, reward, done, self._principal_obs(), income, self.codes)

    def render(self, game=0):
        frame = np.zeros((16, 16, 3), dtype=np.uint8)
        frame[: int(self.live[game]) // 4, :, 1] = 200
        return frame


class FakeFactory:
    """Factory for :class:`FakeAppleEnv` matching a TrainConfig's game settings."""

    n_codes = 32

    def __init__(self, config):
        self.params = FakeParams(n_players=config.n_players, episode_length=config.episode_length,
                                 tax_period=config.tax_period, tax_thresholds=tuple(config.tax_thresholds))

    def make(self, num_games, seed, types):
        return FakeAppleEnv(self.params, num_games, seed, types=types)
