"""`sedtheory solve`, `sedtheory check` and `sedtheory demo`: outputs and one-line input errors.

Game files live in tests/data/games/ (format: docs/file_formats.md); their known answers are
stated in each file's "source" field.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sedtheory.cli import main
from sedtheory.cli.solve import BayesianGame, read_game_file

DATA = Path(__file__).resolve().parents[1] / "data" / "games"
CS = DATA / "conitzer_sandholm_2006.json"
BAYES = DATA / "bayesian_two_types.json"
TWO = DATA / "two_followers.json"


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --- solve -------------------------------------------------------------------------------

def test_solve_stackelberg_known_answer(capsys):
    status, out, err = run(capsys, "solve", "stackelberg", CS)
    assert status == 0 and err == ""
    data = json.loads(out)
    # Conitzer & Sandholm (EC 2006): value 3.5 at (1/2, 1/2), follower column 1
    assert data["status"] == "optimal"
    assert data["leader_value"] == pytest.approx(3.5, abs=1e-7)
    assert data["leader_strategy"] == pytest.approx([0.5, 0.5], abs=1e-7)
    assert data["follower_actions"] == [1]
    certificate = data["certificate"]
    assert certificate["holds"] and abs(certificate["epsilon_hat"]) <= 1e-7
    assert certificate["delta_hat"] == pytest.approx([0.0], abs=1e-7)
    assert "Conitzer & Sandholm" in certificate["leader_optimum_method"]


def test_solve_two_followers(capsys):
    status, out, _ = run(capsys, "solve", "stackelberg", TWO)
    data = json.loads(out)
    assert status == 0 and data["leader_value"] == pytest.approx(1.0, abs=1e-7)  # see the file's "source"
    assert data["follower_actions"] == [1, 1] and data["certificate"]["holds"]


def test_solve_reports_no_pure_equilibrium(capsys, tmp_path):
    # two followers playing matching pennies whatever the leader does: no pure equilibrium
    payoffs = np.zeros((3, 2, 2, 2))
    payoffs[1, :] = [[1, 0], [0, 1]]
    payoffs[2, :] = [[0, 1], [1, 0]]
    path = write(tmp_path, "pennies.json", {"payoffs": payoffs.tolist()})
    status, out, err = run(capsys, "solve", "stackelberg", path)
    data = json.loads(out)
    assert status == 0 and data["status"] == "no_pure_equilibrium"
    assert data["leader_value"] is None and data["certificate"] is None
    assert err.startswith("sedtheory: warning: no leader commitment admits a pure Nash equilibrium")
    status, out, _ = run(capsys, "check", path, "--leader-strategy", "1", "0", "--follower-actions", "0", "0")
    assert status == 1 and json.loads(out)["epsilon_hat"] is None


def test_solve_npz_file(capsys, tmp_path):
    path = tmp_path / "game.npz"
    np.savez(path, leader_payoffs=np.array([[2.0, 4.0], [1.0, 3.0]]), follower_payoffs=np.eye(2))
    status, out, _ = run(capsys, "solve", "stackelberg", path)
    assert status == 0 and json.loads(out)["leader_value"] == pytest.approx(3.5, abs=1e-7)


def test_solve_bayesian_known_answer(capsys):
    status, out, err = run(capsys, "solve", "bayesian", BAYES)
    assert status == 0 and err == ""
    data = json.loads(out)
    # by hand (sedtheory/cli/demo.py): commit to row 0, types respond (0, 1), value 3
    assert data["leader_value"] == pytest.approx(3.0, abs=1e-7)
    assert data["leader_strategy"] == pytest.approx([1.0, 0.0], abs=1e-7)
    assert data["follower_actions"] == [0, 1]
    assert data["certificate"]["holds"]


# --- check -------------------------------------------------------------------------------

def test_check_holds_exit_0(capsys):
    status, out, _ = run(capsys, "check", CS, "--leader-strategy", "0.5", "0.5", "--follower-actions", "1")
    assert status == 0
    data = json.loads(out)
    assert data["holds"] and data["epsilon_hat"] == pytest.approx(0.0, abs=1e-9)


def test_check_fails_exit_1_with_witnesses(capsys):
    status, out, _ = run(capsys, "check", CS, "--leader-strategy", "0.6", "0.4", "--follower-actions", "1")
    assert status == 1
    data = json.loads(out)
    assert not data["holds"] and data["delta_hat"] == pytest.approx([0.2])
    assert data["follower_witnesses"][0]["deviation"] == 0


def test_check_with_delta(capsys):
    # x = (0.6, 0.4) with column 1 is the optimum once the follower may lose up to δ = 0.2
    status, out, _ = run(capsys, "check", CS, "--leader-strategy", "0.6", "0.4", "--follower-actions", "1",
                         "--delta", "0.2")
    assert status == 0 and json.loads(out)["epsilon_hat"] == pytest.approx(0.0, abs=1e-7)


def test_check_bayesian(capsys):
    status, out, _ = run(capsys, "check", BAYES, "--leader-strategy", "1", "0", "--follower-actions", "0", "1")
    assert status == 0 and json.loads(out)["holds"]
    status, out, _ = run(capsys, "check", BAYES, "--leader-strategy", "0.5", "0.5", "--follower-actions", "1", "0")
    assert status == 1 and json.loads(out)["epsilon_hat"] == pytest.approx(0.5, abs=1e-7)  # 3 - 2.5


# --- bad input: exit 2 and one line naming the problem ---------------------------------------

def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


BAD_FILES = [
    ("missing.json", None, "GAME: no such file"),
    ("bad.json", "{\"leader_payoffs\": [[1, 2]", "is not valid JSON (line 1"),
    ("list.json", [[1, 2]], "GAME: expected a JSON object"),
    ("keys.json", {"leader": [[1]]}, "GAME: unknown key 'leader' in"),
    # issue 14: a misspelt key is refused by name, with the nearest known key
    ("misspelt.json", {"leader_payoff": [[1]], "follower_payoffs": [[1]]},
     "GAME: unknown key 'leader_payoff' in"),
    ("partial.json", {"leader_payoffs": [[1]]}, "GAME: keys ['leader_payoffs'] in"),
    ("twice.json", '{"leader_payoffs": [[1]], "follower_payoffs": [[1]], "leader_payoffs": [[2]]}',
     "GAME: key 'leader_payoffs' appears twice"),
    ("string.json", {"leader_payoffs": [["4", 1], [2, 3]], "follower_payoffs": [[1, 0], [0, 1]]},
     "leader_payoffs: cannot be read as numbers: entry at index (0, 0) is the string '4'"),
    ("bool.json", {"leader_payoffs": [[2, 4], [1, 3]], "follower_payoffs": [[True, 0], [0, 1]]},
     "follower_payoffs: cannot be read as numbers: entry at index (0, 0) is the boolean True"),
    ("null.json", {"payoffs": [[[1, None]], [[1, 2]]]}, "payoffs: cannot be read as numbers: entry at index (0, 0, 1) is None"),
    ("name.json", {"name": 3, "leader_payoffs": [[1]], "follower_payoffs": [[1]]}, "GAME: 'name' must be text"),
    ("shape.json", {"leader_payoffs": [[1, 2]], "follower_payoffs": [[1, 2, 3]]},
     r"follower_payoffs: expected shape (1, 2), got (1, 3)"),
    ("nan.json", "{\"leader_payoffs\": [[NaN, 2]], \"follower_payoffs\": [[1, 2]]}",
     "leader_payoffs: non-finite value nan at index (0, 0)"),
    ("ragged.json", {"payoffs": [[[1, 2]], [[1]]]}, "payoffs: cannot be read as a float64 array"),
    ("game.txt", "x", "GAME: unsupported file type '.txt'"),
    ("prior.json", {"leader_payoffs": [[[1]], [[1]]], "follower_payoffs": [[[1]], [[1]]], "prior": [0.5, 0.6]},
     "prior: probabilities sum to 1.1, not 1"),
    ("negprior.json", {"leader_payoffs": [[[1]], [[1]]], "follower_payoffs": [[[1]], [[1]]], "prior": [1.5, -0.5]},
     "prior: negative probability -0.5 at index 1"),
    # issue 14: a text file named .npz was reported as "pickled data"
    ("notnpz.npz", "not a zip archive", "is not a .npz archive (numpy.savez writes a zip file)"),
]


@pytest.mark.parametrize("name, content, message", BAD_FILES, ids=[case[0] for case in BAD_FILES])
def test_bad_game_file_is_one_line(capsys, tmp_path, name, content, message):
    path = tmp_path / name if content is None else write(tmp_path, name, content)
    command = "bayesian" if "prior" in name else "stackelberg"
    status, out, err = run(capsys, "solve", command, path)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("sedtheory: error: ")
    assert message in err


def test_non_utf8_and_pickled_game_files_are_one_line(capsys, tmp_path):
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"name": "caf\u00e9", "leader_payoffs": [[1]], "follower_payoffs": [[1]]}'.encode("latin-1"))
    status, out, err = run(capsys, "solve", "stackelberg", latin1)
    assert status == 2 and err.count("\n") == 1 and "is not UTF-8 text (byte 0xe9" in err
    pickled = tmp_path / "objects.npz"
    np.savez(pickled, leader_payoffs=np.array([[1, None]], dtype=object), follower_payoffs=np.eye(2)[:1])
    status, out, err = run(capsys, "solve", "stackelberg", pickled)
    assert status == 2 and err.count("\n") == 1 and "holds Python objects (pickled arrays)" in err


def test_read_game_file_ignores_only_the_descriptive_keys(tmp_path):
    path = write(tmp_path, "described.json", {"name": "CS", "description": "d", "source": "s",
                                              "leader_payoffs": [[2, 4], [1, 3]], "follower_payoffs": [[1, 0], [0, 1]]})
    game = read_game_file(path)
    assert game.payoffs.tolist() == [[[2, 4], [1, 3]], [[1, 0], [0, 1]]]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--epsilon", "-0.1"], "epsilon: must be >= 0, got -0.1"),
        (["--delta", "-1"], "delta: must be >= 0, got -1.0"),
        (["--delta", "nan"], "delta: must be finite"),
        (["--leader-strategy", "0.5", "0.6"], "leader_strategy: probabilities sum to 1.1"),
        (["--leader-strategy", "1", "0", "0"], "got (3,)"),
        (["--follower-actions", "2"], "follower_actions[0]: action 2 out of range 0..1"),
        (["--follower-actions", "0", "1"], "follower_actions: expected 1 actions, got 2"),
    ],
)
def test_bad_check_arguments_are_one_line(capsys, extra, message):
    argv = ["check", CS, "--leader-strategy", "0.5", "0.5", "--follower-actions", "1"] + extra
    # later options override earlier ones in argparse
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == "" and err.count("\n") == 1
    assert message in err


def test_check_requires_the_profile(capsys):
    status, _, err = run(capsys, "check", CS, "--follower-actions", "1")
    assert status == 2 and "--leader-strategy: required" in err


def test_wrong_command_for_the_file(capsys):
    status, _, err = run(capsys, "solve", "stackelberg", BAYES)
    assert status == 2 and "use `sedtheory solve bayesian`" in err
    status, _, err = run(capsys, "solve", "bayesian", CS)
    assert status == 2 and "use `sedtheory solve stackelberg`" in err


def test_read_game_file_layouts():
    assert read_game_file(CS).n_followers == 1
    assert read_game_file(TWO).n_follower_actions == (2, 2)
    bayes = read_game_file(BAYES)
    assert isinstance(bayes, BayesianGame) and bayes.prior.tolist() == [0.5, 0.5]


def test_subprocess_error_has_no_traceback(tmp_path):
    path = write(tmp_path, "nan.json", "{\"leader_payoffs\": [[NaN]], \"follower_payoffs\": [[1]]}")
    proc = subprocess.run([sys.executable, "-m", "sedtheory.cli", "check", str(path), "--leader-strategy", "1",
                           "--follower-actions", "0"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "sedtheory: error: leader_payoffs: non-finite value nan at index (0, 0)"


def test_help_on_every_new_subcommand(capsys):
    for argv in (["solve", "stackelberg"], ["solve", "bayesian"], ["check"], ["demo"]):
        with pytest.raises(SystemExit) as info:
            main(argv + ["--help"])
        assert info.value.code == 0
    assert "exit 0 if it holds" in " ".join(capsys.readouterr().out.split())


# --- demo --------------------------------------------------------------------------------

def test_demo_prints_both_solutions_and_certificates(capsys):
    status, out, err = run(capsys, "demo")
    assert status == 0 and err == ""
    assert "Conitzer & Sandholm (EC 2006) 2x2 example" in out
    assert "commitment:  x = (0.5, 0.5)" in out and "leader value 3.5 (expected 3.5)" in out
    assert "commitment:  x = (1, 0)" in out and "leader value 3 (expected 3)" in out
    assert out.count("HOLDS") == 2 and "MISMATCH" not in out
    # pure commitment by hand: row 0 -> column 0, leader 2; row 1 -> column 1, leader 3; so 3.5 - 3
    assert "best pure commitment: row 1, value 3 (mixing gains the leader 0.5)" in out
    assert out.rstrip().endswith("all checks passed")


def test_demo_fails_when_an_answer_disagrees(capsys, monkeypatch):
    # the demo's check can fail: a wrong expected value must give MISMATCH and exit 1
    import sedtheory.cli.demo as demo

    monkeypatch.setattr(demo, "CS2006_VALUE", 3.4)
    status, out, _ = run(capsys, "demo")
    assert status == 1 and "MISMATCH" in out and out.rstrip().endswith("SOME CHECKS FAILED")


# --- POMG files (issue 14: unknown keys refused by name in POMG files too) ----------------------

def _pomg_fields():
    transitions = np.zeros((2, 2, 1, 2))
    transitions[0, 0, 0] = [1, 0]
    transitions[0, 1, 0] = [0, 1]
    transitions[1, :, 0] = [0, 1]
    rewards = np.zeros((2, 2, 1, 2))
    rewards[0, 1, 0] = [1, 0]
    return {"transitions": transitions.tolist(), "rewards": rewards.tolist(), "gamma": 0.9,
            "initial_distribution": [1, 0], "name": "two states"}


def test_pomg_file_round_trip_json_and_npz(tmp_path):
    from sedtheory.cli.solve import read_pomg_file
    from sedtheory.games.markov import POMG

    pomg = read_pomg_file(write(tmp_path, "pomg.json", _pomg_fields()))
    assert (pomg.n_states, pomg.n_actions, pomg.gamma) == (2, (2, 1), 0.9)
    kernels = [np.eye(2), np.full((2, 3), 1 / 3)]
    observed = POMG(pomg.transition_tensor(), pomg.rewards, kernels, gamma=0.5, horizon=3,
                    initial_distribution=[0.5, 0.5])
    path = tmp_path / "pomg.npz"
    np.savez(path, transitions=observed.transition_tensor(), rewards=observed.rewards, gamma=0.5, horizon=3,
             initial_distribution=observed.initial_distribution, observations_0=kernels[0], observations_1=kernels[1])
    back = read_pomg_file(path)
    assert back.horizon == 3 and back.n_observations == (2, 3)
    assert json.loads(json.dumps(observed.to_dict())) == POMG.from_dict(observed.to_dict()).to_dict()


@pytest.mark.parametrize("change, message", [
    ({"gama": 0.9}, "POMG: unknown key 'gama' in"),
    ({"gamma": "0.9"}, "gamma: expected a number, got '0.9'"),
    ({"rewards": [[[[1, 0]], [["1", 0]]], [[[0, 0]], [[1, 1]]]]}, "rewards: cannot be read as numbers"),
    ({"observations": [[[1.0, None], [0, 1]], [[1, 0], [0, 1]]]},
     "observations[0]: cannot be read as numbers: entry at index (0, 1) is None"),
])
def test_bad_pomg_files_are_named(tmp_path, change, message):
    from sedtheory import ValidationError
    from sedtheory.cli import CommandError
    from sedtheory.cli.solve import read_pomg_file

    fields = _pomg_fields()
    if "gama" in change:
        del fields["gamma"]
    path = write(tmp_path, "bad.json", {**fields, **change})
    with pytest.raises((CommandError, ValidationError), match=re.escape(message)):
        read_pomg_file(path)


def test_pomg_file_with_a_repeated_key_is_refused(tmp_path):
    from sedtheory.cli import CommandError
    from sedtheory.cli.solve import read_pomg_file

    text = json.dumps(_pomg_fields())[:-1] + ', "gamma": 0.5}'
    with pytest.raises(CommandError, match="POMG: key 'gamma' appears twice"):
        read_pomg_file(write(tmp_path, "twice.json", text))
