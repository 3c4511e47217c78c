"""How many apples per episode are within reach on the commons map (run by hand).

    python benchmarks/apple_bounds.py                 # bound + heuristics, 4 games each
    python benchmarks/apple_bounds.py --games 8 --out benchmarks/results/apple_bounds.json

Context for issue #6's learning target (players collect >= 3x the apples of uniformly random
play while apples remain). Three reference points, all on the default commons map
(Appendix A: 7 players, 1000 steps, regrowth p = (0, 0.0025, 0.005, 0.025)):

* ``seed_set_bound``: an optimistic bound for "keep a set S of apples alive, eat every other
  apple the moment it regrows" with no walking (players are wherever an apple regrows): the 64
  - |S| initial apples plus 1000 x the summed regrowth rates of the cells outside S,
  maximised over S by local search from random starts. Real play, which must walk, gets less.
* ``threshold_heuristic``: a hand-written policy: each player walks (breadth-first, around
  live apples it may not eat) to the nearest apple with at least ``k`` live apples within the
  regrowth radius, waits when it stands next to none nearer, and steps at random (or
  waits) when no such apple can be reached.
* ``random``: uniformly random actions, the issue's baseline.
"""

from __future__ import annotations

import argparse
import json
from collections import deque
from pathlib import Path

import numpy as np
import torch

from sedtheory.envs.apple import AppleEnv, AppleParams

FAR = 10**6


def seed_set_bound(params: AppleParams, starts: int = 20, seed: int = 0) -> dict:
    """Local-search maximum over seed sets S of ``(A - |S|) + T * sum_{c not in S} p(k_S(c))``."""
    consts = AppleEnv(params, 1, seed=0).consts
    near = consts.neighbours.numpy()[: consts.A, : consts.A]
    probs = np.asarray(params.regrowth_probs, dtype=float)

    def value(keep: np.ndarray) -> float:
        k = np.minimum(near @ keep, len(probs) - 1).astype(int)
        return float((consts.A - keep.sum()) + params.episode_length * (probs[k] * (1 - keep)).sum())

    rng = np.random.default_rng(seed)
    best = (-np.inf, 0)
    for _ in range(starts):
        keep = (rng.random(consts.A) < 0.5).astype(float)
        current, improved = value(keep), True
        while improved:
            improved = False
            for i in rng.permutation(consts.A):
                flipped = keep.copy()
                flipped[i] = 1 - flipped[i]
                if (candidate := value(flipped)) > current + 1e-9:
                    keep, current, improved = flipped, candidate, True
        best = max(best, (current, int(keep.sum())))
    return {"apples": best[0], "seeds_kept": best[1]}


def _distances(consts, walkable: np.ndarray, sources: np.ndarray, blocked: np.ndarray) -> np.ndarray:
    """Breadth-first distance (in steps) from every cell to the nearest source cell."""
    dist = np.full(consts.HW, FAR)
    queue = deque(int(c) for c in sources)
    dist[sources] = 0
    while queue:
        u = queue.popleft()
        for v in (u - 1, u + 1, u - consts.W, u + consts.W):
            if 0 <= v < consts.HW and walkable[v] and not blocked[v] and dist[v] > dist[u] + 1:
                dist[v] = dist[u] + 1
                queue.append(v)
    return dist


def play(params: AppleParams, policy: str, games: int, seed: int, k_min: int = 7) -> dict:
    """Mean apples per episode and apples left at the end, over ``games`` games."""
    env = AppleEnv(params, games, seed=seed)
    env.reset()
    consts = env.consts
    rng = np.random.default_rng(seed)
    walkable = np.array([not consts._blocked(c) for c in range(consts.HW)])
    near = consts.neighbours.numpy()[: consts.A, : consts.A]
    target = consts.act_target.numpy().reshape(consts.HW, 4, -1)
    total = np.zeros(games)
    for _ in range(params.episode_length):
        if policy == "random":
            actions = rng.integers(params.n_actions, size=(games, params.n_players))
        else:
            actions = np.zeros((games, params.n_players), dtype=np.int64)
            live = env.state.live.numpy()[:, : consts.A]
            for b in range(games):
                eligible = live[b] & (live[b].astype(float) @ near >= k_min)
                blocked = np.zeros(consts.HW, dtype=bool)
                blocked[consts.apple_flat_np[live[b] & ~eligible]] = True
                dist = _distances(consts, walkable, consts.apple_flat_np[eligible], blocked)
                for i in range(params.n_players):
                    pos, facing = int(env.state.pos[b, i]), int(env.state.facing[b, i])
                    options = [(FAR + 1 if blocked[target[pos, facing, a]] else dist[target[pos, facing, a]],
                                rng.random(), a) for a in range(1, 5)]
                    d, _, a = min(options)
                    if dist[pos] >= FAR:   # nothing eligible within reach: random step or wait
                        actions[b, i] = rng.integers(5)
                    else:
                        actions[b, i] = a if d < dist[pos] else 0
        out = env.step(torch.as_tensor(actions))
        total += out.apples.numpy().sum(1)
    left = env.live_apples().numpy().astype(float)
    return {"apples": float(total.mean()), "apples_sd": float(total.std(ddof=1)) if games > 1 else 0.0,
            "apples_left": float(left.mean()), "games": games}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", type=int, default=4)
    parser.add_argument("--k", type=int, nargs="+", default=[0, 7])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    params = AppleParams()
    results = {"seed_set_bound": seed_set_bound(params, seed=args.seed),
               "random": play(params, "random", args.games, args.seed)}
    print(f"seed-set bound (no walking): {results['seed_set_bound']['apples']:.0f} apples "
          f"({results['seed_set_bound']['seeds_kept']} apples kept as seeds)")
    print(f"random play: {results['random']['apples']:.1f} apples, {results['random']['apples_left']:.1f} left")
    for k in args.k:
        row = play(params, "threshold", args.games, args.seed, k_min=k)
        results[f"threshold_heuristic_k{k}"] = row
        print(f"threshold heuristic k={k}: {row['apples']:.1f} apples, {row['apples_left']:.1f} left")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
