"""Episode videos: the map under a scoreboard (step, tax rates, apples per player), enlarged;
``sedtheory render --out`` as the README writes it; bad output names are one-line errors."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
imageio = pytest.importorskip("imageio.v2")

from sedtheory._validate import ValidationError  # noqa: E402
from sedtheory.cli import main  # noqa: E402
from sedtheory.envs.apple import AppleEnv, AppleParams, write_episode_gif  # noqa: E402
from sedtheory.envs.apple.render import PLAYER_COLOURS, scoreboard  # noqa: E402

SMALL = AppleParams(episode_length=10, tax_period=5)


def _band(frame, map_rows):
    return frame[: frame.shape[0] - map_rows]


def test_the_scoreboard_enlarges_the_map_and_keeps_one_size():
    env = AppleEnv(AppleParams(), num_games=1, seed=0)
    env.reset()
    frame = env.render(0)
    a = scoreboard(frame, step=0, episode_length=1000, apples=np.zeros(7), rates=np.zeros(3), scale=3)
    b = scoreboard(frame, step=999, episode_length=1000, apples=np.full(7, 1234), rates=np.ones(3), scale=3)
    assert a.shape == b.shape and a.shape[1] == 3 * 192 and a.dtype == np.uint8
    # below the band: the map, each pixel a 3 x 3 block (np.kron as the oracle)
    assert np.array_equal(a[-3 * 144:], np.kron(frame, np.ones((3, 3, 1), dtype=np.uint8)))
    band_a, band_b = _band(a, 3 * 144), _band(b, 3 * 144)
    assert band_a.shape[0] >= 12 and not np.array_equal(band_a, band_b)   # the text changed with step and scores
    for colour in PLAYER_COLOURS[:7]:   # each player's swatch is drawn in the band
        assert (band_a.reshape(-1, 3) == colour).all(-1).any(), colour


def test_gif_frames_follow_the_game_with_its_score(tmp_path):
    path = write_episode_gif(tmp_path / "ep.gif", SMALL, steps=10, seed=3, scale=2)
    frames = imageio.mimread(path)
    assert len(frames) == 11 and len({f.shape for f in frames}) == 1
    env = AppleEnv(SMALL, num_games=1, seed=3)   # replay: same seed, same action stream
    env.reset()
    import torch
    gen = torch.Generator().manual_seed(3)
    for _ in range(10):
        env.step(torch.randint(0, SMALL.n_actions, (1, SMALL.n_players), generator=gen))
    last = frames[-1][:, :, :3]
    assert np.array_equal(last[-2 * 144:], np.kron(env.render(0), np.ones((2, 2, 1), dtype=np.uint8)))
    expected = scoreboard(env.render(0), step=10, episode_length=10, apples=env.episode_apples[0].numpy(),
                          rates=env.tax_rates[0].numpy(), scale=2)
    assert np.array_equal(last, expected)


def test_readme_render_command_works(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["render", "--out", "episode.gif", "--steps", "3"]) == 0   # README: sedtheory render --out episode.gif
    assert (tmp_path / "episode.gif").stat().st_size > 0
    assert "wrote episode.gif (4 frames)" in capsys.readouterr().out
    assert main(["render", "--steps", "2", "--scale", "1"]) == 0            # default name
    assert len(imageio.mimread(tmp_path / "episode.gif")) == 3


@pytest.mark.parametrize("name, message", [
    ("x.txt", "has the suffix '.txt'; write a .gif or .mp4 file"),
    ("noext", "has no suffix; write a .gif or .mp4 file"),
    ("missing/x.gif", "the folder missing does not exist"),
])
def test_bad_output_names_are_one_line(tmp_path, monkeypatch, capsys, name, message):
    monkeypatch.chdir(tmp_path)
    assert main(["render", "--out", name, "--steps", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sedtheory: error: out: ") and message in err and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


def test_mp4_without_the_ffmpeg_plugin_says_what_to_install(tmp_path, monkeypatch, capsys):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("imageio_ffmpeg", "av")
                        else real(name, *a))
    assert main(["render", "--out", str(tmp_path / "x.mp4"), "--steps", "2"]) == 2
    assert "pip install 'imageio[ffmpeg]'" in capsys.readouterr().err


def test_an_unwritable_file_is_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "x.gif").mkdir()   # a folder where the file should go
    assert main(["render", "--out", str(tmp_path / "x.gif"), "--steps", "2"]) == 2
    assert "is a folder" in capsys.readouterr().err

    def refuse(self, data):   # a read-only file system or missing permission (root ignores chmod)
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_bytes", refuse)
    assert main(["render", "--out", str(tmp_path / "y.gif"), "--steps", "2"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"sedtheory: error: out: cannot write {tmp_path / 'y.gif'} (Permission denied)"


def test_write_episode_gif_refuses_before_playing(tmp_path):
    with pytest.raises(ValidationError, match="out: .* has the suffix '.png'"):
        write_episode_gif(tmp_path / "x.png", SMALL, steps=2)


def test_positional_and_out_must_agree(tmp_path, capsys):
    assert main(["render", str(tmp_path / "a.gif"), "--out", str(tmp_path / "b.gif")]) == 2
    assert "two files given" in capsys.readouterr().err
