"""Batched torch engine of the Apple Picking Game: pure functions over a state with a leading batch axis.

Rules: the rules sheet ``docs/apple_game.md`` (Melting Pot ``commons_harvest__open`` plus the paper's
Section 4, equation (2) and Table 1). One step of every game, in this order:

1. **Tax rates.** At the first step of a tax period the pending rates (set by the principal)
   become the period's rates.
2. **Zap** (only with ``params.zap``). Each present player choosing action 7 with cooldown 0 fires
   the rays of Melting Pot's ``Zapper`` (``avatar_library.lua``, ``getWhoZappable``; length
   ``L = zap_length``, radius ``r = zap_radius``): for each lateral offset ``o = −r..r`` the cells
   ``(forward d, lateral o)``, ``d = 1..L − |o|`` (a shifted ray is blocked outright by a wall
   beside the zapper), and two side rays ``(0, ±1..±r)``. Each ray stops at its first wall and
   hits the first player on it (positions at the start of the step). Hit players leave the map
   at once (their action this step is ignored) for ``zap_removal_steps`` steps, then respawn on
   a uniformly random free spawn cell ``P`` (players in index order) with a uniformly random
   facing; with no free spawn cell they wait a step. A zapper's cooldown becomes
   ``zap_cooldown``: it cannot zap in the next ``zap_cooldown`` steps; as in Melting Pot the
   cooldown runs down only while the player is on the map.
3. **Turns and moves** relative to the facing. A move into a wall or off the map is a stay.
   Among players moving into the same cell one uniformly random winner (largest ``move``
   uniform, ties to the lower index) keeps its move, the others stay. A mover whose target is
   held by a player who stays is blocked; following a player who moves away is allowed;
   players moving in a closed cycle (a swap is a 2-cycle) are all blocked.
4. **Eating.** A player that moved onto a live apple eats it: ``a_i(t) = 1``.
5. **Regrowth.** An apple cell empty at the start of the step regrows with probability
   ``p(min(k, len(p) - 1))``, ``k`` = live apples within Euclidean distance ``regrowth_radius``
   (itself excluded) at the start of the step. An apple eaten this step was live at the
   start, so it cannot regrow this step. An apple may regrow under a standing player, who eats
   it only by leaving and re-entering.
6. **Rewards** (paper eq. (2)): ``r_int,i = σ_i a_i + (1 − σ_i) Σ_{j observable by i} a_j``
   (``j ≠ i`` present inside ``i``'s window after the moves); ``r_ext,i = a_i``, plus
   ``−T(x_i, φ) + (1/n) Σ_j T(x_j, φ)`` at the period's last step (``x`` = the period's apples);
   ``r_i = β_i r_ext,i + (1 − β_i) r_int,i``. A player off the map gets no apples and no intrinsic
   reward; it still pays and receives the period's tax transfer (budget balance). Observability
   is judged at the end of the step, so a player respawned in this step already counts.

Randomness: every draw is injected as a :class:`StepDraws` (see :func:`draw_step`), counter-based
per game (:mod:`sedtheory.envs.apple.rng`), so a batch reproduces single games exactly and the
slow reference :mod:`sedtheory.envs.apple.reference` can consume the very same numbers.

Observations: cell codes gathered through precomputed indices per (cell, facing)
(:func:`observe_codes`, uint8), turned into one-hot float channels by one table lookup
(:func:`one_hot_obs`). Channel names:
:data:`OBS_CHANNEL_NAMES`, :data:`PRINCIPAL_CHANNEL_NAMES`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import torch

from sedtheory.envs.apple import rng
from sedtheory.envs.apple.params import AppleParams

# Facing 0 = north, 1 = east, 2 = south, 3 = west; (row, col) of "forward" and "right".
FORWARD = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)])
RIGHT = np.array([(0, 1), (1, 0), (0, -1), (-1, 0)])
# Actions 1..4 as (forward, right) offsets: forward, backward, step left, step right.
MOVE_OFFSETS = ((1, 0), (-1, 0), (0, -1), (0, 1))
ACTION_NAMES = ("noop", "forward", "backward", "step_left", "step_right", "turn_left", "turn_right", "zap")

# Terrain codes of a cell.
FLOOR, WALL, OUT_OF_MAP, APPLE_CELL, LIVE_APPLE = 0, 1, 2, 3, 4
N_TERRAIN = 5
# Player slot of a window cell: 0 none, 1..4 another player facing (relative) fwd/right/back/left, 5 self.
N_SLOTS = 6
OBS_CHANNEL_NAMES = ("wall", "out_of_map", "apple_cell", "apple", "self", "other_player",
                     "other_faces_forward", "other_faces_right", "other_faces_backward", "other_faces_left")
"""Player observation channels; then one constant plane per agent id (one-hot id)."""
PRINCIPAL_CHANNEL_NAMES = ("wall", "apple_cell", "apple", "player", "faces_north", "faces_east",
                           "faces_south", "faces_west", "period_apples")
"""Principal observation channels (full map); then one plane per player marking its cell."""


def tax_torch(income: torch.Tensor, rates: torch.Tensor, thresholds: torch.Tensor) -> torch.Tensor:
    """Bracket tax ``T(x, φ) = Σ_b φ_b · clip(x − τ_b, 0, τ_{b+1} − τ_b)`` (paper Section 4).

    Args:
        income: ``(B, n)`` period incomes ``x``.
        rates: ``(B, n_brackets)`` rates ``φ`` in ``[0, 1]``.
        thresholds: ``(n_brackets + 1,)`` thresholds ``τ`` starting at 0.
    Returns: ``(B, n)`` tax of each player.
    """
    lower, width = thresholds[:-1], thresholds[1:] - thresholds[:-1]
    taxed = torch.minimum((income[..., None] - lower).clamp_min(0.0), width)
    return (taxed * rates[:, None, :]).sum(-1)


@dataclass(frozen=True)
class AppleState:
    """State of B games (leading axis B). ``pos`` are flat cells ``row * W + col``.

    Fields: pos, facing, present, removal_timer, cooldown (int64 / bool ``(B, n)``);
    period_income, episode_apples (float32 ``(B, n)``); live: bool ``(B, A + 1)`` over the map's
    apple cells in row-major order plus a last scratch column that is always False;
    tax_rates, pending_rates: float32 ``(B, n_brackets)``; t: step index within the episode
    (all games in lockstep).
    """

    pos: torch.Tensor
    facing: torch.Tensor
    present: torch.Tensor
    removal_timer: torch.Tensor
    cooldown: torch.Tensor
    live: torch.Tensor
    period_income: torch.Tensor
    episode_apples: torch.Tensor
    tax_rates: torch.Tensor
    pending_rates: torch.Tensor
    t: int


@dataclass(frozen=True)
class StepDraws:
    """The uniforms in [0, 1) one step consumes: move ``(B, n)`` (contest priority),
    regrow ``(B, A + 1)`` (last column unused), respawn_cell ``(B, n)``, respawn_facing ``(B, n)``."""

    move: torch.Tensor
    regrow: torch.Tensor
    respawn_cell: torch.Tensor
    respawn_facing: torch.Tensor


@dataclass(frozen=True)
class StepResult:
    """Per-player outputs of one step, each ``(B, n)``: apples (a_i), intrinsic, extrinsic,
    reward (mixed, eq. (2)), hit (zapped this step, bool)."""

    apples: torch.Tensor
    intrinsic: torch.Tensor
    extrinsic: torch.Tensor
    reward: torch.Tensor
    hit: torch.Tensor


class EngineConsts:
    """Static tables of one map on one device (built once per :class:`AppleParams`).

    Flat cells ``0..HW-1`` are the map; ``OOB = HW`` is the out-of-map cell and ``DUMP = HW + 1``
    a scratch cell where absent players are scattered.
    """

    def __init__(self, params: AppleParams, device: torch.device | str = "cpu"):
        self.params = params
        self.device = torch.device(device)
        lay = params.layout
        self.H, self.W = lay.height, lay.width
        self.HW = self.H * self.W
        self.OOB, self.DUMP = self.HW, self.HW + 1
        self.n = params.n_players
        self.n_actions = params.n_actions
        terrain = np.full(self.HW + 2, FLOOR, dtype=np.int64)
        terrain[: self.HW][lay.walls.ravel()] = WALL
        terrain[: self.HW][lay.apple_cells.ravel()] = APPLE_CELL
        terrain[self.OOB] = OUT_OF_MAP
        self.terrain_np = terrain
        self.apple_flat_np = np.flatnonzero(lay.apple_cells.ravel())
        self.A = len(self.apple_flat_np)
        cell_to_apple = np.full(self.HW + 2, self.A, dtype=np.int64)
        cell_to_apple[self.apple_flat_np] = np.arange(self.A)
        self.spawn_flat_np = np.flatnonzero(lay.spawn_cells.ravel())
        self.inner_flat_np = np.array([r * self.W + c for r, c in lay.inner_spawns], dtype=np.int64)
        t = lambda a, dt=torch.int64: torch.as_tensor(np.asarray(a), dtype=dt, device=self.device)  # noqa: E731
        self.terrain = t(terrain)
        self.apple_flat = t(self.apple_flat_np)
        self.apple_flat_dump = t(np.append(self.apple_flat_np, self.DUMP))  # live's scratch column -> DUMP
        self.cell_to_apple = t(cell_to_apple)
        self.spawn_flat = t(self.spawn_flat_np)
        self.inner_flat = t(self.inner_flat_np)
        self.is_apple = t(np.arange(self.A + 1) < self.A, torch.bool)
        self.neighbours = t(self._neighbour_matrix(), torch.float32)
        probs = np.asarray(params.regrowth_probs, dtype=np.float32)
        self.regrow_probs = t(probs[np.minimum(np.arange(self.A + 1), len(probs) - 1)], torch.float32)
        self.thresholds = t(np.asarray(params.tax_thresholds), torch.float32)
        self.window_np = self._window_table()
        self.window_idx = t(self.window_np)
        self.act_target = t(self._action_target_table())
        self.act_facing = t(self._action_facing_table())
        self.visible = t(self._visibility_table(), torch.bool)
        # the same without the observer's own cell: two present players never share a cell, so this
        # excludes exactly j == i among present players
        own = np.arange(self.HW * 4) * self.HW + np.arange(self.HW * 4) // 4
        self.visible_other = self.visible.clone()
        self.visible_other[t(own)] = False
        self.beam = t(self._beam_table())
        self.terrain_code = t(terrain * N_SLOTS, torch.uint8)
        self.window_idx4 = t(self.window_np + (np.arange(self.HW * 4) % 4 * (self.HW + 2))[:, None])
        self.slot_table = t([[1 + (fo - f) % 4 for f in range(4)] for fo in range(4)], torch.uint8)
        self.obs_table = t(self._obs_table(), torch.float32)
        self.agent_offset = t(np.arange(self.n) * N_TERRAIN * N_SLOTS).view(1, self.n, 1)
        self.player_index = t(np.arange(self.n))
        self.not_self = t(~np.eye(self.n, dtype=bool), torch.bool)
        self.pointer_tail = t([self.n, self.n + 1])
        self.pointer_rounds = max(1, math.ceil(math.log2(self.n)))
        self.self_index = params.window_forward * params.window_shape[1] + params.window_left
        # per-step constants kept as tensors (a Python scalar operand costs a tensor creation per op)
        self.tie_break = t(self.n - 1 - np.arange(self.n))  # move_priority: ties to the lower index
        self.dump_i = t(self.DUMP)
        self.scratch_i = t(self.A)
        self.obs_absent = t(255, torch.uint8)
        self.n1_i = t(self.n + 1)
        self.self_bump = t(np.arange(params.window_shape[0] * params.window_shape[1]) == self.self_index, torch.uint8) * 4
        self.complements: dict = {}
        self.draw_words = rng.offsets(3 * self.n + self.A + 1, self.device)
        self.reset_words = rng.offsets(len(self.spawn_flat_np) + self.n + len(self.inner_flat_np), self.device)
        self.types_words = rng.offsets(2 * self.n, self.device)

    # ---- static tables -------------------------------------------------------------------
    def _cell_at(self, r: int, c: int) -> int:
        return r * self.W + c if 0 <= r < self.H and 0 <= c < self.W else self.OOB

    def _offset_cell(self, cell: int, facing: int, forward: int, right: int) -> int:
        r, c = divmod(cell, self.W)
        return self._cell_at(r + forward * FORWARD[facing][0] + right * RIGHT[facing][0],
                             c + forward * FORWARD[facing][1] + right * RIGHT[facing][1])

    def _blocked(self, cell: int) -> bool:
        return self.terrain_np[cell] in (WALL, OUT_OF_MAP)

    def _neighbour_matrix(self) -> np.ndarray:
        """``(A + 1, A + 1)``: 1 where two apple cells are within the regrowth radius (not itself)."""
        rc = np.array([divmod(int(c), self.W) for c in self.apple_flat_np]).reshape(-1, 2)
        d2 = ((rc[:, None, :] - rc[None, :, :]) ** 2).sum(-1)
        near = d2 <= self.params.regrowth_radius ** 2 + 1e-9
        np.fill_diagonal(near, False)
        out = np.zeros((self.A + 1, self.A + 1), dtype=np.float32)
        out[: self.A, : self.A] = near
        return out

    def _window_table(self) -> np.ndarray:
        """``(HW * 4, V)``: flat cell (or OOB) at each window position, per (cell, facing)."""
        p = self.params
        rows, cols = p.window_shape
        cell, f = np.divmod(np.arange(self.HW * 4), 4)
        r, c = np.divmod(cell, self.W)
        fwd = (p.window_forward - np.arange(rows))[:, None].repeat(cols, 1).ravel()  # (V,)
        lat = (np.arange(cols) - p.window_left)[None, :].repeat(rows, 0).ravel()
        rr = r[:, None] + fwd[None] * FORWARD[f, 0][:, None] + lat[None] * RIGHT[f, 0][:, None]
        cc = c[:, None] + fwd[None] * FORWARD[f, 1][:, None] + lat[None] * RIGHT[f, 1][:, None]
        inside = (rr >= 0) & (rr < self.H) & (cc >= 0) & (cc < self.W)
        return np.where(inside, rr * self.W + cc, self.OOB).astype(np.int64)

    def _action_target_table(self) -> np.ndarray:
        """``(HW * 4 * n_actions,)``: cell after action ``a`` from (cell, facing); a blocked move stays."""
        table = np.empty((self.HW, 4, self.n_actions), dtype=np.int64)
        for cell in range(self.HW):
            for f in range(4):
                table[cell, f, :] = cell
                for m, (d, lat) in enumerate(MOVE_OFFSETS):
                    target = self._offset_cell(cell, f, d, lat)
                    table[cell, f, m + 1] = cell if self._blocked(target) else target
        return table.ravel()

    def _action_facing_table(self) -> np.ndarray:
        """``(4 * n_actions,)``: facing after action ``a`` (5 turns left, 6 turns right)."""
        table = np.empty((4, self.n_actions), dtype=np.int64)
        for f in range(4):
            table[f, :] = f
            table[f, 5], table[f, 6] = (f + 3) % 4, (f + 1) % 4
        return table.ravel()

    def _visibility_table(self) -> np.ndarray:
        """``(HW * 4 * HW,)``: cell ``c2`` lies in the window of an observer at (cell, facing)."""
        window = self.window_np
        table = np.zeros((self.HW * 4, self.HW), dtype=bool)
        for key in range(self.HW * 4):
            table[key, window[key][window[key] < self.HW]] = True
        return table.ravel()

    def _beam_table(self) -> np.ndarray:
        """``(HW * 4, 2r + 3, max(L, r))``: cells of each zap ray (module docstring), DUMP after the first wall."""
        p = self.params
        L, r = p.zap_length, p.zap_radius
        rays = [[(d, o) for d in range(1, L - abs(o) + 1)] for o in range(-r, r + 1)]
        rays += [[(0, -k) for k in range(1, r + 1)], [(0, k) for k in range(1, r + 1)]]
        table = np.full((self.HW * 4, len(rays), max(L, r)), self.DUMP, dtype=np.int64)
        for key in range(self.HW * 4):
            cell, f = divmod(key, 4)
            for k, ray in enumerate(rays):
                if ray and ray[0][0] > 0 and ray[0][1] != 0 and self._blocked(self._offset_cell(cell, f, 0, ray[0][1])):
                    continue  # a shifted ray starts beside the zapper: a wall there blocks it
                for j, (d, o) in enumerate(ray):
                    target = self._offset_cell(cell, f, d, o)
                    if self._blocked(target):
                        break
                    table[key, k, j] = target
        return table

    def _obs_table(self) -> np.ndarray:
        """``(n * 30 + 1, C)``: one-hot channels of each (agent, terrain, slot) code; last row zeros."""
        n, base = self.n, len(OBS_CHANNEL_NAMES)
        table = np.zeros((n * N_TERRAIN * N_SLOTS + 1, base + n), dtype=np.float32)
        terrain_channel = {WALL: 0, OUT_OF_MAP: 1, APPLE_CELL: 2, LIVE_APPLE: 2}
        for agent in range(n):
            for terrain in range(N_TERRAIN):
                for slot in range(N_SLOTS):
                    row = table[(agent * N_TERRAIN + terrain) * N_SLOTS + slot]
                    if terrain in terrain_channel:
                        row[terrain_channel[terrain]] = 1
                    row[3] = terrain == LIVE_APPLE
                    if slot == 5:
                        row[4] = 1
                    elif slot > 0:
                        row[5] = 1
                        row[5 + slot] = 1
                    row[base + agent] = 1
        return table


# ---- draws ---------------------------------------------------------------------------------
def split_draws(consts: EngineConsts, u: torch.Tensor) -> StepDraws:
    """Cut one ``(B, 3n + A + 1)`` block of uniforms into the fields of :class:`StepDraws`."""
    n, A = consts.n, consts.A
    return StepDraws(move=u[:, :n], regrow=u[:, n:n + A + 1], respawn_cell=u[:, n + A + 1:2 * n + A + 1],
                     respawn_facing=u[:, 2 * n + A + 1:])


def draw_step(consts: EngineConsts, episode_keys: torch.Tensor, t: int) -> StepDraws:
    """The uniforms of step ``t`` for games with episode keys ``(B,)`` (:func:`rng.episode_keys`)."""
    key = rng.stream_key(episode_keys, rng.STEP_STREAM, t)
    return split_draws(consts, rng.uniforms(key, consts.draw_words))


def draw_block(consts: EngineConsts, episode_keys: torch.Tensor, first: int, count: int) -> torch.Tensor:
    """The uniforms of steps ``first .. first + count - 1`` at once: ``(count, B, 3n + A + 1)``;
    row ``k`` equals the block :func:`draw_step` cuts for step ``first + k``."""
    words = torch.tensor([rng.fmix32_int(rng.STEP_STREAM ^ rng.fmix32_int(t + 1)) for t in range(first, first + count)],
                         dtype=torch.int64, device=episode_keys.device)
    keys = rng.fmix32(episode_keys[None, :] ^ words[:, None])  # (count, B): stream_key of each step
    h = rng.fmix32(keys[:, :, None] ^ consts.draw_words)
    return (h >> 8).to(torch.float32) * (1.0 / 16777216.0)


def sample_types(consts: EngineConsts, seeds: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Selfishness σ and trust β ``(B, n)`` ~ U[0, 1) per game (paper Section 4), fixed per seed."""
    u = rng.uniforms(rng.stream_key(seeds, rng.TYPES_STREAM, 0), consts.types_words)
    return u[:, : consts.n].contiguous(), u[:, consts.n:].contiguous()


