"""The batched torch engine matches the slow numpy reference step for step (same random draws).

Random states (positions, facings, live apples, removal timers, cooldowns, incomes, rates, step
index) and random actions and draws come from Hypothesis; the engine runs them as a batch of
games and each game is compared with ``reference.step`` run alone. Integers and booleans
must agree exactly; rewards (float32 in the engine, float64 in the reference) to 1e-5.
"""

import numpy as np
import pytest
torch = pytest.importorskip("torch")
from hypothesis import given, settings
from hypothesis import strategies as st

from sedtheory.envs.apple import CORRIDOR_MAP, FIELD_3X3_MAP, AppleEnv, AppleParams, engine, reference

SMALL_MAP = "\n".join([
    "WWWWWWWWWW",
    "WAAA..AA.W",
    "WA.WQ.AAPW",
    "W..PPP.A.W",
    "WAA.WAA.PW",
    "WWWWWWWWWW",
])
PARAM_SETS = [
    AppleParams(n_players=4, map_ascii=SMALL_MAP, window_forward=3, window_backward=1, window_left=2,
                window_right=1, tax_period=3, episode_length=7, regrowth_probs=(0.0, 0.3, 0.6, 0.9)),
    AppleParams(n_players=5, map_ascii=SMALL_MAP, window_forward=4, window_backward=1, window_left=2,
                window_right=2, zap=True, tax_period=4, episode_length=9, regrowth_probs=(0.1, 0.4, 0.8)),
    AppleParams(n_players=2, map_ascii=FIELD_3X3_MAP, window_forward=2, window_backward=0, window_left=1,
                window_right=1, tax_period=2, episode_length=5, regrowth_probs=(0.2, 0.5)),
    AppleParams(n_players=2, map_ascii=CORRIDOR_MAP, window_forward=1, window_backward=1, window_left=1,
                window_right=1, tax_period=2, episode_length=6, regrowth_probs=(0.0, 0.5)),
    AppleParams(zap=True, episode_length=20, tax_period=5),
]
CONSTS = {id(p): engine.EngineConsts(p) for p in PARAM_SETS}


@st.composite
def games(draw, params: AppleParams):
    """A random (reachable-looking) reference state plus actions, draws and types for one game."""
    lay, n = params.layout, params.n_players
    floor = [(int(r), int(c)) for r, c in np.argwhere(~lay.walls)]
    cells = draw(st.lists(st.sampled_from(floor), min_size=n, max_size=n, unique=True))
    present = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))) if params.zap else np.ones(n, bool)
    timer = np.where(present, 0, draw(st.lists(st.integers(0, params.zap_removal_steps), min_size=n, max_size=n)))
    n_apples = params.n_apple_cells
    unit = st.integers(0, 2**24 - 1).map(lambda k: k / 2**24)
    rates = np.array(draw(st.lists(st.sampled_from([0.0, 0.1, 0.5, 1.0]), min_size=params.n_brackets,
                                   max_size=params.n_brackets)))
    state = reference.RefState(
        pos=np.array(cells).reshape(n, 2), facing=np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))),
        present=present, removal_timer=timer,
        cooldown=np.array(draw(st.lists(st.integers(0, params.zap_cooldown), min_size=n, max_size=n))),
        live=dict(zip(reference.apple_cells(params), draw(st.lists(st.booleans(), min_size=n_apples, max_size=n_apples)))),
        period_income=np.array(draw(st.lists(st.integers(0, 30), min_size=n, max_size=n)), dtype=float),
        episode_apples=np.zeros(n), tax_rates=rates, pending_rates=rates[::-1].copy(),
        t=draw(st.integers(0, params.episode_length - 1)),
    )
    actions = draw(st.lists(st.integers(0, params.n_actions - 1), min_size=n, max_size=n))
    # a few deliberate conflicts: several players choose "forward"
    draws = {"move": np.array(draw(st.lists(unit, min_size=n, max_size=n))),
             "regrow": np.array(draw(st.lists(unit, min_size=n_apples + 1, max_size=n_apples + 1))),
             "respawn_cell": np.array(draw(st.lists(unit, min_size=n, max_size=n))),
             "respawn_facing": np.array(draw(st.lists(unit, min_size=n, max_size=n)))}
    types = np.array(draw(st.lists(unit, min_size=2 * n, max_size=2 * n))).reshape(2, n)
    return state, actions, draws, types


