"""RGB rendering of the Apple Picking Game (8 px per cell, as Melting Pot draws it) and video frames.

Colours are our own (Melting Pot's sprites are not copied): dark grey walls, green-brown
grass under apple cells, red apples, one colour per player with a white bar on the side the
player faces. A player's view is its egocentric window rotated so that forward is up
(88 × 88 for the default 11 × 11 window); the principal's view is the whole map.
:func:`scoreboard` puts a frame under a band with the step, the tax rates and the players'
apples. This module draws from an engine state and imports no environment; videos are
written by :mod:`sedtheory.envs.apple.video`.
"""

from __future__ import annotations

import numpy as np

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


def scoreboard(frame: np.ndarray, *, step: int, episode_length: int, apples, rates, scale: int = 1) -> np.ndarray:
    """A video frame: the map ``frame (H, W, 3)`` enlarged ``scale`` times, under a band that
    shows the step counter, the tax rates in force (one per bracket) and each player's apples
    so far, next to the player's colour.

    Args:
        frame: uint8 ``(H, W, 3)`` from :func:`render_map`.
        step: steps played so far (0 before the first).
        episode_length: steps in an episode.
        apples: ``(n,)`` apples each player has eaten in the episode.
        rates: ``(n_brackets,)`` the tax rates of the period in force.
        scale: pixels per map pixel.

    Returns:
        uint8 ``(band + H * scale, W * scale, 3)``.
    """
    from PIL import Image, ImageDraw, ImageFont

    big = np.kron(np.asarray(frame, dtype=np.uint8), np.ones((scale, scale, 1), dtype=np.uint8))
    width = big.shape[1]
    size = max(10, min(16, width // 30))
    font = ImageFont.load_default(size=size)
    line = size + 4
    rates = np.asarray(rates).ravel()
    # (text, the widest text its slot must hold, colour): the layout is the same in every frame
    words = [(f"step {step}/{episode_length}", f"step {episode_length}/{episode_length}", (255, 255, 255)),
             ("tax " + " / ".join(f"{float(r):.2f}" for r in rates), "tax " + " / ".join(["0.00"] * len(rates)),
              (255, 220, 120)),
             ("apples", "apples", (255, 255, 255))]
    words += [(f"{int(a)}", "8888", PLAYER_COLOURS[i % len(PLAYER_COLOURS)])
              for i, a in enumerate(np.asarray(apples).ravel())]
    # lay the slots out left to right, wrapping at the frame's width; players get a colour swatch
    placed, x, y = [], 4, 2
    for k, (text, widest, colour) in enumerate(words):
        swatch = size if k >= 3 else 0
        w = swatch + (3 if swatch else 0) + int(font.getlength(widest)) + 10
        if x > 4 and x + w > width:
            x, y = 4, y + line
        placed.append((x, y, text, colour, swatch))
        x += w
    band = Image.new("RGB", (width, y + line + 2), (30, 30, 30))
    draw = ImageDraw.Draw(band)
    for x, y, text, colour, swatch in placed:
        if swatch:
            draw.rectangle((x, y + 2, x + swatch - 1, y + swatch + 1), fill=colour)
            draw.text((x + swatch + 3, y), text, fill=(255, 255, 255), font=font)
        else:
            draw.text((x, y), text, fill=colour, font=font)
    return np.concatenate([np.asarray(band, dtype=np.uint8), big], axis=0)
