"""Estimated equilibrium gaps of a trained run (Definition 2.4), as a shared :class:`Certificate`.

Both gaps are *estimates* (``estimated=True``) with confidence intervals, never exact values:

* follower gap δ̂_i: train a best response for player i alone — a copy of the shared policy,
  fine-tuned by PPO on player i's own samples for a stated budget of episodes while the
  other players and the principal stay frozen — then play the same evaluation episodes
  (same engine seeds) with and without the deviation. δ̂_i is the mean paired difference of
  player i's episode return (its reward r_i summed over the episode, undiscounted); the
  interval is a t-interval of that difference. A budget-limited best response can only find
  a lower bound on the true gap (the true best response may do better).
* leader gap ε̂: play alternative principals (no tax, fixed schedules on a grid, random) —
  optionally after re-adapting the players to each for a budget of episodes (the trained
  principal's players get the same re-adaptation, so the comparison is like for like) — and
  take the best mean O_η minus the trained principal's, with a paired t-interval. The "leader optimum"
  is only the best of the alternatives evaluated, so ε̂ is again a lower bound.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from sedtheory.equilibrium.certificate import Certificate, Witness
from sedtheory.rl.envs import player_input
from sedtheory.rl.episodes import EpisodeSetup, PolicyPlayers, run_episodes
from sedtheory.rl.evaluate import LoadedRun, _principals, confidence_interval, run_principal, run_principal_label
from sedtheory.rl.gae import compute_gae
from sedtheory.rl.networks import sample_categorical
from sedtheory.rl.ppo import Batch, ppo_update, settings_from_config


def _setup(run: LoadedRun) -> EpisodeSetup:
    return EpisodeSetup.from_run(run)


def _learning_episode(run: LoadedRun, learner, learners: list[int], principal, num_games: int, seed: int,
                      generator: torch.Generator):
    """One episode (the one driver, as training plays it) where players ``learners`` act with
    ``learner`` and the rest with the frozen shared policy; returns the learners' trajectories
    ``(T, B, k)`` for PPO."""
    n = run.factory.params.n_players
    ids = torch.arange(n).repeat(num_games)
    idx = torch.tensor(learners)
    store = {k: [] for k in ("obs", "ids", "feats", "actions", "logprobs", "values", "rewards")}

    def players(episode) -> torch.Tensor:
        obs, tax_feats = player_input(episode.out, run.config.network), episode.player_features()
        reads_features = tax_feats is not None and bool(run.players.n_features)
        all_feats = tax_feats.flatten(0, 1) if reads_features else None
        own_feats = tax_feats[:, idx].flatten(0, 1) if reads_features else None
        with torch.no_grad():
            logits, _ = run.players(obs.flatten(0, 1), ids, all_feats)
            logits = logits.view(num_games, n, -1)
            own_obs, own_ids = obs[:, idx].flatten(0, 1), idx.repeat(num_games)
            own_logits, own_values = learner(own_obs, own_ids, own_feats)
            logits[:, idx] = own_logits.view(num_games, len(learners), -1)
        actions, logp = sample_categorical(logits, generator)
        store["obs"].append(own_obs)
        store["ids"].append(own_ids)
        store["feats"].append(own_feats if own_feats is not None else torch.zeros(len(own_ids), 0))
        store["actions"].append(actions[:, idx].reshape(-1))
        store["logprobs"].append(logp[:, idx].reshape(-1))
        store["values"].append(own_values)
        return actions

    def after_step(episode, out) -> None:
        store["rewards"].append(out.reward[:, idx].reshape(-1).float())

    _setup(run).episode(num_games, seed).play(players, principal, after_step=after_step)
    return store


def train_best_response(run: LoadedRun, learners: list[int], principal, *, episodes: int, num_games: int,
                        seed: int, learning_rate: float | None = None):
    """PPO fine-tuning of a copy of the shared policy for players ``learners`` (others frozen).

    Returns the fine-tuned network. Budget: ``episodes`` x ``num_games`` episodes.
    """
    cfg = run.config
    learner = copy.deepcopy(run.players).train()
    optimizer = torch.optim.Adam(learner.parameters(), lr=learning_rate or cfg.learning_rate, eps=cfg.adam_eps)
    generator = torch.Generator().manual_seed(seed)
    settings = settings_from_config(cfg)
    if hasattr(principal, "generator"):
        principal.generator = torch.Generator().manual_seed(seed + 1)
    for episode in range(episodes):
        store = _learning_episode(run, learner, learners, principal, num_games, seed + episode, generator)
        stacked = {k: torch.stack(v) for k, v in store.items()}
        dones = torch.zeros_like(stacked["rewards"])
        zero = torch.zeros_like(stacked["rewards"][0])
        adv, ret = compute_gae(stacked["rewards"], stacked["values"], dones, zero, torch.ones_like(zero),
                               cfg.gamma, cfg.gae_lambda)
        inputs = (stacked["obs"].flatten(0, 1), stacked["ids"].reshape(-1))
        if learner.n_features:
            inputs += (stacked["feats"].flatten(0, 1),)
        batch = Batch(inputs, stacked["actions"].reshape(-1),
                      stacked["logprobs"].reshape(-1), adv.reshape(-1), ret.reshape(-1), stacked["values"].reshape(-1))
        ppo_update(learner, optimizer, batch, settings, generator)
    return learner.eval()


def estimate_follower_gap(run: LoadedRun, player: int, *, episodes: int, num_games: int, eval_seeds: int, seed: int,
                          level: float = 0.95, principal=None) -> dict:
    """δ̂ for one player: mean paired gain of a budget-limited best response, with its interval.

    ``principal``: the leader the players answer (default: the run's own, :func:`run_principal`:
    its fixed schedule for a run trained under ``fixed_rates``, else its trained principal).
    """
    generator = torch.Generator().manual_seed(seed)
    leader = principal if principal is not None else run_principal(run, generator)
    br = train_best_response(run, [player], leader, episodes=episodes, num_games=num_games, seed=seed)
    base, dev = [], []
    for k in range(eval_seeds):
        for overrides, sink in (({}, base), ({player: br}, dev)):
            gen = torch.Generator().manual_seed(seed + 7919 * (k + 1))
            principal_gen = torch.Generator().manual_seed(seed + 7919 * (k + 1) + 1)
            leader = principal if principal is not None else run_principal(run, principal_gen)
            values = run_episodes(_setup(run), PolicyPlayers(run.players, gen, overrides), leader, num_games,
                                  seed + 104729 + k).values
            sink.append(values["returns"][:, player])
    base, dev = np.concatenate(base), np.concatenate(dev)
    mean, low, high = confidence_interval(dev - base, level)
    return {"gap": mean, "interval": (low, high), "value": float(dev.mean()), "baseline": float(base.mean())}


def estimate_leader_gap(run: LoadedRun, *, grid: tuple[float, ...], num_games: int, eval_seeds: int, seed: int,
                        readapt_episodes: int = 0, level: float = 0.95) -> dict:
    """ε̂: best alternative principal's mean O_η minus the trained principal's (paired by game)."""
    generator = torch.Generator().manual_seed(seed)
    principals = _principals(run, grid, generator)
    outcomes = {}
    for name, principal in principals.items():
        players_net = run.players
        if readapt_episodes:   # every principal, the trained one included, gets the same budget
            players_net = train_best_response(run, list(range(run.factory.params.n_players)), principal,
                                              episodes=readapt_episodes, num_games=num_games, seed=seed)
        values = []
        for k in range(eval_seeds):
            gen = torch.Generator().manual_seed(seed + 7919 * (k + 1))
            principal.generator = torch.Generator().manual_seed(seed + 7919 * (k + 1) + 1)
            values.append(run_episodes(_setup(run), PolicyPlayers(players_net, gen), principal, num_games,
                                       seed + 104729 + k).values["objective"])
        outcomes[name] = np.concatenate(values)
    trained = outcomes.pop(run_principal_label(run))
    best = max(outcomes, key=lambda name: outcomes[name].mean())
    mean, low, high = confidence_interval(outcomes[best] - trained, level)
    return {"gap": mean, "interval": (low, high), "witness": best, "value": float(outcomes[best].mean()),
            "baseline": float(trained.mean()), "alternatives": {k: float(v.mean()) for k, v in outcomes.items()}}


def estimate_certificate(run: LoadedRun, *, players: list[int] | None = None, br_episodes: int = 4,
                         num_games: int = 8, eval_seeds: int = 2, seed: int = 20_000,
                         grid: tuple[float, ...] = (0.0, 0.5, 1.0), readapt_episodes: int = 0,
                         epsilon: float = 0.0, delta: float = 0.0, level: float = 0.95) -> Certificate:
    """Estimated (ε, δ) certificate of the trained profile (see the module docstring).

    Only the players in ``players`` (default: all) are graded, and only they enter ``delta_hat``
    (in that order; the notes name them). ``holds`` applies Definition 2.4's test to the point
    estimates; read it together with the intervals.
    """
    graded = list(range(run.factory.params.n_players)) if players is None else list(players)
    follower = [estimate_follower_gap(run, i, episodes=br_episodes, num_games=num_games, eval_seeds=eval_seeds,
                                      seed=seed + i, level=level) for i in graded]
    leader = estimate_leader_gap(run, grid=grid, num_games=num_games, eval_seeds=eval_seeds, seed=seed,
                                 readapt_episodes=readapt_episodes, level=level)
    delta_hat = np.array([f["gap"] for f in follower])
    witnesses = tuple(Witness(i + 1, f"PPO best response of player {i} ({br_episodes} x {num_games} episodes)",
                              f["value"], f["baseline"]) for i, f in zip(graded, follower))
    notes = (f"estimates from {eval_seeds * num_games} paired evaluation episodes, {int(level * 100)}% t-intervals",
             f"followers graded: {graded} (player indices from 0; witness player = index + 1)",
             f"best responses: PPO, budget {br_episodes} x {num_games} episodes each; a lower bound on the true gap",
             f"leader optimum = best of {len(leader['alternatives'])} alternative principals"
             + (f" with players re-adapted for {readapt_episodes} x {num_games} episodes" if readapt_episodes
                else " against the frozen players") + "; a lower bound on the true gap")
    if not readapt_episodes and not run.config.player_tax_features:
        notes += ("players do not observe tax rates (player_tax_features=False), so against frozen players every "
                  "principal yields the same apples (epsilon_hat = 0 up to float error); re-adapt the players "
                  "(readapt_episodes > 0) for a meaningful leader gap",)
    return Certificate(epsilon_hat=leader["gap"], delta_hat=delta_hat, epsilon=epsilon, delta=delta,
                       holds=Certificate.condition_holds(leader["gap"], delta_hat, epsilon, delta),
                       leader_witness=Witness(0, leader["witness"], leader["value"], leader["baseline"]),
                       follower_witnesses=witnesses,
                       leader_optimum_method="best evaluated alternative principal (estimate)", estimated=True,
                       epsilon_interval=leader["interval"], delta_intervals=tuple(f["interval"] for f in follower),
                       notes=notes)
