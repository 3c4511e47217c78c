"""The batched torch engine matches the slow numpy reference step for step (same random draws).

Random states (positions, facings, live apples, removal timers, cooldowns, incomes, rates, step
index) and random actions and draws come from Hypothesis; the engine runs them as a batch of
games and each game is compared with ``reference.step`` run alone. Integers and booleans
must agree exactly; rewards (float32 in the engine, float64 in the reference) to 1e-5.
"""

import functools

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


@functools.lru_cache(maxsize=None)
def consts_of(params: AppleParams) -> engine.EngineConsts:
    """The engine's tables of ``params`` (AppleParams is frozen and hashable), built once."""
    return engine.EngineConsts(params)


@st.composite
def games(draw, params: AppleParams, action_set=None):
    """A random (reachable-looking) reference state plus actions (from ``action_set``, default all),
    draws and types for one game."""
    lay, n = params.layout, params.n_players
    floor = [(int(r), int(c)) for r, c in np.argwhere(~lay.walls)]
    cells = draw(st.lists(st.sampled_from(floor), min_size=n, max_size=n, unique=True))
    present = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))) if params.zap else np.ones(n, bool)
    # an absent (zapped) player keeps a stale cell, which present players may walk onto: let it be any cell
    cells = [c if on else draw(st.sampled_from(floor)) for c, on in zip(cells, present)]
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
    action = st.integers(0, params.n_actions - 1) if action_set is None else st.sampled_from(action_set)
    actions = draw(st.lists(action, min_size=n, max_size=n))
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


def check_batch(params: AppleParams, batch) -> list:
    """Step the batch in the engine and each game in the reference; assert they agree; return the
    reference's ``[(new_state, outputs)]`` per game."""
    consts = consts_of(params)
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
    results = []
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
        results.append((want, out))
    return results


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


CROWD_MAP = "WWWWW\nWPPPW\nWPAPW\nWPPPW\nWWWWW"


@pytest.mark.parametrize("zap", [False, True], ids=["moves", "moves-and-zaps"])
def test_engine_matches_reference_in_a_crowd(zap):
    """6 players on 9 cells, every action a move (or a zap): contests, chains, swaps and longer
    cycles on almost every step, which the sparse maps above rarely produce."""
    params = AppleParams(n_players=6, map_ascii=CROWD_MAP, window_forward=1, window_backward=1, window_left=1,
                         window_right=1, tax_period=2, episode_length=5, regrowth_probs=(0.3, 0.6), zap=zap)

    @settings(max_examples=25, deadline=None)
    @given(st.lists(games(params, action_set=[1, 2, 3, 4, 7] if zap else [1, 2, 3, 4]), min_size=1, max_size=3))
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


# ---- hand-built cases: engine and reference agree, and both agree with the rules sheet as read by hand ----
OPEN_MAP = "\n".join(["WWWWWWWW", "WPAAAAPW", "W......W", "W......W", "W......W", "WP....PW", "WWWWWWWW"])
BLOCK_MAP = "\n".join(["WWWWWWW"] + ["WAAAAAW"] * 5 + ["WP...PW", "WWWWWWW"])


def _hand_state(params, cells, facings, live=None, t=0):
    n = params.n_players
    cells_all = reference.apple_cells(params)
    return reference.RefState(
        pos=np.array(cells).reshape(n, 2), facing=np.array(facings), present=np.ones(n, bool),
        removal_timer=np.zeros(n, int), cooldown=np.zeros(n, int),
        live={c: (True if live is None else c in live) for c in cells_all}, period_income=np.zeros(n),
        episode_apples=np.zeros(n), tax_rates=np.zeros(params.n_brackets), pending_rates=np.zeros(params.n_brackets), t=t)


def _hand_step(params, state, actions, move_u=None, regrow_u=0.999, types=None):
    n = params.n_players
    draws = {"move": np.array(move_u if move_u is not None else np.linspace(0.1, 0.9, n)),
             "regrow": np.full(params.n_apple_cells + 1, regrow_u), "respawn_cell": np.zeros(n),
             "respawn_facing": np.zeros(n)}
    types = np.full((2, n), 0.5) if types is None else np.asarray(types, dtype=float)
    return check_batch(params, [(state, list(actions), draws, types)])[0]


