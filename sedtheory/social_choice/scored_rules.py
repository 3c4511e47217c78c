"""Rules on score (range, grade) ballots (:class:`~sedtheory.social_choice.profiles.ScoredProfile`).

Every rule returns all tied winners; counts weight every ballot row. Conventions follow
pref_voting 1.x's ``grade_methods`` so the two can be cross-checked.

==============================  ==============================================================
``score_voting``                range / score voting: the largest total score (Smith 2000;
                                the mean gives the same winners)
``star``                        STAR, score then automatic runoff (Wolk et al. 2014): the two
                                highest totals meet in a pairwise contest decided by which of
                                the two each voter scores higher; every pair allowed by ties is
                                tried and a tied contest elects both
``majority_judgment``           Balinski & Laraki (2007, 2011): the highest *lower* median
                                grade; among those, the majority gauge: with p (q) the share
                                of voters grading the candidate above (below) its median, the
                                score is p if p > q, else -q, highest wins
==============================  ==============================================================
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from sedtheory.social_choice._tallies import pair_winners
from sedtheory.social_choice.profiles import ScoredProfile
from sedtheory.social_choice.registry import voting_rule


@voting_rule("score_voting", kind="scored")
def score_voting(profile: ScoredProfile) -> tuple[int, ...]:
    """Score (range) voting: the candidates with the largest total score."""
    sums = profile.score_sums
    return tuple(int(c) for c in np.flatnonzero(sums == sums.max()))


@voting_rule("star", kind="scored")
def star(profile: ScoredProfile) -> tuple[int, ...]:
    """STAR: the two highest score totals meet in a runoff decided by which one each voter scores higher."""
    m = profile.n_candidates
    if m == 1:
        return (0,)
    sums = profile.score_sums
    levels = sorted(set(sums.tolist()), reverse=True)
    first = np.flatnonzero(sums == levels[0])
    if first.size > 1:
        pairs = [(a, b) for a in first for b in first if a < b]
    else:
        pairs = [(int(first[0]), int(b)) for b in np.flatnonzero(sums == levels[1])]
    return pair_winners(profile.margins, pairs)


def lower_medians(profile: ScoredProfile) -> np.ndarray:
    """``(m,)`` lower median grade of each candidate (the ceil(n/2)-th smallest, counts weighting)."""
    order = np.argsort(profile.scores, axis=0, kind="stable")
    cumulative = np.cumsum(profile.counts[order], axis=0)  # (k, m) voters up to each sorted grade
    rank = (profile.n_voters + 1) // 2  # 1-based position of the lower median
    first = (cumulative >= rank).argmax(axis=0)
    return profile.scores[order[first, np.arange(profile.n_candidates)], np.arange(profile.n_candidates)]


@voting_rule("majority_judgment", kind="scored")
def majority_judgment(profile: ScoredProfile) -> tuple[int, ...]:
    """Majority judgment: highest lower median grade, ties broken by the majority gauge (p if p > q else -q)."""
    medians = lower_medians(profile)
    best = np.flatnonzero(medians == medians.max())
    if best.size == 1:
        return (int(best[0]),)
    n = profile.n_voters
    gauge = {}
    for c in best:
        above = int(profile.counts[profile.scores[:, c] > medians[c]].sum())
        below = int(profile.counts[profile.scores[:, c] < medians[c]].sum())
        gauge[int(c)] = Fraction(above, n) if above > below else -Fraction(below, n)
    top = max(gauge.values())
    return tuple(c for c in sorted(gauge) if gauge[c] == top)
