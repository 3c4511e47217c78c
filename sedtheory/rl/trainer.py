"""Two-level PPO on the Apple Picking Game (paper, Section 4 and Appendix A).

The loop reads top to bottom like CleanRL's ``ppo.py``: seeding, environment, storage,
rollout, GAE, player update, principal update, logging, checkpoint.

* **Players**: one PPO policy shared by all players, agent id one-hot as input (Appendix A:
  "PPO player agents with parameter sharing and GAE, collecting samples at a horizon shorter
  than the episode"): ``num_steps`` = 200 steps per rollout, 5 updates per 1000-step episode.
* **Principal**: PPO at the same time scale (one update per rollout), on its decision steps
  only (the first step of each tax period), one categorical head per bracket; its reward is
  the change of O_η over the period (``sedtheory.rl.principal``). GAE runs over decisions,
  with γ and λ applied per decision.
* **Curriculum**: phase one without tax, then tax annealing (``sedtheory.rl.curriculum``).
* **Tax features** (``player_tax_features``, on by default): players also read the rates in
  force, their bracket fill and the period phase (:func:`~sedtheory.rl.principal.player_tax_features`),
  so a rate chosen by the principal changes the players' actions within the same rollout.
* **Voting**: every ``voting_period`` tax periods the players report and the rule sets η
  (``sedtheory.rl.voting``).
* **Types** (σ, β) ~ U[0, 1] are drawn once per run from the run's seed and kept fixed.
* **Reproducibility**: a new engine is built at every episode start from a seed drawn from
  the run's numpy generator; all sampling uses one torch generator. A checkpoint at an episode
  boundary therefore holds the whole state (networks, optimisers, both generators), and a
  resumed run repeats an uninterrupted one exactly.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from sedtheory._validate import ValidationError
from sedtheory.rl import checkpoint as ckpt
from sedtheory.rl.config import TrainConfig, config_from_dict, config_to_dict
from sedtheory.rl.curriculum import rate_cap
from sedtheory.rl.envs import AppleFactory, EnvFactory, make_player_policy, player_input
from sedtheory.rl.gae import compute_gae
from sedtheory.rl.networks import PrincipalPolicy, sample_categorical
from sedtheory.rl.ppo import Batch, ppo_update, settings_from_config
from sedtheory.rl.principal import (N_CHOICES, apply_choices, feature_size, objective, player_feature_size,
                                    player_tax_features, principal_features)

EPISODE_COLUMNS = ("charts/episodic_return", "charts/apples", "charts/min_apples", "charts/objective",
                   "charts/gini", "charts/apples_left", "charts/tax_collected")
LOSS_NAMES = ("value_loss", "policy_loss", "entropy", "old_approx_kl", "approx_kl", "clipfrac", "explained_variance")


def metric_columns(n_brackets: int) -> tuple[str, ...]:
    """The fixed column order of ``metrics.csv`` (CleanRL metric names first)."""
    return (("update", "global_step", "episode", "charts/SPS", "charts/agent_SPS", "charts/learning_rate",
             "charts/rate_cap", "charts/eta") + EPISODE_COLUMNS
            + tuple(f"charts/tax_rate_{b}" for b in range(n_brackets))
            + tuple(f"losses/{k}" for k in LOSS_NAMES) + tuple(f"principal/{k}" for k in LOSS_NAMES)
            + ("principal/mean_reward",))


@dataclass
class _Episode:
    """Per-episode running state of the ``B`` parallel games."""

    env: object
    next_obs: torch.Tensor        # (B, n, C, H, W)
    map_obs: torch.Tensor         # (B, C_p, H, W)
    cum_apples: torch.Tensor      # (B, n)
    period_income: torch.Tensor   # (B, n) this period so far
    last_income: torch.Tensor     # (B, n) previous period
    returns: torch.Tensor         # (B, n) player rewards summed
    rates: torch.Tensor           # (B, n_brackets)
    eta: torch.Tensor             # (B,)
    period_start_value: torch.Tensor  # (B,) O_eta at the period start
    tax_collected: np.ndarray     # (B,)
    rate_sum: np.ndarray          # (n_brackets,) summed over periods (mean over games)
    periods: int = 0
    t: int = 0


class Trainer:
    """A training run in a folder.

    Args:
        config: the run's settings.
        run_dir: the run folder (created; must not hold another run unless resuming).
        factory: environment factory (default: the Apple engine from ``config``).
    """

    def __init__(self, config: TrainConfig, run_dir: Path | str, factory: EnvFactory | None = None) -> None:
        self.config, self.run_dir = config, Path(run_dir)
        self.factory = factory if factory is not None else AppleFactory(config)
        self.params = self.factory.params
        self.device = torch.device(config.device)
        if config.torch_threads:
            torch.set_num_threads(config.torch_threads)
        # --- seeding ---
        self.np_rng = np.random.default_rng(config.seed)
        self.generator = torch.Generator(device=self.device).manual_seed(config.seed)
        n, nb = self.params.n_players, self.params.n_brackets
        # --- types (sigma, beta) ~ U[0,1], once per run; the vote sets eta ---
        self.selfishness = self.np_rng.uniform(size=n)
        self.trust = self.np_rng.uniform(size=n)
        if config.selfishness:  # fixed types (config), drawn above all the same so the seed's stream is unchanged
            self.selfishness = np.array(config.selfishness, dtype=float)
        if config.trust:
            self.trust = np.array(config.trust, dtype=float)
        from sedtheory.rl.voting import VotingSchedule
        self.voting = VotingSchedule(self.selfishness, config.voting_rule, config.strategic_reports)
        # --- networks ---
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            self.players = make_player_policy(self.factory, config).to(self.device)
            self.principal = PrincipalPolicy(self.params.principal_obs_shape, feature_size(n, nb), nb, N_CHOICES,
                                             config.principal_hidden_size).to(self.device)
        self.player_opt = torch.optim.Adam(self.players.parameters(), lr=config.learning_rate, eps=config.adam_eps)
        self.principal_opt = torch.optim.Adam(self.principal.parameters(), lr=config.principal_learning_rate,
                                              eps=config.adam_eps)
        self._codes = config.network == "embed"
        self.update, self.global_step, self.episode, self.elapsed = 0, 0, 0, 0.0
        self.history: list[dict] = []
        self.reports, self.eta_value = self.voting.vote()
        self._snapshot: dict | None = None
        self._continuing = False   # the folder's run files are this run's own (resume(), or train() ran before)
        self._allocate_storage()

    # ------------------------------------------------------------------ storage
    def _allocate_storage(self) -> None:
        cfg, p = self.config, self.params
        T, B, n, P = cfg.num_steps, cfg.num_games, p.n_players, cfg.periods_per_rollout
        dev = self.device
        channels, rows, cols = p.obs_shape
        # uint8 storage: cell codes for 'embed'; else the 0/1 channels, channels last (the engine's layout)
        shape = (rows, cols) if cfg.network == "embed" else (rows, cols, channels)
        self.obs = torch.zeros((T, B, n) + shape, dtype=torch.uint8, device=dev)
        self.actions = torch.zeros((T, B, n), dtype=torch.long, device=dev)
        self.logprobs = torch.zeros((T, B, n), device=dev)
        self.rewards = torch.zeros((T, B, n), device=dev)
        self.dones = torch.zeros((T, B, n), device=dev)
        self.values = torch.zeros((T, B, n), device=dev)
        self.agent_ids = torch.arange(n, device=dev).expand(T, B, n).reshape(-1)
        self.player_feats = (torch.zeros((T, B, n, player_feature_size(p.n_brackets)), device=dev)
                             if cfg.player_tax_features else None)
        self.p_map = torch.zeros((P, B) + tuple(p.principal_obs_shape), device=dev)
        self.p_feat = torch.zeros((P, B, feature_size(n, p.n_brackets)), device=dev)
        self.p_actions = torch.zeros((P, B, p.n_brackets), dtype=torch.long, device=dev)
        self.p_logprobs = torch.zeros((P, B), device=dev)
        self.p_rewards = torch.zeros((P, B), device=dev)
        self.p_dones = torch.zeros((P, B), device=dev)
        self.p_values = torch.zeros((P, B), device=dev)

    # ------------------------------------------------------------------ environment
    def _types(self, num_games: int) -> tuple[np.ndarray, np.ndarray]:
        return (np.tile(self.selfishness, (num_games, 1)), np.tile(self.trust, (num_games, 1)))

    def _begin_episode(self) -> _Episode:
        cfg, p = self.config, self.params
        B, n, nb = cfg.num_games, p.n_players, p.n_brackets
        env = self.factory.make(B, int(self.np_rng.integers(2**31 - 1)), self._types(B))
        out = env.reset()
        _check_storable(player_input(out, cfg.network), cfg.network, getattr(self.factory, "n_codes", 32))
        zeros = torch.zeros(B, n, device=self.device)
        return _Episode(env=env, next_obs=player_input(out, cfg.network).to(self.device), map_obs=out.principal_obs.to(self.device),
                        cum_apples=zeros.clone(), period_income=zeros.clone(), last_income=zeros.clone(),
                        returns=zeros.clone(), rates=torch.zeros(B, nb, device=self.device),
                        eta=torch.full((B,), self.eta_value, device=self.device),
                        period_start_value=torch.zeros(B, device=self.device), tax_collected=np.zeros(B),
                        rate_sum=np.zeros(nb))

    def _cap(self, update: int | None = None) -> float:
        """The rate cap during ``update`` (default: the current one); 0 without a principal."""
        cfg = self.config
        if not cfg.principal:
            return 0.0
        return rate_cap(self.update if update is None else update, cfg.num_updates, cfg.phase_one_fraction,
                        cfg.anneal_fraction, cfg.initial_rate_cap)

    # ------------------------------------------------------------------ rollout
    def _principal_decision(self, ep: _Episode, k: int, cap: float) -> None:
        """First step of a tax period: vote if a round starts, then the principal sets the rates.

        Rounds count tax periods over the whole run (not per episode), so a ``voting_period``
        that does not divide the periods of an episode still votes every ``voting_period`` periods.
        """
        cfg = self.config
        periods_so_far = self.global_step // cfg.num_games // cfg.tax_period
        if periods_so_far % cfg.voting_period == 0:
            self.reports, self.eta_value = self.voting.vote()
            ep.eta.fill_(self.eta_value)
        if cap > 0:
            feats = principal_features(ep.last_income, ep.eta, cap, ep.t / cfg.episode_length, ep.rates,
                                       cfg.tax_period)
            with torch.no_grad():
                logits, value = self.principal(ep.map_obs, feats)
            choices, logp = sample_categorical(logits, self.generator)
            self.p_map[k], self.p_feat[k], self.p_actions[k] = ep.map_obs, feats, choices
            self.p_logprobs[k], self.p_values[k] = logp.sum(-1), value
            self.p_dones[k] = float(ep.t == 0)
            ep.rates = apply_choices(choices, ep.rates, cap)
        else:
            ep.rates = torch.zeros_like(ep.rates)
        ep.env.set_tax_rates(ep.rates)
        ep.period_start_value = objective(ep.cum_apples, ep.eta)

    def _period_end(self, ep: _Episode, k: int, cap: float) -> None:
        from sedtheory.principal.tax import bracket_tax

        self.p_rewards[k] = objective(ep.cum_apples, ep.eta) - ep.period_start_value
        income, rates = ep.period_income.cpu().numpy(), ep.rates.cpu().numpy()
        ep.tax_collected += bracket_tax(income, rates, np.asarray(self.config.tax_thresholds)).sum(-1)
        ep.rate_sum += rates.mean(0)
        ep.periods += 1
        ep.last_income, ep.period_income = ep.period_income, torch.zeros_like(ep.period_income)

    def _player_features(self, ep: _Episode) -> torch.Tensor | None:
        """``(B, n, F)`` tax features of the players now, or None when the players read none."""
        if self.player_feats is None:
            return None
        return player_tax_features(ep.rates, ep.period_income, ep.t, self.config.tax_period,
                                   self.config.tax_thresholds)

    def _collect_rollout(self, ep: _Episode, cap: float) -> dict:
        """Play ``num_steps`` steps in every game, filling the storage."""
        cfg, n = self.config, self.params.n_players
        finished = None
        for step in range(cfg.num_steps):
            if ep.t % cfg.tax_period == 0:
                self._principal_decision(ep, step // cfg.tax_period, cap)
            self.obs[step] = ep.next_obs if self._codes else ep.next_obs.permute(0, 1, 3, 4, 2)
            self.dones[step] = float(ep.t == 0)
            feats = self._player_features(ep)
            if feats is not None:
                self.player_feats[step] = feats
                feats = feats.flatten(0, 1)
            with torch.no_grad():
                logits, value = self.players(ep.next_obs.flatten(0, 1), self.agent_ids[: cfg.num_games * n], feats)
            action, logp = sample_categorical(logits, self.generator)
            self.actions[step] = action.view(-1, n)
            self.logprobs[step], self.values[step] = logp.view(-1, n), value.view(-1, n)
            out = ep.env.step(self.actions[step])
            reward = out.reward.to(self.device).float()
            self.rewards[step] = reward
            ep.returns += reward
            apples = out.apples.to(self.device).float()
            ep.cum_apples += apples
            ep.period_income += apples
            ep.next_obs, ep.map_obs = player_input(out, cfg.network).to(self.device), out.principal_obs.to(self.device)
            ep.t += 1
            self.global_step += cfg.num_games
            if ep.t % cfg.tax_period == 0:
                self._period_end(ep, step // cfg.tax_period, cap)
            done = bool(out.done.all())
            if bool(out.done.any()) != done:
                raise RuntimeError("engine: games ended at different steps (the trainer needs lockstep episodes)")
            if done:
                if step != cfg.num_steps - 1 or ep.t != cfg.episode_length:
                    raise RuntimeError(f"engine: episode ended at step {ep.t}, expected {cfg.episode_length}")
                finished = self._episode_record(ep)
        return {"done": finished is not None, "episode": finished}

    def _episode_record(self, ep: _Episode) -> dict:
        from sedtheory.social_choice.inequality import gini

        apples = ep.cum_apples.cpu().numpy().astype(float)
        live = ep.env.live_apples()
        record = {
            "charts/episodic_return": float(ep.returns.mean()),
            "charts/apples": float(apples.sum(-1).mean()),
            "charts/min_apples": float(apples.min(-1).mean()),
            "charts/objective": float(objective(ep.cum_apples, ep.eta).mean()),
            "charts/gini": float(np.mean(gini(apples))),
            "charts/apples_left": float(torch.as_tensor(live).float().mean()),
            "charts/tax_collected": float(ep.tax_collected.mean()),
        }
        record.update({f"charts/tax_rate_{b}": float(r) / max(ep.periods, 1) for b, r in enumerate(ep.rate_sum)})
        return record

    # ------------------------------------------------------------------ GAE + updates
    def _player_batch(self, ep: _Episode, done: bool) -> Batch:
        """The rollout's player samples with GAE. Mid-episode the bootstrap value reads the tax
        features with the rates still in force: the next period's rates are chosen only at the
        next rollout's first step."""
        cfg = self.config
        feats = self._player_features(ep)
        with torch.no_grad():
            _, next_value = self.players(ep.next_obs.flatten(0, 1), self.agent_ids[: cfg.num_games * self.params.n_players],
                                         None if feats is None else feats.flatten(0, 1))
        next_done = torch.full_like(next_value, float(done)).view(cfg.num_games, -1)
        adv, ret = compute_gae(self.rewards, self.values, self.dones, next_value.view(cfg.num_games, -1), next_done,
                               cfg.gamma, cfg.gae_lambda)
        inputs = (_ObsView(self.obs.flatten(0, 2), self._codes), self.agent_ids)
        if self.player_feats is not None:
            inputs += (self.player_feats.flatten(0, 2),)
        return Batch(inputs=inputs, actions=self.actions.reshape(-1),
                     logprobs=self.logprobs.reshape(-1), advantages=adv.reshape(-1), returns=ret.reshape(-1),
                     values=self.values.reshape(-1))

    def _principal_batch(self, ep: _Episode, done: bool) -> Batch:
        """The principal's decisions of this rollout, ``P = periods_per_rollout`` per game.

        Mid-episode, GAE bootstraps from the value of the next decision's observation, which
        carries the next update's rate cap (the cap is part of the features).
        """
        cfg = self.config
        if done:
            next_value = torch.zeros(cfg.num_games, device=self.device)
        else:
            feats = principal_features(ep.last_income, ep.eta, self._cap(self.update + 1), ep.t / cfg.episode_length,
                                       ep.rates, cfg.tax_period)
            with torch.no_grad():
                _, next_value = self.principal(ep.map_obs, feats)
        next_done = torch.full_like(next_value, float(done))
        adv, ret = compute_gae(self.p_rewards, self.p_values, self.p_dones, next_value, next_done, cfg.gamma,
                               cfg.gae_lambda)
        return Batch(inputs=(self.p_map.flatten(0, 1), self.p_feat.flatten(0, 1)),
                     actions=self.p_actions.flatten(0, 1), logprobs=self.p_logprobs.reshape(-1),
                     advantages=adv.reshape(-1), returns=ret.reshape(-1), values=self.p_values.reshape(-1))

    def _anneal(self) -> float:
        frac = 1.0 - self.update / self.config.num_updates if self.config.anneal_lr else 1.0
        self.player_opt.param_groups[0]["lr"] = frac * self.config.learning_rate
        self.principal_opt.param_groups[0]["lr"] = frac * self.config.principal_learning_rate
        return frac * self.config.learning_rate

    # ------------------------------------------------------------------ main loop
    def train(self, max_updates: int | None = None) -> dict:
        """Train until ``num_updates`` (or, with ``max_updates``, until the first episode
        boundary at or after that many updates). Ctrl-C writes the last episode-boundary
        checkpoint, returns this trainer to it (so calling ``train`` again continues the run) and
        re-raises ``KeyboardInterrupt``.

        Returns:
            the run summary (also written to ``summary.json`` when training completes).
        """
        from sedtheory.rl.logging import MetricsLog

        cfg = self.config
        continuing = self._continuing
        self._prepare_folder()
        log = MetricsLog(self.run_dir, metric_columns(self.params.n_brackets), self.update, self.global_step,
                         cfg.log_tensorboard, resumed=continuing)
        bar = _progress(cfg, self.update)
        self._snapshot = self._state()
        ep, started = None, time.perf_counter() - self.elapsed
        steps_at_start, clock = self.global_step, time.perf_counter()
        try:
            while self.update < cfg.num_updates:
                if self.update % cfg.updates_per_episode == 0:
                    ep = self._begin_episode()
                cap, lr = self._cap(), self._anneal()
                rollout = self._collect_rollout(ep, cap)
                # --- players' PPO update ---
                row = {f"losses/{k[7:]}": v for k, v in ppo_update(
                    self.players, self.player_opt, self._player_batch(ep, rollout["done"]), settings_from_config(cfg),
                    self.generator).items()}
                # --- principal's PPO update (phase two only, on its decision steps) ---
                if cap > 0:
                    batch = self._principal_batch(ep, rollout["done"])
                    settings = settings_from_config(cfg, principal=True, decisions=len(batch))
                    stats = ppo_update(self.principal, self.principal_opt, batch, settings, self.generator)
                    row.update({f"principal/{k[7:]}": v for k, v in stats.items()})
                    row["principal/mean_reward"] = float(self.p_rewards.mean())
                self.update += 1
                now = time.perf_counter()
                sps = (self.global_step - steps_at_start) / max(now - clock, 1e-9)
                row.update({"update": self.update, "global_step": self.global_step, "episode": self.episode,
                            "charts/SPS": sps, "charts/agent_SPS": sps * self.params.n_players,
                            "charts/learning_rate": lr, "charts/rate_cap": cap, "charts/eta": self.eta_value})
                if rollout["done"]:
                    self.episode += 1
                    row["episode"] = self.episode
                    row.update(rollout["episode"])
                    self.history.append({"episode": self.episode, "update": self.update, "rate_cap": cap,
                                         **rollout["episode"]})
                log.write(row)
                _advance(bar, row)
                if rollout["done"]:
                    self.elapsed = time.perf_counter() - started
                    self._snapshot = self._state()
                    if cfg.checkpoint_every and self.episode % cfg.checkpoint_every == 0:
                        self._save_checkpoint(self._snapshot)
                    if max_updates is not None and self.update >= max_updates:
                        break
        except KeyboardInterrupt:
            self._save_checkpoint(self._snapshot)
            self.load_state(copy.deepcopy(self._snapshot))   # back to the checkpoint: a later train() goes on from it
            log.close()
            bar.close()
            raise
        log.close()
        bar.close()
        self._save_checkpoint(self._snapshot)
        if self.update >= cfg.num_updates:
            return self._finish()
        return {"update": self.update, "completed": False}

    # ------------------------------------------------------------------ state
    def _prepare_folder(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        config_path = self.run_dir / ckpt.CONFIG
        if config_path.exists():
            if config_from_dict(ckpt.load_json(config_path)) != self.config:
                raise ValidationError(f"run_dir: {self.run_dir} holds a run with another config; resume it or pick a new folder")
            if not self._continuing and (self.run_dir / ckpt.CHECKPOINT).exists():
                raise ValidationError(f"run_dir: {self.run_dir} already holds a run; use --resume to continue it")
        ckpt.save_json(config_path, config_to_dict(self.config))
        self._continuing = True

    def _state(self) -> dict:
        """Everything needed to continue from here (deep copies)."""
        return copy.deepcopy({
            "update": self.update, "global_step": self.global_step, "episode": self.episode, "elapsed": self.elapsed,
            "players": self.players.state_dict(), "principal": self.principal.state_dict(),
            "player_opt": self.player_opt.state_dict(), "principal_opt": self.principal_opt.state_dict(),
            "torch_generator": self.generator.get_state(), "numpy_generator": self.np_rng.bit_generator.state,
            "selfishness": self.selfishness, "trust": self.trust, "reports": self.reports, "eta": self.eta_value,
            "history": self.history,
        })

    def _save_checkpoint(self, state: dict | None) -> None:
        if state is not None:
            ckpt.save_torch(self.run_dir / ckpt.CHECKPOINT, {"config": config_to_dict(self.config), **state})

    def load_state(self, state: dict) -> None:
        """Restore a state written by a checkpoint."""
        self.update, self.global_step = state["update"], state["global_step"]
        self.episode, self.elapsed = state["episode"], state["elapsed"]
        self.players.load_state_dict(state["players"])
        self.principal.load_state_dict(state["principal"])
        self.player_opt.load_state_dict(state["player_opt"])
        self.principal_opt.load_state_dict(state["principal_opt"])
        self.generator.set_state(state["torch_generator"])
        self.np_rng.bit_generator.state = state["numpy_generator"]
        self.selfishness, self.trust = np.asarray(state["selfishness"]), np.asarray(state["trust"])
        self.reports, self.eta_value = np.asarray(state["reports"]), float(state["eta"])
        self.history = list(state["history"])

    @classmethod
    def resume(cls, run_dir: Path | str, factory: EnvFactory | None = None) -> "Trainer":
        """The trainer of the run in ``run_dir``, restored from its last checkpoint."""
        run_dir = Path(run_dir)
        if not (run_dir / ckpt.CHECKPOINT).exists():
            raise ValidationError(f"resume: {run_dir} has no checkpoint ({ckpt.CHECKPOINT})")
        state = ckpt.load_torch(run_dir / ckpt.CHECKPOINT)
        trainer = cls(config_from_dict(state["config"]), run_dir, factory)
        trainer.load_state(state)
        trainer._continuing = True
        return trainer

    def _finish(self) -> dict:
        ckpt.save_torch(self.run_dir / ckpt.POLICIES, {"config": config_to_dict(self.config),
                                                        "players": self.players.state_dict(),
                                                        "principal": self.principal.state_dict(),
                                                        "selfishness": self.selfishness, "trust": self.trust,
                                                        "eta": self.eta_value})
        summary = {"completed": True, "update": self.update, "global_step": self.global_step,
                   "episodes": self.episode, "elapsed_s": self.elapsed,
                   "selfishness": self.selfishness.tolist(), "trust": self.trust.tolist(), "eta": self.eta_value,
                   "first_episode": self.history[0] if self.history else None,
                   "last_episode": self.history[-1] if self.history else None}
        ckpt.save_json(self.run_dir / ckpt.SUMMARY, summary)
        return summary


def _progress(config: TrainConfig, initial: int):
    from tqdm import tqdm

    return tqdm(total=config.num_updates, initial=initial, unit="upd", disable=not config.progress,
                dynamic_ncols=True, desc="train")


def _advance(bar, row: dict) -> None:
    post = {"agent-steps/s": f"{row['charts/agent_SPS']:.0f}", "cap": f"{row['charts/rate_cap']:.2f}"}
    if "charts/apples" in row:
        post["apples"] = f"{row['charts/apples']:.0f}"
        post["left"] = f"{row['charts/apples_left']:.0f}"
    bar.set_postfix(post, refresh=False)
    bar.update(1)



class _ObsView:
    """Minibatch access to uint8 storage: codes ``(N, H, W)`` are returned as they are; 0/1
    channels stored channels-last ``(N, H, W, C)`` come back as float ``(m, C, H, W)`` (a
    channels-last view, which the networks read without a copy)."""

    def __init__(self, storage: torch.Tensor, codes: bool) -> None:
        self.storage, self.codes = storage, codes

    def __getitem__(self, index: torch.Tensor) -> torch.Tensor:
        if self.codes:
            return self.storage[index]
        return self.storage[index].float().permute(0, 3, 1, 2)


def _check_storable(obs: torch.Tensor, network: str, n_codes: int) -> None:
    """The uint8 storage is exact only for 0/1 channels or codes below the vocabulary: checked
    once per episode."""
    if network == "embed":
        bad = (obs >= n_codes - 1) & (obs != 255)
        if bool(bad.any()):
            raise RuntimeError(f"engine: observation code {int(obs[bad].max())} outside the vocabulary of {n_codes}")
    elif not bool(((obs == 0) | (obs == 1)).all()):
        raise RuntimeError("engine: observations are not 0/1 channels; the trainer stores them as uint8")
