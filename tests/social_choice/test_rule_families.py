"""The rules added for issue 15: known answers, independent oracles and textbook inclusions.

pref_voting cross-checks of every shared rule are in ``test_pref_voting_crosscheck.py``; this
file covers what pref_voting does not have (Dodgson, Young, Dodgson Quick, Copeland-alpha for
any alpha, positional rules with exact arithmetic) and facts that relate the rules.
"""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sedtheory._validate import ValidationError
from sedtheory.social_choice import PreferenceProfile, ScoredProfile, get_rule, list_rules
from sedtheory.social_choice.majority_rules import dodgson_scores, young_scores
from sedtheory.testing.strategies import preference_profiles

from _voting_examples import KNOXVILLE, MEMPHIS, NASHVILLE, TENNESSEE  # noqa: E402

CHATTANOOGA = 2

# Tennessee capital (see _voting_examples.py). Published: Coombs elects Nashville (Wikipedia,
# "Coombs' method"), Bucklin elects Nashville in round 2 with 42 + 26 = 68 % (Wikipedia,
# "Bucklin voting"), the two-round system Memphis vs Nashville -> Nashville (Wikipedia,
# "Two-round system"). Nashville is the Condorcet winner, so every Condorcet-consistent rule
# elects it (the Smith, Schwartz and uncovered sets are {Nashville}). By hand: Nashville and
# Chattanooga are never ranked last (anti-plurality tie); Dowdall: Memphis 42 + 58/4 = 56.5,
# Nashville 26 + 42/2 + 32/3 = 57.67, Chattanooga 15 + 43/2 + 42/3 = 50.5, Knoxville 17 + 15/2
# + 26/3 + 42/4 = 43.67 -> Nashville; the simplified Bucklin majority in round 2 is Nashville
# (68 %) and Chattanooga (15 + 17 + 26 = 58 %).
TENNESSEE_NEW = {
    "anti_plurality": (NASHVILLE, CHATTANOOGA), "dowdall": (NASHVILLE,), "coombs": (NASHVILLE,),
    "bucklin": (NASHVILLE,), "simplified_bucklin": (NASHVILLE, CHATTANOOGA),
    "plurality_with_runoff": (NASHVILLE,), "positional": (NASHVILLE,),
    **{name: (NASHVILLE,) for name in [
        "baldwin", "baldwin_put", "strict_nanson", "weak_nanson", "benham", "black", "condorcet",
        "condorcet_irv", "weak_condorcet", "smith_set", "schwartz_set", "uncovered_set", "copeland_alpha",
        "llull", "split_cycle", "stable_voting", "simple_stable_voting", "schulze_winning_votes",
        "simplified_dodgson", "dodgson_quick", "dodgson", "young", "smith_irv", "tideman_alternative_smith",
        "tideman_alternative_schwartz", "woodall"]},
}


@pytest.mark.parametrize("name", sorted(TENNESSEE_NEW))
def test_tennessee_capital_new_rules(name):
    assert get_rule(name)(TENNESSEE) == TENNESSEE_NEW[name]


def test_registry_holds_at_least_35_ranked_approval_and_scored_rules():
    names = list_rules("ranked") + list_rules("approval") + list_rules("scored")
    assert len(names) >= 35
    assert set(list_rules("scored")) == {"score_voting", "star", "majority_judgment"}


# --------------------------------------------------------- Dodgson and Young by brute force
def _beats_all(ballots, c):
    m = len(ballots[0])
    return all(2 * sum(b.index(c) < b.index(x) for b in ballots) > len(ballots) for x in range(m) if x != c)


def dodgson_by_brute_force(profile, c):
    """Fewest adjacent swaps: try every way of moving c up 0..position places on every ballot."""
    ballots = [list(b) for b in profile.ballots().tolist()]
    best = None
    for moves in itertools.product(*(range(b.index(c) + 1) for b in ballots)):
        moved = []
        for ballot, k in zip(ballots, moves):
            place = ballot.index(c)
            moved.append(ballot[:place - k] + [c] + ballot[place - k:place] + ballot[place + 1:])
        if _beats_all(moved, c) and (best is None or sum(moves) < best):
            best = sum(moves)
    return best


