"""Batched torch engine of the Apple Picking Game: pure functions over a state with a leading batch axis.

Rules: the rules sheet ``APPLE_GAME.md`` (Melting Pot ``commons_harvest__open`` plus the paper's
Section 4, equation (2) and Table 1). One step of every game, in this order:

1. **Tax rates.** At the first step of a tax period the pending rates (set by the principal)
   become the period's rates.
2. **Zap** (only with ``params.zap``). Each present player choosing action 7 with cooldown 0 fires
   ``2 * zap_radius + 1`` rays; the ray at lateral offset ``o`` covers the cells
   ``(forward d, lateral o)``, ``d = 1..zap_length``, stops at its first wall, and hits the first
   player on it (positions at the start of the step). Hit players leave the map at once (their
   action this step is ignored) for ``zap_removal_steps`` steps, then respawn on a uniformly
   random free spawn cell ``P`` (players in index order) with a uniformly random facing; with
   no free spawn cell they wait a step. A zapper's cooldown becomes ``zap_cooldown``: it cannot
   zap in the next ``zap_cooldown`` steps.
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
   reward; it still pays and receives the period's tax transfer (budget balance).

Randomness: every draw is injected as a :class:`StepDraws` (see :func:`draw_step`), counter-based
per game (:mod:`sedtheory.envs.apple.rng`), so a batch reproduces single games exactly and the
slow reference :mod:`sedtheory.envs.apple.reference` can consume the very same numbers.

Observations: cell codes gathered through precomputed indices per (cell, facing), turned into
one-hot channels by one table lookup (see :func:`observe`). Channel names:
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

    Fields: pos, facing, present, removal_timer, cooldown, period_income, episode_apples: ``(B, n)``;
    live: ``(B, A)`` bool over the map's apple cells (row-major); tax_rates, pending_rates:
    ``(B, n_brackets)``; t: step index within the episode (all games in lockstep).
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
    """The uniforms one step consumes: move ``(B, n)``, regrow ``(B, A)``,
    respawn_cell ``(B, n)``, respawn_facing ``(B, n)``."""

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
        terrain = np.full(self.HW + 2, FLOOR, dtype=np.int64)
        terrain[: self.HW][lay.walls.ravel()] = WALL
        terrain[: self.HW][lay.apple_cells.ravel()] = APPLE_CELL
        terrain[self.OOB] = OUT_OF_MAP
        terrain[self.DUMP] = FLOOR
        self.apple_flat_np = np.flatnonzero(lay.apple_cells.ravel())
        self.A = len(self.apple_flat_np)
        cell_to_apple = np.full(self.HW + 2, self.A, dtype=np.int64)
        cell_to_apple[self.apple_flat_np] = np.arange(self.A)
        self.spawn_flat_np = np.flatnonzero(lay.spawn_cells.ravel())
        self.inner_flat_np = np.array([r * self.W + c for r, c in lay.inner_spawns], dtype=np.int64)
        t = lambda a, dt=torch.int64: torch.as_tensor(a, dtype=dt, device=self.device)  # noqa: E731
        self.terrain = t(terrain)
        self.apple_flat = t(self.apple_flat_np)
        self.cell_to_apple = t(cell_to_apple)
        self.spawn_flat = t(self.spawn_flat_np)
        self.inner_flat = t(self.inner_flat_np)
        self.neighbours = t(self._neighbour_matrix(), torch.float32)
        self.regrow_probs = t(np.asarray(params.regrowth_probs), torch.float32)
        self.thresholds = t(np.asarray(params.tax_thresholds), torch.float32)
        self.window_idx = t(self._window_table())
        self.move_target = t(self._move_table())
        self.beam = t(self._beam_table())
        self.obs_table = t(self._obs_table(), torch.float32)
        self.cell_lut = t(self._cell_lut())
        self.forward = t(FORWARD)
        self.right = t(RIGHT)
        self.agent_offset = t(np.arange(self.n) * N_TERRAIN * N_SLOTS).view(1, self.n, 1)
        self.self_index = params.window_forward * params.window_shape[1] + params.window_left

    # ---- static tables -------------------------------------------------------------------
    def _rc(self, cell: int) -> tuple[int, int]:
        return divmod(cell, self.W)

    def _neighbour_matrix(self) -> np.ndarray:
        rc = np.array([self._rc(c) for c in self.apple_flat_np]).reshape(-1, 2)
        d2 = ((rc[:, None, :] - rc[None, :, :]) ** 2).sum(-1)
        near = d2 <= self.params.regrowth_radius ** 2 + 1e-9
        np.fill_diagonal(near, False)
        return near.astype(np.float32)

    def _cell_at(self, r: int, c: int) -> int:
        if 0 <= r < self.H and 0 <= c < self.W:
            return r * self.W + c
        return self.OOB

    def _window_table(self) -> np.ndarray:
        """``(HW * 4, V)``: flat cell (or OOB) at each window position, per (cell, facing)."""
        p = self.params
        rows, cols = p.window_shape
        table = np.empty((self.HW * 4, rows * cols), dtype=np.int64)
        for cell in range(self.HW):
            r, c = self._rc(cell)
            for f in range(4):
                k = 0
                for i in range(rows):
                    for j in range(cols):
                        d, l = p.window_forward - i, j - p.window_left
                        table[cell * 4 + f, k] = self._cell_at(r + d * FORWARD[f][0] + l * RIGHT[f][0],
                                                               c + d * FORWARD[f][1] + l * RIGHT[f][1])
                        k += 1
        return table

    def _blocked(self, cell: int) -> bool:
        return cell == self.OOB or bool(self.terrain[cell] == WALL)

    def _move_table(self) -> np.ndarray:
        """``(HW * 4, 4)``: target cell of actions 1..4 (the same cell when blocked by a wall)."""
        table = np.empty((self.HW * 4, 4), dtype=np.int64)
        for cell in range(self.HW):
            r, c = self._rc(cell)
            for f in range(4):
                for m, (d, l) in enumerate(MOVE_OFFSETS):
                    target = self._cell_at(r + d * FORWARD[f][0] + l * RIGHT[f][0], c + d * FORWARD[f][1] + l * RIGHT[f][1])
                    table[cell * 4 + f, m] = cell if self._blocked(target) else target
        return table

    def _beam_table(self) -> np.ndarray:
        """``(HW * 4, rays, length)``: cells of each zap ray, DUMP after the first wall."""
        p = self.params
        offsets = range(-p.zap_radius, p.zap_radius + 1)
        table = np.full((self.HW * 4, len(offsets), p.zap_length), self.DUMP, dtype=np.int64)
        for cell in range(self.HW):
            r, c = self._rc(cell)
            for f in range(4):
                for k, o in enumerate(offsets):
                    for d in range(1, p.zap_length + 1):
                        target = self._cell_at(r + d * FORWARD[f][0] + o * RIGHT[f][0], c + d * FORWARD[f][1] + o * RIGHT[f][1])
                        if self._blocked(target):
                            break
                        table[cell * 4 + f, k, d - 1] = target
        return table

    def _cell_lut(self) -> np.ndarray:
        """``(N_TERRAIN * 5 * 4,)``: (terrain, player facing + 1 or 0, observer facing) -> terrain * 6 + slot."""
        lut = np.empty(N_TERRAIN * 5 * 4, dtype=np.int64)
        for terrain in range(N_TERRAIN):
            for fo in range(5):
                for fs in range(4):
                    slot = 0 if fo == 0 else 1 + (fo - 1 - fs) % 4
                    lut[(terrain * 5 + fo) * 4 + fs] = terrain * N_SLOTS + slot
        return lut

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
                    if terrain == LIVE_APPLE:
                        row[3] = 1
                    if slot == 5:
                        row[4] = 1
                    elif slot > 0:
                        row[5] = 1
                        row[5 + slot] = 1
                    row[base + agent] = 1
        return table


# ---- draws ---------------------------------------------------------------------------------
def draw_step(consts: EngineConsts, seeds: torch.Tensor, episode: int, t: int) -> StepDraws:
    """The uniforms of step ``t`` of ``episode`` for games with 32-bit ``seeds`` ``(B,)``."""
    n, A = consts.n, consts.A
    key = lambda purpose: rng.stream_keys(seeds, episode, t, purpose)  # noqa: E731
    return StepDraws(
        move=rng.uniforms(key(rng.PURPOSE_MOVE), n),
        regrow=rng.uniforms(key(rng.PURPOSE_REGROW), A),
        respawn_cell=rng.uniforms(key(rng.PURPOSE_RESPAWN_CELL), n),
        respawn_facing=rng.uniforms(key(rng.PURPOSE_RESPAWN_FACING), n),
    )


def sample_types(seeds: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Selfishness σ and trust β ``(B, n)`` ~ U[0, 1) per game (paper Section 4), fixed per seed."""
    u = rng.uniforms(rng.stream_keys(seeds, 0, 0, rng.PURPOSE_TYPES), 2 * n)
    return u[:, :n].contiguous(), u[:, n:].contiguous()


