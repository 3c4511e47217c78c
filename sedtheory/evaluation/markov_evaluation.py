"""Exact evaluation of a joint reactive policy in a tabular POMG.

A joint reactive profile ``π = (π_1, …, π_n)`` (each ``(O_i, A_i)``) turns a POMG into a
Markov reward process. With state-only observation kernels (every game is brought to that form
by :meth:`POMG.state_observation_form`, which lifts the state to ``(s_t, a_{t-1})``), the
joint action distribution at state ``s`` is

    w(a | s) = Π_i Σ_o B_i(o | s) π_i(a_i | o),

so the chain lives on the states: ``P_π(s' | s) = Σ_a w(a | s) T(s' | s, a)`` and
``r_π(s) = Σ_a w(a | s) r(s, a)``. Then (Puterman 1994, Thm 6.1.1 and Sec. 4.2)

* discounted: ``V = (I - γ P_π)^{-1} r_π``, solved by dense LU up to :data:`DIRECT_LIMIT`
  states, beyond by BiCGSTAB (GMRES if it stalls, sparse LU if both miss the bound);
  every answer is checked: since ``P_π`` is row-stochastic, ``‖V - V*‖_∞ ≤ ‖residual‖_∞ / (1 - γ)``
  and this bound must be ``≤ tol · max(1, ‖r_π‖_∞ / (1 - γ))``;
* finite horizon ``H``: backward recursion ``V_H = 0``, ``V_t = r_π + γ P_π V_{t+1}``.

The game's returns are ``μ0 · V``.

Complexity: building the chain is ``O(nnz(T) + S |A| n)``; the discounted solve is
``O(S^3)`` dense (``S ≤ DIRECT_LIMIT = 200``) or ``O(k · nnz(P_π))`` for ``k`` Krylov
iterations (about 20 for γ = 0.95 on the benchmark games); the finite-horizon recursion is
``O(H · nnz(P_π) · n)``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from sedtheory._validate import DEFAULT_TOL, ValidationError, finite_array, instance_of
from sedtheory.games.markov import POMG, check_profile
from sedtheory.games.stackelberg import LeaderRewardUtility, StackelbergMarkovGame
from sedtheory.games.strategies import StrategyProfile

DIRECT_LIMIT = 200
"""Chains with at most this many states are solved by dense LU; larger ones iteratively."""


class NumericalError(ArithmeticError):
    """Raised when a linear solve cannot meet its residual check (should not happen for γ < 1)."""


def as_profile(pomg: POMG, profile) -> StrategyProfile:
    """Validate ``pomg`` and ``profile`` (a :class:`StrategyProfile` or a sequence of ``(O_i, A_i)`` arrays)."""
    instance_of("pomg", pomg, POMG)
    if not isinstance(profile, StrategyProfile):
        profile = StrategyProfile(tuple(profile))
    check_profile(pomg, profile)
    return profile


def state_policies(pomg: POMG, profile: StrategyProfile) -> list[np.ndarray]:
    """Per-agent state-conditional action distributions ``ρ_i(a | s) = Σ_o B_i(o|s) π_i(a|o)``.

    ``pomg`` must have state-only kernels (or be fully observed). Returns ``(S, A_i)`` arrays.
    """
    if pomg.action_dependent_observations:
        raise ValidationError("pomg: state_policies needs state-only observation kernels; use state_observation_form()")
    if pomg.fully_observed:
        return [np.asarray(policy) for policy in profile]
    return [kernel @ policy for kernel, policy in zip(pomg.observations, profile)]


def joint_action_weights(policies: list[np.ndarray]) -> np.ndarray:
    """``(S, |A|)`` product distribution over flattened joint actions (C order)."""
    weights = policies[0]
    for policy in policies[1:]:
        weights = (weights[:, :, None] * policy[:, None, :]).reshape(weights.shape[0], -1)
    return weights


def chain_matrix(transitions: sp.csr_array, weights: np.ndarray) -> sp.csr_array:
    """``P(s' | s) = Σ_a w(a | s) T(s' | s, a)`` as a sparse ``(S, S)`` matrix.

    Args:
        transitions: ``(S * |A|, S)`` CSR.
        weights: ``(S, |A|)`` action weights (rows need not sum to one).
    """
    n_states, n_joint = weights.shape
    weighted = sp.csr_array(sp.diags_array(weights.ravel()) @ transitions)
    rows = np.repeat(np.arange(n_states), n_joint)
    aggregate = sp.csr_array((np.ones(n_states * n_joint), (rows, np.arange(n_states * n_joint))),
                             shape=(n_states, n_states * n_joint))
    return sp.csr_array(aggregate @ weighted)


def _lift_reward_array(pomg: POMG, rewards: np.ndarray) -> np.ndarray:
    flat = rewards.reshape(pomg.n_states, pomg.n_joint_actions, -1)
    return np.repeat(flat, pomg.n_joint_actions + 1, axis=0)


def _reward_columns(pomg: POMG, rewards) -> np.ndarray:
    """``(S, |A|, k)`` reward columns: the agents' rewards, or a caller's ``(S, *A)``/``(S, *A, k)`` array."""
    if rewards is None:
        return pomg.rewards.reshape(pomg.n_states, pomg.n_joint_actions, pomg.n_agents)
    array = finite_array("rewards", rewards)
    if array.shape == (pomg.n_states, *pomg.n_actions):
        array = array[..., None]
    if array.shape[:-1] != (pomg.n_states, *pomg.n_actions):
        raise ValidationError(
            f"rewards: expected shape {(pomg.n_states, *pomg.n_actions)} or with a trailing axis, got {array.shape}"
        )
    return array.reshape(pomg.n_states, pomg.n_joint_actions, -1)


def markov_reward_process(pomg: POMG, profile, rewards=None) -> tuple[POMG, sp.csr_array, np.ndarray]:
    """The chain induced by ``profile``: ``(game in state-observation form, P_π (S', S'), r_π (S', k))``.

    ``S'`` is the number of states of :meth:`POMG.state_observation_form` (``S`` unless some
    kernel is action-dependent). ``rewards`` defaults to the agents' own rewards (``k = n``).
    """
    profile = as_profile(pomg, profile)
    columns = _reward_columns(pomg, rewards)
    game = pomg.state_observation_form()
    if game is not pomg:
        columns = _lift_reward_array(pomg, columns)
    weights = joint_action_weights(state_policies(game, profile))
    reward = np.einsum("sa,sak->sk", weights, columns)
    return game, chain_matrix(game.transitions, weights), reward


def solve_discounted(matrix: sp.csr_array, reward: np.ndarray, gamma: float, tol: float = DEFAULT_TOL) -> np.ndarray:
    """Solve ``(I - γ P) V = r`` for a row-stochastic ``P`` and check the residual.

    Args:
        matrix: ``(S, S)`` sparse row-stochastic matrix.
        reward: ``(S, k)``.
    Returns:
        ``(S, k)`` values whose error is provably at most ``tol · max(1, ‖r‖_∞ / (1 - γ))``.
    Raises:
        NumericalError: when neither the Krylov solvers nor sparse LU meet the bound.
    """
    n = matrix.shape[0]
    scale = max(1.0, float(np.abs(reward).max(initial=0.0)) / (1.0 - gamma))
    if n <= DIRECT_LIMIT:
        system = np.eye(n) - gamma * matrix.toarray()
        values = np.linalg.solve(system, reward)
        bound = _error_bound(system, values, reward, gamma)
        if bound > tol * scale:
            raise NumericalError(f"linear solve: error bound {bound:.3g} exceeds {tol * scale:.3g}")
        return values
    system = sp.csr_array(sp.eye_array(n, format="csr") - gamma * matrix)
    values = _krylov_columns(system, reward, tol * (1.0 - gamma) * scale)
    if _error_bound(system, values, reward, gamma) > tol * scale:
        values = np.asarray(spla.spsolve(system.tocsc(), reward)).reshape(reward.shape)
    bound = _error_bound(system, values, reward, gamma)
    if bound > tol * scale:
        raise NumericalError(f"linear solve: error bound {bound:.3g} exceeds {tol * scale:.3g}")
    return values


def _error_bound(system, values, reward, gamma) -> float:
    residual = system @ values - reward
    return float(np.abs(residual).max(initial=0.0)) / (1.0 - gamma)


def _krylov_columns(system, reward: np.ndarray, atol: float) -> np.ndarray:
    """BiCGSTAB per column (van der Vorst 1992), GMRES(50) where it stalls; ``x0 = r``."""
    out = np.empty_like(reward, dtype=float)
    for k in range(reward.shape[1]):
        column, info = spla.bicgstab(system, reward[:, k], x0=reward[:, k], rtol=0.0, atol=0.1 * atol, maxiter=2000)
        if info != 0:
            column, _ = spla.gmres(system, reward[:, k], x0=reward[:, k], rtol=0.0, atol=0.1 * atol,
                                   restart=50, maxiter=200)
        out[:, k] = column
    return out


def backward_recursion(matrix: sp.csr_array, reward: np.ndarray, gamma: float, horizon: int) -> np.ndarray:
    """``V_0`` of ``V_H = 0``, ``V_t = r + γ P V_{t+1}`` (finite-horizon values, ``(S, k)``)."""
    values = np.zeros_like(reward, dtype=float)
    for _ in range(horizon):
        values = reward + gamma * (matrix @ values)
    return values


def _lifted_values(pomg: POMG, profile, rewards, tol: float) -> tuple[POMG, np.ndarray]:
    """``(game in state-observation form, its (S', k) state values)``; the lift is built once."""
    game, matrix, reward = markov_reward_process(pomg, profile, rewards)
    if game.horizon is not None:
        return game, backward_recursion(matrix, reward, game.gamma, game.horizon)
    return game, solve_discounted(matrix, reward, game.gamma, tol)


def state_values(pomg: POMG, profile, rewards=None, *, tol: float = DEFAULT_TOL) -> np.ndarray:
    """Exact values ``(S', k)`` of every (lifted) state under ``profile``; see :func:`markov_reward_process`."""
    return _lifted_values(pomg, profile, rewards, tol)[1]


def evaluate(pomg: POMG, profile, rewards=None, *, tol: float = DEFAULT_TOL) -> np.ndarray:
    """Exact expected returns ``(n,)`` of the agents under a joint reactive profile.

    Args:
        pomg: the game.
        profile: :class:`StrategyProfile` (or sequence) of ``(O_i, A_i)`` policies.
        rewards: optional other reward array ``(S, A_1, …, A_n)`` or ``(S, A_1, …, A_n, k)``
            to evaluate instead of the agents' rewards (e.g. a leader reward); then ``(k,)``.
        tol: accuracy of the discounted linear solve (checked, see :func:`solve_discounted`).

    Returns:
        ``μ0 · V``: the expected discounted (or finite-horizon) return of each reward column.

    Complexity: see the module docstring.
    """
    game, values = _lifted_values(pomg, profile, rewards, tol)
    return game.initial_distribution @ values


def leader_value(game, phi, profile, *, pomg: POMG | None = None, tol: float = DEFAULT_TOL) -> float:
    """``u_0(φ, π)`` of a :class:`~sedtheory.games.stackelberg.StackelbergMarkovGame`, exactly.

    Args:
        game: the Stackelberg–Markov game.
        phi: the commitment ``(m,)``.
        profile: the followers' joint reactive profile in ``M^φ``.
        pomg: ``M^φ`` if already built (saves a call to the implementation map).

    Welfare utilities apply the welfare functional to :func:`evaluate`'s returns; leader-reward
    utilities evaluate the leader's reward column along the same chain.
    """
    instance_of("game", game, StackelbergMarkovGame)
    pomg = game.induced(phi) if pomg is None else pomg
    utility = game.leader_utility
    if isinstance(utility, LeaderRewardUtility):
        reward = utility.array(np.atleast_1d(np.asarray(phi, dtype=float)), pomg)
        return float(evaluate(pomg, profile, reward, tol=tol)[0])
    return utility.of_returns(evaluate(pomg, profile, tol=tol))
