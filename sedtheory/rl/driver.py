"""The one Apple episode loop: training, evaluation and gap estimation all play through :class:`Episode`.

An :class:`Episode` wraps a batched engine (``B`` games in lockstep) and owns nothing the
engine already holds: the step index, the rates in force, each player's episode apples and
period income, and the tax of the period that just ended are read from the engine
(:class:`AppleLikeEnv`). What the episode adds is the principal's *commitment*: a schedule
chosen at a decision point stays in force for ``commitment_steps`` steps (one tax period in the
paper; ``K`` periods; or the whole episode), and the decision's reward is the change of the
voted objective O_η over that horizon (:meth:`Episode.decision_reward`).

Actors are callables:

* ``players(episode) -> actions (B, n)``: they read ``episode.out`` (the engine's last step)
  and :meth:`Episode.player_features`;
* ``principal(episode) -> rates (B, n_brackets) or None``: called at each decision point
  (``None`` keeps the schedule in force).

:meth:`Episode.play` runs the loop — decide when due, act, step, book the period — for a given
number of steps or to the episode's end; an ``after_step`` callback sees each step's output
(the trainer stores its rollout through the actors and this callback).
"""

from __future__ import annotations

from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np
import torch

from sedtheory.rl.principal import objective, player_tax_features, principal_features
from sedtheory.social_choice.inequality import gini


@runtime_checkable
class AppleLikeEnv(Protocol):
    """What the driver needs of an engine (``AppleEnv`` and the tests' stand-in satisfy it).

    Shapes: ``B`` games, ``n`` players, ``n_brackets`` tax brackets.
    """

    params: Any
    """``n_players``, ``n_actions``, ``n_brackets``, ``episode_length``, ``tax_period``, ``tax_thresholds``."""
    num_games: int

    def reset(self) -> Any:
        """Start an episode; the returned step carries ``obs``/``obs_codes`` and ``principal_obs``."""

    def step(self, actions: torch.Tensor) -> Any:
        """Advance every game; the step carries ``reward``, ``apples`` ``(B, n)`` and ``done`` ``(B,)``."""

    def set_tax_rates(self, rates: torch.Tensor) -> None:
        """Rates for the next tax period (at once when the next step starts one)."""

    @property
    def t(self) -> int:
        """Steps since the episode started."""

    @property
    def upcoming_rates(self) -> torch.Tensor:
        """``(B, n_brackets)`` rates the next step is taxed under."""

    @property
    def episode_apples(self) -> torch.Tensor:
        """``(B, n)`` apples eaten since the episode started."""

    @property
    def current_period_income(self) -> torch.Tensor:
        """``(B, n)`` apples so far in the period of the next step (zeros at a period start)."""

    @property
    def completed_period_income(self) -> torch.Tensor:
        """``(B, n)`` income of the period that just ended (defined at a period start)."""

    @property
    def completed_period_tax(self) -> torch.Tensor:
        """``(B, n)`` tax each player paid for the period that just ended (defined at a period start)."""

    def live_apples(self) -> torch.Tensor:
        """``(B,)`` live apples on each map."""


