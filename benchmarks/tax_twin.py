"""The exact optimal flat tax of a tiny Apple game, and the PPO principal's rate against it.

Setting. The corridor map (two apple cells between two spawn cells, 2 players, 768 states)
with ``tax_period = 1``: every step is a whole tax period, so a player's period income is its
apple of the step, a_i ∈ {0, 1}, and the tabular twin writes the engine's per-period transfer
−T(a_i, φ) + (1/n) Σ_j T(a_j, φ) exactly (:func:`sedtheory.envs.apple.tabular.tabular_model`,
``tax_rates``). One bracket, thresholds ``(0, 10000)``, so φ is one number. With two apple cells
within each other's regrowth radius and ``regrowth_probs = (0, p)`` an empty cell regrows only
while the other apple is live: eating the last apple ends the harvest for good. That is the
commons dilemma in its smallest form: with selfish types (σ = β = 1) a player's reward is
``(1 − φ/2) a_i + (φ/2) a_j``; without tax both race for the apples (2 apples per episode),
with enough tax one player leaves the last apple standing and the harvest goes on.

Exact optimum (the leader's problem of Definition 2.3 restricted to flat rates on the
principal's grid φ ∈ {0, 0.1, …, 1}). For each φ:

1. **Players' response**: sequential best-response dynamics in the *fully observed*
   discounted twin (γ = the players' discount), started from uniformly random play; each best
   response is exact policy iteration
   (:func:`sedtheory.evaluation.markov_best_response.best_response`), and a player keeps its
   policy when its exact gain is at most ``tol``. The fixed point is then graded independently
   by :func:`sedtheory.equilibrium.markov.markov_follower_gaps` (every gap ≤ ``tol``, else an
   error). This is *a* Markov perfect equilibrium (Maskin & Tirole 2001) chosen by a stated
   selection rule, and the game has several, so the optimum depends on the rule. Measured on
   the tiny game (``tests/rl/test_tax_twin.py``): from uniformly random play the harvest goes
   on (5.67 apples) for φ ≥ 0.7; from idle play (``start="noop"``) already for φ ≥ 0.4; the
   no-tax response (both race, 2 apples) stays an equilibrium up to φ = 0.8, and best
   responses from it (``start="continuation"``) reach 2.17 apples at φ = 0.9 and 5.67 only at
   φ = 1. So φ = 1 is optimal under every one of these rules, and the leader's optimistic
   value (the strong Stackelberg view, ties broken for the leader) is at least 5.67 from
   φ = 0.4 on. :class:`TaxOptimum` records the rule it used.
2. **Objective**: the expected apples of each player over one episode (``episode_length``
   steps from μ0, undiscounted: the principal's rewards over an episode telescope to O_η of the
   episode's apples), exactly by backward recursion
   (:func:`sedtheory.evaluation.markov_evaluation.evaluate` with a horizon), then
   O_η = η Σ_i E[A_i] + (1 − η) min_i E[A_i]. For η = 1 this is E[O_η] exactly; for η < 1 it is
   O_η of the expected apples, an upper bound on E[O_η] (min is concave, Jensen).
3. φ* = argmax over the grid (ties to the lowest rate; all maximisers are listed).

PPO comparison. :func:`twin_config` is the trainer's configuration of the same game (the
corridor map, the twin's regrowth probabilities, one bracket, ``tax_period = 1``), so a run
folder of it is rebuilt by :func:`sedtheory.rl.evaluate.load_run` with no factory;
``twin_config(..., rate=φ)`` holds φ fixed from the first update (a fixed principal) to
compare the PPO players' response with the exact one, and :func:`learned_rate` reads a
trained principal in evaluation episodes. What the runs gave is written up in
``papers/report.md`` (section "The tiny tax twin"); ``tests/rl/test_tax_twin.py`` holds the checks.

Run from the repository root (``python -m benchmarks.tax_twin --help``) or import as
``benchmarks.tax_twin``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch

from sedtheory._validate import ValidationError
from sedtheory.games.markov import POMG
from sedtheory.games.strategies import StrategyProfile

RATE_GRID: tuple[float, ...] = tuple(k / 10 for k in range(11))
"""The principal's rate levels k/10, k = 0..10 (paper code; :mod:`sedtheory.rl.principal`)."""

