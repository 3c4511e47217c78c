"""Axioms as data: checkers tested with broken rules; textbook facts checked exhaustively;
theorems (Condorcet, Gibbard-Satterthwaite, Moulin, Black) as tests that find witnesses."""

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings

from sedtheory.social_choice import (
    ContinuousProfile,
    PreferenceProfile,
    all_rankings,
    enumerate_anonymous_profiles,
    exhaustive_violations,
    find_violations,
    get_axiom,
    get_rule,
    list_axioms,
    list_rules,
    resolute_winner,
    small_domain_violations,
)
from sedtheory.testing.strategies import continuous_profiles, preference_profiles, single_peaked_profiles

from _voting_examples import first_voter, overshoot, step_rule  # noqa: E402

RANKED = list_rules("ranked")
# the rules whose textbook facts are pinned below (issue 4); every rule's are in the axiom table
# (analysis/axiom_table.py, docs/axiom_table.md) and replayed by test_axiom_table.py
CLASSIC = ("borda", "copeland", "instant_runoff", "instant_runoff_put", "kemeny", "minimax",
           "minimax_pairwise_opposition", "minimax_winning_votes", "plurality", "ranked_pairs", "schulze")
CONDORCET_CONSISTENT = ["copeland", "minimax", "minimax_winning_votes", "minimax_pairwise_opposition",
                        "schulze", "ranked_pairs", "kemeny"]


# --------------------------------------------------------- deliberately broken rules
def dictator(profile):
    """Non-anonymous: the top of whoever is listed first."""
    return (int(profile.ballots()[0, 0]),)


def always_zero(profile):
    """Non-neutral, non-unanimous, not Pareto."""
    return (0,)


def plurality_loser(profile):
    """Elects the candidates with the fewest first places: fails unanimity, Pareto, monotonicity."""
    scores = profile.plurality_scores
    return tuple(int(c) for c in np.flatnonzero(scores == scores.min()))


def condorcet_loser_if_any(profile):
    loser = profile.condorcet_loser()
    return (loser,) if loser is not None else tuple(range(profile.n_candidates))


@pytest.mark.parametrize(
    "rule, axiom",
    [
        (dictator, "anonymity"), (always_zero, "neutrality"), (always_zero, "unanimity"),
        (always_zero, "pareto"), (plurality_loser, "unanimity"), (plurality_loser, "pareto"),
        (plurality_loser, "monotonicity"), (plurality_loser, "majority"),
        (condorcet_loser_if_any, "condorcet_loser"), (condorcet_loser_if_any, "condorcet_winner"),
        (plurality_loser, "participation"), (plurality_loser, "strategy_proofness"),
    ],
)
def test_checkers_catch_broken_rules(rule, axiom):
    found = exhaustive_violations(axiom, rule, 3, 3)
    assert found, f"{axiom} checker missed a broken rule"
    witness = found[0]
    assert witness.axiom == axiom and witness.rule == rule.__name__
    assert witness.expected != witness.got


def test_checkers_do_not_cry_wolf_on_a_rule_electing_some_voters_top():
    # a control: a rule electing the top choice of one voter is Pareto efficient and unanimous,
    # even though it is not anonymous
    for axiom in ("pareto", "unanimity"):
        assert exhaustive_violations(axiom, dictator, 3, 3) == []


def test_violation_records_round_trip_through_json():
    import json

    from sedtheory.social_choice import AxiomViolation

    witness = exhaustive_violations("strategy_proofness", get_rule("borda"), 3, 3)[0]
    back = AxiomViolation.from_dict(json.loads(json.dumps(witness.to_dict())))
    assert back.profile == witness.profile and back.variant == witness.variant
    assert (back.expected, back.got, back.detail) == (witness.expected, witness.got, witness.detail)


# ------------------------------------------- textbook facts, exhaustively (3 x 5)
HOLDS = [  # (axiom, rules) pairs that hold by theorem for the irresolute rules as defined here
    ("anonymity", CLASSIC), ("neutrality", CLASSIC), ("unanimity", CLASSIC), ("pareto", CLASSIC),
    ("condorcet_winner", CONDORCET_CONSISTENT),
    # instant runoff with parallel-universe ties: every universe ends in a pairwise majority contest.
    # (Not the default variant: eliminating all tied candidates at once can leave a 3-way tie
    # that includes the Condorcet loser -- the witness instant_runoff__condorcet_loser.json.)
    ("condorcet_loser", ["borda", "copeland", "schulze", "ranked_pairs", "kemeny", "instant_runoff_put"]),
    ("majority", [r for r in CLASSIC if r != "borda"]),
    ("monotonicity", [r for r in CLASSIC if not r.startswith("instant_runoff")]),
    ("participation", ["plurality", "borda"]),  # scoring rules with a fixed tie-break
]


