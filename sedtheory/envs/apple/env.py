"""``AppleEnv``: B independent Apple Picking Games stepping together (torch, any device).

A thin stateful wrapper over the pure functions of :mod:`sedtheory.envs.apple.engine`: it holds
the state, the per-game seeds, the types (σ, β), an episode counter and the observation buffer.

Determinism: game ``b`` draws from the counter-based stream of its own 32-bit seed
(:func:`sedtheory.envs.apple.rng.game_seeds`), so the same seed gives the same trajectory on
any batch size and device: game ``b`` of ``AppleEnv(p, B, seed=s)`` equals
``AppleEnv(p, 1, seed=[game_seeds(s, B)[b]])`` given the same actions.

Tax timing: :meth:`AppleEnv.set_tax_rates` sets the *pending* rates; they take effect at the
first step of the next tax period (at once if the next step starts a period, i.e. when
:attr:`AppleEnv.is_period_start`), and the tax of a period uses the rates fixed at its start.
:meth:`AppleEnv.reset` sets both to zero (φ0 = no tax, paper Section 4).

Threads: on the CPU the engine runs its own torch calls with a limited number of intra-op
threads and puts torch's setting back afterwards. Its kernels are many small ops: with more
threads than idle cores, every op waits for a descheduled thread, and the engine collapses. On
a 2-core machine with other processes busy, torch's default (one thread per core) ran B = 1024
at 2,600 env-steps/s against 121,000 with one thread; on an idle 16-core machine, 16 threads
ran 428,000 against 167,000 with one (``benchmarks/apple_env.py``, results ``apple_env_threads*.json``).
So the default ``threads="auto"`` uses the cores that are idle when an episode starts: the
usable cores minus the 1-minute load average, rounded, at least 1 and at most torch's setting.
An int fixes the count; ``None`` leaves torch's setting alone.
"""

from __future__ import annotations

import os
from typing import Callable, Sequence, TypeVar

import torch

from sedtheory._validate import ValidationError, positive_int
from sedtheory.envs.apple import engine, rng
from sedtheory.envs.apple.params import AppleParams
from sedtheory.envs.apple.render import render_map, render_views


_T = TypeVar("_T")

DRAW_BLOCK = 50
"""Steps whose random draws are computed together (memory: DRAW_BLOCK * B * (3n + A + 1) floats)."""


