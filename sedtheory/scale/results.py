"""A sweep's results: one row per trial, one per setting (intervals across seeds), CSV and plots.

A trial's figure for a metric is the mean over its last ``last_episodes`` training episodes
(from ``metrics.csv``: the same episodes ``sedtheory train`` logs). A setting's figure is the
mean of its trials' figures over the seeds, with a two-sided 95 % Student-t interval across
seeds (:func:`sedtheory.rl.evaluate.confidence_interval`; ±inf with a single seed: no interval
can be claimed from one run). Plots draw with matplotlib's current back end (the command line
selects Agg).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from sedtheory.rl.run_folder import is_finished
from sedtheory.scale.spec import TRIALS_DIR, SweepSpec, Trial, _jsonable

METRICS = ("apples", "min_apples", "objective", "gini", "apples_left", "tax_collected", "episodic_return")
"""Episode metrics of ``metrics.csv`` (``charts/<name>``) reported per trial and setting."""


def trial_metrics(run_dir: Path, last_episodes: int) -> dict | None:
    """Means of :data:`METRICS` over the last ``last_episodes`` logged episodes of a run folder,
    with ``episodes`` (how many were logged); None when it has logged no episode."""
    curves = episode_curves(run_dir)
    if curves is None:
        return None
    tail = {name: values[-last_episodes:] for name, values in curves.items()}
    return {"episodes": len(curves["objective"]), **{name: float(np.mean(v)) for name, v in tail.items()}}


def episode_curves(run_dir: Path) -> dict[str, np.ndarray] | None:
    """``{metric: (episodes,)}`` per logged training episode, or None without any."""
    from sedtheory.rl.logging import read_metrics

    if not (Path(run_dir) / "metrics.csv").exists():
        return None
    columns = read_metrics(run_dir)
    objective = np.asarray(columns.get("charts/objective", []), dtype=float)
    rows = ~np.isnan(objective)
    if not rows.any():
        return None
    return {name: np.asarray(columns[f"charts/{name}"], dtype=float)[rows] for name in METRICS}


def aggregate(trials: list[Trial], sweep_dir: Path, spec: SweepSpec) -> tuple[list[dict], list[dict], str]:
    """Per-trial rows, per-setting rows and the printed table."""
    from sedtheory.rl.evaluate import confidence_interval

    trial_rows, groups = [], {}
    for trial in trials:
        run_dir = Path(sweep_dir) / TRIALS_DIR / trial.name
        values = trial_metrics(run_dir, spec.last_episodes)
        row = {"trial": trial.name, **{k: _cell(v) for k, v in trial.settings.items()},
               "finished": is_finished(run_dir), "episodes": 0 if values is None else values["episodes"]}
        row.update({m: (math.nan if values is None else values[m]) for m in METRICS})
        trial_rows.append(row)
        groups.setdefault(trial.group, []).append(row)
    group_rows = []
    for group, rows in groups.items():
        done = [r for r in rows if r["finished"]]
        out = {**{k: _cell(v) for k, v in group}, "seeds": len(done), "of_seeds": len(rows)}
        for metric in METRICS:
            if done:
                mean, low, high = confidence_interval([r[metric] for r in done])
            else:
                mean, low, high = math.nan, math.nan, math.nan
            out.update({f"{metric}_mean": mean, f"{metric}_low": low, f"{metric}_high": high})
        group_rows.append(out)
    return trial_rows, group_rows, format_table(group_rows, spec)


def _cell(value):
    value = _jsonable(value)
    return "/".join(str(v) for v in value) if isinstance(value, list) else value


def format_table(group_rows: list[dict], spec: SweepSpec,
                 metrics: tuple[str, ...] = ("apples", "min_apples", "objective", "gini", "apples_left")) -> str:
    """Plain-text table: one line per setting, ``mean [low, high]`` per metric (finished trials only)."""
    keys = list(spec.varied)
    widths = [max(len(k), *(len(str(r[k])) for r in group_rows)) for k in keys] if group_rows else []
    header = ("  ".join(k.ljust(w) for k, w in zip(keys, widths)) + f"{'seeds':>7}"
              + "".join(f"{m:>24}" for m in metrics))
    lines = [f"mean over the last {spec.last_episodes} (or fewer) training episodes of each trial; "
             f"mean [95% t-interval] across seeds", header]
    for row in group_rows:
        cells = []
        for m in metrics:
            mean, low, high = row[f"{m}_mean"], row[f"{m}_low"], row[f"{m}_high"]
            if math.isnan(mean):
                cells.append("n/a")
            elif math.isfinite(low):
                cells.append(f"{mean:.2f} [{low:.2f}, {high:.2f}]")
            else:
                cells.append(f"{mean:.2f} [one seed]")
        lead = "  ".join(str(row[k]).ljust(w) for k, w in zip(keys, widths))
        lines.append(lead + f"{row['seeds']:>4}/{row['of_seeds']:<2}" + "".join(f"{c:>24}" for c in cells))
    return "\n".join(lines)


def write_csv(path: Path, rows: list[dict]) -> Path:
    """Write dictionaries with the same keys as CSV (header from the first row)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as stream:
        if rows:
            writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return path


