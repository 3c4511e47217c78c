"""Cross-checks with pref_voting (Holliday & Pacuit), an independent implementation.

Every ranked rule shared with pref_voting must return the same winner set on seeded random
profiles and on the published examples of ``test_rules.py`` (Tennessee capital, Schulze's
Example 1). pref_voting's defaults define our defaults, so the variants are compared too.
"""

import numpy as np
import pytest

pytest.importorskip("pref_voting")
from pref_voting.c1_methods import copeland  # noqa: E402
from pref_voting.iterative_methods import instant_runoff, instant_runoff_put  # noqa: E402
from pref_voting.margin_based_methods import beat_path, minimax, minimax_support, ranked_pairs  # noqa: E402
from pref_voting.other_methods import kemeny_young  # noqa: E402
from pref_voting.profiles import Profile  # noqa: E402
from pref_voting.scoring_methods import borda, plurality  # noqa: E402

from sedtheory.social_choice import PreferenceProfile, get_rule  # noqa: E402

from _voting_examples import SCHULZE, TENNESSEE  # noqa: E402

SHARED = {
    "plurality": plurality,
    "borda": borda,
    "copeland": copeland,
    "minimax": minimax,
    "minimax_winning_votes": minimax_support,
    "schulze": beat_path,
    "instant_runoff": instant_runoff,
    "instant_runoff_put": instant_runoff_put,
    "kemeny": kemeny_young,
    "ranked_pairs": ranked_pairs,
}


def _theirs(method, profile: PreferenceProfile) -> tuple[int, ...]:
    return tuple(int(c) for c in method(Profile(profile.rankings.tolist(), profile.counts.tolist())))


def _random_profiles(seed: int, count: int, max_candidates: int, odd_only_from: int):
    """Seeded impartial-culture profiles; from ``odd_only_from`` candidates on, odd voter counts
    only (pref_voting's ranked pairs tries every order of tied margins, which explodes otherwise)."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        m = int(rng.integers(2, max_candidates + 1))
        n = int(rng.integers(1, 10))
        if m >= odd_only_from and n % 2 == 0:
            n += 1
        yield PreferenceProfile(np.array([rng.permutation(m) for _ in range(n)]))


@pytest.mark.parametrize("name", sorted(set(SHARED) - {"ranked_pairs"}))
def test_agrees_with_pref_voting_on_seeded_random_profiles(name):
    rule, method = get_rule(name), SHARED[name]
    for profile in _random_profiles(seed=2024, count=60, max_candidates=5, odd_only_from=99):
        assert rule(profile) == _theirs(method, profile), profile


def test_ranked_pairs_agrees_with_pref_voting():
    rule = get_rule("ranked_pairs")
    for profile in _random_profiles(seed=7, count=40, max_candidates=4, odd_only_from=4):
        assert rule(profile) == _theirs(ranked_pairs, profile), profile


def _tied_profiles(seed: int, count: int, max_candidates: int):
    """Even numbers of voters, two ballot types: many pairwise and first-place ties."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        m = int(rng.integers(3, max_candidates + 1))
        rows = np.array([rng.permutation(m) for _ in range(2)])
        yield PreferenceProfile(rows, rng.integers(1, 3, size=2) * 2)


def test_agree_on_many_ties():
    for profile in _tied_profiles(seed=11, count=40, max_candidates=4):
        for name, method in SHARED.items():
            if name == "ranked_pairs" and profile.n_candidates > 3:
                continue  # pref_voting's default tries all k! orders of k tied margins: too slow here
            assert get_rule(name)(profile) == _theirs(method, profile), (name, profile)


def _ranked_pairs_from_stacks(profile):
    return _theirs(lambda p: ranked_pairs(p, algorithm="from_stacks"), profile)


def test_ranked_pairs_agrees_with_pref_voting_stacks_on_tie_heavy_profiles():
    # pref_voting's "from_stacks" algorithm (Zavist & Tideman 1989: winners are the tops of
    # stacks, all m! orders tested) is exact and, unlike its default, does not try every
    # order of tied margins: an independent check on profiles with many equal margins
    for profile in _tied_profiles(seed=13, count=30, max_candidates=5):
        assert get_rule("ranked_pairs")(profile) == _ranked_pairs_from_stacks(profile), profile


def test_ranked_pairs_issue_example_agrees_with_pref_voting_stacks():
    # issue 14: 22-35 s before; pref_voting from_stacks takes ~0.2-0.8 s
    profile = PreferenceProfile([[4, 3, 1, 5, 2, 0], [0, 2, 5, 1, 3, 4]], [1, 1])
    assert get_rule("ranked_pairs")(profile) == _ranked_pairs_from_stacks(profile) == tuple(range(6))


@pytest.mark.slow
def test_ranked_pairs_agrees_on_many_ties_with_six_candidates():
    rng = np.random.default_rng(12)
    for _ in range(25):
        rows = np.array([rng.permutation(6) for _ in range(int(rng.integers(2, 5)))])
        profile = PreferenceProfile(rows, rng.integers(1, 3, size=len(rows)) * 2)
        assert get_rule("ranked_pairs")(profile) == _ranked_pairs_from_stacks(profile), profile


@pytest.mark.parametrize("name", sorted(SHARED))
def test_agree_on_published_examples(name):
    for profile in (TENNESSEE, SCHULZE):
        assert get_rule(name)(profile) == _theirs(SHARED[name], profile)


