"""The principal's outer loop: commit to a tax schedule, let the players respond, keep the best.

The leader's problem of a Stackelberg game (paper, Definition 2.3): the principal commits to
φ, the players respond, and the principal keeps the φ whose response is best for the voted
objective O_η. The exact side solves it on small games over a gridded Φ
(``sedtheory.solvers.markov_ssmne``); this module is its counterpart for RL players on the
Apple game, where a response is a budget-limited PPO training run:

1. **Pre-registered candidates** Φ̂, fixed before any training: every non-decreasing rate
   vector over ``levels`` (flat rates and bracket combinations,
   :func:`sedtheory.rl.evaluate.tax_grid`), or an explicit list.
2. **Phase one**: one shared run of the players with no tax (``principal=False``).
3. **Responses**: for each candidate a run warm-started from phase one's checkpoint
   (:meth:`~sedtheory.rl.trainer.Trainer.warm_start`) and trained under that fixed, committed
   schedule (``fixed_rates``, in force from the first update: ``phase_one_fraction = 0``,
   ``anneal_fraction = 0``; ``commitment_periods`` as the base config says).
4. **Successive halving** (Jamieson & Talwalkar 2016; the rungs of Hyperband, Li et al. 2018,
   and of its asynchronous form ASHA, Li et al. 2020): rung k trains every surviving candidate
   to ``min_episodes · reduction^k`` episodes (capped at ``max_episodes``), evaluates it on the
   *selection* seeds and keeps the best ``⌈m / reduction⌉`` (ties: the earlier candidate).
   Rungs are synchronous, so the outcome does not depend on timing, and each rung's result is
   stored (``rungs.json``): a design started again after a crash or Ctrl-C replays the stored
   rungs and resumes the runs from their checkpoints.
5. **Report** on *report* seeds, disjoint from the selection seeds: the chosen schedule
   against no tax (the zero schedule), a random candidate (drawn with ``random_seed`` before
   any result) and, with ``full_grid``, the grid's best (every candidate trained to the full
   budget, the best on the selection seeds: exhaustive search at the same budget). Each
   comparison is paired: the same engine seeds and games, each schedule with its own trained
   players; a 95 % Student-t interval of the per-episode difference of O_η.
6. **Certificate** (Definition 2.4, estimated): ε̂ = the largest mean paired gain in O_η of a
   candidate trained to the full budget over the chosen one (report seeds), δ̂_i = player i's
   gain from best-response fine-tuning against the chosen schedule
   (:func:`sedtheory.rl.gaps.estimate_follower_gap`). Both are lower bounds of the true gaps:
   ε̂ looks only at the candidates trained to the end, δ̂ only at budget-limited deviations.

Evaluation plays each schedule's trained players (sampling, each engine seed with its own
generator) under :class:`~sedtheory.rl.episodes.FixedTax` through the one episode driver.
Every run has the same ``seed``, so the players' types are the same everywhere (the vote, hence
η, too), and the candidates' training episodes draw the same engine seeds as phase one's did;
evaluation uses its own, stated seeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sedtheory._validate import ValidationError
from sedtheory.rl.checkpoint import load_json, save_json
from sedtheory.rl.config import PRESETS, TrainConfig, config_from_dict, config_to_dict, make_config
from sedtheory.scale.spec import _FIELDS, coerce_value, read_spec_file, trial_name

EVAL_METRICS = ("objective", "total_apples", "min_apples", "gini", "apples_left", "tax_collected")
"""Per-episode metrics of each schedule's evaluation episodes."""

RESERVED = ("seed", "total_timesteps", "principal", "fixed_rates", "phase_one_fraction", "anneal_fraction")
"""Fields the design sets itself (``base`` may not)."""

DESIGN_FILE, RUNGS_FILE = Path("design.json"), Path("rungs.json")
PHASE_ONE, CANDIDATES = Path("phase_one"), Path("candidates")


