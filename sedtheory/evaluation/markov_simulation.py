"""Seeded Monte-Carlo simulation of a POMG under a joint reactive profile.

Implements the timing of :mod:`sedtheory.games.markov` directly (observations drawn from the
state-only or the action-dependent kernels as given, *not* through the lifted state-observation
form), so it is an independent check of the exact evaluators. All randomness comes from an
explicit ``numpy.random.Generator`` or an integer seed; the same seed gives the same play.

Complexity: ``O(steps · episodes · (n + log nnz(T)))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sedtheory._validate import ValidationError, instance_of, positive_int
from sedtheory.evaluation.markov_evaluation import as_profile
from sedtheory.games.markov import POMG, state_index


def as_generator(seed) -> np.random.Generator:
    """An int seed or a Generator; anything else (``None`` included) is refused."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise ValidationError(f"seed: expected an int or numpy.random.Generator, got {seed!r}")


@dataclass(frozen=True, eq=False)
class Trajectory:
    """One simulated play of ``T`` steps.

    Attributes:
        states: ``(T + 1,)`` ``s_0, …, s_T`` (``s_T`` is where the next round starts).
        observations: ``(T, n)`` each agent's observation at each step.
        actions: ``(T, n)`` each agent's action.
        rewards: ``(T, n)`` rewards ``r(s_t, a_t)``.
    """

    states: np.ndarray
    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray

    @property
    def final_state(self) -> int:
        """``s_T``, the state the next round starts from."""
        return int(self.states[-1])


class _Sampler:
    """Vectorised categorical sampling for one game and profile."""

    def __init__(self, pomg: POMG, profile) -> None:
        self.pomg = pomg
        self.policy_cdf = [_cdf(np.asarray(p)) for p in profile]
        self.kernel_cdf = None if pomg.observations is None else [
            _cdf(np.asarray(b).reshape(pomg.n_states, -1, b.shape[-1])) for b in pomg.observations]
        # by the kernel's form, not its size: with one joint action a general kernel is (S, 1, O_i) too
        self.general = [] if pomg.observations is None else [b.ndim > 2 for b in pomg.observations]
        self.initial_cdf = None if pomg.initial_observations is None else [
            _cdf(np.asarray(b)) for b in pomg.initial_observations]
        csr = pomg.transitions
        rows = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
        within = np.cumsum(csr.data) - np.repeat(np.concatenate([[0.0], np.cumsum(csr.data)])[csr.indptr[:-1]],
                                                 np.diff(csr.indptr))
        self.keys = rows + np.minimum(within, 1.0)
        self.rewards = pomg.rewards.reshape(pomg.n_states, pomg.n_joint_actions, pomg.n_agents)

    def observe(self, rng, states, previous):
        """``(E, n)`` observations at ``states`` (``previous``: last joint actions or ``None``)."""
        if self.kernel_cdf is None:
            return np.repeat(states[:, None], self.pomg.n_agents, axis=1)
        out = np.empty((states.size, self.pomg.n_agents), dtype=int)
        for i, cdf in enumerate(self.kernel_cdf):
            if not self.general[i]:
                rows = cdf[states, 0]
            elif previous is None:
                rows = self.initial_cdf[i][states]
            else:
                rows = cdf[states, previous]
            out[:, i] = _draw(rng, rows)
        return out

    def step(self, rng, states, previous):
        """One step for ``E`` episodes: observations, actions, rewards, next states, joint actions."""
        observations = self.observe(rng, states, previous)
        actions = np.stack([_draw(rng, cdf[observations[:, i]]) for i, cdf in enumerate(self.policy_cdf)], axis=1)
        joint = np.ravel_multi_index(tuple(actions.T), self.pomg.n_actions)
        rewards = self.rewards[states, joint]
        row = states * self.pomg.n_joint_actions + joint
        index = np.searchsorted(self.keys, row + rng.random(states.size) * (1 - 1e-12), side="right")
        index = np.minimum(index, self.pomg.transitions.indptr[row + 1] - 1)
        return observations, actions, rewards, self.pomg.transitions.indices[index], joint


def _cdf(array: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(array, axis=-1)
    cdf[..., -1] = np.inf  # guards against rows summing to 1 - tol
    return cdf


def _draw(rng, cdf_rows: np.ndarray) -> np.ndarray:
    u = rng.random(cdf_rows.shape[0])
    return (u[:, None] >= cdf_rows).sum(axis=1)


def _initial_states(pomg: POMG, rng, count: int, initial_state) -> np.ndarray:
    if initial_state is not None:
        return np.full(count, state_index("initial_state", initial_state, pomg.n_states))
    return _draw(rng, np.broadcast_to(_cdf(np.asarray(pomg.initial_distribution)), (count, pomg.n_states)))


def simulate(pomg: POMG, profile, steps: int, seed, *, initial_state: int | None = None) -> Trajectory:
    """Play ``steps`` steps from ``s_0 ~ μ0`` (or ``initial_state``) with a seeded generator."""
    steps = positive_int("steps", steps)
    profile = as_profile(pomg, profile)
    rng = as_generator(seed)
    sampler = _Sampler(pomg, profile)
    states = [_initial_states(pomg, rng, 1, initial_state)]
    obs, acts, rews, previous = [], [], [], None
    for _ in range(steps):
        o, a, r, nxt, previous = sampler.step(rng, states[-1], previous)
        obs.append(o[0]), acts.append(a[0]), rews.append(r[0]), states.append(nxt)
    return Trajectory(np.concatenate(states), np.array(obs), np.array(acts), np.array(rews))


def sample_returns(pomg: POMG, profile, episodes: int, seed, *, length: int | None = None) -> np.ndarray:
    """Discounted returns ``(episodes, n)`` of independent seeded episodes.

    Episodes last the horizon ``H`` when there is one; otherwise ``length`` steps (required),
    which truncates the discounted sum: the bias is at most ``γ^length · max|r| / (1 - γ)``
    (see :func:`truncation_bias`).
    """
    episodes = positive_int("episodes", episodes)
    instance_of("pomg", pomg, POMG)
    if pomg.horizon is not None:
        length = pomg.horizon
    elif length is None:
        raise ValidationError("length: required for an infinite-horizon game (episodes are truncated)")
    length = positive_int("length", length)
    profile = as_profile(pomg, profile)
    rng = as_generator(seed)
    sampler = _Sampler(pomg, profile)
    states, previous = _initial_states(pomg, rng, episodes, None), None
    total = np.zeros((episodes, pomg.n_agents))
    for t in range(length):
        _, _, rewards, states, previous = sampler.step(rng, states, previous)
        total += pomg.gamma**t * rewards
    return total


def truncation_bias(pomg: POMG, length: int) -> float:
    """Upper bound ``γ^length · max|r| / (1 - γ)`` on the bias of truncated discounted returns."""
    instance_of("pomg", pomg, POMG)
    length = positive_int("length", length)
    if pomg.horizon is not None:
        return 0.0
    return float(pomg.gamma**length * np.abs(pomg.rewards).max() / (1.0 - pomg.gamma))
