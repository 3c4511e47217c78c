"""Run-folder rules (sedtheory.rl.run_folder): never replace a user's files, one process per run,
a finished run is not resumed, SIGTERM saves as Ctrl-C does; from the library and from the CLI."""

import json
import os
import signal
import socket
import subprocess
import sys

import pytest

from fake_apple import FakeAppleEnv, FakeFactory
from sedtheory._validate import ValidationError
from sedtheory.cli import main
from sedtheory.rl import run_folder
from sedtheory.rl.checkpoint import CHECKPOINT, load_torch
from sedtheory.rl.config import make_config
from sedtheory.rl.trainer import Trainer


def _config(**changes):
    base = dict(n_players=3, total_timesteps=1200, progress=False, log_tensorboard=False)   # 6 updates, 3 episodes
    return make_config("tiny", **{**base, **changes})


def _users_folder(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "metrics.csv").write_text("my,own\n1,2\n")
    (folder / "summary.json").write_text('{"mine": true}\n')
    return folder


def _contents(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_a_run_never_replaces_files_it_did_not_write(tmp_path):
    folder = _users_folder(tmp_path)
    before = _contents(folder)
    config = _config()
    with pytest.raises(ValidationError, match=r"run_dir: .* holds files sedtheory did not write \(metrics.csv, summary"):
        Trainer(config, folder, FakeFactory(config)).train()
    assert _contents(folder) == before


def test_cli_train_refuses_a_folder_of_the_users_files(tmp_path, capsys):
    folder = _users_folder(tmp_path)
    before = _contents(folder)
    assert main(["train", "--preset", "tiny", "--run-dir", str(folder), "--no-progress", "--no-report"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sedtheory: error: run_dir:") and "did not write" in err and "Traceback" not in err
    assert _contents(folder) == before


def test_cli_train_refuses_a_run_dir_that_is_a_file(tmp_path, capsys):
    path = tmp_path / "a_file"
    path.write_text("not a folder")
    assert main(["train", "--preset", "tiny", "--run-dir", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"sedtheory: error: run_dir: {path} is a file, not a folder"
    assert path.read_text() == "not a folder"


def test_an_empty_folder_is_taken_and_marked(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    config = _config()
    Trainer(config, folder, FakeFactory(config)).train(max_updates=1)
    assert (folder / run_folder.MARKER).is_file() and (folder / CHECKPOINT).is_file()
    assert not (folder / run_folder.LOCK).exists()   # released after training


def test_a_live_lock_refuses_a_second_trainer(tmp_path):
    config = _config()
    Trainer(config, tmp_path / "run", FakeFactory(config)).train(max_updates=1)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = tmp_path / "run" / run_folder.LOCK
        lock.write_text(json.dumps({"pid": sleeper.pid, "host": socket.gethostname()}))
        resumed = Trainer.resume(tmp_path / "run", FakeFactory(config))
        with pytest.raises(ValidationError, match=f"being trained by process {sleeper.pid}"):
            resumed.train()
        assert lock.exists()   # the other process's lock is left alone
        update = load_torch(tmp_path / "run" / CHECKPOINT)["update"]
        assert update == 2   # and its checkpoint untouched
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_stale_lock_is_taken_over(tmp_path):
    config = _config()
    Trainer(config, tmp_path / "run", FakeFactory(config)).train(max_updates=1)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()   # its pid now names no process (pids are not reused this fast)
    lock = tmp_path / "run" / run_folder.LOCK
    lock.write_text(json.dumps({"pid": gone.pid, "host": socket.gethostname()}))
    Trainer.resume(tmp_path / "run", FakeFactory(config)).train()
    assert (tmp_path / "run" / "summary.json").exists() and not lock.exists()


def test_two_concurrent_resumes_from_the_cli_are_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sedtheory.rl.trainer.AppleFactory", FakeFactory)   # the CLI's engine: the stand-in
    config = _config()
    Trainer(config, tmp_path / "run", FakeFactory(config)).train(max_updates=1)
    with run_folder.locked(tmp_path / "run"):   # a training of this run in progress (this process)
        assert main(["train", "--resume", str(tmp_path / "run"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"being trained by process {os.getpid()}" in err and "Traceback" not in err


def test_resuming_a_finished_run_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sedtheory.rl.trainer.AppleFactory", FakeFactory)
    config = _config()
    Trainer(config, tmp_path / "run", FakeFactory(config)).train()
    assert main(["train", "--resume", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "is finished (all 6 updates done)" in err and "sedtheory evaluate" in err


class _TerminatingFactory(FakeFactory):
    """Sends this process SIGTERM in the middle of the second episode's second rollout."""

    def __init__(self, config):
        super().__init__(config)
        self.made = 0

    def make(self, num_games, seed, types):
        env = FakeAppleEnv(self.params, num_games, seed, types=types)
        self.made += 1
        if self.made == 2:
            step = env.step

            def terminated(actions):
                if env.t == 150:
                    os.kill(os.getpid(), signal.SIGTERM)
                return step(actions)
            env.step = terminated
        return env


def test_sigterm_saves_the_checkpoint_and_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sedtheory.rl.trainer.AppleFactory", _TerminatingFactory)
    before = signal.getsignal(signal.SIGTERM)
    run = tmp_path / "run"
    argv = ["train", "--preset", "tiny", "--n-players", "3", "--total-timesteps", "1200", "--run-dir", str(run),
            "--no-progress", "--no-log-tensorboard", "--no-report"]
    assert main(argv) == 143
    out = capsys.readouterr().out
    assert "terminated (SIGTERM): checkpoint at update 2 saved; continue with: sedtheory train --resume" in out
    assert load_torch(run / CHECKPOINT)["update"] == 2   # the episode boundary before the signal
    assert signal.getsignal(signal.SIGTERM) is before     # the handler is put back
    monkeypatch.setattr("sedtheory.rl.trainer.AppleFactory", FakeFactory)
    assert main(["train", "--resume", str(run), "--no-progress", "--no-report"]) == 0   # --no-progress accepted
    assert (run / "summary.json").exists()


def test_resume_takes_no_progress_but_no_other_setting(tmp_path, capsys):
    (tmp_path / "run").mkdir()
    assert main(["train", "--resume", str(tmp_path / "run"), "--no-progress", "--seed", "3"]) == 2
    assert capsys.readouterr().err.startswith("sedtheory: error: seed: a resumed run keeps its own settings")
