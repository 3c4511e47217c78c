"""The grid mode of the continuous axioms (``grid_violations``): every ordered profile of 1..n
voters with reports on ``linspace(low, high, points)``, each axiom in a form complete there."""

import numpy as np
import pytest

from sedtheory import ValidationError
from sedtheory.social_choice import get_axiom, get_rule, grid_violations, list_axioms
from sedtheory.social_choice.axioms import GRID_JUMP, GRID_RESOLUTION

from _voting_examples import first_voter, overshoot, step_rule  # noqa: E402

REGISTERED = ["mean", "median", "trimmed_mean", "generalized_median"]
GRID = np.linspace(0.0, 1.0, 5)


@pytest.mark.parametrize("name", REGISTERED)
@pytest.mark.parametrize("axiom", ["anonymity", "unanimity", "range_respecting", "continuity"])
def test_registered_rules_satisfy_the_axioms_on_the_whole_grid(name, axiom):
    # by definition each rule is a symmetric function of the sorted reports, returns x on (x, ..., x),
    # and is continuous. Range: the generalized median's default n + 1 phantoms lie in [0, 1];
    # were every report above the median (the (n+1)-th smallest of 2n + 1 points), all n + 1
    # phantoms would lie below the smallest report, which then exceeds 1 -- so on [0, 1] it
    # respects the range (and symmetrically from above).
    assert grid_violations(axiom, get_rule(name), 3) == []


@pytest.mark.parametrize("name", ["median", "generalized_median"])
def test_medians_are_strategy_proof_on_the_grid(name):
    # Moulin (1980): generalized medians (the lower median is one, a phantom at -inf for even n)
    # are strategy-proof for single-peaked voters
    assert grid_violations("strategy_proofness", get_rule(name), 4) == []


def test_mean_is_manipulable_and_the_first_witness_is_minimal():
    # by hand: reports (0, 1/4) give the mean 1/8; the voter with peak 1/4 reports 1/2 and gets
    # 1/4, its peak (gain 1/8). One voter alone always gets its peak, so 2 voters is minimal.
    witness = grid_violations("strategy_proofness", get_rule("mean"), 3)[0]
    assert witness.profile.reports.ravel().tolist() == [0.0, 0.25]
    assert witness.variant.reports.ravel().tolist() == [0.0, 0.5]
    assert (witness.expected, witness.got) == (pytest.approx(0.125), pytest.approx(0.25))
    assert grid_violations("strategy_proofness", get_rule("mean"), 1) == []


@pytest.mark.parametrize("rule, axiom, n", [
    (step_rule, "continuity", 1), (first_voter, "anonymity", 2), (overshoot, "range_respecting", 1),
    (overshoot, "unanimity", 1), (get_rule("generalized_median", phantoms=[0.6, 0.6]), "range_respecting", 1),
])
def test_grid_mode_catches_broken_rules_at_the_smallest_electorate(rule, axiom, n):
    found = grid_violations(axiom, rule, 3)
    assert found and found[0].axiom == axiom and found[0].profile.n_voters == n
    if n > 1:
        assert grid_violations(axiom, rule, n - 1) == []


def test_continuity_witness_brackets_the_jump_within_the_resolution():
    witness = grid_violations("continuity", step_rule, 2)[0]
    left, right = witness.profile.reports.mean(), witness.variant.reports.mean()
    assert 0 < right - left <= GRID_RESOLUTION and left <= 0.5 <= right
    assert witness.got == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(5))
def test_every_jump_above_the_threshold_is_found_and_none_below(seed):
    # a monotone rule with one jump of size J at a random place t (seeded): found when
    # J > GRID_JUMP x width, wherever t lies; a jump below the threshold is not reported
    rng = np.random.default_rng(seed)
    t = float(rng.uniform(0.05, 0.95))

    def jumpy(size):
        return lambda profile: float(profile.reports.mean() + size * (profile.reports.mean() >= t))

    found = grid_violations("continuity", jumpy(2 * GRID_JUMP), 1)
    assert found and found[0].profile.reports[0, 0] <= t <= found[0].variant.reports[0, 0]
    assert grid_violations("continuity", jumpy(GRID_JUMP / 2), 2) == []


def test_bounds_and_points_set_the_grid():
    # on [-1, 1] with 3 points the first mean witness is reports (-1, 0): the second voter
    # reports 1 and gets 0, its peak
    witness = grid_violations("strategy_proofness", get_rule("mean"), 2, points=3, bounds=(-1.0, 1.0))[0]
    assert witness.profile.reports.ravel().tolist() == [-1.0, 0.0]
    assert witness.variant.reports.ravel().tolist() == [-1.0, 1.0]


def test_an_axiom_without_a_grid_form_runs_its_finder_on_every_grid_profile():
    from sedtheory.social_choice.axioms import Axiom

    seen = []
    custom = Axiom("custom", "continuous", lambda rule, profile, first_only: seen.append(profile) or [])
    assert grid_violations(custom, get_rule("mean"), 2) == []
    assert len(seen) == 5 + 25


@pytest.mark.parametrize("kwargs, field", [
    ({"max_voters": 0}, "max_voters"), ({"max_voters": 2, "points": 1}, "points"),
    ({"max_voters": 2, "bounds": (1.0, 0.0)}, "bounds"), ({"max_voters": 2, "bounds": (0.0, np.inf)}, "bounds"),
])
def test_bad_arguments_are_refused_naming_the_field(kwargs, field):
    with pytest.raises(ValidationError, match=field):
        grid_violations("anonymity", get_rule("mean"), **kwargs)


def test_the_grid_mode_refuses_ranked_axioms():
    with pytest.raises(ValidationError, match="axiom"):
        grid_violations(get_axiom("pareto"), get_rule("mean"), 2)


def test_every_continuous_axiom_has_a_grid_form():
    from sedtheory.social_choice.axioms import _GRID_FINDERS

    assert set(_GRID_FINDERS) == set(list_axioms("continuous"))
