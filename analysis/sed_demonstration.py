"""The SED demonstration end to end: votes → η → the designed tax schedule → outcomes.

Three electorates of 7 players on the ``long_credit`` Apple game differ only in their
selfishness types σ (fixed per player; trust β stays the seed's draw, seed 2 for all). Under
the paper's rule (``voting_rule="mean"``, truthful reports) each votes η = mean σ:

* ``eta20``: σ = 0.11, 0.14, …, 0.29 (η = 0.2)
* ``eta50``: σ = 0.41, 0.44, …, 0.59 (η = 0.5)
* ``eta90``: σ = 0.81, 0.84, …, 0.99 (η = 0.9)

For each electorate the principal's outer loop (``sedtheory design``) commits to each of seven
pre-registered fixed schedules (flat 0, 0.25, 0.5, 0.75, 1 and the brackets [0, 0.5, 1] and
[1, 0.5, 0]), trains the players under it (warm-started from the electorate's own one-episode
no-tax phase one), keeps the best by successive halving on selection seeds (rungs at 10 and 30
episodes) and reports on disjoint report seeds: the chosen schedule against no tax, a random
candidate and the grid's best (every candidate trained to 30 episodes), paired 95 % intervals,
and the (ε̂, δ̂) certificate.

The players' rewards depend on σ (paper eq. (2): intrinsic = σ·own apples + (1 − σ)·apples
seen eaten by others, weighted by 1 − β), so every electorate trains its own players: nothing
is shared between the three designs. What this does *not* show: a different trust profile or
seed, a learned (non-fixed) principal, or schedules outside the seven candidates; budgets are
30 episodes per candidate, so the outcomes are those of budget-limited learners.

Usage::

    python analysis/sed_demonstration.py --out DIR                      # write the specs and the plan (seconds)
    python analysis/sed_demonstration.py --out DIR --specs-to benchmarks  # the stored spec files
    python analysis/sed_demonstration.py --out DIR --run --design-root ROOT [--num-cpus 2]
    python analysis/sed_demonstration.py --out DIR --collect --design-root ROOT \\
        [--results benchmarks/results/sed_demonstration.json]

``--seed S`` (default 2) runs a replicate with another training seed (other trust types, networks
and engine seeds; the same σ): specs ``sed_demonstration_<name>_seedS.json``, design folders
``ROOT/<name>_seedS``.

``--run`` runs the designs one after the other (``python -m sedtheory design SPEC --design-dir
ROOT/<name> --num-cpus N``), skipping the finished ones; an interrupted design resumes from its
stored rungs and checkpoints when run again. Each attempt's wall time is appended to
``ROOT/wall_<name>.jsonl``. ``--collect`` gathers every finished design's ``report.json`` into one
results file (η, chosen, rungs, per-schedule metrics, paired comparisons, certificate, commands,
wall times), and, where the design stored ``report_episodes.json``, paired intervals of every
schedule against no tax and of the chosen schedule against every other one, including the other
electorates' choices.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import sedtheory.rl as rl

ELECTORATES = {"eta20": 0.2, "eta50": 0.5, "eta90": 0.9}
"""Electorate name → the η its truthful mean vote gives."""
SPREAD = 0.09
"""σ runs over ``η ± SPREAD`` in 7 equal steps (0.03)."""
RUN_ORDER = ("eta20", "eta90", "eta50")
"""The extremes first (the order the stored run used)."""
CANDIDATES = [[0.0] * 3, [0.25] * 3, [0.5] * 3, [0.75] * 3, [1.0] * 3, [0.0, 0.5, 1.0], [1.0, 0.5, 0.0]]
SPEC_FILE = "sed_demonstration_{name}.json"
SEED = 2
REPO = Path(__file__).resolve().parents[1]
"""Training seed of the main run (trust types, networks, engine); ``--seed`` runs a replicate."""


def design_name(name: str, seed: int = SEED) -> str:
    """``eta20`` for the main seed, ``eta20_seed3`` for a replicate."""
    return name if seed == SEED else f"{name}_seed{seed}"


def selfishness(eta: float, players: int = 7) -> list[float]:
    """Fixed σ per player, evenly spaced around ``eta`` (rounded to 2 decimals)."""
    return [round(float(eta + d), 2) for d in np.linspace(-SPREAD, SPREAD, players)]


def design_spec(eta: float, seed: int = SEED) -> dict:
    """The design spec of the electorate whose mean vote is ``eta``."""
    return {"preset": "long_credit", "base": {"selfishness": selfishness(eta)}, "seed": seed, "phase_one_episodes": 1,
            "min_episodes": 10, "max_episodes": 30, "reduction": 3, "candidates": CANDIDATES,
            "selection_seeds": [100000], "report_seeds": [200000, 200001], "eval_games": 16, "full_grid": True,
            "random_seed": 0, "br_episodes": 1, "gap_players": [0]}


def votes(sigma: list[float]) -> dict:
    """η under the paper's rule (truthful and strategic reports) and under the median, for comparison."""
    out = {}
    for rule in ("mean", "median"):
        for strategic in (False, True):
            reports, eta = rl.VotingSchedule(np.asarray(sigma), rule, strategic).vote()
            out[f"{rule}{', strategic' if strategic else ''}"] = {"reports": [float(r) for r in reports],
                                                                  "eta": float(eta)}
    return out


