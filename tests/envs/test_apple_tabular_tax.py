"""The tabular twin with a flat tax (``tax_period = 1``) against the engine.

Two independent checks of ``tabular_model(..., tax_rates=φ)``:

* exact: for sampled (state, joint action) pairs the engine's step (``engine.step_state``, its
  own tax code ``tax_torch``) is run with both contest outcomes forced by the move draws; the
  mean of the two rewards must equal the twin's expected reward to float32 precision (1e-6);
* statistical: whole games through the public ``AppleEnv`` API (``set_tax_rates`` once after
  ``reset``), 3 steps, 4000 games, player 0 uniformly random and player 1 mostly idle (no-op
  with probability 0.9), so that incomes differ and the transfer does not vanish on average;
  the mean summed reward of each player must be within 5 standard errors of the twin's exact
  3-step expectation (a false alarm has probability below 1e-6 per player). Measured when the
  test was written: at φ = 0.7 the tax moves player 0's expectation from 0.395 to 0.277, about
  20 standard errors (0.006), so a rate ignored, or applied from the second step on, is caught.
"""

import dataclasses

import numpy as np
import pytest
torch = pytest.importorskip("torch")

from sedtheory import ValidationError
from sedtheory.envs.apple import CORRIDOR_MAP, AppleEnv, AppleParams, engine, rng, tabular
from sedtheory.games.markov import POMG
from sedtheory.games.strategies import StrategyProfile
from sedtheory.evaluation.markov_evaluation import evaluate

CORRIDOR_TAX = AppleParams(n_players=2, map_ascii=CORRIDOR_MAP, window_forward=1, window_backward=1, window_left=1,
                           window_right=1, tax_period=1, episode_length=10, regrowth_probs=(0.2, 0.5),
                           tax_thresholds=(0.0, 10000.0))
PAPER_BRACKETS = dataclasses.replace(CORRIDOR_TAX, tax_thresholds=(0.0, 10.0, 20.0, 10000.0))  # only φ_0 acts on a ≤ 1
TWO_BRACKETS = dataclasses.replace(CORRIDOR_TAX, tax_thresholds=(0.0, 0.5, 10.0))  # T(1) = 0.5 φ_0 + 0.5 φ_1
SIGMA, BETA = [0.3, 0.8], [0.9, 0.4]


def _engine_state(params, state, count, rates):
    cells, facings, live = state
    consts = engine.EngineConsts(params)
    base = engine.reset_state(consts, torch.zeros(count, len(consts.spawn_flat_np)), torch.zeros(count, params.n_players))
    pos = torch.tensor([[r * params.width + c for r, c in cells]] * count)
    live_row = [k in live for k in range(params.n_apple_cells)] + [False]
    pending = torch.tensor([list(rates)] * count, dtype=torch.float32)
    return consts, dataclasses.replace(base, pos=pos, facing=torch.tensor([list(facings)] * count),
                                       live=torch.tensor([live_row] * count), pending_rates=pending)


@pytest.mark.parametrize("params, rates", [(CORRIDOR_TAX, (0.3,)), (CORRIDOR_TAX, (1.0,)), (TWO_BRACKETS, (0.2, 0.8)),
                                           (PAPER_BRACKETS, (0.3, 0.6, 0.9))],
                         ids=["rate0.3", "rate1", "two-brackets", "paper-brackets"])
def test_expected_taxed_rewards_equal_the_engines(params, rates):
    model = tabular.tabular_model(params, SIGMA, BETA, tax_rates=rates)
    sigma, beta = torch.tensor([SIGMA] * 2), torch.tensor([BETA] * 2)
    gen = np.random.default_rng(5)
    eating, taxed = 0, 0
    for s in gen.choice(len(model.states), 80, replace=False):
        a = int(gen.integers(49))
        consts, state = _engine_state(params, model.states[s], 2, rates)
        draws = engine.StepDraws(move=torch.tensor([[0.9, 0.1], [0.1, 0.9]]), regrow=torch.zeros(2, consts.A + 1),
                                 respawn_cell=torch.zeros(2, 2), respawn_facing=torch.zeros(2, 2))
        _, res = engine.step_state(consts, state, torch.tensor([np.unravel_index(a, (7, 7))] * 2), draws, sigma, beta)
        np.testing.assert_allclose(res.reward.mean(0).numpy(), model.rewards[s].reshape(49, 2)[a], atol=1e-6)
        eating += int(res.apples.sum() > 0)
        taxed += int((res.extrinsic != res.apples).any())
    assert eating > 0 and taxed > 0  # the tax term itself was exercised


