"""Further axioms for ranked rules (issue 15), registered beside those of :mod:`.axioms`.

Every finder is a generator of :class:`~sedtheory.social_choice.axioms.AxiomViolation`
records over the winner sets ``W(P)`` (all tied winners; no tie-breaking), and checks *every*
variant its axiom names for the profile it is given -- so the exhaustive modes
(:func:`~sedtheory.social_choice.axioms.small_domain_violations`) are complete on their domain.

Profiles compared with the one given:

==============================  ==============================================================
``smith``                       none: every winner is in the Smith set (Smith 1973)
``schwartz``                    none: every winner is in the Schwartz set (Schwartz 1986)
``mutual_majority``             none: if a strict majority ranks the same set S (|S| < m) above
                                all others, W is inside S (Woodall 1997)
``majority_loser``              none: a candidate ranked last by a strict majority never wins
``reversal_symmetry``           every ballot reversed: a unique winner does not win the
                                reversed profile (Saari 1994)
``smith_dominated``             each candidate outside the Smith set removed: W unchanged
                                (independence of Smith-dominated alternatives; Tideman 2006)
``condorcet_loser_removal``     the Condorcet loser removed: W unchanged (independence of
                                Condorcet losers)
``clone_independence``          for each clone set S (2 <= |S| < m candidates in consecutive
                                places on every ballot) and each c in S, c removed: a non-clone
                                wins iff it won before, and some clone of S - {c} wins iff some
                                clone of S won before (Tideman 1987; Schulze 2011 Section 4.7)
``later_no_harm``               one voter who ranks x first reorders the candidates below x:
                                if x won it still wins (Woodall 1997, for complete ballots)
``later_no_help``               the same change: if x lost it still loses
``positive_participation``      a voter ranking x first joins: if x won it still wins
                                (positive involvement; Saari 1995, Perez 2001)
``negative_participation``      a voter ranking x last joins: if x lost it still loses
                                (negative involvement; Fishburn & Brams 1983, Perez 2001)
``resolvability``               one voter (any ranking) joins: each tied winner can be made the
                                unique winner (single-voter resolvability; Tideman 1987,
                                Schulze 2011 Section 4.2.1)
``reinforcement``               every split P = P1 + P2: if W(P1) and W(P2) meet, W(P) is their
                                intersection (consistency; Young 1975)
``homogeneity``                 P with every count multiplied (k = 2, 3, 4) or divided by a common
                                factor: W unchanged (Smith 1973)
``neutral_reversal``            a ranking and its reverse join: W unchanged (Saari 1994)
==============================  ==============================================================

Clone sets of every size are found (:func:`clone_sets`; each is a run of consecutive places on
the first ballot, so at most ``m(m-1)/2`` sets are tested), and every member of each is removed:
on the small domains of :func:`~sedtheory.social_choice.axioms.small_domain_violations` the clone
finder is complete too. The set of all m candidates is left out: removing one of it can change
nothing the axiom speaks of (no non-clone; some clone always wins).

Reinforcement's splits number ``prod(count + 1)``; beyond ``SPLIT_LIMIT`` the finder tries only
the splits that take one ballot row or one voter apart (then an empty result is not a proof).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from sedtheory.social_choice._tallies import schwartz_set, smith_set
from sedtheory.social_choice.axioms import _axiom, _record, _winners
from sedtheory.social_choice.profiles import PreferenceProfile, all_rankings

SPLIT_LIMIT = 4096
"""Most splits ``P = P1 + P2`` the reinforcement finder enumerates at one profile."""


def without_candidate(profile: PreferenceProfile, removed: int) -> tuple[PreferenceProfile, list[int]]:
    """The profile with ``removed`` struck from every ballot, the others relabelled ``0..m-2``;
    and ``kept``, the old label of each new one."""
    m = profile.n_candidates
    kept = [c for c in range(m) if c != removed]
    relabel = np.full(m, -1, dtype=np.int64)
    relabel[kept] = np.arange(m - 1)
    rows = profile.rankings[profile.rankings != removed].reshape(profile.n_rows, m - 1)
    return PreferenceProfile(relabel[rows], profile.counts), kept


def _winners_without(rule, profile: PreferenceProfile, removed: int):
    smaller, kept = without_candidate(profile, removed)
    return smaller, tuple(sorted(kept[w] for w in _winners(rule, smaller)))


# ----------------------------------------------------------- one profile, a set of winners
def _outside_set(name: str, rule, profile, allowed: tuple[int, ...], what: str):
    got = _winners(rule, profile)
    outside = [w for w in got if w not in allowed]
    if outside:
        yield _record(name, rule, profile, allowed, got, detail=f"winner(s) {outside} outside the {what} {list(allowed)}")


@_axiom("smith", "ranked", "Every winner is in the Smith set.")
def _smith(rule, profile):
    yield from _outside_set("smith", rule, profile, smith_set(profile.margins), "Smith set")


@_axiom("schwartz", "ranked", "Every winner is in the Schwartz set.")
def _schwartz(rule, profile):
    yield from _outside_set("schwartz", rule, profile, schwartz_set(profile.margins), "Schwartz set")


@_axiom("mutual_majority", "ranked", "If a strict majority ranks a set S above everyone else, every winner is in S.")
def _mutual_majority(rule, profile):
    m, n = profile.n_candidates, profile.n_voters
    got = _winners(rule, profile)
    rows = [(row, count) for row, count in zip(profile.rankings.tolist(), profile.counts.tolist()) if count]
    for k in range(1, m):
        tally: dict[frozenset, int] = {}
        for row, count in rows:
            key = frozenset(row[:k])
            tally[key] = tally.get(key, 0) + count
        for group, votes in tally.items():
            if 2 * votes > n and not set(got) <= group:
                yield _record("mutual_majority", rule, profile, tuple(sorted(group)), got,
                              detail=f"{votes} of {n} voters rank {sorted(group)} above every other candidate")


@_axiom("majority_loser", "ranked", "A candidate ranked last by a strict majority never wins.")
def _majority_loser(rule, profile):
    m, n = profile.n_candidates, profile.n_voters
    if m < 2:
        return
    last = np.bincount(profile.rankings[:, -1], weights=profile.counts, minlength=m)
    got = _winners(rule, profile)
    for c in got:
        if 2 * last[c] > n:
            yield _record("majority_loser", rule, profile, tuple(x for x in range(m) if x != c), got,
                          detail=f"{c} is ranked last by {int(last[c])} of {n} voters but wins")


@_axiom("reversal_symmetry", "ranked", "A unique winner does not win when every ballot is reversed.")
def _reversal_symmetry(rule, profile):
    got = _winners(rule, profile)
    if profile.n_candidates < 2 or len(got) != 1:
        return
    reversed_profile = PreferenceProfile(profile.rankings[:, ::-1], profile.counts)
    other = _winners(rule, reversed_profile)
    if got[0] in other:
        yield _record("reversal_symmetry", rule, profile, tuple(c for c in range(profile.n_candidates) if c != got[0]),
                      other, reversed_profile, f"{got[0]} wins alone, and still wins when every ballot is reversed")


# ------------------------------------------------------------- candidates removed
def _removal_changes(name: str, rule, profile, removed: int, why: str):
    got = _winners(rule, profile)
    smaller, other = _winners_without(rule, profile, removed)
    if other != got:
        yield _record(name, rule, profile, got, other, smaller,
                      f"{why} {removed} is removed (the variant's candidates are 0..m-2 in the old order, "
                      f"'got' in the old labels)")


@_axiom("smith_dominated", "ranked", "Removing a candidate outside the Smith set leaves the winners unchanged.")
def _smith_dominated(rule, profile):
    smith = set(smith_set(profile.margins))
    for c in range(profile.n_candidates):
        if c not in smith:
            yield from _removal_changes("smith_dominated", rule, profile, c, "candidate outside the Smith set")


@_axiom("condorcet_loser_removal", "ranked", "Removing the Condorcet loser leaves the winners unchanged.")
def _condorcet_loser_removal(rule, profile):
    loser = profile.condorcet_loser()
    if loser is not None:
        yield from _removal_changes("condorcet_loser_removal", rule, profile, loser, "the Condorcet loser")


def clone_sets(profile: PreferenceProfile) -> list[tuple[int, ...]]:
    """Every clone set of ``profile``: a set ``S`` of candidates, ``2 <= |S| < m``, whose members
    occupy consecutive places on every ballot with a voter (Tideman 1987). Sorted by size, then
    by members; each set is a sorted tuple.

    A clone set is a run of consecutive places on the first ballot, so only those
    ``(m-1)m/2 - 1`` runs are tested: the search is complete.
    """
    rows = np.flatnonzero(profile.counts > 0)
    positions = profile.positions[rows]  # (k, m)
    first = profile.rankings[rows[0]]
    m = profile.n_candidates
    found = []
    for size in range(2, m):
        for start in range(m - size + 1):
            group = np.sort(first[start:start + size])
            places = positions[:, group]
            if np.all(places.max(axis=1) - places.min(axis=1) == size - 1):
                found.append(tuple(int(c) for c in group))
    return sorted(found, key=lambda group: (len(group), group))


def clone_pairs(profile: PreferenceProfile) -> list[tuple[int, int]]:
    """Pairs ``(c, d)``, ``c < d``, adjacent on every ballot with a voter (clone sets of two)."""
    return [group for group in clone_sets(profile) if len(group) == 2]


@_axiom("clone_independence", "ranked",
        "Removing one member of a clone set changes no non-clone's fate, and a clone wins iff one did before.")
def _clone_independence(rule, profile):
    got = _winners(rule, profile)
    for group in clone_sets(profile):
        clone_won = bool(set(got) & set(group))
        for removed in group:
            rest = [c for c in group if c != removed]
            smaller, other = _winners_without(rule, profile, removed)
            changed = [x for x in range(profile.n_candidates) if x not in group and (x in got) != (x in other)]
            clone_wins = bool(set(other) & set(rest))
            if changed or clone_won != clone_wins:
                if changed:
                    what = f"non-clone(s) {changed} change fate"
                elif clone_won:
                    what = f"a clone won before, but none of {rest} wins now"
                else:
                    what = f"no clone won before, but one of {rest} wins now"
                yield _record("clone_independence", rule, profile, got, other, smaller,
                              f"{list(group)} is a clone set; {removed} is removed and {what} "
                              f"(the variant's candidates are 0..m-2 in the old order, 'got' in the old labels)")


# ------------------------------------------------------------- one voter changes
def _below_top_changes(profile: PreferenceProfile):
    """``(x, old, new, variant)``: one voter with ``x`` on top reorders the candidates below ``x``."""
    for row in np.flatnonzero(profile.counts > 0):
        old = profile.rankings[row].tolist()
        for rest in itertools.permutations(old[1:]):
            if list(rest) != old[1:]:
                new = [old[0], *rest]
                yield old[0], old, new, profile.replace_voter(int(row), new)


@_axiom("later_no_harm", "ranked", "A voter reordering the candidates below its top x cannot make x lose.")
def _later_no_harm(rule, profile):
    got = _winners(rule, profile)
    for top, old, new, variant in _below_top_changes(profile):
        if top in got:
            other = _winners(rule, variant)
            if top not in other:
                yield _record("later_no_harm", rule, profile, got, other, variant,
                              f"one voter {old} -> {new} (same top {top}) and {top} no longer wins")


@_axiom("later_no_help", "ranked", "A voter reordering the candidates below its top x cannot make x win.")
def _later_no_help(rule, profile):
    got = _winners(rule, profile)
    for top, old, new, variant in _below_top_changes(profile):
        if top not in got:
            other = _winners(rule, variant)
            if top in other:
                yield _record("later_no_help", rule, profile, got, other, variant,
                              f"one voter {old} -> {new} (same top {top}) and {top} now wins")


# ------------------------------------------------------------------- voters join
@_axiom("positive_participation", "ranked", "A voter ranking a winner x first joins: x still wins.")
def _positive_participation(rule, profile):
    got = _winners(rule, profile)
    for ranking in all_rankings(profile.n_candidates):
        top = int(ranking[0])
        if top in got:
            variant = profile.add_voter(ranking)
            other = _winners(rule, variant)
            if top not in other:
                yield _record("positive_participation", rule, profile, got, other, variant,
                              f"a new voter {ranking.tolist()} ranks winner {top} first and {top} no longer wins")


@_axiom("negative_participation", "ranked", "A voter ranking a loser x last joins: x still loses.")
def _negative_participation(rule, profile):
    got = _winners(rule, profile)
    for ranking in all_rankings(profile.n_candidates):
        bottom = int(ranking[-1])
        if bottom not in got:
            variant = profile.add_voter(ranking)
            other = _winners(rule, variant)
            if bottom in other:
                yield _record("negative_participation", rule, profile, got, other, variant,
                              f"a new voter {ranking.tolist()} ranks loser {bottom} last and {bottom} now wins")


@_axiom("resolvability", "ranked", "With tied winners, one more voter can make any one of them the unique winner.")
def _resolvability(rule, profile):
    got = _winners(rule, profile)
    if len(got) < 2:
        return
    outcomes = {r: _winners(rule, profile.add_voter(np.array(r))) for r in map(tuple, all_rankings(profile.n_candidates).tolist())}
    for w in got:
        if (w,) not in outcomes.values():
            yield _record("resolvability", rule, profile, (w,), got,
                          detail=f"no single added ballot makes tied winner {w} the unique winner")


# ----------------------------------------------------------------- whole electorates
def _splits(counts: np.ndarray):
    """Counts ``c1`` of a part P1 (``0 <= c1 <= counts``, neither empty nor everything), each
    unordered split once; past ``SPLIT_LIMIT`` only one row, or one voter, taken apart."""
    total = math.prod(int(c) + 1 for c in counts)
    if total <= SPLIT_LIMIT:
        for part in itertools.product(*(range(int(c) + 1) for c in counts)):
            first = np.array(part, dtype=np.int64)
            rest = counts - first
            if first.any() and rest.any() and tuple(first) <= tuple(rest):
                yield first
        return
    for row in np.flatnonzero(counts > 0):
        for taken in {int(counts[row]), 1}:
            first = np.zeros_like(counts)
            first[row] = taken
            if (counts - first).any():
                yield first


def _part(profile: PreferenceProfile, counts: np.ndarray) -> PreferenceProfile:
    keep = counts > 0
    return PreferenceProfile(profile.rankings[keep], counts[keep])


@_axiom("reinforcement", "ranked", "If the winners of two electorates meet, the joint electorate elects the common winners.")
def _reinforcement(rule, profile):
    profile = profile.anonymized
    got = _winners(rule, profile)
    for first in _splits(profile.counts):
        one, two = _part(profile, first), _part(profile, profile.counts - first)
        common = tuple(sorted(set(_winners(rule, one)) & set(_winners(rule, two))))
        if common and common != got:
            yield _record("reinforcement", rule, profile, common, got, one,
                          f"the electorate splits into 'variant' (winners {_winners(rule, one)}) and the rest "
                          f"(winners {_winners(rule, two)}), whose winners meet in {list(common)}")


@_axiom("homogeneity", "ranked", "Multiplying every ballot count by the same factor leaves the winners unchanged.")
def _homogeneity(rule, profile):
    profile = profile.anonymized
    got = _winners(rule, profile)
    common = math.gcd(*(int(c) for c in profile.counts))
    for divisor in (d for d in range(2, common + 1) if common % d == 0):  # profile = divisor x smaller
        smaller = PreferenceProfile(profile.rankings, profile.counts // divisor)
        other = _winners(rule, smaller)
        if other != got:
            yield _record("homogeneity", rule, smaller, other, got, profile,
                          f"every count multiplied by {divisor} changes the winners")
    for factor in (2, 3, 4):
        larger = PreferenceProfile(profile.rankings, profile.counts * factor)
        other = _winners(rule, larger)
        if other != got:
            yield _record("homogeneity", rule, profile, got, other, larger,
                          f"every count multiplied by {factor} changes the winners")


@_axiom("neutral_reversal", "ranked", "Adding a ranking together with its reverse leaves the winners unchanged.")
def _neutral_reversal(rule, profile):
    got = _winners(rule, profile)
    for ranking in all_rankings(profile.n_candidates):
        reverse = ranking[::-1]
        if tuple(ranking) > tuple(reverse):
            continue
        variant = profile.add_voter(ranking).add_voter(reverse)
        other = _winners(rule, variant)
        if other != got:
            yield _record("neutral_reversal", rule, profile, got, other, variant,
                          f"voters {ranking.tolist()} and {reverse.tolist()} join and the winners change")