@pytest.mark.parametrize("axiom, rule_name", [(a, r) for a, rules in HOLDS for r in rules],
                         ids=lambda x: x if isinstance(x, str) else None)
def test_axiom_holds_on_every_profile_of_3_candidates_and_5_voters(axiom, rule_name):
    assert exhaustive_violations(axiom, get_rule(rule_name), 3, 5) == []


@pytest.mark.parametrize("rule_name", ["plurality", "borda", "instant_runoff"])
def test_non_condorcet_rules_fail_condorcet_with_3_voters(rule_name):
    witness = exhaustive_violations("condorcet_winner", get_rule(rule_name), 3, 3)[0]
    assert witness.profile.condorcet_winner() == witness.expected[0]
    assert witness.expected[0] not in witness.got or len(witness.got) > 1


@given(preference_profiles(n_candidates=(3, 6), n_voters=(5, 25)))
@settings(max_examples=25)
def test_condorcet_consistency_on_larger_random_profiles(profile):
    for name in ("copeland", "minimax", "schulze", "ranked_pairs"):
        assert get_axiom("condorcet_winner").find_violations(get_rule(name), profile) == []


# ----------------------------------------------------------------- theorems
def _majority_cycle(profile) -> bool:
    beats = profile.margins > 0
    m = profile.n_candidates
    return any(beats[a, b] and beats[b, c] and beats[c, a] for a, b, c in itertools.permutations(range(m), 3))


def test_condorcet_paradox_needs_three_voters_and_is_found():
    """Condorcet (1785): the strict majority relation can be cyclic, so no Condorcet winner."""
    for n in (1, 2):
        assert not any(_majority_cycle(p) for p in enumerate_anonymous_profiles(3, n))
    paradox = next(p for p in enumerate_anonymous_profiles(3, 3) if _majority_cycle(p))
    assert paradox.condorcet_winner() is None
    assert sorted(map(tuple, paradox.ballots().tolist())) in (
        [(0, 1, 2), (1, 2, 0), (2, 0, 1)], [(0, 2, 1), (1, 0, 2), (2, 1, 0)])


def _onto(rule, m: int, n: int = 3) -> bool:
    """Every candidate wins (after tie-breaking) at some profile of at most ``n`` voters.
    (Anti-plurality ties the unanimous profile's top two, so unanimous profiles alone are not enough.)"""
    elected = set()
    for size in range(1, n + 1):
        elected.update(resolute_winner(rule, p) for p in enumerate_anonymous_profiles(m, size))
    return elected == set(range(m))


def _not_dictatorial(rule, m: int, n: int) -> bool:
    """No voter is a dictator: for every voter position i there is an ordered profile of n
    ballots (voter i's ballot in row i) whose winner is not voter i's top choice."""
    rankings = [tuple(r) for r in all_rankings(m).tolist()]
    overruled = set()
    for ordered in itertools.product(rankings, repeat=n):
        winner = resolute_winner(rule, PreferenceProfile(np.array(ordered)))
        overruled.update(i for i in range(n) if ordered[i][0] != winner)
        if len(overruled) == n:
            return True
    return False


@pytest.mark.parametrize("name", RANKED)
def test_gibbard_satterthwaite_finds_a_manipulation(name):
    """Gibbard (1973), Satterthwaite (1975): with >= 3 alternatives every onto, non-dictatorial
    resolute rule is manipulable. Resolute = rule + lexicographic tie-breaking (smallest index)."""
    rule = get_rule(name)
    assert _onto(rule, 3) and _not_dictatorial(rule, 3, 3)
    assert exhaustive_violations("anonymity", rule, 3, 3) == []
    for n in range(2, 6):
        found = exhaustive_violations("strategy_proofness", rule, 3, n)
        if found:
            break
    witness = found[0]
    # check the witness independently: the liar strictly prefers the manipulated winner
    truthful, manipulated = witness.expected, witness.got
    assert resolute_winner(rule, witness.profile) == truthful
    assert resolute_winner(rule, witness.variant) == manipulated
    moved_from = (witness.profile.ballots().tolist(), witness.variant.ballots().tolist())
    liar = [r for r in moved_from[0] if moved_from[0].count(r) > moved_from[1].count(r)][0]
    assert liar.index(manipulated) < liar.index(truthful)


