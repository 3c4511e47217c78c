"""Elimination (iterative) rules on ranked ballots, registered by name.

Each round removes candidates from every ballot (the others keep their order) and recounts.
Tie conventions follow pref_voting 1.x (Holliday & Pacuit), so the rules can be
cross-checked: the plain variants remove **all** candidates tied for elimination at once
(and if that would remove everyone, the tied ones win together); the ``_put`` variants use
parallel-universe tie-breaking: one tied candidate removed at a time, in every possible
order, and every universe's winner wins. Counts weight every ballot row.

==================================  ==========================================================
``coombs``                          Coombs (1964): a candidate with a strict majority of first
                                    places wins; else remove those with the most last places
``coombs_put``                      Coombs with parallel-universe tie-breaking
``baldwin``                         Baldwin (1926): remove the lowest Borda score (recomputed
                                    on the remaining candidates) until one is left
``baldwin_put``                     Baldwin with parallel-universe tie-breaking
``strict_nanson``                   Nanson (1882): remove every candidate strictly below the
                                    average Borda score; stop when none is (Niou 1987)
``weak_nanson``                     Nanson, removing those at *or* below the average
                                    (Schwartz 1986's variant)
``benham``                          instant runoff until a Condorcet winner of the remaining
                                    candidates exists (Benham 1996)
``plurality_with_runoff``           the two plurality leaders meet in a majority runoff; every
                                    pair the plurality ties allow is tried (pref_voting's
                                    ``plurality_with_runoff_put``)
``bottom_two_runoff_irv``           the two candidates with fewest first places meet; the loser
                                    of their majority contest is removed (BTR-IRV)
``tideman_alternative_smith``       Tideman's (2006) alternative: restrict to the Smith set,
                                    remove its plurality losers, repeat
``tideman_alternative_schwartz``    the same with the Schwartz set
``woodall``                         Woodall (1997): instant runoff eliminations; the last Smith
                                    set member left wins
``smith_irv``                       instant runoff on the Smith set
``condorcet_irv``                   the Condorcet winner if any, else instant runoff
==================================  ==========================================================

Instant runoff itself (Hare / STV with one seat) and its PUT variant are in
:mod:`~sedtheory.social_choice.ranked_rules`.
"""

from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from sedtheory.social_choice._tallies import (
    borda_among,
    condorcet_winner_among,
    first_counts,
    last_counts,
    pair_winners,
    schwartz_set,
    smith_set,
    strict_majority,
)
from sedtheory.social_choice.profiles import PreferenceProfile
from sedtheory.social_choice.ranked_rules import instant_runoff
from sedtheory.social_choice.registry import voting_rule


def _members(alive: np.ndarray) -> tuple[int, ...]:
    return tuple(int(c) for c in np.flatnonzero(alive))


def _mask(m: int, candidates) -> np.ndarray:
    alive = np.zeros(m, dtype=bool)
    alive[list(candidates)] = True
    return alive


def _extremes(scores: np.ndarray, alive: np.ndarray, lowest: bool) -> np.ndarray:
    """Mask of the alive candidates with the lowest (or highest) score."""
    values = scores[alive]
    target = values.min() if lowest else values.max()
    return alive & (scores == target)


def _eliminate_all_tied(profile: PreferenceProfile, stop: Callable, losers: Callable) -> tuple[int, ...]:
    """Shared loop: ``stop(alive)`` returns winners or ``None``; ``losers(alive)`` the mask to
    remove; removing everyone left makes those removed last the (tied) winners."""
    profile = profile.anonymized
    alive = np.ones(profile.n_candidates, dtype=bool)
    while True:
        winners = stop(alive)
        if winners is not None:
            return winners
        removed = losers(alive)
        if np.array_equal(removed, alive):
            return _members(removed)
        alive = alive & ~removed


def _parallel_universes(profile: PreferenceProfile, stop: Callable, losers: Callable) -> tuple[int, ...]:
    """PUT loop: every candidate in ``losers(alive)`` is removed on its own branch (memoised)."""
    profile = profile.anonymized

    @functools.lru_cache(maxsize=None)
    def winners(alive_bits: tuple[bool, ...]) -> frozenset[int]:
        alive = np.array(alive_bits)
        if alive.sum() == 1:
            return frozenset(_members(alive))
        found = stop(alive)
        if found is not None:
            return frozenset(found)
        result: frozenset[int] = frozenset()
        for candidate in np.flatnonzero(losers(alive)):
            smaller = alive.copy()
            smaller[candidate] = False
            result |= winners(tuple(bool(x) for x in smaller))
        return result

    return tuple(sorted(winners(tuple([True] * profile.n_candidates))))