# ---- reset ---------------------------------------------------------------------------------
def reset_state(consts: EngineConsts, seeds: torch.Tensor, episode: int) -> AppleState:
    """Start state: players ``k < #Q`` on the inner spawn cells, the others on distinct uniformly
    random spawn cells (smallest ``spawn`` uniforms first), uniformly random facings, all apples live."""
    B, n, dev = seeds.shape[0], consts.n, consts.device
    n_inner = min(len(consts.inner_flat_np), n)
    cell_u = rng.uniforms(rng.stream_keys(seeds, episode, 0, rng.PURPOSE_SPAWN_CELL), len(consts.spawn_flat_np))
    order = torch.sort(cell_u, dim=1, stable=True).indices[:, : n - n_inner]
    pos = torch.cat([consts.inner_flat[:n_inner].expand(B, n_inner), consts.spawn_flat[order]], dim=1)
    facing_u = rng.uniforms(rng.stream_keys(seeds, episode, 0, rng.PURPOSE_SPAWN_FACING), n)
    zeros_i = torch.zeros(B, n, dtype=torch.int64, device=dev)
    zeros_f = torch.zeros(B, n, dtype=torch.float32, device=dev)
    rates = torch.zeros(B, consts.params.n_brackets, dtype=torch.float32, device=dev)
    return AppleState(
        pos=pos.contiguous(), facing=(facing_u * 4).long(), present=torch.ones(B, n, dtype=torch.bool, device=dev),
        removal_timer=zeros_i, cooldown=zeros_i.clone(), live=torch.ones(B, consts.A, dtype=torch.bool, device=dev),
        period_income=zeros_f, episode_apples=zeros_f.clone(), tax_rates=rates, pending_rates=rates.clone(), t=0,
    )


