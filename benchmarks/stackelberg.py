"""Benchmark: strong Stackelberg equilibrium of random bimatrix games, three solvers side by side.

Games: general-sum, payoffs i.i.d. uniform on [0, 1], square sizes 10x10 to 200x200, one game per
size drawn from ``numpy.random.default_rng(1000 + size)`` for the leader's and then the
follower's matrix. Solvers:

* **ours**: ``sedtheory.solve_stackelberg`` (best-first multiple-LP with bounds and constraint
  generation); median wall time of ``--repeats`` runs;
* **plain multiple-LP**: ``solve_stackelberg(..., method="multiple-lp")``: the same HiGHS LP
  code, one full LP per follower action, no pruning (Conitzer & Sandholm 2006 as written);
* **OpenSpiel**: ``open_spiel.python.algorithms.stackelberg_lp.solve_stackelberg`` on
  ``pyspiel.create_matrix_game(A, B)``. OpenSpiel is installed only inside a virtual
  environment this script creates (``benchmarks/.venv-openspiel``: ``python -m venv`` then
  ``pip install open-spiel cvxpy``; OpenSpiel 2.x builds one cvxpy problem per follower
  action and does not declare cvxpy as a dependency) and runs in a subprocess that sends its
  timing and answer back as JSON. Only the ``solve_stackelberg`` call is timed.

The table reports each time in seconds, the speed-ups and |leader value difference| against
both references. Results are written to ``benchmarks/results/stackelberg.json``.

Usage::

    python benchmarks/stackelberg.py                      # all sizes, OpenSpiel included
    python benchmarks/stackelberg.py --sizes 10 50 --no-openspiel
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sedtheory import StackelbergNashGame, solve_stackelberg

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-openspiel"
RESULTS = HERE / "results" / "stackelberg.json"
DEFAULT_SIZES = (10, 25, 50, 100, 150, 200)

# Runs inside the OpenSpiel virtual environment: argv[1] is an .npz with A and B.
WORKER = r"""
import json, sys, time
import numpy as np
import pyspiel
from open_spiel.python.algorithms.stackelberg_lp import solve_stackelberg
try:
    from importlib.metadata import version
    os_version = version("open_spiel")
except Exception:
    os_version = "unknown"
data = np.load(sys.argv[1])
game = pyspiel.create_matrix_game(data["A"].tolist(), data["B"].tolist())
start = time.perf_counter()
leader_strategy, follower_strategy, leader_value, follower_value = solve_stackelberg(game)
elapsed = time.perf_counter() - start
print(json.dumps({"time_s": elapsed, "leader_value": float(leader_value),
                  "follower_action": int(np.argmax(follower_strategy)), "open_spiel_version": os_version}))
"""


def random_game(size: int, seed: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    seed = 1000 + size if seed is None else seed
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(size, size)), rng.uniform(size=(size, size)), seed


def ensure_openspiel() -> tuple[Path | None, str]:
    """The venv's python when OpenSpiel imports there (creating the venv if needed), else ``None`` and why."""
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV} and installing open-spiel, cvxpy ...", flush=True)
        steps = [[sys.executable, "-m", "venv", str(VENV)],
                 [str(python), "-m", "pip", "install", "--quiet", "open-spiel", "cvxpy"]]
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True)
            if done.returncode != 0:
                return None, f"{' '.join(step[:3])} failed: {done.stderr.strip()[-400:]}"
    check = subprocess.run([str(python), "-c", "import pyspiel, cvxpy; "
                            "from open_spiel.python.algorithms.stackelberg_lp import solve_stackelberg"],
                           capture_output=True, text=True)
    if check.returncode != 0:
        return None, f"OpenSpiel does not import in {VENV}: {check.stderr.strip()[-400:]}"
    return python, "ok"


