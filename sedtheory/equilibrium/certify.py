"""(ε, δ)-certificates of Definition 2.4 for Stackelberg–Nash games (and Bayesian ones).

Given a commitment ``x`` and pure follower actions ``y``, a certificate measures

* δ̂_i = max_{a_i} u_i(x, (a_i, y_{-i})) - u_i(x, y): follower ``i``'s gain from its best
  unilateral deviation, by best-response evaluation alone
  (:func:`~sedtheory.equilibrium.best_response.follower_witnesses`);
* ε̂ = OPT(δ) - u_0(x, y): the leader's gap to the best commitment when followers play any
  pure δ-equilibrium, ties broken for the leader, computed by the named exact method of
  :mod:`sedtheory.equilibrium.leader_optimum` (recorded in ``leader_optimum_method``). It never
  calls the solver being graded, so a solver's answer is checked against an independent LP.

The profile is an (ε, δ)-equilibrium iff ε̂ <= ε + tol and every δ̂_i <= δ + τ_i, with τ_i the
tie tolerance of :mod:`sedtheory.evaluation.ties` (1e-10 of follower i's payoff span): the same
rule decides which responses OPT(δ) may use and which the solvers call best responses, so a
follower preference the certificate resolves is resolved everywhere (issue 14's near-tie).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from sedtheory._validate import DEFAULT_TOL, nonnegative_scalar, probability_vector
from sedtheory.equilibrium.best_response import follower_witnesses, pure_actions, stackelberg_game
from sedtheory.equilibrium.certificate import Certificate, Witness
from sedtheory.equilibrium.leader_optimum import (
    LeaderOptimum,
    bayesian_arrays,
    bayesian_objective,
    bayesian_relaxed_leader_optimum,
    relaxed_leader_optimum,
)
from sedtheory.evaluation.ties import tie_tolerances
from sedtheory.games.normal_form import StackelbergNashGame


def certify(game: StackelbergNashGame, leader_strategy, follower_actions: Sequence[int], *,
            epsilon: float = 0.0, delta: float = 0.0, tol: float = DEFAULT_TOL) -> Certificate:
    """Certify ``(leader_strategy, follower_actions)`` as an (ε, δ)-strong Stackelberg equilibrium.

    Args:
        game: Stackelberg–Nash game ``(1 + k, m, n_1, ..., n_k)``.
        leader_strategy: ``(m,)`` mixed commitment.
        follower_actions: ``k`` pure follower actions.
        epsilon: leader tolerance ε >= 0.
        delta: follower tolerance δ >= 0 (also the slack of the leader optimum OPT(δ)).
        tol: numerical tolerance added to ε in the test. Each follower's δ test adds the tie
            tolerance τ_i instead (recorded in ``delta_tol``), the slack OPT(δ) gives it too.

    Returns:
        :class:`Certificate` with ``epsilon_hat``, ``delta_hat`` ``(k,)``, the leader witness
        (deviation ``{"leader_strategy", "follower_actions"}`` attaining OPT(δ)), one follower
        witness per follower (best pure deviation) and ``holds``.

    Example (Conitzer & Sandholm 2006: the strong Stackelberg equilibrium, then row 1 alone):
        >>> game = StackelbergNashGame.from_bimatrix([[2, 4], [1, 3]], [[1, 0], [0, 1]])
        >>> certify(game, [0.5, 0.5], [1]).holds
        True
        >>> round(certify(game, [0.0, 1.0], [1]).epsilon_hat, 9)
        0.5
    """
    epsilon, delta, tol = (nonnegative_scalar(name, value) for name, value in
                           (("epsilon", epsilon), ("delta", delta), ("tol", tol)))
    game = stackelberg_game(game)
    x = probability_vector("leader_strategy", leader_strategy, size=game.n_leader_actions)
    y = pure_actions("follower_actions", follower_actions, game.n_follower_actions)
    witnesses = follower_witnesses(game, x, y)
    baseline = game.leader_value(x, y)
    optimum = relaxed_leader_optimum(game, delta, incumbent=(x, y))  # (x, y) is re-checked there
    return _assemble(optimum, baseline, witnesses, epsilon, delta, tol, tie_tolerances(game.follower_payoffs),
                     notes=[])


def certify_bayesian(leader_payoffs, follower_payoffs, prior, leader_strategy, follower_actions: Sequence[int], *,
                     epsilon: float = 0.0, delta: float = 0.0, tol: float = DEFAULT_TOL) -> Certificate:
    """Certify a commitment and per-type follower actions in a Bayesian Stackelberg game.

    The follower has K types (Conitzer & Sandholm 2006, §5; Paruchuri et al. 2008); each type
    is graded as a follower of its own: ``delta_hat[k]`` is type k's best-response gain and
    follower witness ``k`` (``player = k + 1``) its best deviation. ``epsilon_hat`` compares
    the prior-weighted leader value with the exact OPT(δ) of
    :func:`~sedtheory.equilibrium.leader_optimum.bayesian_relaxed_leader_optimum`.

    Args:
        leader_payoffs: ``(K, m, n)``; follower_payoffs: ``(K, m, n)``; prior: ``(K,)``.
        leader_strategy: ``(m,)`` commitment; follower_actions: ``K`` actions, one per type.
        epsilon, delta, tol: as in :func:`certify`.
    """
    epsilon, delta, tol = (nonnegative_scalar(name, value) for name, value in
                           (("epsilon", epsilon), ("delta", delta), ("tol", tol)))
    leader, follower, prior = bayesian_arrays(leader_payoffs, follower_payoffs, prior)
    n_types, m, n = leader.shape
    x = probability_vector("leader_strategy", leader_strategy, size=m)
    y = pure_actions("follower_actions", follower_actions, (n,) * n_types)
    witnesses = []
    for k, action in enumerate(y):
        game = StackelbergNashGame.from_bimatrix(leader[k], follower[k])
        (w,) = follower_witnesses(game, x, (action,))
        witnesses.append(Witness(player=k + 1, deviation=w.deviation, value=w.value, baseline=w.baseline))
    baseline = float(bayesian_objective(leader, prior, y) @ x)
    optimum = bayesian_relaxed_leader_optimum(leader, follower, prior, delta, incumbent=(x, y))
    notes = ["Bayesian game: follower gap and witness i belong to follower type i - 1"]
    return _assemble(optimum, baseline, tuple(witnesses), epsilon, delta, tol, tie_tolerances(follower), notes)


def _assemble(optimum: LeaderOptimum, baseline: float, witnesses: tuple[Witness, ...],
              epsilon: float, delta: float, tol: float, ties: np.ndarray, notes: list[str]) -> Certificate:
    delta_hat = np.array([w.gap for w in witnesses])
    notes.append(f"leader optimum from {optimum.n_lps} LPs over {optimum.n_candidates} candidate follower responses")
    for w, tie in zip(witnesses, ties):
        if w.gap > delta + tie:
            notes.append(f"follower {w.player} gains {w.gap:.6g} > δ by deviating to action {w.deviation}")
    if optimum.value is None:
        notes.append("no commitment admits a pure δ-equilibrium of the followers: OPT(δ) is undefined")
        return Certificate(None, delta_hat, epsilon, delta, False, None, witnesses, optimum.method, tol=tol,
                           notes=tuple(notes), delta_tol=ties)
    epsilon_hat = optimum.value - baseline
    if epsilon_hat < -tol:
        notes.append("the profile beats OPT(δ): its followers are not all δ-best-responding")
    deviation = {"leader_strategy": optimum.leader_strategy, "follower_actions": list(optimum.follower_actions)}
    leader_witness = Witness(player=0, deviation=deviation, value=optimum.value, baseline=baseline)
    holds = Certificate.condition_holds(epsilon_hat, delta_hat, epsilon, delta, tol, ties)
    return Certificate(epsilon_hat, delta_hat, epsilon, delta, holds, leader_witness, witnesses, optimum.method,
                       tol=tol, notes=tuple(notes), delta_tol=ties)
