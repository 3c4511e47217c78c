"""Two-level PPO training for the Apple Picking Game (paper, Section 4 and Appendix A).

``TrainConfig``/``make_config`` import without torch; the torch-based names below are loaded
on first use, so the command line stays fast and the theory side never imports torch.
"""

from __future__ import annotations

import importlib

from sedtheory.rl.config import PRESETS, TrainConfig, make_config

_LAZY = {
    "Trainer": "sedtheory.rl.trainer",
    "compute_gae": "sedtheory.rl.gae",
    "ppo_update": "sedtheory.rl.ppo",
    "PPOSettings": "sedtheory.rl.ppo",
    "PlayerPolicy": "sedtheory.rl.networks",
    "PrincipalPolicy": "sedtheory.rl.networks",
    "AppleFactory": "sedtheory.rl.envs",
    "player_tax_features": "sedtheory.rl.principal",
    "run_episodes": "sedtheory.rl.episodes",
    "evaluate_run": "sedtheory.rl.evaluate",
    "load_run": "sedtheory.rl.evaluate",
    "quick_report": "sedtheory.rl.evaluate",
    "confidence_interval": "sedtheory.rl.evaluate",
    "estimate_certificate": "sedtheory.rl.gaps",
    "VotingSchedule": "sedtheory.rl.voting",
    "rate_cap": "sedtheory.rl.curriculum",
    "exact_gaps_on_twin": "sedtheory.rl.exact",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sedtheory.rl' has no attribute {name!r}")


__all__ = ["PRESETS", "TrainConfig", "make_config", *sorted(_LAZY)]
