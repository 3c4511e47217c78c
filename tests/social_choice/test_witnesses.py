"""Replay the minimal counterexamples kept as data in tests/data/witnesses/.

Each file records a violation found by ``make_witnesses.py`` (profile, variant, expected, got).
Replaying runs the axiom's finder again at the recorded profile: the recorded violation must be
found again, with the same variant and outcomes.
"""

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from sedtheory.social_choice import AxiomViolation, PreferenceProfile, exhaustive_violations, get_axiom, get_rule

from make_witnesses import CLASSIC, SEARCHES  # noqa: E402  (tests/social_choice is on sys.path)

WITNESS_DIR = Path(__file__).resolve().parents[1] / "data" / "witnesses"
FILES = sorted(WITNESS_DIR.glob("*.json"))


def _same_profile(a, b) -> bool:
    if a is None or b is None:
        return a is b
    if hasattr(a, "rankings"):
        return a == b
    return np.allclose(a.reports, b.reports, rtol=0, atol=1e-9)


def _same_value(a, b) -> bool:
    try:
        return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=0, atol=1e-9))
    except (TypeError, ValueError):
        return a == b


def test_witness_files_exist_for_every_classic_ranked_rule():
    # the issue-15 rules keep their witnesses in analysis/axiom_table_witnesses.json
    assert len(FILES) >= 20
    for name in CLASSIC:
        assert (WITNESS_DIR / f"{name}__strategy_proofness.json").exists()
        assert (WITNESS_DIR / f"{name}__iia.json").exists()


def test_every_search_of_make_witnesses_has_its_file_and_no_file_lacks_a_search():
    expected = {f"{rule}__{axiom}.json" for rule, axiom, _, _ in SEARCHES} | {"mean__strategy_proofness.json"}
    assert {p.name for p in FILES} == expected


def test_plurality_iia_witness_is_the_two_ballot_example_of_issue_15():
    # issue 15: plurality on (0>1>2),(1>2>0) elects {0, 1}; both ballots moved to (1>0>2),(2>0>1)
    # keep every 0-vs-2 order and elect {1, 2}. No single-ballot change does it on 2 voters.
    record = AxiomViolation.from_dict(json.loads((WITNESS_DIR / "plurality__iia.json").read_text()))
    assert record.profile == PreferenceProfile([[0, 1, 2], [1, 2, 0]])
    assert record.variant == PreferenceProfile([[1, 0, 2], [2, 0, 1]])
    assert (record.expected, record.got) == ((0, 1), (1, 2))
    assert get_axiom("iia_single_ballot").find_violations(get_rule("plurality"), record.profile) == []


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_replay_witness(path):
    record = AxiomViolation.from_dict(json.loads(path.read_text()))
    rule = get_rule(record.rule)
    kind = "continuous" if rule.kind == "continuous" else "ranked"
    found = get_axiom(record.axiom, kind).find_violations(rule, record.profile)
    assert any(
        _same_profile(v.variant, record.variant) and _same_value(v.expected, record.expected)
        and _same_value(v.got, record.got)
        for v in found
    ), f"{path.name}: recorded violation not reproduced; found {[v.detail for v in found]}"


def _minimality_cases():
    """Witnesses with n <= 4 voters are checked by default, larger ones with --runslow."""
    for path in FILES:
        data = json.loads(path.read_text())
        if "minimal_n_voters" in data:
            marks = [pytest.mark.slow] if data["minimal_n_voters"] > 4 else []
            yield pytest.param(path, id=path.stem, marks=marks)


@pytest.mark.parametrize("path", list(_minimality_cases()))
def test_witness_is_minimal_in_voters(path):
    """With the current finders: no violation on fewer voters, and the stored witness is the
    first one found at its own size (so a finder that grows, as IIA's did in issue 15, fails
    here until the files are regenerated with make_witnesses.py)."""
    data = json.loads(path.read_text())
    n, m = data["minimal_n_voters"], data["n_candidates"]
    rule = get_rule(data["rule"])
    for smaller in range(1, n):
        assert exhaustive_violations(data["axiom"], rule, m, smaller) == [], f"a violation with {smaller} voters"
    first = exhaustive_violations(data["axiom"], rule, m, n)[0]
    stored = AxiomViolation.from_dict(data)
    assert (first.profile, first.variant, first.expected, first.got) == \
        (stored.profile, stored.variant, stored.expected, stored.got)