# ------------------------------------------------------------------------ coombs
def _majority_of_firsts(profile: PreferenceProfile):
    majority = strict_majority(profile)

    def stop(alive):
        firsts = first_counts(profile, alive)
        top = np.flatnonzero(alive & (firsts >= majority))
        return tuple(int(c) for c in top) if top.size else None

    return stop


@voting_rule("coombs")
def coombs(profile: PreferenceProfile) -> tuple[int, ...]:
    """Coombs: a strict majority of first places wins; else remove all with the most last places."""
    profile = profile.anonymized
    return _eliminate_all_tied(profile, _majority_of_firsts(profile),
                               lambda alive: _extremes(last_counts(profile, alive), alive, lowest=False))


@voting_rule("coombs_put")
def coombs_put(profile: PreferenceProfile) -> tuple[int, ...]:
    """Coombs with parallel-universe tie-breaking: winners over all orders of removing tied last-placed."""
    profile = profile.anonymized
    return _parallel_universes(profile, _majority_of_firsts(profile),
                               lambda alive: _extremes(last_counts(profile, alive), alive, lowest=False))


# ----------------------------------------------------------------------- baldwin
def _one_left(alive):
    return _members(alive) if alive.sum() == 1 else None


@voting_rule("baldwin")
def baldwin(profile: PreferenceProfile) -> tuple[int, ...]:
    """Baldwin: remove all candidates with the lowest Borda score among those left, until one is left."""
    if (winner := profile.condorcet_winner()) is not None:  # Condorcet-consistent: skip the rounds
        return (winner,)
    profile = profile.anonymized
    return _eliminate_all_tied(profile, _one_left, lambda alive: _extremes(borda_among(profile, alive), alive, lowest=True))


@voting_rule("baldwin_put")
def baldwin_put(profile: PreferenceProfile) -> tuple[int, ...]:
    """Baldwin with parallel-universe tie-breaking among the lowest Borda scores."""
    if (winner := profile.condorcet_winner()) is not None:  # every universe ends with it
        return (winner,)
    profile = profile.anonymized
    return _parallel_universes(profile, _one_left, lambda alive: _extremes(borda_among(profile, alive), alive, lowest=True))


# ------------------------------------------------------------------------ nanson
def _below_average(profile: PreferenceProfile, alive: np.ndarray, strictly: bool) -> np.ndarray:
    """Alive candidates whose Borda score is below (or at) the average, compared exactly:
    ``score * a < total`` with ``a`` candidates alive."""
    scores = borda_among(profile, alive)
    a, total = int(alive.sum()), int(scores[alive].sum())
    return alive & ((scores * a < total) if strictly else (scores * a <= total))


@voting_rule("strict_nanson")
def strict_nanson(profile: PreferenceProfile) -> tuple[int, ...]:
    """Nanson: remove every candidate strictly below the average Borda score; stop when none is."""
    if (winner := profile.condorcet_winner()) is not None:  # above the average in every round
        return (winner,)
    profile = profile.anonymized
    alive = np.ones(profile.n_candidates, dtype=bool)
    while alive.sum() > 1:
        below = _below_average(profile, alive, strictly=True)
        if not below.any():
            break
        alive &= ~below
    return _members(alive)


@voting_rule("weak_nanson")
def weak_nanson(profile: PreferenceProfile) -> tuple[int, ...]:
    """Nanson, weak form: remove every candidate at or below the average Borda score until one is left
    (if that removes everyone -- all scores equal -- they tie)."""
    if (winner := profile.condorcet_winner()) is not None:  # above the average in every round
        return (winner,)
    profile = profile.anonymized
    return _eliminate_all_tied(profile, _one_left, lambda alive: _below_average(profile, alive, strictly=False))


# ----------------------------------------------------------- runoff variations
@voting_rule("benham")
def benham(profile: PreferenceProfile) -> tuple[int, ...]:
    """Benham: instant-runoff eliminations until the remaining candidates have a Condorcet winner."""
    if (winner := profile.condorcet_winner()) is not None:  # the stop test before any round
        return (winner,)
    profile = profile.anonymized
    margins = profile.margins

    def stop(alive):
        winner = condorcet_winner_among(margins, alive)
        return None if winner is None else (winner,)

    return _eliminate_all_tied(profile, stop, lambda alive: _extremes(first_counts(profile, alive), alive, lowest=True))


