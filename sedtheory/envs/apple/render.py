"""RGB rendering of the Apple Picking Game (8 px per cell, as Melting Pot draws it) and episode videos.

Colours are our own (Melting Pot's sprites are not copied): dark grey walls, green-brown
grass under apple cells, red apples, one colour per player with a white bar on the side the
player faces. A player's view is its egocentric window rotated so that forward is up
(88 × 88 for the default 11 × 11 window); the principal's view is the whole map.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from sedtheory.envs.apple import engine

CELL = 8
COLOURS = {
    engine.FLOOR: (205, 190, 150), engine.WALL: (70, 70, 70), engine.OUT_OF_MAP: (0, 0, 0),
    engine.APPLE_CELL: (120, 160, 80), engine.LIVE_APPLE: (120, 160, 80),
}
APPLE = (200, 30, 30)
PLAYER_COLOURS = [(50, 90, 230), (240, 150, 20), (150, 60, 200), (30, 190, 200), (230, 70, 170),
                  (40, 150, 60), (120, 80, 40), (250, 230, 40), (100, 100, 255), (255, 120, 120)]


def _tile(terrain: int, player: int, facing_up: int) -> np.ndarray:
    """One 8 × 8 × 3 tile: terrain, apple, and a player (index or -1) whose facing is given in view coordinates."""
    tile = np.empty((CELL, CELL, 3), dtype=np.uint8)
    tile[:] = COLOURS[terrain]
    if terrain == engine.LIVE_APPLE:
        tile[2:6, 2:6] = APPLE
    if player >= 0:
        tile[1:7, 1:7] = PLAYER_COLOURS[player % len(PLAYER_COLOURS)]
        bar = {0: (slice(0, 2), slice(1, 7)), 1: (slice(1, 7), slice(6, 8)),
               2: (slice(6, 8), slice(1, 7)), 3: (slice(1, 7), slice(0, 2))}[facing_up]
        tile[bar] = (255, 255, 255)
    return tile


def _grid(consts: engine.EngineConsts, state: engine.AppleState, game: int):
    """Per-cell terrain codes ``(HW + 2,)`` and player index / facing maps of one game."""
    terrain = consts.terrain_np.copy()
    live = state.live[game, : consts.A].cpu().numpy()
    terrain[consts.apple_flat_np[live]] = engine.LIVE_APPLE
    player = np.full(consts.HW + 2, -1)
    facing = np.zeros(consts.HW + 2, dtype=int)
    pos, face, present = (x[game].cpu().numpy() for x in (state.pos, state.facing, state.present))
    for i in range(consts.n):
        if present[i]:
            player[pos[i]], facing[pos[i]] = i, face[i]
    return terrain, player, facing


def render_map(consts: engine.EngineConsts, state: engine.AppleState, game: int = 0) -> np.ndarray:
    """``(H * 8, W * 8, 3)`` uint8 picture of one game's full map (the principal's view)."""
    terrain, player, facing = _grid(consts, state, game)
    img = np.empty((consts.H * CELL, consts.W * CELL, 3), dtype=np.uint8)
    for cell in range(consts.HW):
        r, c = divmod(cell, consts.W)
        img[r * CELL:(r + 1) * CELL, c * CELL:(c + 1) * CELL] = _tile(int(terrain[cell]), int(player[cell]), int(facing[cell]))
    return img


def render_views(consts: engine.EngineConsts, state: engine.AppleState, game: int = 0) -> np.ndarray:
    """``(n, rows * 8, cols * 8, 3)`` uint8 egocentric views (forward is up); zeros for absent players."""
    terrain, player, facing = _grid(consts, state, game)
    rows, cols = consts.params.window_shape
    out = np.zeros((consts.n, rows * CELL, cols * CELL, 3), dtype=np.uint8)
    widx = consts.window_idx.cpu().numpy()
    pos, face, present = (x[game].cpu().numpy() for x in (state.pos, state.facing, state.present))
    for i in range(consts.n):
        if not present[i]:
            continue
        cells = widx[pos[i] * 4 + face[i]]
        for k, cell in enumerate(cells):
            r, c = divmod(k, cols)
            up = (facing[cell] - face[i]) % 4
            out[i, r * CELL:(r + 1) * CELL, c * CELL:(c + 1) * CELL] = _tile(int(terrain[cell]), int(player[cell]), int(up))
    return out


def write_episode_gif(path: str | Path, params=None, steps: int = 200, seed: int = 0, fps: int = 10,
                      scale: int = 2, policy=None) -> Path:
    """Play one game for ``steps`` steps (uniformly random actions unless ``policy(obs) -> (1, n)``
    actions is given) and write the full-map frames to a GIF (or MP4 if the suffix says so)."""
    import imageio.v2 as imageio

    from sedtheory.envs.apple.env import AppleEnv

    env = AppleEnv(params, num_games=1, seed=seed)
    out = env.reset()
    gen = torch.Generator().manual_seed(seed)
    frames = [env.render(0)]
    for _ in range(min(steps, env.params.episode_length)):
        if policy is None:
            actions = torch.randint(0, env.params.n_actions, (1, env.params.n_players), generator=gen)
        else:
            actions = policy(out.obs)
        out = env.step(actions)
        frames.append(env.render(0))
    frames = [np.kron(f, np.ones((scale, scale, 1), dtype=np.uint8)) for f in frames]
    path = Path(path)
    if path.suffix.lower() == ".gif":
        imageio.mimsave(path, frames, duration=1000 / fps, loop=0)
    else:
        imageio.mimsave(path, frames, fps=fps)
    return path
