"""Play whole episodes with given players and principal, and measure them (no learning).

Evaluation, baselines, the final summary of a run and the equilibrium-gap estimates all go
through :func:`run_episodes`, so every number is measured by the same code. Actors:

* players (called as ``players(step, features)`` with the engine's step and the players' tax
  features ``(B, n, F)`` of :func:`~sedtheory.rl.principal.player_tax_features`):
  :class:`PolicyPlayers` (a trained shared policy, optionally with one player
  replaced by another policy) or :class:`RandomPlayers` (uniform actions);
* principal: :class:`PolicyPrincipal` (trained), :class:`FixedTax` (a constant schedule;
  zeros = no principal, φ = 0), :class:`RandomPrincipal` (uniform choices).

Per-game episode metrics (each ``(B,)`` unless noted): ``total_apples``, ``min_apples``,
``objective`` (O_η on the episode's apples), ``gini`` (of apples per player), ``apples_left``
(live apples at the end: sustainability), ``tax_collected`` (summed over periods),
``tax_rates`` ``(B, n_brackets)`` (mean over periods), ``returns`` ``(B, n)`` (player rewards
summed), ``apples`` ``(B, n)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from sedtheory.rl.envs import player_input
from sedtheory.rl.networks import PlayerPolicy, PrincipalPolicy, sample_categorical
from sedtheory.rl.principal import N_CHOICES, apply_choices, objective, player_tax_features, principal_features


class RandomPlayers:
    """Uniformly random actions (the "random play" baseline)."""

    def __init__(self, n_actions: int, generator: torch.Generator) -> None:
        self.n_actions, self.generator = n_actions, generator

    def __call__(self, step, features=None) -> torch.Tensor:
        return torch.randint(self.n_actions, tuple(step.apples.shape), generator=self.generator,
                             device=step.apples.device)


class PolicyPlayers:
    """Actions sampled from the shared policy; ``overrides = {i: policy}`` replaces player i's.
    A network that reads tax features (``n_features > 0``) gets them; one that does not, not."""

    def __init__(self, policy: PlayerPolicy, generator: torch.Generator, overrides: dict | None = None) -> None:
        self.policy, self.generator, self.overrides = policy, generator, dict(overrides or {})

    def __call__(self, step, features: torch.Tensor | None = None) -> torch.Tensor:
        obs = player_input(step, self.policy.kind)
        games, n = obs.shape[:2]
        ids = torch.arange(n, device=obs.device).repeat(games)
        with torch.no_grad():
            logits, _ = self.policy(obs.flatten(0, 1), ids, _features_for(self.policy, features, slice(None)))
            logits = logits.view(games, n, -1)
            for i, other in self.overrides.items():
                logits[:, i], _ = other(obs[:, i], ids.view(games, n)[:, i], _features_for(other, features, i))
        return sample_categorical(logits, self.generator)[0]


def _features_for(policy, features: torch.Tensor | None, players) -> torch.Tensor | None:
    """The rows of ``features (B, n, F)`` for ``players`` (an index or a slice), flattened to
    ``(rows, F)``, if ``policy`` reads features; else None (a network that needs them then
    refuses the call itself)."""
    if features is None or not getattr(policy, "n_features", 0):
        return None
    return features[:, players].reshape(-1, features.shape[-1])


class FixedTax:
    """A constant tax schedule ``rates (n_brackets,)``; zeros is the no-principal baseline φ = 0."""

    def __init__(self, rates) -> None:
        self.rates = torch.as_tensor(np.asarray(rates, dtype=np.float32))

    def __call__(self, map_obs, features, current):
        return self.rates.to(current.device).expand_as(current).clone()


class RandomPrincipal:
    """Uniformly random choice (12 per bracket: rate k/10 or keep) at every period start."""

    def __init__(self, generator: torch.Generator) -> None:
        self.generator = generator

    def __call__(self, map_obs, features, current):
        choices = torch.randint(N_CHOICES, current.shape, generator=self.generator, device=current.device)
        return apply_choices(choices, current, 1.0)


class PolicyPrincipal:
    """The trained principal, sampling its choices (cap 1: the annealing is over)."""

    def __init__(self, policy: PrincipalPolicy, generator: torch.Generator) -> None:
        self.policy, self.generator = policy, generator

    def __call__(self, map_obs, features, current):
        with torch.no_grad():
            logits, _ = self.policy(map_obs, features)
        return apply_choices(sample_categorical(logits, self.generator)[0], current, 1.0)


@dataclass
class EpisodeSetup:
    """What an episode needs besides the actors: engine factory, types, η, tax settings."""

    factory: object
    selfishness: np.ndarray
    trust: np.ndarray
    eta: float
    tax_thresholds: tuple
    device: str = "cpu"


@dataclass
class EpisodeMetrics:
    """Per-game metrics of a batch of episodes (see the module docstring)."""

    values: dict = field(default_factory=dict)
    rate_trace: np.ndarray | None = None
    frames: list = field(default_factory=list)


def run_episodes(setup: EpisodeSetup, players, principal, num_games: int, seed: int,
                 record_frames: bool = False) -> EpisodeMetrics:
    """Play one episode in each of ``num_games`` games (engine seeded by ``seed``).

    Returns:
        per-game metrics, the rates trace ``(periods, B, n_brackets)``, and RGB frames of
        game 0 when ``record_frames`` (from the engine's ``render``).
    """
    from sedtheory.principal.tax import bracket_tax
    from sedtheory.social_choice.inequality import gini

    p = setup.factory.params
    types = (np.tile(setup.selfishness, (num_games, 1)), np.tile(setup.trust, (num_games, 1)))
    env = setup.factory.make(num_games, seed, types)
    out = env.reset()
    dev = torch.device(setup.device)
    eta = torch.full((num_games,), setup.eta, device=dev)
    cum = torch.zeros(num_games, p.n_players, device=dev)
    income, last_income = torch.zeros_like(cum), torch.zeros_like(cum)
    returns = torch.zeros_like(cum)
    rates = torch.zeros(num_games, p.n_brackets, device=dev)
    collected, trace, frames, t = np.zeros(num_games), [], [], 0
    tau = np.asarray(setup.tax_thresholds, dtype=float)
    while True:
        if t % p.tax_period == 0:
            feats = principal_features(last_income, eta, 1.0, t / p.episode_length, rates, p.tax_period)
            rates = principal(out.principal_obs.to(dev), feats, rates)
            env.set_tax_rates(rates)
            trace.append(rates.cpu().numpy())
        if record_frames:
            frames.append(np.asarray(env.render()))
        out = env.step(players(out, player_tax_features(rates, income, t, p.tax_period, setup.tax_thresholds)))
        apples = out.apples.to(dev).float()
        cum += apples
        income += apples
        returns += out.reward.to(dev).float()
        t += 1
        if t % p.tax_period == 0:
            collected += bracket_tax(income.cpu().numpy(), rates.cpu().numpy(), tau).sum(-1)
            last_income, income = income, torch.zeros_like(income)
        if bool(out.done.all()):
            break
    apples_np = cum.cpu().numpy().astype(float)
    values = {
        "total_apples": apples_np.sum(-1), "min_apples": apples_np.min(-1),
        "objective": objective(cum, eta).cpu().numpy().astype(float), "gini": np.asarray(gini(apples_np)),
        "apples_left": torch.as_tensor(env.live_apples()).cpu().numpy().astype(float),
        "tax_collected": collected, "tax_rates": np.mean(trace, axis=0),
        "returns": returns.cpu().numpy().astype(float), "apples": apples_np,
    }
    return EpisodeMetrics(values, np.asarray(trace), frames)