def write_results(result, sweep_dir: Path, spec: SweepSpec, *, plots: bool = True) -> list[str]:
    """``results.csv``, ``trials.csv``, ``results.txt`` and (``plots``) PNGs under ``plots/``."""
    sweep_dir = Path(sweep_dir)
    files = [write_csv(sweep_dir / "results.csv", result.group_rows),
             write_csv(sweep_dir / "trials.csv", result.trial_rows)]
    (sweep_dir / "results.txt").write_text(result.table + "\n")
    files.append(sweep_dir / "results.txt")
    if plots:
        files += plot_sweep(result.trials, sweep_dir, spec)
    return [str(f) for f in files]


def _label(group: tuple) -> str:
    return ", ".join(f"{k}={_cell(v)}" for k, v in group) or "all"


def plot_sweep(trials: list[Trial], sweep_dir: Path, spec: SweepSpec) -> list[Path]:
    """Two PNGs: ``plots/curves.png`` (O_η and apples per training episode, mean across seeds with
    a 95 % t-band) and ``plots/final.png`` (each setting's final figures with their intervals)."""
    import matplotlib.pyplot as plt
    from scipy import stats


    out_dir = Path(sweep_dir) / "plots"
    out_dir.mkdir(parents=True, exist_ok=True)
    groups: dict[tuple, list[dict]] = {}
    for trial in trials:
        curves = episode_curves(Path(sweep_dir) / TRIALS_DIR / trial.name)
        if curves is not None:
            groups.setdefault(trial.group, []).append(curves)
    shown = ("objective", "apples", "apples_left")
    fig, axes = plt.subplots(1, len(shown), figsize=(5 * len(shown), 4), constrained_layout=True)
    finals = []
    for group, curves in groups.items():
        length = min(len(c["objective"]) for c in curves)
        for ax, metric in zip(axes, shown):
            data = np.stack([c[metric][:length] for c in curves])          # (seeds, episodes)
            mean = data.mean(0)
            x = np.arange(1, length + 1)
            line, = ax.plot(x, mean, label=_label(group))
            if len(curves) > 1:
                half = stats.t.ppf(0.975, len(curves) - 1) * data.std(0, ddof=1) / np.sqrt(len(curves))
                ax.fill_between(x, mean - half, mean + half, color=line.get_color(), alpha=0.2)
        finals.append((group, np.stack([c["objective"][-spec.last_episodes:].mean() for c in curves])))
    for ax, metric in zip(axes, shown):
        ax.set_title(f"{metric} per training episode")
        ax.set_xlabel("episode")
    axes[0].legend(fontsize=7)
    curves_path = out_dir / "curves.png"
    fig.savefig(curves_path, dpi=90)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 0.45 * max(len(finals), 1) + 1.5), constrained_layout=True)
    for k, (group, values) in enumerate(finals):
        mean = values.mean()
        half = (stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
                if len(values) > 1 else 0.0)
        ax.errorbar([mean], [k], xerr=[[half], [half]], fmt="o", capsize=4)
        ax.scatter(values, [k] * len(values), s=10, color="grey", zorder=3)
    ax.set_yticks(range(len(finals)), [_label(g) for g, _ in finals], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(f"O_eta, mean of the last {spec.last_episodes} training episodes (dots: seeds; bars: 95% t-interval)")
    final_path = out_dir / "final.png"
    fig.savefig(final_path, dpi=90)
    plt.close(fig)
    return [curves_path, final_path]