def test_zero_rates_give_the_untaxed_twin_and_any_period_is_allowed():
    plain = tabular.tabular_model(CORRIDOR_TAX, SIGMA, BETA)
    zero = tabular.tabular_model(CORRIDOR_TAX, SIGMA, BETA, tax_rates=[0.0])
    np.testing.assert_array_equal(plain.rewards, zero.rewards)
    long_period = dataclasses.replace(CORRIDOR_TAX, tax_period=5)
    np.testing.assert_array_equal(tabular.tabular_model(long_period, SIGMA, BETA, tax_rates=[0.0]).rewards, plain.rewards)


def test_tax_is_budget_balanced_and_full_tax_shares_equally():
    """With β = 1 (reward = extrinsic) the rewards sum to the apples eaten (budget balance), and
    at φ = 1 each player's reward is half the step's apples (T(1) = 1, all redistributed)."""
    model = tabular.tabular_model(CORRIDOR_TAX, SIGMA, [1.0, 1.0], tax_rates=[1.0])
    np.testing.assert_allclose(model.rewards.sum(-1), model.apples.sum(-1), atol=1e-12)
    np.testing.assert_allclose(model.rewards[..., 0], model.apples.sum(-1) / 2, atol=1e-12)
    assert model.apples.sum() > 0


@pytest.mark.parametrize("rate", [0.0, 0.7])
def test_episode_rewards_through_set_tax_rates_match_the_twin(rate):
    steps, count = 3, 4000
    params = dataclasses.replace(CORRIDOR_TAX, episode_length=steps)
    model = tabular.tabular_model(params, SIGMA, BETA, tax_rates=[rate])
    game = POMG(model.transitions, model.rewards, None, gamma=1.0, horizon=steps,
                initial_distribution=model.initial_distribution)
    idle = np.full(7, 0.1 / 6)
    idle[0] = 0.9
    probs = np.stack([np.full(7, 1 / 7), idle])  # (player, action), the same in every state
    exact = evaluate(game, StrategyProfile(tuple(np.tile(p, (len(model.states), 1)) for p in probs)))
    types = (torch.tensor([SIGMA] * count), torch.tensor([BETA] * count))
    env = AppleEnv(params, num_games=count, seed=11 + int(10 * rate), types=types)
    env.reset()
    env.set_tax_rates(torch.full((count, 1), rate))
    draws = torch.Generator().manual_seed(3)
    weights = torch.as_tensor(probs).repeat(count, 1)
    total = torch.zeros(count, 2, dtype=torch.float64)
    for _ in range(steps):
        actions = torch.multinomial(weights, 1, generator=draws).view(count, 2)
        total += env.step(actions).reward.double()
    mean, stderr = total.mean(0).numpy(), total.std(0).numpy() / np.sqrt(count)
    assert np.all(np.abs(mean - exact) <= 5 * stderr), (mean, exact, stderr)


def test_refuses_a_tax_it_cannot_represent():
    with pytest.raises(ValidationError, match="tax_rates: the twin represents a tax exactly only with tax_period=1"):
        tabular.tabular_model(dataclasses.replace(CORRIDOR_TAX, tax_period=2), tax_rates=[0.5])
    with pytest.raises(ValidationError, match="tax_rates: expected shape"):
        tabular.tabular_model(CORRIDOR_TAX, tax_rates=[0.5, 0.5])
    with pytest.raises(ValidationError, match="tax_rates: values must lie in"):
        tabular.tabular_model(CORRIDOR_TAX, tax_rates=[1.5])
    with pytest.raises(ValidationError, match="tax_rates"):
        tabular.tabular_model(CORRIDOR_TAX, tax_rates=[float("nan")])
    with pytest.raises(ValidationError, match="tax_rates"):
        tabular.to_pomg(dataclasses.replace(CORRIDOR_TAX, tax_period=3), tax_rates=[0.1])
