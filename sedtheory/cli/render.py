"""``sedtheory render``: play an Apple Picking Game episode and write it as a GIF (or MP4) to watch."""

from __future__ import annotations

from pathlib import Path

from sedtheory.cli._app import CommandError, command
from sedtheory.envs.apple.params import AppleParams


@command("render")
def render(output: Path, params: AppleParams, steps: int = 200, seed: int = 0, fps: int = 10, scale: int = 2,
           map_file: Path | None = None) -> int:
    """Play one game with uniformly random actions and write the full-map frames to a video.

    Args:
        output: the file to write (.gif, or .mp4 when imageio's ffmpeg plugin is installed).
        steps: number of steps to play (at most the episode length).
        seed: the game's seed (the same seed gives the same video).
        fps: frames per second.
        scale: pixels per map pixel (each cell is 8 x 8 map pixels).
        map_file: read the map from this ASCII file instead of --map-ascii (legend: sedtheory.envs.apple.params.MAP_LEGEND).
    """
    if map_file is not None:
        import dataclasses
        try:
            params = dataclasses.replace(params, map_ascii=Path(map_file).read_text())
        except OSError as exc:
            raise CommandError(f"map_file: cannot read {map_file} ({exc})") from None
    for name, value in (("steps", steps), ("fps", fps), ("scale", scale)):
        if value < 1:
            raise CommandError(f"{name}: must be >= 1, got {value}")
    from sedtheory.envs.apple.render import write_episode_gif
    path = write_episode_gif(output, params, steps=steps, seed=seed, fps=fps, scale=scale)
    print(f"wrote {path} ({min(steps, params.episode_length) + 1} frames)")
    return 0