TINY_REGROWTH: tuple[float, float] = (0.0, 0.05)
"""Regrowth probabilities of the tiny tax game: p(0) = 0 (the last apple never regrows), p(1) =
0.05. Chosen so that tax matters and the optimal rates are a minority of the grid: with the
default selection the exact objective is 2 apples per episode for φ ≤ 0.6 and 5.67 for
φ ≥ 0.7 (``tests/rl/test_tax_twin.py``), so a principal choosing rates at random (mean 0.5)
is far from the optimum. (With p(1) = 0.1 the switch is at φ = 0.3, most of the grid.)"""

SELFISH = (1.0, 1.0)
"""Types σ = β = (1, 1): reward = own apples plus the transfer; the vote gives η = mean σ = 1."""


def tiny_tax_params(episode_length: int = 100, regrowth_probs=TINY_REGROWTH):
    """:class:`~sedtheory.envs.apple.AppleParams` of the tiny tax game: the corridor with the
    trainer's window for it (:data:`sedtheory.rl.envs.MAPS`), 2 players, ``tax_period = 1``, one
    bracket (thresholds ``(0, 10000)``), no zap."""
    from sedtheory.envs.apple import AppleParams
    from sedtheory.rl.envs import MAPS

    return AppleParams(n_players=2, episode_length=episode_length, tax_period=1, tax_thresholds=(0.0, 10000.0),
                       regrowth_probs=tuple(regrowth_probs), **MAPS["corridor"]())


@dataclass(frozen=True, eq=False)
class TaxFamily:
    """The twin at every flat rate φ, from two builds: the rewards are affine in φ,
    ``r(φ) = (1 − φ) r(0) + φ r(1)`` (the transfer is φ times the exposure of the step's income,
    and eq. (2) is linear in the transfer), while transitions and apples do not depend on φ.

    Attributes:
        untaxed, taxed: the :class:`~sedtheory.envs.apple.tabular.TabularApple` at φ = 0 and φ = 1
            (every bracket's rate).
    """

    untaxed: object
    taxed: object

    @property
    def params(self):
        """The game's :class:`~sedtheory.envs.apple.AppleParams`."""
        return self.untaxed.params

    def rewards(self, rate: float) -> np.ndarray:
        """``(S, A, A, n)`` expected rewards at the flat rate ``rate`` in [0, 1]."""
        if not 0 <= rate <= 1:
            raise ValidationError(f"rate: must lie in [0, 1], got {rate}")
        return (1 - rate) * self.untaxed.rewards + rate * self.taxed.rewards

    def discounted_game(self, rate: float, gamma: float = 0.99) -> POMG:
        """The fully observed discounted game at ``rate``, where the players respond."""
        m = self.untaxed
        return POMG(m.transitions, self.rewards(rate), None, gamma=gamma, initial_distribution=m.initial_distribution)

    def episode_game(self) -> POMG:
        """γ = 1, horizon ``episode_length``, rewards = apples: expected apples over one episode."""
        m = self.untaxed
        return POMG(m.transitions, m.apples, None, gamma=1.0, horizon=m.params.episode_length,
                    initial_distribution=m.initial_distribution)


def tax_family(params, selfishness=SELFISH, trust=SELFISH) -> TaxFamily:
    """Build the :class:`TaxFamily` of ``params`` (``tax_period = 1``) for the given types."""
    from sedtheory.envs.apple.tabular import tabular_model

    return TaxFamily(tabular_model(params, selfishness, trust),
                     tabular_model(params, selfishness, trust, tax_rates=[1.0] * params.n_brackets))


def best_response_dynamics(pomg: POMG, start: StrategyProfile, *, tol: float = 1e-8,
                           max_rounds: int = 50) -> tuple[StrategyProfile, int]:
    """Sequential exact best responses (agent 0, 1, …, repeat) until no agent gains more than ``tol``.

    Args:
        pomg: a fully observed discounted game.
        start: the starting profile, ``(S, A_i)`` per agent.

    Returns:
        ``(profile, rounds)``: the fixed point and the number of rounds that changed a policy.

    Raises:
        RuntimeError: no fixed point within ``max_rounds`` rounds (e.g. a best-response cycle).
    """
    from sedtheory.evaluation.markov_best_response import best_response
    from sedtheory.evaluation.markov_evaluation import evaluate

    policies = list(start.strategies)
    for rounds in range(max_rounds):
        moved = False
        for agent in range(pomg.n_agents):
            profile = StrategyProfile(tuple(policies))
            response = best_response(pomg, profile, agent, tol=tol)
            if response.value - evaluate(pomg, profile)[agent] > tol:
                policies[agent], moved = response.policy, True
        if not moved:
            return StrategyProfile(tuple(policies)), rounds
    raise RuntimeError(f"best_response_dynamics: no fixed point within {max_rounds} rounds")


