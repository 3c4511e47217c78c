"""The exact optimal flat tax of the tiny corridor game, checked independently, and the PPO
principal's learned rate against it (benchmarks/tax_twin.py).

Independent checks of the exact side:
* the affine-in-φ rewards equal a direct build of the twin at φ = 0.3;
* each response is an equilibrium by plain value iteration written here (not the policy
  iteration that found it, nor the solvers' agent problem);
* the expected episode apples at φ = 0 and φ = 1 equal Monte-Carlo averages of the same
  policies played in the engine (AppleEnv with FixedTax, 300 games).
"""

import numpy as np
import pytest
import torch

from sedtheory import ValidationError
from sedtheory.envs.apple import tabular
from benchmarks import tax_twin
from sedtheory.rl.config import make_config
from sedtheory.rl.envs import AppleFactory

GAMMA = 0.99


@pytest.fixture(scope="module")
def family():
    return tax_twin.tax_family(tax_twin.tiny_tax_params())


@pytest.fixture(scope="module")
def optimum(family):
    return tax_twin.exact_tax_optimum(family, eta=1.0, gamma=GAMMA)


def test_rewards_are_affine_in_the_rate(family):
    direct = tabular.tabular_model(family.params, tax_twin.SELFISH, tax_twin.SELFISH, tax_rates=[0.3])
    np.testing.assert_allclose(family.rewards(0.3), direct.rewards, atol=1e-12)
    with pytest.raises(ValidationError, match="rate: must lie in"):
        family.rewards(1.5)


def _value_iteration_gap(family, rate, profile, agent, sweeps=4000):
    """max over the agent's policies minus its value under ``profile``, by value iteration on
    the agent's MDP built here (error ≤ γ^sweeps · reward range / (1 − γ) ≈ 4e-16 · 100)."""
    import scipy.sparse as sp

    m = family.untaxed
    S, n_a = len(m.states), m.params.n_actions
    other = profile.strategies[1 - agent]                       # (S, A) policy of the other player
    s, own, oth = np.meshgrid(np.arange(S), np.arange(n_a), np.arange(n_a), indexing="ij")
    joint = (own * n_a + oth) if agent == 0 else (oth * n_a + own)  # joint action index, C order (a_0, a_1)
    weights = sp.csr_array((other[s, oth].ravel(), ((s * n_a + own).ravel(), (s * n_a * n_a + joint).ravel())),
                           shape=(S * n_a, S * n_a * n_a))
    P = weights @ m.transitions                                  # (S * A, S)
    r = (weights @ family.rewards(rate)[..., agent].reshape(-1)).reshape(S, n_a)
    v = np.zeros(S)
    for _ in range(sweeps):
        v = (r + GAMMA * (P @ v).reshape(S, n_a)).max(axis=1)
    mine = profile.strategies[agent]
    chain = (sp.csr_array((mine.ravel(), (np.repeat(np.arange(S), n_a), np.arange(S * n_a))), shape=(S, S * n_a)) @ P)
    value = np.linalg.solve(np.eye(S) - GAMMA * chain.toarray(), (r * mine).sum(axis=1))
    return float(m.initial_distribution @ (v - value))


def test_the_objective_varies_with_the_rate_and_the_responses_are_equilibria(family, optimum):
    # φ = 0: both race and eat the two apples (p(0) = 0, nothing regrows once both are gone); 2 apples
    assert optimum.objective[0] == pytest.approx(2.0, abs=1e-9)
    assert optimum.objective.max() > optimum.objective[0] + 3.0  # tax matters: the harvest goes on
    assert optimum.best_rate == 0.7 and optimum.maximisers == (0.7, 0.8, 0.9, 1.0)  # computed here, checked below
    for k in (0, 7, 10):  # no tax, the lowest optimal rate, full tax
        response = optimum.responses[k]
        assert np.all(response.gaps <= 1e-8)
        for agent in range(2):
            assert _value_iteration_gap(family, response.rate, response.profile, agent) <= 1e-6


