"""PNG plots and an episode GIF for a run (matplotlib figures drawn off screen; imageio for GIFs).

The figures are built with matplotlib's object interface on an Agg canvas of their own, never
through ``pyplot``: plotting a run leaves the caller's back end and open figures alone (a
notebook keeps showing its own figures inline).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from sedtheory.rl.episodes import EpisodeSetup, PolicyPlayers, PolicyPrincipal, run_episodes
from sedtheory.rl.logging import read_metrics


def _figure(figsize: tuple[float, float], nrows: int = 1, ncols: int = 1):
    """A figure on its own Agg canvas and its axes (``plt.subplots`` without pyplot's global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, constrained_layout=True)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, squeeze=False)


def plot_learning_curves(run_dir: Path, out_dir: Path) -> Path:
    """Apples, minimum apples, O_η, apples left and episodic return against environment steps."""
    metrics = read_metrics(run_dir)
    steps = np.asarray(metrics["global_step"])
    names = ("charts/apples", "charts/min_apples", "charts/objective", "charts/apples_left", "charts/episodic_return",
             "charts/gini")
    fig, axes = _figure((12, 6), 2, 3)
    for ax, name in zip(axes.ravel(), names):
        values = np.asarray(metrics[name])
        keep = ~np.isnan(values)
        ax.plot(steps[keep], values[keep], marker=".")
        ax.set_title(name.split("/")[1])
        ax.set_xlabel("environment steps")
        ax.ticklabel_format(axis="x", style="sci", scilimits=(0, 0))
    path = Path(out_dir) / "learning_curves.png"
    fig.savefig(path, dpi=90)
    return path


def plot_welfare(rows: list[dict], out_dir: Path) -> Path:
    """O_η and total apples per policy with their confidence intervals."""
    fig, axes = _figure((12, 0.4 * len(rows) + 2), 1, 2)
    for ax, metric in zip(axes[0], ("objective", "total_apples")):
        means = np.array([r[metric][0] for r in rows])
        errors = np.array([[r[metric][0] - r[metric][1], r[metric][2] - r[metric][0]] for r in rows]).T
        ax.barh([r["policy"] for r in rows], means, xerr=np.nan_to_num(errors, posinf=0.0), color="tab:green")
        ax.set_title(metric + " per episode (95% CI)")
        ax.invert_yaxis()
    path = Path(out_dir) / "welfare.png"
    fig.savefig(path, dpi=90)
    return path


def plot_tax_schedule(run, out_dir: Path, seed: int) -> Path:
    """Left: mean rate per bracket and the cap over training; right: rates in one evaluation episode."""
    metrics = read_metrics(out_dir.parent)
    steps = np.asarray(metrics["global_step"])
    fig, axes = _figure((12, 4), 1, 2)
    axes = axes[0]
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
    return path


def episode_gif(run, out_dir: Path, seed: int, stride: int = 5, max_frames: int = 200, scale: int = 3,
                fps: int = 10) -> Path | None:
    """An evaluation episode of game 0 as a GIF: every ``stride``-th frame (and the last) of the
    full map, enlarged ``scale`` times, under a scoreboard (step, tax rates in force, each
    player's apples: :func:`sedtheory.envs.apple.render.scoreboard`); ``None`` when imageio is
    not installed."""
    try:
        import imageio  # noqa: F401
    except ImportError:
        return None
    from sedtheory.envs.apple.render import scoreboard
    from sedtheory.envs.apple.video import save_video

    generator = torch.Generator().manual_seed(seed)
    setup = EpisodeSetup.from_run(run)
    ep = setup.episode(1, seed)
    length = ep.params.episode_length
    frames = []

    def record(episode, out=None) -> None:
        env = episode.env
        if env.t % stride and env.t != length:
            return
        frames.append(scoreboard(env.render(0), step=env.t, episode_length=length,
                                 apples=env.episode_apples[0].cpu().numpy(), rates=env.tax_rates[0].cpu().numpy(),
                                 scale=scale))

    record(ep)
    ep.play(PolicyPlayers(run.players, generator), PolicyPrincipal(run.principal, generator), after_step=record)
    if len(frames) > max_frames:   # keep the last frame: the episode's final score
        frames = frames[: max_frames - 1] + frames[-1:]
    return save_video(Path(out_dir) / "episode.gif", frames, fps, field="gif")
