"""Exact best responses in tabular POMGs, over the paper's policy class π_i: Ω_i → A_i.

Fixing the other agents' reactive policies leaves agent ``i`` a single-agent problem on the
augmented state ``x = (s, o_i)`` (``x = s`` when fully observed) whose observation ``o_i`` is a
function of ``x``:

    K((x, a_i), x') = Σ_{a_-i} w_-i(a_-i | s) T(s' | s, a) B_i(o'_i | s'),
    R(x, a_i)       = Σ_{a_-i} w_-i(a_-i | s) r_i(s, a).

Two exact methods:

* **MDP case** (discounted, and the observation identifies ``x``, e.g. fully observed):
  Howard's policy iteration (Puterman 1994, Sec. 6.4) with checked linear solves; a state
  switches action only for a Q-gain above ``tol (1 - γ) c / 4`` (``c`` = :func:`value_scale`),
  and at the stop the bound ``(Bellman gain + solve residual) / (1 - γ) ≤ tol · c`` on the
  distance to the optimum is checked (the Bellman operator is a monotone γ-contraction,
  Puterman 1994, Sec. 6.2; see :func:`relaxed_optimum`). The optimum over deterministic stationary policies is optimal over
  *all* (history-dependent, randomised) policies (Puterman Thm 6.2.10).
* **Reactive case** (partially observed, or a finite horizon, where Π_i — stationary maps
  Ω_i → A_i — is a restricted class): depth-first branch-and-bound over the
  ``A_i^{|Ω_i|}`` deterministic reactive policies. A node fixes the actions of some
  observations; its bound is an upper bound on the optimal value of the relaxation in which
  the agent chooses freely (per augmented state, and per step with a horizon) at the other
  observations (policy iteration's value plus its Bellman gain over ``1 - γ``, or backward
  induction's exact value). Every completion is feasible for the relaxation, so pruning nodes
  whose bound does not beat the incumbent (by more than ``tol``) is exact (Littman 1994,
  "Memoryless policies", shows the problem is NP-hard, hence enumeration). Refused, with
  :class:`ProblemTooLargeError`, when ``A_i^{|Ω_i|} > max_policies``.

  Note: with partial observability the best *stochastic* reactive policy can beat every
  deterministic one (Singh, Jaakkola & Jordan 1994); the best response here is over the
  deterministic reactive policies, as in the paper (π_i: Ω → A) and DESIGN.md.

Complexity: building the agent problem ``O(nnz(T) + S |A|)``; policy iteration
``O(iterations · X^3)`` dense (``X ≤ 200``) or ``O(iterations · Krylov solve)``; branch-and-bound
``O(nodes · policy iteration)`` with ``nodes ≤ 2 A_i^{|Ω_i|}`` in the worst case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from sedtheory._validate import DEFAULT_TOL, ValidationError
from sedtheory.evaluation.markov_evaluation import (
    NumericalError,
    as_profile,
    backward_recursion,
    joint_action_weights,
    solve_discounted,
    state_policies,
)
from sedtheory.games.markov import POMG

MAX_POLICIES = 2**16
"""Default refusal threshold on ``A_i^{|Ω_i|}`` for enumeration / branch-and-bound."""


class ProblemTooLargeError(ValidationError):
    """Raised when an exact enumeration would exceed its documented size limit."""


@dataclass(frozen=True)
class AgentProblem:
    """Agent ``i``'s single-agent problem against fixed others (see module docstring).

    Attributes:
        kernel: ``(X * A_i, X)`` CSR, row ``x * A_i + a``.
        reward: ``(X, A_i)``.
        observation: ``(X,)`` the agent's observation at each augmented state.
        initial: ``(X,)`` initial distribution over augmented states.
        n_observations, n_actions: ``O_i`` and ``A_i``.
        gamma, horizon: as in the game.
    """

    kernel: sp.csr_array
    reward: np.ndarray
    observation: np.ndarray
    initial: np.ndarray
    n_observations: int
    n_actions: int
    gamma: float
    horizon: int | None

    @property
    def n_augmented(self) -> int:
        """``X``, the number of augmented states."""
        return int(self.reward.shape[0])

    @property
    def is_mdp(self) -> bool:
        """Discounted and each observation occurs at one augmented state at most."""
        return self.horizon is None and np.unique(self.observation).size == self.observation.size

    def possible_observations(self) -> np.ndarray:
        """Observations that occur at some augmented state (the others never matter)."""
        return np.unique(self.observation)


def agent_problem(pomg: POMG, profile, agent: int) -> AgentProblem:
    """Build :class:`AgentProblem` for ``agent`` against ``profile`` (its own policy is ignored)."""
    profile = as_profile(pomg, profile)
    integral = isinstance(agent, (int, np.integer)) and not isinstance(agent, (bool, np.bool_))
    if not integral or not 0 <= agent < pomg.n_agents:
        raise ValidationError(f"agent: expected an agent index in 0..{pomg.n_agents - 1}, got {agent!r}")
    game = pomg.state_observation_form()
    policies = state_policies(game, profile)
    policies[agent] = np.ones_like(policies[agent])  # marginal over a_i stays per-row
    weights = joint_action_weights(policies)
    transitions, reward = _aggregate_over_others(game, weights, agent)
    if game.fully_observed:
        observation = np.arange(game.n_states)
        return AgentProblem(transitions, reward, observation, np.asarray(game.initial_distribution),
                            game.n_states, game.n_actions[agent], game.gamma, game.horizon)
    return _augment_with_observation(game, agent, transitions, reward)


def _aggregate_over_others(game: POMG, weights: np.ndarray, agent: int):
    n_states, n_joint, n_own = game.n_states, game.n_joint_actions, game.n_actions[agent]
    own = np.unravel_index(np.arange(n_joint), game.n_actions)[agent]
    rows = (np.arange(n_states)[:, None] * n_own + own[None, :]).ravel()
    aggregate = sp.csr_array((weights.ravel(), (rows, np.arange(n_states * n_joint))),
                             shape=(n_states * n_own, n_states * n_joint))
    transitions = sp.csr_array(aggregate @ game.transitions)
    flat = game.rewards[..., agent].reshape(n_states, n_joint) * weights
    reward = np.zeros((n_states, n_own))
    np.add.at(reward, (slice(None), own), flat)
    return transitions, reward


def _augment_with_observation(game: POMG, agent: int, transitions: sp.csr_array, reward: np.ndarray) -> AgentProblem:
    kernel = np.asarray(game.observations[agent])
    states, observations = np.nonzero(kernel > 0)
    probabilities = kernel[states, observations]
    n_aug, n_own = states.size, game.n_actions[agent]
    emit = sp.csr_array((probabilities, (states, np.arange(n_aug))), shape=(game.n_states, n_aug))
    rows = (np.arange(n_aug)[:, None] * n_own + np.arange(n_own)[None, :]).ravel()
    cols = (states[:, None] * n_own + np.arange(n_own)[None, :]).ravel()
    replicate = sp.csr_array((np.ones(rows.size), (rows, cols)), shape=(n_aug * n_own, game.n_states * n_own))
    augmented = sp.csr_array(replicate @ (transitions @ emit))
    initial = np.asarray(game.initial_distribution)[states] * probabilities
    return AgentProblem(augmented, reward[states], observations, initial, kernel.shape[1], n_own,
                        game.gamma, game.horizon)


# ---------------------------------------------------------------------------------- kernels
def _chain(problem: AgentProblem, actions_per_state: np.ndarray):
    rows = np.arange(problem.n_augmented) * problem.n_actions + actions_per_state
    return problem.kernel[rows], problem.reward[np.arange(problem.n_augmented), actions_per_state]


def policy_value(problem: AgentProblem, actions: np.ndarray, tol: float = DEFAULT_TOL) -> float:
    """Exact value of the deterministic reactive policy ``actions`` ``(O_i,)`` (ints)."""
    matrix, reward = _chain(problem, np.asarray(actions)[problem.observation])
    if problem.horizon is None:
        values = solve_discounted(matrix, reward[:, None], problem.gamma, tol)[:, 0]
    else:
        values = backward_recursion(matrix, reward[:, None], problem.gamma, problem.horizon)[:, 0]
    return float(problem.initial @ values)


def _q_values(problem: AgentProblem, values: np.ndarray) -> np.ndarray:
    return problem.reward + problem.gamma * (problem.kernel @ values).reshape(problem.n_augmented, problem.n_actions)


def _allowed(problem: AgentProblem, fixed: np.ndarray) -> np.ndarray:
    """``(X, A_i)`` mask: where the observation is fixed, only its action is allowed."""
    mask = np.ones((problem.n_augmented, problem.n_actions), dtype=bool)
    pinned = fixed[problem.observation]
    rows = np.flatnonzero(pinned >= 0)
    mask[rows] = False
    mask[rows, pinned[rows]] = True
    return mask


class Relaxation(NamedTuple):
    """The solved relaxation of a branch-and-bound node (or the whole MDP when nothing is pinned).

    Attributes:
        value: ``μ0 · V`` of the returned per-state policy (the computed ``V``).
        actions: ``(X,)`` its action at each augmented state (step 0's with a horizon).
        bellman_residual: ``d = max(0, max_x (B V - V)(x))``, ``B`` the masked Bellman operator.
        upper_bound: ``value + d / (1 - γ)``, a valid upper bound on the relaxed optimum
            (``B`` is monotone and a γ-contraction, so ``V* ≤ V + d / (1 - γ)``); ``value``
            with a horizon (backward induction is exact).
        suboptimality_bound: ``(d + ‖T_π V - V‖_∞) / (1 - γ)``, a bound on
            ``V*(x) - V^π(x)`` at every state; ``0`` with a horizon.
        iterations: policy-iteration steps (``horizon`` with a horizon).
    """

    value: float
    actions: np.ndarray
    bellman_residual: float
    upper_bound: float
    suboptimality_bound: float
    iterations: int


def value_scale(problem: AgentProblem) -> float:
    """``max(1, ‖R‖_∞ / (1 - γ))`` (discounted) or ``max(1, H ‖R‖_∞)``: the scale of the values.

    Accuracies of this module are ``tol`` times this scale.
    """
    largest = float(np.abs(problem.reward).max(initial=0.0))
    if problem.horizon is not None:
        return max(1.0, problem.horizon * largest)
    return max(1.0, largest / (1.0 - problem.gamma))


def relaxed_optimum(problem: AgentProblem, fixed: np.ndarray, tol: float = DEFAULT_TOL,
                    start=None) -> Relaxation:
    """Optimum over per-state policies when observations with ``fixed[o] >= 0`` are pinned.

    Discounted: Howard's policy iteration (Puterman 1994, Sec. 6.4). With ``c = value_scale``,
    each evaluation is solved to ``tol·c / 4`` and a state switches action only when its
    Q-value beats the current one by ``θ = tol (1 - γ) c / 4``. At the stop every masked
    Bellman gain is at most ``θ`` plus the solve residual, so the policy is within
    ``(θ + 2 ‖residual‖) / (1 - γ) ≤ 3/4 · tol · c`` of the relaxed optimum, and this bound is
    checked on the computed values (a threshold on gains that ignored ``1 - γ`` could stop
    ``tol·|V| / (1 - γ)`` short, e.g. 0.01 at γ = 0.999). Finite horizon: backward induction
    over non-stationary per-state choices (exact). ``start`` warm-starts policy iteration.

    Raises:
        NumericalError: the checked suboptimality bound exceeds ``tol · c``, or no convergence.
    """
    mask = _allowed(problem, fixed)
    if problem.horizon is not None:
        return _backward_induction(problem, mask)
    scale, gamma = value_scale(problem), problem.gamma
    threshold = 0.25 * tol * (1.0 - gamma) * scale
    actions = np.argmax(mask, axis=1)
    if start is not None:
        actions = np.where(mask[np.arange(mask.shape[0]), start], start, actions)
    for iteration in range(1, 10_001):
        matrix, reward = _chain(problem, actions)
        values = solve_discounted(matrix, reward[:, None], gamma, 0.25 * tol)[:, 0]
        q = np.where(mask, _q_values(problem, values), -np.inf)
        current = q[np.arange(q.shape[0]), actions]
        improve = q.max(axis=1) > current + threshold
        if not improve.any():
            return _checked_relaxation(problem, q, values, actions, matrix @ values, reward, tol * scale, iteration)
        actions = np.where(improve, q.argmax(axis=1), actions)
    raise NumericalError("policy iteration did not converge in 10000 iterations")


def _checked_relaxation(problem, q, values, actions, successor, reward, accuracy, iterations) -> Relaxation:
    """The bounds of :class:`Relaxation` from the final evaluation; refuse when above ``accuracy``."""
    gamma = problem.gamma
    gain = max(0.0, float((q.max(axis=1) - values).max(initial=0.0)))
    residual = float(np.abs(reward + gamma * successor - values).max(initial=0.0))
    suboptimality = (gain + residual) / (1.0 - gamma)
    if suboptimality > accuracy:
        raise NumericalError(f"policy iteration: suboptimality bound {suboptimality:.3g} exceeds {accuracy:.3g}")
    value = float(problem.initial @ values)
    return Relaxation(value, actions, gain, value + gain / (1.0 - gamma), suboptimality, iterations)


def _backward_induction(problem: AgentProblem, mask: np.ndarray) -> Relaxation:
    values = np.zeros(problem.n_augmented)
    actions = np.zeros(problem.n_augmented, dtype=int)
    for _ in range(problem.horizon):
        q = np.where(mask, _q_values(problem, values), -np.inf)
        actions = q.argmax(axis=1)
        values = q.max(axis=1)
    value = float(problem.initial @ values)
    return Relaxation(value, actions, 0.0, value, 0.0, problem.horizon)


# --------------------------------------------------------------------------- result record
@dataclass(frozen=True)
class BestResponse:
    """An exact best response of one agent.

    Attributes:
        agent: index of the responding agent.
        value: its optimal return.
        actions: ``(O_i,)`` the action taken at each observation (observations that never
            occur get action 0).
        policy: ``(O_i, A_i)`` one-hot version of ``actions``.
        method: the algorithm used.
        policy_class: the class the optimum is over.
        details: what is needed to re-check it. Policy iteration: ``bellman_residual`` (largest
            Bellman gain at the computed values), ``suboptimality_bound`` (checked ``≤ tol ·
            value_scale``) and ``iterations``. Branch-and-bound: ``nodes``, ``leaves``,
            ``policies`` (the enumerated count) and ``root_bound`` (an upper bound on the value).
    """

    agent: int
    value: float
    actions: np.ndarray
    policy: np.ndarray
    method: str
    policy_class: str
    details: dict[str, Any] = field(default_factory=dict)


POLICY_ITERATION = "policy iteration (Howard 1960; Puterman 1994, Sec. 6.4)"
BRANCH_AND_BOUND = "branch-and-bound over deterministic reactive policies (bound: full-information relaxation)"


def best_response(pomg: POMG, profile, agent: int, *, max_policies: int = MAX_POLICIES,
                  tol: float = DEFAULT_TOL) -> BestResponse:
    """Exact best response of ``agent`` to the others' policies in ``profile``.

    Args:
        pomg: the game.
        profile: joint reactive profile; ``agent``'s own entry is ignored.
        agent: 0-based agent index.
        max_policies: refusal threshold for the reactive (enumeration) case.
        tol: numerical tolerance.

    Returns:
        :class:`BestResponse`. In the MDP case the value is optimal over all policies; otherwise
        it is optimal over the deterministic reactive (stationary, memoryless) policies.

    Raises:
        ProblemTooLargeError: reactive case with ``A_i^{|Ω_i|} > max_policies``.
    """
    problem = agent_problem(pomg, profile, agent)
    if problem.is_mdp:
        return _mdp_best_response(problem, agent, tol)
    best: list = []
    stats = _search(problem, lambda: best[-1][1] if best else -np.inf, best.append, max_policies, tol, keep_best=True)
    actions, value = best[-1]
    return _record(problem, agent, actions, value, BRANCH_AND_BOUND, "deterministic reactive policies", stats)


def _mdp_best_response(problem: AgentProblem, agent: int, tol: float) -> BestResponse:
    relaxation = relaxed_optimum(problem, -np.ones(problem.n_observations, dtype=int), tol)
    actions = np.zeros(problem.n_observations, dtype=int)
    actions[problem.observation] = relaxation.actions
    return _record(problem, agent, actions, relaxation.value, POLICY_ITERATION,
                   "all policies (a deterministic stationary optimum exists)",
                   {"bellman_residual": relaxation.bellman_residual,
                    "suboptimality_bound": relaxation.suboptimality_bound, "iterations": relaxation.iterations})


def _record(problem, agent, actions, value, method, policy_class, details) -> BestResponse:
    actions = np.asarray(actions, dtype=int)
    policy = np.eye(problem.n_actions)[actions]
    return BestResponse(agent, float(value), actions, policy, method, policy_class, dict(details))


def count_policies(problem: AgentProblem) -> int:
    """``A_i^{k}`` with ``k`` the number of possible observations (Python int, exact)."""
    return int(problem.n_actions) ** int(problem.possible_observations().size)


def _search(problem: AgentProblem, threshold, accept, max_policies: int, tol: float, *, keep_best: bool) -> dict:
    """Depth-first branch-and-bound; calls ``accept((actions, value))`` on each accepted leaf.

    ``threshold()`` is the value a leaf must reach (``keep_best``: strictly beat, else reach
    within ``tol``); a node whose bound cannot reach it is pruned.
    """
    total = count_policies(problem)
    if total > max_policies:
        raise ProblemTooLargeError(
            f"agent problem: {problem.n_actions}^{problem.possible_observations().size} = {total} deterministic "
            f"reactive policies exceed max_policies={max_policies}"
        )
    order = problem.possible_observations()
    stats = {"nodes": 0, "leaves": 0, "policies": total}
    fixed = -np.ones(problem.n_observations, dtype=int)
    fixed[np.setdiff1d(np.arange(problem.n_observations), order)] = 0
    stats["root_bound"] = relaxed_optimum(problem, -np.ones(problem.n_observations, dtype=int), tol).upper_bound
    _descend(problem, fixed, order, 0, threshold, accept, tol, keep_best, stats, None)
    return stats


def _descend(problem, fixed, order, depth, threshold, accept, tol, keep_best, stats, start) -> None:
    stats["nodes"] += 1
    relaxation = relaxed_optimum(problem, fixed, tol, start)
    bound, per_state = relaxation.upper_bound, relaxation.actions
    slack = tol * max(1.0, abs(bound))
    if (keep_best and bound <= threshold() + slack) or (not keep_best and bound < threshold() - slack):
        return
    if depth == order.size:
        stats["leaves"] += 1
        value = policy_value(problem, fixed, tol)  # with a horizon the bound was non-stationary
        if (keep_best and value > threshold() + slack) or (not keep_best and value >= threshold() - slack):
            accept((fixed.copy(), value))
        return
    observation = order[depth]
    for action in _preferred_actions(problem, per_state, observation):
        fixed[observation] = action
        _descend(problem, fixed, order, depth + 1, threshold, accept, tol, keep_best, stats, per_state)
    fixed[observation] = -1


def _preferred_actions(problem: AgentProblem, per_state: np.ndarray, observation: int) -> list[int]:
    """Actions for ``observation``, most-used by the relaxed solution first (good incumbents early)."""
    states = np.flatnonzero(problem.observation == observation)
    counts = np.bincount(per_state[states], weights=problem.initial[states] + 1e-9, minlength=problem.n_actions)
    return [int(a) for a in np.argsort(-counts, kind="stable")]


def policies_within(pomg: POMG, profile, agent: int, threshold: float, *, max_policies: int = MAX_POLICIES,
                    tol: float = DEFAULT_TOL) -> list[tuple[np.ndarray, float]]:
    """All deterministic reactive policies of ``agent`` whose value is ``>= threshold - tol``.

    Observations that never occur are fixed to action 0 (policies differing only there are
    identical in play). Branch-and-bound prunes subtrees whose relaxed bound is below the
    threshold. Returns ``[(actions (O_i,), value), ...]`` in search order.
    """
    problem = agent_problem(pomg, profile, agent)
    found: list = []
    _search(problem, lambda: threshold, found.append, max_policies, tol, keep_best=False)
    return found
