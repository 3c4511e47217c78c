"""Sweep specifications: a grid or a seeded random sample over ``TrainConfig`` fields, times seeds.

A spec is a small mapping (a JSON, TOML or YAML file, or built from command-line flags)::

    preset = "tiny"                       # a name of sedtheory.rl.config.PRESETS
    seeds = [1, 2, 3]                     # every setting is trained once per seed
    last_episodes = 5                     # episodes averaged per trial in the results table
    [set]                                 # fixed overrides, common to every trial
    total_timesteps = 4800
    [grid]                                # every combination of these values
    gamma = [0.99, 0.999]
    fixed_rates = [[0, 0, 0], [1, 1, 1]]
    [random]                              # `samples` draws of these, from `sample_seed`
    learning_rate = {loguniform = [1e-4, 1e-3]}
    ent_coef = {choice = [0.0, 0.01]}

and :func:`trials` expands it, deterministically, into :class:`Trial` records (with no
progress bar, ``progress = false``, unless `set` says otherwise): one
``TrainConfig`` per (grid point, random draw, seed), validated at once, and a folder name
made from the settings that vary (``gamma=0.999,learning_rate=0.00031,seed=2``). Random
draws are rounded to 4 significant digits, so that the name states the value exactly.
Every problem is a :class:`~sedtheory._validate.ValidationError` naming the field.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sedtheory._validate import ValidationError
from sedtheory.rl.config import PRESETS, TrainConfig, config_to_dict, make_config

TRIALS_DIR = Path("trials")
"""Where a sweep keeps its trials' run folders, one per trial, relative to the sweep folder."""

DISTRIBUTIONS = ("uniform", "loguniform", "int", "choice")
"""Random-search distributions: ``uniform [lo, hi]``, ``loguniform [lo, hi]`` (lo > 0), ``int [lo, hi]``
(inclusive) and ``choice [v1, v2, ...]`` (uniform over the listed values)."""

SPEC_KEYS = ("preset", "seeds", "set", "grid", "random", "samples", "sample_seed", "last_episodes")
"""The keys of a spec file."""

_FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}
_HINTS = typing.get_type_hints(TrainConfig)
_MAX_NAME = 160


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: preset, fixed overrides, grid, random sample and seeds.

    Attributes:
        preset: the :data:`~sedtheory.rl.config.PRESETS` entry every trial starts from.
        seeds: training seeds; each setting runs once per seed (``TrainConfig.seed``).
        fixed: overrides common to every trial (``set`` in a file).
        grid: field → the values to combine (full Cartesian product, in the given order).
        random: field → ``(distribution, arguments)``, see :data:`DISTRIBUTIONS`.
        samples: random draws (0 without ``random``); each draw is combined with every grid point.
        sample_seed: seed of the random draws (``numpy.random.default_rng``).
        last_episodes: training episodes averaged per trial for the results table.
    """

    preset: str = "default"
    seeds: tuple[int, ...] = (1,)
    fixed: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)
    random: dict = field(default_factory=dict)
    samples: int = 0
    sample_seed: int = 0
    last_episodes: int = 5

    def __post_init__(self) -> None:
        _validate_spec(self)

    @property
    def varied(self) -> tuple[str, ...]:
        """The fields that differ between settings, in name order: grid, then random."""
        return tuple(self.grid) + tuple(self.random)

    def to_dict(self) -> dict:
        """JSON-ready form, the inverse of :func:`spec_from_dict`."""
        return {"preset": self.preset, "seeds": list(self.seeds), "set": _jsonable(self.fixed),
                "grid": {k: [_jsonable(v) for v in vs] for k, vs in self.grid.items()},
                "random": {k: {dist: _jsonable(args)} for k, (dist, args) in self.random.items()},
                "samples": self.samples, "sample_seed": self.sample_seed, "last_episodes": self.last_episodes}


@dataclass(frozen=True)
class Trial:
    """One training run of a sweep.

    Attributes:
        name: its folder name (from ``settings``; unique within the sweep).
        settings: the varied fields and their values, ``seed`` last.
        config: the run's full, validated configuration.
    """

    name: str
    settings: dict
    config: TrainConfig

    @property
    def group(self) -> tuple:
        """The setting without the seed: trials of one group differ only by their seed."""
        return tuple((k, _key(v)) for k, v in self.settings.items() if k != "seed")


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return value


def _key(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


# --------------------------------------------------------------------------- values of fields
def coerce_value(name: str, value):
    """``value`` as a valid Python value of ``TrainConfig.<name>``: a JSON/TOML value, or a
    command-line string (tuples as ``a/b/c``, booleans as true/false).

    Raises:
        ValidationError: ``name`` is not a field, or ``value`` does not fit its type.
    """
    if name not in _FIELDS:
        raise ValidationError(f"{name}: not a TrainConfig field")
    hint = _HINTS[name]
    origin = typing.get_origin(hint)
    if origin is tuple:
        inner = typing.get_args(hint)[0]
        if isinstance(value, str):
            value = [v for v in re.split(r"[/\s]+", value.strip()) if v] if value.strip() else []
        if not isinstance(value, (list, tuple)):
            raise ValidationError(f"{name}: expected a list of {inner.__name__} values, got {value!r}")
        return tuple(_scalar(name, inner, v) for v in value)
    if origin is typing.Literal:
        choices = typing.get_args(hint)
        if value not in choices:
            raise ValidationError(f"{name}: must be one of {list(choices)}, got {value!r}")
        return value
    return _scalar(name, hint, value)


def _scalar(name: str, kind, value):
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            return value.lower() in ("true", "1", "yes", "on")
        raise ValidationError(f"{name}: expected true or false, got {value!r}")
    if kind is int:
        if isinstance(value, str):
            try:
                value = int(value)
            except ValueError:
                raise ValidationError(f"{name}: expected an integer, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"{name}: expected an integer, got {value!r}")
        return value
    if kind is float:
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ValidationError(f"{name}: expected a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValidationError(f"{name}: expected a finite number, got {value!r}")
        return float(value)
    if kind is str:
        if not isinstance(value, str):
            raise ValidationError(f"{name}: expected a string, got {value!r}")
        return value
    raise ValidationError(f"{name}: fields of type {kind} cannot be swept")


# --------------------------------------------------------------------------- the spec
def _validate_spec(spec: SweepSpec) -> None:
    if spec.preset not in PRESETS:
        raise ValidationError(f"preset: unknown preset {spec.preset!r}; choose from {sorted(PRESETS)}")
    seeds = spec.seeds
    if (not isinstance(seeds, tuple) or not seeds
            or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)):
        raise ValidationError(f"seeds: expected a non-empty list of integers >= 0, got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise ValidationError(f"seeds: repeated seed in {list(seeds)}")
    for key, value in (("samples", spec.samples), ("sample_seed", spec.sample_seed)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(f"{key}: must be an integer >= 0, got {value!r}")
    if isinstance(spec.last_episodes, bool) or not isinstance(spec.last_episodes, int) or spec.last_episodes < 1:
        raise ValidationError(f"last_episodes: must be an integer >= 1, got {spec.last_episodes!r}")
    if bool(spec.random) != bool(spec.samples):
        raise ValidationError("samples: give both `random` distributions and `samples` >= 1, or neither "
                              f"(got {len(spec.random)} distributions and samples={spec.samples})")
    sections = (("set", spec.fixed), ("grid", spec.grid), ("random", spec.random))
    seen: dict[str, str] = {}
    for section, mapping in sections:
        if not isinstance(mapping, dict):
            raise ValidationError(f"{section}: expected a mapping of TrainConfig fields, got {type(mapping).__name__}")
        for name in mapping:
            if name not in _FIELDS:
                raise ValidationError(f"{section}.{name}: not a TrainConfig field")
            if name == "seed":
                raise ValidationError(f"{section}.seed: give training seeds as `seeds`, not as a field")
            if name in seen:
                raise ValidationError(f"{section}.{name}: already given in `{seen[name]}`")
            seen[name] = section
    for name, values in spec.grid.items():
        if not isinstance(values, (list, tuple)) or not values:
            raise ValidationError(f"grid.{name}: expected a non-empty list of values, got {values!r}")
        if len({_key(v) for v in values}) != len(values):
            raise ValidationError(f"grid.{name}: repeated value in {list(values)}")
    for name, dist in spec.random.items():
        if not isinstance(dist, tuple) or len(dist) != 2:
            raise ValidationError(f"random.{name}: expected (distribution, arguments), got {dist!r}")
        _check_distribution(name, *dist)
    # values as the fields' Python types (tuples for tuple fields), so that configs compare equal
    # to those read back from run folders
    object.__setattr__(spec, "fixed", {k: _coerce_in("set", k, v) for k, v in spec.fixed.items()})
    object.__setattr__(spec, "grid", {k: [_coerce_in("grid", k, v) for v in vs] for k, vs in spec.grid.items()})
    object.__setattr__(spec, "random", {
        k: (d, tuple(_coerce_in("random", k, v) for v in a) if d == "choice" else tuple(a))
        for k, (d, a) in spec.random.items()})


def _check_distribution(name: str, dist: str, args) -> None:
    where = f"random.{name}"
    if dist not in DISTRIBUTIONS:
        raise ValidationError(f"{where}: unknown distribution {dist!r}; choose from {list(DISTRIBUTIONS)}")
    if not isinstance(args, (list, tuple)) or not args:
        raise ValidationError(f"{where}: expected a non-empty list of arguments, got {args!r}")
    if dist == "choice":
        return
    if len(args) != 2 or not all(isinstance(a, (int, float)) and not isinstance(a, bool) and math.isfinite(a)
                                 for a in args):
        raise ValidationError(f"{where}: {dist} needs [low, high] as two finite numbers, got {list(args)}")
    low, high = args
    if low > high:
        raise ValidationError(f"{where}: low {low} exceeds high {high}")
    if dist == "loguniform" and low <= 0:
        raise ValidationError(f"{where}: loguniform needs low > 0, got {low}")
    if dist == "int" and not all(isinstance(a, int) for a in args):
        raise ValidationError(f"{where}: int needs integer bounds, got {list(args)}")
    kind = _HINTS[name]
    if dist == "int" and kind is not int:
        raise ValidationError(f"{where}: an int distribution needs an integer field ({name} is {kind})")
    if dist in ("uniform", "loguniform") and kind is not float:
        raise ValidationError(f"{where}: a {dist} distribution needs a real-valued field ({name} is {kind})")


def spec_from_dict(data: dict) -> SweepSpec:
    """Build a :class:`SweepSpec` from a parsed file (values coerced to the fields' types).

    Raises:
        ValidationError: an unknown key or field, or a bad value (the message names it).
    """
    if not isinstance(data, dict):
        raise ValidationError(f"spec: expected a mapping, got {type(data).__name__}")
    unknown = sorted(set(data) - set(SPEC_KEYS))
    if unknown:
        raise ValidationError(f"{unknown[0]}: not a key of a sweep spec (keys: {', '.join(SPEC_KEYS)})")
    fixed = data.get("set", {}) or {}
    grid = data.get("grid", {}) or {}
    random = data.get("random", {}) or {}
    for section, mapping in (("set", fixed), ("grid", grid), ("random", random)):
        if not isinstance(mapping, dict):
            raise ValidationError(f"{section}: expected a mapping of TrainConfig fields, got {type(mapping).__name__}")
        for name in mapping:
            if name not in _FIELDS:
                raise ValidationError(f"{section}.{name}: not a TrainConfig field")
    fixed = {k: _coerce_in("set", k, v) for k, v in fixed.items()}
    coerced_grid = {}
    for name, values in grid.items():
        if not isinstance(values, (list, tuple)) or not values:
            raise ValidationError(f"grid.{name}: expected a non-empty list of values, got {values!r}")
        coerced_grid[name] = [_coerce_in("grid", name, v) for v in values]
    coerced_random = {}
    for name, dist in random.items():
        if not isinstance(dist, dict) or len(dist) != 1:
            raise ValidationError(f"random.{name}: expected one distribution, e.g. {{uniform = [0.9, 0.99]}}, "
                                  f"got {dist!r}")
        (kind, args), = dist.items()
        if kind == "choice" and isinstance(args, (list, tuple)):
            args = [_coerce_in("random", name, v) for v in args]
        coerced_random[name] = (kind, tuple(args) if isinstance(args, list) else args)
    seeds = data.get("seeds", [1])
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        seeds = [seeds]
    if not isinstance(seeds, (list, tuple)):
        raise ValidationError(f"seeds: expected a list of integers, got {seeds!r}")
    return SweepSpec(preset=data.get("preset", "default"), seeds=tuple(seeds), fixed=fixed, grid=coerced_grid,
                     random=coerced_random, samples=data.get("samples", 0), sample_seed=data.get("sample_seed", 0),
                     last_episodes=data.get("last_episodes", 5))


def _coerce_in(section: str, name: str, value):
    try:
        return coerce_value(name, value)
    except ValidationError as exc:
        raise ValidationError(f"{section}.{exc}") from None


def read_spec_file(path: Path | str, what: str = "spec") -> dict:
    """The mapping in a ``.json``, ``.toml`` or ``.yaml``/``.yml`` file (YAML needs PyYAML).

    Raises:
        ValidationError: missing or unparsable file, or an unknown format (named ``what``).
    """
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"{what}: {path} is not a file")
    text = path.read_text()
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            return json.loads(text)
        if suffix == ".toml":
            import tomllib

            return tomllib.loads(text)
        if suffix in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError:
                raise ValidationError(f"{what}: reading YAML needs PyYAML (pip install pyyaml); "
                                      "or write it as JSON or TOML") from None
            return yaml.safe_load(text)
    except ValidationError:
        raise
    except Exception as exc:   # the parsers' own errors: JSONDecodeError, TOMLDecodeError, YAMLError
        raise ValidationError(f"{what}: cannot parse {path.name}: {exc}") from None
    raise ValidationError(f"{what}: unknown file type {suffix!r}; use .json, .toml or .yaml")


def load_spec(path: Path | str) -> SweepSpec:
    """Read a sweep spec file (:func:`read_spec_file`) and validate it (:func:`spec_from_dict`)."""
    return spec_from_dict(read_spec_file(path))


# --------------------------------------------------------------------------- trials
def draw_random(spec: SweepSpec) -> list[dict]:
    """The ``samples`` random settings, drawn in order from ``default_rng(sample_seed)``: for each
    sample, each field in the spec's order. Reals are rounded to 4 significant digits."""
    rng = np.random.default_rng(spec.sample_seed)
    draws = []
    for _ in range(spec.samples):
        sample = {}
        for name, (dist, args) in spec.random.items():
            if dist == "choice":
                sample[name] = args[int(rng.integers(len(args)))]
            elif dist == "int":
                sample[name] = int(rng.integers(args[0], args[1] + 1))
            elif dist == "uniform":
                sample[name] = _round(float(rng.uniform(args[0], args[1])))
            else:
                sample[name] = _round(float(np.exp(rng.uniform(math.log(args[0]), math.log(args[1])))))
        draws.append(sample)
    return draws


def _round(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def trial_name(settings: dict) -> str:
    """Folder name of a trial: ``field=value`` pairs joined by commas (tuples as ``a_b_c``);
    characters outside ``[A-Za-z0-9._=,+-]`` become ``-``; a name longer than 160 characters is cut
    and ends with a hash of the whole."""
    parts = []
    for name, value in settings.items():
        if isinstance(value, (tuple, list)):
            text = "_".join(_fmt(v) for v in value) or "none"
        else:
            text = _fmt(value)
        parts.append(f"{name}={text}")
    name = re.sub(r"[^A-Za-z0-9._=,+-]", "-", ",".join(parts))
    if len(name) > _MAX_NAME:
        digest = hashlib.sha1(name.encode()).hexdigest()[:10]
        name = name[: _MAX_NAME - 11] + "~" + digest
    return name


def _fmt(value) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)


def trials(spec: SweepSpec) -> list[Trial]:
    """Every trial of ``spec``: grid points (product, in order) × random draws × seeds.

    Raises:
        ValidationError: a trial's configuration is invalid (the message names the field and the
            trial), or two trials would share a folder name.
    """
    grid_points = [dict(zip(spec.grid, values)) for values in itertools.product(*spec.grid.values())]
    draws = draw_random(spec) or [{}]
    out: list[Trial] = []
    names: dict[str, dict] = {}
    for point in grid_points:
        for draw in draws:
            for seed in spec.seeds:
                settings = {**point, **draw, "seed": seed}
                name = trial_name(settings)
                try:
                    config = make_config(spec.preset, **{"progress": False, **spec.fixed, **settings})
                except ValidationError as exc:
                    raise ValidationError(f"{exc} (trial {name})") from None
                if name in names:
                    raise ValidationError(f"grid: trials {names[name]} and {settings} share the folder name {name!r}")
                names[name] = settings
                out.append(Trial(name, settings, config))
    return out


def trial_record(trial: Trial) -> dict:
    """JSON-ready description of a trial (its name, settings and full config)."""
    return {"name": trial.name, "settings": _jsonable(trial.settings), "config": config_to_dict(trial.config)}
