"""Damaged run files and bad settings give one-line errors, never tracebacks or silently loaded
garbage: checksummed checkpoints, corrupt config.json, bad devices, a file where a folder goes,
and a missing torch."""

import hashlib
import io
import sys

import pytest
import torch

from fake_apple import FakeFactory
from sedtheory._validate import ValidationError
from sedtheory.cli import main
from sedtheory.rl.checkpoint import CHECKPOINT, CONFIG, MAGIC, load_json, load_torch, save_torch
from sedtheory.rl.config import make_config
from sedtheory.rl.trainer import Trainer, torch_device


def _payload():
    return {"update": 3, "weights": torch.arange(1000, dtype=torch.float32), "note": "x" * 50}


def test_the_checksum_is_the_sha256_of_the_torch_bytes(tmp_path):
    path = tmp_path / "c.pt"
    save_torch(path, _payload())
    data = path.read_bytes()
    header, body = data.split(b"\n", 1)
    assert header.startswith(MAGIC)
    assert header.decode().split("sha256=")[1].split()[0] == hashlib.sha256(body).hexdigest()   # hashlib as oracle
    assert torch.load(io.BytesIO(body), weights_only=False)["update"] == 3   # the rest is plain torch.save
    loaded = load_torch(path)
    assert loaded["update"] == 3 and torch.equal(loaded["weights"], _payload()["weights"])


@pytest.mark.parametrize("where", [0.3, 0.6, 0.95])
def test_a_flipped_byte_is_refused(tmp_path, where):
    path = tmp_path / "c.pt"
    save_torch(path, _payload())
    data = bytearray(path.read_bytes())
    data[int(where * len(data))] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ValidationError, match="damaged"):
        load_torch(path)


