"""Evaluate a trained run against baselines, with confidence intervals, plots and a GIF.

Every policy pair (trained players with: the trained principal, no principal φ = 0, fixed
schedules on a grid, a random principal; and uniformly random players with no tax) is played
for the same episodes — the same engine seeds, games and types, and the same random stream
for the players' actions (the principal draws from a stream of its own) — by
:func:`sedtheory.rl.episodes.run_episodes`.

Note: players trained with ``player_tax_features`` (the default) read the rates in force, so
frozen players already answer each principal. Players of a run trained with
``player_tax_features=False`` see only their egocentric window (paper, Figure 2): frozen, they
produce the very same apples and O_η under every principal, the baselines differ only in tax
collected and redistribution (returns), and a principal comparison on O_η needs players
re-adapted to each principal (``sedtheory.rl.gaps``, ``readapt_episodes``). Intervals are
two-sided Student-t intervals of the mean over episodes (each game of each seed is one
independent episode), clipped to the range each metric can take (:data:`SUPPORT`: no negative
apples, no Gini above 1); from fewer than two episodes none is claimed ("n too small").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from sedtheory._validate import ValidationError
from sedtheory.rl import checkpoint as ckpt
from sedtheory.rl.config import TrainConfig, config_from_dict
from sedtheory.rl.envs import AppleFactory, make_player_policy, make_principal_policy
from sedtheory.rl.episodes import (EpisodeSetup, FixedTax, PolicyPlayers, PolicyPrincipal, RandomPlayers,
                                   RandomPrincipal, run_episodes)
from sedtheory.rl.networks import PlayerPolicy, PrincipalPolicy
from sedtheory.rl.principal import schedules

METRICS = ("total_apples", "min_apples", "objective", "gini", "apples_left", "tax_collected")
SUPPORT = {"total_apples": (0.0, np.inf), "min_apples": (0.0, np.inf), "objective": (0.0, np.inf),
           "gini": (0.0, 1.0), "apples_left": (0.0, np.inf), "tax_collected": (0.0, np.inf)}
"""Where each metric's per-episode values lie: apples, O_η (a non-negative mix of apple counts)
and tax are never negative; the Gini coefficient lies in [0, 1]. Intervals are clipped to these."""
INTERVAL_METHOD = "Student-t interval of the mean, clipped to the metric's range"


def confidence_interval(samples, level: float = 0.95,
                        support: tuple[float, float] = (-np.inf, np.inf)) -> tuple[float, float, float]:
    """``(mean, low, high)``: the two-sided Student-t interval of the mean of ``samples (m,)``,
    intersected with ``support`` (the range the mean can take, e.g. ``(0, inf)`` for counts).

    The intersection keeps the coverage: the mean lies in ``support``, so whenever the t interval
    covers it, the clipped interval does too (it only drops impossible values). With ``m < 2``
    no interval can be claimed: ``low, high = -inf, inf`` (:func:`format_interval` prints
    "n too small").
    """
    from scipy import stats

    x = np.asarray(samples, dtype=float).ravel()
    if x.size == 0:
        raise ValidationError("samples: empty")
    low_bound, high_bound = support
    if not low_bound <= high_bound:
        raise ValidationError(f"support: expected (low, high) with low <= high, got {support}")
    mean = float(x.mean())
    if x.size < 2:
        return mean, -np.inf, np.inf
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return mean, float(max(mean - half, low_bound)), float(min(mean + half, high_bound))


def format_interval(mean: float, low: float, high: float, digits: int = 1) -> str:
    """``"49.5 [0.0, 208.3]"``, or ``"49.5 (n too small)"`` when there is no interval (infinite bounds)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"{mean:.{digits}f} (n too small)"
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


@dataclass
class LoadedRun:
    """A run's config, trained networks and types."""

    config: TrainConfig
    players: PlayerPolicy
    principal: PrincipalPolicy
    selfishness: np.ndarray
    trust: np.ndarray
    eta: float
    factory: object
    update: int | None = None
    """The update the networks come from: ``None`` for a finished run's ``policies.pt``, else the checkpoint's."""

    @property
    def finished(self) -> bool:
        """True for a finished run (its ``policies.pt``); False when grading a checkpoint of an unfinished one."""
        return self.update is None

    def describe(self) -> str:
        """Which networks are graded, in words."""
        if self.finished:
            return f"the finished run ({self.config.num_updates} updates)"
        return (f"the checkpoint at update {self.update} of {self.config.num_updates} "
                "(the run is unfinished: these are not its final networks)")


