"""sedtheory.testing.strategies: what the strategies generate, and the documented user example."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sedtheory._validate import ValidationError
from sedtheory.games import NormalFormGame, StackelbergNashGame
from sedtheory.social_choice import ContinuousProfile, PreferenceProfile, get_axiom
from sedtheory.testing.strategies import (
    condorcet_cycle_profiles,
    continuous_profiles,
    normal_form_games,
    preference_profiles,
    single_peaked_profiles,
    stackelberg_games,
    tie_heavy_profiles,
    weighted_profiles,
)


# ------------------------------------------------ the example from the module docstring
def my_rule(profile):  # a user's own rule: Borda plus a plurality bonus
    scores = profile.borda_scores + 2 * profile.plurality_scores
    return tuple(int(c) for c in (scores == scores.max()).nonzero()[0])


@given(preference_profiles(n_candidates=(3, 5), n_voters=(1, 9)))
def test_my_rule_is_pareto_efficient(profile):
    assert get_axiom("pareto").find_violations(my_rule, profile) == []


def test_the_same_few_lines_catch_a_bad_rule():
    def bad_rule(profile):  # elects the Borda loser
        scores = profile.borda_scores
        return tuple(int(c) for c in (scores == scores.min()).nonzero()[0])

    @given(preference_profiles(n_candidates=(3, 5), n_voters=(1, 9)))
    @settings(max_examples=50, database=None)
    def check(profile):
        assert get_axiom("pareto").find_violations(bad_rule, profile) == []

    with pytest.raises(AssertionError):
        check()


def test_module_docstring_carries_the_example():
    import sedtheory.testing.strategies as module

    assert "def test_my_rule_is_pareto_efficient" in module.__doc__


# ------------------------------------------------------------------ shapes and sizes
@given(preference_profiles(n_candidates=4, n_voters=(2, 6)))
def test_preference_profiles_sizes(profile):
    assert isinstance(profile, PreferenceProfile)
    assert profile.n_candidates == 4 and 2 <= profile.n_voters <= 6


@given(single_peaked_profiles(n_candidates=(1, 6), n_voters=(1, 7)))
def test_single_peaked_profiles_are_single_peaked(profile):
    m = profile.n_candidates
    for ranking in profile.rankings.tolist():
        peak = ranking[0]
        # along the axis, rank positions fall monotonically away from the peak on both sides
        position = {c: i for i, c in enumerate(ranking)}
        assert all(position[c] > position[c + 1] for c in range(peak))
        assert all(position[c] < position[c + 1] for c in range(peak, m - 1))


@given(continuous_profiles(n_voters=(1, 5), dimension=(1, 3), bounds=(-2.0, 3.0)))
def test_continuous_profiles_in_bounds(profile):
    assert isinstance(profile, ContinuousProfile)
    assert 1 <= profile.dimension <= 3
    assert np.all((profile.reports >= -2.0) & (profile.reports <= 3.0))


@given(normal_form_games(n_players=(2, 3), n_actions=(1, 3), payoff_range=(0, 4)))
def test_normal_form_games(game):
    assert isinstance(game, NormalFormGame) and game.n_players in (2, 3)
    assert all(1 <= k <= 3 for k in game.n_actions)
    assert np.all((game.payoffs >= 0) & (game.payoffs <= 4)) and np.all(game.payoffs == np.round(game.payoffs))


@given(stackelberg_games(n_followers=(1, 2)))
def test_stackelberg_games(game):
    assert isinstance(game, StackelbergNashGame) and game.n_followers in (1, 2)


@given(preference_profiles(n_candidates=st.just(3), n_voters=st.sampled_from([1, 3])))
def test_sizes_accept_strategies(profile):
    assert profile.n_candidates == 3 and profile.n_voters in (1, 3)


def test_sizes_reject_nonsense():
    with pytest.raises(ValidationError, match=r"n_candidates: expected an int, a \(low, high\) pair or a strategy"):
        preference_profiles(n_candidates=True)
    with pytest.raises(ValidationError, match="n_candidates"):
        preference_profiles(n_candidates=(4, 2))
    with pytest.raises(ValidationError, match="n_voters: must be >= 1"):
        preference_profiles(n_voters=0)
    with pytest.raises(ValidationError, match="bounds"):
        continuous_profiles(bounds=(1.0, 0.0))


def test_lazy_access_from_the_package():
    import sedtheory.testing as testing

    assert testing.preference_profiles is preference_profiles


# ------------------------------------------------------------- issue 15 profile strategies
@given(weighted_profiles(n_candidates=(2, 5), n_rows=(1, 6), max_count=50))
def test_weighted_profiles_have_counts_and_voters(profile):
    assert profile.n_voters >= 1 and profile.counts.max() <= 50 and (profile.counts >= 0).all()
    assert sorted(profile.rankings[0].tolist()) == list(range(profile.n_candidates))


@given(weighted_profiles(n_candidates=3, n_rows=(4, 6), max_count=3, allow_zero_counts=False))
def test_weighted_profiles_without_zero_counts(profile):
    assert (profile.counts >= 1).all() and profile.n_rows >= 4


@given(tie_heavy_profiles(n_candidates=(2, 5)))
def test_tie_heavy_profiles_are_unions_of_symmetric_groups(profile):
    assert profile.n_voters >= 1
    # a group of rotations or a reversal pair ties some tallies; a lone ranking need not:
    # just check the profile is valid and small
    assert profile.n_rows <= 3 * profile.n_candidates


def test_tie_heavy_profiles_tie_often():
    from hypothesis import find

    # a full cyclic Latin square: every candidate has the same plurality score
    found = find(tie_heavy_profiles(n_candidates=4), lambda p: len(set(p.plurality_scores.tolist())) == 1
                 and p.n_rows == 4)
    assert len(set(found.borda_scores.tolist())) == 1


@given(condorcet_cycle_profiles(n_candidates=(3, 6), cycle_weight=(1, 5), noise_rows=(0, 3)))
def test_condorcet_cycle_profiles_have_a_majority_cycle_and_no_condorcet_winner(profile):
    assert profile.condorcet_winner() is None
    beats = profile.margins > 0
    m = profile.n_candidates
    closure = beats.copy()
    for k in range(m):
        closure |= closure[:, k, None] & closure[k, None, :]
    assert closure.diagonal().any()  # some candidate reaches itself: a cycle


@pytest.mark.parametrize("call, field", [
    (lambda: weighted_profiles(max_count=0), "max_count"),
    (lambda: weighted_profiles(n_rows=(0, 2)), "n_rows"),
    (lambda: tie_heavy_profiles(max_multiplier=0), "max_multiplier"),
    (lambda: condorcet_cycle_profiles(n_candidates=2), "n_candidates"),
])
def test_new_strategies_name_the_bad_field(call, field):
    with pytest.raises(ValidationError, match=field):
        call()
