"""Rules of the Apple Picking Game: parameters and maps, Table 1 defaults, tax, rewards, zap timing.

Known answers: the default map's apple counts and neighbourhood histogram (docs/apple_game.md, World:
"3/4/5/7/12 live apples within distance 2 for 4/20/4/32/4 apples"); the tax examples of the
rules sheet docs/apple_game.md (φ = (0.1, 0.2, 0.3): x = 5 -> 0.5, x = 15 -> 2.0, x = 25 -> 4.5).
"""

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
torch = pytest.importorskip("torch")

from sedtheory import ValidationError
from sedtheory.envs.apple import CORRIDOR_MAP, AppleEnv, AppleParams, engine, parse_map


def test_table1_defaults():
    p = AppleParams()
    assert (p.n_players, p.episode_length, p.tax_period, p.n_brackets, p.n_actions) == (7, 1000, 50, 3, 7)
    assert p.tax_thresholds == (0.0, 10.0, 20.0, 10000.0)
    assert p.regrowth_probs == (0.0, 0.0025, 0.005, 0.025) and p.regrowth_radius == 2
    assert p.window_shape == (11, 11) and p.obs_shape == (17, 11, 11)
    assert p.principal_obs_shape == (16, 18, 24)
    assert replace(p, zap=True).n_actions == 8


def test_default_map_counts_from_the_rules_sheet():
    lay = AppleParams().layout
    assert (lay.height, lay.width) == (18, 24)
    assert lay.apple_cells.sum() == 64 and lay.spawn_cells.sum() == 60
    assert lay.inner_spawns == ((7, 7), (7, 16))
    consts = engine.EngineConsts(AppleParams())
    k = consts.neighbours.sum(0)[:-1].numpy().astype(int)
    values, counts = np.unique(k, return_counts=True)
    assert dict(zip(values.tolist(), counts.tolist())) == {3: 4, 4: 20, 5: 4, 7: 32, 12: 4}


@pytest.mark.parametrize("bad, field", [
    ("WWW\nWXW\nWWW", "unknown character 'X'"),
    ("WWWW\nW.W\nWWWW", "rectangular"),
    ("", "non-empty"),
])
def test_bad_maps_raise(bad, field):
    with pytest.raises(ValidationError, match=field):
        parse_map(bad)


def test_bad_params_raise():
    small = dict(map_ascii=CORRIDOR_MAP, window_forward=1, window_backward=1, window_left=1, window_right=1, n_players=2)
    with pytest.raises(ValidationError, match="spawn cells"):
        AppleParams(**{**small, "map_ascii": "WWWW\nWAAW\nWWWW"})
    with pytest.raises(ValidationError, match="window"):
        AppleParams(**{**small, "window_forward": 9})
    with pytest.raises(ValidationError, match="regrowth_probs"):
        AppleParams(**small, regrowth_probs=(0.0, 1.5))
    with pytest.raises(ValidationError, match="regrowth_probs"):
        AppleParams(**small, regrowth_probs=(-0.1,))
    with pytest.raises(ValidationError, match="tax_thresholds"):
        AppleParams(**small, tax_thresholds=(1.0, 10.0))
    with pytest.raises(ValidationError, match="tax_thresholds"):
        AppleParams(**small, tax_thresholds=(0.0, 10.0, 5.0))
    with pytest.raises(ValidationError, match="n_players"):
        AppleParams(**{**small, "n_players": 0})
    with pytest.raises(ValidationError, match="tax_period"):
        AppleParams(**small, tax_period=2.5)
    with pytest.raises(ValidationError, match="tax_thresholds: cannot be read"):
        AppleParams(**small, tax_thresholds=("zero", "ten"))
    with pytest.raises(ValidationError, match="tax_thresholds: must be finite"):
        AppleParams(**small, tax_thresholds=(0.0, float("nan")))
    with pytest.raises(ValidationError, match="regrowth_probs: cannot be read"):
        AppleParams(**small, regrowth_probs=("often",))
    with pytest.raises(ValidationError, match="regrowth_probs: non-finite"):
        AppleParams(**small, regrowth_probs=(0.1, float("nan")))
    with pytest.raises(ValidationError, match="regrowth_radius"):
        AppleParams(**small, regrowth_radius=True)
    with pytest.raises(ValidationError, match="regrowth_radius"):
        AppleParams(**small, regrowth_radius=-1.0)
    with pytest.raises(ValidationError, match="zap"):
        AppleParams(**small, zap=1)