def to_engine(params: AppleParams, states: list) -> engine.AppleState:
    """Stack reference states into one batched engine state."""
    W, cells = params.width, reference.apple_cells(params)
    f32 = lambda x: torch.tensor(np.array(x), dtype=torch.float32)  # noqa: E731
    i64 = lambda x: torch.tensor(np.array(x), dtype=torch.int64)  # noqa: E731
    t = {s.t for s in states}
    assert len(t) == 1
    return engine.AppleState(
        pos=i64([s.pos[:, 0] * W + s.pos[:, 1] for s in states]), facing=i64([s.facing for s in states]),
        present=torch.tensor(np.array([s.present for s in states])), removal_timer=i64([s.removal_timer for s in states]),
        cooldown=i64([s.cooldown for s in states]),
        live=torch.tensor(np.array([[s.live[c] for c in cells] + [False] for s in states])),
        period_income=f32([s.period_income for s in states]), episode_apples=f32([s.episode_apples for s in states]),
        tax_rates=f32([s.tax_rates for s in states]), pending_rates=f32([s.pending_rates for s in states]), t=t.pop(),
    )


def assert_same_state(params: AppleParams, got: engine.AppleState, b: int, want: reference.RefState):
    W, cells = params.width, reference.apple_cells(params)
    np.testing.assert_array_equal(got.present[b].numpy(), want.present)
    on = want.present
    np.testing.assert_array_equal(got.pos[b].numpy()[on], (want.pos[:, 0] * W + want.pos[:, 1])[on])
    np.testing.assert_array_equal(got.facing[b].numpy()[on], want.facing[on])
    np.testing.assert_array_equal(got.removal_timer[b].numpy(), want.removal_timer)
    np.testing.assert_array_equal(got.cooldown[b].numpy(), want.cooldown)
    np.testing.assert_array_equal(got.live[b, :-1].numpy(), [want.live[c] for c in cells])
    assert not got.live[b, -1]
    np.testing.assert_allclose(got.period_income[b].numpy(), want.period_income)
    np.testing.assert_allclose(got.tax_rates[b].numpy(), want.tax_rates, rtol=1e-6)
    assert got.t == want.t


def check_batch(params: AppleParams, batch):
    consts = CONSTS[id(params)]
    t0 = batch[0][0].t
    batch = [(replace_t(s, t0), a, d, ty) for s, a, d, ty in batch]
    states = [g[0] for g in batch]
    eng = to_engine(params, states)
    draws = engine.StepDraws(*(torch.tensor(np.array([g[2][k] for g in batch]), dtype=torch.float32)
                               for k in ("move", "regrow", "respawn_cell", "respawn_facing")))
    actions = torch.tensor([g[1] for g in batch], dtype=torch.int64)
    sigma = torch.tensor(np.array([g[3][0] for g in batch]), dtype=torch.float32)
    beta = torch.tensor(np.array([g[3][1] for g in batch]), dtype=torch.float32)
    np.testing.assert_array_equal(engine.observe_codes(consts, eng).numpy(),
                                  np.stack([reference.observe_codes(params, s) for s in states]))
    new, res = engine.step_state(consts, eng, actions, draws, sigma, beta)
    codes = engine.observe_codes(consts, new)
    one_hot = engine.one_hot_obs(consts, codes)
    for b, (state, acts, drawn, types) in enumerate(batch):
        want, out = reference.step(params, state, acts, {k: v.astype(np.float32).astype(float) for k, v in drawn.items()},
                                   types[0].astype(np.float32), types[1].astype(np.float32))
        assert_same_state(params, new, b, want)
        np.testing.assert_array_equal(res.apples[b].numpy(), out["apples"])
        np.testing.assert_array_equal(res.hit[b].numpy(), out["hit"])
        for key in ("intrinsic", "extrinsic", "reward"):
            np.testing.assert_allclose(getattr(res, key)[b].numpy(), out[key], atol=1e-5, err_msg=key)
        np.testing.assert_array_equal(codes[b].numpy(), reference.observe_codes(params, want))
        np.testing.assert_array_equal(one_hot[b].numpy(), reference.observe(params, want))


