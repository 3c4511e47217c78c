"""The outer loop: design specs, candidate grids and rungs, and an end-to-end design on the
corridor game with tiny budgets (local Ray, 2 CPUs)."""

import json
import math
import re

import numpy as np
import pytest
import torch

from sedtheory._validate import ValidationError
from sedtheory.scale.design import DesignSpec, design_spec_from_dict, load_design_spec

# The corridor game of benchmarks/tax_twin.py (2 selfish players, one bracket, tax period 1), small and fast.
CORRIDOR = dict(n_players=2, map_layout="corridor", episode_length=100, num_steps=100, num_games=2, tax_period=1,
                tax_thresholds=[0, 10000], regrowth_probs=[0, 0.05], minibatch_size=200, hidden_size=16,
                selfishness=[1, 1], trust=[1, 1], voting_period=100, player_episode_phase=False,
                commitment_periods=0, log_tensorboard=False, learning_rate=2.5e-3)
DESIGN = dict(preset="tiny", base=CORRIDOR, phase_one_episodes=1, min_episodes=1, max_episodes=2, reduction=2,
              levels=[0, 0.5, 1], selection_seeds=[11, 12], report_seeds=[21, 22], eval_games=2, br_episodes=1,
              gap_players=[0])


def test_candidates_are_every_non_decreasing_schedule():
    from sedtheory.rl.evaluate import tax_grid   # the evaluator's grid: an independent enumeration

    spec = DesignSpec(preset="tiny", levels=(0.0, 0.5, 1.0))
    assert spec.schedules() == tax_grid((0.0, 0.5, 1.0), 3)
    assert len(spec.schedules()) == 10                     # C(3 + 3 - 1, 3) multisets of 3 levels
    assert design_spec_from_dict(DESIGN).schedules() == [(0.0,), (0.5,), (1.0,)]
    explicit = DesignSpec(preset="tiny", candidates=((0.0, 0.0, 0.0), (1.0, 0.0, 1.0)))
    assert explicit.schedules() == [(0.0, 0.0, 0.0), (1.0, 0.0, 1.0)]


@pytest.mark.parametrize("low, high, reduction, rungs", [(2, 18, 3, [2, 6, 18]), (1, 3, 3, [1, 3]),
                                                         (2, 10, 3, [2, 6, 10]), (4, 4, 2, [4])])
def test_rungs(low, high, reduction, rungs):
    assert DesignSpec(preset="tiny", min_episodes=low, max_episodes=high, reduction=reduction).rungs() == rungs


def test_configs_of_phase_one_and_candidates():
    spec = design_spec_from_dict(DESIGN)
    one, cand = spec.phase_one_config(), spec.candidate_config((0.5,))
    assert not one.principal and one.total_timesteps == 1 * 100 * 2
    assert cand.principal and cand.fixed_rates == (0.5,) and cand.phase_one_fraction == 0 == cand.anneal_fraction
    assert cand.total_timesteps == 2 * 100 * 2 and cand.seed == one.seed == 1


@pytest.mark.parametrize("change, message", [
    ({"base": {**CORRIDOR, "fixed_rates": [1]}}, "base.fixed_rates: set by the design itself"),
    ({"base": {**CORRIDOR, "gama": 0.9}}, "base.gama: not a TrainConfig field"),
    ({"base": {**CORRIDOR, "gamma": "x"}}, "base.gamma: expected a number"),
    ({"report_seeds": [12, 13]}, "report_seeds: must be disjoint from selection_seeds"),
    ({"selection_seeds": []}, "selection_seeds: expected a non-empty list"),
    ({"min_episodes": 3}, "min_episodes: 3 exceeds max_episodes=2"),
    ({"reduction": 1}, "reduction: must be an integer >= 2"),
    ({"candidates": [[0, 1]]}, r"candidates: schedule \[0.0, 1.0\]: fixed_rates: expected 1 rates"),
    ({"levels": [0, 1.5]}, r"levels: schedule \[1.5\]: fixed_rates: rates must be numbers in \[0, 1\]"),
    ({"candidates": [[0], [0]]}, "candidates: repeated schedule"),
    ({"gap_players": [2]}, r"gap_players: expected player indices in \[0, 2\)"),
    ({"epsilon": -1}, "epsilon: must be a finite number >= 0"),
    ({"rungs": 3}, "rungs: not a key of a design spec"),
])
def test_bad_design_specs_name_the_field(change, message):
    with pytest.raises(ValidationError, match=message):
        design_spec_from_dict({**DESIGN, **change})


def test_design_spec_file_round_trip(tmp_path):
    path = tmp_path / "design.json"
    path.write_text(json.dumps(DESIGN))
    spec = load_design_spec(path)
    assert design_spec_from_dict(spec.to_dict()) == spec


