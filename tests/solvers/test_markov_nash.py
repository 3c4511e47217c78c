"""Pure δ-Nash equilibria of small POMGs against exhaustive enumeration with the oracle."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sedtheory.games.markov import POMG
from sedtheory.evaluation.markov_best_response import ProblemTooLargeError
from sedtheory.solvers.markov_nash import pure_nash_equilibria
from test_markov_oracle import brute_force_best, matching_pennies, oracle_values, random_pomg


def brute_force_equilibria(game: POMG, delta: float) -> set:
    """Every pure profile whose every agent gains at most δ by any deterministic deviation."""
    spaces = [list(itertools.product(range(a), repeat=o)) for o, a in game.policy_shapes]
    found = set()
    for joint in itertools.product(*spaces):
        policies = [np.eye(a)[list(acts)] for acts, (_, a) in zip(joint, game.policy_shapes)]
        values = oracle_values(game, policies)
        if all(brute_force_best(game, policies, i)[0] - values[i] <= delta + 1e-9 for i in range(game.n_agents)):
            found.add(joint)
    return found


@pytest.mark.parametrize("kind", ["full", "state"])
@pytest.mark.parametrize("delta", [0.0, 0.5])
@pytest.mark.parametrize("seed", range(2))
def test_enumeration_matches_brute_force(kind, delta, seed):
    rng = np.random.default_rng(300 + seed)
    game = random_pomg(rng, n_states=2, n_actions=(2, 2), n_obs=(2, 2), kind=kind, gamma=0.7)
    # every observation is possible here (Dirichlet kernels), so no action is fixed to 0
    found = {tuple(tuple(int(x) for x in a) for a in e.actions) for e in pure_nash_equilibria(game, delta)}
    assert found == brute_force_equilibria(game, delta)


def test_equilibria_report_their_values_and_gaps():
    rng = np.random.default_rng(31)
    game = random_pomg(rng, n_states=2, kind="full", gamma=0.6)
    equilibria = pure_nash_equilibria(game, 0.3)
    assert equilibria  # one here; the loop below is not vacuous
    for equilibrium in equilibria:
        np.testing.assert_allclose(equilibrium.values, oracle_values(game, equilibrium.profile), atol=1e-9)
        assert np.all(equilibrium.gaps <= 0.3 + 1e-7)
        assert equilibrium.profile.is_pure()


def test_larger_delta_never_removes_an_equilibrium():
    rng = np.random.default_rng(32)
    game = random_pomg(rng, n_states=2, n_obs=(2, 2), kind="state", gamma=0.7)
    key = lambda eqs: {tuple(a.tobytes() for a in e.actions) for e in eqs}  # noqa: E731
    small, large = key(pure_nash_equilibria(game, 0.1)), key(pure_nash_equilibria(game, 1.0))
    assert small and small < large  # here 1 and 2 equilibria: the inclusion is tested, and strict


def test_matching_pennies_markov_game_has_no_pure_equilibrium():
    # one state, repeated matching pennies (γ = 1/2): no pure equilibrium (standard fact)
    assert pure_nash_equilibria(matching_pennies()) == []


def test_refuses_too_many_opponent_profiles():
    rng = np.random.default_rng(33)
    game = random_pomg(rng, n_states=3, n_actions=(2, 3), n_obs=(2, 4), kind="state")
    with pytest.raises(ProblemTooLargeError, match="max_profiles"):
        pure_nash_equilibria(game, max_profiles=10)


def _key(equilibria) -> set:
    return {tuple(tuple(int(x) for x in a) for a in e.actions) for e in equilibria}


def test_positive_affine_rescaling_of_rewards_leaves_pure_equilibria_unchanged():
    rng = np.random.default_rng(34)
    game = random_pomg(rng, n_states=2, n_obs=(2, 2), kind="state", gamma=0.7)
    scale, shift = np.array([2.5, 0.5]), np.array([-3.0, 7.0])
    rescaled = POMG(game.transitions, game.rewards * scale + shift, game.observations, gamma=game.gamma,
                    initial_distribution=game.initial_distribution)
    original = _key(pure_nash_equilibria(game))
    assert original and _key(pure_nash_equilibria(rescaled)) == original


def test_relabelling_observations_relabels_the_equilibria():
    rng = np.random.default_rng(35)
    game = random_pomg(rng, n_states=3, n_obs=(3, 2), kind="state", gamma=0.7)
    perm = np.array([2, 0, 1])  # new observation k is old observation perm[k]
    relabelled = POMG(game.transitions, game.rewards, [game.observations[0][:, perm], game.observations[1]],
                      gamma=game.gamma, initial_distribution=game.initial_distribution)
    mapped = {(tuple(first[k] for k in perm), second) for first, second in _key(pure_nash_equilibria(game))}
    assert mapped and _key(pure_nash_equilibria(relabelled)) == mapped


def test_single_agent_equilibria_are_its_optimal_policies():
    rng = np.random.default_rng(36)
    game = random_pomg(rng, n_states=2, n_actions=(3,), n_obs=(2,), kind="state", gamma=0.7)
    best, table = brute_force_best(game, [np.full((2, 3), 1 / 3)], 0)
    expected = {(tuple(int(x) for x in a),) for a, v in table if v >= best - 1e-9}
    assert _key(pure_nash_equilibria(game)) == expected


def _awkward_game(seed: int, n_agents: int, kind: str, gamma: float, horizon) -> POMG:
    """Deterministic transitions, 0/1 rewards (ties everywhere), an absorbing last state, and
    one-hot observation kernels (agent 1's aliases both states, agent 2's swaps them)."""
    rng = np.random.default_rng(seed)
    n_states, n_actions = 2, (2,) * n_agents
    shape = (n_states, *n_actions)
    T = np.eye(n_states)[rng.integers(0, n_states, size=shape)]
    T[-1] = 0.0
    T[-1, ..., -1] = 1.0
    R = rng.integers(0, 2, size=(*shape, n_agents)).astype(float)
    timing = dict(gamma=gamma, horizon=horizon, initial_distribution=[1.0, 0.0])
    if kind == "full":
        return POMG(T, R, **timing)
    kernels = [np.eye(2)[[0, 0]], np.eye(2)[[1, 0]]][:n_agents]  # agent 1 never sees observation 1
    return POMG(T, R, kernels, **timing)


def _canonical(game: POMG, joint) -> tuple:
    """Actions at observations that never occur set to 0 (how the enumeration reports them)."""
    kernels = game.observations or [np.eye(game.n_states)] * game.n_agents
    return tuple(tuple(int(x) if kernels[i][:, o].any() else 0 for o, x in enumerate(acts))
                 for i, acts in enumerate(joint))


@pytest.mark.parametrize("n_agents", [1, 2])
@pytest.mark.parametrize("kind", ["full", "state"])
@pytest.mark.parametrize("gamma, horizon", [(0.0, None), (0.99, None), (1.0, 1), (1.0, 2)])
def test_enumeration_matches_brute_force_on_awkward_games(n_agents, kind, gamma, horizon):
    """Adversarial cases against the oracle: one agent, horizon 1, γ = 0 and γ close to 1,
    absorbing states, exact ties in every payoff, observations that never occur."""
    game = _awkward_game(n_agents * 10 + len(kind), n_agents, kind, gamma, horizon)
    expected = {_canonical(game, joint) for joint in brute_force_equilibria(game, 0.0)}
    found = pure_nash_equilibria(game)
    assert _key(found) == expected and len(found) == len(expected)
    for equilibrium in found:
        np.testing.assert_allclose(equilibrium.values, oracle_values(game, equilibrium.profile), atol=1e-9)