def replace_t(state, t):
    state.t = t
    return state


@pytest.mark.parametrize("params", PARAM_SETS, ids=["small", "small-zap", "field3x3", "corridor", "default-zap"])
def test_engine_matches_reference_on_random_states(params):
    @settings(max_examples=25, deadline=None)
    @given(st.lists(games(params), min_size=1, max_size=3))
    def run(batch):
        check_batch(params, batch)

    run()


def test_forced_conflicts_match_reference():
    """Hand-built conflicts on the small map: contest, swap, chain behind a stayer, following."""
    params = PARAM_SETS[0]
    base = dict(present=np.ones(4, bool), removal_timer=np.zeros(4, int), cooldown=np.zeros(4, int),
                live={c: False for c in reference.apple_cells(params)}, period_income=np.zeros(4),
                episode_apples=np.zeros(4), tax_rates=np.zeros(3), pending_rates=np.zeros(3), t=0)
    draws = {"move": np.array([0.2, 0.9, 0.5, 0.1]), "regrow": np.ones(params.n_apple_cells + 1) * 0.999,
             "respawn_cell": np.zeros(4), "respawn_facing": np.zeros(4)}
    types = np.full((2, 4), 0.5)
    cases = [
        # players 0 and 1 both step into (3, 2): 1 has the larger draw and wins; 2 and 3 idle
        (reference.RefState(pos=np.array([[3, 1], [3, 3], [1, 5], [1, 8]]), facing=np.array([1, 3, 0, 0]), **base), [1, 1, 0, 0]),
        # 0 and 1 swap places: both blocked; 2 follows 3 who moves away: both move
        (reference.RefState(pos=np.array([[3, 1], [3, 2], [3, 4], [3, 5]]), facing=np.array([1, 3, 1, 1]), **base), [1, 1, 1, 1]),
        # a chain 0 -> 1 -> 2 where 2 stays: all blocked
        (reference.RefState(pos=np.array([[3, 1], [3, 2], [3, 3], [1, 8]]), facing=np.array([1, 1, 1, 0]), **base), [1, 1, 0, 0]),
    ]
    for state, actions in cases:
        check_batch(params, [(state, actions, draws, types)])
    want, _ = reference.step(params, cases[0][0], cases[0][1], draws, *types)
    assert tuple(want.pos[1]) == (3, 2) and tuple(want.pos[0]) == (3, 1)
    want, _ = reference.step(params, cases[1][0], cases[1][1], draws, *types)
    assert [tuple(p) for p in want.pos] == [(3, 1), (3, 2), (3, 5), (3, 6)]
    want, _ = reference.step(params, cases[2][0], cases[2][1], draws, *types)
    assert [tuple(p) for p in want.pos[:3]] == [(3, 1), (3, 2), (3, 3)]


def test_env_reset_matches_reference_reset():
    params = PARAM_SETS[4]
    env = AppleEnv(params, num_games=3, seed=4)
    out = env.reset()
    spawn_u, facing_u, inner_u = engine.reset_draws(env.consts, env._episode_keys)
    for b in range(3):
        want = reference.reset(params, spawn_u[b].numpy().astype(float), facing_u[b].numpy().astype(float),
                               inner_u[b].numpy().astype(float))
        assert_same_state(params, env.state, b, want)
        np.testing.assert_array_equal(out.obs_codes[b].numpy(), reference.observe_codes(params, want))