def run_openspiel(python: Path, a: np.ndarray, b: np.ndarray, timeout: float) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "game.npz"
        np.savez(path, A=a, B=b)
        try:
            done = subprocess.run([str(python), "-c", WORKER, str(path)], capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-400:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_ours(game: StackelbergNashGame, repeats: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = solve_stackelberg(game)
        times.append(time.perf_counter() - start)
    return times, result


def spread_over_seeds(size: int, seeds: int) -> dict:
    """Our solver alone on ``seeds`` more games of this size (seeds 1000·size + s): median and worst time."""
    times, lps = [], []
    for s in range(seeds):
        a, b, _ = random_game(size, 1000 * size + s)
        run_times, result = time_ours(StackelbergNashGame.from_bimatrix(a, b), 1)
        times.append(run_times[0])
        lps.append(result.details["n_lps"])
    return {"extra_games": seeds, "extra_median_s": statistics.median(times), "extra_max_s": max(times),
            "extra_median_n_lps": statistics.median(lps), "extra_max_n_lps": max(lps)}


def benchmark_size(size: int, repeats: int, python: Path | None, timeout: float) -> dict:
    a, b, seed = random_game(size)
    game = StackelbergNashGame.from_bimatrix(a, b)
    times, ours = time_ours(game, repeats)
    start = time.perf_counter()
    plain = solve_stackelberg(game, method="multiple-lp")
    baseline_s = time.perf_counter() - start
    row = {
        "size": size, "seed": seed, "ours_s": statistics.median(times), "ours_runs_s": times,
        "ours_value": ours.leader_value, "ours_n_lps": ours.details["n_lps"],
        "ours_follower_action": int(ours.follower_actions[0]),
        "baseline_s": baseline_s, "baseline_value": plain.leader_value, "baseline_n_lps": plain.details["n_lps"],
        "abs_diff_baseline": abs(ours.leader_value - plain.leader_value),
        "speedup_vs_baseline": baseline_s / statistics.median(times),
    }
    if python is not None:
        spiel = run_openspiel(python, a, b, timeout)
        row["openspiel"] = spiel
        if "time_s" in spiel:
            row["openspiel_s"] = spiel["time_s"]
            row["abs_diff_openspiel"] = abs(ours.leader_value - spiel["leader_value"])
            row["speedup_vs_openspiel"] = spiel["time_s"] / statistics.median(times)
    return row


def print_table(rows: list[dict]) -> None:
    header = (f"{'size':>9} {'ours s':>9} {'#LP':>5} {'plain s':>9} {'×plain':>7} {'OpenSpiel s':>12} "
              f"{'×OpenSpiel':>11} {'|Δv| plain':>11} {'|Δv| OpenSpiel':>15} {'ours med/max s (more games)':>28}")
    print(header)
    print("-" * len(header))
    for r in rows:
        spiel = f"{r['openspiel_s']:12.3f}" if "openspiel_s" in r else f"{'—':>12}"
        ratio = f"{r['speedup_vs_openspiel']:11.0f}" if "speedup_vs_openspiel" in r else f"{'—':>11}"
        diff = f"{r['abs_diff_openspiel']:15.2e}" if "abs_diff_openspiel" in r else f"{'—':>15}"
        extra = (f"{r['extra_median_s']:.4f} / {r['extra_max_s']:.4f} ({r['extra_games']})"
                 if "extra_games" in r else "—").rjust(28)
        print(f"{r['size']:>4}x{r['size']:<4} {r['ours_s']:9.4f} {r['ours_n_lps']:5d} {r['baseline_s']:9.3f} "
              f"{r['speedup_vs_baseline']:7.1f} {spiel} {ratio} {r['abs_diff_baseline']:11.2e} {diff} {extra}")


def versions(python: Path | None) -> dict:
    from importlib.metadata import version

    out = {"python": platform.python_version(), "numpy": version("numpy"), "scipy": version("scipy"),
           "highspy": version("highspy")}
    if python is not None:
        probe = subprocess.run([str(python), "-c", "from importlib.metadata import version as v; "
                                "print(v('open_spiel'), v('cvxpy'))"], capture_output=True, text=True)
        if probe.returncode == 0:
            out["open_spiel"], out["cvxpy (OpenSpiel venv)"] = probe.stdout.split()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="square game sizes")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of our solver per size (median reported)")
    parser.add_argument("--extra-games", type=int, default=10,
                        help="further games per size solved by our solver alone (median and worst time)")
    parser.add_argument("--no-openspiel", action="store_true", help="skip the OpenSpiel column")
    parser.add_argument("--openspiel-timeout", type=float, default=1800.0, help="seconds allowed per OpenSpiel solve")
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args(argv)

    python, why = (None, "skipped (--no-openspiel)") if args.no_openspiel else ensure_openspiel()
    if python is None:
        print(f"OpenSpiel column not available: {why}", flush=True)
    solve_stackelberg(StackelbergNashGame.from_bimatrix(*random_game(3)[:2]))  # warm-up: imports, HiGHS load
    rows = []
    for size in args.sizes:
        rows.append(benchmark_size(size, args.repeats, python, args.openspiel_timeout))
        if args.extra_games > 0:
            rows[-1].update(spread_over_seeds(size, args.extra_games))
        print(f"done {size}x{size}", flush=True)
    print_table(rows)
    report = {
        "benchmark": "strong Stackelberg equilibrium, random uniform [0, 1] general-sum bimatrix games",
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpu_count": os.cpu_count()},
        "versions": versions(python),
        "openspiel": why,
        "rows": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
