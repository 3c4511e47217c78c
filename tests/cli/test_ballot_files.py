"""Ballot files of `sedtheory vote` (format: docs/file_formats.md): every mistake of issue 14 is
refused with one line that names it, and nothing is read silently in another way."""

import json

import pytest

from sedtheory.cli import main

# Tennessee capital (a textbook profile; e.g. Wikipedia "Tennessee capital election"): with
# the counts, Memphis has the plurality (42 of 100 first places)
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
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def _error(capsys, tmp_path, data, rule="plurality"):
    assert main(["vote", rule, _write(tmp_path, data)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and captured.err.startswith("sedtheory: error: ")
    return captured.err.strip()


def test_counts_decide_the_plurality_winner(tmp_path, capsys):
    assert main(["vote", "plurality", _write(tmp_path, TENNESSEE)]) == 0
    assert json.loads(capsys.readouterr().out)["winners"] == ["Memphis"]


def test_a_misspelt_key_is_refused_by_name(tmp_path, capsys):
    # "count" for "counts" was ignored: every row counted once and plurality tied all four cities
    data = {key if key != "counts" else "count": value for key, value in TENNESSEE.items()}
    err = _error(capsys, tmp_path, data)
    assert "BALLOTS: unknown key 'count'" in err and "did you mean 'counts'?" in err


def test_a_repeated_key_is_refused(tmp_path, capsys):
    text = '{"rankings": [[0, 1, 2]], "rankings": [[2, 1, 0]]}'  # json.loads keeps the last one
    assert "BALLOTS: key 'rankings' appears twice" in _error(capsys, tmp_path, text)
    nested = '{"reports": [0.1, 0.2], "params": {"proportion": 0.1, "proportion": 0.2}}'
    assert "key 'proportion' appears twice" in _error(capsys, tmp_path, nested, rule="trimmed_mean")


def test_duplicate_candidate_names_are_refused(tmp_path, capsys):
    # {"winners": ["a", "a"]} came out before
    err = _error(capsys, tmp_path, {"candidates": ["a", "a", "c"], "rankings": [[0, 1, 2], [1, 0, 2]]})
    assert "candidates: 'a' is named twice (positions 0 and 1)" in err


def test_non_utf8_file_is_one_line(tmp_path, capsys):
    data = '{"candidates": ["Mérida", "b"], "rankings": [[0, 1]]}'.encode("latin-1")
    assert "is not UTF-8 text (byte 0xe9" in _error(capsys, tmp_path, data)


@pytest.mark.parametrize("data, message", [
    # a truncated ranking was reported as "candidates: 3 names for 2 candidates"
    ({"candidates": ["a", "b", "c"], "rankings": [["a", "b"]]},
     "rankings[0]: ranks 2 of the 3 candidates; every ballot ranks all candidates"),
    ({"rankings": [[0, 1, 2], [1, 0]]}, "rankings[1]: ranks 2 candidates, rankings[0] ranks 3"),
    # a string was read as one ballot per letter: "not a permutation of 0..0"
    ({"candidates": ["a", "b", "c"], "rankings": "abc"}, "rankings: expected a list of ballots, got str 'abc'"),
    ({"rankings": ["abc"]}, "rankings[0]: expected a list (one ballot), got str 'abc'"),
    ({"rankings": [["a", "b"]]}, "rankings[0][0]: the name 'a' needs a 'candidates' list"),
    ({"rankings": [[True, 0]]}, "rankings[0][0]: expected a candidate name or a 0-based index, got True"),
    ({"rankings": [[0, 1], [1, 0]], "counts": [True, 1]}, "counts: cannot be read as numbers: entry at index (0,) is the boolean True"),
    ({"rankings": [[0, 1]], "counts": ["3"]}, "counts: cannot be read as numbers: entry at index (0,) is the string '3'"),
    ({"rankings": [[0, 1]], "approvals": [[1, 0]]}, "holds 'rankings' and 'approvals'; give one kind of ballot"),
    ({"candidates": [], "rankings": [[0]]}, "candidates: expected a list of names"),
])
def test_malformed_rankings_are_named(tmp_path, capsys, data, message):
    assert message in _error(capsys, tmp_path, data, rule="borda")


@pytest.mark.parametrize("data, message", [
    ({"reports": [0.1, 0.2], "counts": [1, 1]}, "counts: continuous reports take no 'counts'"),
    ({"reports": [0.1, 0.2], "candidates": ["a", "b"]}, "candidates: continuous reports take no 'candidates'"),
    ({"reports": [0.1, "0.2"]}, "reports: cannot be read as numbers: entry at index (1,) is the string '0.2'"),
    ({"reports": [0.1, None]}, "reports: cannot be read as numbers: entry at index (1,) is None"),
])
def test_malformed_reports_are_named(tmp_path, capsys, data, message):
    assert message in _error(capsys, tmp_path, data, rule="mean")


def test_descriptive_keys_are_allowed(tmp_path, capsys):
    data = {**TENNESSEE, "name": "Tennessee", "description": "capital", "source": "textbook"}
    assert main(["vote", "plurality", _write(tmp_path, data)]) == 0
    assert json.loads(capsys.readouterr().out)["winners"] == ["Memphis"]


def test_the_ballot_format_is_in_the_help(capsys):
    with pytest.raises(SystemExit):
        main(["vote", "--help"])
    out = capsys.readouterr().out
    for word in ("candidates", "rankings", "approvals", "reports", "counts", "params", "docs/file_formats.md"):
        assert word in out