@dataclass(frozen=True)
class FlatTaxResponse:
    """The players' exact response to one flat rate.

    Attributes:
        rate: φ.
        profile: state-based policies ``(S, A)`` per player (deterministic).
        gaps: ``(n,)`` exact best-response gains of ``profile`` (independent grader), all ≤ 10 · tol
            (the grader's own policy iteration stops at ``tol``).
        rounds: best-response rounds that changed a policy.
        apples: ``(n,)`` expected apples per player over one episode from μ0.
        values: ``(n,)`` the players' discounted values from μ0.
    """

    rate: float
    profile: StrategyProfile
    gaps: np.ndarray
    rounds: int
    apples: np.ndarray
    values: np.ndarray


STARTS = ("uniform", "noop", "continuation")
"""Starting profiles of the best-response dynamics: uniformly random play (the default), both
players idle (action 0 everywhere), or the players' response to no tax (itself from uniform
play: players who learned the game without tax, as in the curriculum's phase one, then meet
the rate); the module docstring explains why the start matters."""


def _start_profile(family: TaxFamily, start) -> StrategyProfile:
    params, n_states = family.params, len(family.untaxed.states)
    if isinstance(start, StrategyProfile):
        return start
    if start == "uniform":
        policy = np.full((n_states, params.n_actions), 1.0 / params.n_actions)
    elif start == "noop":
        policy = np.eye(params.n_actions)[np.zeros(n_states, dtype=int)]
    else:
        raise ValidationError(f"start: must be 'uniform', 'noop' or a StrategyProfile, got {start!r}")
    return StrategyProfile(tuple(policy for _ in range(params.n_players)))


def flat_tax_response(family: TaxFamily, rate: float, *, gamma: float = 0.99, tol: float = 1e-8,
                      start="uniform") -> FlatTaxResponse:
    """The players' response to ``rate``: best-response dynamics from ``start`` (``"uniform"``,
    ``"noop"`` or a :class:`StrategyProfile` of ``(S, A)`` policies), graded.

    Raises:
        RuntimeError: the dynamics do not settle, or the grader finds a gap above ``tol``.
    """
    from sedtheory.equilibrium.markov import markov_follower_gaps
    from sedtheory.evaluation.markov_evaluation import evaluate

    discounted = family.discounted_game(rate, gamma)
    profile, rounds = best_response_dynamics(discounted, _start_profile(family, start), tol=tol)
    gaps, _ = markov_follower_gaps(discounted, profile, tol=tol)
    if np.any(gaps > 10 * tol):
        raise RuntimeError(f"flat_tax_response: the grader finds gaps {gaps} at rate {rate} (tol {tol})")
    return FlatTaxResponse(float(rate), profile, gaps, rounds, evaluate(family.episode_game(), profile),
                           evaluate(discounted, profile))


def equilibrium_gaps(family: TaxFamily, rate: float, profile: StrategyProfile, *, gamma: float = 0.99) -> np.ndarray:
    """``(n,)`` exact best-response gains of ``profile`` at ``rate`` (e.g. does the no-tax race
    stay an equilibrium under tax?), by :func:`sedtheory.equilibrium.markov.markov_follower_gaps`."""
    from sedtheory.equilibrium.markov import markov_follower_gaps

    return markov_follower_gaps(family.discounted_game(rate, gamma), profile)[0]


def objective_of_apples(apples, eta: float) -> float:
    """O_η of expected apples ``(n,)`` (:func:`sedtheory.social_choice.welfare.eta_objective`)."""
    from sedtheory.social_choice.welfare import eta_objective

    return float(np.asarray(eta_objective(np.asarray(apples, dtype=float), float(eta))))


