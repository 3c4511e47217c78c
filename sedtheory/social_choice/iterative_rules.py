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

from typing import Callable


from sedtheory.social_choice._tallies import (
    EliminationTally,
    borda_among_support,
    condorcet_winner_support,
    extremes,
    pair_winners,
    schwartz_set_support,
    smith_set_support,
)
from sedtheory.social_choice.profiles import PreferenceProfile
from sedtheory.social_choice.ranked_rules import instant_runoff, irv_among
from sedtheory.social_choice.registry import voting_rule


def _eliminate_all_tied(m: int, stop: Callable, losers: Callable) -> tuple[int, ...]:
    """Shared loop on ``alive`` (a list of ``m`` booleans): ``stop(alive)`` returns winners or
    ``None``; ``losers(alive)`` the candidates to remove; removing everyone left makes those
    removed last the (tied) winners."""
    alive = [True] * m
    while True:
        winners = stop(alive)
        if winners is not None:
            return winners
        removed = losers(alive)
        if len(removed) == sum(alive):
            return tuple(removed)
        for c in removed:
            alive[c] = False


def _parallel_universes(m: int, stop: Callable, losers: Callable) -> tuple[int, ...]:
    """PUT loop: every candidate in ``losers(alive)`` is removed on its own branch (memoised on
    the set of candidates left, a bit mask)."""

    memo: dict[int, frozenset[int]] = {}  # a dict, not lru_cache: building a cache per call costs more

    def winners(bits: int) -> frozenset[int]:
        found = memo.get(bits)
        if found is None:
            found = memo[bits] = compute(bits)
        return found

    def compute(bits: int) -> frozenset[int]:
        alive = [(bits >> c) & 1 == 1 for c in range(m)]
        if bits & (bits - 1) == 0:  # one candidate left
            return frozenset(c for c in range(m) if alive[c])
        found = stop(alive)
        if found is not None:
            return frozenset(found)
        result: frozenset[int] = frozenset()
        for candidate in losers(alive):
            result |= winners(bits & ~(1 << candidate))
        return result

    return tuple(sorted(winners((1 << m) - 1)))


# ------------------------------------------------------------------------ coombs
def _coombs_steps(profile: PreferenceProfile):
    tally = EliminationTally(profile)
    majority = tally.n_voters // 2 + 1

    def stop(alive):
        firsts = tally.firsts(alive)
        top = tuple(c for c, s in enumerate(firsts) if alive[c] and s >= majority)
        return top or None

    return stop, lambda alive: extremes(tally.lasts(alive), alive, lowest=False)


@voting_rule("coombs")
def coombs(profile: PreferenceProfile) -> tuple[int, ...]:
    """Coombs: a strict majority of first places wins; else remove all with the most last places."""
    return _eliminate_all_tied(profile.n_candidates, *_coombs_steps(profile))


@voting_rule("coombs_put")
def coombs_put(profile: PreferenceProfile) -> tuple[int, ...]:
    """Coombs with parallel-universe tie-breaking: winners over all orders of removing tied last-placed."""
    return _parallel_universes(profile.n_candidates, *_coombs_steps(profile))


# ----------------------------------------------------------------------- baldwin
def _one_left(alive):
    return tuple(c for c, a in enumerate(alive) if a) if sum(alive) == 1 else None


def _lowest_borda(profile: PreferenceProfile) -> Callable:
    """``alive -> `` the alive candidates with the lowest Borda score among the alive ones
    (scores read off the support matrix: :func:`borda_among_support`)."""
    support = profile.majority_matrix.tolist()
    return lambda alive: extremes(borda_among_support(support, alive), alive, lowest=True)


@voting_rule("baldwin")
def baldwin(profile: PreferenceProfile) -> tuple[int, ...]:
    """Baldwin: remove all candidates with the lowest Borda score among those left, until one is left."""
    if (winner := profile.condorcet_winner()) is not None:  # Condorcet-consistent: skip the rounds
        return (winner,)
    return _eliminate_all_tied(profile.n_candidates, _one_left, _lowest_borda(profile))