def test_an_open_top_bracket_is_accepted_and_taxed_like_the_shared_tax_map():
    """tau_B = +inf is allowed by sedtheory.principal.tax.validate_thresholds (the shared check):
    the engine then taxes every apple above tau_{B-1} at the top rate."""
    tax = pytest.importorskip("sedtheory.principal.tax")
    params = AppleParams(tax_thresholds=(0.0, 10.0, float("inf")))
    consts = engine.EngineConsts(params)
    income = torch.tensor([[0.0, 5.0, 15.0, 20000.0]])
    rates = torch.tensor([[0.1, 0.3]])
    got = engine.tax_torch(income, rates, consts.thresholds)
    # by hand: 0; 0.1 * 5; 0.1 * 10 + 0.3 * 5; 0.1 * 10 + 0.3 * 19990
    np.testing.assert_allclose(got[0].numpy(), [0.0, 0.5, 2.5, 5998.0], rtol=1e-6)
    np.testing.assert_allclose(got.numpy(), tax.bracket_tax(income.numpy(), rates.numpy(), (0, 10, np.inf)), rtol=1e-6)


def test_tax_examples_of_the_rules_sheet_and_the_shared_tax_map():
    income = torch.tensor([[5.0, 15.0, 25.0, 0.0, 20000.0]])
    rates = torch.tensor([[0.1, 0.2, 0.3]])
    tau = torch.tensor([0.0, 10.0, 20.0, 10000.0])
    got = engine.tax_torch(income, rates, tau)
    np.testing.assert_allclose(got[0, :3].numpy(), [0.5, 2.0, 4.5], rtol=1e-6)
    assert got[0, 3] == 0
    tax = pytest.importorskip("sedtheory.principal.tax")
    gen = np.random.default_rng(0)
    x = gen.integers(0, 40, (50, 7)).astype(float)
    phi = gen.random((50, 3))
    want = tax.bracket_tax(x, phi, (0, 10, 20, 10000))
    got = engine.tax_torch(torch.tensor(x, dtype=torch.float32), torch.tensor(phi, dtype=torch.float32), tau)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)


def _env(**kw):
    params = AppleParams(**{"episode_length": 20, "tax_period": 5, **kw})
    env = AppleEnv(params, num_games=4, seed=2)
    env.reset()
    return env


ORCHARD_MAP = "\n".join(["WWWWWWWWWW", "WAAAAAAAAW", "WAPAPAPAAW", "WAAAAAAAAW", "WAPAPAPAPW", "WAAAAAAAAW",
                         "WWWWWWWWWW"])
"""Every spawn cell next to apples, so random walkers eat (and pay tax) from the first steps."""


def test_tax_is_collected_at_the_period_end_with_the_rates_fixed_at_its_start():
    env = _env(regrowth_probs=(0.5, 0.5, 0.5, 0.5), map_ascii=ORCHARD_MAP, window_forward=4, window_backward=1,
               window_left=2, window_right=2)
    gen = torch.Generator().manual_seed(1)
    rates = torch.tensor([[0.5, 0.5, 0.5]] * 4)
    env.set_tax_rates(rates)
    assert env.is_period_start
    for t in range(10):
        if t == 2:
            env.set_tax_rates(torch.zeros(4, 3))  # mid-period: takes effect at the next period only
        out = env.step(torch.randint(0, 7, (4, 7), generator=gen))
        if t in (4, 9):
            tax = engine.tax_torch(out.period_income, rates if t == 4 else torch.zeros(4, 3), env.consts.thresholds)
            np.testing.assert_allclose(out.extrinsic.numpy(), (out.apples - tax + tax.mean(-1, keepdim=True)).numpy(), atol=1e-6)
            np.testing.assert_allclose(out.extrinsic.sum(-1).numpy(), out.apples.sum(-1).numpy(), atol=1e-5)  # budget balance
            if t == 4:
                assert float(tax.sum()) > 0 and not torch.equal(out.extrinsic, out.apples)  # a tax was really moved
        else:
            assert torch.equal(out.extrinsic, out.apples)
    assert env.tax_rates.abs().sum() == 0


