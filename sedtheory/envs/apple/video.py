"""Episode videos: play a game and write its frames, with a scoreboard, to a GIF (or an MP4).

Above :mod:`~sedtheory.envs.apple.env` and :mod:`~sedtheory.envs.apple.render` (which draws
frames and imports no environment), so the two have no import cycle.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import torch

from sedtheory._validate import ValidationError
from sedtheory.envs.apple.env import AppleEnv
from sedtheory.envs.apple.render import scoreboard

FORMATS = {".gif": None, ".mp4": ("imageio_ffmpeg", "av")}
"""Video suffixes and the imageio plugins that can write them (``None``: always available)."""


def check_video_path(path: str | Path, field: str = "out") -> Path:
    """``path`` as a :class:`~pathlib.Path`, if a video can be written there.

    Raises:
        ValidationError: the suffix is not a video format (:data:`FORMATS`), ``.mp4`` without
            imageio's ffmpeg (or PyAV) plugin, the folder does not exist, or the path is a folder.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError(f"{field}: {path} has {'the suffix ' + repr(path.suffix) if suffix else 'no suffix'}; "
                              f"write a {' or '.join(FORMATS)} file")
    plugins = FORMATS[suffix]
    if plugins is not None and not any(importlib.util.find_spec(p) is not None for p in plugins):
        raise ValidationError(f"{field}: writing {suffix} needs imageio's ffmpeg plugin "
                              "(pip install 'imageio[ffmpeg]'); or write a .gif")
    if path.is_dir():
        raise ValidationError(f"{field}: {path} is a folder; give a file name ending in .gif")
    if not path.parent.is_dir():
        raise ValidationError(f"{field}: the folder {path.parent} does not exist")
    return path


def save_video(path: str | Path, frames: list[np.ndarray], fps: int, field: str = "out") -> Path:
    """Write ``frames`` (uint8 ``(h, w, 3)`` each, all one size) to ``path`` (:func:`check_video_path`)
    at ``fps`` frames per second; a GIF loops. Encoded in memory first, so a file that cannot be
    written fails with one message and leaves nothing half-written behind.

    Raises:
        ValidationError: ``path`` cannot take a video, or cannot be written (names the reason).
    """
    import imageio.v3 as iio

    path = check_video_path(path, field)
    suffix = path.suffix.lower()
    options = {"duration": 1000 / fps, "loop": 0} if suffix == ".gif" else {"fps": fps}   # GIF: ms per frame
    data = iio.imwrite("<bytes>", np.stack(frames), extension=suffix, **options)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ValidationError(f"{field}: cannot write {path} ({exc.strerror or exc})") from None
    return path


def write_episode_gif(path: str | Path, params=None, steps: int = 200, seed: int = 0, fps: int = 10,
                      scale: int = 2, policy=None) -> Path:
    """Play one game for ``steps`` steps (uniformly random actions unless ``policy(obs) -> (1, n)``
    actions is given) and write the full-map frames, each under a scoreboard (step, tax rates,
    apples per player: :func:`~sedtheory.envs.apple.render.scoreboard`), to a GIF (or an MP4 if
    the suffix says so and imageio's ffmpeg plugin is installed).

    Raises:
        ValidationError: ``path`` cannot take a video (:func:`check_video_path`), checked before playing.
    """
    path = check_video_path(path)
    env = AppleEnv(params, num_games=1, seed=seed)
    out = env.reset()
    gen = torch.Generator().manual_seed(seed)
    length = env.params.episode_length

    def frame() -> np.ndarray:
        return scoreboard(env.render(0), step=env.t, episode_length=length, apples=env.episode_apples[0].cpu().numpy(),
                          rates=env.tax_rates[0].cpu().numpy(), scale=scale)

    frames = [frame()]
    for _ in range(min(steps, length)):
        if policy is None:
            actions = torch.randint(0, env.params.n_actions, (1, env.params.n_players), generator=gen)
        else:
            actions = policy(out.obs)
        out = env.step(actions)
        frames.append(frame())
    return save_video(path, frames, fps)
