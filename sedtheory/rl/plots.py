"""PNG plots and an episode GIF for a run (matplotlib with the Agg back end; imageio for GIFs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from sedtheory.rl.episodes import EpisodeSetup, PolicyPlayers, PolicyPrincipal, run_episodes
from sedtheory.rl.logging import read_metrics


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_learning_curves(run_dir: Path, out_dir: Path) -> Path:
    """Apples, minimum apples, O_η, apples left and episodic return against environment steps."""
    plt = _pyplot()
    metrics = read_metrics(run_dir)
    steps = np.asarray(metrics["global_step"])
    names = ("charts/apples", "charts/min_apples", "charts/objective", "charts/apples_left", "charts/episodic_return",
             "charts/gini")
    fig, axes = plt.subplots(2, 3, figsize=(12, 6), constrained_layout=True)
    for ax, name in zip(axes.ravel(), names):
        values = np.asarray(metrics[name])
        keep = ~np.isnan(values)
        ax.plot(steps[keep], values[keep], marker=".")
        ax.set_title(name.split("/")[1])
        ax.set_xlabel("environment steps")
        ax.ticklabel_format(axis="x", style="sci", scilimits=(0, 0))
    path = Path(out_dir) / "learning_curves.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_welfare(rows: list[dict], out_dir: Path) -> Path:
    """O_η and total apples per policy with their confidence intervals."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.4 * len(rows) + 2), constrained_layout=True)
    for ax, metric in zip(axes, ("objective", "total_apples")):
        means = np.array([r[metric][0] for r in rows])
        errors = np.array([[r[metric][0] - r[metric][1], r[metric][2] - r[metric][0]] for r in rows]).T
        ax.barh([r["policy"] for r in rows], means, xerr=np.nan_to_num(errors, posinf=0.0), color="tab:green")
        ax.set_title(metric + " per episode (95% CI)")
        ax.invert_yaxis()
    path = Path(out_dir) / "welfare.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_tax_schedule(run, out_dir: Path, seed: int) -> Path:
    """Left: mean rate per bracket and the cap over training; right: rates in one evaluation episode."""
    plt = _pyplot()
    metrics = read_metrics(out_dir.parent)
    steps = np.asarray(metrics["global_step"])
    fig, axes = plt.subplots(1, 2, figsize=(12, 4), constrained_layout=True)
    nb = run.factory.params.n_brackets
    for b in range(nb):
        values = np.asarray(metrics[f"charts/tax_rate_{b}"])
        keep = ~np.isnan(values)
        axes[0].plot(steps[keep], values[keep], label=f"bracket {b}")
    axes[0].plot(steps, metrics["charts/rate_cap"], "k--", label="rate cap")
    axes[0].set_title("tax rates during training (mean over periods)")
    axes[0].set_xlabel("environment steps")
    axes[0].ticklabel_format(axis="x", style="sci", scilimits=(0, 0))
    axes[0].legend()
    generator = torch.Generator().manual_seed(seed)
    setup = EpisodeSetup.from_run(run)
    trace = run_episodes(setup, PolicyPlayers(run.players, generator), PolicyPrincipal(run.principal, generator),
                         1, seed).rate_trace[:, 0]
    for b in range(nb):
        axes[1].step(np.arange(len(trace)), trace[:, b], where="post", label=f"bracket {b}")
    axes[1].set_title("rates chosen in one evaluation episode")
    axes[1].set_xlabel("tax period")
    axes[1].legend()
    path = Path(out_dir) / "tax_schedule.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def episode_gif(run, out_dir: Path, seed: int, stride: int = 5, max_frames: int = 200) -> Path | None:
    """An evaluation episode of game 0 as a GIF (every ``stride``-th frame from the engine's
    ``render``); ``None`` when imageio is not installed."""
    try:
        import imageio.v2 as imageio
    except ImportError:
        return None
    generator = torch.Generator().manual_seed(seed)
    setup = EpisodeSetup.from_run(run)
    frames = run_episodes(setup, PolicyPlayers(run.players, generator), PolicyPrincipal(run.principal, generator),
                          1, seed, record_frames=True).frames
    frames = [np.asarray(f, dtype=np.uint8) for f in frames[::stride][:max_frames]]
    path = Path(out_dir) / "episode.gif"
    imageio.mimsave(path, frames, duration=0.1)
    return path
