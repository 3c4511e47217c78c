"""``sedtheory vote RULE BALLOTS.json``, ``sedtheory vote --list`` (also ``sedtheory vote-rules``): voting rules.

BALLOTS.json holds one of three kinds of ballots (``counts`` optional, default 1 per row)::

    {"candidates": ["Memphis", "Nashville", ...],          # optional names
     "rankings": [["Memphis", "Nashville", ...], ...],     # names or 0-based indices, best first
     "counts": [42, 26, ...]}
    {"candidates": [...], "approvals": [[1, 0, 1], ...], "counts": [...]}
    {"reports": [0.2, 0.7, 0.4]}                            # continuous reports (n,) or (n, d)

An optional ``"params"`` object is passed to the rule (for example ``{"proportion": 0.2}`` for
``trimmed_mean``). The result is printed as one JSON line: all tied winners (by name when names
are given) and, with ``--tie-break``, the single winner after explicit tie-breaking.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import numpy as np

from sedtheory.cli._app import CommandError, Positional, command
from sedtheory.social_choice import (
    ApprovalProfile,
    ContinuousProfile,
    PreferenceProfile,
    break_ties,
    get_rule,
    list_rules,
)


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise CommandError(f"{path}: expected a JSON object with 'rankings', 'approvals' or 'reports'")
    return data


def _indices(rankings, candidates: list[str] | None):
    if candidates is None:
        return rankings
    index = {name: i for i, name in enumerate(candidates)}
    try:
        return [[index[c] if isinstance(c, str) else c for c in row] for row in rankings]
    except KeyError as exc:
        raise CommandError(f"rankings: unknown candidate {exc.args[0]!r}; candidates are {candidates}") from None
    except TypeError:
        raise CommandError("rankings: expected a list of rankings (lists of names or indices)") from None


def _profile(data: dict, kind: str):
    candidates = data.get("candidates")
    if candidates is not None and not (isinstance(candidates, list) and all(isinstance(c, str) for c in candidates)):
        raise CommandError(f"candidates: expected a list of names, got {candidates!r}")
    if kind == "ranked":
        if "rankings" not in data:
            raise CommandError("ballots: a ranked rule needs a 'rankings' list")
        profile = PreferenceProfile(_indices(data["rankings"], candidates), data.get("counts"))
    elif kind == "approval":
        if "approvals" not in data:
            raise CommandError("ballots: approval voting needs an 'approvals' list of 0/1 rows")
        profile = ApprovalProfile(data["approvals"], data.get("counts"))
    else:
        if "reports" not in data:
            raise CommandError("ballots: a continuous rule needs a 'reports' list")
        profile = ContinuousProfile(data["reports"])
    if candidates is not None and kind != "continuous" and len(candidates) != profile.n_candidates:
        raise CommandError(f"candidates: {len(candidates)} names for {profile.n_candidates} candidates")
    return profile


@command("vote")
def vote(rule: Annotated[str | None, Positional()] = None, ballots: Annotated[Path | None, Positional()] = None,
         tie_break: Literal["none", "lexicographic", "random"] = "none", seed: int = 0, list_: bool = False) -> int:
    """Run the voting rule RULE on the ballots in BALLOTS.json and print the winners as JSON.

    Args:
        rule: a registered rule name (see `sedtheory vote --list`).
        ballots: JSON file with rankings, approvals or continuous reports.
        tie_break: also report one winner, breaking ties lexicographically or at random.
        seed: seed of random tie-breaking.
        list_: list the registered rules instead (same as `sedtheory vote-rules`).
    """
    if list_:
        return vote_rules()
    if rule is None or ballots is None:
        raise CommandError("vote: needs RULE and BALLOTS.json (or --list)")
    data = _read_json(ballots)
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise CommandError(f"params: expected a JSON object of rule parameters, got {params!r}")
    voting_rule = get_rule(rule, **params)
    profile = _profile(data, voting_rule.kind)
    result = voting_rule(profile)
    if voting_rule.kind == "continuous":
        print(json.dumps({"rule": rule, "value": np.asarray(result).tolist()}))
        return 0
    names = data.get("candidates")
    label = (lambda c: names[c]) if names is not None else (lambda c: c)
    output = {"rule": rule, "winners": [label(c) for c in result]}
    if tie_break != "none":
        output["tie_break"] = tie_break
        output["winner"] = label(break_ties(result, tie_break, seed=seed))
    print(json.dumps(output))
    return 0


@command("vote-rules")
def vote_rules() -> int:
    """List the registered voting rules, one per line: name, kind and summary."""
    from sedtheory.social_choice import get_rule as lookup

    for name in list_rules():
        registered = lookup(name)
        print(f"{name:30s} {registered.kind:11s} {registered.summary}")
    return 0
