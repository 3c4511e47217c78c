"""A design stores every schedule's per-episode report metrics (``report_episodes.json``), and they
reproduce the report's means, intervals and paired comparisons (tiny corridor design, local Ray)."""

import json
import math

import numpy as np
import pytest

from sedtheory.scale.design import EVAL_METRICS, design_spec_from_dict

CORRIDOR = dict(n_players=2, map_layout="corridor", episode_length=100, num_steps=100, num_games=2, tax_period=1,
                tax_thresholds=[0, 10000], regrowth_probs=[0, 0.05], minibatch_size=200, hidden_size=16,
                selfishness=[1, 1], trust=[1, 1], voting_period=100, player_episode_phase=False,
                commitment_periods=0, log_tensorboard=False, learning_rate=2.5e-3)
DESIGN = dict(preset="tiny", base=CORRIDOR, phase_one_episodes=1, min_episodes=1, max_episodes=2, reduction=2,
              levels=[0, 1], selection_seeds=[11], report_seeds=[21, 22], eval_games=2, br_episodes=1,
              gap_players=[0])


def test_report_episodes_reproduce_the_report(local_ray, tmp_path):
    from sedtheory.rl import confidence_interval
    from sedtheory.scale import run_design

    result = run_design(design_spec_from_dict(DESIGN), tmp_path, log=lambda line: None)
    stored = json.loads((tmp_path / "report_episodes.json").read_text())
    assert str(tmp_path / "report_episodes.json") in result.files
    assert stored["report_seeds"] == [21, 22] and stored["eval_games"] == 2
    assert sorted(stored["schedules"]) == sorted(result.schedules)
    for name, row in result.schedules.items():
        episodes = stored["schedules"][name]
        assert episodes["rates"] == row["rates"]
        for metric in EVAL_METRICS:
            assert len(episodes[metric]) == 2 * 2
            mean, low, high = confidence_interval(np.asarray(episodes[metric]))
            assert math.isclose(mean, row[metric][0], abs_tol=1e-9)
            assert (math.isclose(low, row[metric][1], abs_tol=1e-9) or not math.isfinite(row[metric][1]))
    chosen = next(n for n, r in result.schedules.items() if "chosen" in r["roles"])
    zero = next(n for n, r in result.schedules.items() if "no tax" in r["roles"])
    paired = np.asarray(stored["schedules"][chosen]["objective"]) - np.asarray(stored["schedules"][zero]["objective"])
    assert confidence_interval(paired)[0] == pytest.approx(result.versus_no_tax["objective"][0], abs=1e-9)
