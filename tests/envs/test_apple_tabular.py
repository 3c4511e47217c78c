"""The tabular twin of tiny maps: exact tensors, and the engine's transition frequencies against them.

Statistical tests use fixed seeds, so they pass or fail deterministically; the thresholds
(chi-square p-value > 1e-4 after pooling bins with expected count < 5) make a false alarm
on a correct engine unlikely while a wrong probability (e.g. a 0.5 contest made 0.6, or a
regrowth probability read from the wrong k) is detected with these sample sizes.
"""

import numpy as np
import pytest
torch = pytest.importorskip("torch")
from scipy import stats

from sedtheory import ValidationError
from sedtheory.envs.apple import CORRIDOR_MAP, FIELD_3X3_MAP, AppleEnv, AppleParams, engine, rng, tabular

CORRIDOR = AppleParams(n_players=2, map_ascii=CORRIDOR_MAP, window_forward=1, window_backward=1, window_left=1,
                       window_right=1, tax_period=5, episode_length=10, regrowth_probs=(0.2, 0.5))
FIELD_1P = AppleParams(n_players=1, map_ascii=FIELD_3X3_MAP, window_forward=2, window_backward=0, window_left=1,
                       window_right=1, tax_period=5, episode_length=10, regrowth_probs=(0.1, 0.3, 0.6))


@pytest.fixture(scope="module")
def corridor_model():
    return tabular.tabular_model(CORRIDOR, selfishness=[0.3, 0.8], trust=[0.5, 0.25])


def test_state_count_and_stochastic_rows(corridor_model):
    # 4 floor cells: 4 * 3 ordered placements, 4^2 facings, 2^2 apple sets
    assert len(corridor_model.states) == 12 * 16 * 4
    sums = corridor_model.transitions.sum(axis=1)
    np.testing.assert_allclose(sums, 1.0, atol=1e-12)
    assert corridor_model.initial_distribution.sum() == pytest.approx(1.0)
    # mu0: the two players on the two spawn cells in either order, any facings, all apples live
    support = [corridor_model.states[k] for k in np.flatnonzero(corridor_model.initial_distribution)]
    assert len(support) == 2 * 16 and all(len(live) == 2 for _, _, live in support)


def test_contest_is_a_fair_coin_and_regrowth_exact(corridor_model):
    m = corridor_model
    s = m.index[(((1, 1), (1, 3)), (1, 3), frozenset())]  # facing each other across the empty apple cell (1, 2)
    a = 1 * 7 + 1  # both "forward"
    row = m.transitions[[s * 49 + a]].toarray().ravel()
    # winner 0 -> (1,2); then cell (1,3) is an apple cell: empty, k = 0 (cell (1,2) was empty at the start)
    # -> regrows with p(0) = 0.2; (1,2) is occupied by the winner but still regrows with p(0) = 0.2.
    outcomes = {m.states[k]: p for k, p in enumerate(row) if p > 0}
    assert sum(p for (cells, _, _), p in outcomes.items() if cells == ((1, 2), (1, 3))) == pytest.approx(0.5)
    assert sum(p for (cells, _, _), p in outcomes.items() if cells == ((1, 1), (1, 2))) == pytest.approx(0.5)
    key = (((1, 2), (1, 3)), (1, 3), frozenset({0, 1}))
    assert outcomes[key] == pytest.approx(0.5 * np.float32(0.2) ** 2)


def test_to_pomg_builds_a_valid_pomg():
    game = tabular.to_pomg(FIELD_1P, gamma=0.9)
    assert game.n_states == 9 * 4 * 16 and game.n_actions == (7,)
    assert game.n_observations[0] > 1