def test_benchmark_script_runs_and_agrees_on_tiny_sizes():
    # a smoke run of benchmarks/voting.py (it asserts equal winners before timing anything)
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "voting.py"
    spec = importlib.util.spec_from_file_location("voting_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.run([30], n_candidates=4, repeat=1, seed=1)
    assert {row["rule"] for row in rows} == set(module.RULES)
    assert all(row["sed_cold"] > 0 and row["pv_rule"] > 0 for row in rows)


@pytest.mark.parametrize("ours, theirs", [("margins", "margins"), ("winning_votes", "winning"),
                                          ("pairwise_opposition", "pairwise_opposition")])
def test_minimax_scores_of_every_variant_agree(ours, theirs):
    from pref_voting.margin_based_methods import minimax_scores as their_scores

    from sedtheory.social_choice.ranked_rules import minimax_scores

    for profile in _random_profiles(seed=31, count=40, max_candidates=5, odd_only_from=99):
        expected = their_scores(Profile(profile.rankings.tolist(), profile.counts.tolist()), score_method=theirs)
        # pref_voting reports -1 x (largest defeat); we report the largest defeat itself
        assert minimax_scores(profile, ours).tolist() == [-int(expected[c]) for c in range(profile.n_candidates)]


# ------------------------------------------------ issue 15: every further shared rule
def _pv():
    """Every further rule pref_voting shares with us: the benchmark's table of shared rules
    (``benchmarks/voting.py``) less the ones checked above, plus a positional rule."""
    from pref_voting import scoring_methods as sm

    from benchmarks.voting import pref_voting_methods

    further = {name: method for name, method in pref_voting_methods().items() if name not in SHARED}
    return {**further, "positional": lambda p: sm.scoring_rule(p, score=lambda m, rank: m - rank)}  # Borda, our default


SHARED_MORE = sorted(_pv())


def _mixed_profiles(seed: int, count: int, max_candidates: int):
    """Half impartial culture (one row per voter), half tie-heavy (1-3 ballot types, even counts)."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        m = int(rng.integers(2, max_candidates + 1))
        if index % 2:
            yield PreferenceProfile(np.array([rng.permutation(m) for _ in range(int(rng.integers(1, 10)))]))
        else:
            k = int(rng.integers(1, 4))
            yield PreferenceProfile(np.array([rng.permutation(m) for _ in range(k)]), rng.integers(1, 3, size=k) * 2)


@pytest.mark.parametrize("name", SHARED_MORE)
def test_further_rules_agree_with_pref_voting(name):
    rule, method = get_rule(name), _pv()[name]
    for profile in [*_mixed_profiles(seed=15, count=80, max_candidates=5), TENNESSEE, SCHULZE]:
        assert rule(profile) == _theirs(method, profile), profile


@pytest.mark.slow
@pytest.mark.parametrize("name", SHARED_MORE)
def test_further_rules_agree_with_pref_voting_on_six_candidates(name):
    rule, method = get_rule(name), _pv()[name]
    for profile in _mixed_profiles(seed=16, count=150, max_candidates=6):
        assert rule(profile) == _theirs(method, profile), profile


def test_positional_and_copeland_alpha_agree_for_other_parameters():
    from pref_voting.c1_methods import copeland as pv_copeland  # noqa: F401  (registered scores below)
    from pref_voting.scoring_methods import scoring_rule

    rng = np.random.default_rng(17)
    for profile in _mixed_profiles(seed=17, count=40, max_candidates=5):
        m = profile.n_candidates
        vector = sorted(rng.integers(0, 6, size=m).tolist(), reverse=True)
        theirs = _theirs(lambda p: scoring_rule(p, score=lambda n, rank: vector[rank - 1]), profile)
        assert get_rule("positional", scores=vector)(profile) == theirs
        pv = Profile(profile.rankings.tolist(), profile.counts.tolist())
        for alpha in (0, 0.25, 1):
            scores = pv.copeland_scores(scores=(1, alpha, 0))
            best = max(scores.values())
            assert get_rule("copeland_alpha", alpha=alpha)(profile) == tuple(c for c in sorted(scores) if scores[c] == best)


def test_scored_rules_agree_with_pref_voting_grade_methods():
    from pref_voting.grade_methods import majority_judgement, score_voting, star
    from pref_voting.grade_profiles import GradeProfile

    from sedtheory.social_choice import ScoredProfile

    rng = np.random.default_rng(18)
    for _ in range(150):
        m, k = int(rng.integers(2, 6)), int(rng.integers(1, 6))
        scores, counts = rng.integers(0, 6, size=(k, m)), rng.integers(1, 4, size=k)
        ours = ScoredProfile(scores, counts, grades=(0, 5))
        theirs = GradeProfile([{c: int(scores[r, c]) for c in range(m)} for r in range(k)], [0, 1, 2, 3, 4, 5],
                              gcounts=counts.tolist())
        for name, method in (("score_voting", score_voting), ("star", star), ("majority_judgment", majority_judgement)):
            assert get_rule(name)(ours) == tuple(int(c) for c in method(theirs)), (name, scores, counts)


# ------------------------------- every shared rule on the issue-15 strategies (Hypothesis)
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sedtheory.testing.strategies import (  # noqa: E402
    condorcet_cycle_profiles,
    tie_heavy_profiles,
    weighted_profiles,
)

ALL_SHARED = {**{name: SHARED[name] for name in SHARED if name != "ranked_pairs"}, **_pv()}
PROFILES = st.one_of(weighted_profiles(n_candidates=(2, 4), n_rows=(1, 5), max_count=6),
                     tie_heavy_profiles(n_candidates=(2, 4)),
                     condorcet_cycle_profiles(n_candidates=(3, 4), cycle_weight=(1, 3), noise_rows=(0, 2)))


@pytest.mark.parametrize("name", sorted(ALL_SHARED))
@given(profile=PROFILES)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_shared_rule_agrees_on_weighted_tie_heavy_and_cyclic_profiles(name, profile):
    assert get_rule(name)(profile) == _theirs(ALL_SHARED[name], profile)