def young_by_brute_force(profile, c):
    """Largest sub-electorate (any sub-multiset of the ballots) where c loses to nobody."""
    ballots = [tuple(b) for b in profile.ballots().tolist()]
    m = len(ballots[0])
    best = 0
    for keep in itertools.product((0, 1), repeat=len(ballots)):
        kept = [b for b, k in zip(ballots, keep) if k]
        if all(sum(b.index(c) < b.index(x) for b in kept) * 2 >= len(kept) for x in range(m) if x != c):
            best = max(best, len(kept))
    return best


@given(preference_profiles(n_candidates=(2, 4), n_voters=(1, 5)))
@settings(max_examples=40)
def test_dodgson_and_young_scores_equal_brute_force(profile):
    m = profile.n_candidates
    assert dodgson_scores(profile).tolist() == [dodgson_by_brute_force(profile, c) for c in range(m)]
    assert young_scores(profile).tolist() == [young_by_brute_force(profile, c) for c in range(m)]


@given(preference_profiles(n_candidates=(2, 5), n_voters=(1, 9)))
@settings(max_examples=40)
def test_dodgson_quick_is_a_lower_bound_of_dodgson(profile):
    # each adjacent swap moves c past one rival, and rival b needs floor(margin/2) + 1 voters
    # to move c past it (McCabe-Dansted, Pritchard & Slinko 2008, Lemma 1)
    from sedtheory.social_choice.majority_rules import dodgson_deficits

    quick = dodgson_deficits(profile).sum(axis=0)
    assert np.all(quick <= dodgson_scores(profile))
    assert np.all((quick == 0) == (dodgson_scores(profile) == 0))


def test_dodgson_exceeds_its_quick_approximation_on_a_hand_checked_profile():
    # ballots 3>1>2>0, 3>0>2>1 (twice). For candidate 2: 3 beats it 3-0 (two voters must move
    # 2 past 3) and 0 beats it 2-1 (one voter past 0): Dodgson Quick 2 + 1 = 3. On every ballot
    # 3 sits two places above 2, so each voter moving 2 past 3 pays 2 swaps: Dodgson 4 (the two
    # 3>0>2>1 voters pass 0 on the way).
    profile = PreferenceProfile([[3, 1, 2, 0], [3, 0, 2, 1], [3, 0, 2, 1]])
    from sedtheory.social_choice.majority_rules import dodgson_deficits

    assert dodgson_deficits(profile).sum(axis=0)[2] == 3
    assert dodgson_scores(profile)[2] == dodgson_by_brute_force(profile, 2) == 4


# ------------------------------------------------------------ positional rules, exactly
def test_positional_vectors_reproduce_the_named_scoring_rules():
    for profile in (TENNESSEE, PreferenceProfile([[0, 1, 2], [1, 2, 0], [2, 1, 0]], [3, 2, 2])):
        m = profile.n_candidates
        assert get_rule("positional", scores=[1] + [0] * (m - 1))(profile) == get_rule("plurality")(profile)
        assert get_rule("positional", scores=[1] * (m - 1) + [0])(profile) == get_rule("anti_plurality")(profile)
        assert get_rule("positional")(profile) == get_rule("borda")(profile)
        assert get_rule("positional", scores=[Fraction(1, j + 1) for j in range(m)])(profile) == get_rule("dowdall")(profile)


def test_positional_scores_are_exact_where_floats_are_not():
    # 0.1 + 0.2 != 0.3 in floats. Candidate 0 gets 0.1 and 0.2 (second, then third place),
    # candidate 2 gets 0.3 once (first place) and 0 twice. Exactly: 3/10 each, a tie.
    # (The vector is read as decimals written by the user: pass Fractions or strings.)
    profile = PreferenceProfile([[1, 0, 2], [1, 2, 0], [2, 1, 0]])
    vector = [Fraction("0.3"), Fraction("0.1"), Fraction("0.0")]
    # scores: 0 -> 0.1 (2nd) + 0 + 0 = 1/10; 1 -> 3/10 + 3/10 + 1/10 = 7/10; 2 -> 0 + 1/10 + 3/10
    from sedtheory.social_choice.scoring_rules import positional_scores

    assert positional_scores(profile, vector) == [1, 7, 4]
    floats = positional_scores(profile, [0.3, 0.1, 0.0])  # the binary values, still exact sums
    assert floats[1] > floats[2] > floats[0]


