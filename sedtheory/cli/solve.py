"""``sedtheory solve stackelberg|bayesian GAME`` and ``sedtheory check GAME``.

Game files are JSON or ``.npz`` (format: ``docs/file_formats.md``):

* one follower: ``{"leader_payoffs": (m, n), "follower_payoffs": (m, n)}``;
* k followers: ``{"payoffs": (1 + k, m, n_1, ..., n_k)}`` (leader at index 0);
* Bayesian (K follower types): ``{"leader_payoffs": (K, m, n), "follower_payoffs": (K, m, n),
  "prior": (K,)}``.

JSON files may also carry the descriptive keys ``"name"``, ``"description"`` and ``"source"``.
``solve`` prints the solver's result as JSON with the independent certificate of its answer
under ``"certificate"``; ``check`` prints the certificate of a given profile and exits 0 when
the (ε, δ) condition holds, 1 when it does not. Bad input exits 2 with one line naming it.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sedtheory._json import dumps
from sedtheory._validate import DEFAULT_TOL, nonnegative_scalar
from sedtheory.cli._app import CommandError, command
from sedtheory.cli._files import (
    DESCRIPTIVE_KEYS,
    read_json_object,
    read_npz,
    refuse_non_text_descriptions,
    refuse_unknown_keys,
)
from sedtheory.equilibrium.certify import certify, certify_bayesian
from sedtheory.equilibrium.leader_optimum import bayesian_arrays
from sedtheory.games.markov import POMG
from sedtheory.games.normal_form import StackelbergNashGame
from sedtheory.solvers import solve_bayesian_stackelberg, solve_stackelberg

_LAYOUTS = {
    frozenset({"leader_payoffs", "follower_payoffs"}): "bimatrix",
    frozenset({"payoffs"}): "tensor",
    frozenset({"leader_payoffs", "follower_payoffs", "prior"}): "bayesian",
}


@dataclass(frozen=True)
class BayesianGame:
    """A Bayesian Stackelberg game read from a file: ``(K, m, n)``, ``(K, m, n)``, ``(K,)``."""

    leader_payoffs: np.ndarray
    follower_payoffs: np.ndarray
    prior: np.ndarray


def _read_fields(path: Path, label: str = "GAME") -> dict:
    if not path.exists():
        raise CommandError(f"{label}: no such file: {path}")
    if not path.is_file():
        raise CommandError(f"{label}: not a file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".json":
        data = read_json_object(path, label)
        refuse_non_text_descriptions(data, label)
        return {key: value for key, value in data.items() if key not in DESCRIPTIVE_KEYS}
    if suffix == ".npz":
        return read_npz(path, label)
    raise CommandError(f"{label}: unsupported file type {suffix or '(none)'!r} for {path}; expected .json or .npz")


def read_game_file(path: Path) -> StackelbergNashGame | BayesianGame:
    """Read a game file (JSON or .npz, see the module docstring) into a validated game.

    Raises:
        CommandError: missing or unreadable file, invalid JSON, a repeated key, unknown or
            missing keys.
        ValidationError: wrong shapes, payoffs that are not finite numbers (strings and
            booleans included), a prior that is not a distribution.
    """
    path = Path(path)
    fields = _read_fields(path)
    refuse_unknown_keys(fields, set().union(*_LAYOUTS), "GAME", path)
    layout = _LAYOUTS.get(frozenset(fields))
    if layout is None:
        expected = " or ".join("{" + ", ".join(sorted(k)) + "}" for k in _LAYOUTS)
        raise CommandError(f"GAME: keys {sorted(fields)} in {path} match no game layout; expected {expected}")
    if layout == "bimatrix":
        return StackelbergNashGame.from_bimatrix(fields["leader_payoffs"], fields["follower_payoffs"])
    if layout == "tensor":
        return StackelbergNashGame(fields["payoffs"])
    leader, follower, prior = bayesian_arrays(fields["leader_payoffs"], fields["follower_payoffs"], fields["prior"])
    return BayesianGame(leader, follower, prior)


_KERNEL_LISTS = ("observations", "initial_observations")


def read_pomg_file(path: Path) -> POMG:
    """Read a POMG file (JSON or .npz, ``docs/file_formats.md``) into a validated :class:`POMG`.

    The keys are the fields of :meth:`POMG.from_dict` (plus the descriptive ``name``,
    ``description``, ``source`` in JSON). In a ``.npz`` archive the per-agent kernels are
    stored as ``observations_0``, ``observations_1``, ... (and ``initial_observations_<i>``).

    Raises:
        CommandError: missing or unreadable file, invalid JSON, a repeated or unknown key.
        ValidationError: a field that is not a valid POMG field (shapes, distributions, γ).
    """
    path = Path(path)
    fields = _read_fields(path, "POMG")
    if path.suffix.lower() == ".npz":
        fields = _gather_kernels(fields, path)
    refuse_unknown_keys(fields, POMG.FIELDS, "POMG", path)
    return POMG.from_dict(fields)


def _gather_kernels(arrays: dict, path: Path) -> dict:
    """``observations_<i>`` arrays of a .npz archive -> the ``observations`` list (same for initial ones)."""
    fields = {}
    kernels: dict[str, dict[int, np.ndarray]] = {name: {} for name in _KERNEL_LISTS}
    for key, value in arrays.items():
        name, _, number = key.rpartition("_")
        if name in kernels and number.isdigit():
            kernels[name][int(number)] = value
        else:
            fields[key] = value.item() if value.ndim == 0 else value
    for name, found in kernels.items():
        if found:
            if sorted(found) != list(range(len(found))):
                raise CommandError(f"POMG: {path} has {name}_<i> arrays for agents {sorted(found)}; "
                                   f"expected 0..{len(found) - 1}")
            fields[name] = [found[i] for i in range(len(found))]
    return fields


def _solve_reporting_warnings(solve, *args, **kwargs):
    """Run a solver; each warning it raises (e.g. no pure follower equilibrium) becomes one stderr line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = solve(*args, **kwargs)
    for warning in caught:
        print(f"sedtheory: warning: {warning.message}", file=sys.stderr)
    return result


