"""A slow, plain reference of the Apple Picking Game: one game, numpy and Python loops.

Written to be read against the rules sheet ``docs/apple_game.md`` and the step order in the
docstring of :mod:`sedtheory.envs.apple.engine`; used only by tests, which check that the
batched engine matches it step for step given the same random draws (a dict with ``move``
``(n,)``, ``regrow`` ``(A + 1,)``, ``respawn_cell`` ``(n,)``, ``respawn_facing`` ``(n,)``, all
uniforms in [0, 1)). It shares no code with the engine beyond :class:`AppleParams`.

Positions are ``(row, col)`` pairs; facing 0 north, 1 east, 2 south, 3 west.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from sedtheory.envs.apple.params import AppleParams

FORWARD = [(-1, 0), (0, 1), (1, 0), (0, -1)]
RIGHT = [(0, 1), (1, 0), (0, -1), (-1, 0)]


@dataclass
class RefState:
    """One game. pos ``(n, 2)`` int; facing, present, removal_timer, cooldown ``(n,)``;
    live: dict ``(row, col) -> bool`` over apple cells; period_income, episode_apples ``(n,)``
    float; tax_rates, pending_rates ``(n_brackets,)``; t: step index."""

    pos: np.ndarray
    facing: np.ndarray
    present: np.ndarray
    removal_timer: np.ndarray
    cooldown: np.ndarray
    live: dict
    period_income: np.ndarray
    episode_apples: np.ndarray
    tax_rates: np.ndarray
    pending_rates: np.ndarray
    t: int


def apple_cells(params: AppleParams) -> list[tuple[int, int]]:
    """Apple cells in row-major order."""
    return [(int(r), int(c)) for r, c in np.argwhere(params.layout.apple_cells)]


def spawn_cells(params: AppleParams) -> list[tuple[int, int]]:
    """Spawn cells ``P`` in row-major order."""
    return [(int(r), int(c)) for r, c in np.argwhere(params.layout.spawn_cells)]


def is_blocked(params: AppleParams, r: int, c: int) -> bool:
    """Walls and cells off the map block movement and beams."""
    lay = params.layout
    return not (0 <= r < lay.height and 0 <= c < lay.width) or bool(lay.walls[r, c])


def relative_cell(pos, facing: int, forward: int, right: int) -> tuple[int, int]:
    """The cell ``forward`` ahead and ``right`` to the right of ``pos`` for a player facing ``facing``."""
    return (int(pos[0]) + forward * FORWARD[facing][0] + right * RIGHT[facing][0],
            int(pos[1]) + forward * FORWARD[facing][1] + right * RIGHT[facing][1])


def reset(params: AppleParams, spawn_u: np.ndarray, facing_u: np.ndarray, inner_u: np.ndarray | None = None) -> RefState:
    """Start state from the reset uniforms (spawn keys ``(S,)``, facings ``(n,)``, inner keys ``(Q,)``):
    the first players on the inner cells in ascending ``inner_u`` order, the rest on the spawn
    cells with the smallest ``spawn_u``."""
    n = params.n_players
    inner = list(params.layout.inner_spawns)
    if inner_u is not None:
        inner = [inner[k] for k in np.argsort(inner_u, kind="stable")]
    inner = inner[:n]
    spawns = spawn_cells(params)
    order = np.argsort(spawn_u, kind="stable")
    cells = inner + [spawns[k] for k in order[: n - len(inner)]]
    return RefState(
        pos=np.array(cells, dtype=int).reshape(n, 2), facing=np.floor(facing_u * 4).astype(int),
        present=np.ones(n, dtype=bool), removal_timer=np.zeros(n, dtype=int), cooldown=np.zeros(n, dtype=int),
        live={cell: True for cell in apple_cells(params)}, period_income=np.zeros(n), episode_apples=np.zeros(n),
        tax_rates=np.zeros(params.n_brackets), pending_rates=np.zeros(params.n_brackets), t=0,
    )


def tax(params: AppleParams, income: float, rates) -> float:
    """T(x, φ) = Σ_b φ_b · clip(x − τ_b, 0, τ_{b+1} − τ_b) (paper Section 4)."""
    tau = params.tax_thresholds
    return sum(rates[b] * min(max(income - tau[b], 0.0), tau[b + 1] - tau[b]) for b in range(len(tau) - 1))


def in_window(params: AppleParams, observer_pos, observer_facing: int, cell) -> bool:
    """Is ``cell`` inside the observer's window (forward/backward/left/right extents)?"""
    dr, dc = cell[0] - observer_pos[0], cell[1] - observer_pos[1]
    forward = dr * FORWARD[observer_facing][0] + dc * FORWARD[observer_facing][1]
    right = dr * RIGHT[observer_facing][0] + dc * RIGHT[observer_facing][1]
    return -params.window_backward <= forward <= params.window_forward and -params.window_left <= right <= params.window_right