@voting_rule("baldwin_put")
def baldwin_put(profile: PreferenceProfile) -> tuple[int, ...]:
    """Baldwin with parallel-universe tie-breaking among the lowest Borda scores."""
    if (winner := profile.condorcet_winner()) is not None:  # every universe ends with it
        return (winner,)
    return _parallel_universes(profile.n_candidates, _one_left, _lowest_borda(profile))


# ------------------------------------------------------------------------ nanson
def _below_average(support: list[list], alive: list[bool], strictly: bool) -> list[int]:
    """Alive candidates whose Borda score is below (or at) the average, compared exactly:
    ``score * a < total`` with ``a`` candidates alive."""
    scores = borda_among_support(support, alive)
    a, total = sum(alive), sum(scores)  # eliminated candidates score 0
    if strictly:
        return [c for c, s in enumerate(scores) if alive[c] and s * a < total]
    return [c for c, s in enumerate(scores) if alive[c] and s * a <= total]


@voting_rule("strict_nanson")
def strict_nanson(profile: PreferenceProfile) -> tuple[int, ...]:
    """Nanson: remove every candidate strictly below the average Borda score; stop when none is."""
    if (winner := profile.condorcet_winner()) is not None:  # above the average in every round
        return (winner,)
    support = profile.majority_matrix.tolist()
    alive = [True] * profile.n_candidates
    while sum(alive) > 1:
        below = _below_average(support, alive, strictly=True)
        if not below:
            break
        for c in below:
            alive[c] = False
    return tuple(c for c, a in enumerate(alive) if a)


@voting_rule("weak_nanson")
def weak_nanson(profile: PreferenceProfile) -> tuple[int, ...]:
    """Nanson, weak form: remove every candidate at or below the average Borda score until one is left
    (if that removes everyone -- all scores equal -- they tie)."""
    if (winner := profile.condorcet_winner()) is not None:  # above the average in every round
        return (winner,)
    support = profile.majority_matrix.tolist()
    return _eliminate_all_tied(profile.n_candidates, _one_left,
                               lambda alive: _below_average(support, alive, strictly=False))


# ----------------------------------------------------------- runoff variations
@voting_rule("benham")
def benham(profile: PreferenceProfile) -> tuple[int, ...]:
    """Benham: instant-runoff eliminations until the remaining candidates have a Condorcet winner."""
    if (winner := profile.condorcet_winner()) is not None:  # the stop test before any round
        return (winner,)
    support = profile.majority_matrix.tolist()
    tally = EliminationTally(profile)

    def stop(alive):
        winner = condorcet_winner_support(support, [c for c, a in enumerate(alive) if a])
        return None if winner is None else (winner,)

    return _eliminate_all_tied(tally.m, stop, lambda alive: extremes(tally.firsts(alive), alive, lowest=True))


@voting_rule("plurality_with_runoff")
def plurality_with_runoff(profile: PreferenceProfile) -> tuple[int, ...]:
    """Plurality with runoff: the top two by first places meet; every pair allowed by ties is tried."""
    m = profile.n_candidates
    if m == 1:
        return (0,)
    scores = profile.plurality_scores.tolist()
    levels = sorted(set(scores), reverse=True)
    first = [c for c, s in enumerate(scores) if s == levels[0]]
    if len(first) > 1:
        pairs = [(a, b) for a in first for b in first if a < b]
    else:
        pairs = [(first[0], b) for b, s in enumerate(scores) if s == levels[1]]
    return pair_winners(profile.majority_matrix.tolist(), pairs, support=True)