class Episode:
    """One batched episode of the Apple game, with the principal's commitment horizon.

    Args:
        env: an engine (:class:`AppleLikeEnv`); it is reset here.
        eta: the voted weight η of O_η, a number or ``(B,)``.
        commitment_steps: steps a chosen schedule stays in force (a multiple of the tax period
            dividing the episode length; the episode length for a whole-episode commitment).
        tax_features: players read the tax features (:func:`~sedtheory.rl.principal.player_tax_features`).
        episode_phase: the features also carry ``t / episode_length``.
        device: where the driver's own tensors live.
    """

    def __init__(self, env: AppleLikeEnv, eta, *, commitment_steps: int | None = None, tax_features: bool = True,
                 episode_phase: bool = False, device: str | torch.device = "cpu") -> None:
        p = env.params
        self.env, self.params, self.device = env, p, torch.device(device)
        self.commitment_steps = int(commitment_steps or p.tax_period)
        if self.commitment_steps % p.tax_period or p.episode_length % self.commitment_steps:
            raise ValueError(f"commitment_steps: must be a multiple of tax_period={p.tax_period} dividing "
                             f"episode_length={p.episode_length}, got {self.commitment_steps}")
        self.tax_features, self.episode_phase = tax_features, episode_phase
        self.out = env.reset()
        B = env.num_games
        self.eta = torch.as_tensor(eta, dtype=torch.float32, device=self.device).expand(B).clone()
        self.returns = torch.zeros(B, p.n_players, device=self.device)
        self.tax_collected = torch.zeros(B, device=self.device)
        self.last_income = torch.zeros(B, p.n_players, device=self.device)
        self.rate_trace: list[np.ndarray] = []
        self.decision_eta = self.eta.clone()
        self.decision_value = torch.zeros(B, device=self.device)

    # ---- where we are ----------------------------------------------------------------------
    @property
    def t(self) -> int:
        """Steps played (the engine's clock)."""
        return int(self.env.t)

    @property
    def done(self) -> bool:
        return self.t >= self.params.episode_length

    @property
    def period_start(self) -> bool:
        """The next step starts a tax period."""
        return self.t % self.params.tax_period == 0 and not self.done

    @property
    def decision_due(self) -> bool:
        """The next step starts a commitment horizon: the principal chooses now."""
        return self.t % self.commitment_steps == 0 and not self.done

    @property
    def horizon_complete(self) -> bool:
        """The step just played closed a commitment horizon (its decision's reward is known)."""
        return self.t > 0 and self.t % self.commitment_steps == 0

    # ---- what the actors read --------------------------------------------------------------
    def player_features(self) -> torch.Tensor | None:
        """``(B, n, F)`` the players' tax features from the engine's rates and incomes, or None
        when the players read none."""
        if not self.tax_features:
            return None
        p = self.params
        return player_tax_features(self.env.upcoming_rates.to(self.device), self.env.current_period_income.to(self.device),
                                   self.t, p.tax_period, p.tax_thresholds,
                                   episode_phase=self.t / p.episode_length if self.episode_phase else None)

    def principal_features(self, cap: float = 1.0) -> torch.Tensor:
        """``(B, n + n_brackets + 3)`` the principal's feature vector (incomes of the last period,
        η, ``cap``, time, the rates in force)."""
        p = self.params
        return principal_features(self.last_income, self.eta, cap, self.t / p.episode_length,
                                  self.env.upcoming_rates.to(self.device), p.tax_period)

    def objective(self) -> torch.Tensor:
        """``(B,)`` O_η of the apples so far, with the η of the schedule in force."""
        return objective(self.env.episode_apples.to(self.device), self.decision_eta)

    # ---- the loop --------------------------------------------------------------------------
    def commit(self, rates: torch.Tensor | None) -> None:
        """Start a commitment horizon: put ``rates (B, n_brackets)`` in force (None: keep the
        schedule in force) and remember O_η now, against which the decision is rewarded."""
        if rates is not None:
            self.env.set_tax_rates(rates)
        self.decision_eta = self.eta.clone()
        self.decision_value = self.objective()

    def decision_reward(self) -> torch.Tensor:
        """``(B,)`` O_η now minus O_η when the schedule in force was committed; over a whole
        episode the rewards of its decisions telescope to the episode's O_η."""
        return self.objective() - self.decision_value

    def step(self, actions: torch.Tensor):
        """Step every game, book the reward and, at a period's end, the tax and the rates."""
        out = self.env.step(actions)
        self.out = out
        self.returns += out.reward.to(self.device).float()
        if self.t % self.params.tax_period == 0:
            self.tax_collected += self.env.completed_period_tax.to(self.device).sum(-1)
            self.last_income = self.env.completed_period_income.to(self.device).float().clone()
        done = bool(out.done.all())
        if bool(out.done.any()) != done or done != self.done:
            raise RuntimeError(f"engine: games ended out of lockstep or at step {self.t} "
                               f"(episode_length {self.params.episode_length})")
        return out

    def play(self, players: Callable, principal: Callable | None = None, steps: int | None = None,
             after_step: Callable | None = None, at_period_start: Callable | None = None) -> "Episode":
        """Play ``steps`` steps (default: to the episode's end): at each decision point the
        principal chooses (no principal: the schedule stays, no tax from the reset), then the
        players act and the engine steps.

        ``at_period_start(episode)`` runs at each tax period's first step, before the decision
        (the trainer votes there); ``after_step(episode, out)`` runs after every step."""
        count = 0
        while not self.done and (steps is None or count < steps):
            if self.period_start and at_period_start is not None:
                at_period_start(self)
            if self.decision_due:
                self.commit(principal(self) if principal is not None else None)
            if self.period_start:
                self.rate_trace.append(self.env.upcoming_rates.detach().cpu().numpy().copy())
            out = self.step(players(self))
            if after_step is not None:
                after_step(self, out)
            count += 1
        return self

    # ---- what it measured ------------------------------------------------------------------
    def metrics(self) -> dict[str, np.ndarray]:
        """Per-game episode metrics (see :mod:`sedtheory.rl.episodes`)."""
        apples = self.env.episode_apples.detach().cpu().numpy().astype(float)
        trace = np.asarray(self.rate_trace) if self.rate_trace else np.zeros((1, self.env.num_games,
                                                                              self.params.n_brackets))
        return {
            "total_apples": apples.sum(-1), "min_apples": apples.min(-1),
            "objective": objective(self.env.episode_apples.to(self.device), self.eta).cpu().numpy().astype(float),
            "gini": np.asarray(gini(apples)),
            "apples_left": torch.as_tensor(self.env.live_apples()).cpu().numpy().astype(float),
            "tax_collected": self.tax_collected.cpu().numpy().astype(float), "tax_rates": trace.mean(0),
            "returns": self.returns.cpu().numpy().astype(float), "apples": apples,
        }
