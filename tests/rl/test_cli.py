import pytest

from sedtheory.cli import main


def test_train_rejects_a_bad_config_in_one_line(tmp_path, capsys):
    assert main(["train", "--num-steps", "300", "--run-dir", str(tmp_path / "r"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sedtheory: error: num_steps") and "Traceback" not in err


def test_evaluate_needs_a_run_folder(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "missing")]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_resume_needs_a_checkpoint(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["train", "--resume", str(tmp_path / "empty")]) == 2
    assert "no checkpoint" in capsys.readouterr().err


def test_resume_refuses_settings_it_would_ignore(tmp_path, capsys):
    (tmp_path / "run").mkdir()
    assert main(["train", "--resume", str(tmp_path / "run"), "--seed", "5"]) == 2
    assert capsys.readouterr().err.startswith("sedtheory: error: seed")
    assert main(["train", "--resume", str(tmp_path / "run"), "--preset", "paper"]) == 2
    assert capsys.readouterr().err.startswith("sedtheory: error: preset")


@pytest.mark.slow
def test_train_and_evaluate_the_apple_game_end_to_end(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--preset", "tiny", "--run-dir", str(run), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "What was learned" in out and "random players, no tax" in out
    assert main(["evaluate", str(run), "--seeds", "2", "--num-games", "2", "--grid", "0", "1", "--gaps",
                 "--gap-players", "0", "--br-episodes", "1"]) == 0
    out = capsys.readouterr().out
    assert "(estimated)" in out and "leader gap 95% CI" in out
    for name in ("comparison.txt", "comparison.json", "learning_curves.png", "welfare.png", "tax_schedule.png",
                 "episode.gif", "certificate.json"):
        assert (run / "evaluation" / name).exists(), name


def test_explicit_options_override_the_preset():
    from sedtheory.cli.train import _explicit_overrides
    from sedtheory.rl.config import TrainConfig, make_config

    overrides = _explicit_overrides(TrainConfig(seed=5, num_games=4))
    assert overrides == {"seed": 5, "num_games": 4}
    config = make_config("paper", **overrides)
    assert (config.seed, config.num_games, config.minibatch_size) == (5, 4, 128)


def test_an_option_repeating_its_default_still_counts_as_given(tmp_path, capsys):
    from sedtheory.cli import main

    # --network embed equals the dataclass default but not the paper preset's conv net, so it
    # must be seen as given: with --resume, every given option is refused by name.
    assert main(["train", "--resume", str(tmp_path), "--network", "embed"]) == 2
    assert capsys.readouterr().err.strip().startswith("sedtheory: error: network: a resumed run keeps its own settings")


def test_train_offers_every_preset():
    import typing

    from sedtheory.cli.train import train
    from sedtheory.rl.config import PRESETS

    hints = typing.get_type_hints(getattr(train, "__wrapped__", train))
    assert set(typing.get_args(hints["preset"])) == set(PRESETS)