def test_refuses_what_it_cannot_model():
    with pytest.raises(ValidationError, match="n_players"):
        tabular.tabular_model(AppleParams(n_players=3, map_ascii=FIELD_3X3_MAP, window_forward=2, window_backward=0,
                                          window_left=1, window_right=1))
    with pytest.raises(ValidationError, match="zap"):
        tabular.tabular_model(AppleParams(n_players=1, zap=True, map_ascii=FIELD_3X3_MAP, window_forward=2,
                                          window_backward=0, window_left=1, window_right=1))
    with pytest.raises(ValidationError, match="max_state_actions"):
        tabular.tabular_model(FIELD_1P, max_state_actions=1000)
    with pytest.raises(ValidationError, match="selfishness: expected shape"):
        tabular.tabular_model(CORRIDOR, selfishness=[0.5, 0.5, 0.5])
    with pytest.raises(ValidationError, match="trust: values must lie in"):
        tabular.tabular_model(CORRIDOR, trust=[0.5, 1.5])


def _engine_batch(params, state, count):
    cells, facings, live = state
    W = params.width
    consts = engine.EngineConsts(params)
    base = engine.reset_state(consts, torch.zeros(count, len(consts.spawn_flat_np)), torch.zeros(count, params.n_players))
    pos = torch.tensor([[r * W + c for r, c in cells]] * count)
    live_row = [k in live for k in range(params.n_apple_cells)] + [False]
    from dataclasses import replace
    return consts, replace(base, pos=pos, facing=torch.tensor([list(facings)] * count),
                           live=torch.tensor([live_row] * count))


def _to_index(model, params, state, b):
    W = params.width
    cells = tuple(divmod(int(p), W) for p in state.pos[b])
    facings = tuple(int(f) for f in state.facing[b])
    live = frozenset(int(k) for k in np.flatnonzero(state.live[b, :-1].numpy()))
    return model.index[(cells, facings, live)]


def _chi_square_p(counts, expected):
    order = np.argsort(expected)
    small = order[np.cumsum(expected[order]) < 5]  # pool the rarest bins into one
    keep = np.setdiff1d(np.arange(len(expected)), small)
    obs = np.append(counts[keep], counts[small].sum())
    exp = np.append(expected[keep], expected[small].sum())
    mask = exp > 0
    if mask.sum() <= 1:  # a single possible outcome: the support check already decided
        return 1.0
    return stats.chisquare(obs[mask], exp[mask]).pvalue


@pytest.mark.parametrize("params", [CORRIDOR, FIELD_1P], ids=["corridor", "field1p"])
def test_engine_transition_frequencies_match_the_tabular_model(params):
    model = tabular.tabular_model(params)
    n_joint = params.n_actions ** params.n_players
    gen = np.random.default_rng(7)
    picks = list(gen.choice(len(model.states), size=6, replace=False))
    if params is CORRIDOR:
        picks.append(model.index[(((1, 1), (1, 3)), (1, 3), frozenset())])
    count = 4000
    for case, s in enumerate(picks):
        a = int(gen.integers(n_joint)) if case < 6 else 8
        consts, state = _engine_batch(params, model.states[s], count)
        seeds = torch.tensor(rng.game_seeds(1000 + case, count))
        draws = engine.draw_step(consts, rng.episode_keys(seeds, 0), 0)
        actions = torch.tensor([np.unravel_index(a, [params.n_actions] * params.n_players)] * count)
        new, res = engine.step_state(consts, state, actions, draws, torch.ones(count, params.n_players),
                                     torch.ones(count, params.n_players))
        counts = np.bincount([_to_index(model, params, new, b) for b in range(count)], minlength=len(model.states))
        expected = model.transitions[[s * n_joint + a]].toarray().ravel() * count
        assert counts[expected == 0].sum() == 0, "engine reached a state the model forbids"
        assert _chi_square_p(counts.astype(float), expected) > 1e-4
        want_apples = model.apples.reshape(len(model.states), n_joint, -1)[s, a]
        np.testing.assert_allclose(res.apples.mean(0).numpy(), want_apples, atol=5 * 0.5 / np.sqrt(count))


