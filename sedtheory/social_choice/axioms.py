"""Axioms as data: a name plus a violation finder that returns witness records.

The pattern follows pref_voting's ``axiom.py`` (Holliday & Pacuit): an :class:`Axiom` is a
name, the kind of rule it applies to and a function ``find(rule, profile, first_only)`` that
returns a list of :class:`AxiomViolation` records ``(profile, expected, got)`` -- plus, for
the axioms that compare two profiles, the ``variant`` profile and a sentence saying what
changed. An empty list means no violation *at this profile*; exhaustive checks run the finder
over every anonymous profile of a size (:func:`exhaustive_violations`).

Definitions used for ranked rules (winner sets ``W(P)``, all tied winners):

* anonymity -- permuting the voters leaves ``W`` unchanged;
* neutrality -- renaming candidates by π renames the winners: ``W(πP) = π(W(P))`` (checked for
  all m! renamings when m <= 4; for larger m for every transposition and one m-cycle);
* unanimity -- if every voter ranks ``c`` first, ``W = {c}``;
* pareto -- no winner is ranked below some other candidate by every voter;
* monotonicity -- a winner raised one place by one voter stays a winner;
* condorcet_winner -- a Condorcet winner is the unique winner;
* condorcet_loser -- a Condorcet loser never wins;
* majority -- a candidate ranked first by a strict majority is the unique winner;
* iia -- (independence of irrelevant alternatives, binary form for choice rules; Arrow 1951)
  if ``a`` wins and ``b`` does not, a change that keeps every voter's a-b order must not make
  ``b`` a winner while ``a`` loses. Any number of ballots may change: with anonymous profiles
  "every voter keeps its a-b order" means the number of voters ranking ``a`` above ``b`` is
  unchanged, so the finder tries *every* profile of the same size with that number (complete;
  beyond ``IIA_VARIANT_LIMIT`` variants per pair it falls back to the single-ballot variants of
  ``iia_single_ballot`` and says so in no witness: an empty list is then not a proof);
* iia_single_ballot -- the earlier, incomplete IIA finder, kept because the witnesses stored
  before issue 15 were minimal for it: one voter switching to any ranking with the same a-b
  order, and a third candidate moved to the top / bottom of every ballot;
* participation -- a voter joining never gets an outcome it ranks below the outcome without it;
* strategy_proofness -- no voter gets an outcome it strictly prefers by misreporting.

Further axioms (Smith, reinforcement, clones, later-no-harm, positive/negative participation,
resolvability, homogeneity, ...) live in :mod:`~sedtheory.social_choice.further_axioms`.

**Exhaustive modes.** :func:`exhaustive_violations` runs a finder on every anonymous profile of
exactly ``n`` voters; :func:`small_domain_violations` on every anonymous profile of ``1..n``
voters, the rule's winners memoised per profile. Each finder checks *every* variant its axiom
names for the profile it is given (every one-voter change, every added ballot, every split,
...), so on the domain it is complete: a violation whose first profile lies in the domain is
found, and the first one found is minimal in the number of voters. IIA compares two profiles
of the same size and has a domain-level search (profiles grouped by the a-b counts).

Participation and strategy-proofness compare single outcomes, so they use the resolute rule
"rule, then lexicographic tie-breaking (smallest index wins)" -- stated in every witness.

For continuous rules (reports ``(n, d)``): anonymity, unanimity, range_respecting (the outcome
lies in the coordinatewise range of the reports), continuity (no jump found by bisection) and
strategy_proofness for single-peaked voters (utility ``-|outcome - own report|``, d = 1).
:func:`grid_violations` is their bounded exhaustive mode: every ordered profile of ``1..n``
voters whose reports lie on a grid of ``points`` values in ``bounds`` (d = 1), each axiom in a
form that is complete there (see that function).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Literal

import numpy as np

from sedtheory._validate import ValidationError, finite_array, positive_int
from sedtheory.social_choice.misreport import best_misreport
from sedtheory.social_choice.profiles import (
    ApprovalProfile,
    ContinuousProfile,
    PreferenceProfile,
    ScoredProfile,
    all_rankings,
    enumerate_anonymous_profiles,
)
from sedtheory.social_choice.registry import break_ties

__all__ = [
    "Axiom",
    "AxiomViolation",
    "exhaustive_violations",
    "find_violations",
    "get_axiom",
    "grid_violations",
    "list_axioms",
    "MemoisedRule",
    "resolute_winner",
    "small_domain_violations",
]

AxiomKind = Literal["ranked", "approval", "scored", "continuous"]

TIE_BREAKING = "lexicographic (smallest candidate index wins)"


@dataclass(frozen=True, eq=False)
class AxiomViolation:
    """A witness that ``rule`` violates ``axiom`` at ``profile``.

    Args:
        axiom: axiom name.
        rule: rule name.
        profile: the profile at which the axiom fails.
        expected: what the axiom demands (winners, a winner, a value or an interval).
        got: what the rule returned (on ``variant`` when there is one).
        variant: the second profile for axioms comparing two profiles, else ``None``.
        detail: one sentence saying what was changed and why this is a violation.
    """

    axiom: str
    rule: str
    profile: Any
    expected: Any
    got: Any
    variant: Any = None
    detail: str = ""

    def to_dict(self) -> dict:
        """JSON-ready record (profiles as dicts with a ``type`` key)."""
        return {
            "axiom": self.axiom,
            "rule": self.rule,
            "profile": profile_to_dict(self.profile),
            "variant": None if self.variant is None else profile_to_dict(self.variant),
            "expected": _jsonable(self.expected),
            "got": _jsonable(self.got),
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "AxiomViolation":
        """Inverse of :meth:`to_dict` (tuples come back as tuples)."""
        variant = data.get("variant")
        return cls(
            axiom=data["axiom"], rule=data["rule"], profile=profile_from_dict(data["profile"]),
            expected=_from_json(data["expected"]), got=_from_json(data["got"]),
            variant=None if variant is None else profile_from_dict(variant), detail=data.get("detail", ""),
        )


def profile_to_dict(profile) -> dict:
    """``{"type": ..., **profile.to_dict()}`` for a preference, approval, scored or continuous profile."""
    kind = {PreferenceProfile: "ranked", ContinuousProfile: "continuous", ApprovalProfile: "approval",
            ScoredProfile: "scored"}.get(type(profile))
    if kind is None:
        raise ValidationError(f"profile: cannot serialise a {type(profile).__name__}")
    return {"type": kind, **profile.to_dict()}


def profile_from_dict(data: dict):
    """Inverse of :func:`profile_to_dict`."""
    if data.get("type") == "ranked":
        return PreferenceProfile(data["rankings"], data["counts"])
    if data.get("type") == "continuous":
        return ContinuousProfile(data["reports"])
    if data.get("type") == "approval":
        return ApprovalProfile(np.array(data["approvals"], dtype=bool), data["counts"])
    if data.get("type") == "scored":
        grades = data.get("grades")
        return ScoredProfile(data["scores"], data["counts"], None if grades is None else tuple(grades))
    raise ValidationError(f"profile: unknown profile type {data.get('type')!r}")


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def _from_json(value):
    if isinstance(value, list):
        return tuple(_from_json(v) for v in value)
    return value


@dataclass(frozen=True)
class Axiom:
    """An axiom: ``find(rule, profile, first_only)`` returns a list of violations.

    Args:
        name: registry name.
        kind: ``"ranked"``, ``"approval"``, ``"scored"`` or ``"continuous"`` (the kind of rule
            it applies to; the approval and scored axioms live in
            :mod:`~sedtheory.social_choice.ballot_axioms`).
        find: the violation finder.
        summary: one-line statement of the axiom.
        domain_find: optional ``domain_find(rule, n_candidates, sizes)``, a generator of the
            violations at every anonymous profile of each size in ``sizes`` (used by the
            exhaustive modes when a per-profile search would repeat work).
    """

    name: str
    kind: AxiomKind
    find: Callable[..., list] = field(repr=False)
    summary: str = ""
    domain_find: Callable[..., Iterable] | None = field(default=None, repr=False)

    def find_violations(self, rule, profile, *, first_only: bool = False) -> list[AxiomViolation]:
        """Violations of this axiom by ``rule`` at ``profile`` (empty list: none found)."""
        return self.find(rule, profile, first_only)

    def holds(self, rule, profile) -> bool:
        """``True`` when no violation is found at ``profile``."""
        return not self.find(rule, profile, True)


_AXIOMS: dict[str, Axiom] = {}


def _axiom(name: str, kind: AxiomKind, summary: str, domain_find=None):
    """Register a finder written as a generator ``func(rule, profile)`` of violation records;
    the registered ``find(rule, profile, first_only)`` stops it after the first record."""
    def decorate(func):
        def find(rule, profile, first_only: bool) -> list[AxiomViolation]:
            records = func(rule, profile)
            return list(itertools.islice(records, 1) if first_only else records)

        key = f"{kind}:{name}"
        if key in _AXIOMS:
            raise ValidationError(f"name: an axiom called {name!r} is already registered for {kind} rules")
        _AXIOMS[key] = Axiom(name, kind, find, summary, domain_find)
        return func

    return decorate


def get_axiom(name: str, kind: AxiomKind = "ranked") -> Axiom:
    """The axiom ``name`` for rules of ``kind``."""
    key = f"{kind}:{name}"
    if key not in _AXIOMS:
        raise ValidationError(f"axiom: unknown {kind} axiom {name!r}; known: {', '.join(list_axioms(kind))}")
    return _AXIOMS[key]


def list_axioms(kind: AxiomKind = "ranked") -> tuple[str, ...]:
    """Names of the axioms for rules of ``kind`` (sorted)."""
    return tuple(sorted(a.name for a in _AXIOMS.values() if a.kind == kind))


def find_violations(axiom: Axiom | str, rule, profiles: Iterable, *, first_only: bool = True) -> list[AxiomViolation]:
    """Run an axiom over many profiles; with ``first_only`` stop at the first witness.

    ``axiom`` may be a name: the axiom of that name for the rule's ``kind`` (plain callables
    count as ranked rules).
    """
    if isinstance(axiom, str):
        axiom = get_axiom(axiom, getattr(rule, "kind", "ranked"))
    found: list[AxiomViolation] = []
    for profile in profiles:
        found.extend(axiom.find_violations(rule, profile, first_only=first_only))
        if first_only and found:
            return found[:1]
    return found


def exhaustive_violations(axiom: Axiom | str, rule, n_candidates: int, n_voters: int, *,
                          first_only: bool = True) -> list[AxiomViolation]:
    """Check a ranked-rule ``axiom`` on every anonymous profile of the given size (exact)."""
    axiom = get_axiom(axiom) if isinstance(axiom, str) else axiom
    if axiom.domain_find is not None:
        return _collect(axiom.domain_find(rule, n_candidates, [n_voters]), first_only)
    return find_violations(axiom, rule, enumerate_anonymous_profiles(n_candidates, n_voters), first_only=first_only)


def small_domain_violations(axiom: Axiom | str, rule, n_candidates: int, max_voters: int, *,
                            first_only: bool = True) -> list[AxiomViolation]:
    """Check a ranked-rule ``axiom`` on every anonymous profile of ``n_candidates`` and
    ``1..max_voters`` voters, smallest electorates first (complete there; see the module notes).

    The rule's winners are memoised per anonymised profile, so the rule is taken to be
    anonymous -- except for the anonymity axiom itself, which gets the rule as it is. Pass a
    :class:`MemoisedRule` to share the memo across axioms.
    With ``first_only`` the one witness returned is minimal in the number of voters.
    """
    axiom = get_axiom(axiom) if isinstance(axiom, str) else axiom
    if axiom.kind != "ranked":
        raise ValidationError(f"axiom: the small-domain mode is for ranked axioms, got a {axiom.kind} one")
    plain = rule.rule if isinstance(rule, MemoisedRule) else rule
    if axiom.name == "anonymity":
        checked = plain
    else:
        checked = rule if isinstance(rule, MemoisedRule) else MemoisedRule(rule)
    sizes = range(1, max_voters + 1)
    if axiom.domain_find is not None:
        return _collect(axiom.domain_find(checked, n_candidates, sizes), first_only)

    def records():
        for n in sizes:
            for profile in enumerate_anonymous_profiles(n_candidates, n):
                yield from axiom.find_violations(checked, profile, first_only=first_only)

    return _collect(records(), first_only)


def _collect(records: Iterable[AxiomViolation], first_only: bool) -> list[AxiomViolation]:
    return list(itertools.islice(records, 1) if first_only else records)


class MemoisedRule:
    """A rule with its winners remembered per anonymised profile (for the exhaustive modes).

    Keeps the wrapped rule's ``name`` and ``kind``; only sound for anonymous rules.
    """

    def __init__(self, rule):
        self.rule, self.name, self.kind = rule, _name(rule), getattr(rule, "kind", "ranked")
        self._winners: dict[tuple, tuple[int, ...]] = {}

    def __call__(self, profile: PreferenceProfile) -> tuple[int, ...]:
        compact = profile.anonymized
        key = (compact.n_candidates, compact.rankings.tobytes(), compact.counts.tobytes())
        if key not in self._winners:
            self._winners[key] = tuple(sorted(int(w) for w in self.rule(compact)))
        return self._winners[key]


def _name(rule) -> str:
    return getattr(rule, "name", getattr(rule, "__name__", repr(rule)))


def _winners(rule, profile) -> tuple[int, ...]:
    return tuple(sorted(int(w) for w in rule(profile)))


def resolute_winner(rule, profile) -> int:
    """The single winner of ``rule`` after lexicographic tie-breaking."""
    return break_ties(rule(profile), "lexicographic")


def _record(axiom, rule, profile, expected, got, variant=None, detail=""):
    return AxiomViolation(axiom, _name(rule), profile, expected, got, variant, detail)


# ------------------------------------------------------------- ranked: one profile
def _sole_winner(axiom: str, rule, profile, candidate: int, detail: str) -> list[AxiomViolation]:
    """No violation when ``rule`` elects ``candidate`` alone; else one record saying ``detail``."""
    got = _winners(rule, profile)
    return [] if got == (candidate,) else [_record(axiom, rule, profile, (candidate,), got, detail=detail)]


@_axiom("unanimity", "ranked", "If every voter ranks c first, c is the unique winner.")
def _unanimity(rule, profile):
    tops = np.unique(profile.rankings[profile.counts > 0, 0])
    if tops.size != 1:
        return
    top = int(tops[0])
    yield from _sole_winner("unanimity", rule, profile, top, f"every voter ranks {top} first")


@_axiom("pareto", "ranked", "No winner is ranked below the same other candidate by every voter.")
def _pareto(rule, profile):
    dominated = (profile.majority_matrix == profile.n_voters).any(axis=0)
    got = _winners(rule, profile)
    bad = [w for w in got if dominated[w]]
    if not bad:
        return
    allowed = tuple(int(c) for c in np.flatnonzero(~dominated))
    yield _record("pareto", rule, profile, allowed, got, detail=f"winner(s) {bad} are Pareto-dominated")


@_axiom("condorcet_winner", "ranked", "A Condorcet winner is the unique winner.")
def _condorcet_winner(rule, profile):
    winner = profile.condorcet_winner()
    if winner is None:
        return
    yield from _sole_winner("condorcet_winner", rule, profile, winner, f"{winner} beats every other candidate by a majority")


@_axiom("condorcet_loser", "ranked", "A Condorcet loser never wins.")
def _condorcet_loser(rule, profile):
    loser = profile.condorcet_loser()
    got = _winners(rule, profile)
    if loser is None or loser not in got:
        return
    expected = tuple(c for c in range(profile.n_candidates) if c != loser)
    yield _record("condorcet_loser", rule, profile, expected, got,
                  detail=f"{loser} loses to every other candidate by a majority but wins")


@_axiom("majority", "ranked", "A candidate ranked first by a strict majority is the unique winner.")
def _majority(rule, profile):
    scores = profile.plurality_scores
    top = int(scores.argmax())
    if 2 * scores[top] <= profile.n_voters:
        return
    yield from _sole_winner("majority", rule, profile, top, f"{top} is ranked first by {scores[top]} of {profile.n_voters} voters")


# ---------------------------------------------------------- ranked: two profiles
@_axiom("anonymity", "ranked", "Permuting the voters leaves the winners unchanged.")
def _anonymity(rule, profile):
    got = _winners(rule, profile)
    ballots = profile.ballots()
    variants = [PreferenceProfile(profile.rankings[::-1], profile.counts[::-1]),
                PreferenceProfile(ballots[::-1]), PreferenceProfile(np.roll(ballots, 1, axis=0))]
    for variant in variants:
        other = _winners(rule, variant)
        if other != got:
            yield _record("anonymity", rule, profile, got, other, variant,
                          "the same ballots listed in another voter order")


def _neutrality_permutations(m: int):
    if m <= 4:
        yield from itertools.permutations(range(m))
        return
    for a, b in itertools.combinations(range(m), 2):
        perm = list(range(m))
        perm[a], perm[b] = b, a
        yield tuple(perm)
    yield tuple(np.roll(np.arange(m), 1))


@_axiom("neutrality", "ranked", "Renaming the candidates renames the winners.")
def _neutrality(rule, profile):
    got = _winners(rule, profile)
    for perm in _neutrality_permutations(profile.n_candidates):
        perm = np.array(perm)
        variant = profile.relabel(perm)
        expected = tuple(sorted(int(perm[w]) for w in got))
        other = _winners(rule, variant)
        if other != expected:
            yield _record("neutrality", rule, profile, expected, other, variant,
                          f"candidates renamed by c -> {perm.tolist()}[c]")


@_axiom("monotonicity", "ranked", "A winner raised one place by one voter remains a winner.")
def _monotonicity(rule, profile):
    for winner in _winners(rule, profile):
        for row in np.flatnonzero(profile.counts > 0):
            place = int(profile.positions[row, winner])
            if place == 0:
                continue
            raised = profile.rankings[row].copy()
            raised[place - 1], raised[place] = raised[place], raised[place - 1]
            variant = profile.replace_voter(int(row), raised)
            other = _winners(rule, variant)
            if winner not in other:
                yield _record("monotonicity", rule, profile, winner, other, variant,
                              f"one voter {profile.rankings[row].tolist()} raises winner {winner}: {raised.tolist()}")


def _iia_variants(profile: PreferenceProfile, a: int, b: int):
    """Profiles where every voter keeps its a-b order: (1) one voter switches to any other
    ranking with the same a-b order; (2) a third candidate moves to the top, or to the bottom,
    of every ballot."""
    rankings = all_rankings(profile.n_candidates)
    for row in np.flatnonzero(profile.counts > 0):
        sincere = profile.rankings[row]
        keep = _prefers(sincere, a, b)
        for ranking in rankings:
            if _prefers(ranking, a, b) == keep and not np.array_equal(ranking, sincere):
                yield profile.replace_voter(int(row), ranking), f"one voter {sincere.tolist()} -> {ranking.tolist()}"
    for third in range(profile.n_candidates):
        if third in (a, b):
            continue
        rest = profile.rankings[profile.rankings != third].reshape(profile.n_rows, -1)
        column = np.full((profile.n_rows, 1), third)
        yield PreferenceProfile(np.hstack([column, rest]), profile.counts), f"every voter moves {third} to the top"
        yield PreferenceProfile(np.hstack([rest, column]), profile.counts), f"every voter moves {third} to the bottom"


@_axiom("iia_single_ballot", "ranked",
        "IIA searched among one-ballot changes and third-candidate moves only (incomplete; see iia).")
def _iia_single_ballot(rule, profile):
    winners = _winners(rule, profile)
    for a in winners:
        for b in (c for c in range(profile.n_candidates) if c not in winners):
            for variant, change in _iia_variants(profile, a, b):
                other = _winners(rule, variant)
                if b in other and a not in other:
                    yield _record("iia_single_ballot", rule, profile, winners, other, variant,
                                  f"{change}: every voter's {a}-vs-{b} order is unchanged, "
                                  f"yet {b} now wins and {a} does not")


IIA_VARIANT_LIMIT = 20_000
"""Most same-a-b-count profiles the per-profile IIA finder enumerates for one pair (a, b)."""


def _same_pair_counts(m: int, n: int, a: int, b: int, above: int):
    """Every anonymous profile of ``n`` voters, ``above`` of them ranking ``a`` over ``b``."""
    rankings = all_rankings(m)
    order = rankings.tolist()
    prefer = np.array([r.index(a) < r.index(b) for r in order])
    up, down = np.flatnonzero(prefer), np.flatnonzero(~prefer)
    for first in itertools.combinations_with_replacement(up, above):
        for second in itertools.combinations_with_replacement(down, n - above):
            rows, counts = np.unique(np.array(first + second, dtype=np.int64), return_counts=True)
            yield PreferenceProfile(rankings[rows], counts)


def _iia_record(rule, profile, winners, variant, other, a, b):
    return _record("iia", rule, profile, winners, other, variant,
                   f"the ballots change but {int(profile.majority_matrix[a, b])} of {profile.n_voters} voters "
                   f"still rank {a} above {b} (pair voters up by their {a}-vs-{b} order: none changes it), "
                   f"yet {b} now wins and {a} does not")


@_axiom("iia", "ranked", "Changes keeping every a-b order cannot turn 'a wins, b loses' into 'b wins, a loses'.",
        domain_find=lambda rule, m, sizes: _iia_domain(rule, m, sizes))
def _iia(rule, profile):
    winners = _winners(rule, profile)
    m, n = profile.n_candidates, profile.n_voters
    half = math.factorial(m) // 2
    for a in winners:
        for b in (c for c in range(m) if c not in winners):
            above = int(profile.majority_matrix[a, b])
            if math.comb(half + above - 1, above) * math.comb(half + n - above - 1, n - above) > IIA_VARIANT_LIMIT:
                variants = (variant for variant, _ in _iia_variants(profile, a, b))
            else:
                variants = _same_pair_counts(m, n, a, b, above)
            for variant in variants:
                other = _winners(rule, variant)
                if b in other and a not in other:
                    yield _iia_record(rule, profile, winners, variant, other, a, b)


def _iia_domain(rule, m: int, sizes):
    """IIA on every profile of each size: winners once per profile, then profiles grouped by
    (a, b, voters ranking a over b); a violation pairs "a in, b out" with "b in, a out"."""
    for n in sizes:
        profiles = list(enumerate_anonymous_profiles(m, n))
        winners = [set(_winners(rule, p)) for p in profiles]
        support = [p.majority_matrix for p in profiles]
        flipped: dict[tuple[int, int, int], list[int]] = {}
        for j, won in enumerate(winners):  # "b in, a out" profiles, by (a, b, count a over b)
            for b in won:
                for a in range(m):
                    if a not in won:
                        flipped.setdefault((a, b, int(support[j][a, b])), []).append(j)
        for i, won in enumerate(winners):
            for a in sorted(won):
                for b in (c for c in range(m) if c not in won):
                    for j in flipped.get((a, b, int(support[i][a, b])), []):
                        yield _iia_record(rule, profiles[i], tuple(sorted(won)), profiles[j],
                                          tuple(sorted(winners[j])), a, b)


def _prefers(ranking: np.ndarray, x: int, y: int) -> bool:
    order = list(ranking)
    return order.index(x) < order.index(y)


@_axiom("participation", "ranked", "Joining the electorate never gives a voter a worse outcome (lexicographic ties).")
def _participation(rule, profile):
    before = resolute_winner(rule, profile)
    for ranking in all_rankings(profile.n_candidates):
        variant = profile.add_voter(ranking)
        after = resolute_winner(rule, variant)
        if _prefers(ranking, before, after):
            yield _record("participation", rule, profile, before, after, variant,
                          f"a new voter {ranking.tolist()} prefers the outcome {before} without it to {after} "
                          f"with it; ties broken {TIE_BREAKING}")


@_axiom("strategy_proofness", "ranked", "No voter gets a strictly preferred winner by misreporting (lexicographic ties).")
def _strategy_proofness(rule, profile):
    truthful = resolute_winner(rule, profile)
    for row in np.flatnonzero(profile.counts > 0):
        sincere = profile.rankings[row]
        for lie in all_rankings(profile.n_candidates):
            if np.array_equal(lie, sincere):
                continue
            variant = profile.replace_voter(int(row), lie)
            outcome = resolute_winner(rule, variant)
            if _prefers(sincere, outcome, truthful):
                yield _record("strategy_proofness", rule, profile, truthful, outcome, variant,
                              f"a voter with ranking {sincere.tolist()} reports {lie.tolist()} and gets {outcome} "
                              f"instead of {truthful}; ties broken {TIE_BREAKING}")


# ------------------------------------------------------------------ continuous axioms
def _value(rule, profile) -> np.ndarray:
    return np.atleast_1d(np.asarray(rule(profile), dtype=float))


def _rounding_slack(profile: ContinuousProfile, reach: float = 0.0) -> float:
    """Largest difference float round-off alone can make between two outcomes of these reports.

    Summing ``n`` floats of size at most ``s`` errs by at most about ``n·eps·s`` (Higham 2002,
    "Accuracy and Stability of Numerical Algorithms", Section 4.2); ``reach`` widens ``s`` for
    reports moved that far. A factor 4 and an absolute 1e-12 floor keep unit-scale checks as
    tight as before. A difference within this slack is never reported as a violation.
    """
    scale = float(np.abs(profile.reports).max()) + abs(reach)
    return 1e-12 + 4.0 * profile.n_voters * float(np.finfo(float).eps) * scale


@_axiom("anonymity", "continuous", "Permuting the voters leaves the outcome unchanged.")
def _c_anonymity(rule, profile):
    got = _value(rule, profile)
    for variant in (ContinuousProfile(profile.reports[::-1]), ContinuousProfile(np.roll(profile.reports, 1, axis=0))):
        other = _value(rule, variant)
        if not np.allclose(other, got, rtol=0, atol=_rounding_slack(profile)):
            yield _record("anonymity", rule, profile, got, other, variant, "the same reports in another voter order")


@_axiom("unanimity", "continuous", "If every voter reports x, the outcome is x.")
def _c_unanimity(rule, profile):
    reports = profile.reports
    if not np.all(reports == reports[0]):
        return
    got = _value(rule, profile)
    if not np.allclose(got, reports[0], rtol=0, atol=_rounding_slack(profile)):
        yield _record("unanimity", rule, profile, reports[0], got, detail="every voter reports the same value")


@_axiom("range_respecting", "continuous", "The outcome lies between the smallest and largest report (coordinatewise).")
def _range_respecting(rule, profile):
    got = _value(rule, profile)
    low, high = profile.reports.min(axis=0), profile.reports.max(axis=0)
    slack = _rounding_slack(profile)
    if np.all(got >= low - slack) and np.all(got <= high + slack):
        return
    yield _record("range_respecting", rule, profile, (low, high), got, detail="outcome outside the range of the reports")


JUMP_TOL = 1e-6
"""A change larger than ``JUMP_TOL`` times the spread of the reports (plus the round-off slack
of :func:`_rounding_slack`) over a bisected interval of length ~1e-14 × spread is a jump."""


def _jump_by_bisection(rule, profile, voter: int, coordinate: int, step: float, tolerance: float,
                       steps: int = 45):
    """Move one report by ``step`` and bisect towards the larger change of the outcome.

    After ``steps`` halvings the interval is ``|step| / 2^steps`` long; a continuous rule
    changes by at most its modulus of continuity there, a jump keeps its full size. Returns
    ``(low, high, change)`` offsets of the final interval when the change exceeds ``tolerance``.
    """
    def outcome(offset: float) -> float:
        moved = profile.reports[voter].copy()
        moved[coordinate] += offset
        return float(_value(rule, profile.replace_report(voter, moved))[coordinate])

    low, high = 0.0, step
    value_low, value_high = outcome(low), outcome(high)
    for _ in range(steps):
        middle = (low + high) / 2
        value_middle = outcome(middle)
        if abs(value_middle - value_low) >= abs(value_high - value_middle):
            high, value_high = middle, value_middle
        else:
            low, value_low = middle, value_middle
    change = abs(value_high - value_low)
    return (low, high, change) if change > tolerance else None


@_axiom("continuity", "continuous", "Moving one report a little moves the outcome a little (bisection search for jumps).")
def _continuity(rule, profile):
    spread = float(np.ptp(profile.reports)) or 1.0
    # relative to the spread (the registered rules are 1-Lipschitz and scale with the reports),
    # plus round-off: a report moved by less than its ulp moves by a whole ulp or not at all
    tolerance = JUMP_TOL * spread + _rounding_slack(profile, reach=0.25 * spread)
    for voter in range(profile.n_voters):
        for coordinate in range(profile.dimension):
            for step in (0.25 * spread, -0.25 * spread):
                jump = _jump_by_bisection(rule, profile, voter, coordinate, step, tolerance)
                if jump is None:
                    continue
                low, high, size = jump
                left = profile.reports[voter].copy()
                left[coordinate] += low
                right = profile.reports[voter].copy()
                right[coordinate] += high
                variant = profile.replace_report(voter, left)
                yield _record("continuity", rule, variant, "a change -> 0 as the report moves -> 0",
                              float(size), profile.replace_report(voter, right),
                              f"voter {voter}'s report moves by {abs(high - low):.3g} in coordinate "
                              f"{coordinate} and the outcome jumps by {size:.6g}")


@_axiom("strategy_proofness", "continuous",
        "No single-peaked voter (utility -|outcome - own report|) gains by misreporting (d = 1).")
def _c_strategy_proofness(rule, profile):
    if profile.dimension != 1:
        raise ValidationError("profile: strategy-proofness for single-peaked voters is defined here for d = 1 only")
    low, high = float(profile.reports.min()) - 1.0, float(profile.reports.max()) + 1.0
    for voter in range(profile.n_voters):
        result = best_misreport(rule, profile, voter, bounds=(low, high))
        if result.gain > 1e-9:
            variant = profile.replace_report(voter, result.best_report)
            yield _record("strategy_proofness", rule, profile, result.truthful_outcome, result.outcome, variant,
                          f"voter {voter} with peak {result.peak:.6g} reports {result.best_report:.6g} and "
                          f"moves the outcome closer by {result.gain:.6g} ({result.method})")


# ------------------------------------------------- continuous axioms: the grid mode
GRID_JUMP = 1e-3
"""The grid mode's continuity check reports a change larger than ``GRID_JUMP`` times the width
of the grid's bounds (plus round-off slack) over a sub-interval shorter than the resolution."""

