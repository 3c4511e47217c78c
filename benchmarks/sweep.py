"""A sweep on Ray against the same trials run one after another (run by hand).

    python benchmarks/sweep.py                                  # 4 seeds of the default preset, 2 CPUs
    python benchmarks/sweep.py --set total_timesteps=48000      # shorter trials (3 episodes each)

Four trials (seeds 1-4) of one preset are trained twice: one after another in this process
(:func:`sedtheory.scale.runner.run_trial`, torch on one thread, as in a sweep), and as a sweep
on a local Ray with ``--num-cpus`` CPUs (:func:`sedtheory.scale.runner.run_sweep`). The
figures: the sequential wall time, the time to start Ray, the sweep's wall time with Ray
already started (it includes starting the workers, which import torch), and their ratio
(issue #12's target: at most 0.6 with 2 CPUs). Each trial's metrics (every column of
``metrics.csv`` except the two timing columns) and final weights are compared between the two
runs of the same seed: they must be equal, bit for bit. Figures depend on what else runs on the
machine: the load average is recorded with them.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import torch

from sedtheory.rl.checkpoint import load_torch
from sedtheory.scale.runner import TRIALS_DIR, run_sweep, run_trial, start_ray
from sedtheory.scale.spec import spec_from_dict, trials

TIMING = {"charts/SPS", "charts/agent_SPS"}


def _load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def _rows(run_dir: Path) -> list[dict]:
    with open(run_dir / "metrics.csv", newline="") as stream:
        return [{k: v for k, v in r.items() if k not in TIMING} for r in csv.DictReader(stream)]


def _same_weights(a: Path, b: Path) -> bool:
    left, right = load_torch(a / "policies.pt"), load_torch(b / "policies.pt")
    return all(torch.equal(left[net][k], right[net][k]) for net in ("players", "principal") for k in left[net])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="default")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE", help="fixed settings of every trial")
    parser.add_argument("--num-cpus", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "sweep.json")
    args = parser.parse_args()

    fixed = dict(item.split("=", 1) for item in args.set)
    spec = spec_from_dict({"preset": args.preset, "seeds": args.seeds, "set": {"log_tensorboard": False, **fixed}})
    folder = Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    load_start = _load()
    try:
        # --- one after another, in this process ---
        start = time.perf_counter()
        for trial in trials(spec):
            run_trial(trial.config, folder / "sequential" / trial.name)
        sequential_s = time.perf_counter() - start
        # --- the sweep on a local Ray ---
        start = time.perf_counter()
        start_ray(num_cpus=args.num_cpus)
        ray_start_s = time.perf_counter() - start
        start = time.perf_counter()
        result = run_sweep(spec, folder / "sweep", progress=False, plots=False)
        sweep_s = time.perf_counter() - start
        import ray

        ray.shutdown()
        per_trial = []
        for trial in trials(spec):
            a, b = folder / "sequential" / trial.name, folder / "sweep" / TRIALS_DIR / trial.name
            per_trial.append({"trial": trial.name, "updates": trial.config.num_updates,
                              "metrics_equal": _rows(a) == _rows(b), "weights_equal": _same_weights(a, b),
                              "train_s_sequential": json.loads((a / "summary.json").read_text())["elapsed_s"],
                              "train_s_sweep": json.loads((b / "summary.json").read_text())["elapsed_s"],
                              "objective_last_episode": json.loads((b / "summary.json").read_text())
                              ["last_episode"]["charts/objective"]})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    config = trials(spec)[0].config
    report = {
        "machine": {"cpus": os.cpu_count(), "torch": torch.__version__, "ray": __import__("ray").__version__,
                    "start": load_start, "end": _load()},
        "command": "python benchmarks/sweep.py " + " ".join(
            [f"--preset {args.preset}", "--seeds " + " ".join(map(str, args.seeds))]
            + ([("--set " + " ".join(args.set))] if args.set else []) + [f"--num-cpus {args.num_cpus}"]),
        "trials": len(per_trial), "num_cpus": args.num_cpus,
        "trial_size": {"total_timesteps": config.total_timesteps, "num_updates": config.num_updates,
                       "episodes": config.total_timesteps // (config.num_games * config.episode_length),
                       "agent_steps": config.total_timesteps * config.n_players},
        "sequential_s": sequential_s, "ray_start_s": ray_start_s, "sweep_s": sweep_s,
        "ratio_sweep_to_sequential": sweep_s / sequential_s,
        "ratio_with_ray_start": (ray_start_s + sweep_s) / sequential_s,
        "all_metrics_equal": all(t["metrics_equal"] for t in per_trial),
        "all_weights_equal": all(t["weights_equal"] for t in per_trial),
        "failed": result.failed, "per_trial": per_trial,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{len(per_trial)} trials of {config.num_updates} updates: sequential {sequential_s:.1f} s; "
          f"Ray start {ray_start_s:.1f} s; sweep on {args.num_cpus} CPUs {sweep_s:.1f} s "
          f"(ratio {report['ratio_sweep_to_sequential']:.2f}; {report['ratio_with_ray_start']:.2f} with the Ray start)")
    print(f"metrics equal per seed: {report['all_metrics_equal']}; weights equal: {report['all_weights_equal']}; "
          f"{load_start} -> {report['machine']['end']}")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
