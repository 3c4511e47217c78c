"""`sedtheory vote RULE BALLOTS.json` and `sedtheory vote-rules`."""

import json

import pytest

from sedtheory.cli import main

TENNESSEE = {
    "candidates": ["Memphis", "Nashville", "Chattanooga", "Knoxville"],
    "rankings": [["Memphis", "Nashville", "Chattanooga", "Knoxville"],
                 ["Nashville", "Chattanooga", "Knoxville", "Memphis"],
                 ["Chattanooga", "Knoxville", "Nashville", "Memphis"],
                 ["Knoxville", "Chattanooga", "Nashville", "Memphis"]],
    "counts": [42, 26, 15, 17],
}


def _write(tmp_path, data, name="ballots.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


@pytest.mark.parametrize("rule, winner", [("plurality", "Memphis"), ("borda", "Nashville"),
                                          ("instant_runoff", "Knoxville"), ("schulze", "Nashville")])
def test_vote_prints_winners_by_name(tmp_path, capsys, rule, winner):
    assert main(["vote", rule, _write(tmp_path, TENNESSEE)]) == 0
    assert json.loads(capsys.readouterr().out) == {"rule": rule, "winners": [winner]}


def test_vote_reports_all_ties_and_breaks_them_only_when_asked(tmp_path, capsys):
    path = _write(tmp_path, {"rankings": [[0, 1, 2], [1, 2, 0], [2, 0, 1]]})
    assert main(["vote", "borda", path]) == 0
    assert json.loads(capsys.readouterr().out)["winners"] == [0, 1, 2]
    assert main(["vote", "borda", path, "--tie-break", "random", "--seed", "3"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["vote", "borda", path, "--tie-break", "random", "--seed", "3"]) == 0
    assert json.loads(capsys.readouterr().out) == first and first["winner"] in (0, 1, 2)


def test_vote_continuous_and_approval(tmp_path, capsys):
    assert main(["vote", "mean", _write(tmp_path, {"reports": [0.2, 0.4, 0.9]})]) == 0
    assert json.loads(capsys.readouterr().out)["value"] == pytest.approx(0.5)
    data = {"reports": [0.1, 0.2, 0.5, 0.6, 0.9], "params": {"proportion": 0.2}}
    assert main(["vote", "trimmed_mean", _write(tmp_path, data)]) == 0
    # floor(0.2 * 5) = 1 report cut at each end: mean(0.2, 0.5, 0.6) = 1.3 / 3
    assert json.loads(capsys.readouterr().out)["value"] == pytest.approx(13 / 30)
    assert main(["vote", "approval", _write(tmp_path, {"approvals": [[1, 0], [1, 1], [0, 1]], "counts": [2, 1, 1]})]) == 0
    assert json.loads(capsys.readouterr().out)["winners"] == [0]


@pytest.mark.parametrize("data, message", [
    ("{not json", "not valid JSON"),
    ({"rankings": [[0, 1, 1]]}, "rankings: row 0 is not a permutation"),
    ({"rankings": [[0, 1]], "counts": [-1]}, "counts: negative count"),
    ({"candidates": ["a", "b"], "rankings": [["a", "c"]]}, "unknown candidate 'c'"),
    ({"reports": [0.1]}, "needs a 'rankings' list"),
])
def test_vote_errors_are_one_line(tmp_path, capsys, data, message):
    assert main(["vote", "borda", _write(tmp_path, data)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("sedtheory: error:") and message in err and "\n" not in err


def test_unknown_rule_and_missing_file(tmp_path, capsys):
    assert main(["vote", "bordaa", _write(tmp_path, TENNESSEE)]) == 2
    assert "unknown voting rule 'bordaa'" in capsys.readouterr().err
    assert main(["vote", "borda", str(tmp_path / "missing.json")]) == 2
    assert "No such file" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["vote-rules"], ["vote", "--list"]])
def test_vote_rules_lists_the_registry(argv, capsys):
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("schulze") and "ranked" in line for line in lines)
    assert any(line.startswith("mean") and "continuous" in line for line in lines)


@pytest.mark.parametrize("argv", [["vote"], ["vote", "borda"]])
def test_vote_without_rule_and_ballots_is_a_one_line_error(argv, capsys):
    assert main(argv) == 2
    assert capsys.readouterr().err.strip() == "sedtheory: error: vote: needs RULE and BALLOTS.json (or --list)"


@pytest.mark.parametrize("data, message", [
    ({"reports": [0.1, 0.5], "params": {"foo": 1}}, "params: rule 'trimmed_mean' has no parameter 'foo' (it takes: proportion)"),
    ({"reports": [0.1, 0.5], "params": [1]}, "params: expected a JSON object"),
    ({"reports": [0.1, 0.5], "params": {"proportion": "x"}}, "proportion: expected a number"),
    ({"reports": [0.1, 0.5], "params": {"proportion": 0.5}}, "proportion: must lie in [0, 0.5)"),
])
def test_bad_rule_parameters_are_one_line_errors(tmp_path, capsys, data, message):
    assert main(["vote", "trimmed_mean", _write(tmp_path, data)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


@pytest.mark.parametrize("data, message", [
    ({"rankings": [[0, 1]], "counts": [1e300]}, "counts: value 1e+300 at index (0,) does not fit in int64"),
    ({"candidates": "ab", "rankings": [["a", "b"]]}, "candidates: expected a list of names"),
])
def test_bad_counts_and_candidates_are_named(tmp_path, capsys, data, message):
    assert main(["vote", "borda", _write(tmp_path, data)]) == 2
    assert message in capsys.readouterr().err
