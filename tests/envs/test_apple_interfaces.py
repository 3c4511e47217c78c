"""PettingZoo and Gymnasium views, rendering and the render command."""

import warnings

import numpy as np
import pytest
torch = pytest.importorskip("torch")

pettingzoo = pytest.importorskip("pettingzoo")
from pettingzoo.test import parallel_api_test, parallel_seed_test  # noqa: E402

from sedtheory.envs.apple import AppleEnv, AppleParams, AppleVectorEnv, parallel_env  # noqa: E402


def test_parallel_api_test_passes():
    env = parallel_env(episode_length=60, tax_period=20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parallel_api_test(env, num_cycles=70)


def test_parallel_seed_test_passes():
    parallel_seed_test(lambda: parallel_env(episode_length=40, tax_period=10), num_cycles=50)


def test_parallel_env_rewards_and_infos_match_the_batched_engine():
    env = parallel_env(episode_length=30, tax_period=10)
    obs, _ = env.reset(seed=5)
    twin = AppleEnv(env.params, num_games=1, seed=5)
    first = twin.reset()
    np.testing.assert_array_equal(obs["player_3"], first.obs[0, 3].numpy())
    gen = np.random.default_rng(0)
    for _ in range(30):
        acts = gen.integers(0, 7, 7)
        obs, rew, term, trunc, infos = env.step({f"player_{i}": int(a) for i, a in enumerate(acts)})
        out = twin.step(torch.tensor(acts[None]))
        for i in range(7):
            assert rew[f"player_{i}"] == pytest.approx(float(out.reward[0, i]))
            assert infos[f"player_{i}"]["apples"] == float(out.apples[0, i])
            assert infos[f"player_{i}"]["intrinsic"] == pytest.approx(float(out.intrinsic[0, i]))
            assert infos[f"player_{i}"]["extrinsic"] == pytest.approx(float(out.extrinsic[0, i]))
    assert all(trunc.values()) and not any(term.values()) and env.agents == []


def test_vector_view_flattens_game_major_and_autoresets():
    vec = AppleVectorEnv(AppleParams(episode_length=5, tax_period=5), num_games=3, seed=1)
    obs, _ = vec.reset()
    assert obs.shape == (21, *vec.single_observation_space.shape)
    assert vec.observation_space.shape == (21, *vec.single_observation_space.shape)
    twin = AppleEnv(AppleParams(episode_length=5, tax_period=5), num_games=3, seed=1)
    twin.reset()
    for t in range(5):
        actions = torch.arange(21) % 7
        obs, rew, term, trunc, infos = vec.step(actions)
        out = twin.step(actions.view(3, 7))
        assert torch.equal(rew, out.reward.reshape(-1))
        assert bool(trunc.all()) == (t == 4)
    assert torch.equal(infos["final_obs"], out.obs.reshape(21, *out.obs.shape[2:]))
    assert vec.env.t == 0


def test_render_shapes_and_gif(tmp_path):
    from sedtheory.envs.apple import write_episode_gif
    env = AppleEnv(AppleParams(), num_games=2, seed=0)
    env.reset()
    frame = env.render(1)
    assert frame.shape == (18 * 8, 24 * 8, 3) and frame.dtype == np.uint8
    views = env.render_player_views(0)
    assert views.shape == (7, 88, 88, 3)
    from sedtheory.envs.apple.render import CELL, PLAYER_COLOURS
    for i in range(7):  # the observer's own cell (window row 9, column 5) shows its colour at the tile's centre
        assert views[i, 9 * CELL + 4, 5 * CELL + 4].tolist() == list(PLAYER_COLOURS[i])
    r, c = divmod(int(env.state.pos[1, 0]), 24)  # and the full map shows player 0 of game 1 on its cell
    assert frame[r * CELL + 4, c * CELL + 4].tolist() == list(PLAYER_COLOURS[0])
    path = write_episode_gif(tmp_path / "ep.gif", AppleParams(episode_length=10, tax_period=5), steps=10, scale=1)
    import imageio.v2 as imageio
    frames = imageio.mimread(path)
    assert len(frames) == 11 and frames[0].shape[1] == 192   # the map, 144 rows, under a scoreboard band
    first = AppleEnv(AppleParams(episode_length=10, tax_period=5), num_games=1, seed=0)
    first.reset()
    assert np.array_equal(frames[0][-144:, :, :3], first.render(0))


def test_render_command_writes_a_gif(tmp_path):
    from sedtheory.cli import main
    out = tmp_path / "cli.gif"
    assert main(["render", str(out), "--steps", "5", "--episode-length", "10", "--tax-period", "5"]) == 0
    assert out.stat().st_size > 0


def test_render_command_and_parallel_env_name_the_bad_field(tmp_path, capsys):
    from sedtheory import ValidationError
    from sedtheory.cli import main
    assert main(["render", str(tmp_path / "x.gif"), "--steps", "5", "--scale", "0"]) == 2
    assert "scale: must be >= 1, got 0" in capsys.readouterr().err
    with pytest.raises(ValidationError, match="render_mode"):
        parallel_env(render_mode="human")
    env = parallel_env(episode_length=10, tax_period=5)
    env.reset(seed=0)
    with pytest.raises(ValidationError, match="actions: no action for"):
        env.step({"player_0": 0})
