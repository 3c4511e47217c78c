"""The principal's action space, observation features and reward (paper, Section 4, Appendix A).

* Action: per bracket, one of 12 choices — rate k/10 for k = 0..10 (choice k), or keep the
  current rate (choice 11), as in the paper's code. Only the choice made at the first step of
  a tax period takes effect; every rate is then capped by the curriculum's rate cap.
* Observation: the environment's full-map channels plus a feature vector: each player's
  income in the period that just ended, η, the rate cap, the time in the episode, and the
  current rates.
* Reward of a decision: the change of the voted objective O_η (computed on cumulative apples
  since the episode start) over the tax period the decision governs,
  ``O_η(A_end) − O_η(A_start)``, so a whole episode's rewards telescope to O_η of the episode.
"""

from __future__ import annotations

import numpy as np
import torch

N_RATE_LEVELS = 11
"""Rates k/10 for k = 0..10 (paper code)."""
KEEP = N_RATE_LEVELS
"""Index of the "keep the current rate" choice."""
N_CHOICES = N_RATE_LEVELS + 1


def allowed_choices(cap: float, n_brackets: int, batch: int = 1, device=None) -> torch.Tensor:
    """``(batch, n_brackets, N_CHOICES)`` bool mask of the choices allowed under rate cap ``cap``:
    every rate ``k/10 ≤ cap`` and "keep" (the rate in force never exceeds the cap, which only
    rises). Annealing by masking, as the AI Economist's planner does, instead of clamping: the
    policy never puts mass on a choice that would be cut back."""
    levels = torch.arange(N_RATE_LEVELS, device=device, dtype=torch.float32) / (N_RATE_LEVELS - 1)
    row = torch.cat([levels <= cap + 1e-6, torch.ones(1, dtype=torch.bool, device=device)])
    return row.expand(batch, n_brackets, N_CHOICES).clone()


def level_mask(levels=()) -> torch.Tensor:
    """``(N_CHOICES,)`` bool: the choices of a principal restricted to rate ``levels`` (multiples of
    0.1; empty: every level). "Keep" stays allowed: it keeps a rate that was itself chosen on a level."""
    mask = torch.ones(N_CHOICES, dtype=torch.bool)
    if levels:
        mask[:N_RATE_LEVELS] = False
        mask[[int(round(10 * v)) for v in levels]] = True
    return mask


def choice_mask(levels, n_brackets: int, flat: bool = False) -> torch.Tensor:
    """``(n_brackets, N_CHOICES)`` bool: per bracket head, the choices of a principal on ``levels``
    (:func:`level_mask`); with ``flat``, the heads after the first may only "keep" (bracket 0's
    choice sets every bracket: :func:`apply_choices`)."""
    mask = level_mask(levels).expand(n_brackets, N_CHOICES).clone()
    if flat:
        mask[1:] = False
        mask[1:, KEEP] = True
    return mask


def schedules(levels, n_brackets: int, flat: bool = False) -> list[tuple[float, ...]]:
    """Every schedule over ``levels`` (empty: 0, 0.1, ..., 1) in ``n_brackets`` brackets, in
    lexicographic order of the level indices (``flat``: one rate for every bracket): the
    schedules a principal on those levels commits to."""
    import itertools

    grid = sorted(int(round(10 * v)) for v in levels) if levels else list(range(N_RATE_LEVELS))
    if flat:
        return [(k / (N_RATE_LEVELS - 1),) * n_brackets for k in grid]
    return [tuple(k / (N_RATE_LEVELS - 1) for k in combo) for combo in itertools.product(grid, repeat=n_brackets)]


def random_levels(levels, batch: int, n_brackets: int, flat: bool, generator: torch.Generator,
                  device=None) -> torch.Tensor:
    """``(batch, n_brackets)`` rates drawn uniformly from ``levels`` (a sequence of rates, in the
    order given) per game and bracket; ``flat``: one draw per game for every bracket."""
    values = torch.tensor(tuple(levels), dtype=torch.float32, device=device)
    draws = torch.randint(len(values), (batch, 1 if flat else n_brackets), generator=generator, device=device)
    return values[draws].expand(batch, n_brackets).clone()


