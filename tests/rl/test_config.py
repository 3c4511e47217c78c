import pytest

from sedtheory._validate import ValidationError
import json

from sedtheory.rl.config import (ENV_FIELDS, LEGACY_VALUES, PRESETS, TrainConfig, config_from_dict,
                                 config_to_dict, make_config)


@pytest.mark.parametrize("changes, field", [
    (dict(num_steps=300), "num_steps"),            # does not divide the episode (1000)
    (dict(tax_period=30), "tax_period"),           # does not divide the horizon (200)
    (dict(gamma=1.5), "gamma"),
    (dict(num_games=0), "num_games"),
    (dict(minibatch_size=10**9), "minibatch_size"),
    (dict(tax_thresholds=(0.0, 20.0, 10.0)), "tax_thresholds"),
    (dict(tax_thresholds=(5.0, 10.0)), "tax_thresholds"),
    (dict(phase_one_fraction=0.7, anneal_fraction=0.5), "phase_one_fraction"),
    (dict(initial_rate_cap=0.0), "initial_rate_cap"),
    (dict(learning_rate=0.0), "learning_rate"),
    (dict(total_timesteps=10), "total_timesteps"),
    (dict(network="transformer"), "network"),
    (dict(num_games=True), "num_games"),
    # wrong types and non-finite values: these raised a bare TypeError or passed before
    (dict(learning_rate="fast"), "learning_rate"),
    (dict(learning_rate=float("inf")), "learning_rate"),
    (dict(ent_coef=None), "ent_coef"),
    (dict(gamma=True), "gamma"),
    (dict(anneal_fraction=float("nan")), "anneal_fraction"),
    (dict(torch_threads=1.5), "torch_threads"),
    (dict(checkpoint_every=-1), "checkpoint_every"),
    (dict(tax_thresholds=(0.0, "ten")), "tax_thresholds"),
    (dict(principal_ent_anneal_fraction=1.5), "principal_ent_anneal_fraction"),
    (dict(principal_ent_final=-0.1), "principal_ent_final"),
])
def test_bad_config_names_the_field(changes, field):
    with pytest.raises(ValidationError, match=field):
        TrainConfig(**changes)


def test_defaults_follow_appendix_a_and_paper_code():
    config = TrainConfig()
    assert (config.n_players, config.episode_length, config.num_steps, config.tax_period) == (7, 1000, 200, 50)
    assert config.tax_thresholds == (0.0, 10.0, 20.0, 10000.0)
    assert (config.learning_rate, config.adam_eps, config.gamma, config.gae_lambda) == (2.5e-4, 1e-5, 0.99, 0.95)
    assert (config.update_epochs, config.clip_coef, config.ent_coef, config.vf_coef, config.max_grad_norm) == (
        4, 0.2, 0.01, 0.5, 0.5)
    assert config.clip_vloss and config.anneal_lr
    assert config.updates_per_episode == 5 and config.periods_per_rollout == 4
    paper = make_config("paper")
    assert paper.minibatch_size == 128 and paper.anneal_fraction == 0.02


def test_every_field_has_help():
    import dataclasses

    assert all(f.metadata.get("help") for f in dataclasses.fields(TrainConfig))


def test_presets_validate_and_round_trip():
    for name in PRESETS:
        config = make_config(name)
        assert config_from_dict(config_to_dict(config)) == config


def test_make_config_rejects_unknowns():
    with pytest.raises(ValidationError, match="preset"):
        make_config("huge")
    with pytest.raises(ValidationError, match="bogus"):
        make_config("tiny", bogus=1)
    with pytest.raises(ValidationError, match="bogus"):
        config_from_dict({"bogus": 1})


def test_a_config_written_before_tax_features_loads_without_them():
    # run folders written before the field existed hold no 'player_tax_features': they were
    # trained without features, so they load with False (the legacy value), not the new default
    data = config_to_dict(make_config("tiny"))
    assert data.pop("player_tax_features") is True
    assert config_from_dict(data).player_tax_features is False
    assert config_from_dict({**data, "player_tax_features": True}).player_tax_features is True


def test_players_features_read_the_engines_rates():
    # the features come from the engine (AppleEnv.upcoming_rates: the schedule committed for the
    # period), not from a copy kept by the caller
    import torch

    from sedtheory.rl.driver import Episode
    from sedtheory.rl.envs import AppleFactory

    config = make_config("tiny")
    episode = Episode(AppleFactory(config).make(2, 0), 0.5)
    episode.commit(torch.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]))
    expected = episode.env.upcoming_rates.unsqueeze(1).expand(2, config.n_players, 3)
    assert torch.allclose(episode.player_features()[..., :3], expected)
    assert torch.allclose(expected[1, 0], torch.tensor([0.4, 0.5, 0.6]))


def test_fixed_rates_are_validated():
    with pytest.raises(ValidationError, match="fixed_rates: expected 3 rates"):
        make_config("tiny", fixed_rates=(0.5,))
    with pytest.raises(ValidationError, match="fixed_rates: rates must be numbers in"):
        make_config("tiny", fixed_rates=(0.5, 0.5, -0.1))
    with pytest.raises(ValidationError, match="fixed_rates: a fixed schedule needs principal=True"):
        make_config("tiny", fixed_rates=(0.5, 0.5, 0.5), principal=False)


def test_the_paper_preset_keeps_the_papers_principal_and_the_default_commits():
    paper, default = make_config("paper"), make_config("default")
    assert paper.commitment_periods == 1 and paper.cap_mode == "clamp" and paper.principal_anneal_lr
    assert not paper.norm_returns and not paper.player_episode_phase
    assert default.commitment_periods == 0 and default.cap_mode == "mask" and default.norm_returns
    assert default.commitment_steps == default.episode_length and paper.commitment_steps == paper.tax_period
    assert paper.decisions_per_episode == paper.episode_length // paper.tax_period and default.decisions_per_episode == 1


def test_the_env_section_holds_the_game_and_round_trips():
    config = make_config("tiny", map_layout="corridor", n_players=2, window=(2, 1, 1, 1), regrowth_probs=(0.0, 0.1),
                         map_ascii="")
    data = config_to_dict(config)
    assert set(data["env"]) == set(ENV_FIELDS) and not set(ENV_FIELDS) & (set(data) - {"env"})
    assert data["env"]["window"] == [2, 1, 1, 1] and data["env"]["regrowth_probs"] == [0.0, 0.1]
    assert config_from_dict(json.loads(json.dumps(data))) == config
    with pytest.raises(ValidationError, match="env.gamma: not a field of the env section"):
        config_from_dict({**data, "env": {**data["env"], "gamma": 0.9}})
    with pytest.raises(ValidationError, match="window: given both in the env section and at the top level"):
        config_from_dict({**data, "window": [1, 1, 1, 1]})


def test_a_flat_config_from_before_the_env_section_loads_with_legacy_values():
    data = config_to_dict(make_config("tiny"))
    flat = {**{k: v for k, v in data.items() if k != "env"}, **data["env"]}
    for name in LEGACY_VALUES:
        flat.pop(name)
    old = config_from_dict(flat)
    assert old.commitment_periods == 1 and old.cap_mode == "clamp" and not old.norm_returns
    assert not old.player_tax_features and not old.player_episode_phase
    assert old.principal_anneal_lr == old.anneal_lr
    assert config_from_dict({**flat, "anneal_lr": False}).principal_anneal_lr is False


def test_the_cli_offers_exactly_the_presets():
    import typing

    from sedtheory.cli.train import PresetName

    assert set(typing.get_args(PresetName)) == set(PRESETS)