def test_the_optimum_depends_on_the_equilibrium_selection(family, optimum):
    """The facts the module docstring states: the no-tax race stays an equilibrium up to φ = 0.8
    (checked by this file's value iteration as well as by the grader) and stops at φ = 0.9;
    from idle play the harvest goes on from φ = 0.4 on; continuing from the race, only at φ = 1."""
    race = optimum.responses[0].profile
    assert np.all(tax_twin.equilibrium_gaps(family, 0.8, race) <= 1e-8)
    assert max(_value_iteration_gap(family, 0.8, race, agent) for agent in range(2)) <= 1e-6
    assert tax_twin.equilibrium_gaps(family, 0.9, race).max() > 1e-3
    assert max(_value_iteration_gap(family, 0.9, race, agent) for agent in range(2)) > 1e-3
    idle = tax_twin.exact_tax_optimum(family, start="noop")
    assert idle.maximisers == (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0) and idle.objective[3] == pytest.approx(2.0)
    assert idle.objective.max() == pytest.approx(optimum.objective.max(), abs=1e-9)
    continued = tax_twin.exact_tax_optimum(family, start="continuation")
    assert continued.maximisers == (1.0,) and continued.objective[9] == pytest.approx(2.169, abs=1e-3)
    assert continued.objective[10] == pytest.approx(optimum.objective.max(), abs=1e-9)
    with pytest.raises(ValidationError, match="start"):
        tax_twin.exact_tax_optimum(family, start="race")


@pytest.mark.parametrize("k", [0, 10])
def test_exact_episode_apples_match_the_engine(family, optimum, k):
    from sedtheory.rl.episodes import EpisodeSetup, FixedTax, run_episodes

    response, games = optimum.responses[k], 300
    factory = AppleFactory(tax_twin.twin_config(1))
    setup = EpisodeSetup(factory, np.ones(2), np.ones(2), 1.0)
    players = tax_twin.TabularPlayers(family.untaxed, response.profile, np.random.default_rng(k))
    apples = run_episodes(setup, players, FixedTax([response.rate]), games, seed=77 + k).values["apples"]
    mean, stderr = apples.mean(0), apples.std(0, ddof=1) / np.sqrt(games)
    assert np.all(np.abs(mean - response.apples) <= 5 * stderr + 1e-9), (mean, response.apples, stderr)


def test_bad_arguments_are_refused(family, optimum):
    with pytest.raises(ValidationError, match="rates"):
        tax_twin.exact_tax_optimum(family, rates=[0.5, 1.2])
    with pytest.raises(ValidationError, match="eta"):
        tax_twin.exact_tax_optimum(family, eta=2.0)
    with pytest.raises(ValidationError, match="rate: 0.55 is not on the grid"):
        optimum.value_at(0.55)


def test_fixed_types_from_the_config(tmp_path):
    from sedtheory.rl.trainer import Trainer

    base = dict(n_players=2, map_layout="corridor", episode_length=100, num_steps=100, progress=False,
                log_tensorboard=False)
    with pytest.raises(ValidationError, match="selfishness: expected 2 values"):
        make_config("tiny", **base, selfishness=(1.0,))
    with pytest.raises(ValidationError, match="trust: values must be numbers in"):
        make_config("tiny", **base, trust=(0.5, 1.5))
    drawn = Trainer(make_config("tiny", **base), tmp_path / "a")
    fixed = Trainer(make_config("tiny", **base, selfishness=(1.0, 1.0), trust=(0.2, 0.4)), tmp_path / "b")
    assert fixed.eta_value == 1.0 and fixed.trust.tolist() == [0.2, 0.4]
    assert drawn.np_rng.bit_generator.state == fixed.np_rng.bit_generator.state  # the seed's stream is unchanged


def _untrained_players(player_tax_features: bool):
    """The tiny tax game's factory and an untrained player network (torch seed 0)."""
    from sedtheory.rl.envs import make_player_policy

    config = tax_twin.twin_config(1, player_tax_features=player_tax_features)
    factory = AppleFactory(config)
    torch.manual_seed(0)
    return factory, make_player_policy(factory, config)


def test_players_without_tax_features_do_not_see_the_rate():
    """Why the principal cannot learn with window-only players (``player_tax_features=False``, the
    paper's Figure 2): a principal that taxes 0 and one that taxes 1 produce the very same apples."""
    from sedtheory.rl.episodes import EpisodeSetup, FixedTax, PolicyPlayers, run_episodes

    factory, policy = _untrained_players(False)
    assert policy.n_features == 0
    setup = EpisodeSetup(factory, np.ones(2), np.ones(2), 1.0)
    runs = [run_episodes(setup, PolicyPlayers(policy, torch.Generator().manual_seed(5)), FixedTax([rate]), 8, seed=3)
            for rate in (0.0, 1.0)]   # same engine seed and player draws
    np.testing.assert_array_equal(runs[0].values["apples"], runs[1].values["apples"])
    assert not np.array_equal(runs[0].values["returns"], runs[1].values["returns"])  # the tax did act on rewards


