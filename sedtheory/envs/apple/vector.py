"""A Gymnasium-style vector view of the batched engine for RL code (parameter sharing).

Each (game, player) pair is one sub-environment, ``num_envs = B * n``, flattened game-major
(``index = b * n + i``), as in CleanRL's multi-agent PPO over PettingZoo + SuperSuit. Arrays
are torch tensors on the env's device (no numpy round trip). Episodes have a fixed length and
all games end together; the view resets them in the same step (Gymnasium's ``SameStep``
autoreset): the step that ends an episode returns the first observation of the next one,
``truncations`` all True, and ``infos["final_obs"]`` with the last observation.
``infos`` always carries ``apples``, ``intrinsic``, ``extrinsic`` ``(B * n,)``.
"""

from __future__ import annotations

import numpy as np
import torch
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from sedtheory.envs.apple.env import AppleEnv
from sedtheory.envs.apple.params import AppleParams


class AppleVectorEnv(VectorEnv):
    """``B * n`` player sub-environments over one :class:`AppleEnv`.

    Args: as :class:`AppleEnv` (params, num_games, seed, device, types).
    """

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": ["rgb_array"]}

    def __init__(self, params: AppleParams | None = None, num_games: int = 1, seed=0, device="cpu", types=None):
        self.env = AppleEnv(params, num_games=num_games, seed=seed, device=device, types=types)
        self._given_types = types
        p = self.env.params
        self.num_envs = num_games * p.n_players
        self.single_observation_space = spaces.Box(0.0, 1.0, p.obs_shape, dtype=np.float32)
        self.single_action_space = spaces.Discrete(p.n_actions)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.render_mode = "rgb_array"

    def _flat(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(self.num_envs, *x.shape[2:])

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Reset every game. ``seed`` rebuilds the batch with that seed: types given at construction
        are kept, sampled types are sampled again from the new seed."""
        if seed is not None:
            e = self.env
            self.env = AppleEnv(e.params, num_games=e.num_games, seed=seed, device=e.device, types=self._given_types)
        out = self.env.reset()
        return self._flat(out.obs), {}

    def step(self, actions):
        """``actions``: integer ``(B * n,)``. Returns obs, rewards, terminations, truncations, infos."""
        actions = torch.as_tensor(actions, device=self.env.device).reshape(self.env.num_games, -1)
        out = self.env.step(actions)
        infos = {key: self._flat(getattr(out, key)) for key in ("apples", "intrinsic", "extrinsic")}
        obs = self._flat(out.obs)
        truncated = out.done.repeat_interleave(self.env.params.n_players)
        if bool(out.done.all()):
            infos["final_obs"] = obs.clone()
            obs = self._flat(self.env.reset().obs)
        terminated = torch.zeros_like(truncated)
        return obs, self._flat(out.reward), terminated, truncated, infos

    def render(self):
        """One RGB ``uint8`` ``(H * 8, W * 8, 3)`` full-map frame per game."""
        return tuple(self.env.render(b) for b in range(self.env.num_games))

    def close(self, **kwargs) -> None:
        """Nothing to release (no window, no subprocess)."""
