"""Figures and a table of the SED demonstration from its stored results.

Reads the results JSON written by ``analysis/sed_demonstration.py --collect`` (default
``benchmarks/results/sed_demonstration.json``: per electorate η, the chosen schedule, every
candidate's report-seed metrics with 95 % intervals, the paired chosen − no-tax differences and
the certificate) and draws:

* ``sed_demonstration_objective.png``: O_η of every candidate trained to the full budget, per
  electorate (mean and 95 % interval on the report seeds), the chosen one and no tax marked;
* ``sed_demonstration_versus_no_tax.png``: chosen minus no tax, paired, for O_η, apples, min
  apples, Gini and apples left, per electorate (mean and 95 % interval);
* ``sed_demonstration_outcomes.png``: apples against min apples of every candidate, per
  electorate;
* ``sed_demonstration_reweighted.png``: per electorate's trained players, the mean O_η′ of every
  schedule for every weight η′ in [0, 1] (O_η′ = η′·apples + (1 − η′)·min apples is linear in the
  per-episode values, so its mean follows from the stored means; point estimates, no intervals),
  minus no tax's:
  which schedule the same players' outcomes would favour had the vote given another η;

and ``sed_demonstration_table.md``, the per-electorate table of the report (with the designs'
per-episode values, also the chosen schedule against the runner-up and against the other
electorates' choices, paired within each electorate's players). With
``--replicates PATH …`` (results of the same electorates under other training seeds, ``--seed``
of the driver) it also draws ``sed_demonstration_replicates.png``: per electorate and seed, the
chosen schedule and its paired O_η gain over no tax. Nothing is trained
or evaluated here. O_η is weighted by each electorate's own η, so its values are comparable
within an electorate, not across electorates; apples, min apples, Gini and apples left are in
the same units everywhere, but the three electorates' players are different training runs (no
pairing across electorates).

Usage: ``python analysis/plot_sed_demonstration.py --out DIR [--results PATH] [--replicates PATH …]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RESULTS = ROOT / "benchmarks" / "results" / "sed_demonstration.json"
METRICS = ("objective", "total_apples", "min_apples", "gini", "apples_left")
LABELS = {"objective": "O_η", "total_apples": "apples", "min_apples": "min apples", "gini": "Gini",
          "apples_left": "apples left"}
COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple")


def load(path: Path | str = DEFAULT_RESULTS) -> dict:
    return json.loads(Path(path).read_text())


def rates_label(rates) -> str:
    return "[" + ", ".join(f"{r:g}" for r in rates) + "]"


def _electorates(results: dict) -> list[tuple[str, dict]]:
    return sorted(results["electorates"].items(), key=lambda kv: kv[1]["eta"])


def _no_tax(schedules: dict) -> str:
    return next(name for name, row in schedules.items() if not any(row["rates"]))


def _ordered(schedules: dict) -> list[tuple[str, dict]]:
    """Flat schedules by rate, then the bracket combinations."""
    return sorted(schedules.items(), key=lambda kv: (len(set(kv[1]["rates"])) > 1, kv[1]["rates"]))


def _chosen(entry: dict) -> str:
    return next(name for name, row in entry["schedules"].items() if "chosen" in row["roles"])


def plot_objective(results: dict):
    """One panel per electorate: O_η [95 % interval] of each schedule trained to the full budget."""
    electorates = _electorates(results)
    fig, axes = plt.subplots(1, len(electorates), figsize=(4.2 * len(electorates), 3.6), squeeze=False)
    for ax, (name, entry) in zip(axes[0], electorates):
        rows = _ordered(entry["schedules"])
        chosen, zero = _chosen(entry), _no_tax(entry["schedules"])
        for k, (sname, row) in enumerate(rows):
            mean, low, high = row["objective"]
            colour = "tab:red" if sname == chosen else ("tab:gray" if sname == zero else "tab:blue")
            ax.errorbar(k, mean, yerr=[[mean - low], [high - mean]], fmt="o", color=colour, capsize=3)
        ax.set_xticks(range(len(rows)), [rates_label(r["rates"]) for _, r in rows], rotation=60, fontsize=7)
        ax.set_title(f"{name}: η = {entry['eta']:.2f}; chosen {rates_label(entry['chosen'])}", fontsize=9)
        ax.set_ylabel("O_η (report seeds)")
        ax.grid(alpha=0.3)
    fig.suptitle("O_η per fixed schedule\n(red: chosen, grey: no tax; 95% t-intervals)", fontsize=9)
    fig.tight_layout()
    return fig


def plot_versus_no_tax(results: dict):
    """One panel per metric: chosen − no tax, paired, per electorate."""
    electorates = _electorates(results)
    fig, axes = plt.subplots(1, len(METRICS), figsize=(3.0 * len(METRICS), 3.2))
    for ax, metric in zip(axes, METRICS):
        for k, (name, entry) in enumerate(electorates):
            mean, low, high = entry["versus_no_tax"][metric]
            ax.errorbar(k, mean, yerr=[[mean - low], [high - mean]], fmt="o", capsize=3,
                        color=COLOURS[k % len(COLOURS)])
        ax.axhline(0.0, color="black", lw=0.8)
        ax.set_xticks(range(len(electorates)), [f"η={e['eta']:.1f}\n{rates_label(e['chosen'])}"
                                                for _, e in electorates], fontsize=7)
        ax.set_title(LABELS[metric], fontsize=9)
        ax.grid(alpha=0.3)
    fig.suptitle("chosen schedule minus no tax, paired (same engine seeds and games), 95% t-intervals", fontsize=10)
    fig.tight_layout()
    return fig


def plot_outcomes(results: dict):
    """Apples against min apples for every schedule, one colour per electorate (chosen: star)."""
    fig, ax = plt.subplots(figsize=(5.2, 4.0))
    for k, (name, entry) in enumerate(_electorates(results)):
        chosen, colour = _chosen(entry), COLOURS[k % len(COLOURS)]
        for sname, row in _ordered(entry["schedules"]):
            x, y = row["total_apples"][0], row["min_apples"][0]
            ax.errorbar(x, y, xerr=[[x - row["total_apples"][1]], [row["total_apples"][2] - x]],
                        yerr=[[y - row["min_apples"][1]], [row["min_apples"][2] - y]], color=colour, alpha=0.5,
                        fmt="*" if sname == chosen else "o", ms=12 if sname == chosen else 4, capsize=2,
                        label=f"η = {entry['eta']:.1f}" if sname == chosen else None)
            if not any(row["rates"]) or sname == chosen:
                ax.annotate(rates_label(row["rates"]), (x, y), fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("apples per episode (all players)")
    ax.set_ylabel("min apples (poorest player)")
    ax.set_title("outcome of each fixed schedule (star: chosen)", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_reweighted(results: dict):
    """One panel per electorate's players: mean O_η′ of each schedule minus no tax's, against η′ (point estimates)."""
    electorates = _electorates(results)
    weights = np.linspace(0.0, 1.0, 101)
    fig, axes = plt.subplots(1, len(electorates), figsize=(4.2 * len(electorates), 3.6), squeeze=False)
    for ax, (name, entry) in zip(axes[0], electorates):
        chosen, zero = _chosen(entry), entry["schedules"][_no_tax(entry["schedules"])]
        base = weights * zero["total_apples"][0] + (1 - weights) * zero["min_apples"][0]
        for k, (sname, row) in enumerate(_ordered(entry["schedules"])):
            values = weights * row["total_apples"][0] + (1 - weights) * row["min_apples"][0] - base
            ax.plot(weights, values, lw=2.2 if sname == chosen else 1.0, color=plt.cm.tab10(k % 10),
                    label=rates_label(row["rates"]) + (" (chosen)" if sname == chosen else ""))
        ax.axvline(entry["eta"], color="black", ls="--", lw=0.8)
        ax.set_xlabel("weight η′ of total apples in O_η′")
        ax.set_ylabel("mean O_η′ minus no tax's (report seeds)")
        ax.set_title(f"players of {name} (voted η = {entry['eta']:.2f}, dashed)", fontsize=9)
        ax.legend(fontsize=6)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_replicates(runs: list[dict]):
    """Per electorate, one point per training seed: chosen − no tax in O_η (paired), labelled with the chosen schedule."""
    names = [name for name, _ in _electorates(runs[0])]
    fig, ax = plt.subplots(figsize=(6.0, 3.8))
    width = 0.6 / max(1, len(runs) - 1) if len(runs) > 1 else 0.0
    for k, results in enumerate(runs):
        for j, name in enumerate(names):
            entry = results["electorates"].get(name)
            if entry is None:
                continue
            mean, low, high = entry["versus_no_tax"]["objective"]
            x = j - 0.3 + k * width if len(runs) > 1 else j
            ax.errorbar(x, mean, yerr=[[mean - low], [high - mean]], fmt="o", capsize=3,
                        color=COLOURS[k % len(COLOURS)], label=f"seed {results.get('seed', '?')}" if j == 0 else None)
            ax.annotate(rates_label(entry["chosen"]), (x, high), fontsize=6, ha="center", xytext=(0, 3),
                        textcoords="offset points")
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_xticks(range(len(names)), [f"{n}\nη = {runs[0]['electorates'][n]['eta']:.1f}" for n in names])
    ax.set_ylabel("O_η chosen − no tax (paired)")
    ax.set_title("designed schedule per electorate and training seed (95% t-intervals)", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def _fmt(interval, digits: int = 1) -> str:
    mean, low, high = interval
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def table(results: dict) -> str:
    """Markdown: per electorate η, chosen, the grid's best, and chosen vs no tax on every metric."""
    head = ("| electorate | η | chosen | grid's best | O_η chosen | O_η no tax | paired Δ O_η | Δ apples | "
            "Δ min apples | Δ Gini | Δ apples left | ε̂ | δ̂ (player 1) | wall (min) |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for name, e in _electorates(results):
        rows = e["schedules"]
        best = next((r["rates"] for r in rows.values() if "grid's best" in r["roles"]), e["chosen"])
        chosen, zero = rows[_chosen(e)], rows[_no_tax(rows)]
        v, cert = e["versus_no_tax"], e["certificate"]
        wall = e.get("wall", {}).get("total_seconds", float("nan")) / 60
        lines.append(f"| {name} | {e['eta']:.2f} | {rates_label(e['chosen'])} | {rates_label(best)} | "
                     f"{_fmt(chosen['objective'])} | {_fmt(zero['objective'])} | {_fmt(v['objective'])} | "
                     f"{_fmt(v['total_apples'])} | {_fmt(v['min_apples'])} | {_fmt(v['gini'], 3)} | "
                     f"{_fmt(v['apples_left'])} | {cert['epsilon_hat']:.1f} | "
                     f"{cert['delta_hat'][0]:.1f} | {wall:.1f} |")
    return "\n".join(lines) + "\n"


def choice_table(results: dict) -> str:
    """Markdown: within each electorate's players, the chosen schedule minus the runner-up and minus the
    other electorates' choices, paired (needs the designs' per-episode values; empty without them)."""
    electorates = [(n, e) for n, e in _electorates(results) if "paired" in e]
    if not electorates:
        return ""
    lines = ["| players of | chosen | runner-up (by mean O_η) | chosen − runner-up, O_η | chosen − other electorates' choices, O_η |",
             "|---|---|---|---|---|"]
    for name, e in electorates:
        minus = e["paired"]["chosen_minus"]
        runner = min(minus, key=lambda n: minus[n]["objective"][0])
        others = "; ".join(f"{other} {rates_label(c['rates'])}: {_fmt(c['objective'])}"
                           for other, c in e["paired"]["chosen_minus_choice_of"].items())
        lines.append(f"| {name} (η = {e['eta']:.2f}) | {rates_label(e['chosen'])} | "
                     f"{rates_label(e['schedules'][runner]['rates'])} | {_fmt(minus[runner]['objective'])} | {others} |")
    return "\n".join(lines) + "\n"


def write_all(results: dict, out: Path, replicates: list[dict] = ()) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in (("objective", plot_objective), ("versus_no_tax", plot_versus_no_tax),
                       ("outcomes", plot_outcomes), ("reweighted", plot_reweighted)):
        fig = draw(results)
        path = out / f"sed_demonstration_{name}.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        written.append(path)
    if replicates:
        fig = plot_replicates([results, *replicates])
        path = out / "sed_demonstration_replicates.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        written.append(path)
    path = out / "sed_demonstration_table.md"
    path.write_text(table(results) + ("\n" + choice_table(results) if choice_table(results) else ""))
    return written + [path]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--replicates", type=Path, nargs="*", default=[], help="results of other training seeds")
    args = parser.parse_args(argv)
    for path in write_all(load(args.results), args.out, [load(p) for p in args.replicates]):
        print(path)


if __name__ == "__main__":
    main()