@dataclass(frozen=True)
class DesignSpec:
    """A pre-registered design: the game, the candidates, the budgets and the seeds.

    Attributes:
        preset, base: every run's configuration: the preset with ``base`` on top (the game,
            types, network; not the fields of :data:`RESERVED`).
        seed: training seed of every run (phase one and candidates: the same players' types).
        phase_one_episodes: episodes of the shared no-tax run.
        min_episodes, max_episodes: a candidate's budget at the first rung and at the end
            (episodes after the warm start; each a batch of ``num_games`` games).
        reduction: successive halving keeps ``⌈m / reduction⌉`` of ``m`` candidates per rung.
        levels: rate levels; the candidates are every non-decreasing vector over them.
        candidates: an explicit candidate list instead (rate vectors, one rate per bracket).
        selection_seeds, report_seeds: engine seeds (each ``eval_games`` games) for selection
            and for the report; disjoint.
        eval_games: games per engine seed in evaluation.
        full_grid: also train every candidate to the full budget (the grid's best baseline and
            ε̂ over the whole grid; costs the exhaustive search).
        random_seed: seed of the random candidate baseline.
        br_episodes: best-response budget per graded player, in batches of ``eval_games`` games.
        gap_players: players graded for δ̂ (default: all).
        epsilon, delta: tolerances of the certificate's test.
    """

    preset: str = "default"
    base: dict = field(default_factory=dict)
    seed: int = 1
    phase_one_episodes: int = 10
    min_episodes: int = 2
    max_episodes: int = 18
    reduction: int = 3
    levels: tuple[float, ...] = (0.0, 0.5, 1.0)
    candidates: tuple[tuple[float, ...], ...] = ()
    selection_seeds: tuple[int, ...] = (100_000, 100_001)
    report_seeds: tuple[int, ...] = (200_000, 200_001, 200_002)
    eval_games: int = 8
    full_grid: bool = True
    random_seed: int = 0
    br_episodes: int = 2
    gap_players: tuple[int, ...] = ()
    epsilon: float = 0.0
    delta: float = 0.0

    def __post_init__(self) -> None:
        _validate_design(self)

    # --- configurations ---
    def base_config(self) -> TrainConfig:
        """The preset with ``base``, the seed and no progress bar (validated)."""
        return make_config(self.preset, **{"progress": False, **self.base, "seed": self.seed})

    def _steps(self, episodes: int) -> int:
        cfg = self.base_config()
        return episodes * cfg.episode_length * cfg.num_games

    def phase_one_config(self) -> TrainConfig:
        """The shared no-tax run: ``phase_one_episodes`` episodes, no principal."""
        return self.base_config().replace(principal=False, fixed_rates=(),
                                          total_timesteps=self._steps(self.phase_one_episodes))

    def candidate_config(self, rates: tuple[float, ...]) -> TrainConfig:
        """A candidate's run: ``rates`` fixed and committed from the first update, ``max_episodes`` episodes."""
        return self.base_config().replace(principal=True, fixed_rates=tuple(float(r) for r in rates),
                                          phase_one_fraction=0.0, anneal_fraction=0.0,
                                          total_timesteps=self._steps(self.max_episodes))

    def schedules(self) -> list[tuple[float, ...]]:
        """The pre-registered candidates, in order."""
        if self.candidates:
            return [tuple(float(r) for r in c) for c in self.candidates]
        n = self.base_config().n_brackets
        levels = sorted(float(r) for r in self.levels)
        grid = [()]
        for _ in range(n):
            grid = [g + (r,) for g in grid for r in levels if not g or g[-1] <= r]
        return grid

    def rungs(self) -> list[int]:
        """Episode budgets of the rungs: ``min_episodes · reduction^k`` below ``max_episodes``, then it."""
        budgets, b = [], self.min_episodes
        while b < self.max_episodes:
            budgets.append(b)
            b *= self.reduction
        return budgets + [self.max_episodes]

    def to_dict(self) -> dict:
        """JSON-ready form (the inverse of :func:`design_spec_from_dict`)."""
        out = {}
        for name in DESIGN_KEYS:
            value = getattr(self, name)
            if name == "base":
                value = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
            elif name == "candidates":
                value = [list(c) for c in value]
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out


DESIGN_KEYS = ("preset", "base", "seed", "phase_one_episodes", "min_episodes", "max_episodes", "reduction", "levels",
               "candidates", "selection_seeds", "report_seeds", "eval_games", "full_grid", "random_seed",
               "br_episodes", "gap_players", "epsilon", "delta")


