"""Training loop on the stand-in engine: resume equals uninterrupted, Ctrl-C, smoke evaluation."""

import csv

import numpy as np
import pytest
import torch

from fake_apple import FakeAppleEnv, FakeFactory
from sedtheory._validate import ValidationError
from sedtheory.rl.config import make_config
from sedtheory.rl.trainer import Trainer

TIMING_COLUMNS = {"charts/SPS", "charts/agent_SPS"}


def _config(**changes):
    base = dict(n_players=3, total_timesteps=1200, progress=False, log_tensorboard=False)   # 6 updates, 3 episodes
    return make_config("tiny", **{**base, **changes})


def _rows(run_dir):
    with open(run_dir / "metrics.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    return [{k: v for k, v in r.items() if k not in TIMING_COLUMNS} for r in rows]


def _assert_same_state(a: Trainer, b: Trainer):
    for left, right in ((a.players, b.players), (a.principal, b.principal)):
        for (name, x), (_, y) in zip(left.state_dict().items(), right.state_dict().items()):
            assert torch.equal(x, y), name


def test_resume_equals_uninterrupted(tmp_path):
    config = _config()
    whole = Trainer(config, tmp_path / "whole", FakeFactory(config))
    whole.train()
    part = Trainer(config, tmp_path / "part", FakeFactory(config))
    assert part.train(max_updates=3) == {"update": 4, "completed": False}   # stops at the episode boundary
    resumed = Trainer.resume(tmp_path / "part", FakeFactory(config))
    assert resumed.update == 4
    resumed.train()
    _assert_same_state(whole, resumed)
    assert _rows(tmp_path / "whole") == _rows(tmp_path / "part")
    assert len(_rows(tmp_path / "whole")) == config.num_updates
    assert (tmp_path / "part" / "policies.pt").exists() and (tmp_path / "part" / "summary.json").exists()


class _InterruptingFactory(FakeFactory):
    """Raises KeyboardInterrupt (as Ctrl-C would) in the middle of the given episode's second rollout."""

    def __init__(self, config, episode):
        super().__init__(config)
        self.episode, self.made = episode, 0

    def make(self, num_games, seed, types):
        env = FakeAppleEnv(self.params, num_games, seed, types=types)
        self.made += 1
        if self.made == self.episode:
            step = env.step

            def interrupted(actions):
                if env.t == 150:
                    raise KeyboardInterrupt
                return step(actions)
            env.step = interrupted
        return env


def _whole_and_interrupted(tmp_path, episode):
    """An uninterrupted run in ``whole/`` and a run cut by Ctrl-C during ``episode`` in ``cut/``."""
    config = _config()
    whole = Trainer(config, tmp_path / "whole", FakeFactory(config))
    whole.train()
    trainer = Trainer(config, tmp_path / "cut", _InterruptingFactory(config, episode=episode))
    with pytest.raises(KeyboardInterrupt):
        trainer.train()
    return config, whole, trainer


@pytest.mark.parametrize("episode, boundary", [
    (3, 4),   # cut in episode 3: resume at update 4, the last completed episode boundary
    # cut in the first episode: the only checkpoint is the update-0 state; resuming it used to be
    # refused as "a new run over an old one" (the folder check looked at update == 0, not at resume())
    (1, 0),
])
def test_ctrl_c_saves_and_resume_repeats_the_run(tmp_path, episode, boundary):
    config, whole, _ = _whole_and_interrupted(tmp_path, episode)
    resumed = Trainer.resume(tmp_path / "cut", FakeFactory(config))
    assert resumed.update == boundary
    resumed.train()
    _assert_same_state(whole, resumed)
    assert _rows(tmp_path / "whole") == _rows(tmp_path / "cut")


@pytest.mark.parametrize("episode", [1, 3])
def test_train_again_in_the_same_process_after_ctrl_c_or_a_stop(tmp_path, episode):
    # Ctrl-C returns the trainer to its checkpoint, so calling train() again (a notebook, or the
    # benchmark's train(max_updates=...) loop) continues the run as if nothing had happened
    _, whole, trainer = _whole_and_interrupted(tmp_path, episode)
    trainer.train(max_updates=trainer.update + 1)   # a second call on a run folder it wrote itself
    trainer.train()
    _assert_same_state(whole, trainer)
    assert _rows(tmp_path / "whole") == _rows(tmp_path / "cut")


def test_refuses_to_overwrite_a_run(tmp_path):
    config = _config()
    Trainer(config, tmp_path / "run", FakeFactory(config)).train(max_updates=1)
    with pytest.raises(ValidationError, match="resume"):
        Trainer(config, tmp_path / "run", FakeFactory(config)).train()
    with pytest.raises(ValidationError, match="another config"):
        Trainer(_config(seed=2), tmp_path / "run", FakeFactory(config)).train()


@pytest.mark.parametrize("commitment, updated", [(0, {6}), (1, {4, 6})])
def test_phase_one_has_no_tax_and_phase_two_respects_the_cap(tmp_path, commitment, updated):
    # 6 updates of 100 steps, 3 episodes of 200; phase two from update 3 (0-based). The principal
    # learns at the end of an episode in which it decided: committed for the episode, it decides
    # only at t = 0 (episode 3, ending at update 6); per period (the paper's), also mid-episode 2
    config = _config(phase_one_fraction=0.5, anneal_fraction=0.5, initial_rate_cap=0.1, commitment_periods=commitment)
    trainer = Trainer(config, tmp_path / "run", FakeFactory(config))
    trainer.train()
    rows = _rows(tmp_path / "run")
    assert {int(r["update"]) for r in rows if r["principal/value_loss"] != ""} == updated
    for row in rows:
        cap = float(row["charts/rate_cap"])
        if int(row["update"]) <= config.num_updates // 2:
            assert cap == 0.0
        else:
            assert 0.1 <= cap <= 1.0
        if row["charts/tax_rate_0"]:
            assert all(float(row[f"charts/tax_rate_{b}"]) <= cap + 1e-6 for b in range(3))
    assert float(rows[0]["charts/eta"]) == pytest.approx(np.mean(trainer.selfishness))


def test_smoke_train_then_evaluate_and_estimate_gaps(tmp_path):
    from sedtheory.rl.evaluate import evaluate_run, load_run
    from sedtheory.rl.gaps import estimate_certificate

    config = _config(network="mlp", log_tensorboard=True, player_tax_features=False)
    Trainer(config, tmp_path / "run", FakeFactory(config)).train()
    assert any((tmp_path / "run" / "tb").iterdir())
    result = evaluate_run(tmp_path / "run", seeds=1, num_games=3, grid=(0.0,), plots=False, gif=False,
                          factory=FakeFactory(config))
    names = [r["policy"] for r in result["rows"]]
    assert names == ["trained principal", "no principal (phi=0)", "random principal", "random players, no tax"]
    no_tax = result["rows"][1]
    assert no_tax["tax_collected"][0] == 0.0 and no_tax["tax_rates"] == [0.0, 0.0, 0.0]
    # window-only players (player_tax_features=False) draw from their own stream: frozen, they make
    # the same apples under every principal (only tax and redistribution differ)
    for row in result["rows"][:3]:
        assert row["total_apples"] == no_tax["total_apples"]
    certificate = estimate_certificate(load_run(tmp_path / "run", FakeFactory(config)), players=[1], br_episodes=1,
                                       num_games=2, eval_seeds=1, grid=(0.0, 1.0))
    assert certificate.estimated and certificate.delta_hat.shape == (1,)
    low, high = certificate.epsilon_interval
    assert certificate.epsilon_hat == pytest.approx((low + high) / 2)   # a t-interval centred on the paired mean
    assert certificate.follower_witnesses[0].player == 2


def test_leader_gap_with_readapted_players_runs_and_is_paired(tmp_path):
    from sedtheory.rl.evaluate import load_run
    from sedtheory.rl.gaps import estimate_leader_gap

    config = _config(total_timesteps=400, player_tax_features=False)
    Trainer(config, tmp_path / "run", FakeFactory(config)).train()
    run = load_run(tmp_path / "run", FakeFactory(config))
    frozen = estimate_leader_gap(run, grid=(0.0,), num_games=2, eval_seeds=1, seed=5)
    assert frozen["gap"] == 0.0   # frozen window-only players: every principal gives the same apples
    readapted = estimate_leader_gap(run, grid=(0.0,), num_games=2, eval_seeds=1, seed=5, readapt_episodes=1)
    assert set(readapted["alternatives"]) == {"no principal (phi=0)", "random principal"}
    _assert_gap_is_the_best_alternative(readapted)


def _assert_gap_is_the_best_alternative(estimate):
    """ε̂ = (best alternative's mean O_η) − (trained principal's mean O_η), the witness is that
    alternative, and the interval is centred on ε̂ (paired over the same episodes)."""
    alternatives = estimate["alternatives"]
    assert estimate["witness"] == max(alternatives, key=alternatives.get)
    assert estimate["gap"] == pytest.approx(alternatives[estimate["witness"]] - estimate["baseline"], abs=1e-9)
    low, high = estimate["interval"]
    assert estimate["gap"] == pytest.approx((low + high) / 2)


def test_gaps_pass_tax_features_to_players_and_best_responses(tmp_path):
    # default player_tax_features=True: the best response is fine-tuned on (obs, id, features) and
    # the override in PolicyPlayers reads player 1's feature rows; the learner really changes
    from sedtheory.rl.evaluate import load_run
    from sedtheory.rl.gaps import estimate_leader_gap, train_best_response
    from sedtheory.rl.episodes import FixedTax

    config = _config(total_timesteps=400)
    Trainer(config, tmp_path / "run", FakeFactory(config)).train()
    run = load_run(tmp_path / "run", FakeFactory(config))
    assert run.players.n_features == 8   # 3 rates, 3 bracket fills, period and episode phase
    learner = train_best_response(run, [1], FixedTax([0.5, 0.5, 0.5]), episodes=1, num_games=2, seed=3)
    before, after = run.players.feature_layer.weight, learner.feature_layer.weight
    assert not torch.equal(before, after)
    readapted = estimate_leader_gap(run, grid=(0.0,), num_games=2, eval_seeds=1, seed=5, readapt_episodes=1)
    _assert_gap_is_the_best_alternative(readapted)


def _recording_decisions(trainer):
    """Wrap the principal's update so the test sees each episode's decisions before they are used."""
    seen = []
    update = trainer._update_principal

    def recording():
        seen.append([dict(d) for d in trainer._decisions])
        return update()
    trainer._update_principal = recording
    return seen


@pytest.mark.parametrize("commitment, decisions", [(1, 4), (2, 2), (0, 1)])
def test_principal_rewards_telescope_to_the_objective_and_lrs_follow_their_schedules(tmp_path, commitment, decisions):
    # one rollout per episode (horizon = episode = 200, four 50-step tax periods), principal on
    # from the start: the decision rewards O_eta(A_end) - O_eta(A_start) of a game sum to O_eta of
    # the episode's cumulative apples (eta is fixed: types never change); the first decision
    # starts the episode (done flag) and the others do not
    config = _config(num_steps=200, total_timesteps=2 * 200 * 2, phase_one_fraction=0.0, anneal_fraction=0.0,
                     commitment_periods=commitment, principal_anneal_lr=True)
    trainer = Trainer(config, tmp_path / "run", FakeFactory(config))
    seen = _recording_decisions(trainer)
    trainer.train()
    last = seen[-1]
    assert len(last) == decisions
    assert [d["first"] for d in last] == [1.0] + [0.0] * (decisions - 1)
    final = trainer.history[-1]["charts/objective"]
    assert final > 0   # the stand-in's players do eat, so the check below is not 0 == 0
    assert float(torch.stack([d["reward"] for d in last]).sum(0).mean()) == pytest.approx(final, rel=1e-5)
    # CleanRL's annealing: update u (1-based) runs at lr * (1 - (u - 1) / num_updates); the
    # principal's over phase two, which here is the whole run
    for row in _rows(tmp_path / "run"):
        frac = 1 - (int(row["update"]) - 1) / config.num_updates
        assert float(row["charts/learning_rate"]) == pytest.approx(config.learning_rate * frac)
        assert float(row["charts/principal_learning_rate"]) == pytest.approx(config.principal_learning_rate * frac)


def test_principal_learning_rate_is_constant_by_default_and_anneals_over_phase_two_only(tmp_path):
    config = _config(phase_one_fraction=0.5, anneal_fraction=0.0)
    trainer = Trainer(config, tmp_path / "run", FakeFactory(config))
    trainer.train()
    rows = _rows(tmp_path / "run")
    assert {float(r["charts/principal_learning_rate"]) for r in rows} == {config.principal_learning_rate}
    annealed = _config(phase_one_fraction=0.5, anneal_fraction=0.0, principal_anneal_lr=True)
    Trainer(annealed, tmp_path / "annealed", FakeFactory(annealed)).train()
    rates = [float(r["charts/principal_learning_rate"]) for r in _rows(tmp_path / "annealed")]
    # 6 updates, phase two from update index 3: full rate through phase one, then 1, 2/3, 1/3
    assert rates == pytest.approx([annealed.principal_learning_rate * f for f in (1, 1, 1, 1, 2 / 3, 1 / 3)])


def test_votes_every_voting_period_tax_periods_across_episodes(tmp_path):
    # 3 episodes x 4 tax periods = 12 periods; voting_period 3 (does not divide 4): rounds start at
    # periods 0, 3, 6 and 9 of the run, so 4 votes (counting per episode would give 6)
    config = _config(voting_period=3)
    trainer = Trainer(config, tmp_path / "run", FakeFactory(config))
    calls = []
    vote = trainer.voting.vote
    trainer.voting.vote = lambda: calls.append(trainer.global_step) or vote()
    trainer.train()
    per_period = config.num_games * config.tax_period
    assert [step // per_period for step in calls] == [0, 3, 6, 9]


def test_gae_bootstraps_at_the_horizon_and_not_at_the_episode_end(tmp_path):
    # tiny: two 100-step rollouts per 200-step episode. After the first, the last step's
    # advantage is r + gamma V(next observation) - V; after the second (episode over), r - V.
    from sedtheory.rl.envs import player_input

    config = _config()
    trainer = Trainer(config, tmp_path / "run", FakeFactory(config))
    ep = trainer._begin_episode()
    ids = trainer.agent_ids[: config.num_games * config.n_players]
    for done in (False, True):
        record = trainer._collect_rollout(ep, cap=0.0)
        assert (record is not None) is done
        # CleanRL's dones: 1 only on the first step of an episode (the first rollout's step 0)
        assert torch.equal(trainer.dones.sum(0), torch.full_like(trainer.dones[0], float(not done)))
        assert torch.equal(trainer.dones[0], torch.full_like(trainer.dones[0], float(not done)))
        batch = trainer._player_batch(ep)
        # the bootstrap reads the tax features with the rates still in force, from the engine
        feats = ep.player_features()
        with torch.no_grad():
            _, next_value = trainer.players(player_input(ep.out, config.network).flatten(0, 1), ids,
                                            feats.flatten(0, 1))
        last = slice(-config.num_games * config.n_players, None)
        bootstrap = 0.0 if done else config.gamma * next_value
        expected = trainer.rewards[-1].reshape(-1) + bootstrap - trainer.values[-1].reshape(-1)
        assert torch.allclose(batch.advantages[last], expected, atol=1e-6)
        assert not done or float(next_value.abs().max()) > 0   # the bootstrap really is dropped, not zero


def test_principal_gae_runs_over_an_episodes_decisions_without_bootstrap(tmp_path):
    # per-period commitment, 4 decisions per 200-step episode: the last decision's advantage is
    # r - V (the episode is over), an earlier one's r + gamma V(next) - V + gamma lambda A(next)
    config = _config(num_steps=200, total_timesteps=2 * 200, phase_one_fraction=0.0, anneal_fraction=0.0,
                     commitment_periods=1, norm_returns=False, principal_update_epochs=1)
    trainer = Trainer(config, tmp_path / "run", FakeFactory(config))
    batches = []
    original = __import__("sedtheory.rl.trainer", fromlist=["ppo_update"]).ppo_update

    def spy(net, opt, batch, settings, generator):
        if net is trainer.principal:
            batches.append(batch)
        return original(net, opt, batch, settings, generator)
    import sedtheory.rl.trainer as trainer_module
    trainer_module.ppo_update = spy
    try:
        seen = _recording_decisions(trainer)
        trainer.train()
    finally:
        trainer_module.ppo_update = original
    decisions, batch = seen[-1], batches[-1]
    r = torch.stack([d["reward"] for d in decisions])
    v = torch.stack([d["values"] for d in decisions])
    adv = batch.advantages.view(4, config.num_games)
    assert torch.allclose(adv[3], r[3] - v[3], atol=1e-5)
    delta2 = r[2] + config.gamma * v[3] - v[2]
    assert torch.allclose(adv[2], delta2 + config.gamma * config.gae_lambda * adv[3], atol=1e-5)


@pytest.mark.parametrize("mode", ["mask", "clamp"])
def test_rate_cap_masks_choices_or_clamps_rates(tmp_path, mode):
    # cap 0.1 -> 1 over 3 updates, per-period decisions: under 'mask' no sampled choice exceeds the
    # cap (k/10 <= cap or keep); under 'clamp' choices above it occur and their rates are cut back
    from sedtheory.rl.principal import KEEP, N_RATE_LEVELS

    config = _config(phase_one_fraction=0.0, anneal_fraction=0.5, initial_rate_cap=0.1, commitment_periods=1,
                     cap_mode=mode)
    trainer = Trainer(config, tmp_path / "run", FakeFactory(config))
    seen = _recording_decisions(trainer)
    trainer.train()
    first_episode = seen[0]   # caps 0.1 (update 0) and 0.4 (update 1)
    over = []
    for d in first_episode:
        cap = float(d["feat"][0, config.n_players + 1])
        rates = d["actions"].float() / (N_RATE_LEVELS - 1)
        over.append(bool(((d["actions"] != KEEP) & (rates > cap + 1e-6)).any()))
        if mode == "mask":
            assert torch.equal(d["allowed"][0, 0], torch.tensor([k / 10 <= cap + 1e-6 for k in range(11)] + [True]))
    assert any(over) is (mode == "clamp")
    for row in _rows(tmp_path / "run"):
        if row["charts/tax_rate_0"]:
            assert all(float(row[f"charts/tax_rate_{b}"]) <= float(row["charts/rate_cap"]) + 1e-6 for b in range(3))


def test_fixed_rates_are_committed_from_phase_two_and_read_by_the_players(tmp_path):
    config = _config(phase_one_fraction=0.5, anneal_fraction=0.5, fixed_rates=(1.0, 0.5, 0.0), commitment_periods=1)
    trainer = Trainer(config, tmp_path / "run", FakeFactory(config))
    seen = []
    collect = trainer._collect_rollout

    def spy(ep, cap):
        record = collect(ep, cap)
        seen.append((cap, trainer.player_feats[-1, 0, 0, :3].clone()))
        return record
    trainer._collect_rollout = spy
    trainer.train()
    assert [cap > 0 for cap, _ in seen] == [False] * 3 + [True] * 3
    for cap, rates in seen:
        assert rates.tolist() == ([1.0, 0.5, 0.0] if cap > 0 else [0.0, 0.0, 0.0])
    assert float(trainer.history[-1]["charts/tax_rate_0"]) == pytest.approx(1.0)
    assert trainer.principal_opt.state_dict()["state"] == {}   # no learned principal: never stepped


@pytest.mark.parametrize("episode", [1, 2])
def test_resumed_tensorboard_log_matches_the_uninterrupted_one(tmp_path, episode):
    # events logged after the checkpoint are purged and the checkpoint's own update is kept
    # (the purge used to start at the checkpoint's step and drop that update's events)
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    def steps(run_dir):
        events = EventAccumulator(str(run_dir / "tb"))
        events.Reload()
        return [(e.step, e.value) for e in events.Scalars("charts/learning_rate")]

    config = _config(log_tensorboard=True)
    Trainer(config, tmp_path / "whole", FakeFactory(config)).train()
    trainer = Trainer(config, tmp_path / "cut", _InterruptingFactory(config, episode=episode))
    with pytest.raises(KeyboardInterrupt):
        trainer.train()
    Trainer.resume(tmp_path / "cut", FakeFactory(config)).train()
    assert steps(tmp_path / "cut") == steps(tmp_path / "whole")
    assert len(steps(tmp_path / "whole")) == config.num_updates
