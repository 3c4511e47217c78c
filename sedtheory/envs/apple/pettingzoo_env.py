"""PettingZoo ``ParallelEnv`` view of one Apple Picking Game (Terry et al., PettingZoo, NeurIPS 2021).

``parallel_env(**params)`` builds :class:`AppleParallelEnv` over a one-game :class:`AppleEnv`.
Agents are ``player_0 .. player_{n-1}`` and stay for the whole episode (a zapped player sees
zeros and earns nothing while away). Rewards are the mixed reward of the paper's eq. (2);
``infos[agent]`` carries ``apples``, ``intrinsic``, ``extrinsic`` and ``period_income``. The
episode has a fixed length, so its end is a truncation (time limit) for every agent.
``reset(seed=s)`` reseeds; ``reset()`` without a seed starts the next episode of the current
seed (seed 0 before any seed is given), so runs are reproducible.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import torch
from gymnasium import spaces
from pettingzoo import ParallelEnv

from sedtheory._validate import ValidationError
from sedtheory.envs.apple.env import AppleEnv
from sedtheory.envs.apple.params import AppleParams


class AppleParallelEnv(ParallelEnv):
    """One Apple Picking Game as a PettingZoo parallel environment.

    Args:
        params: the rules; default :class:`AppleParams` (Table 1).
        render_mode: ``None`` or ``"rgb_array"`` (``render()`` returns the full map, 8 px per cell).
    """

    metadata = {"name": "apple_picking_v0", "render_modes": ["rgb_array"], "is_parallelizable": True}

    def __init__(self, params: AppleParams | None = None, render_mode: str | None = None):
        self.params = params if params is not None else AppleParams()
        if render_mode not in (None, "rgb_array"):
            raise ValidationError(f"render_mode: expected None or 'rgb_array', got {render_mode!r}")
        self.render_mode = render_mode
        self.possible_agents = [f"player_{i}" for i in range(self.params.n_players)]
        self.agents: list[str] = []
        self._env: AppleEnv | None = None

    @functools.lru_cache(maxsize=None)
    def observation_space(self, agent: str) -> spaces.Box:
        """Box ``obs_shape`` = ``(C, rows, cols)`` in [0, 1] (one-hot channels), the same for every agent."""
        return spaces.Box(0.0, 1.0, self.params.obs_shape, dtype=np.float32)

    @functools.lru_cache(maxsize=None)
    def action_space(self, agent: str) -> spaces.Discrete:
        """Discrete ``n_actions`` (7, or 8 with zap)."""
        return spaces.Discrete(self.params.n_actions)

    @property
    def state_space(self) -> spaces.Box:
        """Box ``principal_obs_shape`` = ``(C_p, H, W)`` of :meth:`state`."""
        return spaces.Box(0.0, np.inf, self.params.principal_obs_shape, dtype=np.float32)

    def reset(self, seed: int | None = None, options: dict | None = None):
        """Start an episode (a new game for ``seed``); returns per-agent observations ``(C, rows, cols)`` and empty infos."""
        if seed is not None or self._env is None:
            self._env = AppleEnv(self.params, num_games=1, seed=0 if seed is None else int(seed))
        out = self._env.reset()
        self.agents = list(self.possible_agents)
        return self._obs(out), {agent: {} for agent in self.agents}

    def step(self, actions: dict):
        """One step from ``{agent: action}``; returns observations, mixed rewards (eq. (2)), terminations,
        truncations (all True at the episode's end) and infos (apples, intrinsic, extrinsic, period_income)."""
        if not self.agents:
            raise RuntimeError("AppleParallelEnv.step: the episode is over, call reset()")
        missing = [agent for agent in self.agents if agent not in actions]
        if missing:
            raise ValidationError(f"actions: no action for {missing}")
        row = torch.tensor([[int(actions[agent]) for agent in self.possible_agents]], dtype=torch.int64)
        out = self._env.step(row)
        obs = self._obs(out)
        rewards = {agent: float(out.reward[0, i]) for i, agent in enumerate(self.agents)}
        done = bool(out.done[0])
        terminations = {agent: False for agent in self.agents}
        truncations = {agent: done for agent in self.agents}
        infos = {agent: {"apples": float(out.apples[0, i]), "intrinsic": float(out.intrinsic[0, i]),
                         "extrinsic": float(out.extrinsic[0, i]), "period_income": float(out.period_income[0, i])}
                 for i, agent in enumerate(self.agents)}
        if done:
            self.agents = []
        return obs, rewards, terminations, truncations, infos

    def _obs(self, out) -> dict:
        obs = np.ascontiguousarray(out.obs[0].numpy())
        return {agent: obs[i] for i, agent in enumerate(self.possible_agents)}

    def set_tax_rates(self, rates) -> None:
        """Pending tax rates ``(n_brackets,)`` for the next tax period (see :meth:`AppleEnv.set_tax_rates`)."""
        if self._env is None:
            raise RuntimeError("AppleParallelEnv: call reset() first")
        self._env.set_tax_rates(torch.as_tensor(rates, dtype=torch.float32).view(1, -1))

    def state(self) -> np.ndarray:
        """The principal's observation ``(C_p, H, W)`` (full map)."""
        from sedtheory.envs.apple import engine
        return engine.principal_observe(self._env.consts, self._env.state)[0].numpy()

    def render(self):
        """RGB ``uint8`` ``(H * 8, W * 8, 3)`` of the full map (``render_mode="rgb_array"``), else None."""
        if self.render_mode is None or self._env is None or self._env.state is None:
            return None
        return self._env.render(0)

    def close(self) -> None:
        """Nothing to release (no window, no subprocess)."""


def parallel_env(params: AppleParams | None = None, render_mode: str | None = None, **overrides) -> AppleParallelEnv:
    """A PettingZoo parallel Apple Picking Game; keyword arguments override :class:`AppleParams` fields,
    e.g. ``parallel_env(episode_length=200, zap=True)``."""
    params = params if params is not None else AppleParams()
    if overrides:
        params = dataclasses.replace(params, **overrides)
    return AppleParallelEnv(params, render_mode=render_mode)