def _zap_hits(params: AppleParams, s: RefState, actions) -> set[int]:
    hits = set()
    where = {tuple(s.pos[j]): j for j in range(params.n_players) if s.present[j]}
    for i in range(params.n_players):
        if not (s.present[i] and actions[i] == 7 and s.cooldown[i] == 0):
            continue
        for ray in _zap_rays(params):
            if ray[0][0] > 0 and ray[0][1] != 0 and is_blocked(params, *relative_cell(s.pos[i], s.facing[i], 0, ray[0][1])):
                continue  # a ray shifted sideways starts beside the zapper; a wall there blocks it
            for forward, right in ray:
                cell = relative_cell(s.pos[i], s.facing[i], forward, right)
                if is_blocked(params, *cell):
                    break
                if cell in where:
                    hits.add(where[cell])
                    break
    return hits


def _zap_rays(params: AppleParams) -> list:
    """Melting Pot's Zapper rays as lists of (forward, right) cells: forward rays of length
    ``L - |o|`` at lateral offsets ``o = -r..r``, then the left and right rays ``(0, ±1..±r)``."""
    L, r = params.zap_length, params.zap_radius
    rays = [[(d, o) for d in range(1, L - abs(o) + 1)] for o in range(-r, r + 1)]
    rays.append([(0, -k) for k in range(1, r + 1)])
    rays.append([(0, k) for k in range(1, r + 1)])
    return [ray for ray in rays if ray]


def _moves(params: AppleParams, s: RefState, actions, active, move_u) -> dict[int, tuple[int, int]]:
    """Players that move, with their new cells (conflict rules of the rules sheet)."""
    n = params.n_players
    offsets = {1: (1, 0), 2: (-1, 0), 3: (0, -1), 4: (0, 1)}
    target = {}
    for i in range(n):
        if active[i] and actions[i] in offsets:
            cell = relative_cell(s.pos[i], s.facing[i], *offsets[actions[i]])
            if not is_blocked(params, *cell):
                target[i] = cell
    # contests: one winner per cell, the largest uniform, ties to the lower index
    winners = {}
    for i, cell in target.items():
        if cell not in winners or (move_u[i], -i) > (move_u[winners[cell]], -winners[cell]):
            winners[cell] = i
    moving = {i: cell for cell, i in winners.items()}
    occupant = {tuple(s.pos[j]): j for j in range(n) if active[j]}
    result = {}
    for i in moving:
        seen, j = {i}, i
        while True:  # follow the chain of players standing on the cells ahead
            ahead = occupant.get(moving[j])
            if ahead is None:
                result[i] = moving[i]
                break
            if ahead not in moving or ahead in seen:
                break  # a stayer, or a cycle
            seen.add(ahead)
            j = ahead
    return result


def _regrowth(params: AppleParams, s: RefState, regrow_u) -> set[tuple[int, int]]:
    """Empty apple cells that regrow this step (k counted at the start of the step)."""
    cells = apple_cells(params)
    probs = np.asarray(params.regrowth_probs, dtype=np.float32)
    grown = set()
    for a, (r, c) in enumerate(cells):
        if s.live[(r, c)]:
            continue
        k = sum(1 for (r2, c2) in cells if (r2, c2) != (r, c) and s.live[(r2, c2)]
                and (r2 - r) ** 2 + (c2 - c) ** 2 <= params.regrowth_radius ** 2 + 1e-9)
        if regrow_u[a] < probs[min(k, len(probs) - 1)]:
            grown.add((r, c))
    return grown


def _respawn(params: AppleParams, s: RefState, waiting, draws) -> None:
    spawns = spawn_cells(params)
    for i in range(params.n_players):
        if not waiting[i]:
            continue
        taken = {tuple(s.pos[j]) for j in range(params.n_players) if s.present[j]}
        free = [cell for cell in spawns if cell not in taken]
        if not free:
            continue
        s.pos[i] = free[int(np.floor(draws["respawn_cell"][i] * len(free)))]
        s.facing[i] = int(np.floor(draws["respawn_facing"][i] * 4))
        s.present[i] = True


