"""Axioms for rules on approval and score ballots, with their bounded exhaustive mode.

A ballot here is a row of *grades*, one per candidate: 0/1 for an
:class:`~sedtheory.social_choice.profiles.ApprovalProfile`, numbers in ``grades = (low, high)``
for a :class:`~sedtheory.social_choice.profiles.ScoredProfile` (the top grade is ``high``, the
bottom ``low``; without declared grades, the extremes of the profile's own scores). Every axiom
below is registered twice, for ``kind="approval"`` and ``kind="scored"``, and compares winner
sets ``W(P)`` (all tied winners). Which axioms apply to which kind of rule:

* ranked rules -- the axioms of :mod:`.axioms` and :mod:`.further_axioms` (they read rankings);
* approval and scored rules -- the axioms below (they read grades; none of them reads a ranking,
  so IIA, clones, later-no-harm, Smith, ... are not defined for these ballots here);
* continuous rules -- the five continuous axioms of :mod:`.axioms`.

==========================  ==================================================================
``anonymity``               the ballot rows reversed, and every row split into single voters:
                            W unchanged
``neutrality``              candidates renamed by every permutation (m <= 4; else every
                            transposition and one cycle): the winners renamed
``unanimity``               every voter gives c the top grade and every other candidate less:
                            W = {c}
``majority``                a strict majority does so: W = {c} (score voting fails it)
``pareto``                  a grades at least as high as b on every ballot and higher on one:
                            b does not win
``condorcet_winner``        c is graded above each other candidate by more voters than grade it
                            below: W = {c}
``monotonicity``            one voter raises a winner's grade one step (0 -> 1 for approval,
                            +1 up to the top grade for scores): it still wins
``positive_participation``  a voter giving a winner x the top grade joins (any grades for the
                            others, every such ballot of the domain): x still wins
``negative_participation``  a voter giving a loser x the bottom grade joins: x still loses
``reinforcement``           every split P = P1 + P2 whose winners meet: W(P) is their
                            intersection (consistency; Young 1975, Fishburn 1978)
``homogeneity``             every count multiplied (2, 3) or divided by a common factor:
                            W unchanged
``loser_removal``           a candidate that does not win is struck from every ballot: W unchanged
                            (independence of irrelevant alternatives for grades, Balinski &
                            Laraki 2011, choice form)
==========================  ==================================================================

**Exhaustive mode.** :func:`ballot_domain_violations` runs a finder on every anonymous profile
of ``1..max_voters`` voters whose ballots are grade vectors over ``levels`` (for approval
``(0, 1)``; for scores the integer grades ``0..top``, the profile declaring ``grades=(0, top)``).
Each finder checks every variant it names (every added ballot is a ballot of the same domain), so
the search is complete there, and the first witness is minimal in the number of voters.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from sedtheory._validate import ValidationError, positive_int
from sedtheory.social_choice.axioms import (AxiomViolation, _axiom, _collect, _neutrality_permutations, _record, _winners,
                                           get_axiom)
from sedtheory.social_choice.further_axioms import _splits
from sedtheory.social_choice.profiles import ApprovalProfile, ScoredProfile

__all__ = ["BallotMemo", "ballot_domain_violations", "ballot_profiles", "grade_vectors"]

KINDS = ("approval", "scored")


# --------------------------------------------------------------------- ballots as grade rows
def _grades(profile) -> np.ndarray:
    """``(k, m)`` grades of each ballot row (0/1 for approval ballots)."""
    if isinstance(profile, ApprovalProfile):
        return profile.approvals.astype(np.int64)
    return np.asarray(profile.scores)


def _scale(profile) -> tuple[float, float]:
    """``(bottom, top)`` grade of the profile's ballots."""
    if isinstance(profile, ApprovalProfile):
        return 0, 1
    if profile.grades is not None:
        return profile.grades
    return float(profile.scores.min()), float(profile.scores.max())


def _rebuild(profile, grades: np.ndarray, counts: np.ndarray):
    """A profile of the same type (and declared grades) with these rows and counts."""
    if isinstance(profile, ApprovalProfile):
        return ApprovalProfile(np.asarray(grades, dtype=bool), counts)
    return ScoredProfile(grades, counts, profile.grades)


def _levels(profile) -> tuple:
    """Every grade a ballot of the profile's domain may give (integer steps between the extremes)."""
    bottom, top = _scale(profile)
    if isinstance(profile, ApprovalProfile):
        return (0, 1)
    if float(bottom).is_integer() and float(top).is_integer():
        return tuple(range(int(bottom), int(top) + 1))
    return (bottom, top)


