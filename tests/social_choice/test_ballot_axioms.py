"""Axioms for approval and scored rules (ballot_axioms): the domain, finders checked with broken
rules and hand-counted known answers, and the exhaustive mode's completeness against brute force."""

import itertools
import json
import math

import numpy as np
import pytest

from sedtheory import ValidationError
from sedtheory.social_choice import (
    ApprovalProfile,
    AxiomViolation,
    ScoredProfile,
    ballot_domain_violations,
    find_violations,
    get_axiom,
    get_rule,
    list_axioms,
)
from sedtheory.social_choice.ballot_axioms import BallotMemo, ballot_profiles, grade_vectors

AXIOMS = ("anonymity", "condorcet_winner", "homogeneity", "loser_removal", "majority", "monotonicity",
          "negative_participation", "neutrality", "pareto", "positive_participation", "reinforcement", "unanimity")


def test_the_same_axioms_are_registered_for_approval_and_scored_rules():
    assert list_axioms("approval") == list_axioms("scored") == AXIOMS


@pytest.mark.parametrize("kind, m, n, top, expected", [
    ("approval", 3, 2, 2, math.comb(8 + 1, 2)),  # 2^3 ballots, multisets of 2
    ("approval", 4, 1, 2, 16),
    ("scored", 3, 1, 2, 27),  # 3^3 grade vectors
    ("scored", 2, 3, 1, math.comb(4 + 2, 3)),  # 2^2 ballots with grades 0..1, multisets of 3
])
def test_ballot_profiles_are_every_multiset_of_ballots(kind, m, n, top, expected):
    profiles = list(ballot_profiles(kind, m, n, top=top))
    assert len(profiles) == expected
    keys = {json.dumps(p.to_dict(), sort_keys=True) for p in profiles}
    assert len(keys) == expected and all(p.n_voters == n for p in profiles)


def test_grade_vectors_enumerate_every_ballot():
    assert grade_vectors(2, (0, 1)).tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]


# ---------------------------------------------------------------- broken rules are caught
def _rule(kind, func):
    """A plain callable standing in for a rule of ``kind`` (the finders read ``kind`` and ``name``)."""
    func.kind, func.name = kind, func.__name__
    return func


def _grades(profile):
    return profile.approvals.astype(int) if isinstance(profile, ApprovalProfile) else profile.scores


def first_row_favourite(profile):  # not anonymous: the first listed ballot's best candidate
    return (int(np.argmax(_grades(profile)[0])),)


def always_zero(profile):  # not neutral, not unanimous
    return (0,)


def fewest_points(profile):  # anti-monotone: the smallest sum of grades wins
    sums = profile.counts @ _grades(profile)
    return tuple(int(c) for c in np.flatnonzero(sums == sums.min()))


@pytest.mark.parametrize("kind", ["approval", "scored"])
@pytest.mark.parametrize("func, axiom", [
    (first_row_favourite, "anonymity"), (always_zero, "neutrality"), (always_zero, "unanimity"),
    (always_zero, "majority"), (always_zero, "condorcet_winner"), (fewest_points, "pareto"),
    (fewest_points, "monotonicity"), (fewest_points, "positive_participation"),
    (fewest_points, "negative_participation"),
])
def test_finders_catch_broken_rules(kind, func, axiom):
    found = ballot_domain_violations(axiom, _rule(kind, func), 3, 2)
    assert found and found[0].axiom == axiom and found[0].expected != found[0].got


def test_reinforcement_homogeneity_and_loser_removal_catch_a_broken_rule():
    def parity(profile):  # odd electorates elect 0, even ones 1
        return (profile.n_voters % 2,)

    def without_last_wins(profile):  # the last candidate wins iff there are 3 candidates
        return (profile.n_candidates - 1,) if profile.n_candidates == 3 else (0,)

    for kind in ("approval", "scored"):
        assert ballot_domain_violations("homogeneity", _rule(kind, parity), 2, 2)
        assert ballot_domain_violations("reinforcement", _rule(kind, parity), 2, 2)
        assert ballot_domain_violations("loser_removal", _rule(kind, without_last_wins), 3, 1)


