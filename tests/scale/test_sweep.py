"""Sweeps on a local Ray (2 CPUs): a killed worker's trial is retried from its checkpoint and ends
bit-identical to an uninterrupted run; a sweep started again skips finished trials; the command."""

import csv
import json
import threading
import time
from pathlib import Path

import pytest
import torch

pytest.importorskip("ray")

from sedtheory._validate import ValidationError  # noqa: E402
from sedtheory.rl.checkpoint import load_torch  # noqa: E402
from sedtheory.scale.runner import FAULT_MARKER, TRIALS_DIR, is_finished, run_sweep, run_trial  # noqa: E402
from sedtheory.scale.spec import spec_from_dict, trials  # noqa: E402

TIMING = {"charts/SPS", "charts/agent_SPS"}
# tiny preset, 800 steps: 4 updates = 2 episodes, a checkpoint after each
SPEC = {"preset": "tiny", "seeds": [1, 2], "set": {"total_timesteps": 800, "log_tensorboard": False}}


def _rows(run_dir):
    with open(run_dir / "metrics.csv", newline="") as stream:
        return [{k: v for k, v in r.items() if k not in TIMING} for r in csv.DictReader(stream)]


def _same_weights(a, b):
    left, right = load_torch(a / "policies.pt"), load_torch(b / "policies.pt")
    for net in ("players", "principal"):
        assert left[net].keys() == right[net].keys()
        for name in left[net]:
            assert torch.equal(left[net][name], right[net][name]), f"{net}.{name}"


@pytest.fixture(scope="module")
def killed_sweep(local_ray, tmp_path_factory):
    """The sweep of SPEC in which the worker of trial seed=1 ends itself halfway through episode 2
    (after the checkpoint of episode 1) on its first attempt."""
    folder = tmp_path_factory.mktemp("sweep")
    spec = spec_from_dict(SPEC)
    result = run_sweep(spec, folder, max_retries=2, progress=False, kill={"seed=1": 2})
    return spec, folder, result


def test_killed_worker_is_retried_and_the_sweep_completes(killed_sweep):
    spec, folder, result = killed_sweep
    assert result.failed == {}
    assert sorted(result.outcomes) == ["seed=1", "seed=2"]
    marker = (folder / TRIALS_DIR / "seed=1" / FAULT_MARKER).read_text()
    dead_pid = int(marker.split()[1])
    retried = result.outcomes["seed=1"].result
    assert retried["completed"] and retried["attempt_resumed"] and retried["pid"] != dead_pid
    assert not result.outcomes["seed=2"].result["attempt_resumed"]
    assert all(is_finished(folder / TRIALS_DIR / t.name) for t in result.trials)
    # every trial's results: 2 seeds in the one setting, rows for both trials, files written
    assert [row["seeds"] for row in result.group_rows] == [2]
    assert [row["episodes"] for row in result.trial_rows] == [2, 2]
    names = {p.split("/")[-1] for p in result.files}
    assert {"results.csv", "trials.csv", "results.txt", "curves.png", "final.png"} <= names
    with open(folder / "results.csv", newline="") as stream:
        assert len(list(csv.DictReader(stream))) == 1


def test_killed_trial_equals_an_uninterrupted_run(killed_sweep, tmp_path):
    spec, folder, _ = killed_sweep
    trial = next(t for t in trials(spec) if t.name == "seed=1")
    run_trial(trial.config, tmp_path / "whole")                      # in this process, never killed
    _same_weights(folder / TRIALS_DIR / "seed=1", tmp_path / "whole")
    assert _rows(folder / TRIALS_DIR / "seed=1") == _rows(tmp_path / "whole")
    assert len(_rows(tmp_path / "whole")) == trial.config.num_updates


def test_started_again_the_sweep_skips_finished_trials(killed_sweep):
    spec, folder, first = killed_sweep
    stamps = {t.name: (folder / TRIALS_DIR / t.name / "policies.pt").stat().st_mtime_ns for t in first.trials}
    again = run_sweep(spec, folder, progress=False, plots=False)
    assert sorted(again.skipped) == ["seed=1", "seed=2"] and again.outcomes == {}
    assert stamps == {t.name: (folder / TRIALS_DIR / t.name / "policies.pt").stat().st_mtime_ns for t in again.trials}
    assert again.group_rows == first.group_rows


