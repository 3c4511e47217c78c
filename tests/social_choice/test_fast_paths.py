"""The fast paths added for speed (issue 15's benchmark) against the plain computations they
replace: Python-list versions of numpy code, shortcuts justified by a theorem, and the
small-row / many-row versions of the elimination tallies. Each oracle is the straightforward
computation (numpy or a brute-force loop), written here or kept in the library."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sedtheory.social_choice import PreferenceProfile, get_rule
from sedtheory.social_choice._tallies import split_cycle_undefeated, split_cycle_undefeated_lists
from sedtheory.social_choice.majority_rules import _stable
from sedtheory.testing.strategies import condorcet_cycle_profiles, preference_profiles, tie_heavy_profiles, weighted_profiles

PROFILES = st.one_of(preference_profiles(n_candidates=(1, 7), n_voters=(1, 12)), tie_heavy_profiles(n_candidates=(2, 6)),
                     condorcet_cycle_profiles(), weighted_profiles(n_candidates=(1, 6), n_rows=(1, 8)))


def _condorcet_winner_by_loops(profile):
    m = profile.n_candidates
    margins = profile.margins
    for c in range(m):
        if all(margins[c, d] > 0 for d in range(m) if d != c):
            return c
    return None


@given(PROFILES)
def test_knockout_condorcet_winner_equals_checking_every_candidate(profile):
    assert profile.condorcet_winner() == _condorcet_winner_by_loops(profile)


@given(PROFILES, st.data())
def test_split_cycle_on_lists_equals_the_numpy_version_on_every_subset(profile, data):
    m = profile.n_candidates
    members = sorted(data.draw(st.sets(st.integers(0, m - 1), min_size=1)))
    alive = np.zeros(m, dtype=bool)
    alive[members] = True
    assert tuple(split_cycle_undefeated_lists(profile.margins.tolist(), members)) == \
        split_cycle_undefeated(profile.margins, alive)


@given(PROFILES)
def test_simple_stable_voting_shortcut_equals_the_recursion(profile):
    # the Condorcet-winner shortcut (a theorem, see the rule's docstring) against the plain recursion
    assert get_rule("simple_stable_voting")(profile) == _stable(profile.margins, filtered=False)
    assert get_rule("stable_voting")(profile) == _stable(profile.margins, filtered=True)


@given(PROFILES)
def test_llull_and_weak_condorcet_on_lists_equal_their_numpy_definitions(profile):
    margins = profile.margins
    scores = (margins >= 0).sum(axis=1) - 1
    assert get_rule("llull")(profile) == tuple(np.flatnonzero(scores == scores.max()).tolist())
    assert get_rule("llull")(profile) == get_rule("copeland_alpha", alpha=1)(profile)
    unbeaten = np.flatnonzero((margins >= 0).all(axis=1))
    expected = tuple(unbeaten.tolist()) if unbeaten.size else tuple(range(profile.n_candidates))
    assert get_rule("weak_condorcet")(profile) == expected


def test_anonymised_profile_shares_the_tallies_already_computed():
    profile = PreferenceProfile([[0, 1, 2], [0, 1, 2], [2, 1, 0]])
    support = profile.majority_matrix
    assert profile.anonymized.majority_matrix is support
    assert profile.anonymized.counts.tolist() == [2, 1]
