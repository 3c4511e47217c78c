"""Preference profiles: ranked ballots, approval ballots and continuous reports.

A :class:`PreferenceProfile` is an *anonymous* profile of strict rankings, stored the way
pref_voting stores one (Holliday & Pacuit, ``pref_voting.profiles.Profile``): ``k`` distinct
or repeated ballot rows ``rankings`` (candidate indices, best first) with a count per row.
Its tallies (plurality scores, Borda scores, the pairwise majority matrix and the margins)
are computed once, lazily, with numpy vectorisation over the ballot rows.

A :class:`ContinuousProfile` holds one report θ_i ∈ ℝ^d per voter: the paper's "voting on
values" (Section 3, Definition 3.2); in the Apple Picking Game d = 1 and the report is the
voter's selfishness σ_i (Section 4). An :class:`ApprovalProfile` holds approval ballots and a
:class:`ScoredProfile` score (range, grade) ballots.

:func:`enumerate_anonymous_profiles` lists every anonymous profile (multiset of rankings) of a
given size, for exhaustive checks (the same enumeration as pref_voting's
``generate_profiles.enumerate_anon_profile``).
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Iterator

import numpy as np

from sedtheory._validate import ValidationError, finite_array, positive_int, refuse_non_numbers

__all__ = [
    "ApprovalProfile",
    "ContinuousProfile",
    "PreferenceProfile",
    "ScoredProfile",
    "all_rankings",
    "count_anonymous_profiles",
    "enumerate_anonymous_profiles",
]


def _integer_array(field: str, value, ndim: int) -> np.ndarray:
    """Read ``value`` as an int64 array of ``ndim`` dimensions; reject NaN, fractions, strings,
    booleans and ``None`` (numpy would read ``True`` as 1)."""
    if not _is_bool(value):  # an all-boolean array is refused below by its dtype
        refuse_non_numbers(field, value)
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):  # ragged lists
        raise ValidationError(f"{field}: rows have different lengths or non-numeric entries") from None
    if raw.dtype == object:
        raise ValidationError(f"{field}: rows have different lengths or non-numeric entries")
    if raw.ndim != ndim:
        raise ValidationError(f"{field}: expected {ndim} dimensions, got shape {raw.shape}")
    if raw.dtype.kind == "b" or raw.dtype.kind not in "iuf":
        raise ValidationError(f"{field}: expected integers, got dtype {raw.dtype}")
    if raw.dtype.kind == "f":
        if not np.all(np.isfinite(raw)):
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(raw))[0])
            raise ValidationError(f"{field}: non-finite value {raw[bad]} at index {bad}")
        if np.any(raw != np.round(raw)):
            bad = tuple(int(i) for i in np.argwhere(raw != np.round(raw))[0])
            raise ValidationError(f"{field}: non-integer value {raw[bad]} at index {bad}")
    if raw.dtype.kind in "fu":  # floats and unsigned ints can exceed int64 (numpy would wrap)
        too_large = raw >= 2**63 if raw.dtype.kind == "u" else np.abs(raw) >= 2.0**63
        if np.any(too_large):
            bad = tuple(int(i) for i in np.argwhere(too_large)[0])
            raise ValidationError(f"{field}: value {raw[bad]} at index {bad} does not fit in int64")
    # always a copy (never the caller's array); column-major, so that a ballot column (all
    # first choices, say) is contiguous for the tallies
    array = np.array(raw, dtype=np.int64, order="F", copy=True)
    array.setflags(write=False)
    return array


MAX_VOTERS = 2**53
"""Largest total count accepted: weighted tallies are float64 sums, exact up to 2^53."""


def _check_counts(counts, n_rows: int) -> np.ndarray:
    """``(k,)`` validated non-negative int64 counts, at least one and at most ``MAX_VOTERS`` voters."""
    if counts is None:
        counts = np.ones(n_rows, dtype=np.int64)
        counts.setflags(write=False)
        return counts
    counts = _integer_array("counts", counts, ndim=1)
    if counts.shape != (n_rows,):
        raise ValidationError(f"counts: expected shape ({n_rows},) (one count per ballot row), got {counts.shape}")
    if np.any(counts < 0):
        index = int(np.argmax(counts < 0))
        raise ValidationError(f"counts: negative count {counts[index]} at row {index}")
    if int(counts.max()) * counts.size <= MAX_VOTERS:  # the int64 sum cannot overflow
        total = int(counts.sum())
    else:
        total = sum(int(c) for c in counts)  # Python ints: exact however large
    if total == 0:
        raise ValidationError("counts: the profile has no voters (all counts are 0)")
    if total > MAX_VOTERS:
        raise ValidationError(
            f"counts: {total} voters in total exceeds 2**53 = {MAX_VOTERS}; tallies (float64 weighted "
            "bincounts) would no longer be exact"
        )
    return counts


_BITMASK_MAX_CANDIDATES = 62
"""Bit masks of the permutation check live in int64: bits 0..61 keep 2^m - 1 positive."""


def _check_permutations(rankings: np.ndarray) -> None:
    """Every row must be a permutation of 0..m-1 (a range check and a bit mask: O(k m))."""
    n_rows, m = rankings.shape
    if rankings.min() < 0 or rankings.max() >= m:
        out_of_range = (rankings < 0) | (rankings >= m)
        row, col = (int(i) for i in np.argwhere(out_of_range)[0])
        raise ValidationError(
            f"rankings: row {row} is not a permutation of 0..{m - 1}: entry {rankings[row, col]} out of range"
        )
    if m <= _BITMASK_MAX_CANDIDATES:
        # OR-ing one bit per entry gives 2^m - 1 exactly when the m entries are distinct.
        masks = np.zeros(n_rows, dtype=np.int64)
        for column in range(m):
            masks |= np.left_shift(np.int64(1), rankings[:, column])
        bad = masks != (1 << m) - 1
    else:  # the int64 mask would overflow: sort each row instead (O(k m log m))
        bad = (np.sort(rankings, axis=1) != np.arange(m)).any(axis=1)
    if bad.any():
        row = int(np.argmax(bad))
        raise ValidationError(
            f"rankings: row {row} is not a permutation of 0..{m - 1}: {rankings[row].tolist()}"
        )


_BINCOUNT_MAX_CANDIDATES = 7
"""Up to m = 7, rows are merged by counting base-m codes of their first m - 1 entries
(m^(m-1) <= 117649 bins); beyond, by sorting."""


@dataclass(frozen=True)
class _RankingTable:
    """Every ranking of ``m`` candidates (lexicographic order): ``rankings`` and ``positions``
    ``(m!, m)``, and ``index`` ``(m^(m-1),)`` from the base-m code of a ranking's first m - 1
    entries to its row (-1 for codes of no ranking)."""

    rankings: np.ndarray
    positions: np.ndarray
    index: np.ndarray


@functools.lru_cache(maxsize=None)
def _ranking_table(m: int) -> _RankingTable:
    rankings = np.array(list(itertools.permutations(range(m))), dtype=np.int64).reshape(-1, m)
    positions = np.argsort(rankings, axis=1)
    codes = rankings[:, : m - 1] @ (m ** np.arange(m - 2, -1, -1, dtype=np.int64)) if m > 1 else np.zeros(1, np.int64)
    index = np.full(m ** (m - 1), -1, dtype=np.int64)
    index[codes] = np.arange(len(rankings))
    for array in (rankings, positions, index):
        array.setflags(write=False)
    return _RankingTable(rankings, positions, index)


@dataclass(frozen=True, eq=False)
class PreferenceProfile:
    """An anonymous profile of strict rankings (ranked ballots).

    Args:
        rankings: int array ``(k, m)``; row ``r`` lists the ``m`` candidate indices of one
            ballot type, best first. Every row must be a permutation of ``0..m-1``.
        counts: int array ``(k,)`` of non-negative multiplicities (default: one voter per
            row). At least one voter in total.

    Tallies are cached properties: ``plurality_scores`` ``(m,)``, ``borda_scores`` ``(m,)``,
    ``majority_matrix`` ``(m, m)`` (entry ``[a, b]`` = number of voters ranking ``a`` above
    ``b``) and ``margins`` ``(m, m)`` (= ``majority_matrix - majority_matrix.T``).

    Example:
        >>> profile = PreferenceProfile([[0, 1, 2], [1, 2, 0]], counts=[2, 1])
        >>> profile.n_voters, profile.plurality_scores.tolist()
        (3, [2, 1, 0])
        >>> int(profile.margins[0, 1])
        1
    """

    rankings: np.ndarray
    counts: np.ndarray | None = None

    def __post_init__(self) -> None:
        rankings = _integer_array("rankings", self.rankings, ndim=2)
        if rankings.shape[0] == 0 or rankings.shape[1] == 0:
            raise ValidationError(f"rankings: need at least one ballot and one candidate, got shape {rankings.shape}")
        _check_permutations(rankings)
        object.__setattr__(self, "rankings", rankings)
        if self.counts is None:
            self.__dict__["_unit_counts"] = True  # pre-fill the cached flag: no scan needed
        object.__setattr__(self, "counts", _check_counts(self.counts, rankings.shape[0]))

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_ballots(cls, ballots) -> "PreferenceProfile":
        """Anonymise one ballot per voter ``(n, m)`` into distinct rows with counts."""
        profile = cls(ballots)
        return profile.anonymized

    # ------------------------------------------------------------------------ sizes
    @property
    def n_candidates(self) -> int:
        """``m``, the number of candidates."""
        return int(self.rankings.shape[1])

    @property
    def n_voters(self) -> int:
        """``n``, the total of the counts."""
        return int(self.counts.sum())

    @property
    def n_rows(self) -> int:
        """``k``, the number of ballot rows (distinct or not)."""
        return int(self.rankings.shape[0])

    # ----------------------------------------------------------------------- tallies
    @cached_property
    def positions(self) -> np.ndarray:
        """``(k, m)``: ``positions[r, c]`` is the 0-based rank of candidate ``c`` on row ``r``."""
        k, m = self.rankings.shape
        positions = np.empty((k, m), dtype=np.int64)
        np.put_along_axis(positions, self.rankings, np.broadcast_to(np.arange(m), (k, m)), axis=1)
        positions.setflags(write=False)
        return positions

    @cached_property
    def plurality_scores(self) -> np.ndarray:
        """``(m,)`` number of voters ranking each candidate first."""
        first = self.rankings[:, 0]
        if self._unit_counts:
            return _frozen(np.bincount(first, minlength=self.n_candidates))
        return _frozen(np.bincount(first, weights=self.counts, minlength=self.n_candidates))

    @cached_property
    def borda_scores(self) -> np.ndarray:
        """``(m,)`` Borda scores: a ballot gives ``m - 1 - rank`` points (rank 0 = first)."""
        compact = self._compact
        m = compact.n_candidates
        weights = None if compact is self and self._unit_counts else compact.counts
        scores = np.zeros(m, dtype=np.float64 if weights is not None else np.int64)
        for column in range(m - 1):  # columns are contiguous (column-major storage)
            scores += (m - 1 - column) * np.bincount(compact.rankings[:, column], weights=weights, minlength=m)
        return _frozen(scores)

    @cached_property
    def majority_matrix(self) -> np.ndarray:
        """``(m, m)`` support matrix: ``[a, b]`` = number of voters ranking ``a`` above ``b``."""
        compact = self._compact
        m = compact.n_candidates
        upper, lower = np.triu_indices(m, k=1)  # column pairs (i < j): ballot[i] is above ballot[j]
        codes = compact.rankings[:, upper] * m + compact.rankings[:, lower]  # (k, m(m-1)/2)
        weights = np.broadcast_to(compact.counts[:, None], codes.shape)
        tally = np.bincount(codes.ravel(), weights=weights.ravel(), minlength=m * m)
        return _frozen(tally.reshape(m, m))

    @cached_property
    def _unit_counts(self) -> bool:
        return bool(np.all(self.counts == 1))

    @property
    def _compact(self) -> "PreferenceProfile":
        """The anonymised profile when merging rows pays off (many more rows than rankings)."""
        m = self.n_candidates
        few_rankings = m <= _BINCOUNT_MAX_CANDIDATES and self.n_rows > 16 * math.factorial(m)
        return self.anonymized if few_rankings else self

    @cached_property
    def margins(self) -> np.ndarray:
        """``(m, m)`` margins: ``[a, b]`` = (voters with a over b) - (voters with b over a)."""
        return _frozen(self.majority_matrix - self.majority_matrix.T)

    @cached_property
    def anonymized(self) -> "PreferenceProfile":
        """The same profile with identical rows merged (rows in lexicographic order, counts > 0)."""
        m = self.n_candidates
        if m <= _BINCOUNT_MAX_CANDIDATES:  # O(k): count base-m codes directly
            # a ranking is fixed by its first m - 1 entries: code them in base m (Horner)
            rankings = self.rankings
            codes = rankings[:, 0].copy() if m > 1 else np.zeros(self.n_rows, dtype=np.int64)
            for column in range(1, m - 1):
                codes *= m
                codes += rankings[:, column]
            weights = None if self._unit_counts else self.counts
            per_code = np.bincount(codes, weights=weights, minlength=m ** (m - 1))
            present = per_code.nonzero()[0]
            table = _ranking_table(m)  # code -> row of every ranking, its positions
            rows = table.index[present]
            merged = PreferenceProfile.__new__(PreferenceProfile)
            object.__setattr__(merged, "rankings", _frozen(table.rankings[rows]))
            object.__setattr__(merged, "counts", _frozen(per_code[present]))
            merged.__dict__["positions"] = _frozen(table.positions[rows])
            self._share_tallies(merged)
            return merged  # rows decoded from valid codes: already validated
        # rows themselves are the keys (base-m codes would overflow int64 from m = 17 on)
        unique, inverse = np.unique(self.rankings, axis=0, return_inverse=True)
        counts = _frozen(np.bincount(inverse.ravel(), weights=self.counts, minlength=unique.shape[0]))
        keep = counts > 0
        merged = PreferenceProfile(unique[keep], counts[keep])
        self._share_tallies(merged)
        return merged

    _SHARED_TALLIES = ("plurality_scores", "borda_scores", "majority_matrix", "margins")

    def _share_tallies(self, merged: "PreferenceProfile") -> None:
        """Hand the tallies computed so far to the anonymised copy (the same voters, so the same
        tallies; they are read-only arrays)."""
        for name in self._SHARED_TALLIES:
            if name in self.__dict__ and name not in merged.__dict__:
                merged.__dict__[name] = self.__dict__[name]

    # ------------------------------------------------------------------ derived facts
    def condorcet_winner(self) -> int | None:
        """The candidate beating every other one by a strict majority, or ``None``.

        A knockout pass over the support matrix (as Python lists: m is small) leaves the only
        candidate that can be the Condorcet winner (it beats whoever it meets), then checks it
        against everyone: ``O(m)`` comparisons."""
        support = self.majority_matrix.tolist()
        champion = 0
        for rival in range(1, len(support)):
            if support[rival][champion] > support[champion][rival]:
                champion = rival
        row = support[champion]
        if all(row[rival] > support[rival][champion] for rival in range(len(support)) if rival != champion):
            return champion
        return None

    def condorcet_loser(self) -> int | None:
        """The candidate losing to every other one by a strict majority, or ``None``.

        ``None`` with a single candidate: it loses to nobody, and it is the only possible winner.
        """
        if self.n_candidates < 2:
            return None
        losses = (self.margins < 0).sum(axis=1)
        losers = np.flatnonzero(losses == self.n_candidates - 1)
        return int(losers[0]) if losers.size else None

    def ballots(self) -> np.ndarray:
        """``(n_voters, m)``: one row per voter (rows repeated by their counts)."""
        return np.repeat(self.rankings, self.counts, axis=0)

    # ------------------------------------------------------------------- edits
    def relabel(self, permutation) -> "PreferenceProfile":
        """Rename candidate ``c`` to ``permutation[c]`` on every ballot (``permutation``: ``(m,)``)."""
        permutation = _integer_array("permutation", permutation, ndim=1)
        if not np.array_equal(np.sort(permutation), np.arange(self.n_candidates)):
            raise ValidationError(
                f"permutation: expected a permutation of 0..{self.n_candidates - 1}, got {permutation.tolist()}"
            )
        return PreferenceProfile(permutation[self.rankings], self.counts)

    def replace_voter(self, row: int, new_ranking) -> "PreferenceProfile":
        """Move one voter from ballot row ``row`` to ``new_ranking`` (an ``(m,)`` ranking)."""
        if not 0 <= row < self.n_rows:
            raise ValidationError(f"row: index {row} out of range 0..{self.n_rows - 1}")
        counts = self.counts.copy()
        if counts[row] < 1:
            raise ValidationError(f"row: ballot row {row} has no voter to move")
        counts[row] -= 1
        rankings = np.vstack([self.rankings, np.asarray(new_ranking)[None, :]])
        return PreferenceProfile(rankings, np.append(counts, 1)).anonymized

    def add_voter(self, new_ranking) -> "PreferenceProfile":
        """The profile with one more voter holding ``new_ranking``."""
        rankings = np.vstack([self.rankings, np.asarray(new_ranking)[None, :]])
        return PreferenceProfile(rankings, np.append(self.counts, 1)).anonymized

    def to_dict(self) -> dict:
        """JSON-ready ``{"rankings": [[...]], "counts": [...]}``."""
        return {"rankings": self.rankings.tolist(), "counts": self.counts.tolist()}

    def __eq__(self, other) -> bool:
        if not isinstance(other, PreferenceProfile):
            return NotImplemented
        a, b = self.anonymized, other.anonymized
        return a.rankings.shape == b.rankings.shape and bool(
            np.array_equal(a.rankings, b.rankings) and np.array_equal(a.counts, b.counts)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PreferenceProfile(rankings={self.rankings.tolist()}, counts={self.counts.tolist()})"


def _frozen(array: np.ndarray) -> np.ndarray:
    """A read-only int64 version of a freshly computed tally (float sums from weighted
    bincounts are whole numbers; they are rounded, not truncated). Callers pass new arrays."""
    array = (np.rint(array) if array.dtype.kind == "f" else array).astype(np.int64, copy=False)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class ApprovalProfile:
    """Approval ballots: each voter approves a subset of the candidates.

    Args:
        approvals: bool/0-1 array ``(k, m)``; ``approvals[r, c]`` says whether ballot row
            ``r`` approves candidate ``c``.
        counts: int array ``(k,)`` of non-negative multiplicities (default all ones).
    """

    approvals: np.ndarray
    counts: np.ndarray | None = None

    def __post_init__(self) -> None:
        approvals = np.asarray(self.approvals, dtype=np.int64) if _is_bool(self.approvals) else self.approvals
        approvals = _integer_array("approvals", approvals, ndim=2)
        if approvals.shape[0] == 0 or approvals.shape[1] == 0:
            raise ValidationError(f"approvals: need at least one ballot and one candidate, got shape {approvals.shape}")
        if np.any((approvals != 0) & (approvals != 1)):
            row, col = (int(i) for i in np.argwhere((approvals != 0) & (approvals != 1))[0])
            raise ValidationError(f"approvals: entry [{row}, {col}] is {approvals[row, col]}, expected 0 or 1")
        approvals = approvals.astype(bool)
        approvals.setflags(write=False)
        object.__setattr__(self, "approvals", approvals)
        object.__setattr__(self, "counts", _check_counts(self.counts, approvals.shape[0]))

    @classmethod
    def k_approval(cls, profile: PreferenceProfile, k: int) -> "ApprovalProfile":
        """Each voter approves the top ``k`` candidates of their ranking."""
        k = positive_int("k", k)
        if k > profile.n_candidates:
            raise ValidationError(f"k: must be <= the number of candidates {profile.n_candidates}, got {k}")
        return cls(profile.positions < k, profile.counts)

    @property
    def n_candidates(self) -> int:
        """``m``, the number of candidates."""
        return int(self.approvals.shape[1])

    @property
    def n_voters(self) -> int:
        """``n``, the total of the counts."""
        return int(self.counts.sum())

    @cached_property
    def approval_scores(self) -> np.ndarray:
        """``(m,)`` number of voters approving each candidate."""
        return _frozen(self.counts @ self.approvals.astype(np.int64))

    def to_dict(self) -> dict:
        """JSON-ready ``{"approvals": [[0/1, ...]], "counts": [...]}``."""
        return {"approvals": self.approvals.astype(int).tolist(), "counts": self.counts.tolist()}


def _is_bool(value) -> bool:
    try:
        return np.asarray(value).dtype.kind == "b"
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True, eq=False)
class ScoredProfile:
    """Score (range, grade) ballots: each voter gives every candidate a number.

    Args:
        scores: finite array ``(k, m)``; ``scores[r, c]`` is the score ballot row ``r`` gives
            candidate ``c`` (higher is better).
        counts: int array ``(k,)`` of non-negative multiplicities (default all ones).
        grades: optional ``(low, high)``: every score must lie in ``[low, high]`` (for example
            ``(0, 5)`` for STAR voting or ``(0, 9)`` for range voting on ten grades).

    Tallies: ``score_sums`` ``(m,)`` (weighted totals) and ``margins`` ``(m, m)`` (voters
    scoring ``a`` above ``b`` minus voters scoring ``b`` above ``a``; equal scores count for
    neither).
    """

    scores: np.ndarray
    counts: np.ndarray | None = None
    grades: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        scores = finite_array("scores", self.scores, ndim=2)
        if scores.shape[0] == 0 or scores.shape[1] == 0:
            raise ValidationError(f"scores: need at least one ballot and one candidate, got shape {scores.shape}")
        if self.grades is not None:
            low, high = (float(g) for g in finite_array("grades", self.grades, shape=(2,)))
            if low > high:
                raise ValidationError(f"grades: lowest grade {low} exceeds highest grade {high}")
            outside = (scores < low) | (scores > high)
            if outside.any():
                row, col = (int(i) for i in np.argwhere(outside)[0])
                raise ValidationError(f"scores: entry [{row}, {col}] is {scores[row, col]}, outside grades [{low}, {high}]")
            object.__setattr__(self, "grades", (low, high))
        scores = np.array(scores)
        scores.setflags(write=False)
        object.__setattr__(self, "scores", scores)
        object.__setattr__(self, "counts", _check_counts(self.counts, scores.shape[0]))

    @property
    def n_candidates(self) -> int:
        """``m``, the number of candidates."""
        return int(self.scores.shape[1])

    @property
    def n_voters(self) -> int:
        """``n``, the total of the counts."""
        return int(self.counts.sum())

    @cached_property
    def score_sums(self) -> np.ndarray:
        """``(m,)`` total score of each candidate (weighted by the counts)."""
        sums = self.counts.astype(float) @ self.scores
        sums.setflags(write=False)
        return sums

    @cached_property
    def margins(self) -> np.ndarray:
        """``(m, m)``: voters scoring ``a`` above ``b`` minus voters scoring ``b`` above ``a``."""
        above = (self.scores[:, :, None] > self.scores[:, None, :]).astype(np.int64)  # (k, m, m)
        support = np.tensordot(self.counts, above, axes=1)
        return _frozen(support - support.T)

    def to_dict(self) -> dict:
        """JSON-ready ``{"scores": [[...]], "counts": [...], "grades": [low, high] | None}``."""
        return {"scores": self.scores.tolist(), "counts": self.counts.tolist(),
                "grades": None if self.grades is None else list(self.grades)}

    def __repr__(self) -> str:
        return f"ScoredProfile(scores={self.scores.tolist()}, counts={self.counts.tolist()}, grades={self.grades})"


@dataclass(frozen=True, eq=False)
class ContinuousProfile:
    """Continuous reports θ_i ∈ ℝ^d, one per voter ("voting on values", paper Section 3).

    Args:
        reports: float array ``(n,)`` or ``(n, d)``; a 1-d array is read as ``d = 1`` and
            stored as ``(n, 1)``. Finite values only (NaN is an error).

    In the Apple Picking Game (Section 4) the report of voter ``i`` is its selfishness
    σ_i ∈ [0, 1] and the vote is f(σ) = mean σ.
    """

    reports: np.ndarray

    def __post_init__(self) -> None:
        reports = finite_array("reports", self.reports, ndim=(1, 2))
        if reports.ndim == 1:
            reports = reports[:, None]
        if reports.shape[0] == 0 or reports.shape[1] == 0:
            raise ValidationError(f"reports: need at least one voter and one dimension, got shape {reports.shape}")
        reports = np.array(reports)
        reports.setflags(write=False)
        object.__setattr__(self, "reports", reports)

    @property
    def n_voters(self) -> int:
        """``n``, the number of reports."""
        return int(self.reports.shape[0])

    @property
    def dimension(self) -> int:
        """``d``, the length of each report."""
        return int(self.reports.shape[1])

    def replace_report(self, voter: int, report) -> "ContinuousProfile":
        """The profile with voter ``voter``'s report replaced by ``report`` (``(d,)`` or scalar)."""
        reports = np.array(self.reports)
        reports[voter] = np.asarray(report, dtype=float)
        return ContinuousProfile(reports)

    def to_dict(self) -> dict:
        """JSON-ready ``{"reports": [[...], ...]}`` (``(n, d)``)."""
        return {"reports": self.reports.tolist()}

    def __repr__(self) -> str:
        return f"ContinuousProfile(reports={self.reports.tolist()})"


