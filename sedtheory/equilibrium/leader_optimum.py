"""The leader's optimum against δ-best-responding followers: the max in Definition 2.4.

For a Stackelberg–Nash game with leader payoffs ``A`` ``(m, n_1..n_k)`` and follower payoffs
``B_i`` the quantity the leader gap ε̂ compares against is

    OPT(δ) = max_{x ∈ Δ_m}  max_{y pure, y ∈ BR^δ(x, y)}  u_0(x, y),

the best commitment when followers play any pure δ-Nash equilibrium of the induced game and
ties (here: the whole δ-set) break in the leader's favour (strong Stackelberg). For δ = 0
it is the strong Stackelberg value.

Method: the multiple-LP method of Conitzer & Sandholm (EC 2006), relaxed by δ and extended
to k followers by enumerating pure follower profiles (for a fixed profile the equilibrium
conditions are linear in x). For each pure profile ``y``::

    LP(y):  maximise    Σ_a x_a A[a, y]
            subject to  Σ_a x_a (B_i[a, y] - B_i[a, (a'_i, y_{-i})]) >= -δ   for every i, a'_i ≠ y_i
                        Σ_a x_a = 1,  x >= 0

and OPT(δ) = max_y LP(y) over feasible LPs. Profiles are visited in decreasing order of the
bound ``max_a A[a, y] >= LP(y)``; the scan stops once no remaining bound beats the best value
found, so the answer is exact (up to the LP tolerance). Each LP is solved by HiGHS.

Ties: a deviation counts as a gain only when it gains more than δ + τ_i, with τ_i the one tie
tolerance of the library (:mod:`sedtheory.evaluation.ties`: 1e-10 of follower i's payoff span),
the rule the solvers and ``certify``'s δ test use too. HiGHS's answer is checked against every
row in float64 and, when its own tolerance (about 1e-9) leaves it in doubt, the LP is solved
again in exact rational arithmetic, so a follower preference of 1e-9 of the span is never lost.

Bayesian games (follower types ``k = 1..K`` with prior ``p``, Conitzer & Sandholm 2006, §5;
Paruchuri et al., AAMAS 2008) are handled by depth-first branch and bound over the types'
responses ``(j_1, ..., j_K)``, with the LP above (objective Σ_k p_k x·A_k[:, j_k]) at each
complete assignment, feasibility LPs on partial assignments, and the bound
``Σ_{assigned} p_k max_a A_k[a, j_k] + Σ_{open} p_k max A_k``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from sedtheory._validate import DEFAULT_TOL, ValidationError, finite_array, nonnegative_scalar, probability_vector
from sedtheory.equilibrium.best_response import pure_actions, stackelberg_game
from sedtheory.evaluation.ties import settle_commitment, tie_tolerances
from sedtheory.games.normal_form import StackelbergNashGame

MAX_PROFILES = 1_000_000
"""Largest number of pure follower profiles (or Bayesian response tuples) enumerated."""

_HIGHS_OPTIONS = {"primal_feasibility_tolerance": 1e-9, "dual_feasibility_tolerance": 1e-9}


@dataclass(frozen=True)
class LeaderOptimum:
    """The leader's δ-relaxed strong Stackelberg optimum and where it is attained.

    Attributes:
        value: OPT(δ), or ``None`` when no commitment admits a pure δ-equilibrium.
        leader_strategy: ``(m,)`` commitment attaining it (``None`` with ``value``).
        follower_actions: the followers' pure profile (one action per follower, or per
            follower type in a Bayesian game) attaining it.
        delta: the δ used.
        method: the exact method, with its source.
        n_lps: LPs solved; n_candidates: profiles (or response tuples) in the search space.
    """

    value: float | None
    leader_strategy: np.ndarray | None
    follower_actions: tuple[int, ...] | None
    delta: float
    method: str
    n_lps: int
    n_candidates: int


METHOD = "delta-relaxed multiple LPs over pure follower profiles (Conitzer & Sandholm, EC 2006), HiGHS"
BAYESIAN_METHOD = ("delta-relaxed branch and bound over follower-type responses with one LP per node "
                   "(Conitzer & Sandholm, EC 2006; Paruchuri et al., AAMAS 2008), HiGHS")


def _highs(objective: np.ndarray, rows: np.ndarray, bounds: np.ndarray) -> np.ndarray | None:
    """One HiGHS solve of max objective·x s.t. rows @ x <= bounds, x in the simplex (None: infeasible)."""
    m = objective.size
    result = linprog(
        -objective,
        A_ub=rows if rows.size else None,
        b_ub=bounds if rows.size else None,
        A_eq=np.ones((1, m)), b_eq=[1.0], bounds=(0, None), method="highs", options=_HIGHS_OPTIONS,
    )
    if result.status == 2:
        return None
    if result.status != 0:
        raise RuntimeError(f"HiGHS failed on a leader-optimum LP: {result.message}")
    return np.asarray(result.x, dtype=float)


def _solve_lp(objective: np.ndarray, rows: np.ndarray, ties: np.ndarray, delta: float) -> np.ndarray | None:
    """max objective·x s.t. every deviation gain ``rows @ x <= delta``, x in the simplex; None if infeasible.

    ``ties`` ``(r,)`` holds the tie tolerance τ of each row's follower (:mod:`sedtheory.evaluation.ties`).
    Constraint generation (exact): solve with the rows violated at the best vertex, add every
    row the relaxed optimum violates by more than τ, repeat; a relaxation that is infeasible
    proves the full LP infeasible. The answer is then checked against every row by
    :func:`~sedtheory.evaluation.ties.settle_commitment`, in exact arithmetic when HiGHS's own
    tolerance leaves it in doubt.
    """
    bounds = np.full(rows.shape[0], delta)
    start = np.zeros(objective.size)
    start[int(np.argmax(objective))] = 1.0
    active = rows @ start > bounds + ties
    while True:
        x = _highs(objective, rows[active], bounds[active])
        if x is None:
            return None
        violated = (rows @ x > bounds + ties) & ~active
        if not violated.any():
            return settle_commitment(objective, rows, bounds, ties, x)
        active |= violated


def _profile_rows(game: StackelbergNashGame, profile: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Gain rows ``B_i[:, (a'_i, y_{-i})] - B_i[:, y]`` of every follower i and a'_i ≠ y_i ``(rows, m)``,
    and each row's tie tolerance τ_i ``(rows,)``."""
    blocks, ties = [], []
    tolerances = tie_tolerances(game.follower_payoffs)
    for i, action in enumerate(profile):
        alternatives = game.follower_payoffs[i][(slice(None),) + profile[:i] + (slice(None),) + profile[i + 1:]]
        gains = (alternatives - alternatives[:, action][:, None]).T  # (n_i, m); row `action` is zero
        blocks.append(np.delete(gains, action, axis=0))
        ties.append(np.full(blocks[-1].shape[0], tolerances[i]))
    return np.concatenate(blocks, axis=0), np.concatenate(ties)


