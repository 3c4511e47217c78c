"""``sedtheory vote RULE BALLOTS.json``, ``sedtheory vote --list`` (also ``sedtheory vote-rules``): voting rules.

BALLOTS.json holds one of three kinds of ballots (``counts`` optional, default 1 per row;
the full format, shown by ``sedtheory vote --help`` too, is in ``docs/file_formats.md``)::

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
from sedtheory.cli._files import DESCRIPTIVE_KEYS, read_json_object, refuse_non_text_descriptions, refuse_unknown_keys
from sedtheory.social_choice import (
    ApprovalProfile,
    ContinuousProfile,
    PreferenceProfile,
    break_ties,
    get_rule,
    list_rules,
)


_BALLOT_KINDS = {"rankings": "ranked", "approvals": "approval", "reports": "continuous"}
_BALLOT_KEYS = frozenset({"candidates", "counts", "params", *_BALLOT_KINDS}) | DESCRIPTIVE_KEYS
_NEEDS = {"ranked": "a ranked rule needs a 'rankings' list",
          "approval": "approval voting needs an 'approvals' list of 0/1 rows",
          "continuous": "a continuous rule needs a 'reports' list"}


def read_ballots(path: Path) -> dict:
    """The ballot file's JSON object, its keys checked (see the module docstring).

    Raises:
        CommandError: not UTF-8, invalid JSON, a repeated or unknown key, more than one kind
            of ballot, or counts and candidates given with continuous reports.
    """
    data = read_json_object(path, "BALLOTS")
    refuse_unknown_keys(data, _BALLOT_KEYS, "BALLOTS", path)
    refuse_non_text_descriptions(data, "BALLOTS")
    kinds = [key for key in _BALLOT_KINDS if key in data]
    if len(kinds) > 1:
        raise CommandError(f"BALLOTS: {path} holds {' and '.join(map(repr, kinds))}; give one kind of ballot")
    if "reports" in data:
        for key in ("counts", "candidates"):
            if key in data:
                raise CommandError(f"{key}: continuous reports take no {key!r} (one report per voter)")
    return data


def _candidates(data: dict) -> list[str] | None:
    """The candidate names: a list of distinct strings, or ``None`` when not given."""
    names = data.get("candidates")
    if names is None:
        return None
    if not (isinstance(names, list) and names and all(isinstance(c, str) for c in names)):
        raise CommandError(f"candidates: expected a list of names, got {names!r}")
    first: dict[str, int] = {}
    for position, name in enumerate(names):
        if name in first:
            raise CommandError(f"candidates: {name!r} is named twice (positions {first[name]} and {position}); "
                               "names must be distinct")
        first[name] = position
    return names


def _ballot_rows(field: str, rows) -> list:
    """``rows`` as a list of lists (a string or a number is not a ballot)."""
    if not isinstance(rows, list):
        raise CommandError(f"{field}: expected a list of ballots, got {type(rows).__name__} {rows!r:.40}")
    for r, row in enumerate(rows):
        if not isinstance(row, list):
            raise CommandError(f"{field}[{r}]: expected a list (one ballot), got {type(row).__name__} {row!r:.40}")
    return rows


def _ranking_indices(rankings, candidates: list[str] | None) -> list[list[int]]:
    """Rankings of names or 0-based indices, best first, as index lists; every ballot ranks every candidate."""
    rows = _ballot_rows("rankings", rankings)
    index = None if candidates is None else {name: i for i, name in enumerate(candidates)}
    width = len(candidates) if candidates is not None else (len(rows[0]) if rows else 0)
    out = []
    for r, row in enumerate(rows):
        if len(row) != width:
            what = f"of the {width} candidates" if candidates is not None else f"candidates, rankings[0] ranks {width}"
            raise CommandError(f"rankings[{r}]: ranks {len(row)} {what}; every ballot ranks all candidates, best first")
        out.append([_ranked_index(f"rankings[{r}][{p}]", entry, index) for p, entry in enumerate(row)])
    return out


def _ranked_index(field: str, entry, index: dict[str, int] | None) -> int:
    if isinstance(entry, str):
        if index is None:
            raise CommandError(f"{field}: the name {entry!r} needs a 'candidates' list (or use 0-based indices)")
        if entry not in index:
            raise CommandError(f"rankings: unknown candidate {entry!r}; candidates are {list(index)}")
        return index[entry]
    if isinstance(entry, bool) or not isinstance(entry, int):
        raise CommandError(f"{field}: expected a candidate name or a 0-based index, got {entry!r}")
    return entry


def _profile(data: dict, kind: str):
    candidates = _candidates(data)
    key = next(k for k, v in _BALLOT_KINDS.items() if v == kind)
    if key not in data:
        raise CommandError(f"ballots: {_NEEDS[kind]}")
    if kind == "ranked":
        profile = PreferenceProfile(_ranking_indices(data["rankings"], candidates), data.get("counts"))
    elif kind == "approval":
        profile = ApprovalProfile(_ballot_rows("approvals", data["approvals"]), data.get("counts"))
    else:
        profile = ContinuousProfile(data["reports"])
    if candidates is not None and kind != "continuous" and len(candidates) != profile.n_candidates:
        raise CommandError(f"candidates: {len(candidates)} names for {profile.n_candidates} candidates")
    return profile


@command("vote")
def vote(rule: Annotated[str | None, Positional()] = None, ballots: Annotated[Path | None, Positional()] = None,
         tie_break: Literal["none", "lexicographic", "random"] = "none", seed: int = 0, list_: bool = False) -> int:
    """Run the voting rule RULE on the ballots in BALLOTS.json and print the winners as JSON.

    BALLOTS.json is a UTF-8 JSON object holding one kind of ballot (docs/file_formats.md):

      {"candidates": ["Memphis", "Nashville", "Knoxville"],   optional; distinct names
       "rankings": [["Memphis", "Knoxville", "Nashville"], [1, 2, 0]],
                                     each ballot ranks every candidate, best first,
                                     by name or by 0-based index
       "counts": [42, 26]}           optional; voters per ballot row (default 1 each)
      {"candidates": [...], "approvals": [[1, 0, 1], ...], "counts": [...]}
                                     0/1 per candidate (approval rules)
      {"reports": [0.2, 0.7, 0.4]}   continuous reports, one per voter: (n,) or (n, d)

    Also allowed: "params", the rule's parameters (e.g. {"proportion": 0.2} for
    trimmed_mean), and the descriptive "name", "description" and "source". Any other key,
    a key given twice or a repeated candidate name is an error.

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
    data = read_ballots(ballots)
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