# --------------------------------------------------------------------------- enumeration
def all_rankings(n_candidates: int) -> np.ndarray:
    """``(m!, m)`` every strict ranking of ``m`` candidates, in lexicographic order."""
    m = positive_int("n_candidates", n_candidates)
    return np.array(list(itertools.permutations(range(m))), dtype=np.int64).reshape(-1, m)


def count_anonymous_profiles(n_candidates: int, n_voters: int) -> int:
    """Number of anonymous profiles: multisets of size ``n`` from ``m!`` rankings, C(m!+n-1, n)."""
    m = positive_int("n_candidates", n_candidates)
    n = positive_int("n_voters", n_voters)
    return math.comb(math.factorial(m) + n - 1, n)


def enumerate_anonymous_profiles(n_candidates: int, n_voters: int, *, limit: int = 2_000_000) -> Iterator[PreferenceProfile]:
    """Yield every anonymous profile of ``n_voters`` strict rankings of ``n_candidates``.

    Profiles come in a fixed order (multisets of ranking indices in lexicographic order), each
    with its distinct rows and their counts. Refuses (``ValidationError``) when there would be
    more than ``limit`` profiles.
    """
    total = count_anonymous_profiles(n_candidates, n_voters)
    if total > limit:
        raise ValidationError(
            f"n_voters: {total} anonymous profiles for {n_candidates} candidates x {n_voters} voters exceeds limit {limit}"
        )
    rankings = all_rankings(n_candidates)
    for multiset in itertools.combinations_with_replacement(range(len(rankings)), n_voters):
        rows, counts = np.unique(np.array(multiset), return_counts=True)
        yield PreferenceProfile(rankings[rows], counts)