@dataclass(frozen=True)
class TaxOptimum:
    """The exact optimum over a grid of flat rates.

    Attributes:
        rates: ``(K,)`` the grid.
        objective: ``(K,)`` O_η of the expected episode apples at each rate.
        responses: the players' response at each rate.
        best_rate: φ* (lowest maximiser); ``maximisers``: every rate within ``tol`` of the max.
        eta, gamma, selection: the objective's η, the players' discount, the equilibrium selection rule.
    """

    rates: np.ndarray
    objective: np.ndarray
    responses: tuple
    best_rate: float
    maximisers: tuple
    eta: float
    gamma: float
    selection: str

    def value_at(self, rate: float) -> float:
        """The exact objective at ``rate``, which must be on the grid (ValidationError otherwise)."""
        hits = np.flatnonzero(np.isclose(self.rates, rate, atol=1e-9))
        if hits.size == 0:
            raise ValidationError(f"rate: {rate} is not on the grid {self.rates.tolist()}")
        return float(self.objective[hits[0]])

    def interpolate(self, rate: float) -> float:
        """The objective at the nearest grid rate to ``rate`` in [0, 1] (ties to the lower)."""
        if not 0 <= rate <= 1:
            raise ValidationError(f"rate: must lie in [0, 1], got {rate}")
        return float(self.objective[int(np.argmin(np.abs(self.rates - rate) + 1e-12 * self.rates))])


def exact_tax_optimum(family: TaxFamily, eta: float = 1.0, rates=RATE_GRID, *, gamma: float = 0.99,
                      tol: float = 1e-8, start: str = "uniform") -> TaxOptimum:
    """φ* = argmax over ``rates`` of O_η at the players' exact response (module docstring).

    Args:
        family: the game at every rate (:func:`tax_family`).
        eta: the objective's η in [0, 1].
        rates: the grid (default: the principal's k/10).
        start: the equilibrium selection, the start of the best-response dynamics (:data:`STARTS`).
    """
    grid = np.asarray(rates, dtype=float)
    if grid.ndim != 1 or grid.size == 0 or np.any(grid < 0) or np.any(grid > 1):
        raise ValidationError(f"rates: expected a non-empty list of rates in [0, 1], got {rates!r}")
    if not 0 <= eta <= 1:
        raise ValidationError(f"eta: must lie in [0, 1], got {eta}")
    if start not in STARTS:
        raise ValidationError(f"start: must be one of {STARTS}, got {start!r}")
    first = start
    if start == "continuation":
        first = flat_tax_response(family, 0.0, gamma=gamma, tol=tol).profile
    responses = tuple(flat_tax_response(family, r, gamma=gamma, tol=tol, start=first) for r in grid)
    objective = np.array([objective_of_apples(r.apples, eta) for r in responses])
    best = int(np.argmax(objective))
    maximisers = tuple(float(r) for r, v in zip(grid, objective) if v >= objective[best] - 1e-6)
    origin = {"uniform": "uniformly random play", "noop": "idle play",
              "continuation": "the no-tax response (itself from uniformly random play)"}[start]
    selection = f"sequential exact best responses from {origin}, fully observed twin"
    return TaxOptimum(grid, objective, responses, float(grid[best]), maximisers, float(eta), float(gamma), selection)


def twin_config(episodes: int, *, principal: bool = True, seed: int = 1, rate: float | None = None, **changes):
    """The trainer's :class:`~sedtheory.rl.config.TrainConfig` for the tiny tax game.

    The game of :func:`tiny_tax_params` (corridor map, 2 selfish players of :data:`SELFISH`,
    ``tax_period = 1``, one bracket, regrowth :data:`TINY_REGROWTH`, 100-step episodes), 16 games,
    ``episodes`` training episodes, small networks; the principal commits for the whole episode
    and the players read the rate but not the episode phase (the twin's state has no clock).

    Args:
        episodes: training episodes (batches of 16 games).
        principal: train a principal (off: no tax at all).
        seed: the run's seed.
        rate: hold this flat rate fixed from the first update instead of learning one
            (``fixed_rates``, no phase one, no annealing).
        changes: further ``TrainConfig`` fields.
    """
    from sedtheory.rl.config import make_config

    fixed = {} if rate is None else dict(fixed_rates=(float(rate),), phase_one_fraction=0.0, anneal_fraction=0.0)
    return make_config("tiny", **{
        **dict(n_players=2, map_layout="corridor", principal=principal or rate is not None, episode_length=100,
               num_steps=100, num_games=16, total_timesteps=16 * 100 * episodes, minibatch_size=512, hidden_size=32,
               learning_rate=2.5e-3, principal_learning_rate=2.5e-3, tax_period=1, tax_thresholds=(0.0, 10000.0),
               regrowth_probs=TINY_REGROWTH, selfishness=SELFISH, trust=SELFISH, voting_period=100,
               player_episode_phase=False, commitment_periods=0, progress=False, log_tensorboard=False,
               checkpoint_every=0, seed=seed),
        **fixed, **changes})


