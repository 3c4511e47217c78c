"""The training side on a CUDA device: the real Apple engine, the committed principal, resume.

Skipped (with this reason shown) where torch sees no CUDA device, as on CI; run by hand on a
GPU machine with ``python -m pytest tests/rl/test_cuda.py``.
"""

import numpy as np
import pytest
import torch

from sedtheory.rl.config import make_config
from sedtheory.rl.evaluate import evaluate_run, load_run
from sedtheory.rl.trainer import Trainer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (torch sees none)")


def _config(**changes):
    # the real corridor engine, 2 players, 4 updates of 2 games x 100 steps = 2 episodes
    base = dict(n_players=2, map_layout="corridor", episode_length=100, num_steps=100, num_games=2, tax_period=25,
                total_timesteps=800, progress=False, log_tensorboard=False, device="cuda")
    return make_config("tiny", **{**base, **changes})


def _weights(trainer):
    return {f"{part}.{k}": v.detach().cpu() for part, net in (("players", trainer.players),
                                                              ("principal", trainer.principal))
            for k, v in net.state_dict().items()}


def test_training_runs_on_cuda_and_keeps_its_tensors_there(tmp_path):
    trainer = Trainer(_config(), tmp_path / "run")
    summary = trainer.train()
    assert summary["completed"]
    assert all(p.device.type == "cuda" for p in trainer.players.parameters())
    assert all(p.device.type == "cuda" for p in trainer.principal.parameters())
    for name, value in _weights(trainer).items():
        assert torch.isfinite(value).all(), name


def test_a_cuda_run_resumes_to_the_uninterrupted_weights_and_evaluates_on_cpu(tmp_path):
    config = _config()
    whole = Trainer(config, tmp_path / "whole")
    whole.train()
    part = Trainer(config, tmp_path / "part")
    assert not part.train(max_updates=2)["completed"]
    resumed = Trainer.resume(tmp_path / "part")
    resumed.train()
    a, b = _weights(whole), _weights(resumed)
    assert a.keys() == b.keys()
    for name in a:
        # same device, same kernels, same seeds: equal up to CUDA's non-deterministic reductions
        assert torch.allclose(a[name], b[name], rtol=1e-4, atol=1e-5), name
    # a run trained on CUDA is graded on a CPU-only process's device without retraining
    run = load_run(tmp_path / "whole")
    assert next(run.players.parameters()).device.type == "cpu"
    result = evaluate_run(tmp_path / "whole", seeds=1, num_games=2, grid=(0.0,), plots=False, gif=False)
    apples = np.asarray(result["rows"][0]["total_apples"])
    assert np.isfinite(apples).all() and (apples >= 0).all()


def test_players_per_schedule_train_on_cuda_and_evaluate_on_cpu(tmp_path):
    from sedtheory.rl.networks import PerSchedulePlayers

    config = _config(tax_thresholds=(0.0, 10000.0), principal_levels=(0.0, 0.5, 1.0), players_per_schedule=True,
                     phase_one_fraction=0.0, anneal_fraction=0.0, principal_explore_fraction=0.5)
    trainer = Trainer(config, tmp_path / "run")
    assert trainer.train()["completed"]
    assert isinstance(trainer.players, PerSchedulePlayers) and trainer.players.keys.device.type == "cuda"
    for name, value in _weights(trainer).items():
        assert torch.isfinite(value).all(), name
    run = load_run(tmp_path / "run")
    assert run.players.keys.device.type == "cpu"
    result = evaluate_run(tmp_path / "run", seeds=1, num_games=2, grid=(0.0, 1.0), plots=False, gif=False)
    assert all(np.isfinite(np.asarray(row["total_apples"])).all() for row in result["rows"])