def test_three_steps_from_reset_match_mu0_times_transitions():
    model = tabular.tabular_model(CORRIDOR)
    count, n_joint = 3000, 49
    env = AppleEnv(CORRIDOR, num_games=count, seed=3)
    env.reset()
    dist = model.initial_distribution.copy()
    T = model.transitions
    for a in (1 * 7 + 2, 5 * 7 + 1, 1 * 7 + 1):
        rows = np.arange(len(model.states)) * n_joint + a
        dist = T[rows].T @ dist
        env.step(torch.tensor([list(np.unravel_index(a, (7, 7)))] * count))
    counts = np.bincount([_to_index(model, CORRIDOR, env.state, b) for b in range(count)], minlength=len(model.states))
    assert counts[dist == 0].sum() == 0
    assert _chi_square_p(counts.astype(float), dist * count) > 1e-4


def test_engine_observations_are_a_function_of_the_tabular_state(corridor_model):
    m = corridor_model
    for s in np.random.default_rng(0).choice(len(m.states), 40, replace=False):
        consts, state = _engine_batch(CORRIDOR, m.states[s], 1)
        codes = engine.observe_codes(consts, state)[0]
        for i in range(2):
            o = int(np.argmax(m.observations[i][s]))
            twins = np.flatnonzero(m.observations[i][:, o])
            consts2, state2 = _engine_batch(CORRIDOR, m.states[int(twins[-1])], 1)
            assert torch.equal(engine.observe_codes(consts2, state2)[0, i], codes[i])


def test_reset_distribution_with_inner_cells_matches_mu0():
    params = AppleParams(n_players=2, map_ascii="WWWWWW\nWQAAQW\nWWWWWW", window_forward=1, window_backward=1,
                         window_left=1, window_right=1, tax_period=5, episode_length=10)
    model = tabular.tabular_model(params)
    support = np.flatnonzero(model.initial_distribution)
    assert len(support) == 2 * 16  # either order of the two Q cells, any facings
    np.testing.assert_allclose(model.initial_distribution[support], 1 / 32)
    count = 3200
    env = AppleEnv(params, num_games=count, seed=8)
    env.reset()
    counts = np.bincount([_to_index(model, params, env.state, b) for b in range(count)], minlength=len(model.states))
    expected = model.initial_distribution * count
    assert counts[expected == 0].sum() == 0
    assert _chi_square_p(counts.astype(float), expected) > 1e-4


def test_expected_rewards_equal_the_engines_rewards_averaged_over_the_contest_coin(corridor_model):
    """``rewards[s, a]`` (eq. (2), types σ = (0.3, 0.8), β = (0.5, 0.25), no tax) against the engine:
    the two contest outcomes forced by the move draws, averaged with the fair coin's weights 1/2."""
    m = corridor_model
    sigma, beta = torch.tensor([[0.3, 0.8]] * 2), torch.tensor([[0.5, 0.25]] * 2)
    gen = np.random.default_rng(1)
    checked_eating = 0
    for s in gen.choice(len(m.states), 60, replace=False):
        a = int(gen.integers(49))
        consts, state = _engine_batch(CORRIDOR, m.states[s], 2)
        draws = engine.StepDraws(move=torch.tensor([[0.9, 0.1], [0.1, 0.9]]), regrow=torch.zeros(2, consts.A + 1),
                                 respawn_cell=torch.zeros(2, 2), respawn_facing=torch.zeros(2, 2))
        actions = torch.tensor([np.unravel_index(a, (7, 7))] * 2)
        _, res = engine.step_state(consts, state, actions, draws, sigma, beta)
        np.testing.assert_allclose(res.reward.mean(0).numpy(), m.rewards[s].reshape(49, 2)[a], atol=1e-6)
        np.testing.assert_allclose(res.apples.mean(0).numpy(), m.apples[s].reshape(49, 2)[a], atol=1e-6)
        checked_eating += int(res.apples.sum() > 0)
    assert checked_eating > 0  # some sampled pairs eat, so the reward terms are exercised