GRID_RESOLUTION = 2.0 ** -40
"""Shortest sub-interval, relative to the bounds' width, that the grid continuity check splits."""


def grid_violations(axiom: Axiom | str, rule, max_voters: int, *, points: int = 5, bounds=(0.0, 1.0),
                    first_only: bool = True) -> list[AxiomViolation]:
    """Check a continuous-rule ``axiom`` on every profile of a grid, smallest electorates first.

    The domain: every *ordered* profile of ``n = 1..max_voters`` voters, d = 1, each report one
    of the ``points`` values ``numpy.linspace(*bounds, points)`` -- ``points ** n`` profiles of
    ``n`` voters (no anonymity assumed). On it each axiom is checked in a form that is complete:

    * ``anonymity`` -- every profile against its reports sorted (two orders of the same
      reports disagree iff one of them disagrees with the sorted order);
    * ``unanimity`` -- every unanimous profile;
    * ``range_respecting`` -- every profile;
    * ``strategy_proofness`` -- every voter of every profile (its peak: its grid report) and every
      misreport on the grid: complete for the game whose peaks and reports lie on the grid
      (misreports off the grid are not tried);
    * ``continuity`` -- for every voter and every grid profile of the others, that voter's report
      swept over all of ``bounds``: an interval is split while the outcome changes across it by
      more than ``GRID_JUMP`` x width, down to ``GRID_RESOLUTION`` x width, and a change of more
      than that over an interval shorter than the resolution is a jump. For a rule *monotone in
      each report* (the registered mean, medians and trimmed mean are) a jump larger than the
      threshold cannot hide in an interval whose ends differ by less, so every such jump on these
      lines is found; for other rules this is a search.

    Any other continuous axiom (registered by a user) gets its own finder run on every profile of
    the grid: complete only as far as that finder is. With ``first_only`` the one witness
    returned is minimal in the number of voters.

    Args:
        axiom: a continuous axiom or its name.
        rule: a continuous rule (``ContinuousProfile -> float``).
        max_voters: largest electorate (>= 1).
        points: number of grid values (>= 2).
        bounds: ``(low, high)`` with ``low < high``.
        first_only: stop at the first violation.
    """
    axiom = get_axiom(axiom, "continuous") if isinstance(axiom, str) else axiom
    if axiom.kind != "continuous":
        raise ValidationError(f"axiom: the grid mode is for continuous axioms, got a {axiom.kind} one")
    max_voters = positive_int("max_voters", max_voters)
    points = positive_int("points", points, minimum=2)
    low, high = (float(b) for b in finite_array("bounds", bounds, shape=(2,)))
    if not low < high:
        raise ValidationError(f"bounds: expected low < high, got ({low}, {high})")
    grid = np.linspace(low, high, points)
    finder = _GRID_FINDERS.get(axiom.name)

    def records():
        for n in range(1, max_voters + 1):
            if finder is not None:
                yield from finder(rule, grid, n)
            else:
                for profile in _grid_profiles(grid, n):
                    yield from axiom.find_violations(rule, profile, first_only=first_only)

    return _collect(records(), first_only)