class TabularPlayers:
    """Players acting by state-based twin policies in the engine (for Monte-Carlo checks): each
    game's twin state is read off the principal's full-map observation (player planes, facing
    and live-apple channels, :data:`sedtheory.envs.apple.engine.PRINCIPAL_CHANNEL_NAMES`), and
    actions are drawn from ``profile`` with ``generator``."""

    def __init__(self, model, profile: StrategyProfile, generator: np.random.Generator) -> None:
        from sedtheory.envs.apple import reference

        self.model, self.profile, self.generator = model, profile, generator
        self.apple_cells = reference.apple_cells(model.params)

    def state_indices(self, principal_obs: torch.Tensor) -> np.ndarray:
        """``(B,)`` twin state index of each game, from ``principal_obs (B, 9 + n, H, W)``."""
        obs = principal_obs.cpu().numpy()
        n, indices = self.model.params.n_players, []
        for game in obs:
            cells = tuple(tuple(int(x) for x in np.argwhere(game[9 + i] > 0)[0]) for i in range(n))
            facings = tuple(int(np.argmax(game[4:8, r, c])) for r, c in cells)
            live = frozenset(k for k, (r, c) in enumerate(self.apple_cells) if game[2, r, c] > 0)
            indices.append(self.model.index[(cells, facings, live)])
        return np.array(indices)

    def __call__(self, episode) -> torch.Tensor:
        actions = [[int(self.generator.choice(policy.shape[1], p=policy[k])) for policy in self.profile.strategies]
                   for k in self.state_indices(episode.out.principal_obs)]
        return torch.as_tensor(actions, dtype=torch.long)


def learned_rate(run, *, num_games: int = 16, seed: int = 50_000) -> dict:
    """The trained principal's rates in evaluation episodes (its choices sampled, cap 1).

    Args:
        run: a :class:`sedtheory.rl.evaluate.LoadedRun` (or anything with ``players``,
            ``principal``, ``factory``, ``selfishness``, ``trust``, ``eta``, ``config``).

    Returns:
        ``{"mean_rate": mean over games and steps of bracket 0's rate, "greedy_rate": the rate of
        the most likely choice at the episode's first decision (k/10; "keep" keeps 0 there),
        "choice_probabilities": (12,) bracket-0 choice probabilities averaged over the decisions
        of the episodes}``.
    """
    from sedtheory.rl.episodes import EpisodeSetup, PolicyPlayers, run_episodes
    from sedtheory.rl.networks import sample_categorical
    from sedtheory.rl.principal import KEEP, N_RATE_LEVELS, apply_choices

    setup = EpisodeSetup.from_run(run)
    probabilities: list[np.ndarray] = []
    generator = torch.Generator().manual_seed(seed + 1)

    def recording(episode):
        """:class:`~sedtheory.rl.episodes.PolicyPrincipal`'s choice, recording its probabilities."""
        with torch.no_grad():
            logits, _ = run.principal(episode.out.principal_obs, episode.principal_features(1.0))
        probabilities.append(torch.softmax(logits[..., 0, :].double(), dim=-1).mean(0).numpy())
        return apply_choices(sample_categorical(logits, generator)[0], episode.env.upcoming_rates, 1.0,
                             flat=run.principal.flat)

    metrics = run_episodes(setup, PolicyPlayers(run.players, torch.Generator().manual_seed(seed)), recording,
                           num_games, seed)
    mean_probs = np.mean(probabilities, axis=0)
    first = int(np.argmax(probabilities[0]))
    return {"mean_rate": float(metrics.values["tax_rates"][:, 0].mean()),
            "greedy_rate": 0.0 if first == KEEP else first / (N_RATE_LEVELS - 1),
            "choice_probabilities": mean_probs}


