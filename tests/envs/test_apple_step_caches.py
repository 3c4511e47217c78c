"""The eager engine's per-step shortcuts (cached ``1 - types``, draws and contest keys cut per
50-step block) give exactly what the plain computation gives."""

import pytest
torch = pytest.importorskip("torch")

from sedtheory.envs.apple import AppleEnv, AppleParams, engine

PARAMS = AppleParams(episode_length=60, tax_period=20)


def _stepped_state(env: AppleEnv, steps: int):
    gen = torch.Generator().manual_seed(3)
    env.reset()
    for _ in range(steps):
        env.step(torch.randint(0, PARAMS.n_actions, (env.num_games, PARAMS.n_players), generator=gen))
    return env.state


def test_rewards_follow_types_changed_in_place():
    """The cached complement ``1 - σ`` is recomputed when σ is modified in place."""
    env = AppleEnv(PARAMS, num_games=4, seed=5)
    state = _stepped_state(env, 7)
    actions = torch.ones(4, PARAMS.n_players, dtype=torch.int64)
    draws = engine.draw_step(env.consts, env._episode_keys, state.t)
    sigma, beta = env.types[0].clone(), env.types[1].clone()
    engine.step_state(env.consts, state, actions, draws, sigma, beta)  # fills the cache
    sigma.mul_(0.5)
    beta.fill_(0.25)
    _, cached = engine.step_state(env.consts, state, actions, draws, sigma, beta)
    fresh = engine.EngineConsts(PARAMS)  # an empty cache
    _, expected = engine.step_state(fresh, state, actions, draws, sigma.clone(), beta.clone())
    assert torch.equal(cached.intrinsic, expected.intrinsic)
    assert torch.equal(cached.reward, expected.reward)


def test_types_that_require_grad_keep_their_graph():
    env = AppleEnv(PARAMS, num_games=2, seed=1)
    state = _stepped_state(env, 3)
    sigma = env.types[0].clone().requires_grad_(True)
    draws = engine.draw_step(env.consts, env._episode_keys, state.t)
    actions = torch.zeros(2, PARAMS.n_players, dtype=torch.int64)
    for _ in range(2):  # the second call would hit a cache
        _, res = engine.step_state(env.consts, state, actions, draws, sigma, env.types[1])
        assert res.reward.requires_grad


def test_env_draws_and_keys_equal_the_per_step_draws():
    """The block-cut draws of AppleEnv equal draw_step at every step, across a block boundary."""
    env = AppleEnv(PARAMS, num_games=3, seed=11)
    env.reset()
    for t in range(PARAMS.episode_length):
        got, want = env.draws(), engine.draw_step(env.consts, env._episode_keys, t)
        for name in ("move", "regrow", "respawn_cell", "respawn_facing"):
            assert torch.equal(getattr(got, name), getattr(want, name)), (t, name)
        assert torch.equal(env._priority[t - env._block_start], engine.move_priority(env.consts, want.move))
        env.step(torch.zeros(3, PARAMS.n_players, dtype=torch.int64))
    with pytest.raises(IndexError):  # no draws after the episode's last step
        env.draws()