def test_resume_runs_only_the_unfinished_trials(local_ray, tmp_path):
    spec = spec_from_dict({**SPEC, "seeds": [3, 4]})
    done = next(t for t in trials(spec) if t.name == "seed=3")
    run_trial(done.config, tmp_path / TRIALS_DIR / done.name)         # finished before the sweep starts
    started = next(t for t in trials(spec) if t.name == "seed=4")
    run_trial(started.config, tmp_path / TRIALS_DIR / started.name, until_updates=1)   # one episode, checkpointed
    result = run_sweep(spec, tmp_path, progress=False, plots=False)
    assert result.skipped == ["seed=3"] and list(result.outcomes) == ["seed=4"]
    assert result.outcomes["seed=4"].result["attempt_resumed"]
    run_trial(started.config, tmp_path / "whole")
    _same_weights(tmp_path / TRIALS_DIR / "seed=4", tmp_path / "whole")


def test_a_folder_of_another_sweep_is_refused(killed_sweep):
    _, folder, _ = killed_sweep
    with pytest.raises(ValidationError, match="sweep_dir: .* holds another sweep"):
        run_sweep(spec_from_dict({**SPEC, "seeds": [1, 2, 3]}), folder, progress=False)


def test_unknown_trial_to_kill_is_refused(local_ray, tmp_path):
    with pytest.raises(ValidationError, match="kill: no trial named 'seed=9'"):
        run_sweep(spec_from_dict(SPEC), tmp_path, progress=False, kill={"seed=9": 1})


def test_a_sweep_without_ray_equals_the_ray_sweep(killed_sweep, tmp_path):
    spec, folder, result = killed_sweep
    local = run_sweep(spec, tmp_path, address="local", progress=False, plots=False)
    assert local.failed == {} and sorted(local.outcomes) == ["seed=1", "seed=2"]
    for trial in local.trials:
        _same_weights(folder / TRIALS_DIR / trial.name, tmp_path / TRIALS_DIR / trial.name)
        assert _rows(folder / TRIALS_DIR / trial.name) == _rows(tmp_path / TRIALS_DIR / trial.name)
    assert local.group_rows == result.group_rows


def test_fault_injection_without_ray_is_refused(tmp_path):
    with pytest.raises(ValidationError, match="kill: fault injection ends the worker process"):
        run_sweep(spec_from_dict(SPEC), tmp_path, address="local", progress=False, kill={"seed=1": 1})


def test_a_failing_trial_is_reported_not_retried(local_ray, tmp_path):
    spec = spec_from_dict({**SPEC, "seeds": [5]})
    (tmp_path / TRIALS_DIR / "seed=5").mkdir(parents=True)
    (tmp_path / TRIALS_DIR / "seed=5" / "checkpoints").mkdir()
    (tmp_path / TRIALS_DIR / "seed=5" / "checkpoints" / "last.pt").write_bytes(b"not a checkpoint")
    result = run_sweep(spec, tmp_path, progress=False, plots=False)
    assert list(result.failed) == ["seed=5"]
    assert "n/a" in result.table


