"""Trainer.warm_start: a run that starts from another run's players (the outer loop's phase one)."""

import pytest
import torch

from sedtheory._validate import ValidationError
from sedtheory.rl.checkpoint import load_torch
from sedtheory.rl.config import make_config
from sedtheory.rl.trainer import WARM_START, Trainer

# the corridor game with 2 players and 100-step episodes: one update per episode, a second each
GAME = dict(n_players=2, map_layout="corridor", episode_length=100, num_steps=100, num_games=2, tax_period=1,
            tax_thresholds=(0.0, 10000.0), minibatch_size=200, hidden_size=16, progress=False, log_tensorboard=False)


def _phase_one(folder, **changes):
    config = make_config("tiny", **{**GAME, "principal": False, "total_timesteps": 400, **changes})
    trainer = Trainer(config, folder)
    trainer.train()
    return trainer


def _candidate(**changes):
    return make_config("tiny", **{**GAME, "fixed_rates": (1.0,), "phase_one_fraction": 0.0, "anneal_fraction": 0.0,
                                  "total_timesteps": 600, **changes})


def _equal(a: dict, b: dict):
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


def test_warm_start_loads_the_players_and_records_them(tmp_path):
    source = _phase_one(tmp_path / "p1")
    fresh = Trainer(_candidate(), tmp_path / "c")
    before = {k: v.clone() for k, v in fresh.players.state_dict().items()}
    principal_before = {k: v.clone() for k, v in fresh.principal.state_dict().items()}
    fresh.warm_start(tmp_path / "p1")
    _equal(fresh.players.state_dict(), source.players.state_dict())
    assert any(not torch.equal(before[k], v) for k, v in fresh.players.state_dict().items())   # it did change
    _equal(fresh.principal.state_dict(), principal_before)                                      # the principal did not
    _equal(fresh.player_scaler.state_dict(), source.player_scaler.state_dict())
    kept = load_torch(tmp_path / "c" / WARM_START)
    _equal(kept["players"], source.players.state_dict())
    assert kept["source_update"] == source.update == 2   # 400 steps / (2 games x 100 steps)


def test_a_warm_started_run_resumes_bit_exactly(tmp_path):
    _phase_one(tmp_path / "p1")
    whole = Trainer(_candidate(), tmp_path / "whole")
    whole.warm_start(tmp_path / "p1")
    whole.train()
    part = Trainer(_candidate(), tmp_path / "part")
    part.warm_start(tmp_path / "p1")
    part.train(max_updates=2)
    resumed = Trainer.resume(tmp_path / "part")
    assert resumed.update == 2
    resumed.train()
    _equal(whole.players.state_dict(), resumed.players.state_dict())


def test_warm_start_differs_from_a_cold_start(tmp_path):
    _phase_one(tmp_path / "p1")
    warm = Trainer(_candidate(), tmp_path / "warm")
    warm.warm_start(tmp_path / "p1")
    warm.train()
    cold = Trainer(_candidate(), tmp_path / "cold")
    cold.train()
    assert any(not torch.equal(a, b) for a, b in zip(warm.players.state_dict().values(),
                                                    cold.players.state_dict().values()))


def test_warm_start_refusals(tmp_path):
    _phase_one(tmp_path / "p1")
    with pytest.raises(ValidationError, match="warm_start: .* has no checkpoint"):
        Trainer(_candidate(), tmp_path / "a").warm_start(tmp_path / "nowhere")
    with pytest.raises(ValidationError, match="warm_start: the source run's selfishness types differ"):
        Trainer(_candidate(seed=2), tmp_path / "b").warm_start(tmp_path / "p1")
    with pytest.raises(ValidationError, match="warm_start: the source run's player network differs"):
        Trainer(_candidate(hidden_size=8), tmp_path / "c").warm_start(tmp_path / "p1")
    started = Trainer(_candidate(), tmp_path / "d")
    started.train(max_updates=1)
    with pytest.raises(ValidationError, match="warm_start: this run has already started"):
        started.warm_start(tmp_path / "p1")
