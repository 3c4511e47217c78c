"""Replay the minimal counterexamples kept as data in tests/data/witnesses/.

Each file records a violation found by ``make_witnesses.py`` (profile, variant, expected, got).
Replaying runs the axiom's finder again at the recorded profile: the recorded violation must be
found again, with the same variant and outcomes.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from sedtheory.social_choice import AxiomViolation, get_axiom, get_rule, list_rules

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


def test_witness_files_exist_for_every_ranked_rule():
    assert len(FILES) >= 20
    for name in list_rules("ranked"):
        assert (WITNESS_DIR / f"{name}__strategy_proofness.json").exists()


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
    from sedtheory.social_choice import exhaustive_violations

    data = json.loads(path.read_text())
    n, m = data["minimal_n_voters"], data["n_candidates"]
    rule = get_rule(data["rule"])
    for smaller in range(1, n):
        assert exhaustive_violations(data["axiom"], rule, m, smaller) == []