@voting_rule("bottom_two_runoff_irv")
def bottom_two_runoff_irv(profile: PreferenceProfile) -> tuple[int, ...]:
    """Bottom-two-runoff IRV: the two with fewest first places meet, the majority loser goes
    (all pairs allowed by ties, every loser removed at once; a tied contest removes the first
    of the pair, as pref_voting does)."""
    support = profile.majority_matrix.tolist()
    tally = EliminationTally(profile)
    alive = [True] * tally.m
    while sum(alive) > 1:
        scores = tally.firsts(alive)
        levels = sorted({s for s, a in zip(scores, alive) if a})
        lowest = [c for c, s in enumerate(scores) if alive[c] and s == levels[0]]
        second = lowest if len(lowest) > 1 else [c for c, s in enumerate(scores) if alive[c] and s == levels[1]]
        removed = {a if support[a][b] <= support[b][a] else b for a in lowest for b in second if a != b}
        if len(removed) == sum(alive):
            break
        for c in removed:
            alive[c] = False
    return tuple(c for c, a in enumerate(alive) if a)


def _tideman_alternative(profile: PreferenceProfile, top_set) -> tuple[int, ...]:
    """``top_set(support, alive)``: the Smith or Schwartz set among ``alive`` (support matrix as lists)."""
    support = profile.majority_matrix.tolist()
    m = profile.n_candidates
    alive = [True] * m
    first = top_set(support, alive)
    if len(first) == 1:  # a one-member set is its own plurality loser: it wins
        return tuple(first)
    tally = EliminationTally(profile)
    while True:
        members = top_set(support, alive)
        in_set = [False] * m
        for c in members:
            in_set[c] = True
        worst = extremes(tally.firsts(in_set), in_set, lowest=True)  # plurality among the set's members only
        if len(worst) == len(members):
            return tuple(members)
        for c in worst:
            alive[c] = False


@voting_rule("tideman_alternative_smith")
def tideman_alternative_smith(profile: PreferenceProfile) -> tuple[int, ...]:
    """Tideman's alternative (Smith): restrict to the Smith set, remove its plurality losers, repeat."""
    return _tideman_alternative(profile, smith_set_support)


@voting_rule("tideman_alternative_schwartz")
def tideman_alternative_schwartz(profile: PreferenceProfile) -> tuple[int, ...]:
    """Tideman's alternative (Schwartz): restrict to the Schwartz set, remove its plurality losers, repeat."""
    return _tideman_alternative(profile, schwartz_set_support)


@voting_rule("woodall")
def woodall(profile: PreferenceProfile) -> tuple[int, ...]:
    """Woodall: instant-runoff eliminations over all candidates; the last Smith set member(s) left win."""
    m = profile.n_candidates
    smith = smith_set_support(profile.majority_matrix.tolist(), [True] * m)
    if len(smith) == 1:
        return tuple(smith)
    tally = EliminationTally(profile)
    alive = [True] * m
    while True:
        removed = extremes(tally.firsts(alive), alive, lowest=True)
        for c in removed:
            alive[c] = False
        left = [c for c in smith if alive[c]]
        if not left:
            return tuple(c for c in smith if c in removed)
        if len(left) == 1:
            return tuple(left)


@voting_rule("smith_irv")
def smith_irv(profile: PreferenceProfile) -> tuple[int, ...]:
    """Smith-IRV: instant runoff among the Smith set only (the other candidates removed from
    every ballot; a strict majority of all voters wins)."""
    m = profile.n_candidates
    smith = smith_set_support(profile.majority_matrix.tolist(), [True] * m)
    if len(smith) == 1:
        return tuple(smith)
    alive = [False] * m
    for c in smith:
        alive[c] = True
    return irv_among(EliminationTally(profile), alive)


@voting_rule("condorcet_irv")
def condorcet_irv(profile: PreferenceProfile) -> tuple[int, ...]:
    """Condorcet-IRV: the Condorcet winner if there is one, else instant runoff."""
    winner = profile.condorcet_winner()
    return (winner,) if winner is not None else instant_runoff(profile)
