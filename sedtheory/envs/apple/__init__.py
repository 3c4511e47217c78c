"""The Apple Picking Game of the paper's Section 4 (rules: APPLE_GAME.md), batched in torch.

Public names: :class:`AppleParams` (rules, Table 1 defaults), :class:`AppleEnv` (B games × n
players), :class:`AppleStep` (what a step returns), :func:`parallel_env` (PettingZoo), the
pure engine functions in :mod:`~sedtheory.envs.apple.engine`, and :func:`to_pomg` (tabular twin
of tiny maps) in :mod:`~sedtheory.envs.apple.tabular`.
"""

from sedtheory.envs.apple.env import AppleEnv, AppleStep
from sedtheory.envs.apple.params import (
    CORRIDOR_MAP,
    DEFAULT_MAP,
    FIELD_3X3_MAP,
    MAP_LEGEND,
    AppleParams,
    parse_map,
)

__all__ = ["AppleEnv", "AppleParams", "AppleStep", "CORRIDOR_MAP", "DEFAULT_MAP", "FIELD_3X3_MAP",
           "MAP_LEGEND", "parse_map"]
