"""How the trainer builds environments: a small factory around the batched Apple engine.

The trainer never constructs an engine directly; it asks an :class:`EnvFactory` for one per
episode (seeded from the run's numpy generator), which keeps every run reproducible and lets
a checkpoint at an episode boundary hold the whole state of training. Tests pass their own
factory (a stand-in engine with the same interface).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import torch


from sedtheory.envs.apple import CORRIDOR_MAP, DEFAULT_MAP, FIELD_3X3_MAP, AppleEnv, AppleParams, engine
from sedtheory.rl.config import TrainConfig
from sedtheory.rl.networks import PerSchedulePlayers, PlayerPolicy, PrincipalPolicy
from sedtheory.rl.principal import N_CHOICES, choice_mask, feature_size, player_feature_size, schedules


class EnvFactory(Protocol):
    """Builds batched engines with the Apple interface (``reset``, ``step``, ``set_tax_rates``, ...)."""

    params: Any
    """Engine parameters: ``n_players``, ``n_actions``, ``n_brackets``, ``obs_shape``, ``principal_obs_shape``."""

    def make(self, num_games: int, seed: int, types: tuple[np.ndarray, np.ndarray] | None) -> Any:
        """An engine with ``num_games`` games, seeded by ``seed``; ``types = (σ (B, n), β (B, n))``."""


def _map(ascii_map: str, forward: int, backward: int, left: int, right: int):
    def settings() -> dict:
        return dict(map_ascii=ascii_map, window_forward=forward, window_backward=backward,
                    window_left=left, window_right=right)
    return settings


MAPS = {
    "commons": _map(DEFAULT_MAP, 9, 1, 5, 5),      # Appendix A window: forward 9, backward 1, left/right 5
    "corridor": _map(CORRIDOR_MAP, 1, 1, 1, 1),    # tiny maps of the tabular twin, with the windows
    "field_3x3": _map(FIELD_3X3_MAP, 2, 0, 1, 1),  # its tests use (tests/envs/test_apple_tabular.py)
}
"""Map name → AppleParams fields (map and observation window)."""


class AppleFactory:
    """Factory for :class:`sedtheory.envs.apple.AppleEnv` built from a :class:`TrainConfig`'s
    environment fields alone (its ``env`` section: map or ASCII art, window, regrowth), so a run
    folder's config rebuilds its engine with no code outside it."""

    def __init__(self, config: TrainConfig) -> None:
        self.params = apple_params(config)
        self.device = config.device
        self.n_codes = engine.N_TERRAIN * engine.N_SLOTS + 1
        """Code vocabulary of ``obs_codes`` (terrain × slot) plus one row for 255 (absent observer)."""

    def make(self, num_games: int, seed: int, types=None):
        if types is not None:
            types = tuple(torch.as_tensor(np.asarray(t), dtype=torch.float32, device=self.device) for t in types)
        return AppleEnv(self.params, num_games=num_games, seed=int(seed), device=self.device, types=types)


def apple_params(config: TrainConfig) -> AppleParams:
    """The engine parameters of ``config``: its map (``map_ascii``, else ``map_layout``'s), window
    (``window``, else the map's), regrowth table (``regrowth_probs``, else the paper's) and game fields."""
    settings = MAPS[config.map_layout]()
    if config.map_ascii:
        settings["map_ascii"] = config.map_ascii
    if config.window:
        settings.update(zip(("window_forward", "window_backward", "window_left", "window_right"), config.window))
    if config.regrowth_probs:
        settings["regrowth_probs"] = tuple(config.regrowth_probs)
    return AppleParams(n_players=config.n_players, episode_length=config.episode_length, tax_period=config.tax_period,
                       tax_thresholds=tuple(config.tax_thresholds), zap=config.zap, **settings)


def player_input(step, network: str) -> torch.Tensor:
    """What the player network reads from an engine step: uint8 ``obs_codes (B, n, H, W)`` for
    ``network="embed"``, else the float channels ``obs (B, n, C, H, W)``."""
    if network == "embed":
        codes = getattr(step, "obs_codes", None)
        if codes is None:
            raise RuntimeError("network 'embed' needs an engine whose steps carry obs_codes; use --network mlp")
        return codes
    return step.obs


def make_player_policy(factory, config: TrainConfig):
    """The shared player network for ``factory``'s engine and ``config`` (with
    ``players_per_schedule``: one per schedule of the principal's levels, :class:`PerSchedulePlayers`)."""
    p = factory.params
    n_features = player_feature_size(p.n_brackets, config.player_episode_phase) if config.player_tax_features else 0

    def make() -> PlayerPolicy:
        return PlayerPolicy(p.obs_shape, p.n_players, p.n_actions, config.hidden_size, config.network,
                            n_codes=getattr(factory, "n_codes", 32), n_features=n_features)

    if config.players_per_schedule:
        return PerSchedulePlayers(schedules(config.principal_levels, p.n_brackets, config.principal_flat), make)
    return make()


def make_principal_policy(factory, config: TrainConfig) -> PrincipalPolicy:
    """The principal's network for ``factory``'s engine and ``config``, masked to its levels (and flat)."""
    p = factory.params
    restricted = config.principal_levels or config.principal_flat
    mask = choice_mask(config.principal_levels, p.n_brackets, config.principal_flat) if restricted else None
    return PrincipalPolicy(p.principal_obs_shape, feature_size(p.n_players, p.n_brackets), p.n_brackets, N_CHOICES,
                           config.principal_hidden_size, choice_mask=mask, flat=config.principal_flat)