# ------------------------------------------ independent check of every witness (review)
def _ballot_multiset(profile) -> Counter:
    return Counter(tuple(r) for r in profile.ballots().tolist())


def _one_ballot_changed(profile, variant) -> tuple[tuple, tuple]:
    """The (removed, added) ballots when ``variant`` is ``profile`` with one voter changed."""
    removed = _ballot_multiset(profile) - _ballot_multiset(variant)
    added = _ballot_multiset(variant) - _ballot_multiset(profile)
    assert sum(removed.values()) == 1 and sum(added.values()) == 1, "more than one voter changed"
    return next(iter(removed)), next(iter(added))


def _beats(ballots, x, y) -> bool:
    """Plain count: a strict majority ranks x above y."""
    above = sum(b.index(x) < b.index(y) for b in ballots)
    return 2 * above > len(ballots)


def _check_ranked_witness(record, rule):
    ballots = [tuple(r) for r in record.profile.ballots().tolist()]
    m = record.profile.n_candidates
    winners = set(rule(record.profile))
    if record.axiom == "strategy_proofness":
        sincere, lie = _one_ballot_changed(record.profile, record.variant)
        truthful, manipulated = min(rule(record.profile)), min(rule(record.variant))  # lexicographic ties
        assert (truthful, manipulated) == (record.expected, record.got)
        assert sincere.index(manipulated) < sincere.index(truthful), "the liar does not gain"
    elif record.axiom == "participation":
        added = _ballot_multiset(record.variant) - _ballot_multiset(record.profile)
        assert sum(added.values()) == 1 and not _ballot_multiset(record.profile) - _ballot_multiset(record.variant)
        newcomer = next(iter(added))
        before, after = min(rule(record.profile)), min(rule(record.variant))
        assert newcomer.index(before) < newcomer.index(after), "the newcomer is not hurt"
    elif record.axiom == "monotonicity":
        old, new = _one_ballot_changed(record.profile, record.variant)
        w = record.expected
        place = old.index(w)
        raised = list(old)
        raised[place - 1], raised[place] = raised[place], raised[place - 1]
        assert place > 0 and tuple(raised) == new, "the change is not 'raise the winner one place'"
        assert w in winners and w not in set(rule(record.variant))
    elif record.axiom == "iia":
        after = set(rule(record.variant))
        variant_ballots = [tuple(r) for r in record.variant.ballots().tolist()]
        pairs = [(a, b) for a in winners - after for b in after - winners
                 if sorted(x.index(a) < x.index(b) for x in ballots)
                 == sorted(x.index(a) < x.index(b) for x in variant_ballots)]
        assert pairs, "no pair a, b with a winning before, b after, and every a-b order kept"
    elif record.axiom == "condorcet_winner":
        winner = [c for c in range(m) if all(_beats(ballots, c, d) for d in range(m) if d != c)]
        assert len(winner) == 1 and winners != set(winner)
    elif record.axiom == "condorcet_loser":
        loser = [c for c in range(m) if m > 1 and all(_beats(ballots, d, c) for d in range(m) if d != c)]
        assert len(loser) == 1 and loser[0] in winners
    elif record.axiom == "majority":
        tops = Counter(b[0] for b in ballots)
        top, votes = tops.most_common(1)[0]
        assert 2 * votes > len(ballots) and winners != {top}
    else:
        raise AssertionError(f"no independent check for axiom {record.axiom!r}")


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_witness_is_a_real_violation_checked_without_the_finder(path):
    """Recompute each recorded violation from the ballots with plain loops (not the finder)."""
    record = AxiomViolation.from_dict(json.loads(path.read_text()))
    rule = get_rule(record.rule)
    if rule.kind == "continuous":  # the mean: one voter moves the outcome closer to its own report
        changed = np.flatnonzero(np.any(record.variant.reports != record.profile.reports, axis=1))
        assert changed.size == 1
        peak = float(record.profile.reports[changed[0], 0])
        assert abs(sum(record.variant.reports[:, 0]) / record.variant.n_voters - peak) < \
            abs(sum(record.profile.reports[:, 0]) / record.profile.n_voters - peak) - 1e-9
        return
    _check_ranked_witness(record, rule)
