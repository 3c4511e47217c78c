"""PreferenceProfile / ContinuousProfile / ApprovalProfile: validation, tallies, enumeration."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given

from sedtheory._validate import ValidationError
from sedtheory.social_choice import (
    ApprovalProfile,
    ContinuousProfile,
    PreferenceProfile,
    all_rankings,
    count_anonymous_profiles,
    enumerate_anonymous_profiles,
)
from sedtheory.testing.strategies import preference_profiles


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "rankings, counts, message",
    [
        ([[0, 1, 2], [0, 0, 2]], None, r"rankings: row 1 is not a permutation of 0\.\.2: \[0, 0, 2\]"),
        ([[0, 1, 2], [1, 2, 3]], None, r"rankings: row 1 is not a permutation .* entry 3 out of range"),
        ([[0, 1, 2], [-1, 1, 2]], None, r"rankings: row 1 .* entry -1 out of range"),
        ([[0, 1, np.nan]], None, r"rankings: non-finite value nan at index \(0, 2\)"),
        ([[0, 1.5, 2]], None, r"rankings: non-integer value 1\.5"),
        ([[0, 1], [1, 0, 2]], None, r"rankings: rows have different lengths"),
        ([[0, 1], [1, 0]], [2, -1], r"counts: negative count -1 at row 1"),
        ([[0, 1], [1, 0]], [0, 0], r"counts: the profile has no voters"),
        ([[0, 1], [1, 0]], [1], r"counts: expected shape \(2,\)"),
        ([[0, 1], [1, 0]], [1, np.nan], r"counts: non-finite value nan"),
    ],
)
def test_bad_rankings_raise_naming_field_and_row(rankings, counts, message):
    with pytest.raises(ValidationError, match=message):
        PreferenceProfile(rankings, counts)


def test_continuous_reports_reject_nan():
    with pytest.raises(ValidationError, match=r"reports: non-finite value nan at index \(1,\)"):
        ContinuousProfile([0.1, np.nan, 0.3])


def test_approval_entries_must_be_zero_or_one():
    with pytest.raises(ValidationError, match=r"approvals: entry \[0, 1\] is 2"):
        ApprovalProfile([[1, 2]])


def test_profiles_are_frozen_and_read_only():
    source = np.array([[0, 1], [1, 0]])
    profile = PreferenceProfile(source)
    source[0] = [1, 0]  # the caller's array is not aliased
    assert profile.rankings[0].tolist() == [0, 1]
    with pytest.raises(ValueError):
        profile.rankings[0, 0] = 1
    with pytest.raises(AttributeError):
        profile.rankings = source


# ------------------------------------------------------------- tallies vs loops
def _naive_tallies(profile):
    m = profile.n_candidates
    plurality = np.zeros(m, dtype=int)
    borda = np.zeros(m, dtype=int)
    support = np.zeros((m, m), dtype=int)
    for ranking, count in zip(profile.rankings.tolist(), profile.counts.tolist()):
        plurality[ranking[0]] += count
        for place, candidate in enumerate(ranking):
            borda[candidate] += count * (m - 1 - place)
            for below in ranking[place + 1:]:
                support[candidate, below] += count
    return plurality, borda, support


@given(preference_profiles(n_candidates=(1, 6), n_voters=(1, 12)))
def test_vectorised_tallies_equal_explicit_loops(profile):
    plurality, borda, support = _naive_tallies(profile)
    assert profile.plurality_scores.tolist() == plurality.tolist()
    assert profile.borda_scores.tolist() == borda.tolist()
    assert profile.majority_matrix.tolist() == support.tolist()
    assert np.array_equal(profile.margins, support - support.T)
    assert profile.plurality_scores.sum() == profile.n_voters


@given(preference_profiles(n_candidates=(1, 5), n_voters=(1, 12)))
def test_anonymized_keeps_every_tally(profile):
    merged = profile.anonymized
    assert merged.n_rows == len({tuple(r) for r in profile.rankings.tolist()})
    assert merged == profile
    assert np.array_equal(merged.majority_matrix, profile.majority_matrix)
    assert np.array_equal(merged.borda_scores, profile.borda_scores)


def test_positions_invert_rankings():
    profile = PreferenceProfile([[2, 0, 1], [1, 2, 0]])
    assert profile.positions.tolist() == [[1, 2, 0], [2, 0, 1]]


def test_condorcet_winner_and_loser():
    # 2 voters a>b>c, 1 voter b>c>a: a beats b 2-1, a beats c 2-1, b beats c 3-0.
    profile = PreferenceProfile([[0, 1, 2], [1, 2, 0]], [2, 1])
    assert profile.condorcet_winner() == 0
    assert profile.condorcet_loser() == 2


def test_k_approval_from_rankings():
    profile = PreferenceProfile([[0, 1, 2], [2, 1, 0]], [3, 2])
    approvals = ApprovalProfile.k_approval(profile, 2)
    # top two of 3 x (0, 1, 2) and 2 x (2, 1, 0): candidate 0 gets 3, 1 gets 3 + 2, 2 gets 2
    assert approvals.approval_scores.tolist() == [3, 5, 2]


# ------------------------------------------------------------------ enumeration
@pytest.mark.parametrize("m, n", [(2, 3), (3, 2), (3, 5), (4, 2)])
def test_enumeration_lists_every_multiset_once(m, n):
    profiles = list(enumerate_anonymous_profiles(m, n))
    # independent count: multisets of size n from m! rankings
    assert len(profiles) == math.comb(math.factorial(m) + n - 1, n) == count_anonymous_profiles(m, n)
    keys = {tuple(sorted(map(tuple, p.ballots().tolist()))) for p in profiles}
    assert len(keys) == len(profiles)
    assert all(p.n_voters == n for p in profiles)
    # every ordered profile maps onto one of them
    rankings = [tuple(r) for r in all_rankings(m).tolist()]
    ordered = {tuple(sorted(combo)) for combo in itertools.product(rankings, repeat=n)}
    assert ordered == keys


def test_enumeration_refuses_huge_sizes():
    with pytest.raises(ValidationError, match="exceeds limit"):
        next(enumerate_anonymous_profiles(6, 10))


@pytest.mark.parametrize("m, n", [(3, 500), (5, 2000), (5, 300), (8, 30)])
def test_tallies_of_large_and_wide_profiles_equal_explicit_loops(m, n):
    # 500 voters over 3! rankings and 2000 over 5! (> 16 m! rows) take the merged-rows path; m = 8 sorts
    rng = np.random.default_rng(m * n)
    profile = PreferenceProfile(np.array([rng.permutation(m) for _ in range(n)]), rng.integers(0, 3, size=n) + (m == 8))
    plurality, borda, support = _naive_tallies(profile)
    assert profile.plurality_scores.tolist() == plurality.tolist()
    assert profile.borda_scores.tolist() == borda.tolist()
    assert profile.majority_matrix.tolist() == support.tolist()
    merged = profile.anonymized
    assert merged == profile and merged.n_voters == profile.n_voters and np.all(merged.counts > 0)
    assert len({tuple(r) for r in merged.rankings.tolist()}) == merged.n_rows


# ------------------------------------------------------- adversarial sizes (review)
def test_permutation_check_on_more_than_62_candidates_names_the_bad_row():
    # the int64 bit mask of the fast check overflows beyond 62 candidates: row 0 is valid and
    # must not be blamed, row 1 repeats candidate 6
    rankings = np.tile(np.arange(70), (2, 1))
    rankings[1, 5] = 6
    with pytest.raises(ValidationError, match=r"rankings: row 1 is not a permutation of 0\.\.69"):
        PreferenceProfile(rankings)
    assert PreferenceProfile(np.tile(np.arange(70), (2, 1))).n_candidates == 70


def test_anonymized_on_many_candidates_merges_exactly_the_identical_rows():
    # m = 20: 20^20 overflows int64, so rows must be merged by their entries, not by codes
    rng = np.random.default_rng(11)
    rows = np.array([rng.permutation(20) for _ in range(30)])
    ballots = rows[rng.integers(0, 30, size=200)]
    merged = PreferenceProfile(ballots).anonymized
    expected = {tuple(r): c for r, c in zip(*np.unique(ballots, axis=0, return_counts=True))}
    assert {tuple(r): c for r, c in zip(merged.rankings.tolist(), merged.counts.tolist())} == expected
    assert merged.n_voters == 200


def test_huge_counts_are_exact_or_refused():
    # 2^51 + 1 against 2^51 (2^52 + 1 voters): float64 still separates them, so the +1 decides
    profile = PreferenceProfile([[0, 1], [1, 0]], [2**51, 2**51 + 1])
    assert profile.plurality_scores.tolist() == [2**51, 2**51 + 1]
    assert profile.margins[1, 0] == 1
    # beyond 2^53 voters the float64 tallies would round: a clear error instead of a wrong winner
    with pytest.raises(ValidationError, match=r"counts: .* exceeds 2\*\*53"):
        PreferenceProfile([[0, 1], [1, 0]], [2**60, 2**60 + 1])
    with pytest.raises(ValidationError, match=r"counts: .* exceeds 2\*\*53"):
        PreferenceProfile([[0, 1], [1, 0]], [2**62, 2**62])  # the int64 sum itself would overflow


def test_one_candidate_has_no_condorcet_loser():
    profile = PreferenceProfile([[0]], [3])
    assert profile.condorcet_winner() == 0 and profile.condorcet_loser() is None


def test_boolean_approvals_of_the_wrong_shape_are_a_named_error():
    with pytest.raises(ValidationError, match=r"approvals: expected 2 dimensions"):
        ApprovalProfile(np.array([True, False]))


def test_replace_voter_refuses_a_row_out_of_range():
    with pytest.raises(ValidationError, match=r"row: index -1 out of range 0\.\.1"):
        PreferenceProfile([[0, 1], [1, 0]]).replace_voter(-1, [0, 1])


def test_unsigned_counts_beyond_int64_are_named_not_wrapped():
    with pytest.raises(ValidationError, match=r"counts: value 18446744073709551615 at index \(0,\) does not fit in int64"):
        PreferenceProfile([[0, 1]], np.array([2**64 - 1], dtype=np.uint64))
    assert PreferenceProfile([[0, 1]], np.array([7], dtype=np.uint64)).n_voters == 7


def test_relabel_names_a_bad_permutation():
    profile = PreferenceProfile([[0, 1, 2], [2, 1, 0]])
    assert profile.relabel([2, 0, 1]).rankings.tolist() == [[2, 0, 1], [1, 0, 2]]
    with pytest.raises(ValidationError, match=r"permutation: expected a permutation of 0\.\.2, got \[0, 0, 1\]"):
        profile.relabel([0, 0, 1])