def relaxed_leader_optimum(game: StackelbergNashGame, delta: float = 0.0, *, incumbent=None) -> LeaderOptimum:
    """OPT(δ) of a Stackelberg–Nash game by δ-relaxed multiple LPs (see the module docstring).

    Args:
        game: Stackelberg–Nash game with payoffs ``(1 + k, m, n_1, ..., n_k)``.
        delta: δ >= 0, the followers' best-response slack.
        incumbent: optional ``(x, y)``, a commitment ``(m,)`` and pure follower profile. It is
            re-checked here; if ``y`` is a δ-equilibrium at ``x`` its value is a valid lower bound
            and starts the search (fewer LPs; the answer is the same).

    Returns:
        :class:`LeaderOptimum`; ``value is None`` when no commitment admits a pure δ-equilibrium
        of the followers (possible only for k >= 2).
    """
    game, delta = stackelberg_game(game), nonnegative_scalar("delta", delta)
    shape = game.n_follower_actions
    n_profiles = int(np.prod(shape))
    if n_profiles > MAX_PROFILES:
        raise ValidationError(f"game: {n_profiles} pure follower profiles exceed the exact limit {MAX_PROFILES}")
    leader = game.leader_payoffs.reshape(game.n_leader_actions, n_profiles)
    bounds = leader.max(axis=0)
    best = _incumbent_start(game, delta, incumbent)
    n_lps = 0
    for flat in np.argsort(-bounds, kind="stable"):
        if bounds[flat] <= best[0]:
            break
        profile = tuple(int(a) for a in np.unravel_index(flat, shape))
        x = _solve_lp(leader[:, flat], *_profile_rows(game, profile), delta)
        n_lps += 1
        if x is not None and leader[:, flat] @ x > best[0]:
            best = (float(leader[:, flat] @ x), x, profile)
    if best[1] is None:
        return LeaderOptimum(None, None, None, delta, METHOD, n_lps, n_profiles)
    return LeaderOptimum(best[0], best[1], best[2], delta, METHOD, n_lps, n_profiles)


def _incumbent_start(game: StackelbergNashGame, delta: float, incumbent) -> tuple:
    """``(value, x, y)`` of a verified feasible incumbent, or ``(-inf, None, None)``."""
    if incumbent is None:
        return (-np.inf, None, None)
    x, profile = _incumbent(incumbent, game.n_leader_actions, game.n_follower_actions)
    rows, ties = _profile_rows(game, profile)
    if np.any(rows @ x > delta + ties):  # the tie rule of certify's δ test
        return (-np.inf, None, None)
    return (float(game.leader_payoffs[(slice(None),) + profile] @ x), x, profile)


def _incumbent(incumbent, n_leader_actions: int, n_follower_actions: tuple[int, ...]) -> tuple:
    """Validate ``(x, y)``: a commitment ``(m,)`` on the simplex and one action per follower (type).

    Only a valid profile may serve as a lower bound: a vector off the simplex could satisfy the
    δ-rows and report a value above OPT(δ).
    """
    try:
        x, actions = incumbent
    except (TypeError, ValueError):
        raise ValidationError(f"incumbent: expected a pair (leader_strategy, follower_actions), got {incumbent!r}") from None
    return (probability_vector("incumbent[0]", x, size=n_leader_actions),
            pure_actions("incumbent[1]", actions, n_follower_actions))