def load_run(run_dir: Path | str, factory=None) -> LoadedRun:
    """Load ``policies.pt`` (finished run) or else the last checkpoint of ``run_dir`` (on the CPU)."""
    run_dir = Path(run_dir)
    path = run_dir / ckpt.POLICIES
    if not path.exists():
        path = run_dir / ckpt.CHECKPOINT
    if not path.exists():
        raise ValidationError(f"run: {run_dir} holds neither {ckpt.POLICIES} nor {ckpt.CHECKPOINT}")
    state = ckpt.load_torch(path)
    if not isinstance(state.get("config"), dict):
        raise ValidationError(f"checkpoint: {path} holds no run config; not a sedtheory run file")
    config = config_from_dict(state["config"]).replace(device="cpu")   # evaluation runs on the CPU
    if config.torch_threads:
        torch.set_num_threads(config.torch_threads)   # as in training: one thread is fastest for these nets
    factory = factory if factory is not None else AppleFactory(config)
    players = make_player_policy(factory, config)
    principal = make_principal_policy(factory, config)
    players.load_state_dict(state["players"])
    principal.load_state_dict(state["principal"])
    return LoadedRun(config, players.eval(), principal.eval(), np.asarray(state["selfishness"]),
                     np.asarray(state["trust"]), float(state["eta"]), factory,
                     update=None if path.name == ckpt.POLICIES.name else int(state["update"]))


def tax_grid(levels: tuple[float, ...], n_brackets: int) -> list[tuple[float, ...]]:
    """Fixed schedules on a grid: every non-decreasing (progressive or flat) rate vector over ``levels``."""
    return [r for r in itertools.product(sorted(levels), repeat=n_brackets) if all(a <= b for a, b in zip(r, r[1:]))]


def run_principal(run: LoadedRun, generator: torch.Generator):
    """The leader the run's players were trained with: its committed schedule when the run held
    one fixed (``fixed_rates``; its principal network was never trained), else its trained
    principal network (sampling with ``generator``)."""
    if run.config.fixed_rates:
        return FixedTax(list(run.config.fixed_rates))
    return PolicyPrincipal(run.principal, generator)


def run_principal_label(run: LoadedRun) -> str:
    """The name of :func:`run_principal` in tables: "trained principal" or "the run's fixed schedule r/r/r"."""
    if run.config.fixed_rates:
        return "the run's fixed schedule " + "/".join(f"{r:g}" for r in run.config.fixed_rates)
    return "trained principal"


def _principals(run: LoadedRun, grid: tuple[float, ...], generator: torch.Generator) -> dict:
    nb, levels = run.factory.params.n_brackets, tuple(run.config.principal_levels)
    out = {run_principal_label(run): run_principal(run, generator), "no principal (phi=0)": FixedTax([0.0] * nb),
           "random principal": RandomPrincipal(generator, levels, run.config.principal_flat)}
    known = set(schedules(levels, nb, run.config.principal_flat)) if run.config.players_per_schedule else None
    for rates in tax_grid(grid, nb):
        if known is not None and tuple(rates) not in known:   # no players were trained under it
            continue
        if any(rates):
            out["fixed " + "/".join(f"{r:g}" for r in rates)] = FixedTax(rates)
    return out


def evaluate_policies(run: LoadedRun, principals: dict, *, seeds: int, num_games: int, seed: int,
                      players_by_name: dict | None = None, on_batch=None) -> dict[str, dict]:
    """Metrics per episode for each named principal (same engine seeds for all); ``on_batch()``,
    when given, is called after each batch of ``num_games`` episodes (progress display)."""
    setup = EpisodeSetup.from_run(run)
    results = {}
    for name, principal in principals.items():
        generator = torch.Generator().manual_seed(seed)
        players = (players_by_name or {}).get(name) or PolicyPlayers(run.players, generator)
        if hasattr(principal, "generator"):   # its own stream: the players' draws do not depend on it
            principal.generator = torch.Generator().manual_seed(seed + 1)
        if hasattr(players, "generator"):
            players.generator = generator
        batches = []
        for k in range(seeds):
            batches.append(run_episodes(setup, players, principal, num_games, seed + k).values)
            if on_batch is not None:
                on_batch()
        results[name] = {key: np.concatenate([b[key] for b in batches]) for key in batches[0]}
    return results