def _seen_by_hand(params, pos, facing) -> torch.Tensor:
    """``(B, n, n)``: j != i inside i's window, judged by the reference's plain window test."""
    from sedtheory.envs.apple import reference
    B, n = pos.shape
    seen = torch.zeros(B, n, n)
    for b in range(B):
        cells = [divmod(int(x), params.width) for x in pos[b]]
        for i in range(n):
            for j in range(n):
                seen[b, i, j] = float(j != i and reference.in_window(params, cells[i], int(facing[b, i]), cells[j]))
    return seen


def test_mixed_reward_is_equation_2():
    env = _env()
    sigma, beta = env.types
    gen = torch.Generator().manual_seed(3)
    eaten_in_view = 0.0
    for _ in range(20):
        out = env.step(torch.randint(0, 7, (4, 7), generator=gen))
        seen = _seen_by_hand(env.params, env.state.pos, env.state.facing)
        eaten_in_view += float(torch.einsum("bij,bj->", seen, out.apples))
        intrinsic = sigma * out.apples + (1 - sigma) * torch.einsum("bij,bj->bi", seen, out.apples)
        np.testing.assert_allclose(out.intrinsic.numpy(), intrinsic.numpy(), atol=1e-6)
        np.testing.assert_allclose(out.reward.numpy(), (beta * out.extrinsic + (1 - beta) * out.intrinsic).numpy(), atol=1e-6)
    assert eaten_in_view > 0  # the other players' term was exercised


def test_given_types_are_used_and_checked():
    sigma, beta = torch.full((2, 7), 0.25), torch.full((2, 7), 1.0)
    env = AppleEnv(AppleParams(), num_games=2, types=(sigma, beta))
    assert torch.equal(env.types[0], sigma)
    with pytest.raises(ValidationError, match="types.selfishness: values must lie in"):
        AppleEnv(AppleParams(), num_games=2, types=(sigma + 1, beta))
    with pytest.raises(ValidationError, match=r"types.trust: expected shape \(2, 7\)"):
        AppleEnv(AppleParams(), num_games=2, types=(sigma, beta[:, :3]))
    env.reset()
    with pytest.raises(ValidationError, match=r"rates: expected shape \(2, 3\)"):
        env.set_tax_rates(torch.zeros(2, 2))
    with pytest.raises(ValidationError, match="rates: values must lie in"):
        env.set_tax_rates(torch.full((2, 3), float("nan")))
    with pytest.raises(ValidationError, match="rates: cannot be read"):
        env.set_tax_rates("high")


def test_zapped_player_is_away_four_steps_and_zapper_cools_down():
    # player 0 at (14, 5) facing east; player 1 two cells ahead; everyone else far away
    params = AppleParams(zap=True, episode_length=30, tax_period=10)
    env = AppleEnv(params, num_games=1, seed=0)
    env.reset()
    W = params.width
    pos = torch.tensor([[14 * W + 5, 14 * W + 7, 16 * W + 1, 16 * W + 3, 16 * W + 10, 16 * W + 15, 16 * W + 20]])
    env.state = replace(env.state, pos=pos, facing=torch.tensor([[1, 0, 0, 0, 0, 0, 0]]))
    zap = torch.tensor([[7, 0, 0, 0, 0, 0, 0]])
    out = env.step(zap)
    assert out.active[0].tolist() == [True, False] + [True] * 5
    assert env.state.cooldown[0, 0] == 2
    assert (out.obs_codes[0, 1] == 255).all() and out.obs[0, 1].abs().sum() == 0
    presence = []
    for _ in range(5):
        out = env.step(zap)  # player 0 keeps trying: cooling down, then no target left
        presence.append(bool(out.active[0, 1]))
    assert presence == [False, False, False, True, True]  # away for 4 steps after the hit, back at the 4th
    r, c = divmod(int(env.state.pos[0, 1]), W)
    assert params.layout.spawn_cells[r, c]