def apply_choices(choices: torch.Tensor, current: torch.Tensor, cap: float, flat: bool = False) -> torch.Tensor:
    """New rates from choices.

    Args:
        choices: ``(B, n_brackets)`` int in 0..11.
        current: ``(B, n_brackets)`` current rates in [0, 1].
        cap: maximum rate allowed now (curriculum).
        flat: bracket 0's choice sets every bracket (a flat tax; "keep" keeps bracket 0's rate);
            the other choices are ignored.

    Returns:
        ``(B, n_brackets)`` rates ``min(k/10, cap)``, or ``min(current, cap)`` for "keep".
    """
    if flat:   # a flat schedule: every bracket takes bracket 0's choice ("keep": bracket 0's rate)
        choices, current = choices[:, :1].expand_as(current), current[:, :1].expand_as(current)
    chosen = choices.to(current.dtype) / (N_RATE_LEVELS - 1)
    rates = torch.where(choices == KEEP, current, chosen)
    return torch.clamp(rates, max=cap)


def feature_size(n_players: int, n_brackets: int) -> int:
    """Length of :func:`principal_features`' vector."""
    return n_players + n_brackets + 3


def principal_features(period_income: torch.Tensor, eta: torch.Tensor, cap: float, time_fraction: float,
                       rates: torch.Tensor, tax_period: int) -> torch.Tensor:
    """``(B, n + n_brackets + 3)`` features: incomes / tax_period, η, cap, t / T, rates."""
    batch = period_income.shape[0]
    scalars = torch.tensor([cap, time_fraction], dtype=torch.float32, device=period_income.device).expand(batch, 2)
    return torch.cat([period_income.float() / tax_period, eta.float().view(batch, 1), scalars, rates.float()], dim=1)


def player_feature_size(n_brackets: int, episode_phase: bool = False) -> int:
    """Length of :func:`player_tax_features`' vector: ``2 · n_brackets + 1``, plus one with the episode phase."""
    return 2 * n_brackets + 1 + int(episode_phase)


def player_tax_features(rates: torch.Tensor, period_income: torch.Tensor, t: int, tax_period: int,
                        thresholds, episode_phase: float | None = None) -> torch.Tensor:
    """What a player sees of the tax schedule (Definition 2.3: followers respond having observed φ).

    Args:
        rates: ``(B, n_brackets)`` the rates in force this period.
        period_income: ``(B, n)`` each player's apples so far in this period.
        t: steps since the episode start; the period phase is ``(t mod tax_period) / tax_period``.
        tax_period: steps per tax period.
        thresholds: bracket thresholds ``τ`` (``n_brackets + 1`` numbers).
        episode_phase: ``t / episode_length``, appended when given (None: not part of the vector).

    Returns:
        ``(B, n, 2 · n_brackets + 1)`` float (one more with ``episode_phase``): the rates, the fill
        of each bracket by the player's period income ``clip((x − τ_b) / (τ_{b+1} − τ_b), 0, 1)``,
        the period phase, and the episode phase if given. With
        ``tax_period = 1`` the fill and the phase are 0 at every decision, so the vector is the
        rates followed by zeros (the tabular twin's setting).
    """
    batch, n = period_income.shape
    tau = torch.as_tensor(np.asarray(thresholds, dtype=np.float32), device=period_income.device)
    fill = ((period_income.float().unsqueeze(-1) - tau[:-1]) / (tau[1:] - tau[:-1])).clamp(0.0, 1.0)
    phases = [(t % tax_period) / tax_period] + ([] if episode_phase is None else [float(episode_phase)])
    phase = torch.tensor(phases, dtype=torch.float32, device=period_income.device).expand(batch, n, len(phases))
    return torch.cat([rates.float().unsqueeze(1).expand(batch, n, -1), fill, phase], dim=-1)


def objective(cumulative_apples: torch.Tensor, eta: torch.Tensor) -> torch.Tensor:
    """O_η per game: ``η Σ_i A_i + (1 − η) min_i A_i`` for ``cumulative_apples (B, n)``, ``eta (B,)``
    (float32 ``(B,)``, on the apples' device).

    The torch twin of :func:`sedtheory.social_choice.welfare.eta_objective` (the theory side's
    definition); ``tests/rl/test_driver.py`` holds them equal, as the engine's tax is held to
    :func:`sedtheory.principal.tax.bracket_tax`.
    """
    apples = cumulative_apples.float()
    eta = eta.to(apples.device).float()
    return eta * apples.sum(-1) + (1 - eta) * apples.min(-1).values