def principal_trial(seed: int, episodes: int, run_dir, optimum: TaxOptimum, **changes) -> dict:
    """Train the principal and players on the tiny tax game and grade the learned rate exactly.

    Trains :func:`twin_config` ``(episodes, seed=seed, **changes)`` into ``run_dir``, reads the
    principal with :func:`learned_rate` and grades it by ``optimum`` (the exact side, not the
    trainer): the *mode rate* (the most likely bracket-0 choice averaged over the evaluation
    decisions; "keep" counts as the rate in force, 0 at an episode's start) passes when it lies
    in ``optimum.maximisers``.

    Returns:
        ``{"seed", "episodes", "mode_rate", "mean_rate", "mass_on_optimal", "objective_at_mode",
        "optimal", "apples_last50", "changes"}``; ``apples_last50`` is the mean training apples
        per episode over the last 50 episodes.
    """
    from sedtheory.rl.evaluate import load_run
    from sedtheory.rl.principal import KEEP, N_RATE_LEVELS
    from sedtheory.rl.trainer import Trainer

    trainer = Trainer(twin_config(episodes, seed=seed, **changes), run_dir)
    trainer.train()
    learned = learned_rate(load_run(run_dir))
    probs = np.asarray(learned["choice_probabilities"])
    mode = int(np.argmax(probs))
    mode_rate = 0.0 if mode == KEEP else mode / (N_RATE_LEVELS - 1)
    optimal = [int(round(10 * r)) for r in optimum.maximisers]
    apples = [h["charts/apples"] for h in trainer.history[-50:]]
    return {"seed": seed, "episodes": episodes, "mode_rate": mode_rate, "mean_rate": learned["mean_rate"],
            "mass_on_optimal": float(probs[optimal].sum()), "objective_at_mode": optimum.value_at(mode_rate),
            "optimal": any(abs(mode_rate - r) < 1e-9 for r in optimum.maximisers),
            "apples_last50": float(np.mean(apples)), "changes": dict(changes)}


def response_by_rate(seed: int, episodes: int, run_dir, *, rate: float | None = None,
                     rates=(0.0, 0.5, 0.7, 0.8, 0.9, 1.0), num_games: int = 64, **changes) -> dict:
    """Train players only and measure their response to each fixed rate.

    ``rate=None``: *contextual* players, trained against a principal that commits to uniformly
    random rates for the whole run (``principal_explore_fraction = 1``, no phase one, no cap
    annealing), as followers that answer every leader policy (Gerstgrasser & Parkes 2023);
    ``rate=φ``: players trained under φ held fixed (:func:`twin_config` ``rate``). The trained
    players then play ``num_games`` evaluation games under each of ``rates`` (the same engine
    seed for every rate).

    Returns:
        ``{"seed", "episodes", "trained_under", "apples_by_rate": {rate: mean episode apples},
        "curve50": training apples averaged over blocks of 50 episodes, "changes"}``.
    """
    from sedtheory.rl.episodes import EpisodeSetup, FixedTax, PolicyPlayers, run_episodes
    from sedtheory.rl.evaluate import load_run
    from sedtheory.rl.trainer import Trainer

    explore = dict(principal_explore_fraction=1.0, phase_one_fraction=0.0, anneal_fraction=0.0)
    config = twin_config(episodes, seed=seed, **({**explore, **changes} if rate is None else
                                                 dict(rate=rate, **changes)))
    trainer = Trainer(config, run_dir)
    trainer.train()
    run = load_run(run_dir)
    setup = EpisodeSetup.from_run(run)
    by_rate = {}
    for r in rates:
        played = run_episodes(setup, PolicyPlayers(run.players, torch.Generator().manual_seed(1)), FixedTax([r]),
                              num_games, seed=50_000 + seed)
        by_rate[float(r)] = float(played.values["apples"].sum(-1).mean())
    apples = [h["charts/apples"] for h in trainer.history]
    return {"seed": seed, "episodes": episodes, "trained_under": "uniformly random rates" if rate is None else rate,
            "apples_by_rate": by_rate, "curve50": [float(np.mean(apples[k:k + 50])) for k in range(0, len(apples), 50)],
            "changes": dict(changes)}


DESIGN_LEVELS: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
"""Pre-registered flat candidates of :func:`design_trial` (fixed before any design run)."""

PER_SCHEDULE: dict = dict(players_per_schedule=True, principal_levels=DESIGN_LEVELS, phase_one_fraction=0.0,
                          anneal_fraction=0.0, principal_explore_fraction=0.5)
"""The within-run principal with one player network per committed schedule (``players_per_schedule``):
:func:`principal_trial` ``(..., **PER_SCHEDULE)``. On the design's levels; no phase one or cap
annealing (each schedule's players start fresh, as the design's candidates do); the first half of
training commits to uniformly random levels, the second half the principal learns."""


