"""Training configuration for the Apple Picking Game: one frozen dataclass, a help line per field.

The defaults follow the paper's Appendix A (7 players, episode 1000, sampling horizon 200,
tax period 50, brackets (0, 10, 20, 10000)) and the PPO settings of the paper's code
(rules sheet ``docs/apple_game.md``: lr 2.5e-4 annealed, Adam eps 1e-5, γ 0.99, GAE λ 0.95,
4 epochs, clip 0.2, value clipping, entropy 0.01, value coefficient 0.5, grad norm 0.5).
The *scale* (number of parallel games, total steps, network width, minibatch size) defaults
to a small run that finishes in minutes on a laptop CPU; :data:`PRESETS` ``"paper"`` gives the
paper's full scale (minibatch 128, a conv net, 2 % tax annealing). Derived sizes are
properties, CleanRL style (``ppo.py`` ``Args``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Literal

from sedtheory._validate import ValidationError


def _help(text: str, default):
    return field(default=default, metadata={"help": text})


@dataclass(frozen=True)
class TrainConfig:
    """Every setting of a two-level PPO run (players + principal) on the Apple Picking Game."""

    # --- experiment ---
    seed: int = _help("seed of everything: types, environments, networks, sampling", 1)
    total_timesteps: int = _help("environment steps summed over parallel games (agent-steps = this x players)", 480_000)
    num_games: int = _help("parallel games in the batched engine", 16)
    device: str = _help("torch device", "cpu")
    torch_threads: int = _help("torch intra-op threads (0 = torch's default; 1 is fastest for these small nets)", 1)
    # --- game (Appendix A) ---
    n_players: int = _help("players (Appendix A: 7)", 7)
    episode_length: int = _help("steps per episode (Appendix A: 1000)", 1000)
    tax_period: int = _help("steps per tax period (Appendix A: 50)", 50)
    tax_thresholds: tuple[float, ...] = _help("bracket thresholds tau in apples (Appendix A: 0 10 20 10000)", (0.0, 10.0, 20.0, 10000.0))
    zap: bool = _help("enable Melting Pot's zap action (the paper's runs used 7 actions, no zap)", False)
    map_layout: Literal["commons", "corridor", "field_3x3"] = _help(
        "map: 'commons' (Melting Pot's commons_harvest__open, the paper's) or a tiny one of the tabular twin", "commons")
    map_ascii: str = _help("the map as ASCII art (legend: sedtheory.envs.apple.params.MAP_LEGEND); "
                           "empty: the map_layout's map", "")
    window: tuple[int, ...] = _help("observation window (forward, backward, left, right); empty: the map_layout's "
                                    "(commons: 9 1 5 5, Appendix A)", ())
    regrowth_probs: tuple[float, ...] = _help("apple regrowth probability by live neighbours (empty: the paper's "
                                              "0 0.0025 0.005 0.025)", ())
    selfishness: tuple[float, ...] = _help("fixed selfishness types sigma, one per player (empty: drawn U[0,1] from the seed, as in the paper)", ())
    trust: tuple[float, ...] = _help("fixed trust types beta, one per player (empty: drawn U[0,1] from the seed, as in the paper)", ())
    # --- players' PPO ---
    num_steps: int = _help("sampling horizon: steps per game per rollout (Appendix A: 200)", 200)
    learning_rate: float = _help("Adam learning rate (paper code: 2.5e-4)", 2.5e-4)
    anneal_lr: bool = _help("anneal the learning rate linearly to 0 (paper code: on)", True)
    adam_eps: float = _help("Adam epsilon (paper code: 1e-5)", 1e-5)
    gamma: float = _help("discount factor (paper code: 0.99)", 0.99)
    gae_lambda: float = _help("GAE lambda (paper code: 0.95)", 0.95)
    minibatch_size: int = _help("samples per player minibatch (paper code: 128; larger is faster on CPU)", 2048)
    update_epochs: int = _help("epochs over each rollout (paper code: 4)", 4)
    norm_adv: bool = _help("normalise advantages per minibatch (CleanRL)", True)
    clip_coef: float = _help("PPO surrogate clip (paper code: 0.2)", 0.2)
    clip_vloss: bool = _help("clip the value loss (paper code: on)", True)
    ent_coef: float = _help("entropy bonus coefficient (paper code: 0.01)", 0.01)
    vf_coef: float = _help("value loss coefficient (paper code: 0.5)", 0.5)
    max_grad_norm: float = _help("global gradient norm clip (paper code: 0.5)", 0.5)
    target_kl: float = _help("stop the epochs early when approx. KL exceeds this (0 = never; CleanRL default off)", 0.0)
    network: Literal["embed", "mlp", "conv"] = _help("player network: 'embed' (one-hot cell codes, fastest), 'mlp' or 'conv' (on float channels)", "embed")
    hidden_size: int = _help("width of the hidden layers", 64)
    player_tax_features: bool = _help(
        "players also observe the rates, their bracket fill and the period phase (Definition 2.3: followers "
        "respond having observed phi; off: the window only, as the paper's Figure 2 describes)", True)
    player_episode_phase: bool = _help("players also observe the episode phase t / episode_length (a part of the "
                                       "tax features: no effect without them; the value of leaving apples depends on the time left)", True)
    norm_returns: bool = _help("scale each level's rewards by the running std of its discounted return "
                               "(CleanRL's NormalizeReward; value losses and value clipping then act in those units)", True)
    # --- principal ---
    principal: bool = _help("train a principal (off: no tax at all, phi = 0)", True)
    fixed_rates: tuple[float, ...] = _help("a fixed, committed schedule instead of a learned principal: one rate per "
                                           "bracket, in force from the first phase-two update (empty: learned)", ())
    commitment_periods: int = _help("tax periods a chosen schedule stays in force (1: the paper's principal, which "
                                    "re-chooses every period; 0: the whole episode)", 0)
    principal_anneal_lr: bool = _help("anneal the principal's learning rate linearly to 0 over phase two "
                                      "(off: constant, as the AI Economist's planner)", False)
    cap_mode: Literal["mask", "clamp"] = _help("rate-cap annealing: 'mask' forbids choices above the cap (the AI "
                                               "Economist's action masks); 'clamp' clamps the chosen rate", "mask")
    principal_explore_fraction: float = _help(
        "share of training, from the start of phase two, in which the principal commits to uniformly random "
        "schedules (rates k/10 up to the cap) without learning, so that the players first learn to answer every "
        "schedule (contextual followers, Gerstgrasser & Parkes 2023); the principal learns afterwards", 0.0)
    principal_levels: tuple[float, ...] = _help(
        "the rate levels the principal may choose in every bracket, each a multiple of 0.1 (empty: all 11, "
        "0, 0.1, ..., 1); the other levels are masked, as the cap is (needs cap_mode='mask')", ())
    principal_flat: bool = _help("the principal chooses one rate for every bracket (a flat tax): bracket 0's "
                                 "choice applies to all; the other heads are masked to 'keep'", False)
    players_per_schedule: bool = _help(
        "one player network per schedule the principal can commit to (every combination of its levels over the "
        "brackets), each trained only on the games played under its schedule and picked by the rates the players "
        "observe: followers conditioned on the leader's committed schedule with no parameters shared across "
        "schedules (Gerstgrasser & Parkes 2023's contextual followers, one-hot context). Needs "
        "player_tax_features, commitment_periods=0, the level 0 (phase one) and at most 64 schedules", False)
    principal_learning_rate: float = _help("principal Adam learning rate", 2.5e-4)
    principal_update_epochs: int = _help("principal epochs per update", 4)
    principal_minibatches: int = _help("principal minibatches per update", 1)
    principal_ent_coef: float = _help("principal entropy coefficient (at the start of phase two when annealed)", 0.01)
    principal_ent_final: float = _help("principal entropy coefficient reached at the end of its annealing", 0.01)
    principal_ent_anneal_fraction: float = _help(
        "share of training, from the start of phase two, over which the principal's entropy coefficient falls "
        "linearly from principal_ent_coef to principal_ent_final (0: constant principal_ent_coef; the AI "
        "Economist's planner: 2.0 -> 0.125)", 0.0)
    principal_hidden_size: int = _help("principal hidden width", 64)
    # --- curriculum (Zheng et al. 2022, two phases with tax annealing) ---
    phase_one_fraction: float = _help("share of training in phase one (players learn with no tax)", 0.25)
    anneal_fraction: float = _help("share of training over which the rate cap rises from 10 to 100 percent (paper code: 0.02)", 0.25)
    initial_rate_cap: float = _help("cap on every tax rate at the start of phase two", 0.1)
    # --- voting ---
    voting_period: int = _help("tax periods per voting round", 4)
    voting_rule: str = _help("registered social choice rule mapping reports to eta (paper: mean)", "mean")
    strategic_reports: bool = _help("players report strategically (manipulation best responses) instead of truthfully", False)
    # --- bookkeeping ---
    checkpoint_every: int = _help("write a checkpoint every this many episodes (0 = only at the end)", 1)
    log_tensorboard: bool = _help("also write TensorBoard event files", True)
    progress: bool = _help("show a progress bar", True)

    def __post_init__(self) -> None:
        validate_config(self)

    # --- derived sizes (CleanRL style) ---
    @property
    def batch_size(self) -> int:
        """Player samples per update: games x players x horizon."""
        return self.num_games * self.n_players * self.num_steps

    @property
    def num_updates(self) -> int:
        """Number of rollout + update iterations."""
        return self.total_timesteps // (self.num_games * self.num_steps)

    @property
    def updates_per_episode(self) -> int:
        """Rollouts (and updates) per episode: episode_length / num_steps (Appendix A: 5)."""
        return self.episode_length // self.num_steps

    @property
    def periods_per_rollout(self) -> int:
        """Tax periods, hence principal decisions per game, in one rollout: num_steps / tax_period."""
        return self.num_steps // self.tax_period

    @property
    def commitment_steps(self) -> int:
        """Steps a principal's schedule stays in force: ``commitment_periods · tax_period``, or the
        whole episode when ``commitment_periods = 0``."""
        return self.commitment_periods * self.tax_period if self.commitment_periods else self.episode_length

    @property
    def decisions_per_episode(self) -> int:
        """Principal decisions per game and episode: ``episode_length / commitment_steps``."""
        return self.episode_length // self.commitment_steps

    @property
    def n_brackets(self) -> int:
        """Tax brackets: one fewer than the thresholds (Appendix A: 3)."""
        return len(self.tax_thresholds) - 1

    def replace(self, **changes) -> "TrainConfig":
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)


def _positive(config: TrainConfig, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError(f"{name}: must be an integer >= 1, got {value!r}")


def _real(config: TrainConfig, name: str, low: float, *, open_low: bool = False, high: float = math.inf) -> None:
    """``config.<name>`` must be a finite real (not a bool) in ``[low, high]`` (``(low, high]`` if ``open_low``)."""
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValidationError(f"{name}: must be a finite number, got {value!r}")
    if value < low or (open_low and value == low) or value > high:
        interval = f"{'(' if open_low else '['}{low:g}, {high:g}]"
        raise ValidationError(f"{name}: must lie in {interval}, got {value!r}")


def _check_types(name: str, values: tuple, n_players: int) -> None:
    """Fixed types: empty (drawn from the seed) or ``n_players`` finite numbers in [0, 1]."""
    if not values:
        return
    if len(values) != n_players:
        raise ValidationError(f"{name}: expected {n_players} values (one per player) or none, got {len(values)}")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= 1
               for v in values):
        raise ValidationError(f"{name}: values must be numbers in [0, 1], got {values}")


MAX_SCHEDULES = 64
"""Most player networks ``players_per_schedule`` builds (levels ** brackets)."""


def _check_levels(config: TrainConfig) -> None:
    levels = tuple(config.principal_levels)
    if levels:
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in levels):
            raise ValidationError(f"principal_levels: must be numbers, got {levels}")
        off = [v for v in levels if not 0 <= v <= 1 or abs(10 * v - round(10 * v)) > 1e-9]
        if off:
            raise ValidationError(f"principal_levels: each level must be one of 0, 0.1, ..., 1 (the principal's "
                                  f"choices), got {off[0]}")
        if len({round(10 * v) for v in levels}) != len(levels):
            raise ValidationError(f"principal_levels: levels repeat, got {levels}")
        if config.cap_mode != "mask":
            raise ValidationError("principal_levels: restricting the levels masks the other choices; it needs "
                                  f"cap_mode='mask', got {config.cap_mode!r}")
    if config.players_per_schedule:
        n_levels = len(levels) if levels else 11
        n_schedules = n_levels if config.principal_flat else n_levels ** (len(tuple(config.tax_thresholds)) - 1)
        if not config.player_tax_features:
            raise ValidationError("players_per_schedule: the players' network is picked by the rates they observe; "
                                  "it needs player_tax_features=True")
        if config.commitment_periods != 0:
            raise ValidationError("players_per_schedule: each network answers one committed schedule; it needs "
                                  f"commitment_periods=0 (the whole episode), got {config.commitment_periods}")
        if levels and not any(round(10 * v) == 0 for v in levels):
            raise ValidationError("players_per_schedule: the levels must include 0 (the schedule of phase one and "
                                  f"of 'keep' at an episode's start), got {levels}")
        if n_schedules > MAX_SCHEDULES:
            raise ValidationError(f"players_per_schedule: {n_levels} levels over {len(config.tax_thresholds) - 1} "
                                  f"brackets make {n_schedules} schedules, more than {MAX_SCHEDULES} networks; "
                                  "restrict principal_levels")
        if config.fixed_rates:
            raise ValidationError("players_per_schedule: a fixed schedule (fixed_rates) has one network's worth of "
                                  "players already; leave players_per_schedule off")


def validate_config(config: TrainConfig) -> None:
    """Raise :class:`ValidationError` naming the first bad field of ``config``."""
    _positive(config, ("total_timesteps", "num_games", "n_players", "episode_length", "tax_period", "num_steps",
                       "minibatch_size", "update_epochs", "hidden_size", "principal_update_epochs",
                       "principal_minibatches", "principal_hidden_size", "voting_period"))
    for name in ("gamma", "gae_lambda", "phase_one_fraction", "anneal_fraction", "principal_ent_anneal_fraction",
                 "principal_explore_fraction"):
        _real(config, name, 0.0, high=1.0)
    _real(config, "initial_rate_cap", 0.0, open_low=True, high=1.0)
    for name in ("learning_rate", "principal_learning_rate", "adam_eps", "clip_coef"):
        _real(config, name, 0.0, open_low=True)
    for name in ("ent_coef", "vf_coef", "max_grad_norm", "target_kl", "principal_ent_coef", "principal_ent_final"):
        _real(config, name, 0.0)
    for name in ("torch_threads", "checkpoint_every", "commitment_periods"):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(f"{name}: must be an integer >= 0, got {value!r}")
    if config.episode_length % config.num_steps:
        raise ValidationError(f"num_steps: must divide episode_length={config.episode_length}, got {config.num_steps}")
    if config.num_steps % config.tax_period:
        raise ValidationError(f"tax_period: must divide num_steps={config.num_steps}, got {config.tax_period}")
    if config.num_updates < 1:
        raise ValidationError(f"total_timesteps: {config.total_timesteps} is less than one rollout "
                              f"(num_games x num_steps = {config.num_games * config.num_steps})")
    if config.minibatch_size > config.batch_size:
        raise ValidationError(f"minibatch_size: {config.minibatch_size} exceeds the batch of {config.batch_size} samples")
    thresholds = tuple(config.tax_thresholds)
    if not all(isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t) for t in thresholds):
        raise ValidationError(f"tax_thresholds: must be finite numbers, got {thresholds}")
    if len(thresholds) < 2 or any(b <= a for a, b in zip(thresholds, thresholds[1:])) or thresholds[0] != 0:
        raise ValidationError(f"tax_thresholds: must start at 0 and increase strictly, got {thresholds}")
    if config.phase_one_fraction + config.principal_explore_fraction > 1:
        raise ValidationError("principal_explore_fraction: phase_one_fraction + principal_explore_fraction must not "
                              f"exceed 1, got {config.phase_one_fraction} + {config.principal_explore_fraction}")
    if config.phase_one_fraction + config.anneal_fraction > 1:
        raise ValidationError("phase_one_fraction + anneal_fraction: must not exceed 1, got "
                              f"{config.phase_one_fraction} + {config.anneal_fraction}")
    periods = config.episode_length // config.tax_period
    if config.commitment_periods and periods % config.commitment_periods:
        raise ValidationError(f"commitment_periods: must divide the {periods} tax periods of an episode (or be 0: "
                              f"the whole episode), got {config.commitment_periods}")
    if config.cap_mode not in ("mask", "clamp"):
        raise ValidationError(f"cap_mode: must be 'mask' or 'clamp', got {config.cap_mode!r}")
    if config.fixed_rates:
        if len(config.fixed_rates) != len(thresholds) - 1:
            raise ValidationError(f"fixed_rates: expected {len(thresholds) - 1} rates (one per bracket) or none, "
                                  f"got {len(config.fixed_rates)}")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= 1
                   for v in config.fixed_rates):
            raise ValidationError(f"fixed_rates: rates must be numbers in [0, 1], got {config.fixed_rates}")
        if not config.principal:
            raise ValidationError("fixed_rates: a fixed schedule needs principal=True (principal=False means no tax)")
    _check_levels(config)
    if config.window and (len(config.window) != 4 or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in config.window)):
        raise ValidationError(f"window: expected 4 integers >= 0 (forward, backward, left, right) or none, "
                              f"got {config.window}")
    if config.regrowth_probs and not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                         and math.isfinite(v) and 0 <= v <= 1 for v in config.regrowth_probs):
        raise ValidationError(f"regrowth_probs: probabilities must be numbers in [0, 1], got {config.regrowth_probs}")
    if config.map_layout not in ("commons", "corridor", "field_3x3"):
        raise ValidationError(f"map_layout: must be 'commons', 'corridor' or 'field_3x3', got {config.map_layout!r}")
    if config.network not in ("embed", "mlp", "conv"):
        raise ValidationError(f"network: must be 'embed', 'mlp' or 'conv', got {config.network!r}")
    for name in ("selfishness", "trust"):
        _check_types(name, tuple(getattr(config, name)), config.n_players)


PRESETS: dict[str, dict] = {
    "default": {},
    # The paper's full scale: minibatch 128 and 2 % tax annealing are the paper code's defaults;
    # the number of games and total steps are our reading of "full scale" (the paper gives none).
    # The principal is the paper's: it re-chooses every tax period, its learning rate anneals with the
    # players', rates above the cap are clamped, and neither level normalises returns.
    "paper": dict(total_timesteps=200_000_000, num_games=32, minibatch_size=128, network="conv",
                  hidden_size=128, principal_hidden_size=128, phase_one_fraction=0.1, anneal_fraction=0.02,
                  commitment_periods=1, principal_anneal_lr=True, cap_mode="clamp", norm_returns=False,
                  player_episode_phase=False),
    # The default scale with long credit assignment: players then learn to leave apples standing
    # under a full tax (benchmarks/README.md, fixed_tax_screen.py: 194 apples against 79 without
    # tax, drawn types, 200 episodes x 16 games); the paper code uses 0.99 / 0.95.
    "long_credit": dict(gamma=0.999, gae_lambda=0.99),
    # The within-run Stackelberg principal on the full game: long credit assignment, one player
    # network per committed flat tax (0, 50 or 100 %), the first half of the run on uniformly random
    # flat taxes, then the principal learns (benchmarks/README.md, "principal_learning_ps.json").
    "stackelberg": dict(gamma=0.999, gae_lambda=0.99, total_timesteps=1_600_000, players_per_schedule=True,
                        principal_flat=True, principal_levels=(0.0, 0.5, 1.0), phase_one_fraction=0.0,
                        anneal_fraction=0.0, principal_explore_fraction=0.5, principal_learning_rate=2.5e-3),
    # A seconds-long smoke run for tests and for trying the pipeline.
    "tiny": dict(total_timesteps=2_400, num_games=2, episode_length=200, num_steps=100, minibatch_size=256,
                 update_epochs=2, hidden_size=32, principal_hidden_size=32, voting_period=2),
}


def make_config(preset: str = "default", **overrides) -> TrainConfig:
    """The named preset with ``overrides`` applied.

    Raises:
        ValidationError: unknown preset, unknown field, or an invalid value.
    """
    if preset not in PRESETS:
        raise ValidationError(f"preset: unknown preset {preset!r}; choose from {sorted(PRESETS)}")
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ValidationError(f"{unknown[0]}: not a TrainConfig field")
    return TrainConfig(**{**PRESETS[preset], **overrides})


ENV_FIELDS = ("n_players", "episode_length", "tax_period", "tax_thresholds", "zap", "map_layout", "map_ascii", "window",
              "regrowth_probs", "selfishness", "trust", "principal", "fixed_rates", "commitment_periods")
"""Fields of the ``env`` section of a run's ``config.json``: the game, the players' types and the
principal's mode: everything needed to rebuild the run's environment with no code outside the folder."""


def config_to_dict(config: TrainConfig) -> dict:
    """JSON-ready dictionary of every field; the environment's fields (:data:`ENV_FIELDS`) in an
    ``env`` section, the rest at the top level."""
    flat = {f.name: (list(v) if isinstance(v := getattr(config, f.name), tuple) else v)
            for f in dataclasses.fields(config)}
    return {"env": {k: flat.pop(k) for k in ENV_FIELDS}, **flat}


LEGACY_VALUES: dict[str, object] = {"player_tax_features": False, "player_episode_phase": False,
                                    "norm_returns": False, "commitment_periods": 1, "principal_anneal_lr": None,
                                    "cap_mode": "clamp"}
"""Fields added after runs were written, with the value that reproduces those older runs (a
config file without the field was written before it existed). ``principal_anneal_lr`` then
followed ``anneal_lr``; ``commitment_periods = 1`` is the paper's per-period principal, though
older runs also updated it once per rollout, which this version no longer does."""


def config_from_dict(data: dict) -> TrainConfig:
    """Inverse of :func:`config_to_dict` (validated); also reads the flat files written before the
    ``env`` section existed. A field in :data:`LEGACY_VALUES` that the dictionary lacks takes its
    legacy value, not the current default."""
    if not isinstance(data, dict):
        raise ValidationError(f"config: expected a JSON object, got {type(data).__name__}")
    data = dict(data)
    env = data.pop("env", {})
    if not isinstance(env, dict):
        raise ValidationError(f"env: expected a JSON object, got {type(env).__name__}")
    misplaced = sorted(set(env) - set(ENV_FIELDS))
    if misplaced:
        raise ValidationError(f"env.{misplaced[0]}: not a field of the env section")
    both = sorted(set(env) & set(data))
    if both:
        raise ValidationError(f"{both[0]}: given both in the env section and at the top level")
    data.update(env)
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValidationError(f"{unknown[0]}: not a TrainConfig field (config file from another version?)")
    legacy = {k: v for k, v in LEGACY_VALUES.items() if k not in data}
    if legacy.get("principal_anneal_lr", 0) is None:
        legacy["principal_anneal_lr"] = bool(data.get("anneal_lr", True))
    values = {**legacy, **data}
    return TrainConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})