def _grid_profiles(grid: np.ndarray, n: int):
    for reports in itertools.product(grid, repeat=n):
        yield ContinuousProfile(np.array(reports))


def _grid_anonymity(rule, grid, n):
    for reports in itertools.product(grid, repeat=n):
        ordered = tuple(sorted(reports))
        if ordered == reports:
            continue
        reference, profile = ContinuousProfile(np.array(ordered)), ContinuousProfile(np.array(reports))
        got, other = _value(rule, reference), _value(rule, profile)
        if not np.allclose(other, got, rtol=0, atol=_rounding_slack(reference)):
            yield _record("anonymity", rule, reference, got, other, profile,
                          "the same reports in another voter order (grid mode)")


def _grid_unanimity(rule, grid, n):
    for value in grid:
        yield from _c_unanimity(rule, ContinuousProfile(np.full(n, value)))


def _grid_range(rule, grid, n):
    for profile in _grid_profiles(grid, n):
        yield from _range_respecting(rule, profile)


def _grid_strategy_proofness(rule, grid, n):
    for profile in _grid_profiles(grid, n):
        truthful = float(_value(rule, profile)[0])
        for voter in range(n):
            peak = float(profile.reports[voter, 0])
            for lie in grid:
                if lie == peak:
                    continue
                variant = profile.replace_report(voter, [lie])
                outcome = float(_value(rule, variant)[0])
                gain = abs(truthful - peak) - abs(outcome - peak)
                if gain > 1e-9 + _rounding_slack(profile):
                    yield _record("strategy_proofness", rule, profile, truthful, outcome, variant,
                                  f"voter {voter} with peak {peak:.6g} reports {float(lie):.6g} and moves the "
                                  f"outcome closer by {gain:.6g} (grid mode: peaks and reports on the grid)")


