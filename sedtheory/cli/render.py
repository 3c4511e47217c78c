"""``sedtheory render``: play an Apple Picking Game episode and write it as a GIF (or MP4) to watch."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

from sedtheory.cli._app import CommandError, Positional, command, require_extra
from sedtheory.envs.apple.params import AppleParams


@command("render")
def render(params: AppleParams, output: Annotated[Path | None, Positional()] = None, out: Path | None = None,
           steps: int = 200, seed: int = 0, fps: int = 10, scale: int = 3, map_file: Path | None = None) -> int:
    """Play one game with uniformly random actions and write the full-map frames to a video.

    Each frame shows the step, the tax rates in force and every player's apples above the map.

    Args:
        output: the file to write (same as --out).
        out: the file to write: .gif, or .mp4 when imageio's ffmpeg plugin is installed (default episode.gif).
        steps: number of steps to play (at most the episode length).
        seed: the game's seed (the same seed gives the same video).
        fps: frames per second.
        scale: pixels per map pixel (each cell is 8 x 8 map pixels).
        map_file: read the map from this ASCII file instead of --map-ascii (legend: sedtheory.envs.apple.params.MAP_LEGEND).
    """
    if output is not None and out is not None and output != out:
        raise CommandError(f"out: two files given ({output} and --out {out}); give one")
    path = output or out or Path("episode.gif")
    if map_file is not None:
        try:
            params = dataclasses.replace(params, map_ascii=Path(map_file).read_text())
        except OSError as exc:
            raise CommandError(f"map_file: cannot read {map_file} ({exc.strerror or exc})") from None
    for name, value in (("steps", steps), ("fps", fps), ("scale", scale)):
        if value < 1:
            raise CommandError(f"{name}: must be >= 1, got {value}")
    require_extra("torch", "rl", "render")
    require_extra("imageio", "rl", "render")
    from sedtheory.envs.apple.video import check_video_path, write_episode_gif

    check_video_path(path)   # before playing: a bad name fails at once
    path = write_episode_gif(path, params, steps=steps, seed=seed, fps=fps, scale=scale)
    print(f"wrote {path} ({min(steps, params.episode_length) + 1} frames)")
    return 0
