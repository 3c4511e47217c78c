"""Graders for Markov games: δ-best-response sets, NashConv and (ε, δ)-SSMNE certificates.

Follower gaps come from exact best responses alone
(:func:`sedtheory.evaluation.markov_best_response.best_response`: policy iteration on the induced
MDP, or branch-and-bound over deterministic reactive policies); they never call the
equilibrium solver being graded. The leader gap of Definition 2.4 needs the leader's optimum
``max_φ max_{π ∈ BR^δ} u_0(φ, π)``; the certificate takes it from the named exact method
:func:`sedtheory.solvers.markov_ssmne.solve_ssmne` and records that name.

Policy class: Π_i = the deterministic reactive policies Ω_i → A_i (the paper's π_i: Ω → A). In
a discounted fully observed game this loses nothing (the MDP optimum is attained by one); with
partial observability a *stochastic* profile can score above every deterministic deviation, in
which case a follower gap is negative.
"""

from __future__ import annotations

import numpy as np

from sedtheory._validate import DEFAULT_TOL, instance_of, nonnegative_scalar
from sedtheory.equilibrium.certificate import Certificate, Witness
from sedtheory.evaluation.markov_best_response import MAX_POLICIES, best_response, policies_within
from sedtheory.evaluation.markov_evaluation import as_profile, evaluate, leader_value
from sedtheory.games.markov import POMG
from sedtheory.games.stackelberg import StackelbergMarkovGame
from sedtheory.solvers.markov_ssmne import MAX_PROFILES, solve_ssmne  # the leader optimum (DESIGN.md)

POLICY_CLASS_NOTE = "follower deviations range over deterministic reactive policies (π_i: Ω_i → A_i)"


def markov_follower_gaps(pomg: POMG, profile, *, max_policies: int = MAX_POLICIES,
                  tol: float = DEFAULT_TOL) -> tuple[np.ndarray, tuple[Witness, ...]]:
    """Exact best-response gains ``(n,)`` and one witness per agent (1-based ``player``).

    ``gap_i = max_{π'_i} u_i(π'_i, π_-i) - u_i(π)``. Complexity: ``n`` best responses.
    """
    profile = as_profile(pomg, profile)
    values = evaluate(pomg, profile, tol=tol)
    witnesses = []
    for agent in range(pomg.n_agents):
        response = best_response(pomg, profile, agent, max_policies=max_policies, tol=tol)
        witnesses.append(Witness(agent + 1, response.policy, response.value, float(values[agent])))
    return np.array([w.gap for w in witnesses]), tuple(witnesses)


def markov_nash_conv(pomg: POMG, profile, *, max_policies: int = MAX_POLICIES, tol: float = DEFAULT_TOL) -> float:
    """``Σ_i (max_{π'_i} u_i(π'_i, π_-i) - u_i(π))`` (Lanctot et al. 2017), exactly."""
    gaps, _ = markov_follower_gaps(pomg, profile, max_policies=max_policies, tol=tol)
    return float(gaps.sum())


def markov_delta_best_responses(pomg: POMG, profile, agent: int, delta: float, *, max_policies: int = MAX_POLICIES,
                            tol: float = DEFAULT_TOL) -> list[tuple[np.ndarray, float]]:
    """``BR_i^δ(π_-i)`` (Definition 2.3) over deterministic reactive policies.

    Returns ``[(policy (O_i, A_i) one-hot, value), ...]``: every deterministic reactive policy
    within ``δ`` (+ ``tol``) of the best response value, found by branch-and-bound; actions at
    observations that never occur are fixed to 0. Refuses above ``max_policies``.
    """
    delta = nonnegative_scalar("delta", delta)
    best = best_response(pomg, profile, agent, max_policies=max_policies, tol=tol).value
    found = policies_within(pomg, profile, agent, best - delta, max_policies=max_policies, tol=tol)
    eye = np.eye(pomg.n_actions[agent])
    return [(eye[actions], value) for actions, value in found]


def certify_ssmne(game: StackelbergMarkovGame, phi, profile, epsilon: float, delta: float, *,
                  max_profiles: int = MAX_PROFILES, max_policies: int = MAX_POLICIES,
                  tol: float = DEFAULT_TOL) -> Certificate:
    """Grade ``(φ, π)`` against Definition 2.4: an (ε, δ)-strong Stackelberg–Markov–Nash equilibrium?

    Args:
        game: the Stackelberg–Markov game; ``phi`` must be one of ``game.candidates()``.
        phi: the commitment ``(m,)``.
        profile: the followers' joint reactive profile in ``M^φ``.
        epsilon, delta: the tolerances asked for.

    Returns:
        The shared :class:`Certificate`: ``delta_hat`` from exact best responses (witness: the
        best-response policy), ``epsilon_hat`` = leader optimum over Φ × BR^δ minus
        ``u_0(φ, π)`` (witness deviation: ``{"phi": φ*, "profile": π*}``), ``holds``.
        Without any pure δ-equilibrium at any commitment the leader side is vacuous:
        ``epsilon_hat`` is ``None`` and a note says so.

    Complexity: ``n`` best responses plus one :func:`solve_ssmne` over Φ.
    """
    instance_of("game", game, StackelbergMarkovGame)
    epsilon, delta = nonnegative_scalar("epsilon", epsilon), nonnegative_scalar("delta", delta)
    phi = game.candidates()[game.index_of(phi, tol)]
    pomg = game.induced(phi)
    profile = as_profile(pomg, profile)
    gaps, witnesses = markov_follower_gaps(pomg, profile, max_policies=max_policies, tol=tol)
    baseline = leader_value(game, phi, profile, pomg=pomg, tol=tol)
    optimum = solve_ssmne(game, delta, max_profiles=max_profiles, max_policies=max_policies, tol=tol)
    notes = [POLICY_CLASS_NOTE, f"leader utility: {game.leader_utility.name}"]
    if optimum.ok:
        deviation = {"phi": optimum.phi, "profile": list(optimum.profile.strategies)}
        leader_witness = Witness(0, deviation, optimum.leader_value, baseline)
        epsilon_hat = leader_witness.gap
        if optimum.rests_on_tie:
            notes.append("the leader optimum rests on a (leader-favourable) tie-break")
    else:
        leader_witness, epsilon_hat = None, None
        notes.append("no commitment admits a pure δ-equilibrium: the leader condition is vacuous")
    holds = Certificate.condition_holds(epsilon_hat, gaps, epsilon, delta, tol)
    return Certificate(epsilon_hat, gaps, epsilon, delta, holds, leader_witness, witnesses,
                       leader_optimum_method=optimum.solver, tol=tol, notes=tuple(notes))
