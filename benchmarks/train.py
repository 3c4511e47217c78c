"""End-to-end training throughput and learning quality per wall-clock minute (run by hand).

    python benchmarks/train.py                 # throughput of the default config + a 5-minute learning run
    python benchmarks/train.py --minutes 30    # the issue's 30-minute learning check
    python benchmarks/train.py --skip-learning --networks embed mlp conv

Throughput counts agent-steps (environment steps x players) per second of wall clock,
including rollouts, GAE, the players' and the principal's PPO updates, logging and
checkpoints (phase two, so the principal is trained too). It also times the engine alone
with random actions and the player update alone, to show where the time goes. Learning
quality: train the default config for a wall-clock budget, then play evaluation episodes
with the trained players (and principal) and with uniformly random players on the same seeds.

For scale (issue #6): Melting Pot's environment alone runs about 20,600 agent-steps/s and a
CleanRL-style conv PPO update on 11x11 observations about 6,900 samples/s, so the paper's
stack is bounded near 5,000 agent-steps/s. Figures depend on the machine and on what else
runs on it: report the load average printed with them.
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
from sedtheory.rl.evaluate import confidence_interval, evaluate_policies, load_run
from sedtheory.rl.episodes import FixedTax, PolicyPrincipal, RandomPlayers
from sedtheory.rl.trainer import Trainer


def _load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def engine_only(num_games: int, steps: int = 400) -> float:
    """Agent-steps/s of the engine alone (random actions, codes only)."""
    from sedtheory.envs.apple import AppleEnv, AppleParams

    params = AppleParams()
    env = AppleEnv(params, num_games, seed=0)
    env.reset()
    generator = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for _ in range(steps):
        out = env.step(torch.randint(params.n_actions, (num_games, params.n_players), generator=generator))
        _ = out.obs_codes, out.principal_obs if env.t % params.tax_period == 0 else None
    return steps * num_games * params.n_players / (time.perf_counter() - start)


def throughput(network: str, num_games: int, episodes: int, folder: Path) -> dict:
    """End-to-end agent-steps/s over ``episodes`` episodes in phase two (principal trained too)."""
    config = make_config("default", network=network, num_games=num_games, progress=False,
                         total_timesteps=num_games * 1000 * episodes, phase_one_fraction=0.0, anneal_fraction=0.0)
    trainer = Trainer(config, folder / f"tp-{network}")
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    return {"network": network, "num_games": num_games, "agent_steps": trainer.global_step * config.n_players,
            "seconds": seconds, "agent_steps_per_s": trainer.global_step * config.n_players / seconds}


def learning(minutes: float, num_games: int, folder: Path, eval_games: int, eval_seeds: int,
             agent_steps_per_s: float, overrides: dict | None = None) -> dict:
    """Train the default config for about ``minutes`` of wall clock (episodes sized from the
    measured throughput), then compare with random play on the same evaluation seeds."""
    steps_per_s = agent_steps_per_s / 7
    episodes = max(2, int(minutes * 60 * steps_per_s / (num_games * 1000)))
    config = make_config("default", num_games=num_games, total_timesteps=episodes * num_games * 1000, progress=True,
                         **(overrides or {}))
    run_dir = folder / "learning"
    start = time.perf_counter()
    trainer = Trainer(config, run_dir)
    # the machine is shared: stop at an episode boundary once 1.25 x the budget has passed
    while trainer.update < config.num_updates and time.perf_counter() - start < 1.25 * minutes * 60:
        trainer.train(max_updates=trainer.update + 1)
    train_s = time.perf_counter() - start
    run = load_run(run_dir)
    nb = run.factory.params.n_brackets
    generator = torch.Generator().manual_seed(1)
    results = evaluate_policies(run, {"trained + principal": PolicyPrincipal(run.principal, generator),
                                      "trained, no tax": FixedTax([0.0] * nb)},
                                seeds=eval_seeds, num_games=eval_games, seed=50_000)
    results.update(evaluate_policies(run, {"random": FixedTax([0.0] * nb)}, seeds=eval_seeds, num_games=eval_games,
                                     seed=50_000, players_by_name={"random": RandomPlayers(run.factory.params.n_actions,
                                                                                          generator)}))
    summary = {name: {m: confidence_interval(v[m]) for m in ("total_apples", "apples_left", "objective", "min_apples",
                                                             "tax_collected")}
               for name, v in results.items()}
    rates = results["trained + principal"]["tax_rates"]   # (episodes, n_brackets), mean over each episode's periods
    ratio = results["trained + principal"]["total_apples"] / results["random"]["total_apples"].mean()
    return {"overrides": overrides or {}, "train_seconds": train_s, "episodes": trainer.episode, "planned_episodes": episodes,
            "updates": trainer.update, "planned_updates": config.num_updates, "num_games": num_games,
            "agent_steps": trainer.global_step * 7, "eval_episodes": eval_seeds * eval_games,
            "metrics": summary, "apples_ratio_vs_random": confidence_interval(ratio),
            "principal_mean_rates": np.asarray(rates).mean(0).tolist(),
            "objective_gain_vs_no_tax": confidence_interval(results["trained + principal"]["objective"]
                                                            - results["trained, no tax"]["objective"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--num-games", type=int, default=16)
    parser.add_argument("--episodes", type=int, default=2, help="episodes per throughput measurement")
    parser.add_argument("--networks", nargs="+", default=["embed"], choices=["embed", "mlp", "conv"])
    parser.add_argument("--minutes", type=float, default=5.0, help="wall-clock budget of the learning run")
    parser.add_argument("--eval-games", type=int, default=16)
    parser.add_argument("--eval-seeds", type=int, default=2)
    parser.add_argument("--skip-learning", action="store_true")
    parser.add_argument("--gamma", type=float, default=None, help="learning run: the discount (default: the config's)")
    parser.add_argument("--gae-lambda", type=float, default=None, help="learning run: GAE lambda (default: the config's)")
    parser.add_argument("--principal-learning-rate", type=float, default=None,
                        help="learning run: the principal's Adam learning rate (default: the config's)")
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON")
    args = parser.parse_args()
    torch.set_num_threads(1)
    folder = Path(tempfile.mkdtemp(prefix="sed-bench-"))
    results = {"machine": {"cpus": os.cpu_count(), "torch": torch.__version__, "start": _load()}}
    try:
        results["engine_only"] = {"num_games": args.num_games, "agent_steps_per_s": engine_only(args.num_games)}
        print(f"engine alone, {args.num_games} games: {results['engine_only']['agent_steps_per_s']:,.0f} agent-steps/s")
        results["throughput"] = []
        for network in args.networks:
            row = throughput(network, args.num_games, args.episodes, folder)
            results["throughput"].append(row)
            print(f"end to end, network={network}, {args.num_games} games: {row['agent_steps_per_s']:,.0f} agent-steps/s "
                  f"({row['agent_steps']:,} agent-steps in {row['seconds']:.1f} s)  [{_load()}]")
        if not args.skip_learning:
            embed = [r for r in results["throughput"] if r["network"] == "embed"]
            rate = embed[0]["agent_steps_per_s"] if embed else throughput("embed", args.num_games, 1, folder)[
                "agent_steps_per_s"]
            overrides = {k: v for k, v in (("gamma", args.gamma), ("gae_lambda", args.gae_lambda),
                                           ("principal_learning_rate", args.principal_learning_rate)) if v is not None}
            row = learning(args.minutes, args.num_games, folder, args.eval_games, args.eval_seeds, rate, overrides)
            results["learning"] = row
            print(f"learning: {row['episodes']} of {row['planned_episodes']} planned episodes x {row['num_games']} games "
                  f"in {row['train_seconds'] / 60:.1f} min  [{_load()}]")
            for name, metrics in row["metrics"].items():
                cells = "  ".join(f"{m} {v[0]:.1f} [{v[1]:.1f}, {v[2]:.1f}]" for m, v in metrics.items())
                print(f"  {name:<20} {cells}")
            mean, low, high = row["apples_ratio_vs_random"]
            print(f"  apples per episode vs random play: {mean:.2f}x [{low:.2f}, {high:.2f}] "
                  f"({row['eval_episodes']} episodes, 95% CI)")
            mean, low, high = row["objective_gain_vs_no_tax"]
            print(f"  trained principal's O_eta minus no tax (paired by episode): {mean:.2f} [{low:.2f}, {high:.2f}]; "
                  f"its mean rates {np.round(row['principal_mean_rates'], 2).tolist()}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    results["machine"]["end"] = _load()
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, default=lambda x: np.asarray(x).tolist()))


if __name__ == "__main__":
    main()