def test_positional_refuses_a_wrong_vector():
    profile = PreferenceProfile([[0, 1, 2]])
    with pytest.raises(ValidationError, match="scores: expected one score per place, 3 in all, got 2"):
        get_rule("positional", scores=[1, 0])(profile)
    with pytest.raises(ValidationError, match="scores: expected 3 finite numbers"):
        get_rule("positional", scores=[1, float("nan"), 0])(profile)


# ------------------------------------------------------------------ Copeland-alpha
@given(preference_profiles(n_candidates=(1, 5), n_voters=(1, 8)))
def test_copeland_alpha_half_is_copeland_and_one_is_llull(profile):
    assert get_rule("copeland_alpha")(profile) == get_rule("copeland")(profile)
    assert get_rule("copeland_alpha", alpha=1)(profile) == get_rule("llull")(profile)
    assert get_rule("copeland_alpha", alpha=0.5)(profile) == get_rule("copeland")(profile)


def test_copeland_alpha_refuses_alpha_outside_the_unit_interval():
    with pytest.raises(ValidationError, match=r"alpha: expected a number in \[0, 1\], got 1.5"):
        get_rule("copeland_alpha", alpha=1.5)(TENNESSEE)
    with pytest.raises(ValidationError, match="alpha: expected a finite number"):
        get_rule("copeland_alpha", alpha="x")(TENNESSEE)


# ----------------------------------------------------------------- majority-graph facts
@given(preference_profiles(n_candidates=(1, 6), n_voters=(1, 9)))
def test_set_inclusions(profile):
    """Schwartz set within the Smith set (Schwartz 1986); the uncovered set within the Smith set
    (Miller 1980); split cycle winners within the Smith set and containing the Schwartz set
    winners' ... (Holliday & Pacuit 2023, Prop. 3.13: SC is Smith-efficient)."""
    smith = set(get_rule("smith_set")(profile))
    assert set(get_rule("schwartz_set")(profile)) <= smith
    assert set(get_rule("uncovered_set")(profile)) <= smith
    assert set(get_rule("split_cycle")(profile)) <= smith
    assert set(get_rule("stable_voting")(profile)) <= set(get_rule("split_cycle")(profile))


@given(preference_profiles(n_candidates=(1, 6), n_voters=(1, 9)))
def test_beat_path_variants_agree_on_complete_strict_ballots(profile):
    # winning votes = (n + margin) / 2 for complete strict ballots: the same order of defeats
    assert get_rule("schulze_winning_votes")(profile) == get_rule("schulze")(profile)


# ----------------------------------------------------------------- scored ballots
def test_scored_profile_validates_and_tallies():
    profile = ScoredProfile([[5, 3, 0], [0, 4, 5]], counts=[2, 1], grades=(0, 5))
    assert profile.score_sums.tolist() == [10, 10, 5]
    assert profile.margins.tolist() == [[0, 1, 1], [-1, 0, 1], [-1, -1, 0]]
    assert get_rule("score_voting")(profile) == (0, 1)
    # STAR: 0 and 1 tie on score and meet: 2 voters score 0 higher, 1 voter 1 -> 0 wins
    assert get_rule("star")(profile) == (0,)
    # lower medians: 0 -> (0, 5, 5) -> 5; 1 -> (3, 3, 4) -> 3; 2 -> (0, 0, 5) -> 0
    assert get_rule("majority_judgment")(profile) == (0,)
    with pytest.raises(ValidationError, match=r"scores: entry \[0, 0\] is 7.0, outside grades \[0.0, 5.0\]"):
        ScoredProfile([[7, 0]], grades=(0, 5))
    with pytest.raises(ValidationError, match="scores: non-finite"):
        ScoredProfile([[np.nan, 0]])
    with pytest.raises(ValidationError, match="needs a ScoredProfile"):
        get_rule("star")(TENNESSEE)


@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_majority_judgment_median_is_the_lower_median_of_the_expanded_ballots(m, k, data):
    from sedtheory.social_choice.scored_rules import lower_medians

    scores = np.array(data.draw(st.lists(st.lists(st.integers(0, 9), min_size=m, max_size=m), min_size=k, max_size=k)))
    counts = data.draw(st.lists(st.integers(1, 3), min_size=k, max_size=k))
    profile = ScoredProfile(scores, counts)
    expanded = np.repeat(scores, counts, axis=0)
    n = expanded.shape[0]
    assert lower_medians(profile).tolist() == np.sort(expanded, axis=0)[(n - 1) // 2].tolist()