@dataclass(frozen=True)
class _BayesianData:
    leader: np.ndarray    # (K, m, n)
    follower: np.ndarray  # (K, m, n)
    prior: np.ndarray     # (K,)
    delta: float


def bayesian_arrays(leader_payoffs, follower_payoffs, prior, *, tol: float = DEFAULT_TOL):
    """Validate a Bayesian Stackelberg game: ``(K, m, n)``, ``(K, m, n)`` and prior ``(K,)``."""
    leader = finite_array("leader_payoffs", leader_payoffs, ndim=3)
    if min(leader.shape) < 1:
        raise ValidationError(f"leader_payoffs: every axis needs length >= 1, got shape {leader.shape}")
    follower = finite_array("follower_payoffs", follower_payoffs, shape=leader.shape)
    return leader, follower, probability_vector("prior", prior, size=leader.shape[0], tol=tol)


def bayesian_relaxed_leader_optimum(leader_payoffs, follower_payoffs, prior, delta: float = 0.0, *,
                                    incumbent=None) -> LeaderOptimum:
    """OPT(δ) of a Bayesian Stackelberg game with K follower types (exact branch and bound).

    Args:
        leader_payoffs: ``(K, m, n)``: leader payoff against follower type k.
        follower_payoffs: ``(K, m, n)``: payoff of follower type k.
        prior: ``(K,)`` probability of each type.
        delta: δ >= 0: every type plays an action within δ of its best response.
        incumbent: optional ``(x, y)`` with one action per type; re-checked here, and if every
            type δ-best-responds its value starts the search as a lower bound.

    Returns:
        :class:`LeaderOptimum` with one action per type in ``follower_actions``; the value
        is the prior-weighted leader payoff. Always feasible (each type has a best response).
    """
    leader, follower, prior = bayesian_arrays(leader_payoffs, follower_payoffs, prior)
    data = _BayesianData(leader, follower, prior, nonnegative_scalar("delta", delta))
    n_types, m, n = leader.shape
    if float(n) ** n_types > MAX_PROFILES:
        raise ValidationError(f"game: {n}^{n_types} type responses exceed the exact limit {MAX_PROFILES}")
    state = {"best": -np.inf, "x": None, "actions": None, "n_lps": 0}
    if incumbent is not None:
        x, actions = _incumbent(incumbent, m, (n,) * n_types)
        rows, ties = _type_rows(data, actions)
        if np.all(rows @ x <= data.delta + ties):
            state.update(best=float(bayesian_objective(leader, prior, actions) @ x), x=x, actions=actions)
    _branch(data, (), state)
    return LeaderOptimum(state["best"], state["x"], state["actions"], data.delta, BAYESIAN_METHOD,
                         state["n_lps"], n ** n_types)


def bayesian_objective(leader: np.ndarray, prior: np.ndarray, actions: tuple[int, ...]) -> np.ndarray:
    """``(m,)`` leader payoff vector ``Σ_k p_k A_k[:, j_k]`` over the types ``k`` assigned in ``actions``.

    Its dot product with a commitment ``x`` is the prior-weighted leader value of those types.
    """
    return np.asarray(sum(prior[k] * leader[k][:, j] for k, j in enumerate(actions)), dtype=float)


def _type_rows(data: _BayesianData, actions: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Gain rows ``F_k[:, j'] - F_k[:, j_k]`` of each assigned type k and j' ≠ j_k ``(rows, m)``,
    and each row's tie tolerance (τ of type k's payoffs) ``(rows,)``."""
    m, n = data.leader.shape[1:]
    tolerances = tie_tolerances(data.follower)
    rows = [data.follower[k][:, other] - data.follower[k][:, j]
            for k, j in enumerate(actions) for other in range(n) if other != j]
    ties = [tolerances[k] for k, j in enumerate(actions) for other in range(n) if other != j]
    return np.array(rows).reshape(len(rows), m), np.array(ties, dtype=float)


def _branch(data: _BayesianData, actions: tuple[int, ...], state: dict) -> None:
    """Depth-first search over the next type's response, best bound first."""
    k = len(actions)
    open_bound = float(np.sum(data.prior[k + 1:] * data.leader[k + 1:].max(axis=(1, 2))))
    done = float(sum(data.prior[t] * data.leader[t][:, j].max() for t, j in enumerate(actions)))
    column_bounds = data.prior[k] * data.leader[k].max(axis=0)
    for j in np.argsort(-column_bounds, kind="stable"):
        if done + column_bounds[j] + open_bound <= state["best"]:
            break
        candidate = actions + (int(j),)
        objective = bayesian_objective(data.leader, data.prior, candidate)  # the assigned types only
        x = _solve_lp(objective, *_type_rows(data, candidate), data.delta)
        state["n_lps"] += 1
        if x is None:
            continue
        value = float(objective @ x)
        if len(candidate) < data.leader.shape[0]:
            if value + open_bound > state["best"]:  # the LP value bounds the assigned types
                _branch(data, candidate, state)
        elif value > state["best"]:
            state.update(best=value, x=x, actions=candidate)