def write_specs(folder: Path, seed: int = SEED) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, eta in ELECTORATES.items():
        paths[name] = folder / SPEC_FILE.format(name=design_name(name, seed))
        paths[name].write_text(json.dumps(design_spec(eta, seed), indent=2) + "\n")
    return paths


def command(name: str, root: str, num_cpus: int, spec_dir: str = "benchmarks", seed: int = SEED) -> list[str]:
    folder = design_name(name, seed)
    return ["python", "-m", "sedtheory", "design", f"{spec_dir}/{SPEC_FILE.format(name=folder)}", "--design-dir",
            f"{root}/{folder}", "--num-cpus", str(num_cpus)]


def run(root: Path, num_cpus: int, spec_dir: str, seed: int = SEED) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for electorate in RUN_ORDER:
        name = design_name(electorate, seed)
        if (root / name / "report.json").exists():
            print(f"{name}: finished, skipped")
            continue
        cmd = command(electorate, str(root), num_cpus, spec_dir, seed)
        print(" ".join(cmd), flush=True)
        start = time.time()
        with open(root / f"{name}.log", "a") as log:
            rc = subprocess.run([sys.executable, *cmd[1:]], stdout=log, stderr=subprocess.STDOUT,
                                cwd=REPO).returncode   # the spec paths are relative to the repository
        with open(root / f"wall_{name}.jsonl", "a") as handle:
            handle.write(json.dumps({"start": start, "end": time.time(), "rc": rc}) + "\n")
        if rc != 0:
            raise SystemExit(f"{name}: design exited with {rc}; see {root / (name + '.log')}")


