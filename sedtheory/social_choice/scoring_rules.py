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

import functools
import math
from fractions import Fraction

import numpy as np

from sedtheory._validate import ValidationError
from sedtheory.social_choice._tallies import SMALL_ROWS
from sedtheory.social_choice.profiles import PreferenceProfile
from sedtheory.social_choice.registry import voting_rule


class _Places:
    """Counts of the voters placing each candidate ``j``-th (0-based), one place at a time.

    Few ballot rows (``k <= SMALL_ROWS``) are summed as Python lists; many rows by one
    ``bincount`` of the place's column (contiguous: rankings are stored column-major). Large
    electorates are first merged into distinct rows (``PreferenceProfile._compact``)."""

    __slots__ = ("m", "_rows", "_counts", "_array", "_weights")

    def __init__(self, profile: PreferenceProfile) -> None:
        compact = profile._compact
        self.m = compact.n_candidates
        if compact.n_rows <= SMALL_ROWS:
            self._rows, self._counts, self._array = compact.rankings.tolist(), compact.counts.tolist(), None
        else:
            self._array = compact.rankings
            self._weights = None if compact is profile and profile._unit_counts else compact.counts

    def column(self, place: int) -> list[int]:
        """``(m,)`` voters placing each candidate at ``place`` (Python ints; -1 is the last place)."""
        if self._array is None:
            tally = [0] * self.m
            for row, count in zip(self._rows, self._counts):
                tally[row[place]] += count
            return tally
        counts = np.bincount(self._array[:, place], weights=self._weights, minlength=self.m)
        return (counts if self._weights is None else counts.astype(np.int64)).tolist()  # float sums exact < 2^53


def position_counts(profile: PreferenceProfile) -> np.ndarray:
    """``(m, m)`` int: ``[c, j]`` = number of voters ranking candidate ``c`` in place ``j`` (0-based)."""
    places = _Places(profile)
    return np.array([places.column(j) for j in range(places.m)], dtype=np.int64).reshape(places.m, places.m).T


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


def _weighted_places(profile: PreferenceProfile, weights: list[int]) -> list[int]:
    """``(m,)`` exact ``sum_j weights[j] x (voters placing c j-th)`` (Python ints); places with
    weight 0 are not counted."""
    places = _Places(profile)
    scores = [0] * places.m
    for place, weight in enumerate(weights):
        if weight:
            scores = [s + weight * n for s, n in zip(scores, places.column(place))]
    return scores


def positional_scores(profile: PreferenceProfile, scores) -> list[int]:
    """Exact positional scores ``(m,)`` (Python ints, scaled by the common denominator)."""
    return _weighted_places(profile, _exact_vector(scores, profile.n_candidates))


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
    last = _Places(profile).column(-1)
    fewest = min(last)
    return tuple(c for c, n in enumerate(last) if n == fewest)


@functools.lru_cache(maxsize=None)
def _dowdall_vector(m: int) -> tuple[int, ...]:
    """Dowdall's 1, 1/2, ..., 1/m scaled to integers by lcm(1..m) (exact)."""
    return tuple(_exact_vector([Fraction(1, j + 1) for j in range(m)], m))


@voting_rule("dowdall")
def dowdall(profile: PreferenceProfile) -> tuple[int, ...]:
    """Dowdall (Nauru): 1, 1/2, ..., 1/m points, summed exactly."""
    return _best(_weighted_places(profile, list(_dowdall_vector(profile.n_candidates))))


@voting_rule("positive_negative")
def positive_negative(profile: PreferenceProfile) -> tuple[int, ...]:
    """Positive-negative voting: +1 for a first place, -1 for a last place (one candidate: 0)."""
    if profile.n_candidates == 1:
        return (0,)
    places = _Places(profile)
    return _best([first - last for first, last in zip(places.column(0), places.column(-1))])


def _bucklin_counts(profile: PreferenceProfile) -> tuple[list[int], int]:
    """Cumulative placements in the top k at the first k where some count reaches a strict
    majority (places are counted one at a time, stopping there), and that majority."""
    places = _Places(profile)
    cumulative = places.column(0)
    majority = sum(cumulative) // 2 + 1  # the first places add up to n
    for place in range(1, places.m):
        if max(cumulative) >= majority:
            break
        cumulative = [c + n for c, n in zip(cumulative, places.column(place))]
    return cumulative, majority  # at k = m every count is n: a majority


@voting_rule("bucklin")
def bucklin(profile: PreferenceProfile) -> tuple[int, ...]:
    """Bucklin (1907): top-k counts for growing k until a strict majority; the largest count wins."""
    return _best(_bucklin_counts(profile)[0])


@voting_rule("simplified_bucklin")
def simplified_bucklin(profile: PreferenceProfile) -> tuple[int, ...]:
    """Simplified Bucklin: at the first k where someone has a strict majority of top-k places, all such win."""
    counts, majority = _bucklin_counts(profile)
    return tuple(c for c, n in enumerate(counts) if n >= majority)