def _print_json(data: dict) -> None:
    """Strict JSON through the library's one converter (a failed solve's value is ``null``)."""
    print(dumps(data, indent=2))


@command("solve stackelberg")
def solve_stackelberg_command(game: Path, tol: float = DEFAULT_TOL) -> int:
    """Solve a Stackelberg–Nash game file exactly and print the result and its certificate as JSON.

    Args:
        game: path to a JSON or .npz game file (one follower, or k followers; docs/file_formats.md).
        tol: numerical tolerance of the solver and of the certificate.
    """
    tol = nonnegative_scalar("tol", tol)
    loaded = read_game_file(game)
    if isinstance(loaded, BayesianGame):
        raise CommandError(f"GAME: {game} holds a Bayesian game (it has a prior); use `sedtheory solve bayesian`")
    result = _solve_reporting_warnings(solve_stackelberg, loaded, tol=tol)
    certificate = certify(loaded, result.leader_strategy, result.follower_actions, tol=tol) if result.ok else None
    _print_json({**result.to_dict(), "certificate": None if certificate is None else certificate.to_dict()})
    return 0


@command("solve bayesian")
def solve_bayesian_command(game: Path, tol: float = DEFAULT_TOL) -> int:
    """Solve a Bayesian Stackelberg game file (follower types with a prior) and print result and certificate.

    Args:
        game: path to a JSON or .npz file with leader_payoffs (K, m, n), follower_payoffs (K, m, n), prior (K,).
        tol: numerical tolerance of the solver and of the certificate.
    """
    tol = nonnegative_scalar("tol", tol)
    loaded = read_game_file(game)
    if not isinstance(loaded, BayesianGame):
        raise CommandError(f"GAME: {game} holds no prior; use `sedtheory solve stackelberg`")
    result = _solve_reporting_warnings(solve_bayesian_stackelberg, loaded.leader_payoffs, loaded.follower_payoffs,
                                      loaded.prior, tol=tol)
    certificate = None
    if result.ok:
        certificate = certify_bayesian(loaded.leader_payoffs, loaded.follower_payoffs, loaded.prior,
                                       result.leader_strategy, result.follower_actions, tol=tol)
    _print_json({**result.to_dict(), "certificate": None if certificate is None else certificate.to_dict()})
    return 0


@command("check")
def check_command(
    game: Path,
    leader_strategy: tuple[float, ...] | None = None,
    follower_actions: tuple[int, ...] | None = None,
    epsilon: float = 0.0,
    delta: float = 0.0,
    tol: float = DEFAULT_TOL,
) -> int:
    """Certify a given profile as an (ε, δ)-strong Stackelberg equilibrium; exit 0 if it holds, 1 if not.

    Args:
        game: path to a JSON or .npz game file (Bayesian files take one follower action per type).
        leader_strategy: the leader's mixed commitment, m probabilities (required).
        follower_actions: one pure action per follower, or per follower type (required).
        epsilon: leader tolerance ε >= 0.
        delta: follower tolerance δ >= 0.
        tol: numerical slack added to ε and δ.
    """
    if leader_strategy is None:
        raise CommandError("--leader-strategy: required (m probabilities summing to 1)")
    if follower_actions is None:
        raise CommandError("--follower-actions: required (one action index per follower)")
    epsilon, delta, tol = (nonnegative_scalar(n, v) for n, v in (("epsilon", epsilon), ("delta", delta), ("tol", tol)))
    loaded = read_game_file(game)
    if isinstance(loaded, BayesianGame):
        certificate = certify_bayesian(loaded.leader_payoffs, loaded.follower_payoffs, loaded.prior,
                                       leader_strategy, follower_actions, epsilon=epsilon, delta=delta, tol=tol)
    else:
        certificate = certify(loaded, leader_strategy, follower_actions, epsilon=epsilon, delta=delta, tol=tol)
    _print_json(certificate.to_dict())
    return 0 if certificate.holds else 1


__all__ = ["BayesianGame", "read_game_file", "read_pomg_file"]