# ---- reset ---------------------------------------------------------------------------------
def reset_draws(consts: EngineConsts, episode_keys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Uniforms of a reset: spawn-cell keys ``(B, S)``, facings ``(B, n)``, inner-cell keys ``(B, Q)``."""
    u = rng.uniforms(rng.stream_key(episode_keys, rng.RESET_STREAM, 0), consts.reset_words)
    S, n = len(consts.spawn_flat_np), consts.n
    return u[:, :S], u[:, S:S + n], u[:, S + n:]


def reset_state(consts: EngineConsts, spawn_u: torch.Tensor, facing_u: torch.Tensor,
                inner_u: torch.Tensor | None = None) -> AppleState:
    """Start state (Melting Pot: the first players use ``insideSpawnPoints``, the rest ``spawnPoints``):
    players ``k < min(#Q, n)`` on distinct inner cells ``Q`` in uniformly random order (ascending
    ``inner_u``; row-major order when ``inner_u`` is None), the others on distinct uniformly random
    spawn cells ``P`` (ascending ``spawn_u``; ties to the lower cell), facings ``floor(4 u)``, all apples live."""
    B, n, dev = spawn_u.shape[0], consts.n, consts.device
    n_inner = min(len(consts.inner_flat_np), n)
    order = torch.sort(spawn_u, dim=1, stable=True).indices[:, : n - n_inner]
    if inner_u is None or n_inner == 0:
        inner = consts.inner_flat[:n_inner].expand(B, n_inner)
    else:
        inner = consts.inner_flat[torch.sort(inner_u, dim=1, stable=True).indices[:, :n_inner]]
    pos = torch.cat([inner, consts.spawn_flat[order]], dim=1)
    zeros_i = torch.zeros(B, n, dtype=torch.int64, device=dev)
    zeros_f = torch.zeros(B, n, dtype=torch.float32, device=dev)
    rates = torch.zeros(B, consts.params.n_brackets, dtype=torch.float32, device=dev)
    live = consts.is_apple.expand(B, consts.A + 1).clone()
    return AppleState(
        pos=pos.contiguous(), facing=(facing_u * 4).long(), present=torch.ones(B, n, dtype=torch.bool, device=dev),
        removal_timer=zeros_i, cooldown=zeros_i.clone(), live=live, period_income=zeros_f,
        episode_apples=zeros_f.clone(), tax_rates=rates, pending_rates=rates.clone(), t=0,
    )


# ---- step ----------------------------------------------------------------------------------
def _occupancy(consts: EngineConsts, pos: torch.Tensor, present: torch.Tensor | None, empty: int = -1) -> torch.Tensor:
    """``(B, HW + 2)``: index of the present player on each cell, ``empty`` if none (``present=None``: all)."""
    B, n = pos.shape
    occ = torch.full((B, consts.HW + 2), empty, dtype=torch.int64, device=pos.device)
    if present is None:
        return occ.scatter_(1, pos, consts.player_index.expand(B, n))
    occ.scatter_(1, torch.where(present, pos, consts.dump_i), consts.player_index.expand(B, n))
    occ[:, consts.DUMP] = empty
    return occ


def _zap(consts: EngineConsts, state: AppleState, act: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Zap step (module docstring, item 2) for actions ``act`` ``(B, n)``: returns (hit ``(B, n)``
    bool, new cooldown ``(B, n)``)."""
    B, n = act.shape
    fire = state.present & (act == 7) & (state.cooldown == 0)
    occ = _occupancy(consts, state.pos, state.present)
    cells = consts.beam[state.pos * 4 + state.facing]  # (B, n, rays, length)
    who = occ.gather(1, cells.view(B, -1)).view(cells.shape)
    on = who >= 0
    first = on & (on.long().cumsum(-1) == 1) & fire[:, :, None, None]
    target = torch.where(first, who, n).view(B, -1)
    hit = torch.zeros(B, n + 1, dtype=torch.bool, device=act.device)
    hit.scatter_(1, target, True)
    # Melting Pot's Zapper: the timer runs down only while the player is on the map
    cooldown = torch.where(fire, consts.params.zap_cooldown,
                           torch.where(state.present, (state.cooldown - 1).clamp_min(0), state.cooldown))
    return hit[:, :n], cooldown


def move_priority(consts: EngineConsts, u: torch.Tensor) -> torch.Tensor:
    """Distinct contest keys ``(B, n)``: larger uniform wins, ties to the lower player index."""
    return torch.add(consts.tie_break, (u * 16777216.0).long(), alpha=consts.n)


def resolve_moves(consts: EngineConsts, pos: torch.Tensor, target: torch.Tensor, present: torch.Tensor | None,
                  priority: torch.Tensor) -> torch.Tensor:
    """Which players move (``(B, n)`` bool). A player moves iff ``target != pos``, it has the
    largest priority among players targeting that cell, and the chain of players standing on
    the cells ahead ends at a free cell with every link moving (cycles and stayers block)."""
    B, n = pos.shape
    moving = target != pos
    # the largest key per target cell (keys are distinct and >= 0; non-movers go to the DUMP cell)
    best = torch.full((B, consts.HW + 2), -1, dtype=torch.int64, device=pos.device)
    best.scatter_reduce_(1, torch.where(moving, target, consts.dump_i), priority, "amax")
    winner = moving & (best.gather(1, target) == priority)
    ahead = _occupancy(consts, pos, present, empty=n).gather(1, target)  # player on the target cell, n if none
    nxt = torch.where(winner, ahead, consts.n1_i)
    ptr = torch.cat([nxt, consts.pointer_tail.expand(B, 2)], dim=1)
    for _ in range(consts.pointer_rounds):
        ptr = ptr.gather(1, ptr)
    return ptr[:, :n] == n


def _respawn(consts: EngineConsts, pos, facing, present, waiting, draws: StepDraws):
    """Place waiting players, in index order, on uniformly random free spawn cells."""
    if not bool(waiting.any()):
        return pos, facing, present
    pos, facing, present = pos.clone(), facing.clone(), present.clone()
    spawn = consts.spawn_flat
    for i in range(consts.n):  # runs only on steps with a respawn (zap on)
        want = waiting[:, i]
        if not bool(want.any()):
            continue
        free = ~((spawn[None, :, None] == pos[:, None, :]) & present[:, None, :]).any(-1)  # (B, S)
        n_free = free.sum(-1)
        pick = ((draws.respawn_cell[:, i] * 16777216.0).long() * n_free) >> 24  # floor(u * n_free), exact
        chosen = (free & (free.long().cumsum(-1) - 1 == pick[:, None])).long().argmax(-1)
        ok = want & (n_free > 0)
        pos[:, i] = torch.where(ok, spawn[chosen], pos[:, i])
        facing[:, i] = torch.where(ok, (draws.respawn_facing[:, i] * 4).long(), facing[:, i])
        present[:, i] = present[:, i] | ok
    return pos, facing, present


def observable(consts: EngineConsts, pos: torch.Tensor, facing: torch.Tensor, present: torch.Tensor | None) -> torch.Tensor:
    """``(B, n, n)`` bool: ``[b, i, j]`` = player ``j ≠ i`` is present inside ``i``'s window."""
    key = torch.add(facing, pos, alpha=4).mul_(consts.HW)
    if present is None:  # every player present: distinct cells, so "not my cell" is "not me"
        return torch.take(consts.visible_other, key.unsqueeze(2) + pos.unsqueeze(1))
    seen = torch.take(consts.visible, key.unsqueeze(2) + pos.unsqueeze(1)) & consts.not_self
    return seen & present.unsqueeze(2) & present.unsqueeze(1)


def _complement(consts: EngineConsts, x: torch.Tensor) -> torch.Tensor:
    """``1 - x``, cached on ``consts`` for the types tensors every step reuses (keyed by the tensor
    object and its in-place version counter, so a modified or different tensor is recomputed)."""
    if x.requires_grad or torch.compiler.is_compiling():  # a graph to record, or traced code: no cache
        return 1 - x
    cache = consts.complements
    hit = cache.get(id(x))
    if hit is not None and hit[0] is x and hit[1] == x._version:
        return hit[2]
    value = 1 - x
    if len(cache) >= 8:
        cache.clear()
    cache[id(x)] = (x, x._version, value)
    return value


def _period_tax(consts: EngineConsts, income: torch.Tensor, rates: torch.Tensor) -> torch.Tensor:
    """``(B, n)`` transfer at a period's end: ``(1/n) Σ_j T(x_j) − T(x_i)`` (sums to zero per game)."""
    tax = tax_torch(income, rates, consts.thresholds)
    return tax.mean(-1, keepdim=True) - tax


def step_state(consts: EngineConsts, state: AppleState, actions: torch.Tensor, draws: StepDraws,
               selfishness: torch.Tensor, trust: torch.Tensor) -> tuple[AppleState, StepResult]:
    """One step of every game (rules in the module docstring). ``actions``: int64 ``(B, n)``."""
    p = consts.params
    period_start = state.t % p.tax_period == 0
    period_end = (state.t + 1) % p.tax_period == 0 or state.t + 1 == p.episode_length
    return _advance(consts, state, actions, draws, selfishness, trust, period_start, period_end, state.t + 1)


def step_state_with_priority(consts: EngineConsts, state: AppleState, actions: torch.Tensor, draws: StepDraws,
                             selfishness: torch.Tensor, trust: torch.Tensor,
                             priority: torch.Tensor) -> tuple[AppleState, StepResult]:
    """:func:`step_state` given ``priority = move_priority(consts, draws.move)`` ``(B, n)`` computed
    ahead (:class:`~sedtheory.envs.apple.env.AppleEnv` computes it for a whole block of steps at once)."""
    p = consts.params
    period_start = state.t % p.tax_period == 0
    period_end = (state.t + 1) % p.tax_period == 0 or state.t + 1 == p.episode_length
    return _advance(consts, state, actions, draws, selfishness, trust, period_start, period_end, state.t + 1, priority)


def advance(consts: EngineConsts, state: AppleState, actions: torch.Tensor, draws: StepDraws,
            selfishness: torch.Tensor, trust: torch.Tensor, period_start: bool,
            period_end: bool) -> tuple[AppleState, StepResult]:
    """:func:`step_state` with the tax-period flags given (``state.t`` is neither read nor advanced)."""
    return _advance(consts, state, actions, draws, selfishness, trust, period_start, period_end, state.t)


def _advance(consts: EngineConsts, state: AppleState, actions: torch.Tensor, draws: StepDraws,
             selfishness: torch.Tensor, trust: torch.Tensor, period_start: bool, period_end: bool,
             t: int, priority: torch.Tensor | None = None) -> tuple[AppleState, StepResult]:
    """:func:`advance` returning a state with step index ``t`` (``priority``: the move keys, if computed ahead)."""
    p = consts.params
    rates = state.pending_rates if period_start else state.tax_rates
    present = None if not p.zap else state.present
    if p.zap:
        act = torch.where(state.present, actions, 0)
        hit, cooldown = _zap(consts, state, act)
        act = torch.where(hit, 0, act)
        present = state.present & ~hit
    else:
        act, hit, cooldown = actions, None, state.cooldown
    turn_key = torch.add(act, state.facing, alpha=consts.n_actions)  # facing * n_actions + act
    target = torch.take(consts.act_target, torch.add(turn_key, state.pos, alpha=4 * consts.n_actions))
    facing = torch.take(consts.act_facing, turn_key)
    if priority is None:
        priority = move_priority(consts, draws.move)
    moves = resolve_moves(consts, state.pos, target, present, priority)
    pos = torch.where(moves, target, state.pos)
    # eating, then regrowth with k counted on the apples live at the start of the step
    apple_at = torch.take(consts.cell_to_apple, pos)  # A (the scratch column) off apple cells
    ate = moves & state.live.gather(1, apple_at)
    k = (state.live.float() @ consts.neighbours).long()
    # an apple cell (is_apple) that is not live: for bools ``x > y`` is ``x & ~y``
    regrow = (draws.regrow < torch.take(consts.regrow_probs, k)) & (consts.is_apple > state.live)
    live = state.live.scatter(1, torch.where(ate, apple_at, consts.scratch_i), False) | regrow
    timer = state.removal_timer
    if p.zap:
        timer = torch.where(state.present, 0, (timer - 1).clamp_min(0))
        pos, facing, present = _respawn(consts, pos, facing, present, ~state.present & (timer == 0), draws)
        timer = torch.where(hit, p.zap_removal_steps, timer)
    # rewards (paper eq. (2))
    apples = ate.float()
    seen = observable(consts, pos, facing, present).float()
    intrinsic = selfishness * apples + _complement(consts, selfishness) * torch.bmm(seen, apples.unsqueeze(2)).squeeze(2)
    income = apples if period_start else state.period_income + apples
    extrinsic = apples
    if period_end:
        extrinsic = apples + _period_tax(consts, income, rates)
    reward = trust * extrinsic + _complement(consts, trust) * intrinsic
    new = AppleState(pos=pos, facing=facing, present=state.present if present is None else present,
                     removal_timer=timer, cooldown=cooldown, live=live, period_income=income,
                     episode_apples=state.episode_apples + apples, tax_rates=rates,
                     pending_rates=state.pending_rates, t=t)
    if hit is None:
        hit = torch.zeros_like(ate)
    return new, StepResult(apples=apples, intrinsic=intrinsic, extrinsic=extrinsic, reward=reward, hit=hit)


# ---- observations --------------------------------------------------------------------------
def cell_codes(consts: EngineConsts, state: AppleState) -> torch.Tensor:
    """uint8 ``(B, 4, HW + 2)``: per observer facing ``f``, the code ``terrain * 6 + slot`` of every
    cell (slot 0 none, ``1 + (facing − f) mod 4`` for a present player on the cell)."""
    B = state.pos.shape[0]
    base = consts.terrain_code.expand(B, -1).clone(memory_format=torch.contiguous_format)  # a copy, never a view
    # a live apple adds N_SLOTS (terrain APPLE_CELL -> LIVE_APPLE); the always-False scratch column adds 0 to DUMP
    base.index_add_(1, consts.apple_flat_dump, state.live.to(torch.uint8), alpha=N_SLOTS)
    maps = base.unsqueeze(1).expand(-1, 4, -1).clone(memory_format=torch.contiguous_format)
    where = state.pos if not consts.params.zap else torch.where(state.present, state.pos, consts.dump_i)
    slots = consts.slot_table.index_select(0, state.facing.view(-1)).view(B, -1, 4).transpose(1, 2)  # (B, 4, n)
    return maps.scatter_add_(2, where.unsqueeze(1).expand(-1, 4, -1), slots)


def observe_codes(consts: EngineConsts, state: AppleState) -> torch.Tensor:
    """Player observations as codes: uint8 ``(B, n, rows, cols)``, ``terrain * 6 + slot`` per window
    cell (terrain: FLOOR, WALL, OUT_OF_MAP, APPLE_CELL, LIVE_APPLE; slot: 0 none, 1..4 another player
    facing forward / right / backward / left relative to the observer, 5 the observer).
    An absent (zapped) observer sees code 255. One gather through indices precomputed per
    (cell, facing) from :func:`cell_codes`."""
    n = consts.n
    B = state.pos.shape[0]
    rows, cols = consts.params.window_shape
    index = consts.window_idx4.index_select(0, torch.add(state.facing, state.pos, alpha=4).view(-1))  # (B n, V)
    code = cell_codes(consts, state).view(B, -1).gather(1, index.view(B, -1)).view(B, n, -1)  # into the (4, HW + 2) maps
    code += consts.self_bump  # the observer's own cell: slot 1 (itself, forward) -> 5 (self)
    if consts.params.zap:
        code = torch.where(state.present.unsqueeze(2), code, consts.obs_absent)
    return code.view(B, n, rows, cols)


def one_hot_obs(consts: EngineConsts, codes: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """Float one-hot observations ``(B, n, C, rows, cols)`` from :func:`observe_codes` (channels:
    :data:`OBS_CHANNEL_NAMES`, then the one-hot agent id; an absent observer sees zeros).

    The result is a channels-last view of ``out`` (``(B, n, rows, cols, C)`` contiguous, filled in place).
    """
    B, n, rows, cols = codes.shape
    C = consts.obs_table.shape[1]
    index = torch.add(codes.view(B, n, -1), consts.agent_offset)  # uint8 + int64 -> int64 in one pass
    if consts.params.zap:  # only zapped players see code 255
        index = torch.where(codes.view(B, n, -1) == 255, consts.obs_table.shape[0] - 1, index)
    if out is None:
        out = torch.empty(B, n, rows, cols, C, dtype=torch.float32, device=codes.device)
    torch.index_select(consts.obs_table, 0, index.view(-1), out=out.view(-1, C))
    return out.view(B, n, rows, cols, C).permute(0, 1, 4, 2, 3)


def principal_observe(consts: EngineConsts, state: AppleState) -> torch.Tensor:
    """Principal observation ``(B, 9 + n, H, W)``: full-map channels :data:`PRINCIPAL_CHANNEL_NAMES`
    (``period_apples`` holds, on a player's cell, its apples so far this tax period), then one
    plane per player marking its cell."""
    n, HW = consts.n, consts.HW
    B = state.pos.shape[0]
    out = torch.zeros(B, 9 + n, HW + 2, dtype=torch.float32, device=state.pos.device)
    out[:, 0, :HW] = (consts.terrain[:HW] == WALL).float()
    out[:, 1, :HW] = (consts.terrain[:HW] == APPLE_CELL).float()
    out[:, 2, consts.apple_flat] = state.live[:, : consts.A].float()
    where = torch.where(state.present, state.pos, consts.DUMP)
    out[:, 3].scatter_(1, where, torch.ones(B, n, device=state.pos.device))
    for f in range(4):
        out[:, 4 + f].scatter_(1, where, (state.facing == f).float())
    out[:, 8].scatter_(1, where, state.period_income)
    marks = torch.zeros(B, n, HW + 2, dtype=torch.float32, device=state.pos.device)
    marks.scatter_(2, where[:, :, None], 1.0)
    out[:, 9:] = marks
    return out[:, :, :HW].reshape(B, 9 + n, consts.H, consts.W)


def with_pending_rates(state: AppleState, rates: torch.Tensor) -> AppleState:
    """The state with new pending tax rates (taking effect at the next period start)."""
    return replace(state, pending_rates=rates)