def step(params: AppleParams, state: RefState, actions, draws, selfishness, trust):
    """One step; returns ``(new_state, outputs)`` with outputs apples, intrinsic, extrinsic, reward, hit ``(n,)``."""
    n = params.n_players
    s = copy.deepcopy(state)
    actions = [int(a) if state.present[i] else 0 for i, a in enumerate(actions)]
    period_start = state.t % params.tax_period == 0
    if period_start:
        s.tax_rates = state.pending_rates.copy()
    hits = _zap_hits(params, state, actions) if params.zap else set()
    hit = np.array([i in hits for i in range(n)])
    if params.zap:
        for i in range(n):
            fired = state.present[i] and actions[i] == 7 and state.cooldown[i] == 0
            if fired:
                s.cooldown[i] = params.zap_cooldown
            elif state.present[i]:  # the timer runs down only while on the map
                s.cooldown[i] = max(state.cooldown[i] - 1, 0)
    active = state.present & ~hit
    for i in range(n):
        if active[i] and actions[i] in (5, 6):
            s.facing[i] = (state.facing[i] + (3 if actions[i] == 5 else 1)) % 4
    moved = _moves(params, state, actions, active, draws["move"])
    apples = np.zeros(n)
    for i, cell in moved.items():
        s.pos[i] = cell
        if state.live.get(cell, False):
            apples[i] = 1.0
            s.live[cell] = False
    for cell in _regrowth(params, state, draws["regrow"]):
        s.live[cell] = True
    s.present = active.copy()
    if params.zap:
        s.removal_timer = np.where(state.present, 0, np.maximum(state.removal_timer - 1, 0))
        _respawn(params, s, ~state.present & (s.removal_timer == 0), draws)
        s.removal_timer = np.where(hit, params.zap_removal_steps, s.removal_timer)
    intrinsic = np.zeros(n)
    for i in range(n):
        others = sum(apples[j] for j in range(n) if j != i and s.present[i] and s.present[j]
                     and in_window(params, s.pos[i], s.facing[i], s.pos[j]))
        intrinsic[i] = selfishness[i] * apples[i] + (1 - selfishness[i]) * others
    s.period_income = (np.zeros(n) if period_start else state.period_income.copy()) + apples
    s.episode_apples = state.episode_apples + apples
    extrinsic = apples.copy()
    if (state.t + 1) % params.tax_period == 0 or state.t + 1 == params.episode_length:
        taxes = np.array([tax(params, x, s.tax_rates) for x in s.period_income])
        extrinsic = apples - taxes + taxes.mean()
    reward = np.asarray(trust) * extrinsic + (1 - np.asarray(trust)) * intrinsic
    s.t = state.t + 1
    return s, {"apples": apples, "intrinsic": intrinsic, "extrinsic": extrinsic, "reward": reward, "hit": hit}


def observe_codes(params: AppleParams, s: RefState) -> np.ndarray:
    """``(n, rows, cols)``: per window cell ``terrain * 6 + slot`` (see the engine's ``observe_codes``)."""
    lay = params.layout
    rows, cols = params.window_shape
    out = np.full((params.n_players, rows, cols), 255, dtype=np.uint8)
    players = {tuple(s.pos[j]): j for j in range(params.n_players) if s.present[j]}
    for i in range(params.n_players):
        if not s.present[i]:
            continue
        for wr in range(rows):
            for wc in range(cols):
                cell = relative_cell(s.pos[i], s.facing[i], params.window_forward - wr, wc - params.window_left)
                r, c = cell
                if not (0 <= r < lay.height and 0 <= c < lay.width):
                    terrain = 2
                elif lay.walls[r, c]:
                    terrain = 1
                elif lay.apple_cells[r, c]:
                    terrain = 4 if s.live[cell] else 3
                else:
                    terrain = 0
                j = players.get(cell)
                slot = 0 if j is None else (5 if j == i else 1 + (s.facing[j] - s.facing[i]) % 4)
                out[i, wr, wc] = terrain * 6 + slot
    return out


def observe(params: AppleParams, s: RefState) -> np.ndarray:
    """Float one-hot observations ``(n, C, rows, cols)``: channels wall, out_of_map, apple_cell,
    apple, self, other_player, other facing forward/right/backward/left, then the one-hot agent id."""
    codes = observe_codes(params, s)
    n = params.n_players
    out = np.zeros((n, 10 + n, *params.window_shape), dtype=np.float32)
    for i in range(n):
        if not s.present[i]:
            continue
        terrain, slot = codes[i] // 6, codes[i] % 6
        out[i, 0] = terrain == 1
        out[i, 1] = terrain == 2
        out[i, 2] = terrain >= 3
        out[i, 3] = terrain == 4
        out[i, 4] = slot == 5
        out[i, 5] = (slot >= 1) & (slot <= 4)
        for k in range(4):
            out[i, 6 + k] = slot == 1 + k
        out[i, 10 + i] = 1
    return out