def _compact(profile):
    """Equal rows merged, rows sorted, zero counts dropped (the anonymised profile)."""
    grades, counts = _grades(profile), profile.counts
    merged: dict[tuple, int] = {}
    for row, count in zip(map(tuple, grades.tolist()), counts.tolist()):
        if count:
            merged[row] = merged.get(row, 0) + count
    rows = sorted(merged)
    return _rebuild(profile, np.array(rows), np.array([merged[r] for r in rows], dtype=np.int64))


def _add_ballot(profile, ballot) -> object:
    grades = np.vstack([_grades(profile), np.asarray(ballot)[None, :]])
    return _rebuild(profile, grades, np.append(profile.counts, 1))


def _replace_one(profile, row: int, ballot):
    """One voter of ``row`` switches to ``ballot``."""
    counts = profile.counts.copy()
    counts[row] -= 1
    grades = np.vstack([_grades(profile), np.asarray(ballot)[None, :]])
    keep = np.append(counts, 1) > 0
    return _rebuild(profile, grades[keep], np.append(counts, 1)[keep])


def grade_vectors(n_candidates: int, levels) -> np.ndarray:
    """``(len(levels) ** m, m)``: every ballot giving each candidate one of ``levels``."""
    return np.array(list(itertools.product(levels, repeat=n_candidates)))


# --------------------------------------------------------------------------- the axioms
def _both(name: str, summary: str):
    """Register one finder for approval and for scored rules."""
    def decorate(func):
        for kind in KINDS:
            _axiom(name, kind, summary)(func)
        return func
    return decorate


@_both("anonymity", "Listing the ballots in another order, or voter by voter, leaves the winners unchanged.")
def _anonymity(rule, profile):
    got = _winners(rule, profile)
    grades, counts = _grades(profile), profile.counts
    single = np.repeat(grades, counts, axis=0)
    for variant, how in ((_rebuild(profile, grades[::-1], counts[::-1]), "ballot rows in reverse order"),
                         (_rebuild(profile, single, np.ones(len(single), dtype=np.int64)), "one row per voter")):
        other = _winners(rule, variant)
        if other != got:
            yield _record("anonymity", rule, profile, got, other, variant, f"the same ballots: {how}")



@_both("neutrality", "Renaming the candidates renames the winners.")
def _neutrality(rule, profile):
    got = _winners(rule, profile)
    grades = _grades(profile)
    for perm in _neutrality_permutations(profile.n_candidates):
        perm = np.array(perm)
        renamed = np.empty_like(grades)
        renamed[:, perm] = grades  # candidate c is called perm[c]
        variant = _rebuild(profile, renamed, profile.counts)
        expected = tuple(sorted(int(perm[w]) for w in got))
        other = _winners(rule, variant)
        if other != expected:
            yield _record("neutrality", rule, profile, expected, other, variant,
                          f"candidates renamed by c -> {perm.tolist()}[c]")


def _top_alone(profile) -> np.ndarray:
    """``(m,)`` voters giving each candidate the top grade and every other candidate less."""
    grades, top = _grades(profile), _scale(profile)[1]
    at_top = grades == top
    alone = at_top & (at_top.sum(axis=1, keepdims=True) == 1)
    return profile.counts @ alone.astype(np.int64)


@_both("unanimity", "If every voter gives c the top grade and the others less, c wins alone.")
def _unanimity(rule, profile):
    support = _top_alone(profile)
    for c in np.flatnonzero(support == profile.n_voters):
        got = _winners(rule, profile)
        if got != (int(c),):
            yield _record("unanimity", rule, profile, (int(c),), got,
                          detail=f"every voter gives {int(c)} the top grade and every other candidate less")


@_both("majority", "If a strict majority gives c the top grade and the others less, c wins alone.")
def _majority(rule, profile):
    support = _top_alone(profile)
    for c in np.flatnonzero(2 * support > profile.n_voters):
        got = _winners(rule, profile)
        if got != (int(c),):
            yield _record("majority", rule, profile, (int(c),), got,
                          detail=f"{int(support[c])} of {profile.n_voters} voters give {int(c)} the top grade "
                                 f"and every other candidate less")


def _support(profile) -> np.ndarray:
    """``(m, m)`` voters grading a strictly above b."""
    grades = _grades(profile)
    above = (grades[:, :, None] > grades[:, None, :]).astype(np.int64)
    return np.tensordot(profile.counts, above, axes=1)


