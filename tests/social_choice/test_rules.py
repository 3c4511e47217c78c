"""Voting rules: registry sweep, known answers with provenance, tie-breaking, continuous rules."""

import numpy as np
import pytest
from hypothesis import given

from sedtheory._validate import ValidationError
from sedtheory.social_choice import (
    ApprovalProfile,
    ContinuousProfile,
    PreferenceProfile,
    break_ties,
    get_rule,
    list_rules,
)
from sedtheory.social_choice.ranked_rules import kemeny_rankings, minimax_scores, strongest_paths
from sedtheory.testing.strategies import continuous_profiles, preference_profiles

from _voting_examples import (  # noqa: E402  (tests/social_choice is on sys.path)
    MEMPHIS, NASHVILLE, E, SCHULZE, SCHULZE_D, SCHULZE_P, TENNESSEE, TENNESSEE_WINNERS,
)

RANKED = list_rules("ranked")


@pytest.mark.parametrize("name", sorted(TENNESSEE_WINNERS))
def test_tennessee_capital(name):
    assert get_rule(name)(TENNESSEE) == (TENNESSEE_WINNERS[name],)


def test_tennessee_tallies():
    # Borda points (3, 2, 1, 0) from the same percentages, computed by hand:
    # Memphis 42*3 = 126; Nashville 26*3 + 42*2 + 32*1 = 194; Chattanooga 15*3 + 43*2 + 42 = 173;
    # Knoxville 17*3 + 15*2 + 26 = 107.
    assert TENNESSEE.borda_scores.tolist() == [126, 194, 173, 107]
    assert TENNESSEE.condorcet_winner() == NASHVILLE
    assert TENNESSEE.condorcet_loser() == MEMPHIS


def test_schulze_example_tables_and_winner():
    assert SCHULZE.majority_matrix.tolist() == SCHULZE_D
    winning = np.where(SCHULZE.margins > 0, SCHULZE.majority_matrix, 0)
    paths = strongest_paths(winning)
    np.fill_diagonal(paths, 0)
    assert paths.astype(int).tolist() == SCHULZE_P
    assert get_rule("schulze")(SCHULZE) == (E,)


# ---------------------------------------------------------------- registry sweep
@pytest.mark.parametrize("name", RANKED)
@given(profile=preference_profiles(n_candidates=(1, 5), n_voters=(1, 7)))
def test_every_ranked_rule_returns_sorted_nonempty_winners(name, profile):
    winners = get_rule(name)(profile)
    assert isinstance(winners, tuple) and winners
    assert list(winners) == sorted(set(winners))
    assert all(isinstance(w, int) and 0 <= w < profile.n_candidates for w in winners)


@pytest.mark.parametrize("name", RANKED)
def test_every_ranked_rule_returns_all_tied_winners(name):
    # a three-voter Condorcet cycle: full symmetry, so every rule must report all three
    cycle = PreferenceProfile([[0, 1, 2], [1, 2, 0], [2, 0, 1]])
    assert get_rule(name)(cycle) == (0, 1, 2)


def test_registry_lists_kinds_and_refuses_unknown_names():
    assert {"plurality", "borda", "copeland", "minimax", "instant_runoff", "schulze", "ranked_pairs",
            "kemeny"} <= set(RANKED)
    assert list_rules("approval") == ("approval",)
    assert set(list_rules("continuous")) == {"mean", "median", "generalized_median", "trimmed_mean"}
    with pytest.raises(ValidationError, match="unknown voting rule 'bordaa'"):
        get_rule("bordaa")


def test_rule_refuses_wrong_profile_type():
    with pytest.raises(ValidationError, match="needs a PreferenceProfile"):
        get_rule("borda")(ContinuousProfile([0.5]))


