"""An independent, slow oracle for tabular POMGs, and its own checks.

The oracle never touches sedtheory's solvers: it builds, with plain Python loops over the
dense tensors, the Markov chain on (state, joint observation) in the native timing of
``sedtheory.games.markov`` (observation after the action that led to the state), and solves it
with ``numpy.linalg.solve`` (discounted) or an ``H``-step recursion. Brute-force best responses
enumerate every deterministic reactive policy. Other test modules in this folder import it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sedtheory.games.markov import POMG


def random_pomg(rng, n_states=3, n_actions=(2, 2), n_obs=(2, 2), kind="state", gamma=0.8, horizon=None,
                sparse_rows=None) -> POMG:
    """A random POMG. ``kind``: "full" (fully observed), "state" or "action" (action-dependent)."""
    shape = (n_states, *n_actions)
    transitions = rng.dirichlet(np.ones(n_states), size=shape)
    if sparse_rows is not None:  # keep a few successors per row
        mask = rng.random(transitions.shape) < sparse_rows / n_states
        mask[..., 0] = True
        transitions = transitions * mask
        transitions /= transitions.sum(axis=-1, keepdims=True)
    rewards = rng.integers(-3, 4, size=(*shape, len(n_actions))).astype(float)
    mu = rng.dirichlet(np.ones(n_states))
    if kind == "full":
        return POMG(transitions, rewards, gamma=gamma, horizon=horizon, initial_distribution=mu)
    if kind == "state":
        kernels = [rng.dirichlet(np.ones(o), size=n_states) for o in n_obs]
        return POMG(transitions, rewards, kernels, gamma=gamma, horizon=horizon, initial_distribution=mu)
    kernels = [rng.dirichlet(np.ones(o), size=shape) for o in n_obs]
    initial = [rng.dirichlet(np.ones(o), size=n_states) for o in n_obs]
    return POMG(transitions, rewards, kernels, gamma=gamma, horizon=horizon, initial_distribution=mu,
                initial_observations=initial)


def random_profile(rng, pomg: POMG):
    return [rng.dirichlet(np.ones(a), size=o) for o, a in pomg.policy_shapes]


def with_unreachable_state(pomg: POMG, reward: float, successor: int) -> POMG:
    """A fully observed ``pomg`` plus one state that is never entered (μ0 gives it 0 and no row
    leads to it); it pays ``reward`` to everyone and moves to ``successor``."""
    n = pomg.n_states
    T = np.zeros((n + 1, *pomg.n_actions, n + 1))
    T[:n, ..., :n] = pomg.transition_tensor()
    T[n, ..., successor] = 1.0
    R = np.full((n + 1, *pomg.n_actions, pomg.n_agents), float(reward))
    R[:n] = pomg.rewards
    return POMG(T, R, gamma=pomg.gamma, horizon=pomg.horizon,
                initial_distribution=np.append(pomg.initial_distribution, 0.0))


def matching_pennies() -> POMG:
    """Repeated matching pennies in one state (γ = 1/2): the standard game without a pure equilibrium."""
    R = np.zeros((1, 2, 2, 2))
    for a in range(2):
        for b in range(2):
            R[0, a, b] = [1, -1] if a == b else [-1, 1]
    return POMG(np.ones((1, 2, 2, 1)), R, gamma=0.5, initial_distribution=[1.0])


def _observation_probability(pomg: POMG, agent: int, obs: int, state: int, previous) -> float:
    if pomg.observations is None:
        return float(obs == state)
    kernel = pomg.observations[agent]
    if kernel.ndim == 2:
        return float(kernel[state, obs])
    if previous is None:
        return float(pomg.initial_observations[agent][state, obs])
    return float(kernel[(state, *previous, obs)])


def oracle_values(pomg: POMG, policies, rewards=None) -> np.ndarray:
    """Expected returns ``(k,)`` by the (state, joint observation) chain, built with loops."""
    T = pomg.transition_tensor()
    R = pomg.rewards if rewards is None else np.asarray(rewards, dtype=float)
    if R.ndim == T.ndim - 1:
        R = R[..., None]
    n_obs = pomg.n_observations
    nodes = [(s, o) for s in range(pomg.n_states) for o in itertools.product(*[range(k) for k in n_obs])]
    index = {node: k for k, node in enumerate(nodes)}
    P = np.zeros((len(nodes), len(nodes)))
    r = np.zeros((len(nodes), R.shape[-1]))
    init = np.zeros(len(nodes))
    for (s, o), k in index.items():
        init[k] = pomg.initial_distribution[s] * np.prod(
            [_observation_probability(pomg, i, o[i], s, None) for i in range(pomg.n_agents)])
        for a in itertools.product(*[range(m) for m in pomg.n_actions]):
            pa = np.prod([policies[i][o[i], a[i]] for i in range(pomg.n_agents)])
            if pa == 0:
                continue
            r[k] += pa * R[(s, *a)]
            for s2 in range(pomg.n_states):
                if T[(s, *a, s2)] == 0:
                    continue
                for o2 in itertools.product(*[range(m) for m in n_obs]):
                    q = np.prod([_observation_probability(pomg, i, o2[i], s2, a) for i in range(pomg.n_agents)])
                    P[k, index[(s2, o2)]] += pa * T[(s, *a, s2)] * q
    if pomg.horizon is None:
        values = np.linalg.solve(np.eye(len(nodes)) - pomg.gamma * P, r)
    else:
        values = np.zeros_like(r)
        for _ in range(pomg.horizon):
            values = r + pomg.gamma * P @ values
    return init @ values


def brute_force_best(pomg: POMG, policies, agent: int):
    """``(best value, list of all (actions, value))`` over every deterministic reactive policy."""
    n_obs, n_act = pomg.policy_shapes[agent]
    table = []
    for actions in itertools.product(range(n_act), repeat=n_obs):
        trial = list(policies)
        trial[agent] = np.eye(n_act)[list(actions)]
        table.append((np.array(actions), oracle_values(pomg, trial)[agent]))
    return max(v for _, v in table), table


# ------------------------------------------------------------------------ checks of the oracle
def test_oracle_matches_a_hand_computed_two_state_chain():
    # one agent, one action: s0 -> s1 -> s1 ...; reward 1 in s0, 2 in s1; γ = 1/2.
    # V(s1) = 2 / (1 - 1/2) = 4, V(s0) = 1 + 1/2 * 4 = 3 (hand computation).
    T = np.zeros((2, 1, 2))
    T[0, 0, 1] = T[1, 0, 1] = 1.0
    R = np.array([[[1.0]], [[2.0]]])
    game = POMG(T, R, gamma=0.5, initial_distribution=[1.0, 0.0])
    assert oracle_values(game, [np.ones((2, 1))]) == pytest.approx([3.0])


def test_oracle_finite_horizon_counts_steps():
    # same chain, horizon 3, γ = 1: 1 + 2 + 2 = 5 (hand computation).
    T = np.zeros((2, 1, 2))
    T[0, 0, 1] = T[1, 0, 1] = 1.0
    R = np.array([[[1.0]], [[2.0]]])
    game = POMG(T, R, horizon=3, initial_distribution=[1.0, 0.0])
    assert oracle_values(game, [np.ones((2, 1))]) == pytest.approx([5.0])
