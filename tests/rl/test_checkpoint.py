"""Atomic run files: a write that fails half-way leaves the previous file whole and no temporary behind."""

import pytest

from sedtheory.rl.checkpoint import atomic_write_bytes, load_json, load_torch, save_json, save_torch


def test_failed_write_keeps_the_old_file_and_cleans_up(tmp_path):
    path = tmp_path / "checkpoints" / "last.pt"
    save_torch(path, {"update": 1})

    def crash(stream):
        stream.write(b"half a checkpoint")
        raise KeyboardInterrupt   # as Ctrl-C in the middle of torch.save would

    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(path, crash)
    assert load_torch(path) == {"update": 1}
    assert sorted(p.name for p in path.parent.iterdir()) == ["last.pt"]


def test_successful_writes_replace_the_file(tmp_path):
    save_json(tmp_path / "config.json", {"seed": 1})
    save_json(tmp_path / "config.json", {"seed": 2, "tax_thresholds": [0.0, 10.0]})
    assert load_json(tmp_path / "config.json") == {"seed": 2, "tax_thresholds": [0.0, 10.0]}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]
