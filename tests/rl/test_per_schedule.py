"""A principal restricted to rate levels, and players with one network per committed schedule
(``principal_levels``, ``players_per_schedule``)."""

import numpy as np
import pytest
import torch

from sedtheory._validate import ValidationError
from sedtheory.rl.config import make_config
from sedtheory.rl.networks import PerSchedulePlayers, PlayerPolicy, PrincipalPolicy, sample_categorical
from sedtheory.rl.principal import KEEP, N_CHOICES, apply_choices, choice_mask, level_mask, player_tax_features, schedules
from sedtheory.rl.trainer import Trainer

LEVELS = (0.0, 0.5, 1.0)


def _config(**changes):
    base = dict(n_players=2, total_timesteps=1200, progress=False, log_tensorboard=False, num_games=2,
                phase_one_fraction=0.0, anneal_fraction=0.0, checkpoint_every=1)   # 6 updates, 3 episodes
    return make_config("tiny", **{**base, **changes})


def test_levels_and_schedules():
    # the choices are rate k/10 (index k) and keep (index 11): levels 0, 0.5, 1 -> indices 0, 5, 10 and keep
    assert level_mask(LEVELS).nonzero().squeeze(1).tolist() == [0, 5, 10, KEEP]
    assert bool(level_mask().all()) and level_mask().shape == (N_CHOICES,)
    assert schedules(LEVELS, 2) == [(0.0, 0.0), (0.0, 0.5), (0.0, 1.0), (0.5, 0.0), (0.5, 0.5), (0.5, 1.0),
                                    (1.0, 0.0), (1.0, 0.5), (1.0, 1.0)]
    assert len(schedules((), 1)) == 11 and len(schedules((), 2)) == 121
    assert schedules(LEVELS, 3, flat=True) == [(0.0,) * 3, (0.5,) * 3, (1.0,) * 3]


def test_a_flat_principal_sets_every_bracket_from_its_first_choice():
    mask = choice_mask(LEVELS, 3, flat=True)
    assert mask[0].nonzero().squeeze(1).tolist() == [0, 5, 10, KEEP]
    assert all(row.nonzero().squeeze(1).tolist() == [KEEP] for row in mask[1:])   # the other heads only keep
    current = torch.tensor([[0.2, 0.4, 0.6], [0.2, 0.4, 0.6]])
    rates = apply_choices(torch.tensor([[5, KEEP, KEEP], [KEEP, 3, 9]]), current, 1.0, flat=True)
    torch.testing.assert_close(rates, torch.tensor([[0.5, 0.5, 0.5], [0.2, 0.2, 0.2]]))
    assert choice_mask((), 2).all()


@pytest.mark.parametrize("changes, message", [
    (dict(principal_levels=(0.0, 0.25)), "principal_levels: each level must be one of 0, 0.1"),
    (dict(principal_levels=(0.0, 1.5)), "principal_levels: each level must be one of"),
    (dict(principal_levels=(0.5, 0.5)), "principal_levels: levels repeat"),
    (dict(principal_levels=("a",)), "principal_levels: must be numbers"),
    (dict(principal_levels=LEVELS, cap_mode="clamp"), "principal_levels: .* needs cap_mode='mask'"),
    (dict(players_per_schedule=True, player_tax_features=False), "players_per_schedule: .* player_tax_features"),
    (dict(players_per_schedule=True, commitment_periods=1), "players_per_schedule: .* commitment_periods=0"),
    (dict(players_per_schedule=True, principal_levels=(0.5, 1.0)), "players_per_schedule: the levels must include 0"),
    (dict(players_per_schedule=True), "players_per_schedule: 11 levels over 3 brackets make 1331 schedules"),
    (dict(players_per_schedule=True, principal_levels=(0.0, 0.2, 0.4, 0.6, 0.8)),
     "players_per_schedule: 5 levels over 3 brackets make 125 schedules"),
    (dict(players_per_schedule=True, principal_levels=LEVELS, fixed_rates=(1.0, 1.0, 1.0)),
     "players_per_schedule: a fixed schedule"),
])
def test_bad_levels_and_per_schedule_settings_are_refused(changes, message):
    with pytest.raises(ValidationError, match=message):
        _config(**changes)


