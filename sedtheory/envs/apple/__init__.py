"""The Apple Picking Game of the paper's Section 4 (rules: ``docs/apple_game.md``), batched in torch.

Public names: :class:`AppleParams` (rules, Table 1 defaults; importing it alone does not import
torch), :class:`AppleEnv` (B games × n players), :class:`AppleStep` (what a step returns),
:func:`parallel_env` (PettingZoo), :class:`AppleVectorEnv` (Gymnasium-style vector view),
:func:`to_pomg` / :func:`tabular_model` (the exact tabular twin of tiny maps),
:func:`write_episode_gif` (videos). The pure engine functions live in
:mod:`~sedtheory.envs.apple.engine`; the slow reference in :mod:`~sedtheory.envs.apple.reference`.
Names are loaded lazily (PEP 562) so that the parameters work without torch, pettingzoo or gymnasium.
"""

from __future__ import annotations

import importlib

from sedtheory.envs.apple.params import (
    CORRIDOR_MAP,
    DEFAULT_MAP,
    FIELD_3X3_MAP,
    MAP_LEGEND,
    AppleParams,
    parse_map,
)

_LAZY = {
    "AppleEnv": "sedtheory.envs.apple.env",
    "AppleStep": "sedtheory.envs.apple.env",
    "AppleParallelEnv": "sedtheory.envs.apple.pettingzoo_env",
    "parallel_env": "sedtheory.envs.apple.pettingzoo_env",
    "AppleVectorEnv": "sedtheory.envs.apple.vector",
    "tabular_model": "sedtheory.envs.apple.tabular",
    "to_pomg": "sedtheory.envs.apple.tabular",
    "write_episode_gif": "sedtheory.envs.apple.video",
}
_SUBMODULES = {"engine", "env", "params", "reference", "render", "rng", "tabular", "pettingzoo_env", "vector", "video"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"sedtheory.envs.apple.{name}")
    raise AttributeError(f"module 'sedtheory.envs.apple' has no attribute {name!r}")


__all__ = ["AppleEnv", "AppleParallelEnv", "AppleParams", "AppleStep", "AppleVectorEnv", "CORRIDOR_MAP",
           "DEFAULT_MAP", "FIELD_3X3_MAP", "MAP_LEGEND", "parallel_env", "parse_map", "tabular_model",
           "to_pomg", "write_episode_gif"]
