"""Play whole episodes with given players and principal, and measure them (no learning).

Evaluation, baselines, the final summary of a run and the equilibrium-gap estimates all go
through :func:`run_episodes`, which plays through the one episode driver
(:class:`sedtheory.rl.driver.Episode`, as the trainer does), so every number is measured by
the same code. Actors:

* players (called as ``players(episode)``; they read ``episode.out``, the engine's last step,
  and ``episode.player_features()``, the tax features from the engine's rates):
  :class:`PolicyPlayers` (a trained shared policy, optionally with one player replaced by
  another policy) or :class:`RandomPlayers` (uniform actions);
* principal (called as ``principal(episode)`` at each decision point of the run's commitment
  horizon): :class:`PolicyPrincipal` (trained), :class:`FixedTax` (a constant schedule;
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

from sedtheory.rl.driver import Episode
from sedtheory.rl.envs import player_input
from sedtheory.rl.networks import PlayerPolicy, PrincipalPolicy, sample_categorical
from sedtheory.rl.principal import N_CHOICES, apply_choices, random_levels


class RandomPlayers:
    """Uniformly random actions (the "random play" baseline)."""

    def __init__(self, n_actions: int, generator: torch.Generator) -> None:
        self.n_actions, self.generator = n_actions, generator

    def __call__(self, episode: Episode) -> torch.Tensor:
        shape = (episode.env.num_games, episode.params.n_players)
        return torch.randint(self.n_actions, shape, generator=self.generator, device=episode.device)


class PolicyPlayers:
    """Actions sampled from the shared policy; ``overrides = {i: policy}`` replaces player i's.
    A network that reads tax features (``n_features > 0``) gets them; one that does not, not."""

    def __init__(self, policy: PlayerPolicy, generator: torch.Generator, overrides: dict | None = None) -> None:
        self.policy, self.generator, self.overrides = policy, generator, dict(overrides or {})

    def __call__(self, episode: Episode) -> torch.Tensor:
        obs, features = player_input(episode.out, self.policy.kind), episode.player_features()
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

    def __call__(self, episode: Episode) -> torch.Tensor:
        current = episode.env.upcoming_rates
        return self.rates.to(current.device).expand_as(current).clone()


class RandomPrincipal:
    """Uniformly random choice (12 per bracket: rate k/10 or keep) at every decision point; with
    ``levels``, a uniformly random one of those rates per bracket (a principal restricted to its
    levels); with ``flat``, bracket 0's draw sets every bracket."""

    def __init__(self, generator: torch.Generator, levels=(), flat: bool = False) -> None:
        self.generator, self.levels, self.flat = generator, tuple(levels), flat

    def __call__(self, episode: Episode) -> torch.Tensor:
        current = episode.env.upcoming_rates
        if self.levels:
            return random_levels(self.levels, *current.shape, self.flat, self.generator, current.device)
        choices = torch.randint(N_CHOICES, current.shape, generator=self.generator, device=current.device)
        return apply_choices(choices, current, 1.0, flat=self.flat)


class PolicyPrincipal:
    """The trained principal, sampling its choices (cap 1: the annealing is over)."""

    def __init__(self, policy: PrincipalPolicy, generator: torch.Generator) -> None:
        self.policy, self.generator = policy, generator

    def __call__(self, episode: Episode) -> torch.Tensor:
        with torch.no_grad():
            logits, _ = self.policy(episode.out.principal_obs, episode.principal_features(1.0))
        return apply_choices(sample_categorical(logits, self.generator)[0], episode.env.upcoming_rates, 1.0,
                             flat=self.policy.flat)


@dataclass
class EpisodeSetup:
    """What an episode needs besides the actors: engine factory, types, η, and how the run's
    principal commits and its players read the schedule (:meth:`from_run` takes them from a run)."""

    factory: object
    selfishness: np.ndarray
    trust: np.ndarray
    eta: float
    commitment_steps: int | None = None
    tax_features: bool = True
    episode_phase: bool = False
    device: str = "cpu"

    @classmethod
    def from_run(cls, run) -> "EpisodeSetup":
        """The setup of a loaded run (:class:`~sedtheory.rl.evaluate.LoadedRun`)."""
        cfg = run.config
        return cls(run.factory, run.selfishness, run.trust, run.eta, cfg.commitment_steps, cfg.player_tax_features,
                   cfg.player_episode_phase, cfg.device)

    def episode(self, num_games: int, seed: int) -> Episode:
        """A new episode of ``num_games`` games on an engine seeded by ``seed``."""
        types = (np.tile(self.selfishness, (num_games, 1)), np.tile(self.trust, (num_games, 1)))
        return Episode(self.factory.make(num_games, seed, types), self.eta, commitment_steps=self.commitment_steps,
                       tax_features=self.tax_features, episode_phase=self.episode_phase, device=self.device)


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
    ep = setup.episode(num_games, seed)
    frames = []

    def record(episode: Episode, out) -> None:
        frames.append(np.asarray(episode.env.render()))

    if record_frames:
        frames.append(np.asarray(ep.env.render()))
    ep.play(players, principal, after_step=record if record_frames else None)
    return EpisodeMetrics(ep.metrics(), np.asarray(ep.rate_trace), frames)