@_both("pareto", "A candidate graded at least as high as b by every voter, higher by one, keeps b from winning.")
def _pareto(rule, profile):
    support = _support(profile)
    got = _winners(rule, profile)
    for b in got:
        for a in range(profile.n_candidates):
            if a != b and support[b, a] == 0 and support[a, b] > 0:
                yield _record("pareto", rule, profile, tuple(w for w in got if w != b), got,
                              detail=f"{a} is graded at least as high as {b} by every voter (higher by "
                                     f"{int(support[a, b])}) but {b} wins")


@_both("condorcet_winner", "A candidate graded above each other by more voters than grade it below wins alone.")
def _condorcet_winner(rule, profile):
    support = _support(profile)
    margins = support - support.T
    m = profile.n_candidates
    for c in range(m):
        if all(margins[c, d] > 0 for d in range(m) if d != c):
            got = _winners(rule, profile)
            if got != (c,):
                yield _record("condorcet_winner", rule, profile, (c,), got,
                              detail=f"{c} is graded above every other candidate by more voters than grade it below")


@_both("monotonicity", "A winner whose grade one voter raises one step still wins.")
def _monotonicity(rule, profile):
    grades, top = _grades(profile), _scale(profile)[1]
    levels = _levels(profile)
    for winner in _winners(rule, profile):
        for row in np.flatnonzero(profile.counts > 0):
            grade = grades[row, winner]
            higher = [g for g in levels if g > grade]
            if grade >= top or not higher:
                continue
            raised = grades[row].copy()
            raised[winner] = min(higher)
            variant = _replace_one(profile, int(row), raised)
            other = _winners(rule, variant)
            if winner not in other:
                yield _record("monotonicity", rule, profile, winner, other, variant,
                              f"one voter {grades[row].tolist()} raises winner {winner}: {raised.tolist()}")


@_both("positive_participation", "A voter giving a winner x the top grade joins: x still wins.")
def _positive_participation(rule, profile):
    got = _winners(rule, profile)
    top = _scale(profile)[1]
    for ballot in grade_vectors(profile.n_candidates, _levels(profile)):
        for x in got:
            if ballot[x] == top:
                variant = _add_ballot(profile, ballot)
                other = _winners(rule, variant)
                if x not in other:
                    yield _record("positive_participation", rule, profile, got, other, variant,
                                  f"a new voter {ballot.tolist()} gives winner {x} the top grade and {x} no longer wins")


@_both("negative_participation", "A voter giving a loser x the bottom grade joins: x still loses.")
def _negative_participation(rule, profile):
    got = _winners(rule, profile)
    bottom = _scale(profile)[0]
    for ballot in grade_vectors(profile.n_candidates, _levels(profile)):
        for x in (c for c in range(profile.n_candidates) if c not in got):
            if ballot[x] == bottom:
                variant = _add_ballot(profile, ballot)
                other = _winners(rule, variant)
                if x in other:
                    yield _record("negative_participation", rule, profile, got, other, variant,
                                  f"a new voter {ballot.tolist()} gives loser {x} the bottom grade and {x} now wins")


@_both("reinforcement", "If the winners of two electorates meet, the joint electorate elects the common winners.")
def _reinforcement(rule, profile):
    profile = _compact(profile)
    got = _winners(rule, profile)
    grades = _grades(profile)
    for first in _splits(profile.counts):
        rest = profile.counts - first
        one = _rebuild(profile, grades[first > 0], first[first > 0])
        two = _rebuild(profile, grades[rest > 0], rest[rest > 0])
        w1, w2 = _winners(rule, one), _winners(rule, two)
        common = tuple(sorted(set(w1) & set(w2)))
        if common and common != got:
            yield _record("reinforcement", rule, profile, common, got, one,
                          f"the electorate splits into 'variant' (winners {w1}) and the rest (winners {w2}), "
                          f"whose winners meet in {list(common)}")