def _grid_continuity(rule, grid, n):
    low, high = float(grid[0]), float(grid[-1])
    width = high - low
    resolution = GRID_RESOLUTION * width
    for voter in range(n):
        for others in itertools.product(grid, repeat=n - 1):
            base = ContinuousProfile(np.array(others[:voter] + (low,) + others[voter:]))
            threshold = GRID_JUMP * width + _rounding_slack(base, reach=width)

            def outcome(x: float) -> float:
                return float(_value(rule, base.replace_report(voter, [x]))[0])

            stack = [(low, high, outcome(low), outcome(high))]
            while stack:  # depth first, left half first: jumps come out from left to right
                a, b, fa, fb = stack.pop()
                if abs(fb - fa) <= threshold:
                    continue
                if b - a <= resolution:
                    yield _record("continuity", rule, base.replace_report(voter, [a]),
                                  "a change -> 0 as the report moves -> 0", abs(fb - fa),
                                  base.replace_report(voter, [b]),
                                  f"voter {voter}'s report moves from {a:.17g} to {b:.17g} ({b - a:.3g}) and the "
                                  f"outcome jumps by {abs(fb - fa):.6g} (grid mode)")
                    continue
                middle = (a + b) / 2
                fm = outcome(middle)
                stack.append((middle, b, fm, fb))
                stack.append((a, middle, fa, fm))


_GRID_FINDERS = {
    "anonymity": _grid_anonymity,
    "unanimity": _grid_unanimity,
    "range_respecting": _grid_range,
    "strategy_proofness": _grid_strategy_proofness,
    "continuity": _grid_continuity,
}
