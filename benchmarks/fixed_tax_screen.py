"""Screen: do PPO players on the full commons game harvest differently under a fixed flat tax?
(run by hand; context for issue #6's learning targets)

    python benchmarks/fixed_tax_screen.py --rate 1.0 --episodes 100
    python benchmarks/fixed_tax_screen.py --rate 0.0 --episodes 100 --types selfish --out screen.json
    python benchmarks/fixed_tax_screen.py --rate 0.0 1.0 --episodes 200 --gamma 0.999 --gae-lambda 0.99 \
        --out benchmarks/results/fixed_tax_curves.json        # both arms, learning curves, separation

A fixed principal: every bracket holds ``rate`` from the first update (``TrainConfig.fixed_rates``,
no phase one, no annealing); the players read their window only (the rate is constant),
everything else is the default config. With ``--types selfish`` every player has σ = β = 1, so at rate 1 each player's reward is
the mean of all players' apples of the period (a team reward); with ``--types drawn`` (default)
σ, β ~ U[0, 1] from the seed, as in the paper. After training, the players are played for
``--eval-seeds`` x 16 evaluation episodes at the same rate, next to uniformly random players on
the same engine seeds; means with 95 % t-intervals.

With several rates, the arms are trained one after another with the same seed, so their
training episodes run on the same engine seeds (paired by engine seed). Each arm's learning
curve (per-episode means over the 16 games) is stored, and for the first two rates the
separation episode: the first episode e at which the paired differences of the last ``--window``
episodes (e - window, e] have a 95 % t-interval excluding 0, and stay so to the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from sedtheory.rl.config import make_config
from sedtheory.rl.episodes import FixedTax, RandomPlayers
from sedtheory.rl.evaluate import SUPPORT, confidence_interval, evaluate_policies, load_run
from sedtheory.rl.trainer import Trainer


def screen(rate: float, episodes: int, types: str, eval_seeds: int, seed: int, folder: Path,
           gamma: float = 0.99, gae_lambda: float = 0.95) -> dict:
    """Train under the fixed rate for ``episodes`` x 16 games, then evaluate (see module docstring)."""
    fixed = dict(selfishness=(1.0,) * 7, trust=(1.0,) * 7) if types == "selfish" else {}
    config = make_config("default", fixed_rates=(rate,) * 3, phase_one_fraction=0.0, anneal_fraction=0.0,
                         player_tax_features=False, seed=seed, gamma=gamma, gae_lambda=gae_lambda,
                         total_timesteps=16 * 1000 * episodes, progress=True, checkpoint_every=0,
                         log_tensorboard=False, **fixed)
    start = time.perf_counter()
    trainer = Trainer(config, folder / "run")
    trainer.train()
    minutes = (time.perf_counter() - start) / 60
    run = load_run(folder / "run")
    schedule = FixedTax([rate] * run.factory.params.n_brackets)
    results = evaluate_policies(run, {"trained": schedule}, seeds=eval_seeds, num_games=16, seed=50_000)
    results.update(evaluate_policies(run, {"random": schedule}, seeds=eval_seeds, num_games=16, seed=50_000,
                                     players_by_name={"random": RandomPlayers(run.factory.params.n_actions,
                                                                              torch.Generator().manual_seed(1))}))
    last = trainer.history[-10:]
    curves = {m: [float(h[f"charts/{m}"]) for h in trainer.history] for m in ("apples", "apples_left", "objective")}
    return {"curves": curves, "rate": rate, "types": types, "seed": seed, "gamma": gamma, "gae_lambda": gae_lambda,
            "episodes_per_game": episodes, "train_minutes": minutes, "load": os.getloadavg(),
            "train_last_10_episodes": {"apples": float(np.mean([h["charts/apples"] for h in last])),
                                       "apples_left": float(np.mean([h["charts/apples_left"] for h in last]))},
            "eval": {name: {m: confidence_interval(v[m], support=SUPPORT[m])
                            for m in ("total_apples", "apples_left", "objective")}
                     for name, v in results.items()}}


def separation(a, b, window: int) -> dict:
    """First episode from which the paired differences ``b - a`` over the last ``window`` episodes
    have a 95 % t-interval excluding 0 up to the end (``None`` if never); also every window's interval."""
    diff = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    intervals = [confidence_interval(diff[e - window:e]) for e in range(window, len(diff) + 1)]
    apart = [low > 0 or high < 0 for _, low, high in intervals]
    first = None
    for k in range(len(apart)):
        if all(apart[k:]):
            first = k + window
            break
    return {"window": window, "first_separated_episode": first, "window_intervals": intervals}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, nargs="+", default=[1.0],
                        help="flat rate held in every bracket; several: one arm each, same seed")
    parser.add_argument("--window", type=int, default=10, help="episodes per window of the separation test")
    parser.add_argument("--episodes", type=int, default=100, help="training episodes per game (16 games)")
    parser.add_argument("--types", choices=["drawn", "selfish"], default="drawn")
    parser.add_argument("--eval-seeds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--gamma", type=float, default=0.99, help="the players' discount")
    parser.add_argument("--gae-lambda", type=float, default=0.95, help="the players' GAE lambda")
    parser.add_argument("--out", type=Path, default=None, help="also write the result as JSON")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for rate in args.rate:
        folder = Path(tempfile.mkdtemp(prefix="sed-screen-"))
        try:
            rows.append(screen(rate, args.episodes, args.types, args.eval_seeds, args.seed, folder, args.gamma,
                               args.gae_lambda))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        row = rows[-1]
        print(f"rate {row['rate']}, types {row['types']}, gamma {row['gamma']}, lambda {row['gae_lambda']}: "
              f"trained {row['train_minutes']:.1f} min")
        for name, metrics in row["eval"].items():
            print(f"  {name:<8} " + "  ".join(f"{m} {v[0]:.1f} [{v[1]:.1f}, {v[2]:.1f}]" for m, v in metrics.items()))
    out: dict = {"arms": rows}
    if len(rows) >= 2:
        out["separation"] = {m: separation(rows[0]["curves"][m], rows[1]["curves"][m], args.window)
                             for m in ("apples", "objective")}
        for m, sep in out["separation"].items():
            print(f"{m}: rate {rows[1]['rate']} vs {rows[0]['rate']} separated from episode "
                  f"{sep['first_separated_episode']} (paired windows of {args.window} episodes)")
    if args.out:
        args.out.write_text(json.dumps(out if len(rows) > 1 else rows[0], indent=2, default=float))


if __name__ == "__main__":
    main()