def wall_seconds(root: Path, name: str) -> dict:
    path = root / f"wall_{name}.jsonl"
    attempts = [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
    return {"attempts": [{"seconds": a["end"] - a["start"], "rc": a["rc"],
                          "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(a["start"]))}
                         for a in attempts],
            "total_seconds": float(sum(a["end"] - a["start"] for a in attempts))}


def paired(episodes: dict, chosen: list[float], choices: dict[str, list[float]]) -> dict:
    """Paired comparisons from a design's ``report_episodes.json``: every schedule minus no tax and the
    chosen one minus every schedule (each metric, mean and 95 % t-interval), and the chosen one
    minus each electorate's choice that is among this design's candidates."""
    rows = episodes["schedules"]
    by_rates = {tuple(row["rates"]): name for name, row in rows.items()}
    zero, mine = by_rates[(0.0,) * len(chosen)], by_rates[tuple(chosen)]
    metrics = [m for m in rows[mine] if m != "rates"]

    def diff(a: str, b: str) -> dict:
        return {m: [float(v) for v in rl.confidence_interval(np.asarray(rows[a][m]) - np.asarray(rows[b][m]))]
                for m in metrics}

    return {"minus_no_tax": {name: diff(name, zero) for name in rows},
            "chosen_minus": {name: diff(mine, name) for name in rows if name != mine},
            "chosen_minus_choice_of": {other: {"rates": rates, **diff(mine, by_rates[tuple(rates)])}
                                       for other, rates in choices.items() if tuple(rates) in by_rates}}


def collect(root: Path, num_cpus: int, spec_dir: str, seed: int = SEED) -> dict:
    """Every finished design under ``root`` as one JSON-ready mapping (machine paths left out)."""
    electorates = {}
    for electorate in ELECTORATES:
        name = design_name(electorate, seed)
        report_path = root / name / "report.json"
        if not report_path.exists():
            continue
        report = json.loads(report_path.read_text())
        spec = json.loads((root / name / "design.json").read_text())["spec"]
        sigma = spec["base"]["selfishness"]
        electorates[electorate] = {
            "selfishness": sigma, "votes": votes(sigma), "eta": report["eta"], "chosen": report["chosen"],
            "rungs": report["rungs"], "schedules": report["schedules"], "comparisons": report["comparisons"],
            "versus_no_tax": report["versus_no_tax"], "certificate": report["certificate"],
            "report_table": (root / name / "report.txt").read_text(),
            "command": " ".join(command(electorate, "ROOT", num_cpus, spec_dir, seed)),
            "wall": wall_seconds(root, name)}
    choices = {name: entry["chosen"] for name, entry in electorates.items()}
    for electorate, entry in electorates.items():
        path = root / design_name(electorate, seed) / "report_episodes.json"
        if path.exists():
            entry["paired"] = paired(json.loads(path.read_text()), entry["chosen"],
                                     {k: v for k, v in choices.items() if k != electorate})
    return {"what": "SED demonstration: votes -> eta -> designed fixed tax schedule -> outcomes, per electorate",
            "metrics": "mean [95% Student-t interval] over 2 report seeds x 16 games = 32 episodes per schedule; "
                       "paired differences on the same engine seeds and games",
            "seed": seed,
            "driver": f"python analysis/sed_demonstration.py --out DIR --seed {seed} --run --design-root ROOT "
                      f"--num-cpus {num_cpus}; then --collect",
            "spec_files": {n: f"{spec_dir}/{SPEC_FILE.format(name=design_name(n, seed))}" for n in ELECTORATES},
            "electorates": electorates}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the specs and the plan")
    parser.add_argument("--specs-to", type=Path, default=None, help="also write the spec files here")
    parser.add_argument("--run", action="store_true", help="run the designs (long: about 15-20 min each)")
    parser.add_argument("--collect", action="store_true", help="gather the finished designs into --results")
    parser.add_argument("--design-root", type=Path, default=None, help="folder holding one design folder each")
    parser.add_argument("--num-cpus", type=int, default=2)
    parser.add_argument("--seed", type=int, default=SEED, help="training seed (another seed: a replicate)")
    parser.add_argument("--spec-dir", default="benchmarks", help="where the commands read the specs (repo-relative)")
    parser.add_argument("--results", type=Path, default=None, help="results JSON (default: OUT/sed_demonstration.json)")
    args = parser.parse_args(argv)
    paths = write_specs(args.out, args.seed)
    if args.specs_to is not None:
        write_specs(args.specs_to, args.seed)
    plan = {name: {"selfishness": selfishness(eta), "votes": votes(selfishness(eta)),
                   "command": " ".join(command(name, "ROOT", args.num_cpus, args.spec_dir, args.seed))}
            for name, eta in ELECTORATES.items()}
    (args.out / "sed_demonstration_plan.json").write_text(json.dumps(plan, indent=2) + "\n")
    for name, entry in plan.items():
        print(f"{name}: sigma {entry['selfishness']} -> eta {entry['votes']['mean']['eta']:.3f} (mean), "
              f"{entry['votes']['median']['eta']:.3f} (median); spec {paths[name].name}")
    if (args.run or args.collect) and args.design_root is None:
        parser.error("--run and --collect need --design-root")
    if args.run:
        run(args.design_root, args.num_cpus, args.spec_dir, args.seed)
    if args.collect:
        results = collect(args.design_root, args.num_cpus, args.spec_dir, args.seed)
        target = args.results or args.out / "sed_demonstration.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(results, indent=2) + "\n")
        print(f"collected {sorted(results['electorates'])} into {target}")


if __name__ == "__main__":
    main()
