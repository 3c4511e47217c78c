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


def apply_choices(choices: torch.Tensor, current: torch.Tensor, cap: float) -> torch.Tensor:
    """New rates from choices.

    Args:
        choices: ``(B, n_brackets)`` int in 0..11.
        current: ``(B, n_brackets)`` current rates in [0, 1].
        cap: maximum rate allowed now (curriculum).

    Returns:
        ``(B, n_brackets)`` rates ``min(k/10, cap)``, or ``min(current, cap)`` for "keep".
    """
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


def player_feature_size(n_brackets: int) -> int:
    """Length of :func:`player_tax_features`' vector: ``2 · n_brackets + 1``."""
    return 2 * n_brackets + 1


def player_tax_features(rates: torch.Tensor, period_income: torch.Tensor, t: int, tax_period: int,
                        thresholds) -> torch.Tensor:
    """What a player sees of the tax schedule (Definition 2.3: followers respond having observed φ).

    Args:
        rates: ``(B, n_brackets)`` the rates in force this period.
        period_income: ``(B, n)`` each player's apples so far in this period.
        t: steps since the episode start; the period phase is ``(t mod tax_period) / tax_period``.
        tax_period: steps per tax period.
        thresholds: bracket thresholds ``τ`` (``n_brackets + 1`` numbers).

    Returns:
        ``(B, n, 2 · n_brackets + 1)`` float: the rates, the fill of each bracket by the player's
        period income ``clip((x − τ_b) / (τ_{b+1} − τ_b), 0, 1)``, and the period phase. With
        ``tax_period = 1`` the fill and the phase are 0 at every decision, so the vector is the
        rates followed by zeros (the tabular twin's setting).
    """
    batch, n = period_income.shape
    tau = torch.as_tensor(np.asarray(thresholds, dtype=np.float32), device=period_income.device)
    fill = ((period_income.float().unsqueeze(-1) - tau[:-1]) / (tau[1:] - tau[:-1])).clamp(0.0, 1.0)
    phase = torch.full((batch, n, 1), (t % tax_period) / tax_period, device=period_income.device)
    return torch.cat([rates.float().unsqueeze(1).expand(batch, n, -1), fill, phase], dim=-1)


def objective(cumulative_apples: torch.Tensor, eta: torch.Tensor) -> torch.Tensor:
    """O_η per game: ``η Σ_i A_i + (1 − η) min_i A_i`` for ``cumulative_apples (B, n)``, ``eta (B,)``.

    Delegates to :func:`sedtheory.social_choice.welfare.eta_objective` (the theory side's
    definition), so training and grading use one formula.
    """
    from sedtheory.social_choice.welfare import eta_objective

    values = eta_objective(cumulative_apples.detach().cpu().numpy().astype(np.float64),
                           eta.detach().cpu().numpy().astype(np.float64))
    return torch.as_tensor(np.asarray(values), dtype=torch.float32, device=cumulative_apples.device)