# ------------------------------------------------------------------- known answers
def test_score_voting_fails_the_majority_criterion():
    # by hand: 2 voters grade (0, 2, 1), 1 voter (0, 0, 2): a majority gives 1 the top grade and
    # every other candidate less; sums 0, 4, 4 -- candidate 2 ties with 1 (Smith 2000 discusses
    # range voting's failure of the majority criterion)
    profile = ScoredProfile([[0, 2, 1], [0, 0, 2]], [2, 1], grades=(0, 2))
    assert profile.score_sums.tolist() == [0, 4, 4]
    found = get_axiom("majority", "scored").find_violations(get_rule("score_voting"), profile)
    assert found and found[0].expected == (1,) and found[0].got == (1, 2)


def test_star_depends_on_a_losing_candidate():
    # by hand: ballots (0, 0, 2), (0, 2, 1), (2, 1, 0). Sums 2, 3, 3: the runoff 1 vs 2 is won by 1
    # (voters 2 and 3 score 1 higher). Strike loser 2: sums 2, 3, runoff 0 vs 1 is a tie
    # (voter 3 prefers 0, voter 2 prefers 1) and both win: STAR is not independent of losers.
    profile = ScoredProfile([[0, 0, 2], [0, 2, 1], [2, 1, 0]], grades=(0, 2))
    star = get_rule("star")
    assert star(profile) == (1,)
    assert star(ScoredProfile([[0, 0], [0, 2], [2, 1]], grades=(0, 2))) == (0, 1)
    found = get_axiom("loser_removal", "scored").find_violations(star, profile)
    assert found and found[0].got == (0, 1)


@pytest.mark.parametrize("name", ["approval"])
def test_approval_voting_satisfies_every_ballot_axiom_on_3_candidates_and_up_to_3_voters(name):
    # approval elects the largest approval score: Pareto, monotone, consistent (Fishburn 1978), ...
    rule = BallotMemo(get_rule(name))
    for axiom in AXIOMS:
        assert ballot_domain_violations(axiom, rule, 3, 3) == [], axiom


# ------------------------------------------ completeness of the exhaustive mode (brute force)
def _brute_positive_participation(rule, kind, m, n, top):
    """Every pair (P, P + one ballot) with P on the domain, compared directly."""
    levels = (0, 1) if kind == "approval" else tuple(range(top + 1))
    count = 0
    for profile in ballot_profiles(kind, m, n, top=top):
        before = set(rule(profile))
        grades = profile.approvals.astype(int) if kind == "approval" else profile.scores
        for ballot in itertools.product(levels, repeat=m):
            rows = np.vstack([grades, ballot])
            counts = np.append(profile.counts, 1)
            joined = (ApprovalProfile(rows.astype(bool), counts) if kind == "approval"
                      else ScoredProfile(rows, counts, (0, top)))
            after = set(rule(joined))
            count += sum(1 for x in before if ballot[x] == (1 if kind == "approval" else top) and x not in after)
    return count


@pytest.mark.parametrize("name, n", [("majority_judgment", 2), pytest.param("star", 3, marks=pytest.mark.slow)])
def test_participation_finder_finds_every_violation_brute_force_finds(name, n):
    # scores 0..2 on 3 candidates: 270 (majority judgment, 2 voters) and 162 (STAR, 3 voters)
    # violations, counted both ways
    rule = get_rule(name)
    ours = sum(len(get_axiom("positive_participation", "scored").find_violations(rule, p))
               for p in ballot_profiles("scored", 3, n, top=2))
    brute = _brute_positive_participation(rule, "scored", 3, n, 2)
    assert ours == brute and brute > 0


def test_first_witness_is_minimal_in_voters():
    rule = get_rule("star")
    witness = ballot_domain_violations("loser_removal", rule, 3, 3)[0]
    n = witness.profile.n_voters
    assert all(ballot_domain_violations("loser_removal", rule, 3, k) == [] for k in range(1, n))