def test_dictatorship_check_catches_a_dictator():
    assert not _not_dictatorial(dictator, 3, 3)
    assert _not_dictatorial(get_rule("plurality"), 3, 3)


def _order_kept(before, after, a: int, b: int) -> bool:
    """Every voter ranks a and b the same way in both profiles (as multisets of (a-b) orders)."""
    def orders(profile):
        return sorted(bool(list(r).index(a) < list(r).index(b)) for r in profile.ballots().tolist())
    return orders(before) == orders(after)


@pytest.mark.parametrize("name", RANKED)
def test_arrow_finds_an_iia_violation(name):
    """Arrow (1951): with >= 3 alternatives a Pareto-efficient, non-dictatorial rule violates
    independence of irrelevant alternatives; the finder must exhibit it for every rule."""
    rule = get_rule(name)
    sizes = [(3, 3), (3, 4), (3, 5), (4, 3)]
    witness = next((w[0] for m, n in sizes if (w := exhaustive_violations("iia", rule, m, n))), None)
    if witness is None:  # then Arrow's premise must fail: the Condorcet rule and the Smith set are not Pareto
        assert any(small_domain_violations("pareto", rule, m, n) for m, n in sizes), "IIA and Pareto both hold?"
        return
    before, after = _winners_of(rule, witness.profile), _winners_of(rule, witness.variant)
    flipped = [(a, b) for a in before for b in after
               if a not in after and b not in before and _order_kept(witness.profile, witness.variant, a, b)]
    assert flipped, witness.detail


def _winners_of(rule, profile):
    return tuple(rule(profile))


@given(profile=continuous_profiles(n_voters=(1, 8)))
@settings(max_examples=40)
def test_moulin_generalized_medians_are_strategy_proof(profile):
    """Moulin (1980): medians with phantoms are strategy-proof for single-peaked voters."""
    axiom = get_axiom("strategy_proofness", "continuous")
    for rule in (get_rule("median"), get_rule("generalized_median"),
                 get_rule("generalized_median", phantoms=[0.3] * (profile.n_voters % 2 + 1))):
        assert axiom.find_violations(rule, profile) == []


@given(profile=continuous_profiles(n_voters=(2, 8)))
@settings(max_examples=40)
def test_mean_is_manipulable_whenever_reports_differ(profile):
    assume(np.ptp(profile.reports) > 1e-3)
    witness = get_axiom("strategy_proofness", "continuous").find_violations(get_rule("mean"), profile, first_only=True)
    assert witness
    w = witness[0]
    voter = int(np.flatnonzero(np.any(w.variant.reports != profile.reports, axis=1))[0])
    peak = profile.reports[voter, 0]
    assert abs(get_rule("mean")(w.variant) - peak) < abs(get_rule("mean")(profile) - peak) - 1e-9


