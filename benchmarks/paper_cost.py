"""What ``sedtheory train --preset paper`` costs: its sizes, and its wall-clock time from a few measured updates.

The paper preset (``sedtheory.rl.config.PRESETS["paper"]``) trains for ``total_timesteps``
environment steps (one step of one game) in ``num_games`` parallel games, ``num_steps`` steps
per rollout: ``num_updates = total_timesteps / (num_games * num_steps)`` PPO updates, each on
``num_games * num_steps * n_players`` player samples in minibatches of ``minibatch_size``, for
``update_epochs`` epochs. This script trains the preset itself for ``--episodes`` episodes (in
phase two, so the principal is trained too: ``phase_one_fraction=0``), times each update after
the first episode, and extrapolates: hours = num_updates x seconds per update / 3600.

    python benchmarks/paper_cost.py --episodes 2 --out benchmarks/results/paper_cost.json

Figures depend on the machine and on what else runs on it: the load average is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch

from sedtheory.rl.config import make_config
from sedtheory.rl.trainer import Trainer


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=2, help="episodes to train (the first is not timed)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    paper = make_config("paper")
    per_episode = paper.num_games * paper.episode_length
    config = make_config("paper", total_timesteps=per_episode * args.episodes, phase_one_fraction=0.0,
                         progress=False, log_tensorboard=False, checkpoint_every=0)
    sizes = {"total_timesteps": paper.total_timesteps, "num_games": paper.num_games, "num_steps": paper.num_steps,
             "n_players": paper.n_players, "num_updates": paper.num_updates,
             "agent_steps": paper.total_timesteps * paper.n_players,
             "samples_per_update": paper.batch_size, "minibatch_size": paper.minibatch_size,
             "update_epochs": paper.update_epochs,
             "gradient_steps_per_update": paper.update_epochs * paper.batch_size // paper.minibatch_size,
             "network": paper.network, "hidden_size": paper.hidden_size}
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        trainer = Trainer(config, Path(folder) / "run")
        stamps = []
        original = trainer._player_batch

        def timed(ep):   # called once per update: a timestamp per update
            stamps.append(time.perf_counter())
            return original(ep)
        trainer._player_batch = timed
        trainer.train()
    first_timed = config.updates_per_episode
    seconds = [b - a for a, b in zip(stamps[first_timed - 1:], stamps[first_timed:])]
    per_update = statistics.median(seconds)
    result = {
        "sizes": sizes,
        "measured": {"updates_timed": len(seconds), "seconds_per_update_median": per_update,
                     "seconds_per_update_min": min(seconds),
                     "agent_steps_per_s": paper.batch_size / per_update,
                     "torch_threads": torch.get_num_threads()},
        "extrapolated_hours": paper.num_updates * per_update / 3600,
        "extrapolated_hours_from_fastest_update": paper.num_updates * min(seconds) / 3600,
        "machine": {"cpus": os.cpu_count(), "processor": platform.machine(), "torch": torch.__version__,
                    "load_average_start": load_start, "load_average_end": os.getloadavg()},
    }
    print(json.dumps(result, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