def comparison_table(results: dict[str, dict], level: float = 0.95) -> tuple[list[dict], str]:
    """Rows (name, metric → (mean, low, high)) and a plain-text table with ``level`` intervals."""
    rows, lines = [], []
    header = f"{'policy':<26}" + "".join(f"{m:>24}" for m in METRICS + ("rates (mean)",))
    lines.append(header)
    for name, values in results.items():
        row = {"policy": name, "episodes": int(values["objective"].size)}
        cells = []
        for metric in METRICS:
            mean, low, high = confidence_interval(values[metric], level, SUPPORT[metric])
            row[metric] = (mean, low, high)
            cells.append(format_interval(mean, low, high))
        rates = values["tax_rates"].mean(0)
        row["tax_rates"] = rates.tolist()
        cells.append("/".join(f"{r:.2f}" for r in rates))
        rows.append(row)
        lines.append(f"{name:<26}" + "".join(f"{c:>24}" for c in cells))
    return rows, "\n".join(lines)


def evaluate_run(run_dir: Path | str, *, seeds: int = 3, num_games: int = 8, seed: int = 10_000,
                 grid: tuple[float, ...] = (0.0, 0.5, 1.0), plots: bool = True, gif: bool = True,
                 factory=None, level: float = 0.95, progress: bool = False) -> dict:
    """Evaluate the run in ``run_dir``; writes ``evaluation/`` (JSON, table, PNGs, GIF) there.
    ``progress`` shows a bar (one tick per batch of ``num_games`` episodes, plot and GIF) on stderr.

    Returns:
        ``{"rows": [...], "table": str, "files": [...], "graded": str}`` (``graded``: which
        networks, :meth:`LoadedRun.describe`).
    """
    from tqdm import tqdm

    out_dir = Path(run_dir) / "evaluation"
    if out_dir.exists() and not out_dir.is_dir():
        raise ValidationError(f"evaluation: {out_dir} is a file; the evaluation writes a folder there (move the file)")
    run = load_run(run_dir, factory)
    out_dir.mkdir(exist_ok=True)
    generator = torch.Generator().manual_seed(seed)
    principals = _principals(run, grid, generator)
    bar = tqdm(total=(len(principals) + 1) * seeds + 3 * plots + gif, unit="batch", desc="evaluate",
               disable=not progress, dynamic_ncols=True)
    results = evaluate_policies(run, principals, seeds=seeds, num_games=num_games, seed=seed,
                                on_batch=lambda: bar.update(1))
    random_play = {"random players, no tax": FixedTax([0.0] * run.factory.params.n_brackets)}
    results.update(evaluate_policies(
        run, random_play, seeds=seeds, num_games=num_games, seed=seed, on_batch=lambda: bar.update(1),
        players_by_name={"random players, no tax": RandomPlayers(run.factory.params.n_actions, generator)}))
    rows, table = comparison_table(results, level)
    files = [out_dir / "comparison.txt", out_dir / "comparison.json"]
    (out_dir / "comparison.txt").write_text(
        f"{run.describe()}\n{rows[0]['episodes']} episodes per policy ({seeds} engine seeds x {num_games} games), "
        f"eta={run.eta:.3f}, {int(level * 100)}% intervals ({INTERVAL_METHOD})\n{table}\n")
    ckpt.save_json(out_dir / "comparison.json", {"eta": run.eta, "level": level, "interval": INTERVAL_METHOD,
                                                 "update": run.update, "rows": rows})
    if plots:
        from sedtheory.rl.plots import plot_learning_curves, plot_tax_schedule, plot_welfare

        for make in (lambda: plot_learning_curves(run_dir, out_dir), lambda: plot_welfare(rows, out_dir),
                     lambda: plot_tax_schedule(run, out_dir, seed)):
            files.append(make())
            bar.update(1)
    if gif:
        from sedtheory.rl.plots import episode_gif

        files.append(episode_gif(run, out_dir, seed))
        bar.update(1)
    bar.close()
    return {"rows": rows, "table": table, "files": [str(f) for f in files if f is not None], "graded": run.describe()}


def _paired(a, b, field: str) -> tuple[float, float, float]:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValidationError(f"{field}: paired samples need equal shapes, got {a.shape} and {b.shape}")
    return confidence_interval(a - b)