def _int(name: str, value, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValidationError(f"{name}: must be an integer >= {low}, got {value!r}")


def _seeds(name: str, value) -> None:
    if not isinstance(value, tuple) or not value:
        raise ValidationError(f"{name}: expected a non-empty list of integers, got {value!r}")
    for v in value:
        _int(name, v, 0)
    if len(set(value)) != len(value):
        raise ValidationError(f"{name}: repeated seed in {list(value)}")


def _validate_design(spec: DesignSpec) -> None:
    if spec.preset not in PRESETS:
        raise ValidationError(f"preset: unknown preset {spec.preset!r}; choose from {sorted(PRESETS)}")
    if not isinstance(spec.base, dict):
        raise ValidationError(f"base: expected a mapping of TrainConfig fields, got {type(spec.base).__name__}")
    for name in spec.base:
        if name not in _FIELDS:
            raise ValidationError(f"base.{name}: not a TrainConfig field")
        if name in RESERVED:
            raise ValidationError(f"base.{name}: set by the design itself (see sedtheory.scale.design.RESERVED)")
    coerced = {}
    for name, value in spec.base.items():   # the fields' Python types (tuples), as run folders read back
        try:
            coerced[name] = coerce_value(name, value)
        except ValidationError as exc:
            raise ValidationError(f"base.{exc}") from None
    object.__setattr__(spec, "base", coerced)
    for name, low in (("seed", 0), ("phase_one_episodes", 1), ("min_episodes", 1), ("max_episodes", 1),
                      ("reduction", 2), ("eval_games", 1), ("random_seed", 0), ("br_episodes", 1)):
        _int(name, getattr(spec, name), low)
    if spec.min_episodes > spec.max_episodes:
        raise ValidationError(f"min_episodes: {spec.min_episodes} exceeds max_episodes={spec.max_episodes}")
    _seeds("selection_seeds", spec.selection_seeds)
    _seeds("report_seeds", spec.report_seeds)
    shared = sorted(set(spec.selection_seeds) & set(spec.report_seeds))
    if shared:
        raise ValidationError(f"report_seeds: must be disjoint from selection_seeds (both hold {shared[0]})")
    if not isinstance(spec.full_grid, bool):
        raise ValidationError(f"full_grid: expected true or false, got {spec.full_grid!r}")
    for name in ("epsilon", "delta"):
        value = getattr(spec, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ValidationError(f"{name}: must be a finite number >= 0, got {value!r}")
    if not spec.candidates and (not isinstance(spec.levels, tuple) or not spec.levels or not all(
            isinstance(r, (int, float)) and not isinstance(r, bool) for r in spec.levels)):
        raise ValidationError(f"levels: expected a non-empty list of rates, got {spec.levels!r}")
    if spec.candidates and not all(isinstance(r, (int, float)) and not isinstance(r, bool)
                                   for c in spec.candidates for r in c):
        raise ValidationError(f"candidates: rates must be numbers, got {spec.candidates!r}")
    cfg = spec.base_config()
    n = cfg.n_players
    if not isinstance(spec.gap_players, tuple) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n for i in spec.gap_players):
        raise ValidationError(f"gap_players: expected player indices in [0, {n}), got {spec.gap_players!r}")
    schedules = spec.schedules()
    if len(set(schedules)) != len(schedules):
        raise ValidationError("candidates: repeated schedule")
    where = "candidates" if spec.candidates else "levels"
    for rates in schedules:
        try:
            spec.candidate_config(rates)
        except ValidationError as exc:
            raise ValidationError(f"{where}: schedule {list(rates)}: {exc}") from None
    spec.phase_one_config()


def design_spec_from_dict(data: dict) -> DesignSpec:
    """A :class:`DesignSpec` from a parsed file (``base`` values coerced to the fields' types).

    Raises:
        ValidationError: an unknown key or field, or a bad value (the message names it).
    """
    if not isinstance(data, dict):
        raise ValidationError(f"design: expected a mapping, got {type(data).__name__}")
    unknown = sorted(set(data) - set(DESIGN_KEYS))
    if unknown:
        raise ValidationError(f"{unknown[0]}: not a key of a design spec (keys: {', '.join(DESIGN_KEYS)})")
    values = dict(data)
    base = values.get("base", {}) or {}
    if not isinstance(base, dict):
        raise ValidationError(f"base: expected a mapping of TrainConfig fields, got {type(base).__name__}")
    coerced = {}
    for name, value in base.items():
        try:
            coerced[name] = coerce_value(name, value)
        except ValidationError as exc:
            raise ValidationError(f"base.{exc}") from None
    values["base"] = coerced
    for name in ("levels", "selection_seeds", "report_seeds", "gap_players"):
        if name in values:
            if not isinstance(values[name], (list, tuple)):
                raise ValidationError(f"{name}: expected a list, got {values[name]!r}")
            values[name] = tuple(values[name])
    if "candidates" in values:
        if not isinstance(values["candidates"], (list, tuple)) or not all(
                isinstance(c, (list, tuple)) for c in values["candidates"]):
            raise ValidationError(f"candidates: expected a list of rate lists, got {values['candidates']!r}")
        values["candidates"] = tuple(tuple(c) for c in values["candidates"])
    return DesignSpec(**values)


def load_design_spec(path: Path | str) -> DesignSpec:
    """Read a design spec file (JSON, TOML or YAML) and validate it."""
    return design_spec_from_dict(read_spec_file(path, "design"))


# --------------------------------------------------------------------------- work done in Ray tasks
def evaluate_schedule(run_dir: Path | str, rates, engine_seeds, games: int) -> dict[str, list[float]]:
    """The run's trained players under the fixed schedule ``rates``: per-episode metrics
    (:data:`EVAL_METRICS`), ``len(engine_seeds) · games`` episodes ordered by (seed, game).
    Each engine seed's episodes draw the players' actions from ``torch.Generator(seed)``."""
    import torch

    from sedtheory.rl.episodes import EpisodeSetup, FixedTax, PolicyPlayers, run_episodes
    from sedtheory.rl.evaluate import load_run

    run = load_run(run_dir)
    setup = EpisodeSetup.from_run(run)
    out: dict[str, list[float]] = {m: [] for m in EVAL_METRICS}
    for seed in engine_seeds:
        players = PolicyPlayers(run.players, torch.Generator().manual_seed(int(seed)))
        values = run_episodes(setup, players, FixedTax(rates), games, int(seed)).values
        for m in EVAL_METRICS:
            out[m].extend(float(v) for v in np.asarray(values[m]).ravel())
    return out


def train_and_evaluate(config: dict, run_dir: str, *, until_updates: int, warm_start: str,
                       evaluations: dict[str, list[int]], games: int) -> dict:
    """A Ray task: train a candidate to ``until_updates`` (warm-started, resumed from its
    checkpoint if it has one), then evaluate it on each named set of engine seeds."""
    from sedtheory.scale.runner import run_trial

    summary = run_trial(config, run_dir, until_updates=until_updates, warm_start=warm_start)
    rates = config_from_dict(config).fixed_rates
    return {"update": summary["update"],
            **{label: evaluate_schedule(run_dir, rates, seeds, games) for label, seeds in evaluations.items()}}


def follower_gap(run_dir: str, player: int, rates, *, episodes: int, games: int, eval_seeds: int, seed: int) -> dict:
    """A Ray task: δ̂ of ``player`` against the fixed schedule ``rates``
    (:func:`sedtheory.rl.gaps.estimate_follower_gap`)."""
    from sedtheory.rl.episodes import FixedTax
    from sedtheory.rl.evaluate import load_run
    from sedtheory.rl.gaps import estimate_follower_gap

    gap = estimate_follower_gap(load_run(run_dir), player, episodes=episodes, num_games=games, eval_seeds=eval_seeds,
                                seed=seed, principal=FixedTax(rates))
    return {**gap, "interval": list(gap["interval"])}


# --------------------------------------------------------------------------- the loop
@dataclass
class DesignResult:
    """The outcome of :func:`run_design`.

    Attributes:
        chosen: the selected schedule (one rate per bracket).
        eta: η of the runs (from the players' vote; every run has the same types).
        rungs: per rung: ``episodes``, mean O_η on the selection seeds per candidate, ``kept``.
        schedules: per schedule trained to the full budget: its rates, its roles (chosen, no tax,
            random, grid's best) and its report-seed metrics ``(mean, low, high)``.
        comparisons: ``"chosen - <baseline>"`` → paired O_η difference ``(mean, low, high)``.
        versus_no_tax: metric → paired difference chosen − no tax ``(mean, low, high)`` (the
            demonstration's columns: O_η, apples, min apples, Gini, apples left, tax collected).
        certificate: the (ε̂, δ̂) :class:`~sedtheory.equilibrium.certificate.Certificate`.
        table: the printed report.
        files: files written.
    """

    chosen: tuple[float, ...]
    eta: float
    rungs: list[dict]
    schedules: dict[str, dict]
    comparisons: dict[str, tuple[float, float, float]]
    versus_no_tax: dict[str, tuple[float, float, float]]
    certificate: object
    table: str
    files: list[str] = field(default_factory=list)


def _name(rates) -> str:
    return trial_name({"fixed_rates": tuple(float(r) for r in rates)})


def _run(tasks: dict, function, max_retries: int) -> dict:
    from sedtheory.scale.runner import run_tasks

    outcomes = run_tasks(tasks, function=function, max_retries=max_retries)
    failed = {k: o.error for k, o in outcomes.items() if o.error is not None}
    if failed:
        name, error = next(iter(failed.items()))
        raise RuntimeError(f"design: task {name} failed: {error}")
    return {k: o.result for k, o in outcomes.items()}


def run_design(spec: DesignSpec, design_dir: Path | str, *, num_cpus: int | None = None, address: str | None = None,
               max_retries: int = 3, log=print) -> DesignResult:
    """Run the outer loop of the module docstring in ``design_dir``; resumable (see step 4).

    Writes ``design.json`` (the spec and candidates), ``phase_one/`` and ``candidates/<name>/``
    (run folders), ``rungs.json``, ``report.json``, ``report.txt``, ``certificate.json`` and
    ``report_episodes.json`` (every schedule's per-episode report metrics, ordered by (seed, game):
    any two schedules can be compared paired afterwards).
    """
    from sedtheory.rl.run_folder import is_finished
    from sedtheory.scale.runner import start_ray, stop_ray

    design_dir = Path(design_dir).resolve()
    schedules = spec.schedules()
    record = {"spec": spec.to_dict(), "candidates": [list(r) for r in schedules]}
    if (design_dir / DESIGN_FILE).exists() and load_json(design_dir / DESIGN_FILE) != record:
        raise ValidationError(f"design_dir: {design_dir} holds another design; pick a new folder")
    design_dir.mkdir(parents=True, exist_ok=True)
    save_json(design_dir / DESIGN_FILE, record)
    started = start_ray(num_cpus, address)
    try:
        phase_one = design_dir / PHASE_ONE
        if not is_finished(phase_one):
            log(f"phase one: {spec.phase_one_episodes} episodes without tax")
            _run({"phase one": ((config_to_dict(spec.phase_one_config()), str(phase_one)), {})}, None, max_retries)
        rungs, chosen = _successive_halving(spec, design_dir, schedules, max_retries, log)
        return _report(spec, design_dir, schedules, rungs, chosen, max_retries, log)
    finally:
        stop_ray(started)


def _train(spec: DesignSpec, design_dir: Path, names: dict[str, tuple], episodes: int,
           evaluations: dict[str, tuple[int, ...]], max_retries: int) -> dict:
    updates = episodes * spec.base_config().updates_per_episode
    tasks = {name: ((config_to_dict(spec.candidate_config(rates)), str(design_dir / CANDIDATES / name)),
                    {"until_updates": updates, "warm_start": str(design_dir / PHASE_ONE),
                     "evaluations": {k: list(v) for k, v in evaluations.items()}, "games": spec.eval_games})
             for name, rates in names.items()}
    return _run(tasks, train_and_evaluate, max_retries)


def _successive_halving(spec: DesignSpec, design_dir: Path, schedules: list, max_retries: int, log):
    order = {_name(r): k for k, r in enumerate(schedules)}
    by_name = {_name(r): r for r in schedules}
    path = design_dir / RUNGS_FILE
    stored = load_json(path)["rungs"] if path.exists() else []
    survivors, rungs = list(order), []
    for k, episodes in enumerate(spec.rungs()):
        last = episodes == spec.max_episodes
        if k < len(stored):
            rung = stored[k]
        else:
            log(f"rung {k + 1}: {len(survivors)} candidates, {episodes} episodes each")
            results = _train(spec, design_dir, {n: by_name[n] for n in survivors}, episodes,
                             {"selection": spec.selection_seeds}, max_retries)
            means = {n: float(np.mean(results[n]["selection"]["objective"])) for n in survivors}
            keep = 1 if last else max(1, math.ceil(len(survivors) / spec.reduction))
            kept = sorted(survivors, key=lambda n: (-means[n], order[n]))[:keep]
            rung = {"episodes": episodes, "objective": means, "kept": kept}
            save_json(path, {"rungs": rungs + [rung]})
        rungs.append(rung)
        log("  " + ", ".join(f"{n}: {v:.2f}" for n, v in sorted(rung["objective"].items(), key=lambda kv: -kv[1]))
            + f"  -> kept {', '.join(rung['kept'])}")
        survivors = rung["kept"]
        if len(survivors) == 1:
            break
    return rungs, by_name[survivors[0]]


def _report(spec: DesignSpec, design_dir: Path, schedules: list, rungs: list, chosen: tuple, max_retries: int, log):
    from sedtheory.equilibrium.certificate import Certificate, Witness
    from sedtheory.rl.evaluate import confidence_interval

    nb = len(chosen)
    zero = (0.0,) * nb
    random_pick = schedules[int(np.random.default_rng(spec.random_seed).integers(len(schedules)))]
    roles: dict[str, list[str]] = {}
    for role, rates in (("chosen", chosen), ("no tax", zero), ("random", random_pick)):
        roles.setdefault(_name(rates), []).append(role)
    names = {_name(r): r for r in [chosen, zero, random_pick] + (list(schedules) if spec.full_grid else [])}
    log(f"full budget ({spec.max_episodes} episodes): {len(names)} schedules")
    results = _train(spec, design_dir, names, spec.max_episodes,
                     {"selection": spec.selection_seeds, "report": spec.report_seeds}, max_retries)
    if spec.full_grid:
        order = {_name(r): k for k, r in enumerate(schedules)}
        grid_best = max(order, key=lambda n: (np.mean(results[n]["selection"]["objective"]), -order[n]))
        roles.setdefault(grid_best, []).append("grid's best")
    chosen_name = _name(chosen)
    report = {n: {m: np.asarray(results[n]["report"][m]) for m in EVAL_METRICS} for n in names}
    comparisons = {}
    for name, labels in roles.items():
        for label in labels:
            if label != "chosen":
                comparisons[f"chosen - {label}"] = confidence_interval(
                    report[chosen_name]["objective"] - report[name]["objective"])
    zero_name = _name(zero)
    versus_no_tax = {m: confidence_interval(report[chosen_name][m] - report[zero_name][m]) for m in EVAL_METRICS}
    eta = float(load_json(design_dir / CANDIDATES / chosen_name / "summary.json")["eta"])
    schedules_out = {n: {"rates": list(names[n]), "roles": roles.get(n, []),
                         **{m: confidence_interval(report[n][m]) for m in EVAL_METRICS}} for n in names}

    # --- certificate: ε̂ over the schedules trained to the end, δ̂ by best-response fine-tuning ---
    others = [n for n in names if n != chosen_name]
    if others:
        gains = {n: report[n]["objective"] - report[chosen_name]["objective"] for n in others}
        witness = max(others, key=lambda n: gains[n].mean())
        eps, eps_low, eps_high = confidence_interval(gains[witness])
        leader = Witness(0, f"fixed schedule {list(names[witness])}", float(report[witness]["objective"].mean()),
                         float(report[chosen_name]["objective"].mean()))
    else:
        eps, eps_low, eps_high, leader = 0.0, 0.0, 0.0, None
    players = list(spec.gap_players) or list(range(spec.base_config().n_players))
    log(f"follower gaps: best-response fine-tuning of players {players}")
    gaps = _run({f"player {i}": ((str(design_dir / CANDIDATES / chosen_name), i, list(chosen)),
                                 {"episodes": spec.br_episodes, "games": spec.eval_games,
                                  "eval_seeds": len(spec.report_seeds), "seed": spec.report_seeds[0] + 1_000 * i})
                 for i in players}, follower_gap, max_retries)
    follower = [gaps[f"player {i}"] for i in players]
    delta_hat = np.array([f["gap"] for f in follower])
    certificate = Certificate(
        epsilon_hat=float(eps), delta_hat=delta_hat, epsilon=float(spec.epsilon), delta=float(spec.delta),
        holds=Certificate.condition_holds(eps, delta_hat, spec.epsilon, spec.delta), leader_witness=leader,
        follower_witnesses=tuple(Witness(i + 1, f"PPO best response of player {i} against {list(chosen)} "
                                         f"({spec.br_episodes} x {spec.eval_games} episodes)", f["value"],
                                         f["baseline"]) for i, f in zip(players, follower)),
        leader_optimum_method=f"best of {len(names)} fixed schedules trained {spec.max_episodes} episodes (estimate)",
        estimated=True, epsilon_interval=(float(eps_low), float(eps_high)),
        delta_intervals=tuple(tuple(f["interval"]) for f in follower),
        notes=(f"epsilon_hat over {len(names)} schedules trained to the full budget"
               + ("" if spec.full_grid else " (no full grid: only the chosen, no tax and the random candidate)")
               + f", {len(spec.report_seeds) * spec.eval_games} paired report episodes, 95% t-intervals",
               f"followers graded: {players} (player indices from 0; witness player = index + 1)",
               "both gaps are lower bounds: budget-limited responses and best responses"))
    table = _table(spec, chosen, eta, rungs, schedules_out, comparisons, versus_no_tax, certificate)
    files = [design_dir / "report.json", design_dir / "report.txt", design_dir / "certificate.json",
             design_dir / "report_episodes.json"]
    save_json(files[0], {"chosen": list(chosen), "eta": eta, "rungs": rungs, "schedules": schedules_out,
                         "comparisons": {k: list(v) for k, v in comparisons.items()},
                         "versus_no_tax": {k: list(v) for k, v in versus_no_tax.items()},
                         "certificate": certificate.to_dict()})
    files[1].write_text(table + "\n")
    save_json(files[2], certificate.to_dict())
    save_json(files[3], {"report_seeds": list(spec.report_seeds), "eval_games": spec.eval_games,
                         "schedules": {n: {"rates": list(names[n]), **{m: report[n][m].tolist() for m in EVAL_METRICS}}
                                       for n in names}})
    return DesignResult(chosen, eta, rungs, schedules_out, comparisons, versus_no_tax, certificate, table,
                        [str(f) for f in files])


def _fmt(interval) -> str:
    mean, low, high = interval
    return f"{mean:.2f} [{low:.2f}, {high:.2f}]" if math.isfinite(low) else f"{mean:.2f} [n/a]"


def _table(spec, chosen, eta, rungs, schedules_out, comparisons, versus_no_tax, certificate) -> str:
    lines = [f"eta = {eta:.3f} (the players' vote); chosen schedule: {list(chosen)} (successive halving over "
             f"{len(rungs[0]['objective'])} candidates, rungs at {[r['episodes'] for r in rungs]} episodes, "
             f"selection seeds {list(spec.selection_seeds)})",
             f"report seeds {list(spec.report_seeds)} x {spec.eval_games} games; mean [95% t-interval]:",
             f"{'schedule':<36}{'roles':<28}" + "".join(f" {m:>25}" for m in ("objective", "total_apples",
                                                                            "min_apples", "gini", "apples_left"))]
    for name, row in schedules_out.items():
        lines.append(f"{name:<36}{', '.join(row['roles']):<28}"
                     + "".join(f" {_fmt(row[m]):>25}" for m in ("objective", "total_apples", "min_apples", "gini",
                                                               "apples_left")))
    lines.append("paired O_eta differences (same engine seeds and games):")
    for label, interval in comparisons.items():
        lines.append(f"  {label:<28}{_fmt(interval)}")
    lines.append("chosen minus no tax, paired, every metric:")
    lines.append("  " + "; ".join(f"{m} {_fmt(v)}" for m, v in versus_no_tax.items()))
    lines.append(certificate.summary())
    if certificate.epsilon_hat is not None and certificate.epsilon_hat < 0:
        lines.append("  (a negative leader gap: the chosen schedule beat every other schedule trained to the full budget)")
    return "\n".join(lines)
