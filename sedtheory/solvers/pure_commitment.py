"""Optimal *pure* commitment (leader restricted to pure actions), by enumeration.

Algorithm: for each leader action ``l`` the followers face the game ``payoffs[1:, l]``; their
responses are its pure Nash equilibria (for one follower: its best responses), found by
:func:`sedtheory.solvers.pure_nash.pure_nash_equilibria`'s vectorised test. Ties are broken in
the leader's favour (strong Stackelberg), and the leader takes the best action. This is the
"pure strategy" Stackelberg problem discussed by Conitzer & Sandholm (EC 2006, Section 2) and
von Stengel & Zamir ("Leadership games with convex strategy sets", GEB 2010); with mixed
commitment allowed the leader can only do better (:func:`solve_stackelberg`).

Best responses and reported ties follow the tie rule of :mod:`sedtheory.evaluation.ties`: a
follower action within τ_i = 1e-10 of follower i's payoff span of its best is a best response.
"""

from __future__ import annotations

import warnings

import numpy as np

from sedtheory._validate import DEFAULT_TOL, nonnegative_scalar
from sedtheory.evaluation.ties import tie_tolerances
from sedtheory.games.normal_form import StackelbergNashGame
from sedtheory.solvers._result import SolverStatus, StackelbergResult
from sedtheory.solvers.pure_nash import pure_best_response_mask
from sedtheory.solvers.stackelberg import SolverWarning, check_enumerable_game

_SOLVER = "pure commitment by enumeration (strong tie-break)"


def solve_pure_commitment(game: StackelbergNashGame, *, tol: float = DEFAULT_TOL) -> StackelbergResult:
    """Best pure leader action with followers in the leader-preferred pure Nash equilibrium.

    Steps: for every leader action ``l`` and follower profile ``y``, mark whether ``y`` is a
    pure equilibrium (within the tie tolerance τ) of the followers' game at ``l``; among marked
    pairs take the largest leader payoff, the first in lexicographic ``(l, y)`` order on exact ties.

    Args:
        game: leader payoffs ``(m, n_1, ..., n_k)`` and follower payoffs.
        tol: the tolerance the result is stated up to (recorded in it). Which follower actions
            are best responses, and which are reported as ties, follows the tie rule (module
            docstring), never ``tol``.

    Returns:
        :class:`StackelbergResult` with a one-hot ``leader_strategy`` ``(m,)``; ``details``
        holds ``leader_action``, ``values_by_action`` (length ``m``: the leader's value of each
        pure commitment, ``None`` where the followers have no pure equilibrium) and
        ``tied_deviations``. Status ``NO_PURE_EQUILIBRIUM`` (with a :class:`SolverWarning`)
        when no leader action leaves the followers a pure equilibrium.

    Raises:
        ValidationError: ``game`` is not a :class:`StackelbergNashGame` or has more than
            :data:`~sedtheory.solvers.stackelberg.MAX_FOLLOWER_PROFILES` follower profiles;
            ``tol`` negative or not finite.
    """
    check_enumerable_game(game)
    tol = nonnegative_scalar("tol", tol)
    m = game.n_leader_actions
    values = np.full(m, -np.inf)
    responses: list[tuple[int, ...] | None] = [None] * m
    ties = tie_tolerances(game.follower_payoffs)
    for action in range(m):
        mask = pure_best_response_mask(game.follower_payoffs[:, action], ties)
        if mask.any():
            leader = np.where(mask, game.leader_payoffs[action], -np.inf)
            best = np.unravel_index(int(np.argmax(leader)), leader.shape)
            values[action], responses[action] = leader[best], tuple(int(a) for a in best)
    if not np.isfinite(values).any():
        message = "no pure leader action leaves the followers a pure Nash equilibrium"
        warnings.warn(message, SolverWarning, stacklevel=2)
        return StackelbergResult(float("nan"), np.zeros(0), (), np.zeros(0), SolverStatus.NO_PURE_EQUILIBRIUM,
                                 _SOLVER, tol, False, {"message": message, "values_by_action": _plain(values)})
    return _result(game, values, responses, tol)


def _plain(values: np.ndarray) -> list:
    """Per-action values as floats, ``None`` where the followers have no pure equilibrium."""
    return [float(v) if np.isfinite(v) else None for v in values]


def _result(game, values, responses, tol) -> StackelbergResult:
    action = int(np.argmax(values))
    profile = responses[action]
    strategy = np.zeros(game.n_leader_actions)
    strategy[action] = 1.0
    follower_values, ties = [], []
    slack = tie_tolerances(game.follower_payoffs)
    for i, own in enumerate(profile):
        index = (i, action) + profile[:i] + (slice(None),) + profile[i + 1:]
        payoffs = game.follower_payoffs[index]
        follower_values.append(float(payoffs[own]))
        ties += [[i, a] for a in range(payoffs.size) if a != own and payoffs[a] >= payoffs[own] - slack[i]]
    return StackelbergResult(
        leader_value=float(values[action]),
        leader_strategy=strategy,
        follower_actions=profile,
        follower_values=np.array(follower_values),
        status=SolverStatus.OPTIMAL,
        solver=_SOLVER,
        tol=tol,
        rests_on_tie=bool(ties),
        details={"leader_action": action, "values_by_action": _plain(values), "tied_deviations": ties},
    )
