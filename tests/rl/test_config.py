import pytest

from sedtheory._validate import ValidationError
from sedtheory.rl.config import (PRESETS, TrainConfig, config_from_dict, config_to_dict, make_config)


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


def test_fixed_rate_factory_on_the_commons_map():
    import torch

    from sedtheory.rl.envs import FixedRateFactory

    config = make_config("tiny", principal=False, player_tax_features=False)
    factory = FixedRateFactory(config, 0.3)
    env = factory.make(2, 0)
    env.reset()
    env.set_tax_rates(torch.ones(2, 3))   # asked for 1: the engine holds 0.3 in every bracket
    env.step(torch.zeros(2, config.n_players, dtype=torch.long))
    assert torch.allclose(env.tax_rates, torch.full((2, 3), 0.3))
    with pytest.raises(ValidationError, match="rate: must lie in"):
        FixedRateFactory(config, -0.1)
    # the players' features read the engine's rates, so they see the fixed rate, not what was asked
    from sedtheory.rl.driver import Episode

    episode = Episode(FixedRateFactory(make_config("tiny"), 0.3).make(2, 0), 0.5)
    episode.commit(torch.ones(2, 3))
    assert torch.allclose(episode.player_features()[..., :3], torch.full((2, config.n_players, 3), 0.3))