# ------------------------------------------------------------------ variants
def test_minimax_variants_differ_where_documented():
    # margins vs winning votes: with complete ballots the winning-votes score is (n + margin)/2,
    # so the two agree; pairwise opposition counts even non-defeats.
    profile = PreferenceProfile([[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 2, 1]], [3, 3, 2, 1])
    margins = minimax_scores(profile, "margins")
    winning = minimax_scores(profile, "winning_votes")
    n = profile.n_voters
    assert np.array_equal(np.where(margins > 0, (n + margins) // 2, 0), winning)
    with pytest.raises(ValidationError, match="variant"):
        minimax_scores(profile, "loser_votes")


def test_instant_runoff_tie_for_last_variants():
    # pref_voting's documented example: three voters, three different first choices.
    profile = PreferenceProfile([[1, 2, 0], [2, 1, 0], [0, 1, 2]])
    # default: every candidate is tied for last, all are removed at once -> all tie
    assert get_rule("instant_runoff")(profile) == (0, 1, 2)
    # PUT: remove 0 -> 1 vs 2 gets 2:1 for 1; remove 1 -> 2 wins; remove 2 -> 1 wins
    assert get_rule("instant_runoff_put")(profile) == (1, 2)


def test_kemeny_refuses_more_than_eight_candidates():
    profile = PreferenceProfile([list(range(9))])
    with pytest.raises(ValidationError, match="refused for m > 8"):
        get_rule("kemeny")(profile)


def test_kemeny_rankings_minimise_kendall_tau_by_brute_force():
    profile = PreferenceProfile([[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2]], [2, 1, 2])
    rankings, _ = kemeny_rankings(profile)
    import itertools

    def distance(order):
        pos = {c: i for i, c in enumerate(order)}
        total = 0
        for ballot, count in zip(profile.rankings.tolist(), profile.counts.tolist()):
            bpos = {c: i for i, c in enumerate(ballot)}
            total += count * sum((pos[a] < pos[b]) != (bpos[a] < bpos[b]) for a, b in itertools.combinations(range(4), 2))
        return total

    all_orders = list(itertools.permutations(range(4)))
    best = min(distance(o) for o in all_orders)
    assert {tuple(r) for r in rankings.tolist()} == {o for o in all_orders if distance(o) == best}


def test_approval_and_k_approval():
    approvals = ApprovalProfile([[1, 1, 0], [0, 1, 1], [1, 0, 0]], [2, 1, 2])
    assert get_rule("approval")(approvals) == (0,)  # scores 4, 3, 1
    one_approval = ApprovalProfile.k_approval(TENNESSEE, 1)
    assert get_rule("approval")(one_approval) == get_rule("plurality")(TENNESSEE)


# ------------------------------------------------------------------ tie-breaking
def test_break_ties_is_explicit_and_seeded():
    assert break_ties((2, 0, 1)) == 0
    assert break_ties((2, 0, 1), order=[2, 1, 0]) == 2
    picks = [break_ties((0, 1, 2, 3), "random", seed=s) for s in range(40)]
    assert picks == [break_ties((0, 1, 2, 3), "random", seed=s) for s in range(40)]
    assert set(picks) == {0, 1, 2, 3}
    with pytest.raises(ValidationError, match="explicit seed"):
        break_ties((0, 1), "random")
    with pytest.raises(ValidationError, match="empty"):
        break_ties(())


# ------------------------------------------------------------------ continuous rules
def test_continuous_rules_known_values():
    profile = ContinuousProfile([0.9, 0.1, 0.5, 0.2])
    assert get_rule("mean")(profile) == pytest.approx(0.425)
    assert get_rule("median")(profile) == 0.2  # lower median of (0.1, 0.2, 0.5, 0.9)
    # uniform phantoms 0, 1/4, 1/2, 3/4, 1 with the reports: 9 points, 5th smallest = 0.5
    assert get_rule("generalized_median")(profile) == 0.5
    assert get_rule("generalized_median", phantoms=[0.0, 0.0, 0.0])(profile) == 0.1
    assert get_rule("trimmed_mean", proportion=0.25)(profile) == pytest.approx(0.35)


def test_continuous_rules_are_coordinatewise():
    profile = ContinuousProfile([[0.0, 1.0], [1.0, 0.0], [0.2, 0.4]])
    for name in list_rules("continuous"):
        value = get_rule(name)(profile)
        columns = [get_rule(name)(ContinuousProfile(profile.reports[:, j])) for j in range(2)]
        assert value.shape == (2,) and np.allclose(value, columns)


@given(continuous_profiles(n_voters=(1, 9)))
def test_trimmed_mean_matches_scipy(profile):
    from scipy.stats import trim_mean

    assert get_rule("trimmed_mean", proportion=0.2)(profile) == pytest.approx(
        float(trim_mean(profile.reports[:, 0], 0.2)), abs=1e-12)


def test_continuous_rule_accepts_raw_reports_and_rejects_bad_phantoms():
    assert get_rule("mean")(np.array([0.0, 1.0])) == 0.5
    with pytest.raises(ValidationError, match="reports: non-finite"):
        get_rule("mean")(np.array([0.0, np.nan]))
    with pytest.raises(ValidationError, match="must be odd"):
        get_rule("generalized_median", phantoms=[0.5])(ContinuousProfile([0.1]))


@given(preference_profiles(n_candidates=(1, 7), n_voters=(1, 12)))
def test_strongest_paths_list_and_numpy_versions_agree(profile):
    from sedtheory.social_choice.ranked_rules import _strongest_paths_lists, _strongest_paths_numpy

    assert np.array_equal(_strongest_paths_lists(profile.margins), _strongest_paths_numpy(profile.margins))


def test_schulze_on_many_candidates_uses_the_numpy_path():
    rng = np.random.default_rng(5)
    profile = PreferenceProfile(np.array([rng.permutation(14) for _ in range(9)]))
    from sedtheory.social_choice.ranked_rules import _strongest_paths_lists

    paths = strongest_paths(profile.margins)
    assert np.array_equal(paths, _strongest_paths_lists(profile.margins))
    beaten = (paths.T > paths).any(axis=1)
    assert get_rule("schulze")(profile) == tuple(np.flatnonzero(~beaten).tolist())


def test_rule_parameters_are_checked_by_name():
    with pytest.raises(ValidationError, match=r"params: rule 'borda' has no parameter 'weights' \(it takes: none\)"):
        get_rule("borda", weights=[1, 0])
    with pytest.raises(ValidationError, match=r"bounds: lower bound 1\.0 exceeds upper bound 0\.0"):
        get_rule("generalized_median", bounds=(1.0, 0.0))(ContinuousProfile([0.5]))
    # phantoms 0, 1, 2 (k/n scaled to the bounds); median of (0, 0, 1, 2, 2) = 1
    assert get_rule("generalized_median", bounds=(0.0, 2.0))(ContinuousProfile([2.0, 0.0])) == 1.0


# ------------------------------------------------- adversarial profiles (review)
@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_full_symmetry_ties_every_candidate(m):
    # every ranking once: a neutral rule cannot tell the candidates apart, so all tie
    from sedtheory.social_choice import all_rankings

    profile = PreferenceProfile(all_rankings(m))
    for name in RANKED:
        assert get_rule(name)(profile) == tuple(range(m)), name


@pytest.mark.parametrize("name", RANKED)
@given(profile=preference_profiles(n_candidates=(1, 5), n_voters=(1, 7)))
def test_zero_count_rows_and_huge_scaling_change_nothing(name, profile):
    # Rows of count 0 are not voters; multiplying every count by 10^12 (still below 2^53
    # voters) keeps every majority, score and margin comparison: the winners must not move.
    rule = get_rule(name)
    winners = rule(profile)
    ghost = profile.rankings[::-1]
    padded = PreferenceProfile(np.vstack([profile.rankings, ghost]),
                               np.concatenate([profile.counts, np.zeros(len(ghost), dtype=np.int64)]))
    assert rule(padded) == winners
    if name in NOT_HOMOGENEOUS:
        return  # scores in whole voters (floor(margin / 2) + 1, integer sub-electorates) need not scale
    assert rule(PreferenceProfile(profile.rankings, profile.counts * 10**12)) == winners


# Dodgson's rule is not homogeneous (Fishburn 1977, "Condorcet social choice functions"); Dodgson
# Quick shares its "+1 voter" deficits, and Young's integer sub-electorates are not promised to scale
NOT_HOMOGENEOUS = {"dodgson", "dodgson_quick", "young"}
