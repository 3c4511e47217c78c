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


def _stable_by_definition(margins, members, filtered):
    """Stable voting / simple stable voting straight from the definition (Holliday & Pacuit
    2023b): no memo, no Condorcet shortcut; matches by decreasing margin, every a (split-cycle
    undefeated when filtered) winning without b at the first qualifying margin."""
    if len(members) == 1:
        return set(members)
    alive = np.zeros(margins.shape[0], dtype=bool)
    alive[members] = True
    allowed = set(split_cycle_undefeated(margins, alive)) if filtered else set(members)
    matches = sorted(((int(margins[a, b]), a, b) for a in members for b in members if a != b and a in allowed),
                     reverse=True)
    found, level = set(), None
    for strength, a, b in matches:
        if level is not None and strength < level:
            break
        if a not in found and a in _stable_by_definition(margins, [c for c in members if c != b], filtered):
            found.add(a)
            level = strength
    return found


SMALL_PROFILES = st.one_of(preference_profiles(n_candidates=(1, 5), n_voters=(1, 12)), tie_heavy_profiles(n_candidates=(2, 5)),
                           condorcet_cycle_profiles(n_candidates=(3, 5)), weighted_profiles(n_candidates=(1, 5), n_rows=(1, 8)))


@given(SMALL_PROFILES)
def test_stable_voting_shortcuts_equal_the_definition(profile):
    # the Condorcet-winner shortcut (a theorem, see simple_stable_voting's docstring) and the memo against
    # the plain recursion of the definition
    members = list(range(profile.n_candidates))
    for name, filtered in (("simple_stable_voting", False), ("stable_voting", True)):
        expected = tuple(sorted(_stable_by_definition(profile.margins, members, filtered)))
        assert get_rule(name)(profile) == expected
        assert _stable(profile.margins, filtered) == expected


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


# ------------------------------------------- elimination and place tallies: both paths
def _first_and_last_by_loops(profile, alive):
    firsts, lasts = [0] * profile.n_candidates, [0] * profile.n_candidates
    for row, count in zip(profile.rankings.tolist(), profile.counts.tolist()):
        kept = [c for c in row if alive[c]]
        firsts[kept[0]] += count
        lasts[kept[-1]] += count
    return firsts, lasts


MANY_ROWS = weighted_profiles(n_candidates=(1, 6), n_rows=(1, 60))


@given(st.one_of(PROFILES, MANY_ROWS), st.data())
def test_elimination_tally_equals_a_loop_over_ballots_on_both_paths(profile, data):
    import sedtheory.social_choice._tallies as tallies

    m = profile.n_candidates
    alive = data.draw(st.lists(st.booleans(), min_size=m, max_size=m).filter(any))
    expected = _first_and_last_by_loops(profile, alive)
    for small_rows in (0, 10**6):  # numpy path, list path
        old, tallies.SMALL_ROWS = tallies.SMALL_ROWS, small_rows
        try:
            tally = tallies.EliminationTally(profile)
            assert (tally.firsts(alive), tally.lasts(alive)) == expected
            assert tally.n_voters == profile.n_voters
        finally:
            tallies.SMALL_ROWS = old


@given(st.one_of(PROFILES, MANY_ROWS))
def test_position_counts_equal_a_loop_over_ballots_on_both_paths(profile):
    import sedtheory.social_choice.scoring_rules as scoring

    m = profile.n_candidates
    expected = np.zeros((m, m), dtype=np.int64)
    for row, count in zip(profile.rankings.tolist(), profile.counts.tolist()):
        for place, c in enumerate(row):
            expected[c, place] += count
    for small_rows in (0, 10**6):
        old, scoring.SMALL_ROWS = scoring.SMALL_ROWS, small_rows
        try:
            assert np.array_equal(scoring.position_counts(profile), expected)
        finally:
            scoring.SMALL_ROWS = old


ROUND_RULES = ["instant_runoff", "woodall", "tideman_alternative_smith", "tideman_alternative_schwartz", "instant_runoff_put", "coombs", "coombs_put", "benham", "bottom_two_runoff_irv",
               "smith_irv", "condorcet_irv", "anti_plurality", "dowdall", "positive_negative", "bucklin",
               "simplified_bucklin", "positional"]


@given(st.one_of(PROFILES, MANY_ROWS))
def test_rules_give_the_same_winners_on_the_list_and_numpy_paths(profile):
    import sedtheory.social_choice._tallies as tallies
    import sedtheory.social_choice.scoring_rules as scoring

    results = []
    for small_rows in (0, 10**6):
        old = tallies.SMALL_ROWS, scoring.SMALL_ROWS
        tallies.SMALL_ROWS = scoring.SMALL_ROWS = small_rows
        try:
            results.append([get_rule(name)(profile) for name in ROUND_RULES])
        finally:
            tallies.SMALL_ROWS, scoring.SMALL_ROWS = old
    assert results[0] == results[1]


def test_dowdall_vector_is_exact():
    from sedtheory.social_choice.scoring_rules import _dowdall_vector

    # 1, 1/2, 1/3, 1/4, 1/5 scaled by lcm(1..5) = 60
    assert _dowdall_vector(5) == (60, 30, 20, 15, 12)


@given(PROFILES, st.data())
def test_smith_and_schwartz_sets_on_lists_equal_the_numpy_versions(profile, data):
    from sedtheory.social_choice._tallies import schwartz_set, schwartz_set_support, smith_set, smith_set_support

    m = profile.n_candidates
    alive = data.draw(st.lists(st.booleans(), min_size=m, max_size=m).filter(any))
    mask = np.array(alive)
    support = profile.majority_matrix.tolist()
    assert tuple(smith_set_support(support, alive)) == smith_set(profile.margins, mask)
    assert tuple(schwartz_set_support(support, alive)) == schwartz_set(profile.margins, mask)


@given(PROFILES, st.data())
def test_borda_and_condorcet_winner_read_off_the_support_matrix_equal_loops_over_ballots(profile, data):
    from sedtheory.social_choice._tallies import borda_among_support, condorcet_winner_support

    m = profile.n_candidates
    alive = data.draw(st.lists(st.booleans(), min_size=m, max_size=m).filter(any))
    borda = [0] * m
    support = [[0] * m for _ in range(m)]
    for row, count in zip(profile.rankings.tolist(), profile.counts.tolist()):
        kept = [c for c in row if alive[c]]  # the ballot restricted to the alive candidates
        for place, c in enumerate(kept):
            borda[c] += count * (len(kept) - 1 - place)
            for d in kept[place + 1:]:
                support[c][d] += count
    assert borda_among_support(profile.majority_matrix.tolist(), alive) == borda
    members = [c for c in range(m) if alive[c]]
    beats_all = [c for c in members if all(support[c][d] > support[d][c] for d in members if d != c)]
    assert condorcet_winner_support(profile.majority_matrix.tolist(), members) == (beats_all[0] if beats_all else None)