@_both("homogeneity", "Multiplying every ballot count by the same factor leaves the winners unchanged.")
def _homogeneity(rule, profile):
    profile = _compact(profile)
    got = _winners(rule, profile)
    grades = _grades(profile)
    common = math.gcd(*(int(c) for c in profile.counts))
    for divisor in (d for d in range(2, common + 1) if common % d == 0):
        smaller = _rebuild(profile, grades, profile.counts // divisor)
        other = _winners(rule, smaller)
        if other != got:
            yield _record("homogeneity", rule, smaller, other, got, profile,
                          f"every count multiplied by {divisor} changes the winners")
    for factor in (2, 3):
        larger = _rebuild(profile, grades, profile.counts * factor)
        other = _winners(rule, larger)
        if other != got:
            yield _record("homogeneity", rule, profile, got, other, larger,
                          f"every count multiplied by {factor} changes the winners")


@_both("loser_removal", "Striking a candidate that does not win from every ballot leaves the winners unchanged.")
def _loser_removal(rule, profile):
    m = profile.n_candidates
    if m < 2:
        return
    got = _winners(rule, profile)
    grades = _grades(profile)
    for loser in (c for c in range(m) if c not in got):
        kept = [c for c in range(m) if c != loser]
        smaller = _rebuild(profile, grades[:, kept], profile.counts)
        other = tuple(sorted(kept[w] for w in _winners(rule, smaller)))
        if other != got:
            yield _record("loser_removal", rule, profile, got, other, smaller,
                          f"the losing candidate {loser} is struck from every ballot (the variant's candidates "
                          f"are 0..m-2 in the old order, 'got' in the old labels)")


# ------------------------------------------------------------------- the exhaustive mode
class BallotMemo:
    """An approval or scored rule with its winners remembered per anonymised profile.

    Keeps the wrapped rule's ``name`` and ``kind``; only sound for anonymous rules.
    """

    def __init__(self, rule):
        self.rule, self.name, self.kind = rule, getattr(rule, "name", repr(rule)), getattr(rule, "kind", None)
        self._winners: dict[tuple, tuple[int, ...]] = {}

    def __call__(self, profile):
        compact = _compact(profile)
        key = (type(profile).__name__, _grades(compact).tobytes(), _grades(compact).shape,
               compact.counts.tobytes(), getattr(profile, "grades", None))
        if key not in self._winners:
            self._winners[key] = tuple(sorted(int(w) for w in self.rule(compact)))
        return self._winners[key]


def ballot_profiles(kind: str, n_candidates: int, n_voters: int, *, top: int = 2):
    """Every anonymous profile of ``n_voters`` voters over all ballots of the kind's domain:
    approval -- every subset of the candidates (``2 ** m`` ballots, the empty and the full one
    included); scored -- every vector of integer grades ``0..top`` (``(top + 1) ** m`` ballots),
    the profile declaring ``grades=(0, top)``."""
    if kind not in KINDS:
        raise ValidationError(f"kind: expected one of {KINDS}, got {kind!r}")
    m, n = positive_int("n_candidates", n_candidates), positive_int("n_voters", n_voters)
    top = positive_int("top", top)
    ballots = grade_vectors(m, (0, 1) if kind == "approval" else tuple(range(top + 1)))
    for chosen in itertools.combinations_with_replacement(range(len(ballots)), n):
        rows, counts = np.unique(np.array(chosen, dtype=np.int64), return_counts=True)
        if kind == "approval":
            yield ApprovalProfile(ballots[rows].astype(bool), counts)
        else:
            yield ScoredProfile(ballots[rows], counts, (0, top))


def ballot_domain_violations(axiom, rule, n_candidates: int, max_voters: int, *, top: int = 2,
                             first_only: bool = True) -> list[AxiomViolation]:
    """Check an approval or scored ``axiom`` on every profile of :func:`ballot_profiles` with
    ``1..max_voters`` voters, smallest electorates first (complete there; module notes).

    The rule's winners are memoised per anonymised profile (pass a :class:`BallotMemo` to share
    the memo across axioms), except for the anonymity axiom, which gets the rule as it is.
    """
    kind = getattr(rule.rule if isinstance(rule, BallotMemo) else rule, "kind", None)
    if kind not in KINDS:
        raise ValidationError(f"rule: expected an approval or scored rule, got kind {kind!r}")
    axiom = get_axiom(axiom, kind) if isinstance(axiom, str) else axiom
    if axiom.kind != kind:
        raise ValidationError(f"axiom: {axiom.name!r} is a {axiom.kind} axiom, the rule is {kind}")
    plain = rule.rule if isinstance(rule, BallotMemo) else rule
    checked = plain if axiom.name == "anonymity" else (rule if isinstance(rule, BallotMemo) else BallotMemo(rule))

    def records():
        for n in range(1, positive_int("max_voters", max_voters) + 1):
            for profile in ballot_profiles(kind, n_candidates, n, top=top):
                yield from axiom.find_violations(checked, profile, first_only=first_only)

    return _collect(records(), first_only)
