"""Manipulation analysis: closed forms vs grid search, the mean's reporting game, shares."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sedtheory._validate import ValidationError
from sedtheory.social_choice import (
    ContinuousProfile,
    all_rankings,
    best_misreport,
    get_rule,
    grid_best_misreport,
    list_rules,
    manipulable_share,
    mean_rule_equilibrium,
    resolute_winner,
)
from sedtheory.social_choice.profiles import PreferenceProfile
from sedtheory.testing.strategies import continuous_profiles

unit = st.floats(0.0, 1.0, allow_nan=False)


@pytest.mark.parametrize("name", ["mean", "median", "generalized_median"])
@given(profile=continuous_profiles(n_voters=(1, 7)), peak=unit, data=st.data())
@settings(max_examples=30)
def test_closed_form_best_misreport_matches_grid_search(name, profile, peak, data):
    rule = get_rule(name)
    voter = data.draw(st.integers(0, profile.n_voters - 1))
    exact = best_misreport(rule, profile, voter, peak=peak)
    grid = grid_best_misreport(rule, profile, voter, peak=peak, grid_size=1001)
    assert exact.method.startswith("closed form")
    # the grid can only do as well as the exact optimum, and comes within its step (1e-3)
    assert abs(grid.outcome - peak) >= abs(exact.outcome - peak) - 1e-9
    assert abs(grid.outcome - peak) <= abs(exact.outcome - peak) + 1e-3
    # the best report really produces the claimed outcome
    assert float(rule(profile.replace_report(voter, exact.best_report))) == pytest.approx(exact.outcome, abs=1e-12)
    assert 0.0 <= exact.best_report <= 1.0 and exact.gain >= 0.0


def test_mean_closed_form_by_hand():
    # reports (0.9, 0.9, x), voter 2 has peak 0.3: wants (1.8 + r)/3 = 0.3 -> r = -0.9, clipped to 0;
    # outcome 0.6, truthful outcome 0.7, gain 0.1
    result = best_misreport(get_rule("mean"), ContinuousProfile([0.9, 0.9, 0.3]), 2)
    assert (result.best_report, result.outcome, result.truthful_outcome) == pytest.approx((0.0, 0.6, 0.7))
    assert result.gain == pytest.approx(0.1)


@given(profile=continuous_profiles(n_voters=(1, 7)), data=st.data())
@settings(max_examples=30)
def test_median_truthful_report_is_optimal(profile, data):
    voter = data.draw(st.integers(0, profile.n_voters - 1))
    for rule in (get_rule("median"), get_rule("generalized_median")):
        result = best_misreport(rule, profile, voter)
        assert result.gain == 0.0 and result.best_report == profile.reports[voter, 0]


def test_trimmed_mean_uses_grid_search_and_is_manipulable():
    result = best_misreport(get_rule("trimmed_mean", proportion=0.2), ContinuousProfile([0.1, 0.2, 0.5, 0.6, 0.9]), 2,
                            peak=0.2)
    assert result.method == "grid" and result.gain > 0


def test_best_misreport_rejects_bad_input():
    with pytest.raises(ValidationError, match="d = 1"):
        best_misreport(get_rule("mean"), ContinuousProfile([[0.1, 0.2]]), 0)
    with pytest.raises(ValidationError, match="voter: index 5"):
        best_misreport(get_rule("mean"), ContinuousProfile([0.1, 0.2]), 5)


# ------------------------------------------------------------ the reporting game
@given(st.lists(unit, min_size=1, max_size=8))
@settings(max_examples=25)
def test_mean_rule_equilibrium_is_verified_by_best_responses(peaks):
    eq = mean_rule_equilibrium(peaks)
    assert eq.max_gain <= 1e-7
    assert eq.outcome == pytest.approx(np.mean(eq.reports))
    assert np.all((eq.reports >= 0) & (eq.reports <= 1))
    # independent re-check with the grid search (not the closed form)
    profile = ContinuousProfile(eq.reports)
    for i, peak in enumerate(peaks):
        response = grid_best_misreport(get_rule("mean"), profile, i, peak=peak, grid_size=201)
        assert abs(response.outcome - peak) >= abs(eq.outcome - peak) - 1e-9


def test_equilibrium_outcome_is_the_unique_one_on_a_report_grid():
    # Two voters, reports on the grid {0, 1/10, ..., 1}: enumerate every pure profile, keep the
    # Nash equilibria (no profitable grid deviation), compare outcomes with the formula.
    peaks = [0.2, 0.9]
    grid = np.linspace(0, 1, 11)
    outcomes = set()
    for r0, r1 in itertools.product(grid, grid):
        mean = (r0 + r1) / 2
        ok0 = all(abs((d + r1) / 2 - peaks[0]) >= abs(mean - peaks[0]) - 1e-12 for d in grid)
        ok1 = all(abs((r0 + d) / 2 - peaks[1]) >= abs(mean - peaks[1]) - 1e-12 for d in grid)
        if ok0 and ok1:
            outcomes.add(round(mean, 9))
    # median(0.2, 0.9, phantom 1/2) = 1/2
    assert outcomes == {0.5}
    assert mean_rule_equilibrium(peaks).outcome == pytest.approx(0.5)


def test_equilibrium_known_structure_and_errors():
    eq = mean_rule_equilibrium([0.1, 0.5, 0.9])  # phantoms 1/3, 2/3: median of 5 points = 0.5
    assert eq.reports.tolist() == pytest.approx([0.0, 0.5, 1.0]) and eq.outcome == pytest.approx(0.5)
    eq = mean_rule_equilibrium([0.05, 0.1, 0.2], bounds=(0.0, 1.0))  # median(peaks, 1/3, 2/3) = 0.2
    assert eq.outcome == pytest.approx(0.2) and eq.reports.tolist() == pytest.approx([0.0, 0.0, 0.6])
    with pytest.raises(ValidationError, match="outside bounds"):
        mean_rule_equilibrium([0.5, 1.5])


# ------------------------------------------------------------ manipulable shares
def _naive_ic_share(rule, m: int, n: int) -> Fraction:
    """Independent oracle: every ordered profile, every voter, every lie (no anonymisation)."""
    rankings = [tuple(r) for r in all_rankings(m).tolist()]
    manipulable = 0
    for ordered in itertools.product(rankings, repeat=n):
        truthful = resolute_winner(rule, PreferenceProfile(np.array(ordered)))
        found = False
        for voter, lie in itertools.product(range(n), rankings):
            ballots = list(ordered)
            ballots[voter] = lie
            outcome = resolute_winner(rule, PreferenceProfile(np.array(ballots)))
            if ordered[voter].index(outcome) < ordered[voter].index(truthful):
                found = True
                break
        manipulable += found
    return Fraction(manipulable, len(rankings) ** n)


@pytest.mark.parametrize("name", ["plurality", "borda"])
def test_manipulable_share_matches_brute_force_over_ordered_profiles(name):
    share = manipulable_share(get_rule(name), 3, 3)
    assert share.n_profiles == math.comb(6 + 3 - 1, 3) == 56
    assert share.ic_share == _naive_ic_share(get_rule(name), 3, 3)
    assert share.iac_share == Fraction(share.n_manipulable, share.n_profiles)
    assert 0 < share.iac_share < 1


@pytest.mark.parametrize("name", list_rules("ranked"))
def test_no_ranked_rule_is_manipulable_with_two_candidates(name):
    # With two candidates every rule here is majority rule plus a fixed tie-break, which is
    # monotone; a voter can only help its favourite by ranking it first, so misreporting
    # never pays (the Gibbard-Satterthwaite theorem needs >= 3 alternatives): share 0.
    for n in (1, 2, 3, 4):
        share = manipulable_share(get_rule(name), 2, n)
        assert share.n_profiles == n + 1 and share.n_manipulable == 0, n


# ---------------------------------------------------------- adversarial cases (review)
def test_phantoms_at_infinity_give_no_gain_and_no_nan():
    # three phantoms at +inf outvote one voter: the outcome is +inf whatever it reports
    rule = get_rule("generalized_median", phantoms=[np.inf, np.inf])
    profile = ContinuousProfile([0.3])
    for find in (best_misreport, grid_best_misreport):
        result = find(rule, profile, 0)
        assert result.outcome == np.inf and result.gain == 0.0 and result.best_report == 0.3


def test_a_look_alike_rule_is_not_given_the_median_closed_form():
    # same name as the registered median but a different function: only the grid may judge it
    from sedtheory.social_choice.registry import VotingRule

    doubled = VotingRule("median", "continuous", lambda profile: 2 * float(np.median(profile.reports)))
    result = best_misreport(doubled, ContinuousProfile([0.1, 0.2, 0.9]), 1, peak=0.2)
    assert result.method == "grid" and result.gain > 0  # report 0.1 -> outcome 0.2 = peak


@given(profile=continuous_profiles(n_voters=(1, 6), bounds=(-3.0, 3.0)), data=st.data())
@settings(max_examples=30)
def test_closed_forms_match_the_grid_on_other_bounds_and_phantoms(profile, data):
    # report space [-1, 2], peaks anywhere in [-3, 3], phantoms possibly at ±inf
    voter = data.draw(st.integers(0, profile.n_voters - 1))
    peak = data.draw(st.floats(-3.0, 3.0))
    size = data.draw(st.integers(0, 2)) * 2 + (1 - profile.n_voters % 2)
    phantoms = data.draw(st.lists(st.sampled_from([-np.inf, np.inf, -0.5, 0.5, 1.5]), min_size=size, max_size=size))
    for rule in (get_rule("mean"), get_rule("median"), get_rule("generalized_median", phantoms=phantoms)):
        exact = best_misreport(rule, profile, voter, peak=peak, bounds=(-1.0, 2.0))
        grid = grid_best_misreport(rule, profile, voter, peak=peak, bounds=(-1.0, 2.0), grid_size=301)
        assert abs(exact.outcome - peak) <= abs(grid.outcome - peak) + 1e-9
        assert float(rule(profile.replace_report(voter, exact.best_report))) == pytest.approx(exact.outcome, abs=1e-12)
