"""The rule x axiom table (analysis/axiom_table.py): its stored witnesses replay, its theorems
hold on the smallest domain, and the script runs with its defaults."""

import json
from pathlib import Path

import pytest

from sedtheory.social_choice import (
    AxiomViolation,
    ballot_domain_violations,
    get_axiom,
    get_rule,
    grid_violations,
    list_axioms,
    list_rules,
    small_domain_violations,
)

from analysis import axiom_table

ROOT = Path(__file__).resolve().parents[2]
WITNESS_FILE = ROOT / "analysis" / "axiom_table_witnesses.json"
DOC = ROOT / "docs" / "axiom_table.md"
WITNESSES = json.loads(WITNESS_FILE.read_text()) if WITNESS_FILE.exists() else {}
EXPENSIVE = {"dodgson", "young", "kemeny"}  # integer programmes / m! orders: left out of the theorem checks


def _by_rule():
    return sorted({key.split("/")[0] for key in WITNESSES})


TABLE_RULES = [r for kind in axiom_table.KINDS for r in list_rules(kind)]


def test_the_table_covers_every_registered_ranked_approval_and_scored_rule():
    assert WITNESSES, f"{WITNESS_FILE} is missing: run analysis/axiom_table.py --all (see docs/axiom_table.md)"
    # every ranked rule violates something on the domain; approval voting and the medians violate
    # nothing there
    assert set(list_rules("ranked")) <= {key.split("/")[0] for key in WITNESSES} <= set(TABLE_RULES)
    assert set(TABLE_RULES) == {r for kind in ("ranked", "approval", "scored", "continuous") for r in list_rules(kind)}
    text = DOC.read_text()
    assert all(f"| `{rule}` |" in text for rule in TABLE_RULES)
    assert "## Approval and scored rules" in text and "Which axioms apply to which kind of rule" in text
    assert "## Continuous rules" in text


def test_witness_keys_name_an_axiom_of_the_rules_kind():
    for key in WITNESSES:
        rule, axiom = key.split("/")
        assert axiom in list_axioms(get_rule(rule).kind), key


@pytest.mark.parametrize("rule_name", _by_rule())
def test_stored_witnesses_replay(rule_name):
    rule = get_rule(rule_name)
    for key, data in WITNESSES.items():
        if key.split("/")[0] != rule_name:
            continue
        record = AxiomViolation.from_dict(data)
        if rule.kind == "continuous":  # the grid form of the axiom, over the grid up to the witness's size
            grid = {**axiom_table.CONTINUOUS_GRID, "max_voters": record.profile.n_voters}
            found = grid_violations(record.axiom, rule, **grid, first_only=False)
        else:
            found = get_axiom(record.axiom, rule.kind).find_violations(rule, record.profile)
        assert any(_same(v.variant, record.variant) and v.expected == record.expected and v.got == record.got
                   for v in found), (key, record.detail)


def _same(a, b) -> bool:
    """Profiles equal as records (approval and scored profiles have no ``==``)."""
    if a is None or b is None:
        return a is b
    return type(a) is type(b) and a.to_dict() == b.to_dict()


# the script checks every theorem on its whole domain; here two rules per theorem, smaller domain
THEOREM_CASES = [(axiom, rule) for axiom, rules, _ in axiom_table.THEOREMS if rules != "*"
                 for rule in [r for r in rules if r not in EXPENSIVE][:2]]


@pytest.mark.parametrize("axiom, rule_name", THEOREM_CASES, ids=lambda x: x)
def test_theorems_of_the_table_hold_on_3_candidates_and_up_to_3_voters(axiom, rule_name):
    rule = get_rule(rule_name)
    if rule.kind == "ranked":
        assert small_domain_violations(axiom, rule, 3, 3) == []
    elif rule.kind == "continuous":
        assert grid_violations(axiom, rule, 2) == []
    else:  # approval, or scores 0..2: 3 voters of 27 ballots are 3,654 profiles; 2 voters here
        assert ballot_domain_violations(axiom, rule, 3, 3 if rule.kind == "approval" else 2) == []