def test_players_with_tax_features_read_the_rate():
    """With the default ``player_tax_features=True`` the same network gives different action
    probabilities under rate 0 and rate 1 on the same observations (features (φ, 0, 0) here)."""
    from sedtheory.rl.exact import twin_features

    factory, policy = _untrained_players(True)
    assert policy.n_features == 3
    codes = torch.zeros(5, 3, 3, dtype=torch.uint8)
    ids = torch.zeros(5, dtype=torch.long)
    with torch.no_grad():
        logits = [policy(codes, ids, twin_features(policy, factory.params, [rate]).expand(5, -1))[0]
                  for rate in (0.0, 1.0)]
    assert not torch.allclose(logits[0], logits[1])


def test_a_fixed_rate_config_commits_the_rate_from_the_first_update(tmp_path):
    from sedtheory.rl.trainer import Trainer

    config = tax_twin.twin_config(1, rate=0.6)
    assert config.fixed_rates == (0.6,) and config.phase_one_fraction == 0 and config.principal
    trainer = Trainer(config, tmp_path / "run")
    trainer.train()   # one episode of 16 games
    assert trainer.history[0]["charts/tax_rate_0"] == pytest.approx(0.6)
    assert trainer.history[0]["charts/tax_collected"] > 0
    with pytest.raises(ValidationError, match="fixed_rates: rates must be numbers in"):
        tax_twin.twin_config(1, rate=1.5)


def test_a_corridor_run_folder_is_evaluated_with_no_code(tmp_path, capsys):
    """The run folder's env section rebuilds the corridor engine (map, window, regrowth, one
    bracket) for ``load_run`` and ``sedtheory evaluate``, with no factory argument."""
    from sedtheory.cli import main
    from sedtheory.rl.evaluate import load_run
    from sedtheory.rl.trainer import Trainer

    config = tax_twin.twin_config(1, rate=1.0)
    Trainer(config, tmp_path / "run").train()
    run = load_run(tmp_path / "run")
    assert run.factory.params == tax_twin.tiny_tax_params()
    assert run.config == config.replace(device="cpu")
    assert main(["evaluate", str(tmp_path / "run"), "--seeds", "1", "--num-games", "2", "--grid", "0", "1",
                 "--no-plots", "--no-gif"]) == 0
    out = capsys.readouterr().out
    assert "the run's fixed schedule 1" in out and "trained principal" not in out   # its network was never trained


@pytest.mark.slow
@pytest.mark.parametrize("rate", [0.0, 1.0])
def test_ppo_players_respond_to_a_fixed_rate_as_the_exact_side_predicts(tmp_path, optimum, rate):
    """The players' half of the comparison: the trainer with the rate held fixed
    (``twin_config(rate=...)``), seed 1, 300 episodes, window-only players (the rate is
    constant); A = mean apples per episode over the last 50 training episodes.

    Exact side: 2 apples at φ = 0 (both race) and 5.67 at φ = 1 (the harvest goes on).
    Tolerances are regression guards set after seeing these runs (papers/report.md, "The tiny
    tax twin"); they assert the direction with a margin, not the level: φ = 0: |A − 2| ≤ 0.2;
    φ = 1: A ≥ 2.3, above the φ = 0 band (per-episode means of 16 games vary by about 0.3, so
    A's noise is about 0.05). At φ = 0 each exact state-based gap of the learned profile must
    also be at most a quarter of uniform random play's (the untaxed corridor test's tolerance).
    """
    from sedtheory.rl.exact import exact_gaps_on_twin
    from sedtheory.rl.trainer import Trainer

    trainer = Trainer(tax_twin.twin_config(300, rate=rate, player_tax_features=False), tmp_path / "run")
    trainer.train()
    apples = np.mean([h["charts/apples"] for h in trainer.history[-50:]])
    gaps = exact_gaps_on_twin(trainer.players.eval(), tax_twin.tiny_tax_params(), tax_twin.SELFISH,
                              tax_twin.SELFISH, tax_rates=[rate])
    delta, random_delta = gaps["certificate"].delta_hat, gaps["random_gaps"]
    print(f"rate {rate}: A = {apples:.3f}, exact gaps {delta}, random play's {random_delta}")
    if rate == 0.0:
        assert np.all(delta <= 0.25 * random_delta), (delta, random_delta)
        assert abs(apples - optimum.value_at(0.0)) <= 0.2, apples
    else:
        assert apples >= 2.3, apples


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "measured (papers/report.md, 'The tiny tax twin'): the PPO players' response does not depend on the rate "
    "they are shown but on the rates they were trained under, so the principal's choice moves no apples within "
    "a run; seeds 1-3: mode rates 0.6, 0.9, 0.0 with the players at 2.0 apples (racing) in every seed"))
