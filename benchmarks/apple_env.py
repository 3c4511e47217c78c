"""Speed and memory of the batched Apple Picking Game engine, side by side with Melting Pot.

Measures env-steps/s (one step of one game; 7 players) and agent-steps/s (env-steps × n) with
uniformly random actions drawn every step, observations included, for several batch sizes B:

* ``codes``: the engine's uint8 egocentric observation codes (always computed by ``step``);
* ``onehot``: the float32 one-hot observations ``out.obs`` ``(B, n, 17, 11, 11)`` built every step;
* ``*-compiled``: the same with ``AppleEnv(compile=True)`` (``torch.compile``; compiled before timing).

Threads: ``--threads`` sets torch's intra-op threads in the worker (``0``: torch's default, one
per core, as a user's script gets it); ``--env-threads`` is ``AppleEnv(threads=...)`` (``auto``,
the default: the engine uses the idle cores; an int; ``none``: torch's setting, as before the
engine limited its threads). ``--threads 0 1 --env-threads auto none`` measures the
default-thread case side by side with the one-thread case
(``benchmarks/results/apple_env_threads.json``).

Each configuration runs in its own subprocess (so the peak resident memory, ``ru_maxrss``, is
its own); the figure is the best of ``--repeats`` timed blocks (the machine is shared, so the
best block is the least disturbed one; the median is recorded too). Optionally the same loop
runs Melting Pot 2.4.1's ``commons_harvest__open`` (8 actions, 88 × 88 RGB per player) in its
own virtual environment (``--meltingpot-python``).

Usage::

    python benchmarks/apple_env.py --threads 1 --out benchmarks/results/apple_env.json \\
        --meltingpot-python /tmp/mpvenv/bin/python
    python benchmarks/apple_env.py --threads 0 1 --env-threads auto none --modes codes \\
        --out benchmarks/results/apple_env_threads.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

WORKER = r"""
import json, resource, sys, time, statistics
import torch
if {threads}:
    torch.set_num_threads({threads})   # else torch's default: one thread per core
from sedtheory.envs.apple import AppleEnv, AppleParams
B, mode, steps, repeats = {batch}, {mode!r}, {steps}, {repeats}
env = AppleEnv(AppleParams(), num_games=B, seed=0, compile=mode.endswith("compiled"), threads={env_threads})
env.reset()
gen = torch.Generator().manual_seed(0)
n, A = env.params.n_players, env.params.n_actions
def block(k):
    for _ in range(k):
        if env.t >= env.params.episode_length:
            env.reset()
        out = env.step(torch.randint(0, A, (B, n), generator=gen))
        if mode.startswith("onehot"):
            out.obs
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
block(max(3, steps // 10))
if mode.endswith("compiled"):
    block(env.params.episode_length)  # compile every tax-period variant before timing
times = []
for _ in range(repeats):
    t0 = time.perf_counter()
    block(steps)
    times.append((time.perf_counter() - t0) / steps)
rate = [B / t for t in times]
print(json.dumps(dict(batch=B, mode=mode, threads={threads}, torch_threads=torch.get_num_threads(),
                      env_threads={env_threads}, env_thread_limit=env._thread_limit, best_env_steps_per_s=max(rate),
                      median_env_steps_per_s=statistics.median(rate), best_agent_steps_per_s=max(rate) * n,
                      ms_per_batched_step=min(times) * 1e3, peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      rss_after_setup_mb=baseline / 1024)))
"""

MELTINGPOT = r"""
import json, resource, statistics, time
import numpy as np
from meltingpot import substrate
env = substrate.build("commons_harvest__open", roles=["default"] * 7)
env.reset()
rng = np.random.default_rng(0)
k = env.action_spec()[0].num_values
steps, repeats = {steps}, {repeats}
def block(m):
    for _ in range(m):
        ts = env.step(rng.integers(0, k, 7))
        if ts.last():
            env.reset()
block(20)
times = []
for _ in range(repeats):
    t0 = time.perf_counter()
    block(steps)
    times.append((time.perf_counter() - t0) / steps)
rate = [1 / t for t in times]
print(json.dumps(dict(batch=1, mode="meltingpot commons_harvest__open (RGB obs)", best_env_steps_per_s=max(rate),
                      median_env_steps_per_s=statistics.median(rate), best_agent_steps_per_s=max(rate) * 7,
                      ms_per_batched_step=min(times) * 1e3, peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def run(code: str, python: str = sys.executable) -> dict:
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 64, 1024])
    parser.add_argument("--modes", nargs="+", default=["codes", "onehot"], choices=["codes", "onehot", "codes-compiled", "onehot-compiled"])
    parser.add_argument("--threads", type=int, nargs="+", default=[1],
                        help="torch intra-op threads in the worker (0: torch's default)")
    parser.add_argument("--env-threads", nargs="+", default=["auto"],
                        help="AppleEnv(threads=...): auto (the default), an int, or none (torch's setting)")
    parser.add_argument("--env-steps", type=int, default=20000, help="env-steps per timed block (divided by B)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--meltingpot-python", default=None, help="python of a venv with dm-meltingpot 2.4.1")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    results = []
    env_threads = [None if t.lower() == "none" else t if t == "auto" else int(t) for t in args.env_threads]
    for threads in args.threads:
        for limit in env_threads[:1] if threads == 1 else env_threads:   # one torch thread: no limit changes it
            for batch in args.batch_sizes:
                for mode in args.modes:
                    steps = max(20, args.env_steps // batch)
                    row = run(WORKER.format(threads=threads, env_threads=repr(limit), batch=batch, mode=mode, steps=steps,
                                            repeats=args.repeats))
                    results.append(row)
                    print(json.dumps(row), flush=True)
    if args.meltingpot_python:
        try:
            row = run(MELTINGPOT.format(steps=300, repeats=args.repeats), python=args.meltingpot_python)
        except RuntimeError as exc:
            row = {"mode": "meltingpot", "error": str(exc)[-500:]}
        results.append(row)
        print(json.dumps(row), flush=True)
    meta = {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
            "load_average_at_end": os.getloadavg(), "python": sys.version.split()[0],
            "note": "shared 2-core machine; other processes were running (see load average)"}
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"meta": meta, "results": results}, fh, indent=2)
    print(json.dumps(meta))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