def design_trial(seed: int, design_dir, optimum: TaxOptimum, *, min_episodes: int = 100, max_episodes: int = 300,
                 num_cpus: int | None = None, address: str | None = None, levels=DESIGN_LEVELS,
                 log=print) -> dict:
    """Commit, then respond, on the tiny tax game: the outer loop of :mod:`sedtheory.scale.design`
    (players trained under each fixed candidate rate, successive halving on selection seeds, the
    report on disjoint seeds), graded by the exact side.

    The design's runs are :func:`twin_config` runs (the same game, players and budgets per
    episode); phase one is a single no-tax episode, so the candidates start from nearly untrained
    players, as the fixed-rate runs of ``--players-only`` do.

    Returns:
        ``{"seed", "chosen_rate", "optimal": chosen rate in ``optimum.maximisers``,
        "objective_at_chosen": exact O at the chosen rate, "rungs", "versus_no_tax": the design's
        paired O_η difference chosen − no tax on the report seeds (mean, low, high)}``.
    """
    from sedtheory.scale.design import RESERVED, DesignSpec, run_design

    config = twin_config(max_episodes, seed=seed)
    base = {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name not in RESERVED}
    spec = DesignSpec(preset="tiny", base=base, seed=seed, phase_one_episodes=1, min_episodes=min_episodes,
                      max_episodes=max_episodes, reduction=3, candidates=tuple((float(r),) for r in levels),
                      eval_games=16, full_grid=False, br_episodes=1, gap_players=(0,))
    result = run_design(spec, design_dir, num_cpus=num_cpus, address=address, log=log)
    chosen = float(result.chosen[0])
    return {"seed": seed, "chosen_rate": chosen, "optimal": any(abs(chosen - r) < 1e-9 for r in optimum.maximisers),
            "objective_at_chosen": optimum.value_at(chosen), "rungs": result.rungs,
            "versus_no_tax": result.comparisons.get("chosen - no tax")}


def main(argv=None) -> None:
    """``python -m benchmarks.tax_twin --seeds 1 2 3 4 5 --episodes 300 --out F.json [--set k=v]
    [--players-only [--rate φ]]``."""
    import argparse
    import json
    import tempfile
    from pathlib import Path

    import ast

    parser = argparse.ArgumentParser(description="PPO principal on the tiny tax twin, graded by the exact optimum.")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="a TrainConfig field for every trial (repeatable)")
    parser.add_argument("--out", type=Path, required=True, help="JSON file written after each trial")
    parser.add_argument("--players-only", action="store_true",
                        help="train players only (against random rates, or --rate) and measure their response by rate")
    parser.add_argument("--rate", type=float, default=None, help="with --players-only: train under this fixed rate")
    parser.add_argument("--design", type=Path, default=None, metavar="DIR",
                        help="run the outer loop (sedtheory.scale.design) per seed in DIR/seed<S> instead of a PPO principal")
    parser.add_argument("--num-cpus", type=int, default=None, help="with --design: CPUs for the local Ray")
    parser.add_argument("--address", default=None,
                        help="with --design: a Ray cluster to attach to, or 'local' (no Ray: one run after another)")
    args = parser.parse_args(argv)
    changes = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--set: expected FIELD=VALUE, got {item!r}")
        changes[key] = ast.literal_eval(value)
    optimum = exact_tax_optimum(tax_family(tiny_tax_params()), eta=1.0)
    record = {"maximisers": list(optimum.maximisers), "selection": optimum.selection, "trials": []}
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            if args.design is not None:
                trial = design_trial(seed, args.design / f"seed{seed}", optimum, num_cpus=args.num_cpus,
                                     address=args.address,
                                     max_episodes=args.episodes, min_episodes=max(1, args.episodes // 3))
            elif args.players_only:
                trial = response_by_rate(seed, args.episodes, Path(tmp) / "run", rate=args.rate, **changes)
            else:
                trial = principal_trial(seed, args.episodes, Path(tmp) / "run", optimum, **changes)
        record["trials"].append(trial)
        print(json.dumps(trial), flush=True)
        args.out.write_text(json.dumps(record, indent=1))
    if args.players_only:
        return
    passed = sum(t["optimal"] for t in record["trials"])
    print(f"chosen (design) or mode (PPO principal) rate optimal in {passed}/{len(record['trials'])} seeds (optimal set {optimum.maximisers})")


if __name__ == "__main__":
    main()