@pytest.fixture(scope="module")
def designed(local_ray, tmp_path_factory):
    from sedtheory.scale.design import run_design

    folder = tmp_path_factory.mktemp("design")
    spec = design_spec_from_dict(DESIGN)
    lines = []
    return spec, folder, run_design(spec, folder, log=lines.append), lines


def test_design_end_to_end(designed):
    spec, folder, result, lines = designed
    rung = result.rungs[0]
    # rung 1: the three candidates after 1 episode; the best half (ceil(3/2) = 2) goes on
    order = ["fixed_rates=0.0", "fixed_rates=0.5", "fixed_rates=1.0"]
    assert rung["episodes"] == 1 and sorted(rung["objective"]) == order
    expected = sorted(order, key=lambda n: (-rung["objective"][n], order.index(n)))[:2]
    assert rung["kept"] == expected
    # rung 2 (the full budget) keeps one: the chosen schedule
    assert result.rungs[1]["episodes"] == 2 and len(result.rungs[1]["kept"]) == 1
    assert result.rungs[1]["kept"][0] == f"fixed_rates={result.chosen[0]!r}"
    # every schedule trained to the end is an ordinary, finished run folder, warm-started from phase one
    from sedtheory.rl.checkpoint import load_torch
    from sedtheory.rl.config import config_from_dict

    phase_one = load_torch(folder / "phase_one" / "policies.pt")["players"]
    for name, row in result.schedules.items():
        run = folder / "candidates" / name
        assert json.loads((run / "summary.json").read_text())["completed"]
        assert config_from_dict(json.loads((run / "config.json").read_text())).fixed_rates == tuple(row["rates"])
        start = load_torch(run / "warm_start.pt")["players"]
        assert all(torch.equal(start[k], phase_one[k]) for k in phase_one)
    # the comparisons: chosen against no tax, the random candidate and the grid's best, paired
    assert set(result.comparisons) == {"chosen - no tax", "chosen - random", "chosen - grid's best"}
    chosen = next(r for r in result.schedules.values() if "chosen" in r["roles"])
    for label, (mean, low, high) in result.comparisons.items():
        other = next(r for r in result.schedules.values() if label.split(" - ")[1] in r["roles"])
        assert math.isclose(mean, chosen["objective"][0] - other["objective"][0], abs_tol=1e-9)
        assert low <= mean <= high
    # the certificate: ε̂ = the largest mean gain of another schedule over the chosen one (recomputed)
    gains = [r["objective"][0] - chosen["objective"][0] for r in result.schedules.values()
             if "chosen" not in r["roles"]]
    cert = result.certificate
    assert math.isclose(cert.epsilon_hat, max(gains), abs_tol=1e-9) and cert.estimated
    assert cert.delta_hat.shape == (1,) and np.isfinite(cert.delta_hat).all()
    # every metric of the chosen schedule against no tax, paired; eta from the vote (selfish types: mean sigma = 1)
    no_tax = next(r for r in result.schedules.values() if "no tax" in r["roles"])
    for metric, (mean, low, high) in result.versus_no_tax.items():
        assert math.isclose(mean, chosen[metric][0] - no_tax[metric][0], abs_tol=1e-9)
    assert result.eta == 1.0
    saved = json.loads((folder / "certificate.json").read_text())
    assert saved["epsilon_hat"] == pytest.approx(cert.epsilon_hat)
    text = (folder / "report.txt").read_text()
    assert "chosen schedule" in text
    assert not re.search(r"\][-\d]", text), text   # every interval is set apart from the next column
    assert ("a negative leader gap" in text) == (cert.epsilon_hat < 0)
    assert lines[0].startswith("phase one")


def test_design_started_again_replays_its_rungs(designed):
    from sedtheory.scale.design import run_design

    spec, folder, result, _ = designed
    stamps = {p: p.stat().st_mtime_ns for p in (folder / "candidates").glob("*/policies.pt")}
    lines = []
    again = run_design(spec, folder, log=lines.append)
    assert again.rungs == result.rungs and again.chosen == result.chosen
    assert again.comparisons == result.comparisons
    assert not any(line.startswith(("phase one", "rung")) for line in lines)      # nothing retrained
    assert stamps == {p: p.stat().st_mtime_ns for p in (folder / "candidates").glob("*/policies.pt")}


def test_design_folder_of_another_design_is_refused(designed):
    from sedtheory.scale.design import run_design

    _, folder, _, _ = designed
    with pytest.raises(ValidationError, match="design_dir: .* holds another design"):
        run_design(design_spec_from_dict({**DESIGN, "random_seed": 5}), folder)


