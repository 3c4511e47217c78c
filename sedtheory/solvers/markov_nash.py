"""All pure (deterministic reactive) δ-Nash equilibria of a small POMG, by enumeration.

A joint profile of deterministic reactive policies π = (π_1, …, π_n) is a δ-Nash equilibrium
when every agent's best-response gain is at most δ (Definition 2.3's joint δ-best-response
correspondence, with Π_i the deterministic reactive policies). Algorithm:

1. enumerate the profiles π_-1 of agents 2..n (each over its possible observations; actions
   at observations that never occur are fixed to 0);
2. for each, list agent 1's δ-best responses with the branch-and-bound of
   :mod:`sedtheory.evaluation.markov_best_response` (subtrees whose relaxed bound is below
   ``BR_1 - δ`` are pruned — this is the pruning that avoids ``Π_j |Π_j|`` evaluations);
3. keep a candidate when every agent's exact best-response gain is ``≤ δ + tol``
   (best-response values are cached per agent and opponent profile; agent 1's is the one
   of step 2).

Complexity: ``Π_{j≥2} A_j^{|Ω_j|}`` branch-and-bound runs for agent 1 plus ``n - 1`` best
responses per candidate. Refused with :class:`ProblemTooLargeError` above ``max_profiles``
outer profiles (default 10^4) or ``max_policies`` per agent.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from sedtheory._validate import DEFAULT_TOL, instance_of, nonnegative_scalar
from sedtheory.evaluation.markov_best_response import (
    MAX_POLICIES,
    ProblemTooLargeError,
    agent_problem,
    best_response,
    count_policies,
    policies_within,
)
from sedtheory.evaluation.markov_evaluation import evaluate
from sedtheory.games.markov import POMG, uniform_policy
from sedtheory.games.strategies import StrategyProfile

MAX_PROFILES = 10**4
"""Default refusal threshold on the number of opponent profiles enumerated (step 1)."""


@dataclass(frozen=True, eq=False)
class MarkovEquilibrium:
    """A pure δ-Nash equilibrium of a POMG.

    Attributes:
        actions: one ``(O_i,)`` int array per agent (the action at each observation).
        profile: the same as a :class:`StrategyProfile` of one-hot ``(O_i, A_i)`` policies.
        values: ``(n,)`` exact returns.
        gaps: ``(n,)`` best-response gains (each ``≤ δ + tol``).
    """

    actions: tuple
    profile: StrategyProfile
    values: np.ndarray
    gaps: np.ndarray


def possible_policies(pomg: POMG, agent: int) -> list[np.ndarray]:
    """Agent ``agent``'s deterministic reactive policies over its possible observations.

    Actions at observations that never occur are 0. Returns ``(O_i,)`` int arrays.
    """
    dummy = [uniform_policy(o, a) for o, a in pomg.policy_shapes]
    problem = agent_problem(pomg, dummy, agent)
    possible = problem.possible_observations()
    out = []
    for choice in itertools.product(range(problem.n_actions), repeat=possible.size):
        actions = np.zeros(problem.n_observations, dtype=int)
        actions[possible] = choice
        out.append(actions)
    return out


def pure_nash_equilibria(pomg: POMG, delta: float = 0.0, *, max_profiles: int = MAX_PROFILES,
                         max_policies: int = MAX_POLICIES, tol: float = DEFAULT_TOL) -> list[MarkovEquilibrium]:
    """Every pure δ-Nash equilibrium of ``pomg`` (see the module docstring).

    Args:
        pomg: the game.
        delta: the follower tolerance δ ``>= 0``.
        max_profiles: refusal threshold on opponent profiles of agent 1.
        max_policies: refusal threshold per agent for branch-and-bound.
        tol: numerical tolerance of the gap test.

    Returns:
        The equilibria in enumeration order (possibly empty).
    """
    instance_of("pomg", pomg, POMG)
    delta = nonnegative_scalar("delta", delta)
    _check_sizes(pomg, max_profiles, max_policies)
    others = [possible_policies(pomg, j) for j in range(1, pomg.n_agents)]
    cache: dict = {}
    found = []
    placeholder = uniform_policy(*pomg.policy_shapes[0])
    for rest in itertools.product(*others):
        opponents = (np.eye(pomg.n_actions[j])[a] for j, a in enumerate(rest, start=1))
        profile = StrategyProfile((placeholder, *opponents))
        best = best_response(pomg, profile, 0, max_policies=max_policies, tol=tol).value
        cache[_cache_key(0, (None, *rest))] = best  # agent 1's best response to these opponents
        for first, _ in policies_within(pomg, profile, 0, best - delta, max_policies=max_policies, tol=tol):
            candidate = _check_candidate(pomg, (first, *rest), delta, cache, max_policies, tol)
            if candidate is not None:
                found.append(candidate)
    return found


def _check_sizes(pomg: POMG, max_profiles: int, max_policies: int) -> None:
    """Refuse before enumerating: opponent profiles of agent 1, and each agent's policy count."""
    dummy = [uniform_policy(o, a) for o, a in pomg.policy_shapes]
    counts = [count_policies(agent_problem(pomg, dummy, j)) for j in range(pomg.n_agents)]
    for agent, count in enumerate(counts):
        if count > max_policies:
            raise ProblemTooLargeError(
                f"agent {agent}: {count} deterministic reactive policies exceed max_policies={max_policies}")
    size = int(np.prod(counts[1:], dtype=object)) if pomg.n_agents > 1 else 1
    if size > max_profiles:
        raise ProblemTooLargeError(f"pomg: {size} opponent profiles to enumerate exceed max_profiles={max_profiles}")


def _cache_key(agent: int, actions) -> tuple:
    """Best-response values depend on the agent and the others' actions only."""
    return (agent,) + tuple(a.tobytes() for j, a in enumerate(actions) if j != agent)


def _check_candidate(pomg, actions, delta, cache, max_policies, tol) -> MarkovEquilibrium | None:
    profile = StrategyProfile.deterministic(actions, pomg.n_actions)
    values = evaluate(pomg, profile, tol=tol)
    gaps = np.zeros(pomg.n_agents)
    for agent in range(pomg.n_agents):
        key = _cache_key(agent, actions)
        if key not in cache:
            cache[key] = best_response(pomg, profile, agent, max_policies=max_policies, tol=tol).value
        gaps[agent] = cache[key] - values[agent]
        if gaps[agent] > delta + tol * max(1.0, abs(cache[key])):
            return None
    return MarkovEquilibrium(tuple(np.asarray(a) for a in actions), profile, values, gaps)