@given(single_peaked_profiles(n_candidates=(2, 6), n_voters=(1, 11)))
def test_black_median_voter_theorem(profile):
    """Black (1948): single-peaked profiles with an odd number of voters have a Condorcet
    winner, the median of the peaks."""
    assume(profile.n_voters % 2 == 1)
    peaks = np.sort(profile.ballots()[:, 0])
    assert profile.condorcet_winner() == peaks[profile.n_voters // 2]


# --------------------------------------------------------------- continuous axioms
@pytest.mark.parametrize("rule, axiom, profile", [
    (step_rule, "continuity", ContinuousProfile([0.2, 0.7])),
    (first_voter, "anonymity", ContinuousProfile([0.2, 0.7])),
    (overshoot, "range_respecting", ContinuousProfile([0.2, 0.7])),
    (overshoot, "unanimity", ContinuousProfile([0.4, 0.4])),
])
def test_continuous_checkers_catch_broken_rules(rule, axiom, profile):
    found = get_axiom(axiom, "continuous").find_violations(rule, profile)
    assert found and found[0].axiom == axiom


def test_continuity_witness_localises_the_jump():
    witness = get_axiom("continuity", "continuous").find_violations(step_rule, ContinuousProfile([0.2, 0.7]))[0]
    left, right = witness.profile.reports.mean(), witness.variant.reports.mean()
    assert abs(right - left) < 1e-9 and min(left, right) <= 0.5 <= max(left, right) + 1e-12
    assert witness.got == pytest.approx(1.0)


@given(profile=continuous_profiles(n_voters=(1, 6)))
@settings(max_examples=15)
def test_registered_continuous_rules_respect_range_unanimity_anonymity_continuity(profile):
    for name in list_rules("continuous"):
        if name == "generalized_median":
            continue  # phantoms can pull the outcome outside the reports: checked below
        rule = get_rule(name)
        for axiom in list_axioms("continuous"):
            if axiom == "strategy_proofness":
                continue
            assert get_axiom(axiom, "continuous").find_violations(rule, profile) == [], (name, axiom)


def test_generalized_median_is_not_range_respecting():
    # one voter at 0.1 with two phantoms at 0.6: the median of (0.1, 0.6, 0.6) is 0.6, outside
    # the (single) report -- phantoms trade range-respect for strategy-proofness
    found = get_axiom("range_respecting", "continuous").find_violations(
        get_rule("generalized_median", phantoms=[0.6, 0.6]), ContinuousProfile([0.1]))
    assert found and found[0].got[0] == pytest.approx(0.6)


def test_find_violations_runs_over_many_profiles_and_stops_early():
    profiles = list(enumerate_anonymous_profiles(3, 3))
    assert len(find_violations("strategy_proofness", get_rule("plurality"), profiles, first_only=True)) == 1
    assert len(find_violations("strategy_proofness", get_rule("plurality"), profiles, first_only=False)) > 1
    assert {"anonymity", "neutrality", "unanimity", "pareto", "monotonicity", "condorcet_winner",
            "condorcet_loser", "majority", "iia", "participation", "strategy_proofness"} <= set(list_axioms())
    assert len(list_axioms()) >= 25


LARGER_HOLDS = [(a, r) for a, rules in HOLDS if a in ("majority", "condorcet_loser",
                                                        "monotonicity") for r in rules if r != "kemeny"]


@pytest.mark.parametrize("axiom, rule_name", LARGER_HOLDS, ids=lambda x: x if isinstance(x, str) else None)
@given(profile=preference_profiles(n_candidates=(4, 6), n_voters=(6, 15)))
@settings(max_examples=8)
def test_axiom_holds_on_larger_random_profiles(axiom, rule_name, profile):
    assert get_axiom(axiom).find_violations(get_rule(rule_name), profile, first_only=True) == []


@pytest.mark.slow
@pytest.mark.parametrize("axiom, rule_name", [(a, r) for a, rules in HOLDS for r in rules],
                         ids=lambda x: x if isinstance(x, str) else None)
def test_axiom_holds_on_every_profile_of_4_candidates_and_3_voters(axiom, rule_name):
    assert exhaustive_violations(axiom, get_rule(rule_name), 4, 3) == []


# ------------------------------------------------------- adversarial sizes (review)
@pytest.mark.parametrize("name", RANKED)
def test_no_violation_is_reported_with_a_single_candidate(name):
    # one candidate: every rule elects it and every axiom holds vacuously (a Condorcet loser
    # needs someone to lose to); a finder reporting anything here cries wolf
    rule = get_rule(name)
    for n in (1, 2, 5):
        profile = PreferenceProfile([[0]], [n])
        assert rule(profile) == (0,)
        for axiom in list_axioms():
            assert get_axiom(axiom).find_violations(rule, profile) == [], (axiom, n)


@pytest.mark.parametrize("reports", [[100000.1] * 3, [3.0, 1e16, -1e16], [0.0, 1e10], [1e10, 1e10 + 1, 1e10 + 0.5]])
@pytest.mark.parametrize("name", ["mean", "median", "trimmed_mean"])
def test_continuous_finders_do_not_mistake_round_off_for_violations(name, reports):
    # The mean of three copies of 100000.1 is not exactly 100000.1 in floats; summing
    # (3, 1e16, -1e16) in another order gives 4/3 instead of 1; bisecting a report of 1e10
    # ends on intervals shorter than its ulp. None of these is a violation of the axiom.
    profile = ContinuousProfile(reports)
    for axiom in ("anonymity", "unanimity", "range_respecting", "continuity"):
        assert get_axiom(axiom, "continuous").find_violations(get_rule(name), profile) == [], axiom


@pytest.mark.parametrize("scale", [1.0, 1e10])
def test_continuity_finds_a_jump_at_any_scale(scale):
    # the control for the round-off slack above: a genuine jump of size scale/10 is still found
    def threshold(profile):
        return scale / 10 if profile.reports.mean() > 0.5 * scale else 0.0

    found = get_axiom("continuity", "continuous").find_violations(threshold, ContinuousProfile([0.2 * scale, 0.7 * scale]))
    assert found and found[0].got == pytest.approx(scale / 10)