def test_table_script_runs_with_its_defaults(tmp_path):
    axiom_table.main(["--out", str(tmp_path), "--rules", "plurality", "--max-voters", "2"])
    text = (tmp_path / "axiom_table.md").read_text()
    assert "| `plurality` |" in text and "## Theorems used" in text
    witnesses = json.loads((tmp_path / "axiom_table_witnesses.json").read_text())
    assert "plurality/iia" in witnesses and witnesses["plurality/iia"]["profile"]["counts"] == [1, 1]


def test_the_doc_is_the_table_its_witness_file_gives():
    # every cell is a function of the witness file (x n / T / ok): a finder or theorem list that
    # changed without re-running the script leaves the doc stale and fails here
    table = axiom_table.table_from_witnesses(WITNESSES, TABLE_RULES)
    expected = axiom_table.markdown(table, 4, 2, "analysis/axiom_table_witnesses.json")
    assert DOC.read_text() == expected, "docs/axiom_table.md is stale: re-run analysis/axiom_table.py (see its header)"


def test_update_rechecks_one_axiom_and_reads_the_others_back(tmp_path):
    args = ["--out", str(tmp_path), "--rules", "plurality", "borda", "--max-voters", "2"]
    axiom_table.main(args)
    full = (tmp_path / "axiom_table.md").read_text()
    witnesses = json.loads((tmp_path / "axiom_table_witnesses.json").read_text())
    stale = dict(witnesses)
    del stale["plurality/iia"]  # a stale file: the update must find this witness again
    (tmp_path / "axiom_table_witnesses.json").write_text(json.dumps(stale))
    axiom_table.main(args + ["--update", "iia"])
    assert json.loads((tmp_path / "axiom_table_witnesses.json").read_text()) == witnesses
    assert (tmp_path / "axiom_table.md").read_text() == full


SMALL_BALLOT_DOMAINS = {"approval": ((3, 2),), "scored": ((3, 2),)}  # seconds, not the doc's minute


def test_approval_and_scored_rules_get_their_own_table_and_axioms(tmp_path, monkeypatch):
    monkeypatch.setattr(axiom_table, "BALLOT_DOMAINS", SMALL_BALLOT_DOMAINS)
    axiom_table.main(["--out", str(tmp_path), "--rules", "plurality", "approval", "majority_judgment",
                      "--max-voters", "2"])
    text = (tmp_path / "axiom_table.md").read_text()
    ranked_header, ballot_header = [line for line in text.splitlines() if line.startswith("| rule |")]
    assert "`clone_independence`" in ranked_header and "`clone_independence`" not in ballot_header
    assert "`loser_removal`" in ballot_header and "`loser_removal`" not in ranked_header
    witnesses = json.loads((tmp_path / "axiom_table_witnesses.json").read_text())
    # by hand: grades (0, 0, 0) and (0, 1, 2); the lower median of every candidate is 0; majority
    # judgment's gauge gives 0 for candidate 0 and 1/2 (one voter above the median, none below) for
    # 1 and 2, so {1, 2} win although 2 is graded at least as high as 1 by both voters
    record = AxiomViolation.from_dict(witnesses["majority_judgment/pareto"])
    assert record.profile.scores.tolist() == [[0, 0, 0], [0, 1, 2]] and record.got == (1, 2)
    assert not any(key.startswith("approval/") for key in witnesses)
    assert "| `approval` | T | T |" in text


def test_a_theorem_contradicted_on_the_domain_stops_the_script(tmp_path, monkeypatch):
    monkeypatch.setattr(axiom_table, "BALLOT_DOMAINS", SMALL_BALLOT_DOMAINS)
    monkeypatch.setattr(axiom_table, "THEOREMS", axiom_table.THEOREMS + [("pareto", ("majority_judgment",), "false")])
    with pytest.raises(SystemExit, match="contradicted"):
        axiom_table.main(["--out", str(tmp_path), "--rules", "majority_judgment"])


def test_the_mean_is_manipulable_on_the_grid_of_the_table():
    # by hand: reports (0, 1/4) give the mean 1/8; the voter at 1/4 reports 1/2 and gets its peak
    record = AxiomViolation.from_dict(WITNESSES["mean/strategy_proofness"])
    assert record.profile.reports.ravel().tolist() == [0.0, 0.25]
    assert record.variant.reports.ravel().tolist() == [0.0, 0.5] and record.got == 0.25
