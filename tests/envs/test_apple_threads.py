"""The engine's threading: on the CPU, ``AppleEnv`` runs its own torch calls with at most
``threads`` intra-op threads (default ``"auto"``: the idle cores) and restores torch's setting,
so a user who keeps torch's default (one thread per core) does not hit the many-threads
collapse of small-op kernels on a busy machine (issue #14: 19x slower at B = 1024). Speed
itself is measured by ``benchmarks/apple_env.py``, not here."""

import pytest

torch = pytest.importorskip("torch")

from sedtheory._validate import ValidationError  # noqa: E402
from sedtheory.envs.apple import AppleEnv, AppleParams, engine  # noqa: E402

SMALL = AppleParams(episode_length=10, tax_period=5)


@pytest.fixture
def two_torch_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _threads_seen_by_the_engine(env, monkeypatch):
    seen = []
    for name in ("observe_codes", "one_hot_obs", "principal_observe"):
        real = getattr(engine, name)

        def spy(*args, _real=real, **kwargs):
            seen.append(torch.get_num_threads())
            return _real(*args, **kwargs)
        monkeypatch.setattr(engine, name, spy)
    out = env.reset()
    out = env.step(torch.zeros(env.num_games, SMALL.n_players, dtype=torch.long))
    out.obs, out.principal_obs   # built lazily, also under the limit
    return seen


def test_the_engine_runs_on_one_thread_and_puts_torch_back(two_torch_threads, monkeypatch):
    seen = _threads_seen_by_the_engine(AppleEnv(SMALL, num_games=4, seed=0, threads=1), monkeypatch)
    assert seen and set(seen) == {1}
    assert torch.get_num_threads() == 2


def test_threads_none_leaves_torch_alone(two_torch_threads, monkeypatch):
    seen = _threads_seen_by_the_engine(AppleEnv(SMALL, num_games=4, seed=0, threads=None), monkeypatch)
    assert set(seen) == {2}


def test_the_limit_is_restored_when_a_step_fails(two_torch_threads):
    env = AppleEnv(SMALL, num_games=2, seed=0)
    env.reset()
    with pytest.raises(ValidationError, match="actions"):
        env.step(torch.full((2, SMALL.n_players), 99))
    assert torch.get_num_threads() == 2


def test_trajectories_do_not_depend_on_the_thread_count(two_torch_threads):
    gen_a, gen_b = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    a = AppleEnv(SMALL, num_games=8, seed=1, threads=1)
    b = AppleEnv(SMALL, num_games=8, seed=1, threads=None)
    a.reset(), b.reset()
    for _ in range(SMALL.episode_length):
        out_a = a.step(torch.randint(0, SMALL.n_actions, (8, SMALL.n_players), generator=gen_a))
        out_b = b.step(torch.randint(0, SMALL.n_actions, (8, SMALL.n_players), generator=gen_b))
        assert torch.equal(out_a.obs_codes, out_b.obs_codes) and torch.equal(out_a.reward, out_b.reward)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", "many"])
def test_bad_thread_counts_are_refused(bad):
    with pytest.raises(ValidationError, match="threads"):
        AppleEnv(SMALL, threads=bad)


@pytest.mark.parametrize("cores, load, expected", [(2, 9.4, 1), (2, 1.1, 1), (2, 0.2, 2), (16, 0.8, 15),
                                                    (16, 15.9, 1)])
def test_auto_uses_the_idle_cores(monkeypatch, cores, load, expected):
    import os

    from sedtheory.envs.apple.env import idle_cores
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert idle_cores() == expected


def test_auto_is_the_default_and_never_exceeds_torch(monkeypatch):
    import os
    monkeypatch.setattr(os, "getloadavg", lambda: (9.0, 9.0, 9.0))   # a busy machine: one thread
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        seen = _threads_seen_by_the_engine(AppleEnv(SMALL, num_games=4, seed=0), monkeypatch)
        assert set(seen) == {1}
        monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))   # idle: the cores, capped by torch's 2
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
        seen = _threads_seen_by_the_engine(AppleEnv(SMALL, num_games=4, seed=0), monkeypatch)
        assert set(seen) == {2}
    finally:
        torch.set_num_threads(before)