def test_sweep_command(local_ray, tmp_path, capsys):
    from sedtheory.cli import main

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"preset": "tiny", "set": {"total_timesteps": 400, "log_tensorboard": False}}))
    status = main(["sweep", "--spec", str(spec), "--sweep-dir", str(tmp_path / "s"), "--seeds", "1", "2",
                   "--grid", "fixed_rates=0/0/0,1/1/1", "--no-progress"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "4 trials: 0 already finished, 4 run now, 0 failed" in out
    assert "1.0/1.0/1.0" in out and (tmp_path / "s" / "plots" / "final.png").exists()
    assert (tmp_path / "s" / TRIALS_DIR / "fixed_rates=1.0_1.0_1.0,seed=2" / "summary.json").exists()
    assert main(["sweep", "--spec", str(spec), "--sweep-dir", str(tmp_path / "s"), "--grid", "gamma=1.5"]) == 2
    assert "gamma: must lie in [0, 1], got 1.5" in capsys.readouterr().err


def _slow_trial(config: dict, run_dir: str) -> dict:
    """A trial whose engine sleeps 20 ms per step (an update of the tiny preset then takes over
    2 s), so that the driver's Ctrl-C surely lands while it trains."""
    import time

    from sedtheory.rl.config import config_from_dict
    from sedtheory.rl.envs import AppleFactory
    from sedtheory.rl.trainer import Trainer
    from sedtheory.scale.runner import _folder_lock

    class SlowFactory(AppleFactory):
        def make(self, num_games, seed, types=None):
            env = super().make(num_games, seed, types)
            step = env.step

            def slow(actions):
                time.sleep(0.02)
                return step(actions)
            env.step = slow
            return env

    config = config_from_dict(config)
    with _folder_lock(Path(run_dir)):          # as run_trial holds it
        return Trainer(config, run_dir, SlowFactory(config)).train()


def test_ctrl_c_then_the_same_sweep_again_completes_bit_exactly(local_ray, tmp_path):
    """Ctrl-C in the driver (a KeyboardInterrupt at the first progress poll after the trial has
    logged an update): the running task is cancelled and saves its last episode-boundary
    checkpoint; the sweep run again finishes the trial from there, equal to an uninterrupted run."""
    import sys

    from ray import cloudpickle

    from sedtheory.rl.config import config_to_dict
    from sedtheory.scale.runner import prepare_sweep_folder, run_tasks

    cloudpickle.register_pickle_by_value(sys.modules[__name__])   # the workers cannot import this test module
    spec = spec_from_dict({**SPEC, "seeds": [6], "set": {**SPEC["set"], "total_timesteps": 4000}})   # 20 updates
    (trial,) = prepare_sweep_folder(spec, tmp_path)
    run_dir = tmp_path / TRIALS_DIR / trial.name

    def interrupt(finished):
        if (run_dir / "metrics.csv").exists() and len((run_dir / "metrics.csv").read_text().splitlines()) > 1:
            raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            run_tasks({trial.name: ((config_to_dict(trial.config), str(run_dir)), {})}, function=_slow_trial,
                      progress=interrupt, poll_s=0.05)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert not is_finished(run_dir)
    saved = load_torch(run_dir / "checkpoints" / "last.pt")["update"]
    assert 0 <= saved < trial.config.num_updates and saved % trial.config.updates_per_episode == 0
    result = run_sweep(spec, tmp_path, progress=False, plots=False)
    assert result.outcomes[trial.name].result["attempt_resumed"]
    run_trial(trial.config, tmp_path / "whole")
    _same_weights(run_dir, tmp_path / "whole")
    assert _rows(run_dir) == _rows(tmp_path / "whole")


def test_trial_folders_are_ordinary_run_folders(killed_sweep, tmp_path, capsys):
    """A trial folder is read by `sedtheory evaluate` and continued by `sedtheory train --resume`."""
    from sedtheory.cli import main
    from sedtheory.rl.evaluate import evaluate_run

    spec, folder, _ = killed_sweep
    out = evaluate_run(folder / TRIALS_DIR / "seed=2", seeds=1, num_games=2, grid=(0.0, 1.0), plots=False, gif=False)
    assert out["rows"][0]["policy"] == "trained principal" and out["rows"][0]["episodes"] == 2
    trial = next(t for t in trials(spec_from_dict({**SPEC, "seeds": [7]})))
    run_trial(trial.config, tmp_path / trial.name, until_updates=1)            # stopped after its first episode
    assert main(["train", "--resume", str(tmp_path / trial.name), "--no-report"]) == 0
    assert is_finished(tmp_path / trial.name)
    run_trial(trial.config, tmp_path / "whole")
    _same_weights(tmp_path / trial.name, tmp_path / "whole")
    capsys.readouterr()


def test_a_second_attempt_on_a_folder_waits_for_the_first(tmp_path):
    """run_trial holds the run folder's lock: while another holder has it, nothing is written."""
    from sedtheory.scale.runner import _folder_lock

    (trial,) = trials(spec_from_dict({**SPEC, "seeds": [8]}))
    run_dir = tmp_path / trial.name
    run_dir.mkdir()
    with _folder_lock(run_dir):
        worker = threading.Thread(target=run_trial, args=(trial.config, run_dir), kwargs={"until_updates": 1})
        worker.start()
        time.sleep(2.0)
        assert worker.is_alive() and not (run_dir / "config.json").exists()
    worker.join(timeout=120)
    assert not worker.is_alive() and (run_dir / "checkpoints" / "last.pt").exists()
