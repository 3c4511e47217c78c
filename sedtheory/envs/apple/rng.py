"""Counter-based random numbers for the batched engine.

Batched torch generators give draws that depend on the batch size. Instead every random number
of game ``b`` is a stateless hash of ``(game seed, episode, step, index)``: the 32-bit finaliser
of MurmurHash3 (Appleby, SMHasher, ``fmix32``), a bijection of 32-bit words with full avalanche,
applied in a chain. Game ``b`` of a batch therefore draws exactly what the same game draws
alone, on any device, and a step's draws can be computed apart from the step (the slow
reference consumes the very same arrays).

Arithmetic is on int64 tensors holding 32-bit values: products wrap modulo 2**64 and are masked
back to 32 bits, so the low bits are exact on every platform. A uniform is the top 24 bits of a
hash times 2**-24, exactly representable in float32.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

MASK32 = 0xFFFFFFFF
_GOLDEN = 0x9E3779B9
STEP_STREAM, RESET_STREAM, TYPES_STREAM = 0x1B873593, 0x2C1B3C6D, 0x297A2D39


def fmix32(h: torch.Tensor) -> torch.Tensor:
    """MurmurHash3's 32-bit finaliser on an int64 tensor of values in ``[0, 2**32)``."""
    h = h ^ (h >> 16)
    h = (h * 0x85EBCA6B) & MASK32
    h = h ^ (h >> 13)
    h = (h * 0xC2B2AE35) & MASK32
    return h ^ (h >> 16)


def fmix32_int(h: int) -> int:
    """Pure-Python twin of :func:`fmix32` for one integer."""
    h &= MASK32
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & MASK32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & MASK32
    return h ^ (h >> 16)


def game_seeds(seed: int | Sequence[int], num_games: int) -> list[int]:
    """Per-game 32-bit seeds. An int ``seed`` gives games ``0..num_games-1`` of that seed, so
    ``game_seeds(s, 64)[:4] == game_seeds(s, 4)``; a sequence is taken as the per-game seeds
    (integers in ``[0, 2**32)``, as this function returns them)."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        base = fmix32_int(fmix32_int(int(seed) & MASK32) ^ ((int(seed) >> 32) & MASK32))
        return [fmix32_int(base ^ fmix32_int((b * _GOLDEN + 1) & MASK32)) for b in range(num_games)]
    seeds = list(seed)
    if len(seeds) != num_games:
        raise ValueError(f"seed: got {len(seeds)} per-game seeds for num_games={num_games}")
    for s in seeds:  # no silent repair: 1.5 is not truncated, 2**32 + 1 is not wrapped onto seed 1
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not 0 <= s <= MASK32:
            raise ValueError(f"seed: per-game seeds must be integers in [0, 2**32), got {s!r}")
    return [int(s) for s in seeds]


def offsets(count: int, device=None) -> torch.Tensor:
    """The constant per-index words ``fmix32(j + 1)``, ``j < count`` (int64 ``(count,)``)."""
    return torch.tensor([fmix32_int(j + 1) for j in range(count)], dtype=torch.int64, device=device)


def episode_keys(seeds: torch.Tensor, episode: int) -> torch.Tensor:
    """Key ``(B,)`` of each game's episode."""
    return fmix32(fmix32(seeds ^ fmix32_int(episode + 0x3C6EF372)) ^ 0x7F4A7C15)


def stream_key(keys: torch.Tensor, stream: int, counter: int) -> torch.Tensor:
    """Key ``(B,)`` of one stream (a step of an episode, the reset, the types)."""
    return fmix32(keys ^ fmix32_int(stream ^ fmix32_int(counter + 1)))


def uniforms(key: torch.Tensor, words: torch.Tensor) -> torch.Tensor:
    """Uniforms ``(B, len(words))`` in ``[0, 1)`` (multiples of 2**-24) from keys ``(B,)`` and :func:`offsets` words."""
    h = fmix32(key[:, None] ^ words)
    return (h >> 8).to(torch.float32) * (1.0 / 16777216.0)
