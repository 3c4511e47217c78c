"""Benchmark: exact evaluation and best response against the number of states.

Fully observed random Markov games, 2 agents with 2 actions each, sparse transitions
(``--successors`` random successor states per (state, joint action) row), γ = 0.95.
For each size the script reports the median wall time (over ``--repeats`` runs) of:

* ``build``    — constructing and validating the :class:`~sedtheory.games.markov.POMG`;
* ``evaluate`` — :func:`~sedtheory.evaluation.markov_evaluation.evaluate` of a random stochastic
  profile (dense LU up to 200 states, BiCGSTAB with a checked residual beyond);
* ``best_response`` — :func:`~sedtheory.evaluation.markov_best_response.best_response` of agent 0
  (policy iteration on the induced MDP, each step an exact linear solve);

the certified error bound ``‖(I - γP)V - r‖_∞ / (1 - γ)`` of the evaluation, and the checked
bound on the best response's distance to the optimum (``details["suboptimality_bound"]``).

A second table (``--po-observations``) times the partially observed best response
(branch-and-bound over the ``2^O`` deterministic reactive policies, 50 states, 2 agents with 2
actions, random state-only observation kernels) and reports the nodes it visited.

Target (issue #3): exact evaluation of a 10^4-state game under 1 s on this machine.

BLAS threads: the Krylov solvers do many small vector operations; on a shared 2-core machine
a multi-threaded OpenBLAS spends most of its time waiting for its threads (measured: 10x
slower at 10^5 states). The script therefore pins BLAS to one thread unless
``SEDTHEORY_BENCH_BLAS_THREADS`` says otherwise; it must be set before numpy is imported.

Usage: ``python benchmarks/markov.py [--sizes 100 1000 10000 100000] [--repeats 3]``
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, os.environ.get("SEDTHEORY_BENCH_BLAS_THREADS", "1"))

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

from sedtheory.games.markov import POMG  # noqa: E402
from sedtheory.evaluation.markov_best_response import best_response  # noqa: E402
from sedtheory.evaluation.markov_evaluation import evaluate, markov_reward_process, solve_discounted  # noqa: E402


def random_game(n_states: int, successors: int, rng: np.random.Generator, gamma: float) -> POMG:
    """A fully observed 2x2-action game with ``successors`` random next states per row."""
    rows = np.repeat(np.arange(n_states * 4), successors)
    cols = rng.integers(0, n_states, size=rows.size)
    data = rng.dirichlet(np.ones(successors), size=n_states * 4).ravel()
    transitions = sp.csr_array((data, (rows, cols)), shape=(n_states * 4, n_states))
    rewards = rng.normal(size=(n_states, 2, 2, 2))
    return POMG(transitions, rewards, gamma=gamma, initial_distribution=np.full(n_states, 1.0 / n_states))


def timed(func, repeats: int):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def error_bound(game: POMG, profile) -> float:
    _, chain, reward = markov_reward_process(game, profile)
    values = solve_discounted(chain, reward, game.gamma)
    residual = values - game.gamma * (chain @ values) - reward
    return float(np.abs(residual).max() / (1 - game.gamma))


def random_po_game(n_states: int, n_obs: int, rng: np.random.Generator, gamma: float) -> POMG:
    """A random 2x2-action game with state-only observation kernels of ``n_obs`` observations."""
    full = random_game(n_states, 3, rng, gamma)
    kernels = [rng.dirichlet(np.full(n_obs, 0.3), size=n_states) for _ in range(2)]
    return POMG(full.transitions, full.rewards, kernels, gamma=gamma, initial_distribution=full.initial_distribution)


def po_table(observations, rng, gamma: float, repeats: int) -> None:
    print(f"\n{'obs':>4} {'policies':>9} {'best_resp s':>12} {'nodes':>7} {'leaves':>7}")
    for n_obs in observations:
        game = random_po_game(50, n_obs, rng, gamma)
        profile = [rng.dirichlet(np.ones(2), size=n_obs) for _ in range(2)]
        seconds, response = timed(lambda: best_response(game, profile, 0), repeats)
        d = response.details
        print(f"{n_obs:>4} {d['policies']:>9} {seconds:>12.3f} {d['nodes']:>7} {d['leaves']:>7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--successors", type=int, default=3)
    parser.add_argument("--gamma", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--po-observations", type=int, nargs="*", default=[4, 8, 12])
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"# {platform.processor() or platform.machine()}, python {platform.python_version()}, "
          f"γ={args.gamma}, {args.successors} successors/row, median of {args.repeats}, "
          f"BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}, load average {os.getloadavg()[0]:.1f}")
    print(f"{'states':>8} {'build s':>9} {'evaluate s':>11} {'best_resp s':>12} {'PI steps':>9} {'error bound':>12} "
          f"{'BR bound':>9}")
    for n in args.sizes:
        build, game = timed(lambda: random_game(n, args.successors, rng, args.gamma), args.repeats)
        profile = [rng.dirichlet(np.ones(2), size=n) for _ in range(2)]
        t_eval, _ = timed(lambda: evaluate(game, profile), args.repeats)
        t_br, response = timed(lambda: best_response(game, profile, 0), args.repeats)
        steps = response.details.get("iterations", "-")
        print(f"{n:>8} {build:>9.3f} {t_eval:>11.3f} {t_br:>12.3f} {steps!s:>9} {error_bound(game, profile):>12.2e} "
              f"{response.details['suboptimality_bound']:>9.1e}")
    if args.po_observations:
        po_table(args.po_observations, rng, args.gamma, args.repeats)


if __name__ == "__main__":
    main()