@pytest.mark.parametrize("damage, message", [
    (lambda data: b"", "is empty"),
    (lambda data: data[: len(data) // 2], "truncated"),
    (lambda data: data[:40], "damaged header"),
    (lambda data: bytes(range(256)) * 8, "not a readable sedtheory checkpoint"),
    (lambda data: b"PK\x03\x04" + b"\x00" * 100, "not a readable sedtheory checkpoint"),
])
def test_empty_truncated_and_random_files_are_refused(tmp_path, damage, message):
    path = tmp_path / "c.pt"
    save_torch(path, _payload())
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ValidationError, match=message):
        load_torch(path)


def test_a_checkpoint_written_before_checksums_still_loads(tmp_path):
    path = tmp_path / "old.pt"
    torch.save({"update": 7}, path)   # the format of earlier versions: plain torch.save
    assert load_torch(path) == {"update": 7}


@pytest.mark.parametrize("text, message", [("", "is empty"), ("{\"seed\": ", "not valid JSON"),
                                           (b"\xff\xfe{}", "not UTF-8")])
def test_bad_json_files_are_refused_by_name(tmp_path, text, message):
    path = tmp_path / "config.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValidationError, match=f"config.json: .*{message}"):
        load_json(path)


# ---------------------------------------------------------------------------- from the CLI
def _run(tmp_path, monkeypatch, finished=False):
    """A real run folder on the stand-in engine (the CLI builds the stand-in too)."""
    monkeypatch.setattr("sedtheory.rl.trainer.AppleFactory", FakeFactory)
    monkeypatch.setattr("sedtheory.rl.evaluate.AppleFactory", FakeFactory)
    config = make_config("tiny", n_players=3, total_timesteps=1200, progress=False, log_tensorboard=False)
    trainer = Trainer(config, tmp_path / "run", FakeFactory(config))
    trainer.train() if finished else trainer.train(max_updates=1)
    return tmp_path / "run"


DAMAGES = {"empty": b"", "random bytes": bytes(range(256)) * 4, "truncated": None, "flipped byte": None}


@pytest.mark.parametrize("damage", list(DAMAGES))
@pytest.mark.parametrize("command", ["resume", "evaluate"])
def test_a_damaged_checkpoint_is_one_line(tmp_path, monkeypatch, capsys, damage, command):
    run = _run(tmp_path, monkeypatch)
    path = run / CHECKPOINT
    data = path.read_bytes()
    if damage == "truncated":
        data = data[: len(data) - 100]
    elif damage == "flipped byte":
        data = bytearray(data)
        data[len(data) // 2] ^= 0x10
        data = bytes(data)
    else:
        data = DAMAGES[damage]
    path.write_bytes(data)
    argv = ["train", "--resume", str(run)] if command == "resume" else ["evaluate", str(run), "--no-progress"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"sedtheory: error: checkpoint: {path}") and err.count("\n") == 1, err


@pytest.mark.parametrize("text", ["", "{\"seed\": ", "[1, 2]", "\x00\x01garbage"])
def test_a_corrupt_config_json_on_resume_is_one_line(tmp_path, monkeypatch, capsys, text):
    run = _run(tmp_path, monkeypatch)
    (run / CONFIG).write_text(text)
    assert main(["train", "--resume", str(run), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sedtheory: error: config") and err.count("\n") == 1, err


def test_evaluate_ignores_a_corrupt_config_json(tmp_path, monkeypatch, capsys):
    # the checkpoint carries the run's config: evaluation never reads config.json
    run = _run(tmp_path, monkeypatch, finished=True)
    (run / CONFIG).write_text("{ not json")
    assert main(["evaluate", str(run), "--seeds", "1", "--num-games", "2", "--grid", "0", "--no-plots", "--no-gif",
                 "--no-progress"]) == 0


def test_evaluation_being_a_file_is_one_line(tmp_path, monkeypatch, capsys):
    run = _run(tmp_path, monkeypatch, finished=True)
    (run / "evaluation").write_text("mine")
    assert main(["evaluate", str(run), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"sedtheory: error: evaluation: {run / 'evaluation'} is a file; the evaluation writes a " \
                          "folder there (move the file)"


def test_evaluate_says_which_update_of_an_unfinished_run_it_grades(tmp_path, monkeypatch, capsys):
    run = _run(tmp_path, monkeypatch)   # stopped at update 2 of 6
    assert main(["evaluate", str(run), "--seeds", "1", "--num-games", "2", "--grid", "0", "--no-plots", "--no-gif",
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "the checkpoint at update 2 of 6 (the run is unfinished" in out
    assert "update 2 of 6" in (run / "evaluation" / "comparison.txt").read_text()


def test_evaluate_shows_progress(tmp_path, monkeypatch, capsys):
    run = _run(tmp_path, monkeypatch, finished=True)
    assert main(["evaluate", str(run), "--seeds", "2", "--num-games", "2", "--grid", "0", "--no-plots", "--no-gif"]) == 0
    err = capsys.readouterr().err
    # grid 0: trained, no and random principal, and random play: 4 policies x 2 seeds, tqdm's count on stderr
    assert "evaluate" in err and "8/8" in err


@pytest.mark.parametrize("device, message", [("banana", "is not a torch device"),
                                             ("cuda:99" if torch.cuda.is_available() else "cuda", "cannot be used here")])
def test_bad_devices_are_refused_by_name(device, message):
    with pytest.raises(ValidationError, match=f"device: '{device}' {message}"):
        torch_device(device)


@pytest.mark.parametrize("device", ["banana", "cuda:99"])
def test_cli_train_refuses_a_bad_device_in_one_line(tmp_path, capsys, device):
    assert main(["train", "--preset", "tiny", "--device", device, "--run-dir", str(tmp_path / "r"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"sedtheory: error: device: '{device}'") and err.count("\n") == 1, err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("argv", [["train", "--no-progress"], ["evaluate", "RUN"], ["render", "--out", "x.gif"]])
def test_commands_without_torch_point_to_the_rl_extra(monkeypatch, capsys, argv):
    monkeypatch.setitem(sys.modules, "torch", None)   # as if torch were not installed: `import torch` fails
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "needs torch" in err and "pip install 'sedtheory[rl]'" in err and err.count("\n") == 1, err