@pytest.mark.parametrize("cells, facings, actions, move_u, want", [
    # a 4-cycle around a 2 x 2 block (east, south, west, north): a closed cycle, all blocked
    ([(2, 2), (2, 3), (3, 3), (3, 2)], [1, 2, 3, 0], [1, 1, 1, 1], None, [(2, 2), (2, 3), (3, 3), (3, 2)]),
    # a train of three moving east into a free cell: each follows into a cell being vacated
    ([(2, 2), (2, 3), (2, 4), (4, 1)], [1, 1, 1, 0], [1, 1, 1, 0], None, [(2, 3), (2, 4), (2, 5), (4, 1)]),
    # 1 and 2 contest (3, 3), which 0 vacates; the larger draw (1) wins; 3 follows 1
    ([(3, 3), (3, 2), (2, 3), (3, 1)], [1, 1, 2, 1], [1, 1, 1, 1], [0.1, 0.9, 0.5, 0.2], [(3, 4), (3, 3), (2, 3), (3, 2)]),
    # the same with 2 winning: the loser 1 stays, so 3 behind it is blocked too
    ([(3, 3), (3, 2), (2, 3), (3, 1)], [1, 1, 2, 1], [1, 1, 1, 1], [0.1, 0.2, 0.9, 0.3], [(3, 4), (3, 2), (3, 3), (3, 1)]),
    # equal draws: the lower index wins the contest
    ([(3, 3), (3, 2), (2, 3), (3, 1)], [1, 1, 2, 1], [1, 1, 1, 1], [0.1, 0.5, 0.5, 0.3], [(3, 4), (3, 3), (2, 3), (3, 2)]),
    # walls: forward west from (2, 1), step left (north) from (4, 1) facing east... into the wall at column 0
    ([(2, 1), (4, 1), (3, 4), (2, 6)], [3, 2, 0, 1], [1, 4, 2, 1], None, [(2, 1), (4, 1), (4, 4), (2, 6)]),
])
def test_movement_conflicts_by_hand(cells, facings, actions, move_u, want):
    params = AppleParams(n_players=4, map_ascii=OPEN_MAP, window_forward=2, window_backward=1, window_left=1,
                         window_right=1, tax_period=3, episode_length=7, regrowth_probs=(0.0,))
    new, _ = _hand_step(params, _hand_state(params, cells, facings, live=set()), actions, move_u)
    assert [tuple(int(x) for x in p) for p in new.pos] == want


def test_eaten_apple_cannot_regrow_at_once_and_a_regrown_apple_waits_for_re_entry():
    """p = 1 for every k and all regrowth draws 0: every apple cell empty at the start of a step regrows."""
    params = AppleParams(n_players=1, map_ascii=OPEN_MAP, window_forward=2, window_backward=1, window_left=1,
                         window_right=1, tax_period=10, episode_length=10, regrowth_probs=(1.0,))
    state = _hand_state(params, [(2, 2)], [0], live={(1, 2), (1, 3)})  # (1, 4), (1, 5) empty
    plan = [(1, 1.0, False), (0, 0.0, True), (0, 0.0, True), (2, 0.0, True), (1, 1.0, False)]
    for action, apples, live_after in plan:  # forward: eat; stay twice: regrows under the player, not eaten; leave; re-enter: eat
        state, out = _hand_step(params, state, [action], regrow_u=0.0)
        assert out["apples"][0] == apples
        assert state.live[(1, 2)] is live_after
    assert state.live[(1, 4)] and state.live[(1, 5)]  # the cells empty at the start regrew in the first step


@pytest.mark.parametrize("live, probs, regrows", [
    # exactly the 12 cells within distance 2 of the centre (3, 3): k = 12
    ({(r, c) for r in range(1, 6) for c in range(1, 6) if 0 < (r - 3) ** 2 + (c - 3) ** 2 <= 4}, (0.0,) * 12 + (1.0,), True),
    # 11 of them: k = 11
    ({(r, c) for r in range(1, 6) for c in range(1, 6) if 0 < (r - 3) ** 2 + (c - 3) ** 2 <= 4} - {(1, 3)},
     (0.0,) * 12 + (1.0,), False),
    # the 12 cells at distance sqrt(5) (knight moves) and sqrt(8) (corners): none counts, k = 0
    ({(r, c) for r in range(1, 6) for c in range(1, 6) if (r - 3) ** 2 + (c - 3) ** 2 > 4}, (1.0, 0.0), True),
    # one apple at distance exactly 2: k = 1
    ({(1, 3)}, (1.0, 0.0), False),
    # k = 5 reads p(min(5, 3)) = p(3)
    ({(2, 2), (2, 3), (2, 4), (3, 2), (3, 4)}, (0.0, 0.0, 0.0, 1.0), True),
])
def test_regrowth_counts_live_apples_within_radius_two_itself_excluded(live, probs, regrows):
    params = AppleParams(n_players=1, map_ascii=BLOCK_MAP, window_forward=1, window_backward=1, window_left=1,
                         window_right=1, tax_period=10, episode_length=10, regrowth_probs=probs)
    new, _ = _hand_step(params, _hand_state(params, [(6, 1)], [0], live=live), [0], regrow_u=0.0)
    assert new.live[(3, 3)] is regrows