@voting_rule("plurality_with_runoff")
def plurality_with_runoff(profile: PreferenceProfile) -> tuple[int, ...]:
    """Plurality with runoff: the top two by first places meet; every pair allowed by ties is tried."""
    m = profile.n_candidates
    if m == 1:
        return (0,)
    scores = np.asarray(profile.plurality_scores)
    levels = sorted(set(scores.tolist()), reverse=True)
    first = np.flatnonzero(scores == levels[0])
    if first.size > 1:
        pairs = [(a, b) for a in first for b in first if a < b]
    else:
        pairs = [(first[0], b) for b in np.flatnonzero(scores == levels[1])]
    return pair_winners(profile.margins, pairs)


@voting_rule("bottom_two_runoff_irv")
def bottom_two_runoff_irv(profile: PreferenceProfile) -> tuple[int, ...]:
    """Bottom-two-runoff IRV: the two with fewest first places meet, the majority loser goes
    (all pairs allowed by ties, every loser removed at once; a tied contest removes the first
    of the pair, as pref_voting does)."""
    profile = profile.anonymized
    margins = profile.margins
    alive = np.ones(profile.n_candidates, dtype=bool)
    while alive.sum() > 1:
        scores = first_counts(profile, alive)
        levels = sorted(set(scores[alive].tolist()))
        lowest = np.flatnonzero(alive & (scores == levels[0]))
        second = lowest if lowest.size > 1 else np.flatnonzero(alive & (scores == levels[1]))
        removed = {int(a) if margins[a, b] <= 0 else int(b) for a in lowest for b in second if a != b}
        if len(removed) == alive.sum():
            break
        alive[list(removed)] = False
    return _members(alive)


def _tideman_alternative(profile: PreferenceProfile, top_set) -> tuple[int, ...]:
    first = top_set(profile.margins)
    if len(first) == 1:  # a one-member set is its own plurality loser: it wins
        return first
    profile = profile.anonymized
    margins = profile.margins
    alive = np.ones(profile.n_candidates, dtype=bool)
    while True:
        winners = _mask(profile.n_candidates, top_set(margins, alive))
        scores = first_counts(profile, winners)  # plurality among the set's members only
        worst = _extremes(scores, winners, lowest=True)
        if np.array_equal(worst, winners):
            return _members(winners)
        alive &= ~worst


@voting_rule("tideman_alternative_smith")
def tideman_alternative_smith(profile: PreferenceProfile) -> tuple[int, ...]:
    """Tideman's alternative (Smith): restrict to the Smith set, remove its plurality losers, repeat."""
    return _tideman_alternative(profile, smith_set)


@voting_rule("tideman_alternative_schwartz")
def tideman_alternative_schwartz(profile: PreferenceProfile) -> tuple[int, ...]:
    """Tideman's alternative (Schwartz): restrict to the Schwartz set, remove its plurality losers, repeat."""
    return _tideman_alternative(profile, schwartz_set)


@voting_rule("woodall")
def woodall(profile: PreferenceProfile) -> tuple[int, ...]:
    """Woodall: instant-runoff eliminations over all candidates; the last Smith set member(s) left win."""
    m = profile.n_candidates
    smith = _mask(m, smith_set(profile.margins))
    if smith.sum() == 1:
        return _members(smith)
    profile = profile.anonymized
    alive = np.ones(m, dtype=bool)
    while True:
        removed = _extremes(first_counts(profile, alive), alive, lowest=True)
        left = alive & ~removed & smith
        if left.sum() == 0:
            return _members(alive & smith)
        if left.sum() == 1:
            return _members(left)
        alive &= ~removed


@voting_rule("smith_irv")
def smith_irv(profile: PreferenceProfile) -> tuple[int, ...]:
    """Smith-IRV: instant runoff among the Smith set only."""
    smith = list(smith_set(profile.margins))
    return _restricted_irv(profile, smith)


def _restricted_irv(profile: PreferenceProfile, candidates: list[int]) -> tuple[int, ...]:
    """Instant runoff on the profile restricted to ``candidates`` (labels kept)."""
    if len(candidates) == 1:
        return (candidates[0],)
    profile = profile.anonymized
    rows = profile.rankings[_mask(profile.n_candidates, candidates)[profile.rankings]].reshape(profile.n_rows, -1)
    relabel = {c: i for i, c in enumerate(candidates)}
    restricted = PreferenceProfile(np.vectorize(relabel.__getitem__)(rows), profile.counts)
    return tuple(candidates[w] for w in instant_runoff(restricted))


@voting_rule("condorcet_irv")
def condorcet_irv(profile: PreferenceProfile) -> tuple[int, ...]:
    """Condorcet-IRV: the Condorcet winner if there is one, else instant runoff."""
    winner = profile.condorcet_winner()
    return (winner,) if winner is not None else instant_runoff(profile)