def test_a_principal_on_levels_never_chooses_another_level():
    torch.manual_seed(0)
    net = PrincipalPolicy((3, 5, 5), 4, n_brackets=2, n_choices=N_CHOICES, choice_mask=level_mask(LEVELS))
    with torch.no_grad():
        logits, _ = net(torch.randn(500, 3, 5, 5), torch.randn(500, 4))
    choices, _ = sample_categorical(logits, torch.Generator().manual_seed(1))
    assert set(choices.unique().tolist()) <= {0, 5, 10, KEEP}
    probs = torch.softmax(logits, -1)
    assert float(probs[..., [1, 2, 3, 4, 6, 7, 8, 9]].max()) == 0.0
    # the mask is not saved with the weights: a network without one loads them, and the mask comes from the config
    plain = PrincipalPolicy((3, 5, 5), 4, n_brackets=2, n_choices=N_CHOICES)
    plain.load_state_dict(net.state_dict())
    assert "choice_mask" not in net.state_dict()
    with pytest.raises(ValueError, match="choice_mask"):
        PrincipalPolicy((3, 5, 5), 4, 2, N_CHOICES, choice_mask=torch.zeros(N_CHOICES, dtype=torch.bool))


def _per_schedule(levels=LEVELS, n_brackets=1):
    torch.manual_seed(0)
    n_features = 2 * n_brackets + 1
    return PerSchedulePlayers(schedules(levels, n_brackets),
                              lambda: PlayerPolicy((4, 3, 3), 2, 5, hidden=8, kind="mlp", n_features=n_features))


def _features(rates):
    """Tax features of one bracket (thresholds 0, 10): the rate, a fill and the period phase."""
    rates = torch.tensor(rates, dtype=torch.float32).view(-1, 1)
    return player_tax_features(rates, torch.full((len(rates), 1), 3.0), 2, 5, (0.0, 10.0)).squeeze(1)


def test_each_sample_goes_through_its_schedules_network():
    players = _per_schedule()
    obs, ids = torch.rand(6, 4, 3, 3), torch.tensor([0, 1, 0, 1, 0, 1])
    feats = _features([1.0, 0.0, 0.5, 0.5, 1.0, 0.0])
    logits, values = players(obs, ids, feats)
    for row, rate in enumerate([1.0, 0.0, 0.5, 0.5, 1.0, 0.0]):
        alone_logits, alone_value = players.nets[LEVELS.index(rate)](obs[row:row + 1], ids[row:row + 1],
                                                                     feats[row:row + 1])
        torch.testing.assert_close(logits[row], alone_logits[0])
        torch.testing.assert_close(values[row], alone_value[0])
    assert players.network_index(feats).tolist() == [2, 0, 1, 1, 2, 0]
    with pytest.raises(ValueError, match=r"players: no network for the schedule \(0.3,\)"):
        players(obs[:1], ids[:1], _features([0.3]))
    with pytest.raises(ValueError, match="features: per-schedule players read the rates"):
        players(obs, ids, None)


def test_a_gradient_step_moves_only_the_networks_of_the_schedules_played():
    players = _per_schedule()
    optimizer = torch.optim.Adam(players.parameters(), lr=1e-2)
    obs, ids, actions = torch.rand(4, 4, 3, 3), torch.tensor([0, 1, 0, 1]), torch.tensor([1, 2, 3, 4])

    def step(rates):
        logp, entropy, value = players.evaluate_actions((obs, ids, _features(rates)), actions)
        optimizer.zero_grad()
        (logp.sum() + value.sum() + entropy.sum()).backward()
        optimizer.step()

    def states():
        return [{k: v.clone() for k, v in net.state_dict().items()} for net in players.nets]

    def moved(before):
        return [any(not torch.equal(before[k][name], value) for name, value in net.state_dict().items())
                for k, net in enumerate(players.nets)]

    before = states()
    step([0.0, 0.0, 1.0, 1.0])
    assert moved(before) == [True, False, True]   # rates 0 and 1 were played, 0.5 was not
    step([0.5, 0.5, 0.5, 0.5])                    # now only 0.5: it gets Adam state of its own
    before = states()
    for _ in range(2):   # 0 and 0.5 have momentum now, but only 1 is played: nothing else may move
        step([1.0, 1.0, 1.0, 1.0])
    assert moved(before) == [False, False, True]