def test_follower_gap_against_a_fixed_schedule_plays_that_schedule(tmp_path):
    """``estimate_follower_gap(..., principal=FixedTax(r))``: the baseline is player 0's mean return
    with the run's players under the fixed schedule, on the evaluation seeds of its protocol
    (engine seed + 104729 + k, players' generator seed + 7919 (k + 1)); recomputed here directly."""
    from sedtheory.rl.episodes import EpisodeSetup, FixedTax, PolicyPlayers, run_episodes
    from sedtheory.rl.evaluate import load_run
    from sedtheory.rl.gaps import estimate_follower_gap
    from sedtheory.scale.runner import run_trial

    spec = design_spec_from_dict(DESIGN)
    run_trial(spec.candidate_config((1.0,)).replace(total_timesteps=200), tmp_path / "run")
    run = load_run(tmp_path / "run")
    seed, games = 50, 2
    gap = estimate_follower_gap(run, 0, episodes=1, num_games=games, eval_seeds=2, seed=seed,
                                principal=FixedTax([1.0]))
    returns = [run_episodes(EpisodeSetup.from_run(run), PolicyPlayers(run.players, torch.Generator().manual_seed(
        seed + 7919 * (k + 1))), FixedTax([1.0]), games, seed + 104729 + k).values["returns"][:, 0] for k in range(2)]
    assert gap["baseline"] == pytest.approx(float(np.concatenate(returns).mean()), abs=1e-12)
    # at a full tax the two selfish players share every apple: player 0's return is half the total
    totals = [run_episodes(EpisodeSetup.from_run(run), PolicyPlayers(run.players, torch.Generator().manual_seed(
        seed + 7919 * (k + 1))), FixedTax([1.0]), games, seed + 104729 + k).values["total_apples"] for k in range(2)]
    assert gap["baseline"] == pytest.approx(float(np.concatenate(totals).mean()) / 2, abs=1e-5)


def test_design_command_refuses_bad_input(tmp_path, capsys):
    from sedtheory.cli import main

    pytest.importorskip("ray")
    path = tmp_path / "design.json"
    path.write_text(json.dumps(DESIGN))
    assert main(["design", str(path), "--base", "gama=0.9"]) == 2
    assert "base.gama: not a TrainConfig field" in capsys.readouterr().err
    assert main(["design", str(path), "--base", "selfishness=1/2"]) == 2
    assert "selfishness: values must be numbers in [0, 1]" in capsys.readouterr().err
    assert main(["design", str(tmp_path / "none.json")]) == 2
    assert "design: " in capsys.readouterr().err


def test_design_specs_built_in_python_get_the_fields_types():
    spec = DesignSpec(preset="tiny", base={"tax_thresholds": [0, 10000]}, levels=(0.0, 1.0))
    assert spec.base["tax_thresholds"] == (0.0, 10000.0)
    from sedtheory.rl.config import config_from_dict, config_to_dict

    config = spec.candidate_config((1.0,))
    assert config_from_dict(config_to_dict(config)) == config


def test_a_design_without_ray_equals_the_ray_design(designed, tmp_path, monkeypatch):
    """``address="local"`` runs the same tasks one after another in this process: the rungs, the
    choice and every reported number equal the Ray run's (same seeds, one torch thread each)."""
    import ray

    from sedtheory.scale import runner
    from sedtheory.scale.design import run_design

    spec, folder, result, _ = designed
    monkeypatch.setattr(ray, "remote", lambda *a, **k: pytest.fail("address='local' must not use Ray"))
    local = run_design(spec, tmp_path / "local", address=runner.LOCAL, log=lambda line: None)
    assert not runner._in_process                       # the in-process mode ends with the design
    assert local.rungs == result.rungs and local.chosen == result.chosen
    assert local.comparisons == result.comparisons and local.versus_no_tax == result.versus_no_tax
    assert json.loads((tmp_path / "local" / "report.json").read_text()) == json.loads(
        (folder / "report.json").read_text())


def test_a_failing_task_without_ray_is_reported_by_name(tmp_path):
    from sedtheory.scale import runner

    def trial(value):
        if value < 0:
            raise ValueError(f"value: must be >= 0, got {value}")
        return value * 2

    assert runner.start_ray(address=runner.LOCAL) is True
    try:
        outcomes = runner.run_tasks({"good": ((3,), {}), "bad": ((-1,), {})}, function=trial)
    finally:
        runner.stop_ray(True)
    assert outcomes["good"].result == 6 and outcomes["good"].error is None
    assert outcomes["bad"].error == "ValueError: value: must be >= 0, got -1"
