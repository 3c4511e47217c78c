"""Welfare and inequality of every tax schedule on the paper code's action grid, incomes fixed.

For seeded random incomes of 7 players over many tax periods, evaluate each rate vector
``phi in {0, 0.1, ..., 1}^3`` (the paper code's 11 choices per bracket, thresholds
``(0, 10, 20, 10000)``, Appendix A) by the mean ``O_eta`` and the mean Gini of post-tax
income. Followers do not react here (incomes are held fixed): this is the static part of
the principal's problem, not a trained outcome.

Usage: ``python analysis/tax_grid_welfare.py --out DIR [--seed 0] [--periods 200] [--eta 0.5]``
writes ``DIR/tax_grid_welfare.csv`` (one row per phi) and ``DIR/tax_grid_welfare.png``.
"""

from __future__ import annotations

import argparse
import csv
import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import sedtheory as sed  # noqa: E402

THRESHOLDS = (0, 10, 20, 10000)


def sample_incomes(seed: int, periods: int, players: int = 7) -> np.ndarray:
    """``(periods, players)`` apples per tax period: Poisson with a per-player skill in [2, 30]."""
    rng = np.random.default_rng(seed)
    skill = rng.uniform(2.0, 30.0, size=players)
    return rng.poisson(skill, size=(periods, players)).astype(float)


def evaluate_grid(incomes: np.ndarray, eta: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate grid ``(K, 3)`` and the mean ``O_eta`` and mean Gini ``(K,)`` over periods."""
    grid = np.array(list(itertools.product(np.linspace(0.0, 1.0, 11), repeat=3)))
    post = sed.redistribute(incomes[:, None, :], grid, THRESHOLDS)  # (periods, K, players)
    return grid, sed.eta_objective(post, eta).mean(axis=0), sed.gini(post).mean(axis=0)


def write_outputs(out: Path, grid: np.ndarray, objective: np.ndarray, inequality: np.ndarray, eta: float) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "tax_grid_welfare.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phi_0", "phi_1", "phi_2", f"mean_O_eta_{eta}", "mean_gini"])
        for rates, value, gini in zip(grid, objective, inequality):
            writer.writerow([f"{r:.1f}" for r in rates] + [f"{value:.6f}", f"{gini:.6f}"])
    fig, ax = plt.subplots(figsize=(5, 3.5))
    points = ax.scatter(inequality, objective, c=grid.sum(axis=1), s=6, cmap="viridis")
    fig.colorbar(points, label="sum of bracket rates")
    ax.set_xlabel("mean Gini of post-tax income")
    ax.set_ylabel(f"mean O_eta (eta = {eta})")
    fig.tight_layout()
    fig.savefig(out / "tax_grid_welfare.png", dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the CSV and the figure")
    parser.add_argument("--seed", type=int, default=0, help="seed of the income sample")
    parser.add_argument("--periods", type=int, default=200, help="number of tax periods sampled")
    parser.add_argument("--eta", type=float, default=0.5, help="weight of the total in O_eta")
    args = parser.parse_args(argv)
    grid, objective, inequality = evaluate_grid(sample_incomes(args.seed, args.periods), args.eta)
    write_outputs(args.out, grid, objective, inequality, args.eta)
    best = int(np.argmax(objective))
    print(f"best phi for eta={args.eta}: {grid[best]} (mean O_eta {objective[best]:.3f}, Gini {inequality[best]:.3f})")


if __name__ == "__main__":
    main()