def _sign_words(interval: tuple[float, float, float], more: str, less: str) -> str:
    mean, low, high = interval
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"{mean:+.1f} (too few episodes for an interval)"
    word = more if low > 0 else less if high < 0 else "no clear difference: the interval includes 0"
    return f"{mean:+.1f} [{low:+.1f}, {high:+.1f}] ({word})"


def verdict(taxed: dict, untaxed: dict, random: dict, per_schedule: bool = False) -> list[str]:
    """What a run learned, in plain words: three lines comparing paired evaluation episodes.

    Args:
        taxed: the trained players under the trained principal, :func:`evaluate_policies` values
            (``total_apples``, ``objective``, ``apples_left``, ``tax_rates`` per episode).
        untaxed: the same players with no tax, on the same engine seeds and games (paired).
        random: uniformly random players with no tax, on the same engine seeds and games.
        per_schedule: the run's players hold one network per schedule (``players_per_schedule``):
            with no tax they play the network trained under no tax, so the principal line is the
            Stackelberg comparison (players trained under each schedule), and says so.

    Returns:
        Lines: players against random play, principal against no tax (O_eta, paired 95 % interval,
        players held fixed: not the Stackelberg comparison, in which the players are retrained
        under each schedule; ``benchmarks/principal_learning.py`` runs that one), apples left.
    """
    apples, random_apples = taxed["total_apples"].mean(), random["total_apples"].mean()
    ratio = apples / random_apples if random_apples > 0 else float("nan")
    players = _sign_words(_paired(taxed["total_apples"], random["total_apples"], "total_apples"),
                          "better than random play", "worse than random play")
    rates = ", ".join(f"{r:.2f}" for r in np.asarray(taxed["tax_rates"]).mean(0))
    principal = _sign_words(_paired(taxed["objective"], untaxed["objective"], "objective"),
                            "the principal helps", "the principal hurts")
    left = float(np.mean(taxed["apples_left"]))
    empty = float(np.mean(np.asarray(taxed["apples_left"]) == 0))
    leftover = ("the players empty the map in every episode" if empty == 1 else
                f"apples are left at the end ({left:.1f} per game on average; the map is empty in "
                f"{100 * empty:.0f} % of the episodes)")
    return [f"Players: {apples:.1f} apples per episode, {ratio:.2f}x random play's {random_apples:.1f}; "
            f"difference {players}.",
            f"Principal: mean tax rates by bracket ({rates}); O_eta with it minus O_eta with no tax, "
            + ("each with the players trained under its schedule: " if per_schedule else "same players: ")
            + f"{principal}.",
            f"Apples: {leftover}."]


def quick_report(run_dir: Path | str, *, num_games: int | None = None, seed: int = 30_000, factory=None) -> str:
    """What a run learned, in a few lines: one batch of evaluation episodes each for the trained
    players with the trained principal, the same players without tax, and uniformly random
    players without tax (the same engine seed for all three), plus the first training episode."""
    run = load_run(run_dir, factory)
    games = num_games or run.config.num_games
    nb, generator = run.factory.params.n_brackets, torch.Generator().manual_seed(seed)
    policies = {"trained players + principal": run_principal(run, generator),
                "trained players, no tax": FixedTax([0.0] * nb)}
    results = evaluate_policies(run, policies, seeds=1, num_games=games, seed=seed)
    results.update(evaluate_policies(run, {"random players, no tax": FixedTax([0.0] * nb)}, seeds=1, num_games=games,
                                     seed=seed, players_by_name={
                                         "random players, no tax": RandomPlayers(run.factory.params.n_actions, generator)}))
    lines = [f"What was learned ({games} evaluation episodes each; eta = {run.eta:.3f} from the vote; "
             "mean [95% CI]):", f"{'':<30}{'apples':>22}{'min apples':>22}{'O_eta':>22}{'apples left':>22}  rates"]
    for name, values in results.items():
        cells = []
        for metric in ("total_apples", "min_apples", "objective", "apples_left"):
            cells.append(format_interval(*confidence_interval(values[metric], support=SUPPORT[metric])))
        rates = "/".join(f"{r:.2f}" for r in values["tax_rates"].mean(0))
        lines.append(f"{name:<30}" + "".join(f"{c:>22}" for c in cells) + f"  {rates}")
    lines.append("")
    lines.extend(verdict(results["trained players + principal"], results["trained players, no tax"],
                         results["random players, no tax"], per_schedule=run.config.players_per_schedule))
    return "\n".join(lines)
