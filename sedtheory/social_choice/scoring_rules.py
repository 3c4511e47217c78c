"""Positional (scoring) rules and Bucklin's rules on ranked ballots, registered by name.

A positional rule gives ``w[j]`` points to the candidate a ballot ranks ``j``-th (0-based) and
elects the candidates with the most points. Scores are summed **exactly**: a score vector of
floats is read as the exact rationals its binary values are (``fractions.Fraction``) and
scaled to integers, so a tie in exact arithmetic is a tie here (pref_voting sums floats, so
for Dowdall's 1/2 + 1/6 against 2/3 it may break a tie the rationals keep). Every rule returns
all tied winners; counts weight every ballot row.

==============================  ==============================================================
``positional``                  any score vector ``scores`` of length m (default: Borda's
                                ``m-1, ..., 0``); e.g. ``get_rule("positional", scores=[3, 1, 0])``
``anti_plurality``              fewest last places (veto; ``1, ..., 1, 0``)
``dowdall``                     ``1, 1/2, ..., 1/m`` (Nauru's Dowdall system; Fraser & Reilly 2011)
``positive_negative``           ``1, 0, ..., 0, -1`` (a vote for and a vote against)
``bucklin``                     Bucklin (1907): for k = 1, 2, ... count each candidate's
                                placements in the top k until some count is a strict majority;
                                the largest count wins at that k
``simplified_bucklin``          as ``bucklin``, but every candidate with a strict majority at
                                that k wins (pref_voting's ``simplified_bucklin``)
==============================  ==============================================================
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from sedtheory._validate import ValidationError
from sedtheory.social_choice._tallies import strict_majority
from sedtheory.social_choice.profiles import PreferenceProfile
from sedtheory.social_choice.registry import voting_rule


def position_counts(profile: PreferenceProfile) -> np.ndarray:
    """``(m, m)`` int: ``[c, j]`` = number of voters ranking candidate ``c`` in place ``j`` (0-based)."""
    m = profile.n_candidates
    compact = profile._compact
    return np.stack([np.rint(np.bincount(compact.rankings[:, j], weights=compact.counts, minlength=m))
                     for j in range(m)], axis=1).astype(np.int64)


def _exact_vector(scores, m: int) -> list[int]:
    """The score vector as integers proportional to its exact rational values."""
    try:
        values = [Fraction(v) for v in scores]  # exact, also for floats (their binary value)
    except (TypeError, ValueError, OverflowError):  # non-numbers, NaN, infinities
        raise ValidationError(f"scores: expected {m} finite numbers, got {list(scores)!r}") from None
    if len(values) != m:
        raise ValidationError(f"scores: expected one score per place, {m} in all, got {len(values)}")
    denominator = math.lcm(*(v.denominator for v in values))
    return [int(v * denominator) for v in values]


def positional_scores(profile: PreferenceProfile, scores) -> list[int]:
    """Exact positional scores ``(m,)`` (Python ints, scaled by the common denominator)."""
    weights = _exact_vector(scores, profile.n_candidates)
    counts = position_counts(profile).tolist()
    return [sum(c * w for c, w in zip(row, weights)) for row in counts]


def _best(scores: list) -> tuple[int, ...]:
    top = max(scores)
    return tuple(c for c, s in enumerate(scores) if s == top)


@voting_rule("positional")
def positional(profile: PreferenceProfile, scores=None) -> tuple[int, ...]:
    """Positional rule with any score vector ``scores`` (place 1 first; default Borda's m-1, ..., 0)."""
    m = profile.n_candidates
    return _best(positional_scores(profile, range(m - 1, -1, -1) if scores is None else scores))


@voting_rule("anti_plurality")
def anti_plurality(profile: PreferenceProfile) -> tuple[int, ...]:
    """Anti-plurality (veto): the candidates ranked last by the fewest voters."""
    last = position_counts(profile)[:, -1]
    return tuple(int(c) for c in np.flatnonzero(last == last.min()))


@voting_rule("dowdall")
def dowdall(profile: PreferenceProfile) -> tuple[int, ...]:
    """Dowdall (Nauru): 1, 1/2, ..., 1/m points, summed exactly."""
    return _best(positional_scores(profile, [Fraction(1, j + 1) for j in range(profile.n_candidates)]))


@voting_rule("positive_negative")
def positive_negative(profile: PreferenceProfile) -> tuple[int, ...]:
    """Positive-negative voting: +1 for a first place, -1 for a last place (one candidate: 0)."""
    m = profile.n_candidates
    vector = [0] * m
    vector[0] += 1
    vector[-1] -= 1
    return _best(positional_scores(profile, vector))


def _bucklin_counts(profile: PreferenceProfile) -> np.ndarray:
    """Cumulative placements in the top k at the first k where some count reaches a strict majority."""
    cumulative = np.cumsum(position_counts(profile), axis=1)
    majority = strict_majority(profile)
    k = int(np.argmax((cumulative >= majority).any(axis=0)))  # exists: at k = m every count is n
    return cumulative[:, k]


@voting_rule("bucklin")
def bucklin(profile: PreferenceProfile) -> tuple[int, ...]:
    """Bucklin (1907): top-k counts for growing k until a strict majority; the largest count wins."""
    counts = _bucklin_counts(profile)
    return tuple(int(c) for c in np.flatnonzero(counts == counts.max()))


@voting_rule("simplified_bucklin")
def simplified_bucklin(profile: PreferenceProfile) -> tuple[int, ...]:
    """Simplified Bucklin: at the first k where someone has a strict majority of top-k places, all such win."""
    counts = _bucklin_counts(profile)
    return tuple(int(c) for c in np.flatnonzero(counts >= strict_majority(profile)))