@pytest.mark.parametrize("observer, facing, sees", [
    ((3, 3), 0, True),    # eater ends at (1, 2): forward 2, left 1
    ((3, 4), 0, False),   # forward 2, left 2: outside the left extent 1
    ((2, 3), 1, True),    # facing east: backward 1, left 1
    ((3, 2), 2, False),   # facing south: the eater ends 2 behind (backward extent 1)
])
def test_intrinsic_reward_counts_only_eaters_inside_the_observers_window(observer, facing, sees):
    params = AppleParams(n_players=2, map_ascii=OPEN_MAP, window_forward=2, window_backward=1, window_left=1,
                         window_right=1, tax_period=3, episode_length=7, regrowth_probs=(0.0,))
    sigma, beta = [0.25, 0.5], [0.4, 0.6]
    state = _hand_state(params, [observer, (2, 2)], [facing, 0])
    _, out = _hand_step(params, state, [0, 1], types=[sigma, beta])  # player 1 steps north onto the apple (1, 2)
    assert out["apples"].tolist() == [0.0, 1.0]
    want = [(1 - sigma[0]) * sees, sigma[1] * 1.0]  # eq. (2): σ_i a_i + (1 − σ_i) Σ_{j observable} a_j
    np.testing.assert_allclose(out["intrinsic"], want)
    np.testing.assert_allclose(out["reward"], [beta[i] * out["apples"][i] + (1 - beta[i]) * want[i] for i in range(2)])


def test_env_trajectory_matches_reference_across_periods_and_draw_blocks():
    """A whole episode through AppleEnv (its draw blocks, tax-period flags, pending rates, respawns)
    against the reference fed the same draws: 60 steps cross the 50-step draw block, and 60 = 8 * 7 + 4
    ends with a short tax period."""
    params = AppleParams(n_players=5, map_ascii=SMALL_MAP, window_forward=4, window_backward=1, window_left=2,
                         window_right=2, zap=True, tax_period=7, episode_length=60, regrowth_probs=(0.1, 0.4, 0.8))
    B = 2
    env = AppleEnv(params, num_games=B, seed=21)
    env.reset()
    resets = [u.numpy().astype(float) for u in engine.reset_draws(env.consts, env._episode_keys)]
    refs = [reference.reset(params, *(u[b] for u in resets)) for b in range(B)]
    sigma, beta = (x.numpy() for x in env.types)
    gen = np.random.default_rng(0)
    taxed = hits = 0.0
    for t in range(params.episode_length):
        if t % 5 == 0:  # the principal changes its mind mid-period too; only period starts take effect
            rates = gen.choice([0.0, 0.1, 0.5, 1.0], size=(B, params.n_brackets)).astype(np.float32)
            env.set_tax_rates(torch.from_numpy(rates))
            for b in range(B):
                refs[b].pending_rates = rates[b].astype(float)
        drawn = env.draws()
        actions = gen.integers(0, params.n_actions, (B, params.n_players))
        out = env.step(torch.from_numpy(actions))
        for b in range(B):
            draws_b = {k: getattr(drawn, k)[b].numpy().astype(float) for k in ("move", "regrow", "respawn_cell", "respawn_facing")}
            refs[b], want = reference.step(params, refs[b], actions[b].tolist(), draws_b, sigma[b], beta[b])
            assert_same_state(params, env.state, b, refs[b])
            np.testing.assert_array_equal(out.apples[b].numpy(), want["apples"])
            for key in ("intrinsic", "extrinsic", "reward"):
                np.testing.assert_allclose(getattr(out, key)[b].numpy(), want[key], atol=1e-5, err_msg=f"{key} at t={t}")
            np.testing.assert_array_equal(out.obs_codes[b].numpy(), reference.observe_codes(params, refs[b]))
            taxed += float(np.abs(want["extrinsic"] - want["apples"]).sum())
            hits += float(want["hit"].sum())
    assert bool(out.done.all()) and taxed > 0 and hits > 0  # taxes moved and players were zapped