def test_import_sedtheory_does_not_import_torch():
    code = "import sys, sedtheory, sedtheory.envs.apple.params; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_principal_observation_channels():
    params = AppleParams(episode_length=30, tax_period=10)
    env = AppleEnv(params, num_games=2, seed=5)
    env.reset()
    gen = torch.Generator().manual_seed(2)
    for _ in range(25):
        out = env.step(torch.randint(0, 7, (2, 7), generator=gen))
    assert torch.equal(out.principal_obs, engine.principal_observe(env.consts, env.state))
    # distinct period incomes (the random walk above rarely eats), so the period_apples channel is really checked
    env.state = replace(env.state, period_income=torch.arange(1.0, 15.0).view(2, 7))
    obs = engine.principal_observe(env.consts, env.state)
    lay, st = params.layout, env.state
    assert obs.shape == (2, 16, 18, 24)
    for b in range(2):
        np.testing.assert_array_equal(obs[b, 0].numpy(), lay.walls)
        np.testing.assert_array_equal(obs[b, 1].numpy(), lay.apple_cells)
        live = np.zeros((18, 24), bool)
        for k, (r, c) in enumerate(np.argwhere(lay.apple_cells)):
            live[r, c] = bool(st.live[b, k])
        np.testing.assert_array_equal(obs[b, 2].numpy(), live)
        for i in range(7):
            r, c = divmod(int(st.pos[b, i]), 24)
            assert obs[b, 3, r, c] == 1 and obs[b, 9 + i, r, c] == 1 and obs[b, 9 + i].sum() == 1
            assert obs[b, 4 + int(st.facing[b, i]), r, c] == 1
            assert obs[b, 8, r, c] == st.period_income[b, i]
        assert obs[b, 3].sum() == 7 and obs[b, 4:8].sum() == 7


def _zap_once(offsets) -> list[bool]:
    """Player 0 at (12, 10) facing north in open floor zaps once; players 1.. stand at the given
    (forward, right) offsets from it, the rest on far spawn cells. Returns who is on the map after."""
    params = AppleParams(zap=True, episode_length=10, tax_period=5)
    env = AppleEnv(params, num_games=1, seed=0)
    env.reset()
    W, (r0, c0) = params.width, (12, 10)
    near = [(r0 - forward) * W + c0 + right for forward, right in offsets]
    far = [16 * W + c for c in (1, 3, 18, 20, 22)][: 6 - len(near)]
    env.state = replace(env.state, pos=torch.tensor([[r0 * W + c0, *near, *far]]), facing=torch.zeros(1, 7, dtype=torch.int64))
    return env.step(torch.tensor([[7, 0, 0, 0, 0, 0, 0]])).active[0].tolist()


@pytest.mark.parametrize("forward, right, hit", [
    (0, 1, True), (0, -1, True),      # side rays of length r = 1
    (1, 0, True), (3, 0, True),       # the central ray, length L = 3
    (2, 1, True), (2, -1, True),      # shifted rays, length L - 1 = 2
    (3, 1, False), (4, 0, False), (0, 2, False), (-1, 0, False),
])
def test_zap_beam_geometry_of_melting_pot(forward, right, hit):
    """Rays of Melting Pot's Zapper (avatar_library.lua, getWhoZappable) with beamLength 3, beamRadius 1."""
    assert _zap_once([(forward, right)])[1] is (not hit)


@pytest.mark.parametrize("forwards, hit", [
    ((1, 2), [True, False]),   # two players on the central ray: the first absorbs the beam
    ((2, 3), [True, False]),
    ((3, 4), [True, False]),   # the first at the beam's end (L = 3); the second is beyond it anyway
    ((4, 5), [False, False]),  # both beyond the length L = 3
])
def test_zap_beam_is_absorbed_by_the_first_player_on_a_ray(forwards, hit):
    assert _zap_once([(d, 0) for d in forwards])[1:3] == [not h for h in hit]
