"""PPO against the exact side: on the tabular twin of the corridor map (2 players, 2 apples),
the profile learned by the same trainer has a small exact best-response gap.

Tolerances (stated before looking at a run, then checked): each δ̂_i ≤ 0.05 in reward units
(values from μ0 are about 1 apple) and at most a quarter of uniform random play's gap.
δ̂ is computed by exact policy iteration over *state-based* deviations, an upper bound on
the gap over reactive policies (see sedtheory.rl.exact)."""

import numpy as np
import pytest

from sedtheory.rl.config import make_config
from sedtheory.rl.exact import exact_gaps_on_twin, observation_windows


def _corridor_config(**changes):
    base = dict(n_players=2, map_layout="corridor", principal=False, episode_length=100, num_steps=100, num_games=16,
                total_timesteps=16 * 100 * 60, minibatch_size=512, hidden_size=32, learning_rate=2.5e-3,
                progress=False, log_tensorboard=False, player_episode_phase=False)
    return make_config("tiny", **{**base, **changes})


def test_observation_windows_match_the_engine():
    import torch

    from sedtheory.envs.apple.tabular import tabular_model
    from sedtheory.rl.envs import AppleFactory

    factory = AppleFactory(_corridor_config())
    model = tabular_model(factory.params)
    env = factory.make(4, 3, None)
    out = env.reset()
    for _ in range(5):
        for i in range(2):
            windows = observation_windows(model, i)
            codes = out.obs_codes[:, i].numpy()
            assert all((windows == c).all(axis=(1, 2)).any() for c in codes)
        out = env.step(torch.randint(7, (4, 2)))


def test_twin_refuses_tax_features_it_does_not_track():
    # the twin has no period income or phase: features are exact only with tax_period = 1
    from sedtheory._validate import ValidationError
    from sedtheory.rl.envs import AppleFactory, make_player_policy
    from sedtheory.rl.exact import twin_features

    config = _corridor_config()
    factory = AppleFactory(config)
    players = make_player_policy(factory, config)
    with pytest.raises(ValidationError, match="players: the network reads tax features .* tax_period=50"):
        twin_features(players, factory.params)
    one = AppleFactory(_corridor_config(tax_period=1)).params
    with pytest.raises(ValidationError, match="players: the network reads 8 features.*episode phase"):
        twin_features(make_player_policy(factory, _corridor_config(player_episode_phase=True)), one, [0.3, 0.2, 0.1])
    assert twin_features(players, one, [0.3, 0.2, 0.1]).tolist() == pytest.approx([0.3, 0.2, 0.1, 0, 0, 0, 0])
    with pytest.raises(ValidationError, match="tax_rates"):
        twin_features(players, one, [0.3])
    assert twin_features(make_player_policy(factory, _corridor_config(player_tax_features=False)), factory.params) is None


@pytest.mark.slow
def test_ppo_profile_has_a_small_exact_gap_on_the_corridor(tmp_path):
    from sedtheory.rl.trainer import Trainer

    trainer = Trainer(_corridor_config(player_tax_features=False), tmp_path / "run")
    trainer.train()
    result = exact_gaps_on_twin(trainer.players, trainer.factory.params, trainer.selfishness, trainer.trust)
    gaps = result["certificate"].delta_hat
    assert np.all(gaps <= 0.05), gaps
    assert np.all(gaps <= 0.25 * result["random_gaps"]), (gaps, result["random_gaps"])
    assert not result["certificate"].estimated
