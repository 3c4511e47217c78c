"""The episode driver (sedtheory/rl/driver.py) and the learning signals of the trainer.

Independent checks: the torch O_η against the theory side's ``eta_objective``; the return
normaliser against a pooled variance written here from the definition (Chan et al. 1979 pooled
moments of all discounted returns seen, with the prior pseudo-sample of weight 1e-4, mean 0,
variance 1); the entropy schedule against hand-computed values.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from sedtheory.rl.curriculum import entropy_coefficient
from sedtheory.rl.driver import AppleLikeEnv, Episode
from sedtheory.rl.normalize import ReturnNormalizer
from sedtheory.rl.principal import objective
from sedtheory.social_choice.welfare import eta_objective

from fake_apple import FakeAppleEnv, FakeParams


def test_the_engine_and_the_test_double_satisfy_the_driver_protocol():
    from sedtheory.envs.apple import AppleEnv, AppleParams

    engine = AppleEnv(AppleParams(), num_games=2, seed=0)
    double = FakeAppleEnv(FakeParams(), 2, 0, types=(np.ones((2, 3)), np.ones((2, 3))))
    engine.reset()
    double.reset()   # isinstance reads the protocol's properties, which need a started episode
    assert isinstance(engine, AppleLikeEnv)
    assert isinstance(double, AppleLikeEnv)
    assert not isinstance(object(), AppleLikeEnv)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 300), min_size=1, max_size=6), min_size=1, max_size=5).filter(
    lambda rows: len({len(r) for r in rows}) == 1), st.floats(0, 1))
def test_torch_objective_equals_the_theory_definition(apples, eta):
    apples = np.array(apples, dtype=float)
    etas = np.full(len(apples), eta)
    got = objective(torch.as_tensor(apples), torch.as_tensor(etas)).numpy()
    np.testing.assert_allclose(got, eta_objective(apples, etas), rtol=1e-6, atol=1e-4)


def test_decision_rewards_telescope_to_the_episode_objective():
    params = FakeParams()
    env = FakeAppleEnv(params, 4, 3, types=(np.ones((4, 3)), np.ones((4, 3))))
    episode = Episode(env, 0.7, commitment_steps=50)
    rewards = []
    generator = torch.Generator().manual_seed(0)

    def principal(ep):
        if ep.t > 0:
            rewards.append(ep.decision_reward())
        return torch.rand(4, 3, generator=generator)

    episode.play(lambda ep: torch.randint(0, 7, (4, 3), generator=generator), principal)
    rewards.append(episode.decision_reward())
    assert len(rewards) == params.episode_length // 50
    np.testing.assert_allclose(torch.stack(rewards).sum(0).numpy(), episode.metrics()["objective"], rtol=1e-5)


def _pooled_scale(returns_seen: list[np.ndarray], epsilon: float = 1e-8) -> float:
    prior_n, prior_mean, prior_var = 1e-4, 0.0, 1.0
    g = np.concatenate(returns_seen)
    n = prior_n + g.size
    mean = (prior_n * prior_mean + g.sum()) / n
    m2 = prior_n * (prior_var + (prior_mean - mean) ** 2) + ((g - mean) ** 2).sum()
    return float(np.sqrt(m2 / n + epsilon))


def test_return_normaliser_divides_by_the_pooled_std_of_discounted_returns():
    rng = np.random.default_rng(4)
    gamma, shape = 0.9, (3, 2)
    scaler = ReturnNormalizer(shape, gamma)
    running, seen = np.zeros(shape), []
    for step in range(40):
        reward = rng.normal(2.0, 3.0, size=shape)
        done = step % 10 == 9
        running = gamma * running + reward
        seen.append(running.reshape(-1).copy())
        scaled = scaler(torch.as_tensor(reward), done)
        expected_scale = _pooled_scale(seen)
        np.testing.assert_allclose(scaled.numpy(), reward / expected_scale, rtol=1e-9)
        assert scaler.scale == pytest.approx(expected_scale, rel=1e-9)
        if done:
            running = np.zeros(shape)


def test_return_normaliser_state_round_trips():
    a = ReturnNormalizer((2,), 0.99)
    for r in ([1.0, 2.0], [3.0, -1.0]):
        a(torch.tensor(r))
    b = ReturnNormalizer((2,), 0.99)
    b.load_state_dict(a.state_dict())
    x = torch.tensor([0.5, 4.0])
    torch.testing.assert_close(a(x), b(x))


def test_entropy_schedule_known_values():
    # 100 updates, phase one 20, annealing over 40 updates from 0.5 to 0.1
    values = [entropy_coefficient(u, 100, 0.2, 0.4, 0.5, 0.1) for u in (0, 20, 40, 60, 99)]
    np.testing.assert_allclose(values, [0.5, 0.5, 0.3, 0.1, 0.1])
    assert entropy_coefficient(57, 100, 0.2, 0.0, 0.5, 0.1) == 0.5   # no annealing: constant
