"""An optional ``torch.compile`` path for one whole step (draws, rules, rewards, observation codes).

``AppleEnv(..., compile=True)`` routes :meth:`AppleEnv.step` through :func:`compiled_step`: the
same pure functions (:func:`sedtheory.envs.apple.engine.advance`,
:func:`~sedtheory.envs.apple.engine.observe_codes`) traced once per (tax-period-start,
tax-period-end) flag pair, which removes most per-operation overhead at small batch sizes.
The step index enters only through a precomputed 32-bit word, so no recompilation happens
as ``t`` advances. Integer and boolean results are bit-identical to eager mode; float rewards
agree to rounding (tests check both). Needs a C++ compiler for inductor on CPU.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import torch

from sedtheory.envs.apple import engine, rng


def _fused(consts: engine.EngineConsts, state: engine.AppleState, actions, episode_keys, step_word,
           selfishness, trust, period_start: bool, period_end: bool):
    key = rng.fmix32(episode_keys ^ step_word)
    draws = engine.split_draws(consts, rng.uniforms(key, consts.draw_words))
    new, res = engine.advance(consts, state, actions, draws, selfishness, trust, period_start, period_end)
    return new, res, engine.observe_codes(consts, new)


_CACHE: dict = {}


def compiled_step(consts, state, actions, episode_keys, selfishness, trust):
    """One compiled step; returns ``(new_state, StepResult, obs_codes)`` like the eager path."""
    p = consts.params
    t = state.t
    word = rng.fmix32_int(rng.STEP_STREAM ^ rng.fmix32_int(t + 1))
    flags = (t % p.tax_period == 0, (t + 1) % p.tax_period == 0 or t + 1 == p.episode_length)
    args = (consts, replace(state, t=0), actions, episode_keys, torch.tensor(word, dtype=torch.int64, device=episode_keys.device),
            selfishness, trust, *flags)
    key = (id(consts), *flags)
    if key in _CACHE:
        new, res, codes = _CACHE[key](*args)
    else:
        with warnings.catch_warnings():  # torch's own deprecation notices while inductor loads and compiles
            warnings.simplefilter("ignore", DeprecationWarning)
            _CACHE[key] = _CACHE.get(id(consts)) or torch.compile(_fused, dynamic=False)
            _CACHE[id(consts)] = _CACHE[key]
            new, res, codes = _CACHE[key](*args)
    return replace(new, t=t + 1), res, codes
