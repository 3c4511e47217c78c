"""Does a committed principal beat no tax? The Stackelberg comparison of issue #11 (run by hand).

For each training seed, two arms are trained with the same budget of episodes:

* ``learned``: the committed, learning principal and the players trained with it;
* ``no_tax``: players trained with no principal (φ = 0 throughout).

Each arm is then evaluated on held-out engine seeds (the same for both arms, so episodes are
paired by engine seed): O_η of (learned principal, its players) minus O_η of (no-tax players,
no tax), with a 95 % interval of the paired mean; also apples, apples left at the end, and the
principal's mean rates, against uniformly random players on the same seeds. This is the
Stackelberg comparison — followers retrained under each schedule — not the frozen-follower
"gain" of ``benchmarks/train.py``.

    python benchmarks/principal_learning.py --seeds 2 3 --episodes 400 --out benchmarks/results/principal_learning.json
    python benchmarks/principal_learning.py --seeds 1 --episodes 150 --set principal_learning_rate=1e-3   # a screen

Arms run as parallel processes (``--jobs``, one torch thread each). ``--set FIELD=VALUE``
overrides a TrainConfig field of both arms (Python literals). Runs are kept under ``--work``
and resumed if interrupted (``sedtheory train --resume`` semantics).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from sedtheory.rl.checkpoint import CHECKPOINT, SUMMARY
from sedtheory.rl.config import make_config
from sedtheory.rl.episodes import FixedTax, RandomPlayers
from sedtheory.rl.evaluate import SUPPORT, confidence_interval, evaluate_policies, load_run, run_principal
from sedtheory.rl.trainer import Trainer

ARMS = {"learned": {}, "no_tax": {"principal": False, "players_per_schedule": False}}
"""The two arms: the learning principal with its players, and players trained with no tax (one
shared network whatever ``--set players_per_schedule`` gives the learned arm)."""


def arm_config(preset: str, seed: int, arm: str, episodes: int, overrides: dict):
    """The TrainConfig of one arm."""
    base = make_config(preset, **{k: v for k, v in overrides.items() if k != "total_timesteps"})
    return make_config(preset, seed=seed, total_timesteps=episodes * base.num_games * base.episode_length,
                       progress=False, log_tensorboard=False, **{**overrides, **ARMS[arm]})


def train_arm(preset: str, seed: int, arm: str, episodes: int, overrides: dict, folder: Path) -> float:
    """Train (or resume) one arm; returns the wall-clock seconds spent in this call."""
    start = time.perf_counter()
    if (folder / SUMMARY).exists():
        return 0.0
    trainer = (Trainer.resume(folder) if (folder / CHECKPOINT).exists()
               else Trainer(arm_config(preset, seed, arm, episodes, overrides), folder))
    trainer.train()
    return time.perf_counter() - start


def evaluate_pair(work: Path, seed: int, eval_seeds: int, eval_games: int, first_eval_seed: int) -> dict:
    """Paired evaluation of the two arms of ``seed`` on held-out engine seeds."""
    learned, no_tax = load_run(work / f"seed{seed}-learned"), load_run(work / f"seed{seed}-no_tax")
    nb = learned.factory.params.n_brackets
    kwargs = dict(seeds=eval_seeds, num_games=eval_games, seed=first_eval_seed)
    gen = torch.Generator().manual_seed(seed)
    # the run's own leader: its trained principal, or its fixed schedule when it held one (--set fixed_rates=...)
    a = evaluate_policies(learned, {"learned": run_principal(learned, gen)}, **kwargs)["learned"]
    b = evaluate_policies(no_tax, {"no_tax": FixedTax([0.0] * nb)}, **kwargs)["no_tax"]
    r = evaluate_policies(no_tax, {"random": FixedTax([0.0] * nb)}, **kwargs,
                          players_by_name={"random": RandomPlayers(no_tax.factory.params.n_actions, gen)})["random"]
    out = {"eval_episodes": eval_seeds * eval_games, "eta": learned.eta,
           "principal_mean_rates": np.asarray(a["tax_rates"]).mean(0).tolist(),
           "objective_gain": confidence_interval(a["objective"] - b["objective"])}
    for name, values in (("learned", a), ("no_tax", b), ("random", r)):
        out[name] = {m: confidence_interval(values[m], support=SUPPORT[m])
                     for m in ("objective", "total_apples", "min_apples", "apples_left", "gini", "tax_collected")}
    out["learned_apples_vs_random"] = confidence_interval(a["total_apples"] - r["total_apples"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--episodes", type=int, default=400, help="training episodes (x num_games games) per arm")
    parser.add_argument("--preset", default="long_credit")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="TrainConfig override")
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=list(ARMS))
    parser.add_argument("--jobs", type=int, default=2, help="arms trained in parallel (processes)")
    parser.add_argument("--eval-seeds", type=int, default=2)
    parser.add_argument("--eval-games", type=int, default=16)
    parser.add_argument("--first-eval-seed", type=int, default=900_000, help="held out: training draws its own")
    parser.add_argument("--work", type=Path, default=Path("runs/principal_learning"))
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--_train-one", nargs=2, metavar=("SEED", "ARM"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        try:
            overrides[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            overrides[key] = value
    torch.set_num_threads(1)
    if args._train_one:
        seed, arm = int(args._train_one[0]), args._train_one[1]
        seconds = train_arm(args.preset, seed, arm, args.episodes, overrides, args.work / f"seed{seed}-{arm}")
        print(json.dumps({"seed": seed, "arm": arm, "seconds": seconds}))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    jobs = [(seed, arm) for seed in args.seeds for arm in args.arms]
    running, times, started = [], {}, time.perf_counter()
    forwarded = [a for pair in zip(["--set"] * len(args.set), args.set) for a in pair]
    while jobs or running:
        while jobs and len(running) < args.jobs:
            seed, arm = jobs.pop(0)
            log = open(args.work / f"seed{seed}-{arm}.log", "a")
            cmd = [sys.executable, __file__, "--_train-one", str(seed), arm, "--episodes", str(args.episodes),
                   "--preset", args.preset, "--work", str(args.work), *forwarded]
            running.append(((seed, arm), subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT), time.perf_counter()))
        time.sleep(5)
        for item in list(running):
            (key, proc, t0) = item
            if proc.poll() is not None:
                if proc.returncode:
                    raise SystemExit(f"training {key} failed (exit {proc.returncode}); see {args.work}/seed{key[0]}-{key[1]}.log")
                times[f"seed{key[0]}-{key[1]}"] = time.perf_counter() - t0
                running.remove(item)
                print(f"trained {key} in {times[f'seed{key[0]}-{key[1]}']:.0f} s  [load {os.getloadavg()[0]:.2f}]", flush=True)
    results = {"preset": args.preset, "overrides": overrides, "episodes": args.episodes,
               "num_games": arm_config(args.preset, 0, "learned", args.episodes, overrides).num_games,
               "train_seconds": times, "wall_seconds": time.perf_counter() - started, "seeds": {}}
    if set(args.arms) == set(ARMS):
        for seed in args.seeds:
            results["seeds"][str(seed)] = evaluate_pair(args.work, seed, args.eval_seeds, args.eval_games,
                                                        args.first_eval_seed)
            gain = results["seeds"][str(seed)]["objective_gain"]
            print(f"seed {seed}: O_eta gain over no tax {gain[0]:.1f} [{gain[1]:.1f}, {gain[2]:.1f}]; rates "
                  f"{np.round(results['seeds'][str(seed)]['principal_mean_rates'], 2).tolist()}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