# ------------------------------------------------------------------------- plumbing
def test_witnesses_of_approval_and_scored_profiles_serialise():
    for kind, rule in (("approval", _rule("approval", always_zero)), ("scored", get_rule("star"))):
        witness = ballot_domain_violations("neutrality" if kind == "approval" else "loser_removal", rule, 3, 3)[0]
        back = AxiomViolation.from_dict(json.loads(json.dumps(witness.to_dict())))
        assert back.profile.to_dict() == witness.profile.to_dict()
        assert back.variant.to_dict() == witness.variant.to_dict()
        assert (back.expected, back.got) == (witness.expected, witness.got)


def test_find_violations_by_name_takes_the_axiom_of_the_rules_kind():
    profile = ScoredProfile([[0, 2, 1], [0, 0, 2]], [2, 1], grades=(0, 2))
    found = find_violations("majority", get_rule("score_voting"), [profile])
    assert found and found[0].axiom == "majority" and isinstance(found[0].profile, ScoredProfile)


def test_the_exhaustive_mode_refuses_ranked_rules_and_mismatched_axioms():
    with pytest.raises(ValidationError, match="rule"):
        ballot_domain_violations("pareto", get_rule("borda"), 3, 2)
    with pytest.raises(ValidationError, match="axiom"):
        ballot_domain_violations(get_axiom("pareto", "approval"), get_rule("star"), 3, 2)
    with pytest.raises(ValidationError, match="kind"):
        list(ballot_profiles("ranked", 3, 2))


# --------------------------------------------- random profiles (sedtheory.testing strategies)
from hypothesis import given, settings  # noqa: E402

from sedtheory.testing.strategies import approval_profiles, scored_profiles  # noqa: E402


@given(approval_profiles(n_candidates=(1, 5), n_rows=(1, 5), max_count=4))
@settings(max_examples=25, deadline=None)
def test_approval_voting_satisfies_every_ballot_axiom_on_random_profiles(profile):
    # larger than the exhaustive domain: up to 5 candidates and 20 voters
    rule = get_rule("approval")
    for axiom in AXIOMS:
        assert get_axiom(axiom, "approval").find_violations(rule, profile) == [], axiom


SUM_THEOREMS = ("pareto", "unanimity", "monotonicity", "reinforcement", "homogeneity", "positive_participation",
                "negative_participation", "loser_removal")  # analysis/axiom_table.py, GRADE_SUMS


@given(scored_profiles(n_candidates=(1, 4), n_rows=(1, 4), max_count=3, top=3))
@settings(max_examples=25, deadline=None)
def test_score_voting_satisfies_the_sum_theorems_on_random_profiles(profile):
    rule = get_rule("score_voting")
    for axiom in SUM_THEOREMS:
        assert get_axiom(axiom, "scored").find_violations(rule, profile) == [], axiom


@given(scored_profiles(n_candidates=(1, 4), n_rows=(1, 4), max_count=3))
@settings(max_examples=15, deadline=None)
def test_every_ballot_finder_runs_on_every_scored_rule_and_its_records_serialise(profile):
    for name in ("majority_judgment", "score_voting", "star"):
        for axiom in AXIOMS:
            for witness in get_axiom(axiom, "scored").find_violations(get_rule(name), profile, first_only=True):
                back = AxiomViolation.from_dict(json.loads(json.dumps(witness.to_dict())))
                assert back.profile.to_dict() == witness.profile.to_dict() and back.got == witness.got


@given(approval_profiles(n_candidates=3, n_rows=(1, 3), max_count=2), scored_profiles(n_candidates=2, top=4))
@settings(max_examples=20, deadline=None)
def test_ballot_strategies_draw_valid_profiles_in_their_ranges(approval, scored):
    assert approval.n_candidates == 3 and 1 <= approval.counts.min() and approval.counts.max() <= 2
    assert scored.grades == (0, 4) and scored.scores.min() >= 0 and scored.scores.max() <= 4


def test_ballot_strategies_refuse_bad_sizes():
    with pytest.raises(ValidationError, match="top"):
        scored_profiles(top=0)
    with pytest.raises(ValidationError, match="n_rows"):
        approval_profiles(n_rows=0)


def test_ballot_strategies_are_reachable_from_the_testing_package():
    import sedtheory.testing as testing

    assert testing.approval_profiles is approval_profiles and testing.scored_profiles is scored_profiles