def idle_cores() -> int:
    """The cores this process may use that are not busy: usable cores minus the 1-minute load
    average, rounded, at least 1 (1 where the load average is unknown)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):   # Windows: no load average
        return 1
    return max(1, min(cores, int(round(cores - load))))


class AppleStep:
    """What :meth:`AppleEnv.step` / :meth:`AppleEnv.reset` return (B games, n players).

    Attributes:
        obs: float32 ``(B, n, C, rows, cols)`` egocentric one-hot observations (channels
            :data:`~sedtheory.envs.apple.engine.OBS_CHANNEL_NAMES` + one-hot agent id), built on
            first access from ``obs_codes`` into one of the env's two alternating buffers (a
            channels-last view): it stays valid until the observation of the next-but-one step
            is built; ``clone()`` it to keep it longer.
        obs_codes: uint8 ``(B, n, rows, cols)`` the same observation as one code per window cell
            (:func:`~sedtheory.envs.apple.engine.observe_codes`), always computed; compact for storage.
        apples: float32 ``(B, n)`` raw apples a_i(t) eaten this step.
        intrinsic, extrinsic, reward: float32 ``(B, n)``; reward = β r_ext + (1 − β) r_int (eq. (2)).
        done: bool ``(B,)`` episode end (games in lockstep).
        period_income: float32 ``(B, n)`` apples so far in the current tax period (at a period's
            last step: the taxed income of the whole period).
        active: bool ``(B, n)`` player on the map (False while zapped away).
        principal_obs: float32 ``(B, C_p, H, W)``, computed on first access.
    """

    def __init__(self, env: "AppleEnv", state: engine.AppleState, codes, apples, intrinsic, extrinsic, reward, done):
        self._env, self._state = env, state
        self.obs_codes, self.apples, self.intrinsic, self.extrinsic, self.reward, self.done = (
            codes, apples, intrinsic, extrinsic, reward, done)
        self.period_income = state.period_income
        self.active = state.present
        self._obs = None
        self._principal_obs = None

    @property
    def obs(self) -> torch.Tensor:
        """float32 ``(B, n, C, rows, cols)`` one-hot observations (see the class docstring on buffer reuse)."""
        if self._obs is None:
            self._obs = self._env._limited(engine.one_hot_obs, self._env.consts, self.obs_codes,
                                           out=self._env._next_obs_buffer())
        return self._obs

    @property
    def principal_obs(self) -> torch.Tensor:
        """float32 ``(B, 9 + n, H, W)`` principal observation (:func:`~sedtheory.envs.apple.engine.principal_observe`)."""
        if self._principal_obs is None:
            self._principal_obs = self._env._limited(engine.principal_observe, self._env.consts, self._state)
        return self._principal_obs


class AppleEnv:
    """B Apple Picking Games (paper Section 4) with n players each, batched on a leading axis.

    Args:
        params: the rules (:class:`AppleParams`).
        num_games: B.
        seed: an int (games 0..B-1 of that seed) or a sequence of B per-game 32-bit seeds.
        device: torch device.
        types: optional ``(selfishness, trust)``, each ``(B, n)`` in [0, 1]; default: sampled
            U[0, 1) from each game's seed, fixed for the run (paper Section 4).
        compile: run each step through ``torch.compile`` (:mod:`sedtheory.envs.apple.compiled`):
            about 5x faster at B = 1 once compiled (compiling takes about a minute), slower than
            eager at large B; integer results identical to eager mode, rewards equal to rounding.
        threads: intra-op threads for the engine's own torch calls on the CPU: ``"auto"`` (the
            default: the idle cores, see the module docstring, chosen at each :meth:`reset`), an
            int, or ``None`` (torch's setting). Torch's setting is restored after each call; it is
            process-wide, so torch work in another Python thread shares the limit while a step runs.
    """

    def __init__(self, params: AppleParams | None = None, num_games: int = 1, seed: int | Sequence[int] = 0,
                 device: str | torch.device = "cpu", types=None, compile: bool = False, threads: int | str | None = "auto"):
        self.params = params if params is not None else AppleParams()
        self.num_games = positive_int("num_games", num_games)
        self.device = torch.device(device)
        self.consts = engine.EngineConsts(self.params, self.device)
        try:
            seeds = rng.game_seeds(seed, self.num_games)
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"seed: expected an int or {self.num_games} per-game ints, got {seed!r} ({exc})") from None
        self.seeds = torch.tensor(seeds, dtype=torch.int64, device=self.device)
        self.types = self._types(types)
        self.episode = -1
        self._episode_keys: torch.Tensor | None = None
        self.state: engine.AppleState | None = None
        self.compile = bool(compile)
        if threads is not None and threads != "auto":
            threads = positive_int("threads", threads)
        self.threads = threads
        self._thread_limit = idle_cores() if threads == "auto" else threads
        self._obs_buffers: list[torch.Tensor] = []
        self._buffer = 0

    def _types(self, types):
        B, n = self.num_games, self.params.n_players
        if types is None:
            return engine.sample_types(self.consts, self.seeds)
        if len(types) != 2:
            raise ValidationError("types: expected a pair (selfishness, trust)")
        return tuple(self._unit_tensor(f"types.{name}", value, (B, n)) for name, value in zip(("selfishness", "trust"), types))

    def _unit_tensor(self, name: str, value, shape: tuple[int, ...]) -> torch.Tensor:
        """A float32 copy of ``value`` on the env's device, of ``shape`` with finite entries in [0, 1],
        or a :class:`ValidationError` naming ``name``."""
        try:
            tensor = torch.as_tensor(value, dtype=torch.float32, device=self.device)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise ValidationError(f"{name}: cannot be read as a float tensor ({exc})") from None
        if tuple(tensor.shape) != tuple(shape):
            raise ValidationError(f"{name}: expected shape {tuple(shape)}, got {tuple(tensor.shape)}")
        if not bool(torch.isfinite(tensor).all()) or bool((tensor < 0).any()) or bool((tensor > 1).any()):
            raise ValidationError(f"{name}: values must lie in [0, 1]")
        return tensor.clone()

    # ---- properties ------------------------------------------------------------------------
    @property
    def t(self) -> int:
        """Step index within the episode (0 after reset)."""
        return self._require_state().t

    @property
    def is_period_start(self) -> bool:
        """True when the next step starts a tax period (the principal's decision point)."""
        return self._require_state().t % self.params.tax_period == 0

    @property
    def upcoming_rates(self) -> torch.Tensor:
        """``(B, n_brackets)`` the rates the next step is taxed under: the pending rates when the
        next step starts a tax period, else the current period's."""
        state = self._require_state()
        return state.pending_rates if state.t % self.params.tax_period == 0 else state.tax_rates

    @property
    def episode_apples(self) -> torch.Tensor:
        """``(B, n)`` apples each player has eaten since the episode started."""
        return self._require_state().episode_apples

    @property
    def current_period_income(self) -> torch.Tensor:
        """``(B, n)`` apples so far in the tax period the next step belongs to (zeros at a period start)."""
        state = self._require_state()
        if state.t % self.params.tax_period == 0:
            return torch.zeros_like(state.period_income)
        return state.period_income

    def _completed(self) -> engine.AppleState:
        state = self._require_state()
        if state.t % self.params.tax_period:
            raise RuntimeError(f"AppleEnv: step {state.t} is inside a tax period; the last period's income and tax "
                               "are defined at a period start")
        return state

    @property
    def completed_period_income(self) -> torch.Tensor:
        """``(B, n)`` taxed income of the tax period that just ended (at a period start; zeros at t = 0)."""
        return self._completed().period_income

    @property
    def completed_period_tax(self) -> torch.Tensor:
        """``(B, n)`` tax ``T(x_i, φ)`` each player paid for the period that just ended (at a period
        start; the engine's :func:`~sedtheory.envs.apple.engine.tax_torch` on that period's income and rates)."""
        state = self._completed()
        return engine.tax_torch(state.period_income, state.tax_rates, self.consts.thresholds)

    def live_apples(self) -> torch.Tensor:
        """``(B,)`` number of live apples on each map."""
        return self._require_state().live.sum(-1)

    def _require_state(self) -> engine.AppleState:
        if self.state is None:
            raise RuntimeError("AppleEnv: call reset() first")
        return self.state

    # ---- API -------------------------------------------------------------------------------
    def _limited(self, fn: Callable[..., _T], *args, **kwargs) -> _T:
        """``fn(*args, **kwargs)`` with at most :attr:`threads` intra-op threads on the CPU."""
        limit = self._thread_limit
        if limit is None or self.device.type != "cpu":
            return fn(*args, **kwargs)
        before = torch.get_num_threads()
        limit = min(limit, before)
        if before == limit:
            return fn(*args, **kwargs)
        torch.set_num_threads(limit)
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(before)

    def reset(self) -> AppleStep:
        """Start a new episode in every game (new spawn draws per episode); rewards are zero."""
        if self.threads == "auto":
            self._thread_limit = idle_cores()
        return self._limited(self._reset)

    def _reset(self) -> AppleStep:
        self.episode += 1
        self._episode_keys = rng.episode_keys(self.seeds, self.episode)
        self._block_start = -1
        self.state = engine.reset_state(self.consts, *engine.reset_draws(self.consts, self._episode_keys))
        zeros = torch.zeros(self.num_games, self.params.n_players, device=self.device)
        done = torch.zeros(self.num_games, dtype=torch.bool, device=self.device)
        return AppleStep(self, self.state, engine.observe_codes(self.consts, self.state), zeros, zeros, zeros, zeros, done)

    def set_tax_rates(self, rates) -> None:
        """Pending tax rates ``(B, n_brackets)`` in [0, 1] for the next tax period (see module docstring)."""
        state = self._require_state()
        rates = self._unit_tensor("rates", rates, (self.num_games, self.params.n_brackets))
        self.state = engine.with_pending_rates(state, rates)

    @property
    def tax_rates(self) -> torch.Tensor:
        """``(B, n_brackets)`` rates of the current tax period."""
        return self._require_state().tax_rates

    def draws(self) -> engine.StepDraws:
        """The random draws the next step will consume."""
        t = self._require_state().t
        start = t - t % DRAW_BLOCK
        if self._block_start != start:  # draws come in blocks of DRAW_BLOCK steps (fewer small ops)
            count = min(DRAW_BLOCK, self.params.episode_length - start)
            block = engine.split_draws(self.consts, engine.draw_block(self.consts, self._episode_keys, start, count)
                                       .view(count * self.num_games, self.consts.draw_words.numel()))
            # one view per step and field, cut once per block: a step then costs no tensor op here
            fields = [f.view(count, self.num_games, f.shape[-1]).unbind(0)
                      for f in (block.move, block.regrow, block.respawn_cell, block.respawn_facing)]
            self._block = [engine.StepDraws(*row) for row in zip(*fields)]
            self._priority = engine.move_priority(self.consts, block.move).view(count, self.num_games, self.consts.n).unbind(0)
            self._block_start = start
        return self._block[t - start]

    def step(self, actions: torch.Tensor) -> AppleStep:
        """Advance every game one step. ``actions``: integer ``(B, n)`` in ``[0, n_actions)``."""
        return self._limited(self._step, actions)

    def _step(self, actions: torch.Tensor) -> AppleStep:
        state = self._require_state()
        if state.t >= self.params.episode_length:
            raise RuntimeError("AppleEnv: episode is over, call reset()")
        actions = self._check_actions(actions)
        if self.compile:
            from sedtheory.envs.apple.compiled import compiled_step
            self.state, res, codes = compiled_step(self.consts, state, actions, self._episode_keys, *self.types)
        else:
            draws = self.draws()
            priority = self._priority[state.t - self._block_start]
            self.state, res = engine.step_state_with_priority(self.consts, state, actions, draws, *self.types, priority)
            codes = engine.observe_codes(self.consts, self.state)
        done = torch.full((self.num_games,), self.state.t >= self.params.episode_length, device=self.device)
        return AppleStep(self, self.state, codes, res.apples, res.intrinsic, res.extrinsic, res.reward, done)

    def _check_actions(self, actions) -> torch.Tensor:
        actions = torch.as_tensor(actions, device=self.device)
        shape = (self.num_games, self.params.n_players)
        if actions.shape != shape:
            raise ValidationError(f"actions: expected shape {shape}, got {tuple(actions.shape)}")
        if actions.dtype.is_floating_point or actions.dtype == torch.bool:
            raise ValidationError(f"actions: expected an integer tensor, got {actions.dtype}")
        actions = actions.long()
        low, high = torch.aminmax(actions)
        if int(low) < 0 or int(high) >= self.params.n_actions:
            raise ValidationError(f"actions: values must lie in [0, {self.params.n_actions - 1}], got {int(low)}..{int(high)}")
        return actions

    def _next_obs_buffer(self) -> torch.Tensor:
        """One of two alternating ``(B, n, rows, cols, C)`` float buffers for one-hot observations."""
        if not self._obs_buffers:
            shape = (self.num_games, self.params.n_players, *self.params.window_shape, self.params.obs_channels)
            self._obs_buffers = [torch.empty(shape, dtype=torch.float32, device=self.device) for _ in range(2)]
        self._buffer ^= 1
        return self._obs_buffers[self._buffer]

    def render(self, game: int = 0):
        """RGB ``uint8`` ``(H * 8, W * 8, 3)`` of one game's full map."""
        return render_map(self.consts, self._require_state(), game)

    def render_player_views(self, game: int = 0):
        """RGB ``uint8`` ``(n, rows * 8, cols * 8, 3)``: each player's egocentric view (88 × 88 by default)."""
        return render_views(self.consts, self._require_state(), game)
