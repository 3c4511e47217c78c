"""``sedtheory train`` and ``sedtheory evaluate``: two-level PPO on the Apple Picking Game."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Literal

from sedtheory.cli._app import CommandError, command, given_fields, require_extra
from sedtheory.rl.config import PRESETS, TrainConfig, make_config

PresetName = Literal[tuple(PRESETS)]
"""The ``--preset`` choices: the names of :data:`sedtheory.rl.config.PRESETS`."""


def _explicit_overrides(config: TrainConfig) -> dict:
    """Fields given on the command line (from Python: fields that differ from the default)."""
    given = given_fields(config)
    if given is None:
        defaults = TrainConfig()
        given = [f.name for f in dataclasses.fields(TrainConfig) if getattr(config, f.name) != getattr(defaults, f.name)]
    return {name: getattr(config, name) for name in sorted(given)}


def _preset_config(arguments: dict, fields: dict) -> TrainConfig:
    """The ``--preset`` with the fields given on the command line applied (validated together)."""
    return make_config(arguments.get("preset") or "default", **fields)


@command("train", build={"config": _preset_config})
def train(config: TrainConfig, preset: PresetName = "default",
          run_dir: Path | None = None,
          resume: Path | None = None, report: bool = True) -> int:
    """Train players and principal with two-level PPO, then print what was learned.

    The default is a small run (minutes on a laptop CPU); ``--preset paper`` is the paper's
    full scale. Options given explicitly override the preset, even when they repeat a default
    value. ``--preset long_credit`` is the default with γ = 0.999 and GAE λ = 0.99 (players then
    learn to leave apples under a full tax). ``--preset stackelberg`` adds a principal that learns
    among flat taxes of 0, 50 and 100 % with one player network trained per tax, so the players
    answer the tax in force (100 episodes). Ctrl-C or SIGTERM saves the last episode-boundary
    checkpoint; continue with ``--resume RUN`` (which takes no other option but ``--no-progress``).
    A run folder must be new or empty: files the run did not write are never replaced.

    Args:
        preset: named settings to start from (sedtheory.rl.config.PRESETS).
        run_dir: run folder to create, new or empty (default runs/apple-<UTC time>).
        resume: continue the run in this folder from its last checkpoint (no other settings but --no-progress).
        report: after training, evaluate briefly and print what was learned.
    """
    require_extra("torch", "rl", "train")
    from sedtheory.rl import run_folder
    from sedtheory.rl.trainer import Trainer

    if resume is not None:
        changed = (sorted(set(_explicit_overrides(config)) - set(run_folder.DISPLAY_FIELDS))
                   + ["preset"] * (preset != "default") + ["run_dir"] * (run_dir is not None))
        if changed:
            raise CommandError(f"{changed[0]}: a resumed run keeps its own settings; drop the option or start a new run")
        if not resume.is_dir():
            raise CommandError(f"resume: {resume} is not a run folder")
        trainer = Trainer.resume(resume)
        if trainer.update >= trainer.config.num_updates:
            raise CommandError(f"resume: {resume} is finished (all {trainer.config.num_updates} updates done); "
                               f"nothing to continue. Evaluate it with: sedtheory evaluate {resume}")
        display = {name: getattr(config, name) for name in run_folder.DISPLAY_FIELDS
                   if name in _explicit_overrides(config)}
        if display:
            trainer.config = trainer.config.replace(**display)
        folder = resume
    else:
        config = make_config(preset, **_explicit_overrides(config))
        folder = run_dir or Path("runs") / time.strftime("apple-%Y%m%d-%H%M%S", time.gmtime())
        run_folder.check_new_run(folder, config)   # before building anything: refuse early
        trainer = Trainer(config, folder)
    print(f"run folder: {folder}  ({trainer.config.num_updates} updates, "
          f"{trainer.config.total_timesteps * trainer.config.n_players:,} agent-steps)")
    try:
        summary = trainer.train()
    except KeyboardInterrupt as exc:
        cause = "terminated (SIGTERM)" if isinstance(exc, run_folder.Terminated) else "interrupted"
        print(f"\n{cause}: checkpoint at update {trainer.update} "
              f"saved; continue with: sedtheory train --resume {folder}", flush=True)
        return 143 if isinstance(exc, run_folder.Terminated) else 130
    agent_steps = summary["global_step"] * trainer.config.n_players
    print(f"finished {summary['episodes']} episodes ({agent_steps:,} agent-steps) in "
          f"{summary['elapsed_s']:.0f} s; types sigma={_fmt(summary['selfishness'])}, beta={_fmt(summary['trust'])}")
    if report:
        from sedtheory.rl.evaluate import quick_report

        print(quick_report(folder))
    print(f"metrics: {folder / 'metrics.csv'} (TensorBoard: {folder / 'tb'}); evaluate with: sedtheory evaluate {folder}")
    return 0


def _fmt(values) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in values) + ")"


@command("evaluate")
def evaluate(run: Path, seeds: int = 3, num_games: int = 8, seed: int = 10_000,
             grid: tuple[float, ...] = (0.0, 0.5, 1.0), plots: bool = True, gif: bool = True, gaps: bool = False,
             gap_players: tuple[int, ...] = (), br_episodes: int = 4, readapt_episodes: int = 0,
             progress: bool = True) -> int:
    """Evaluate a trained run against baselines, with confidence intervals, plots and a GIF.

    Args:
        run: the run folder written by ``sedtheory train``.
        seeds: engine seeds (batches of episodes) per policy.
        num_games: games (episodes) per seed.
        seed: first evaluation seed.
        grid: rate levels of the fixed-schedule baselines (all non-decreasing combinations).
        plots: write PNG plots.
        gif: write an episode GIF.
        gaps: also estimate the equilibrium gaps (slow: trains best responses).
        gap_players: players to grade for the follower gaps (default all).
        br_episodes: best-response training budget per player, in batches of num_games episodes.
        readapt_episodes: re-adapt the players to each alternative principal for this many batches (0 = frozen).
        progress: show a progress bar (on stderr).
    """
    require_extra("torch", "rl", "evaluate")
    from sedtheory.rl.evaluate import INTERVAL_METHOD, evaluate_run, load_run

    if not run.is_dir():
        raise CommandError(f"run: {run} is not a run folder")
    for name, value in (("seeds", seeds), ("num_games", num_games)):
        if value < 1:
            raise CommandError(f"{name}: must be >= 1, got {value}")
    print(f"evaluating {run}: {load_run(run).describe()}; {seeds} x {num_games} episodes per policy", flush=True)
    result = evaluate_run(run, seeds=seeds, num_games=num_games, seed=seed, grid=tuple(grid), plots=plots, gif=gif,
                          progress=progress)
    print(f"mean [95% interval: {INTERVAL_METHOD}]")
    print(result["table"])
    print("files: " + ", ".join(result["files"]))
    if gaps:
        from sedtheory.rl.checkpoint import save_json
        from sedtheory.rl.gaps import estimate_certificate

        certificate = estimate_certificate(load_run(run), players=list(gap_players) or None, br_episodes=br_episodes,
                                           num_games=num_games, eval_seeds=seeds, seed=seed + 1,
                                           grid=tuple(grid), readapt_episodes=readapt_episodes)
        print(certificate.summary())
        if certificate.delta_intervals is not None:
            for i, (low, high) in enumerate(certificate.delta_intervals, start=1):
                print(f"  follower {i} gap 95% CI: [{low:.3g}, {high:.3g}]")
        print(f"  leader gap 95% CI: [{certificate.epsilon_interval[0]:.3g}, {certificate.epsilon_interval[1]:.3g}]")
        save_json(run / "evaluation" / "certificate.json", certificate.to_dict())
    return 0