# ---- step ----------------------------------------------------------------------------------
def _occupancy(consts: EngineConsts, pos: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """``(B, HW + 2)``: index of the present player on each cell, -1 if none."""
    B, n = pos.shape
    occ = torch.full((B, consts.HW + 2), -1, dtype=torch.int64, device=pos.device)
    idx = torch.where(present, pos, consts.DUMP)
    occ.scatter_(1, idx, torch.arange(n, device=pos.device).expand(B, n))
    occ[:, consts.DUMP] = -1
    return occ


def _zap(consts: EngineConsts, state: AppleState, act: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Returns (hit ``(B, n)`` bool, new cooldown ``(B, n)``)."""
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
    cooldown = torch.where(fire, consts.params.zap_cooldown, (state.cooldown - 1).clamp_min(0))
    return hit[:, :n], cooldown


def _resolve_moves(consts: EngineConsts, pos: torch.Tensor, target: torch.Tensor, moving: torch.Tensor,
                   present: torch.Tensor, priority: torch.Tensor) -> torch.Tensor:
    """Which movers move (``(B, n)`` bool): contest winners whose chain of followed players ends at a free cell."""
    B, n = pos.shape
    idx = torch.arange(n, device=pos.device)
    same = (target[:, :, None] == target[:, None, :]) & moving[:, :, None] & moving[:, None, :]
    beats = (priority[:, None, :] > priority[:, :, None]) | (
        (priority[:, None, :] == priority[:, :, None]) & (idx[None, :] < idx[:, None])[None])
    winner = moving & ~(same & beats).any(-1)  # beats[b, i, j]: j beats i
    occ = _occupancy(consts, pos, present)
    ahead = occ.gather(1, target)  # player standing on the target, -1 if none
    ahead_moves = winner.gather(1, ahead.clamp_min(0)) & (ahead >= 0)
    free, blocked = n, n + 1
    nxt = torch.where(ahead < 0, free, torch.where(ahead_moves, ahead, blocked))
    nxt = torch.where(winner, nxt, blocked)
    ptr = torch.cat([nxt, torch.tensor([free, blocked], device=pos.device).expand(B, 2)], dim=1)
    for _ in range(max(1, math.ceil(math.log2(n + 2))) + 1):
        ptr = ptr.gather(1, ptr)
    return winner & (ptr[:, :n] == free)


def _respawn(consts: EngineConsts, pos, facing, present, waiting, draws: StepDraws):
    """Place waiting players, in index order, on uniformly random free spawn cells."""
    B, n = pos.shape
    if not bool(waiting.any()):
        return pos, facing, present
    pos, facing, present = pos.clone(), facing.clone(), present.clone()
    spawn = consts.spawn_flat
    for i in range(n):  # runs only on steps with a respawn (zap on)
        want = waiting[:, i]
        if not bool(want.any()):
            continue
        taken = ((spawn[None, :, None] == pos[:, None, :]) & present[:, None, :]).any(-1)  # (B, S)
        free = ~taken
        n_free = free.sum(-1)
        pick = (draws.respawn_cell[:, i] * n_free).long().clamp_max((n_free - 1).clamp_min(0))
        rank = free.long().cumsum(-1) - 1
        chosen = (free & (rank == pick[:, None])).long().argmax(-1)
        ok = want & (n_free > 0)
        pos[:, i] = torch.where(ok, spawn[chosen], pos[:, i])
        facing[:, i] = torch.where(ok, (draws.respawn_facing[:, i] * 4).long(), facing[:, i])
        present[:, i] = present[:, i] | ok
    return pos, facing, present


def observable(consts: EngineConsts, pos: torch.Tensor, facing: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """``(B, n, n)`` bool: ``[b, i, j]`` = player ``j ≠ i`` is present inside ``i``'s window."""
    p = consts.params
    r, c = pos // consts.W, pos % consts.W
    dr = r[:, None, :] - r[:, :, None]
    dc = c[:, None, :] - c[:, :, None]
    fwd, rgt = consts.forward[facing], consts.right[facing]  # (B, n, 2)
    d = dr * fwd[..., 0:1] + dc * fwd[..., 1:2]
    lat = dr * rgt[..., 0:1] + dc * rgt[..., 1:2]
    inside = (d <= p.window_forward) & (d >= -p.window_backward) & (lat <= p.window_right) & (lat >= -p.window_left)
    eye = torch.eye(pos.shape[1], dtype=torch.bool, device=pos.device)
    return inside & present[:, :, None] & present[:, None, :] & ~eye


def step_state(consts: EngineConsts, state: AppleState, actions: torch.Tensor, draws: StepDraws,
               selfishness: torch.Tensor, trust: torch.Tensor) -> tuple[AppleState, StepResult]:
    """One step of every game (rules in the module docstring). ``actions``: int64 ``(B, n)``."""
    p, n = consts.params, consts.n
    B = actions.shape[0]
    period_start = state.t % p.tax_period == 0
    rates = state.pending_rates if period_start else state.tax_rates
    act = torch.where(state.present, actions, 0)
    if p.zap:
        hit, cooldown = _zap(consts, state, act)
    else:
        hit, cooldown = torch.zeros_like(state.present), state.cooldown
    active = state.present & ~hit
    # turns and moves
    key = state.pos * 4 + state.facing
    is_move = active & (act >= 1) & (act <= 4)
    target = consts.move_target[key, (act - 1).clamp(0, 3)]
    target = torch.where(is_move, target, state.pos)
    moving = target != state.pos
    turn = torch.where(active & (act == 5), 3, torch.where(active & (act == 6), 1, 0))
    facing = (state.facing + turn) % 4
    moves = _resolve_moves(consts, state.pos, target, moving, active, draws.move)
    pos = torch.where(moves, target, state.pos)
    # eating and regrowth (k counted on the apples live at the start of the step)
    apple_of = consts.cell_to_apple[pos]  # A for non-apple cells
    live_pad = torch.cat([state.live, torch.zeros(B, 1, dtype=torch.bool, device=pos.device)], dim=1)
    ate = moves & live_pad.gather(1, apple_of)
    eaten = torch.zeros(B, consts.A + 1, dtype=torch.bool, device=pos.device)
    eaten.scatter_(1, torch.where(ate, apple_of, consts.A), True)
    k = (state.live.float() @ consts.neighbours).long().clamp_max(len(p.regrowth_probs) - 1)
    regrow = ~state.live & (draws.regrow < consts.regrow_probs[k])
    live = (state.live & ~eaten[:, : consts.A]) | regrow
    # removal and respawn
    timer = torch.where(state.present, 0, (state.removal_timer - 1).clamp_min(0))
    waiting = ~state.present & (timer == 0)
    present = active
    if p.zap:
        pos, facing, present = _respawn(consts, pos, facing, present, waiting, draws)
        timer = torch.where(hit, p.zap_removal_steps, timer)
        cooldown = torch.where(present & ~state.present, 0, cooldown)
    # rewards
    apples = ate.float()
    seen = observable(consts, pos, facing, present).float()
    intrinsic = selfishness * apples + (1 - selfishness) * (seen @ apples[:, :, None]).squeeze(-1)
    income = (0 if period_start else state.period_income) + apples
    extrinsic = apples
    if (state.t + 1) % p.tax_period == 0 or state.t + 1 == p.episode_length:
        tax = tax_torch(income, rates, consts.thresholds)
        extrinsic = apples - tax + tax.mean(-1, keepdim=True)
    reward = trust * extrinsic + (1 - trust) * intrinsic
    new = AppleState(pos=pos, facing=facing, present=present, removal_timer=timer, cooldown=cooldown, live=live,
                     period_income=income, episode_apples=state.episode_apples + apples, tax_rates=rates,
                     pending_rates=state.pending_rates, t=state.t + 1)
    return new, StepResult(apples=apples, intrinsic=intrinsic, extrinsic=extrinsic, reward=reward, hit=hit)


# ---- observations --------------------------------------------------------------------------
def cell_codes(consts: EngineConsts, state: AppleState) -> torch.Tensor:
    """``(B, HW + 2)``: ``terrain * 5 + (facing + 1 of the present player on the cell, else 0)``."""
    B = state.pos.shape[0]
    code = consts.terrain.repeat(B, 1)
    code[:, consts.apple_flat] += state.live.long()
    code.mul_(5)
    code.scatter_add_(1, torch.where(state.present, state.pos, consts.DUMP), state.facing + 1)
    return code


def observe(consts: EngineConsts, state: AppleState, out: torch.Tensor | None = None) -> torch.Tensor:
    """Player observations ``(B, n, C, rows, cols)`` float32 (a channels-last view; absent players: zeros).

    Each window cell's code (terrain, the player on it and its facing relative to the
    observer, the observer's id) indexes one row of a one-hot table; ``out`` (``(B, n, V, C)``
    contiguous) is filled in place when given.
    """
    p, n = consts.params, consts.n
    B = state.pos.shape[0]
    rows, cols = p.window_shape
    V, C = rows * cols, p.obs_channels
    cells = cell_codes(consts, state)
    widx = consts.window_idx[state.pos * 4 + state.facing]  # (B, n, V)
    g = cells.gather(1, widx.view(B, n * V)).view(B, n, V)
    code = consts.cell_lut[g * 4 + state.facing[:, :, None]]
    code[:, :, consts.self_index] += 4  # the observer's own cell: slot 1 (other, forward) -> 5 (self)
    code += consts.agent_offset
    code = torch.where(state.present[:, :, None], code, consts.obs_table.shape[0] - 1)
    if out is None:
        out = torch.empty(B, n, V, C, dtype=torch.float32, device=state.pos.device)
    torch.index_select(consts.obs_table, 0, code.view(-1), out=out.view(-1, C))
    return out.view(B, n, rows, cols, C).permute(0, 1, 4, 2, 3)


def principal_observe(consts: EngineConsts, state: AppleState) -> torch.Tensor:
    """Principal observation ``(B, 9 + n, H, W)``: full-map channels :data:`PRINCIPAL_CHANNEL_NAMES`,
    then one plane per player marking its cell (its period apples are in ``period_apples``)."""
    n, HW = consts.n, consts.HW
    B = state.pos.shape[0]
    out = torch.zeros(B, 9 + n, HW + 2, dtype=torch.float32, device=state.pos.device)
    out[:, 0, :HW] = (consts.terrain[:HW] == WALL).float()
    out[:, 1, :HW] = (consts.terrain[:HW] == APPLE_CELL).float()
    out[:, 2, consts.apple_flat] = state.live.float()
    where = torch.where(state.present, state.pos, consts.DUMP)
    one = torch.ones(B, n, device=state.pos.device)
    out[:, 3].scatter_(1, where, one)
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
