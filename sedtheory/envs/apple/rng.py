"""Counter-based random numbers for the batched engine.

Batched torch generators give draws that depend on the batch size. Instead every random number
of game ``b`` is a stateless hash of ``(game seed, episode, step, purpose, index)``: the
32-bit finaliser of MurmurHash3 (Appleby, "SMHasher / MurmurHash3", ``fmix32``) applied in a
chain. So game ``b`` of a batch draws exactly what the same game draws alone, on any device,
and the draws of a step can be computed apart from the step (the slow reference consumes the
same arrays).

Arithmetic is on int64 tensors holding 32-bit values: products wrap modulo 2**64 and are masked
back to 32 bits, so the low bits are exact. A uniform is the top 24 bits times 2**-24, which
float32 represents exactly.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

MASK32 = 0xFFFFFFFF
_GOLDEN = 0x9E3779B9

# Purposes: one stream per kind of draw.
PURPOSE_TYPES = 1
PURPOSE_SPAWN_CELL = 2
PURPOSE_SPAWN_FACING = 3
PURPOSE_MOVE = 4
PURPOSE_REGROW = 5
PURPOSE_RESPAWN_CELL = 6
PURPOSE_RESPAWN_FACING = 7


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
    ``game_seeds(s, 64)[:4] == game_seeds(s, 4)``; a sequence is taken as the per-game seeds."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        base = fmix32_int(fmix32_int(int(seed) & MASK32) ^ ((int(seed) >> 32) & MASK32))
        return [fmix32_int(base ^ fmix32_int((b * _GOLDEN + 1) & MASK32)) for b in range(num_games)]
    seeds = [int(s) for s in seed]
    if len(seeds) != num_games:
        raise ValueError(f"seed: got {len(seeds)} per-game seeds for num_games={num_games}")
    return [s & MASK32 for s in seeds]


def stream_keys(seeds: torch.Tensor, episode: int, step: int, purpose: int) -> torch.Tensor:
    """Key ``(B,)`` of the stream ``(episode, step, purpose)`` of each game."""
    h = fmix32(seeds ^ (episode & MASK32))
    h = fmix32(h ^ ((step * _GOLDEN) & MASK32))
    return fmix32(h ^ ((purpose * 0x27D4EB2F) & MASK32))


def uniforms(keys: torch.Tensor, count: int, offsets: torch.Tensor | None = None) -> torch.Tensor:
    """Uniforms ``(B, count)`` in ``[0, 1)`` (multiples of 2**-24) from stream keys ``(B,)``."""
    if offsets is None:
        offsets = torch.arange(count, dtype=torch.int64, device=keys.device)
    h = fmix32(keys[:, None] ^ ((offsets * _GOLDEN + 0x7F4A7C15) & MASK32))
    h = fmix32(h ^ keys[:, None])
    return (h >> 8).to(torch.float32) * (1.0 / 16777216.0)
