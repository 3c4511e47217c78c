"""Two-level PPO on the Apple Picking Game (paper, Section 4 and Appendix A).

Read :meth:`Trainer.train` first: it is the loop, CleanRL's ``ppo.py`` style — new episode,
rollout, players' PPO update, principal's PPO update at the episode's end, logging,
checkpoint — and the methods after it are its parts in the order they run.

* **Players**: one PPO policy shared by all players, agent id one-hot as input (Appendix A:
  "PPO player agents with parameter sharing and GAE, collecting samples at a horizon shorter
  than the episode"): ``num_steps`` = 200 steps per rollout, 5 updates per 1000-step episode.
  They read the tax schedule in force, their bracket fill, the period phase and (by default)
  the episode phase (``player_tax_features``, ``player_episode_phase``), from the engine.
* **Principal**: chooses a schedule (one categorical head per bracket) at each decision point
  and is *committed* to it for ``commitment_periods`` tax periods (0: the whole episode; 1: the
  paper's per-period principal). A decision's reward is the change of O_η over its horizon
  (:class:`~sedtheory.rl.driver.Episode`), so an episode's rewards telescope to its O_η. It is
  updated once per episode, on that episode's decisions, with GAE over decisions.
  ``fixed_rates`` replaces it by a fixed committed schedule (the outer loop's candidates).
* **Learning signals**: rewards of each level scaled by the running std of their discounted
  return (``norm_returns``; :mod:`sedtheory.rl.normalize`); separate learning-rate schedules
  (players: over the run; principal: constant or over phase two).
* **Curriculum**: phase one without tax, then a rate cap rising to 1 (``sedtheory.rl.curriculum``),
  applied by masking the choices above it (``cap_mode="mask"``) or by clamping the rate.
* **Voting**: every ``voting_period`` tax periods the players report and the rule sets η
  (``sedtheory.rl.voting``); a decision's reward uses the η of its commitment.
* **Types** (σ, β) ~ U[0, 1] are drawn once per run from the run's seed and kept fixed.
* **Reproducibility**: a new engine is built at every episode start from a seed drawn from
  the run's numpy generator; all sampling uses one torch generator. A checkpoint at an episode
  boundary therefore holds the whole state (networks, optimisers, normalisers, both
  generators), and a resumed run repeats an uninterrupted one exactly.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from sedtheory._validate import ValidationError
from sedtheory.rl import checkpoint as ckpt
from sedtheory.rl import run_folder
from sedtheory.rl.config import TrainConfig, config_from_dict, config_to_dict
from sedtheory.rl.curriculum import entropy_coefficient, rate_cap
from sedtheory.rl.driver import Episode
from sedtheory.rl.envs import AppleFactory, EnvFactory, make_player_policy, make_principal_policy, player_input
from sedtheory.rl.gae import compute_gae
from sedtheory.rl.logging import MetricsLog
from sedtheory.rl.networks import sample_categorical
from sedtheory.rl.normalize import ReturnNormalizer
from sedtheory.rl.ppo import Batch, ppo_update, settings_from_config
from sedtheory.rl.principal import N_RATE_LEVELS, allowed_choices, apply_choices, player_feature_size, random_levels
from sedtheory.rl.voting import VotingSchedule

EPISODE_COLUMNS = ("charts/episodic_return", "charts/apples", "charts/min_apples", "charts/objective",
                   "charts/gini", "charts/apples_left", "charts/tax_collected")
WARM_START = Path("warm_start.pt")
"""What :meth:`Trainer.warm_start` loaded, kept in the run folder."""
LOSS_NAMES = ("value_loss", "policy_loss", "entropy", "old_approx_kl", "approx_kl", "clipfrac", "explained_variance")


def metric_columns(n_brackets: int) -> tuple[str, ...]:
    """The fixed column order of ``metrics.csv`` (CleanRL metric names first)."""
    return (("update", "global_step", "episode", "charts/SPS", "charts/agent_SPS", "charts/learning_rate",
             "charts/principal_learning_rate", "charts/rate_cap", "charts/eta") + EPISODE_COLUMNS
            + tuple(f"charts/tax_rate_{b}" for b in range(n_brackets))
            + tuple(f"losses/{k}" for k in LOSS_NAMES) + tuple(f"principal/{k}" for k in LOSS_NAMES)
            + ("principal/mean_reward",))


class Trainer:
    """A training run in a folder.

    Args:
        config: the run's settings (the environment included: see ``TrainConfig``'s env section).
        run_dir: the run folder (created; must not hold another run unless resuming).
        factory: environment factory (default: the Apple engine built from ``config``).
    """

    def __init__(self, config: TrainConfig, run_dir: Path | str, factory: EnvFactory | None = None) -> None:
        self.config, self.run_dir = config, Path(run_dir)
        torch_device(config.device)   # a bad device is refused before the engine is built on it
        self.factory = factory if factory is not None else AppleFactory(config)
        self.params = self.factory.params
        self.device = torch_device(config.device)
        if config.torch_threads:
            torch.set_num_threads(config.torch_threads)
        # --- seeding ---
        self.np_rng = np.random.default_rng(config.seed)
        self.generator = torch.Generator(device=self.device).manual_seed(config.seed)
        n = self.params.n_players
        # --- types (sigma, beta) ~ U[0,1], once per run; the vote sets eta ---
        self.selfishness = self.np_rng.uniform(size=n)
        self.trust = self.np_rng.uniform(size=n)
        if config.selfishness:  # fixed types (config), drawn above all the same so the seed's stream is unchanged
            self.selfishness = np.array(config.selfishness, dtype=float)
        if config.trust:
            self.trust = np.array(config.trust, dtype=float)
        self.voting = VotingSchedule(self.selfishness, config.voting_rule, config.strategic_reports)
        # --- networks, optimisers, reward scaling ---
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            self.players = make_player_policy(self.factory, config).to(self.device)
            self.principal = make_principal_policy(self.factory, config).to(self.device)
        self.player_opt = torch.optim.Adam(self.players.parameters(), lr=config.learning_rate, eps=config.adam_eps)
        self.principal_opt = torch.optim.Adam(self.principal.parameters(), lr=config.principal_learning_rate,
                                              eps=config.adam_eps)
        self.player_scaler = ReturnNormalizer((config.num_games, n), config.gamma)
        self.principal_scaler = ReturnNormalizer((config.num_games,), config.gamma)
        self._codes = config.network == "embed"
        self.update, self.global_step, self.episode, self.elapsed = 0, 0, 0, 0.0
        self.history: list[dict] = []
        self.reports, self.eta_value = self.voting.vote()
        self._snapshot: dict | None = None
        self._continuing = False   # the folder's run files are this run's own (resume(), or train() ran before)
        self._allocate_storage()

    # ------------------------------------------------------------------ the loop
    def train(self, max_updates: int | None = None) -> dict:
        """Train until ``num_updates`` (or, with ``max_updates``, until the first episode
        boundary at or after that many updates). Ctrl-C or SIGTERM writes the last episode-boundary
        checkpoint, returns this trainer to it (so calling ``train`` again continues the run) and
        re-raises ``KeyboardInterrupt`` (:class:`~sedtheory.rl.run_folder.Terminated` for SIGTERM).
        The run folder follows :mod:`sedtheory.rl.run_folder`: files it did not write are never
        replaced, and one process at a time trains it (a lock file).

        Returns:
            the run summary (also written to ``summary.json`` when training completes).
        """
        self._check_folder()
        with run_folder.locked(self.run_dir), run_folder.stop_on_sigterm():
            return self._train(max_updates)

    def _train(self, max_updates: int | None) -> dict:
        cfg = self.config
        continuing = self._continuing
        self._prepare_folder()
        log = MetricsLog(self.run_dir, metric_columns(self.params.n_brackets), self.update, self.global_step,
                         cfg.log_tensorboard, resumed=continuing)
        bar = tqdm(total=cfg.num_updates, initial=self.update, unit="update", disable=not cfg.progress,
                   dynamic_ncols=True, desc="train")
        self._snapshot = self._state()
        ep, started = None, time.perf_counter() - self.elapsed
        steps_at_start, clock = self.global_step, time.perf_counter()
        try:
            while self.update < cfg.num_updates:
                if self.update % cfg.updates_per_episode == 0:
                    ep = self._begin_episode()
                cap = self._cap()
                lr, principal_lr = self._set_learning_rates()
                finished = self._collect_rollout(ep, cap)
                # --- players' PPO update ---
                row = {f"losses/{k[7:]}": v for k, v in ppo_update(
                    self.players, self.player_opt, self._player_batch(ep), settings_from_config(cfg),
                    self.generator).items()}
                # --- principal's PPO update: at the episode's end, on its decisions ---
                if finished is not None and self._decisions:
                    row.update(self._update_principal())
                self.update += 1
                now = time.perf_counter()
                sps = (self.global_step - steps_at_start) / max(now - clock, 1e-9)
                row.update({"update": self.update, "global_step": self.global_step, "episode": self.episode,
                            "charts/SPS": sps, "charts/agent_SPS": sps * self.params.n_players,
                            "charts/learning_rate": lr, "charts/principal_learning_rate": principal_lr,
                            "charts/rate_cap": cap, "charts/eta": self.eta_value})
                if finished is not None:
                    self.episode += 1
                    row["episode"] = self.episode
                    row.update(finished)
                    self.history.append({"episode": self.episode, "update": self.update, "rate_cap": cap, **finished})
                log.write(row)
                _advance(bar, row)
                if finished is not None:
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

    # ------------------------------------------------------------------ storage
    def _allocate_storage(self) -> None:
        cfg, p = self.config, self.params
        T, B, n = cfg.num_steps, cfg.num_games, p.n_players
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
        self.player_feats = (torch.zeros((T, B, n, player_feature_size(p.n_brackets, cfg.player_episode_phase)),
                                         device=dev) if cfg.player_tax_features else None)
        self._decisions: list[dict] = []   # the principal's decisions of the current episode

    # ------------------------------------------------------------------ environment
    def _begin_episode(self) -> Episode:
        cfg, B = self.config, self.config.num_games
        types = (np.tile(self.selfishness, (B, 1)), np.tile(self.trust, (B, 1)))
        env = self.factory.make(B, int(self.np_rng.integers(2**31 - 1)), types)
        ep = Episode(env, self.eta_value, commitment_steps=cfg.commitment_steps, tax_features=cfg.player_tax_features,
                     episode_phase=cfg.player_episode_phase, device=self.device)
        _check_storable(player_input(ep.out, cfg.network), cfg.network, getattr(self.factory, "n_codes", 32))
        self._decisions = []
        return ep

    def _cap(self, update: int | None = None) -> float:
        """The rate cap during ``update`` (default: the current one); 0 without a principal."""
        cfg = self.config
        if not cfg.principal:
            return 0.0
        return rate_cap(self.update if update is None else update, cfg.num_updates, cfg.phase_one_fraction,
                        cfg.anneal_fraction, cfg.initial_rate_cap)

    def _principal_start(self) -> int:
        """The principal's first learning update: after phase one and its exploration share."""
        cfg = self.config
        return int(round((cfg.phase_one_fraction + cfg.principal_explore_fraction) * cfg.num_updates))

    def _set_learning_rates(self) -> tuple[float, float]:
        """Players: linear to 0 over the run (``anneal_lr``); principal: constant, or linear to 0
        from its first learning update (``principal_anneal_lr``)."""
        cfg = self.config
        frac = 1.0 - self.update / cfg.num_updates if cfg.anneal_lr else 1.0
        start = self._principal_start()
        p_frac = 1.0
        if cfg.principal_anneal_lr and self.update >= start:
            p_frac = 1.0 - (self.update - start) / max(cfg.num_updates - start, 1)
        self.player_opt.param_groups[0]["lr"] = frac * cfg.learning_rate
        self.principal_opt.param_groups[0]["lr"] = p_frac * cfg.principal_learning_rate
        return frac * cfg.learning_rate, p_frac * cfg.principal_learning_rate

    # ------------------------------------------------------------------ rollout
    def _collect_rollout(self, ep: Episode, cap: float) -> dict | None:
        """Play ``num_steps`` steps in every game, filling the storage; the episode's record
        when it ended with this rollout, else None."""
        cfg, n = self.config, self.params.n_players
        ids = self.agent_ids[: cfg.num_games * n]
        step = 0

        def vote(episode: Episode) -> None:
            periods_so_far = self.global_step // cfg.num_games // cfg.tax_period
            if periods_so_far % cfg.voting_period == 0:
                self.reports, self.eta_value = self.voting.vote()
                episode.eta.fill_(self.eta_value)

        def players(episode: Episode) -> torch.Tensor:
            obs, feats = player_input(episode.out, cfg.network).to(self.device), episode.player_features()
            self.obs[step] = obs if self._codes else obs.permute(0, 1, 3, 4, 2)
            self.dones[step] = float(episode.t == 0)
            if feats is not None:
                self.player_feats[step] = feats
                feats = feats.flatten(0, 1)
            with torch.no_grad():
                logits, value = self.players(obs.flatten(0, 1), ids, feats)
            action, logp = sample_categorical(logits, self.generator)
            self.actions[step] = action.view(-1, n)
            self.logprobs[step], self.values[step] = logp.view(-1, n), value.view(-1, n)
            return self.actions[step]

        def after_step(episode: Episode, out) -> None:
            nonlocal step
            reward = out.reward.to(self.device).float()
            self.rewards[step] = self.player_scaler(reward, episode.done) if cfg.norm_returns else reward
            self.global_step += cfg.num_games
            if episode.horizon_complete and self._decisions:
                self._decisions[-1]["reward"] = episode.decision_reward()
            step += 1

        ep.play(players, lambda episode: self._decide(episode, cap), steps=cfg.num_steps, after_step=after_step,
                at_period_start=vote)
        if step != cfg.num_steps:
            raise RuntimeError(f"engine: episode ended at step {ep.t}, expected {cfg.episode_length}")
        self._next_obs = (player_input(ep.out, cfg.network).to(self.device), ep.player_features(), ep.done)
        return self._episode_record(ep) if ep.done else None

    def _decide(self, ep: Episode, cap: float) -> torch.Tensor:
        """A decision point: the principal's schedule for the next ``commitment_steps`` steps
        (zeros in phase one or without a principal; ``fixed_rates`` from phase two on; uniformly
        random rates up to the cap, not recorded for learning, in the principal's exploration share)."""
        cfg, B, nb = self.config, self.config.num_games, self.params.n_brackets
        current = ep.env.upcoming_rates.to(self.device)
        if cap <= 0:
            return torch.zeros(B, nb, device=self.device)
        if cfg.fixed_rates:
            return torch.tensor(cfg.fixed_rates, dtype=torch.float32, device=self.device).expand(B, nb).clone()
        if self.update < self._principal_start():   # exploration: uniformly random schedules, no learning
            if cfg.principal_levels:   # uniform over the principal's levels up to the cap
                levels = sorted(v for v in cfg.principal_levels if v <= cap + 1e-6)
                if not levels:   # no level under the cap yet: only "keep" is allowed
                    return current
                return random_levels(levels, B, nb, cfg.principal_flat, self.generator, self.device)
            levels = int(cap * (N_RATE_LEVELS - 1) + 1e-6) + 1
            draws = torch.randint(levels, (B, 1 if cfg.principal_flat else nb), generator=self.generator,
                                  device=self.device)
            return (draws.float() / (N_RATE_LEVELS - 1)).expand(B, nb).clone()
        map_obs, feats = ep.out.principal_obs.to(self.device), ep.principal_features(cap)
        allowed = allowed_choices(cap, nb, B, self.device) if cfg.cap_mode == "mask" else None
        with torch.no_grad():
            logits, value = self.principal(map_obs, feats, allowed)
        choices, logp = sample_categorical(logits, self.generator)
        self._decisions.append({"map": map_obs, "feat": feats, "allowed": allowed, "actions": choices,
                                "logprobs": logp.sum(-1), "values": value, "first": float(ep.t == 0)})
        return apply_choices(choices, current, cap, flat=cfg.principal_flat)

    def _episode_record(self, ep: Episode) -> dict:
        m = ep.metrics()
        record = {"charts/episodic_return": float(m["returns"].mean()), "charts/apples": float(m["total_apples"].mean()),
                  "charts/min_apples": float(m["min_apples"].mean()), "charts/objective": float(m["objective"].mean()),
                  "charts/gini": float(m["gini"].mean()), "charts/apples_left": float(m["apples_left"].mean()),
                  "charts/tax_collected": float(m["tax_collected"].mean())}
        record.update({f"charts/tax_rate_{b}": float(r) for b, r in enumerate(m["tax_rates"].mean(0))})
        return record

    # ------------------------------------------------------------------ GAE + updates
    def _player_batch(self, ep: Episode) -> Batch:
        """The rollout's player samples with GAE. Mid-episode the bootstrap value reads the
        observation and tax features after the rollout's last step (rates still in force)."""
        cfg = self.config
        obs, feats, done = self._next_obs
        with torch.no_grad():
            _, next_value = self.players(obs.flatten(0, 1), self.agent_ids[: cfg.num_games * self.params.n_players],
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

    def _update_principal(self) -> dict:
        """PPO on the episode's ``D`` decisions per game (``D · B`` samples): GAE over decisions
        (γ, λ per decision; no bootstrap after the episode's end), rewards scaled by the running
        std of the principal's return when ``norm_returns``."""
        cfg, D = self.config, len(self._decisions)
        raw = torch.stack([d["reward"] for d in self._decisions])                       # (D, B)
        rewards = (torch.stack([self.principal_scaler(r, k == D - 1) for k, r in enumerate(raw)])
                   if cfg.norm_returns else raw)
        values = torch.stack([d["values"] for d in self._decisions])
        dones = torch.stack([torch.full_like(d["values"], d["first"]) for d in self._decisions])
        zero = torch.zeros_like(values[0])
        adv, ret = compute_gae(rewards, values, dones, zero, torch.ones_like(zero), cfg.gamma, cfg.gae_lambda)
        inputs = (torch.cat([d["map"] for d in self._decisions]), torch.cat([d["feat"] for d in self._decisions]))
        if self._decisions[0]["allowed"] is not None:
            inputs += (torch.cat([d["allowed"] for d in self._decisions]),)
        batch = Batch(inputs=inputs, actions=torch.cat([d["actions"] for d in self._decisions]),
                      logprobs=torch.cat([d["logprobs"] for d in self._decisions]), advantages=adv.reshape(-1),
                      returns=ret.reshape(-1), values=values.reshape(-1))
        ent_coef = entropy_coefficient(self.update, cfg.num_updates, self._principal_start() / cfg.num_updates,
                                       cfg.principal_ent_anneal_fraction, cfg.principal_ent_coef, cfg.principal_ent_final)
        stats = ppo_update(self.principal, self.principal_opt, batch,
                           settings_from_config(cfg, principal=True, decisions=len(batch), ent_coef=ent_coef),
                           self.generator)
        row = {f"principal/{k[7:]}": v for k, v in stats.items()}
        row["principal/mean_reward"] = float(raw.mean())
        self._decisions = []
        return row

    # ------------------------------------------------------------------ run folder and state
    def _check_folder(self) -> None:
        """Refuse a folder this run may not write (rules 1 and 2 of :mod:`sedtheory.rl.run_folder`); reads only."""
        if self._continuing:
            run_folder.check_same_config(self.run_dir, self.config)
        else:
            run_folder.check_new_run(self.run_dir, self.config)

    def _prepare_folder(self) -> None:
        self._check_folder()   # again, now under the lock
        run_folder.claim(self.run_dir, self.config)
        self._continuing = True

    def _state(self) -> dict:
        """Everything needed to continue from here (deep copies); taken at episode boundaries."""
        return copy.deepcopy({
            "update": self.update, "global_step": self.global_step, "episode": self.episode, "elapsed": self.elapsed,
            "players": self.players.state_dict(), "principal": self.principal.state_dict(),
            "player_opt": self.player_opt.state_dict(), "principal_opt": self.principal_opt.state_dict(),
            "player_scaler": self.player_scaler.state_dict(), "principal_scaler": self.principal_scaler.state_dict(),
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
        if "player_scaler" in state:   # checkpoints written before return normalisation have none
            self.player_scaler.load_state_dict(state["player_scaler"])
            self.principal_scaler.load_state_dict(state["principal_scaler"])
        self.generator.set_state(state["torch_generator"])
        self.np_rng.bit_generator.state = state["numpy_generator"]
        self.selfishness, self.trust = np.asarray(state["selfishness"]), np.asarray(state["trust"])
        self.reports, self.eta_value = np.asarray(state["reports"]), float(state["eta"])
        self.history = list(state["history"])

    def warm_start(self, source: Path | str) -> None:
        """Start from the players of another run's last checkpoint, before this run's first update.

        Loads the shared player network, its optimiser state and its return normaliser from
        ``source/checkpoints/last.pt``; the principal, the generators and the schedules stay this
        run's own (its learning rate anneals over its own updates). The outer loop
        (:mod:`sedtheory.scale.design`) starts every candidate schedule from one shared no-tax
        (phase-one) run this way. What was loaded is also written to ``warm_start.pt`` in this
        run's folder, so the folder still holds everything its run started from.

        Raises:
            ValidationError: the run has started, the source has no checkpoint, its players have
                other types (σ, β) or another network than this run's.
        """
        source = Path(source)
        if self.update or self._continuing:
            raise ValidationError("warm_start: this run has already started; warm-start a new run")
        if not (source / ckpt.CHECKPOINT).exists():
            raise ValidationError(f"warm_start: {source} has no checkpoint ({ckpt.CHECKPOINT})")
        state = ckpt.load_torch(source / ckpt.CHECKPOINT)
        for name in ("selfishness", "trust"):
            if not np.array_equal(np.asarray(state[name]), getattr(self, name)):
                raise ValidationError(f"warm_start: the source run's {name} types differ from this run's "
                                      "(same seed or the same fixed types needed)")
        try:
            self.players.load_state_dict(state["players"])
        except RuntimeError as exc:
            raise ValidationError(f"warm_start: the source run's player network differs from this run's "
                                  f"({exc})") from exc
        self.player_opt.load_state_dict(state["player_opt"])
        if "player_scaler" in state:
            self.player_scaler.load_state_dict(state["player_scaler"])
        run_folder.check_new_run(self.run_dir, self.config)
        run_folder.claim(self.run_dir, self.config)   # the folder is this run's before a file is written into it
        ckpt.save_torch(self.run_dir / WARM_START, {
            "source_config": state["config"], "source_update": state["update"], "players": state["players"],
            "player_opt": state["player_opt"], "player_scaler": state.get("player_scaler")})

    @classmethod
    def resume(cls, run_dir: Path | str, factory: EnvFactory | None = None) -> "Trainer":
        """The trainer of the run in ``run_dir``, restored from its last checkpoint."""
        run_dir = Path(run_dir)
        if not run_dir.is_dir():
            raise ValidationError(f"resume: {run_dir} is not a run folder")
        if not (run_dir / ckpt.CHECKPOINT).exists():
            raise ValidationError(f"resume: {run_dir} has no checkpoint ({ckpt.CHECKPOINT})")
        state = ckpt.load_torch(run_dir / ckpt.CHECKPOINT)
        if not isinstance(state.get("config"), dict):
            raise ValidationError(f"checkpoint: {run_dir / ckpt.CHECKPOINT} holds no run config; "
                                  "not a training checkpoint")
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


def torch_device(name: str) -> torch.device:
    """``torch.device(name)``, checked by allocating on it.

    Raises:
        ValidationError: ``name`` is no torch device (``"banana"``), or this torch build or
            machine cannot use it (``"cuda"`` on a CPU-only build or without a visible GPU).
    """
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError) as exc:
        raise ValidationError(f"device: {name!r} is not a torch device ({str(exc).splitlines()[0]}); "
                              "use cpu, cuda or cuda:N") from None
    try:
        torch.empty(1, device=device)
    except (RuntimeError, AssertionError) as exc:
        raise ValidationError(f"device: {name!r} cannot be used here ({str(exc).splitlines()[0]}); "
                              "try --device cpu") from None
    return device


def _advance(bar, row: dict) -> None:
    post = {"agent-steps/s": f"{row['charts/agent_SPS']:.0f}", "cap": f"{row['charts/rate_cap']:.2f}"}
    if "charts/apples" in row:
        post["apples"] = f"{row['charts/apples']:.0f}"
        post["left"] = f"{row['charts/apples_left']:.0f}"
        post["O_eta"] = f"{row['charts/objective']:.0f}"
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