def _levels_config(**changes):
    return _config(tax_thresholds=(0.0, 10000.0), principal_levels=LEVELS, players_per_schedule=True,
                   principal_explore_fraction=0.5, **changes)


def test_a_per_schedule_run_explores_on_its_levels_and_trains_only_the_networks_it_played(tmp_path):
    config = _levels_config()
    trainer = Trainer(config, tmp_path / "run")
    assert isinstance(trainer.players, PerSchedulePlayers) and len(trainer.players.nets) == 3
    before = [{k: v.clone() for k, v in net.state_dict().items()} for net in trainer.players.nets]
    played = set()
    decide = trainer._decide

    def recording(ep, cap):
        rates = decide(ep, cap)
        played.update(float(r) for r in rates.flatten())
        return rates
    trainer._decide = recording
    trainer.train()
    assert played <= set(LEVELS) and len(played) >= 2
    for k, level in enumerate(LEVELS):
        moved = any(not torch.equal(before[k][name], v) for name, v in trainer.players.nets[k].state_dict().items())
        assert moved == (level in played), (level, played)


def test_a_per_schedule_run_resumes_exactly_and_evaluates_on_its_schedules(tmp_path):
    from sedtheory.rl.evaluate import _principals, load_run

    config = _levels_config()
    whole = Trainer(config, tmp_path / "whole")
    whole.train()
    part = Trainer(config, tmp_path / "part")
    part.train(max_updates=2)
    resumed = Trainer.resume(tmp_path / "part")
    resumed.train()
    for x, y in zip(whole.players.state_dict().values(), resumed.players.state_dict().values()):
        assert torch.equal(x, y)
    run = load_run(tmp_path / "whole")
    assert isinstance(run.players, PerSchedulePlayers) and run.principal.choice_mask is not None
    names = set(_principals(run, (0.0, 0.3, 0.5, 1.0), torch.Generator().manual_seed(0)))
    # 0.3 is no level of this principal: no players were trained under it, so it is not offered
    assert {"fixed 0.5", "fixed 1"} <= names and "fixed 0.3" not in names


def test_a_random_principal_on_levels_draws_only_those_levels():
    from sedtheory.rl.episodes import RandomPrincipal

    class _Env:
        upcoming_rates = torch.zeros(400, 3)

    class _Episode:
        env = _Env()
    rates = RandomPrincipal(torch.Generator().manual_seed(0), LEVELS)(_Episode())
    assert set(np.unique(rates.numpy()).tolist()) == set(LEVELS)


def test_a_flat_per_schedule_run_plays_only_flat_schedules_and_has_one_network_per_level(tmp_path):
    config = _config(principal_levels=LEVELS, principal_flat=True, players_per_schedule=True,
                     principal_explore_fraction=0.5)
    trainer = Trainer(config, tmp_path / "run")
    assert trainer.players.schedules == [(0.0,) * 3, (0.5,) * 3, (1.0,) * 3]
    played = []
    decide = trainer._decide

    def recording(ep, cap):
        rates = decide(ep, cap)
        played.extend(tuple(float(r) for r in row) for row in rates)
        return rates
    trainer._decide = recording
    trainer.train()
    learned = played[len(played) // 2:]   # the second half: the principal's own choices (after exploration)
    assert set(played) <= set(trainer.players.schedules) and learned


def test_a_flat_random_principal_draws_one_level_per_game():
    from sedtheory.rl.episodes import RandomPrincipal

    class _Env:
        upcoming_rates = torch.zeros(200, 3)

    class _Episode:
        env = _Env()
    rates = RandomPrincipal(torch.Generator().manual_seed(0), LEVELS, flat=True)(_Episode())
    assert torch.equal(rates, rates[:, :1].expand(-1, 3)) and set(rates[:, 0].tolist()) == set(LEVELS)