def test_a_ppo_principal_with_one_shared_player_network_learns_a_rate_in_the_exact_optimal_set(tmp_path, optimum):
    """Trainer (principal committed for the whole episode, one player network shared across
    schedules and reading the rate: the :func:`tax_twin.twin_config` defaults) on the tiny tax
    game, seeds 1-5, 300 episodes of 100 steps, 16 games each.

    Graded by the exact side, not by the trainer: the principal's mode rate in evaluation
    episodes must lie in the exactly optimal set (``optimum.maximisers``, {0.7, ..., 1.0} under
    the default selection) in at least 4 of the 5 seeds. A principal whose mode is a uniformly random
    one of its 12 choices ("keep" reads as 0 at the episode's start) is optimal with probability
    1/3 per seed, and in ≥ 4 of 5 seeds with probability 11/243 ≈ 0.05 (binomial).
    """
    trials = [tax_twin.principal_trial(seed, 300, tmp_path / f"run{seed}", optimum) for seed in range(1, 6)]
    summary = [(t["seed"], t["mode_rate"], round(t["mass_on_optimal"], 2), round(t["apples_last50"], 2))
               for t in trials]
    assert sum(t["optimal"] for t in trials) >= 4, (optimum.maximisers, summary)


@pytest.mark.slow
def test_the_ppo_principal_with_players_per_schedule_learns_a_rate_in_the_exact_optimal_set(tmp_path, optimum):
    """The within-run PPO principal of ``sedtheory train`` with one player network per committed
    schedule (:data:`tax_twin.PER_SCHEDULE`: levels 0, 0.2, ..., 1; uniformly random schedules for
    the first half of training, then the principal learns), seeds 1-5, 600 episodes of 16 games.

    Graded by the exact side as the test above: the principal's mode rate in evaluation episodes
    must lie in the exactly optimal set in at least 4 of the 5 seeds. A uniformly random one of
    its 7 choices (6 levels and "keep", read as 0) lies there (0.8 or 1.0) with probability 2/7
    per seed, and in ≥ 4 of 5 seeds with probability about 0.026 (binomial).
    """
    trials = [tax_twin.principal_trial(seed, 600, tmp_path / f"run{seed}", optimum, **tax_twin.PER_SCHEDULE)
              for seed in range(1, 6)]
    summary = [(t["seed"], t["mode_rate"], round(t["mass_on_optimal"], 2), round(t["apples_last50"], 2))
               for t in trials]
    assert sum(t["optimal"] for t in trials) >= 4, (optimum.maximisers, summary)


@pytest.mark.slow
def test_the_outer_loop_principal_chooses_a_rate_in_the_exact_optimal_set(tmp_path, optimum):
    """The Stackelberg principal of ``sedtheory design`` on the tiny tax game, seeds 1-5: commit to
    each pre-registered flat rate (0, 0.2, ..., 1), train the players under it (100 episodes,
    then the best third to 300), keep the best on selection seeds, report on disjoint seeds.

    Graded by the exact side, as the PPO principal above: the chosen rate must lie in the exactly
    optimal set in at least 4 of the 5 seeds, and beat no tax (paired, interval above 0) there.
    Runs without Ray (``address="local"``), one design after another (a few minutes a seed on
    one core).
    """
    trials = [tax_twin.design_trial(seed, tmp_path / f"seed{seed}", optimum, address="local", log=lambda line: None)
              for seed in range(1, 6)]
    summary = [(t["seed"], t["chosen_rate"], t["versus_no_tax"]) for t in trials]
    good = [t for t in trials if t["optimal"] and t["versus_no_tax"][1] > 0]
    assert len(good) >= 4, (optimum.maximisers, summary)


def test_the_principal_explores_uniformly_then_learns(tmp_path):
    """``principal_explore_fraction = 0.5`` of 4 episodes: in the first 2 the principal commits
    to random rates and its network is not updated; from the third on it learns."""
    from sedtheory.rl.trainer import Trainer

    config = tax_twin.twin_config(4, principal_explore_fraction=0.5, phase_one_fraction=0.0, anneal_fraction=0.0)
    trainer = Trainer(config, tmp_path / "run")
    before = {k: v.clone() for k, v in trainer.principal.state_dict().items()}
    trainer.train(max_updates=2)
    assert all(torch.equal(before[k], v) for k, v in trainer.principal.state_dict().items())
    rates = [h["charts/tax_rate_0"] for h in trainer.history]
    assert all(0 < r < 1 for r in rates) and len(set(rates)) == 2   # a mix of grid rates, different per episode
    trainer.train()
    assert any(not torch.equal(before[k], v) for k, v in trainer.principal.state_dict().items())
    with pytest.raises(ValidationError, match="principal_explore_fraction"):
        tax_twin.twin_config(4, principal_explore_fraction=0.9, phase_one_fraction=0.2)
