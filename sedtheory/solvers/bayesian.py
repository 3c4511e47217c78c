"""Bayesian Stackelberg games: one leader, one follower of ``K`` possible types with a prior.

Algorithm: DOBSS, "Decomposed Optimal Bayesian Stackelberg Solver" (Paruchuri, Pearce,
Marecki, Tambe, Ordóñez & Kraus, "Playing games for security: an efficient exact algorithm
for solving Bayesian Stackelberg games", AAMAS 2008, Section 4, problem (7)). With
``R^l, C^l`` the leader's and follower type ``l``'s ``(m, n)`` payoffs and ``p^l`` the prior,
the mixed-integer linear program is::

    max   Σ_l Σ_i Σ_j p^l R^l_ij z^l_ij
    s.t.  Σ_i Σ_j z^l_ij = 1                                   ∀ l
          Σ_j z^l_ij ≤ 1                                       ∀ i, l
          q^l_j ≤ Σ_i z^l_ij ≤ 1                               ∀ j, l
          Σ_j q^l_j = 1                                        ∀ l
          0 ≤ a^l − Σ_i C^l_ij (Σ_h z^l_ih) ≤ (1 − q^l_j) M     ∀ j, l
          Σ_j z^l_ij = Σ_j z^1_ij                              ∀ i, l
          z ≥ 0,  q ∈ {0, 1},  a free

where ``x_i = Σ_j z^l_ij`` is the leader's commitment (the same for every type) and
``q^l`` the pure response of type ``l``; the program picks, among each type's best responses,
the one best for the leader (strong Stackelberg). Payoffs are first rescaled to ``[0, 1]``
(leader jointly over types, each follower type on its own: positive affine maps that leave
best responses and the optimal commitment unchanged), so ``M = 1`` is a valid big-M.

The MILP is solved by HiGHS through :func:`scipy.optimize.milp` with tight tolerances; the
commitment is then *polished*: with each type's response fixed to the MILP's ``q``, one LP
(the multiple-LP step of Conitzer & Sandholm 2006 on the Harsanyi-transformed game) gives the
exact commitment and a dual certificate for it. Best responses follow the tie rule of
:mod:`sedtheory.evaluation.ties` (a type's deviation gains only beyond 1e-10 of its payoff
span), the rule ``certify_bayesian`` uses: the polished commitment is checked against every row
and, when in doubt, re-solved in exact rational arithmetic. When the MILP's responses hold
only within its own tolerance (about 1e-9: nearly tied payoffs) they fail that check, or the
polished commitment falls short of the MILP's value; the response tuple is then cut off the
MILP (``Σ_l q^l_{j_l} ≤ K − 1``) and the MILP solved again, keeping the best polished tuple,
until the MILP's value over the remaining tuples is no better: the answer is the best tuple
under the tie rule.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from sedtheory._validate import DEFAULT_TOL, ValidationError, finite_array, nonnegative_scalar, probability_vector
from sedtheory.evaluation.ties import TIE_RTOL, settle_commitment, tie_tolerances
from sedtheory.solvers._highs import CommitmentLP
from sedtheory.solvers._result import SolverStatus, StackelbergResult
from sedtheory.solvers.stackelberg import MIN_TOL, rescale_to_unit

MAX_MILP_VARIABLES = 200_000
"""Largest DOBSS model (``K·m·n + K·n + K`` variables) :func:`solve_bayesian_stackelberg` builds."""

_MILP_TOL = 1e-9
_MAX_CUTS = 100  # response tuples cut off the MILP because they fail the tie rule (then: NUMERICAL_ERROR)
_SOLVER = "DOBSS MILP (Paruchuri et al., AAMAS 2008), polished by one LP"


def solve_bayesian_stackelberg(leader_payoffs, follower_payoffs, prior, *, tol: float = DEFAULT_TOL,
                               time_limit: float | None = None) -> StackelbergResult:
    """Strong Bayesian Stackelberg equilibrium with a mixed leader commitment (DOBSS).

    Steps: validate; rescale payoffs; solve the DOBSS MILP (module docstring); read each
    type's response from ``q``; re-solve the commitment by one LP with those responses fixed.

    Args:
        leader_payoffs: ``(K, m, n)``; ``leader_payoffs[l, i, j]`` is the leader's payoff
            against follower type ``l`` when the leader plays ``i`` and the follower ``j``.
        follower_payoffs: ``(K, m, n)``; follower type ``l``'s payoffs.
        prior: ``(K,)`` probability of each type (sums to 1 within ``tol``).
        tol: tolerance (original units) of the prior sum, recorded in the result; at least
            ``1e-9``. Best responses and reported ties follow the tie rule (module docstring).
        time_limit: optional MILP time limit in seconds; hitting it gives status
            ``NUMERICAL_ERROR`` with the reason in ``details["message"]`` (never a guess).

    Returns:
        :class:`StackelbergResult` with ``leader_strategy`` ``(m,)``, ``follower_actions`` a
        tuple of ``K`` actions (one per type), ``follower_values`` ``(K,)`` (each type's payoff),
        ``leader_value`` = prior-weighted leader payoff, and ``details`` with ``milp_value``,
        ``polished_value``, ``mip_gap``, ``tied_deviations`` (``[type, action]`` pairs within
        τ = 1e-10 × the type's payoff span), ``max_follower_gain``, ``cut_responses`` (response
        tuples of the MILP that failed the tie rule and were cut off, usually none) and
        ``dual_certificate`` of the polishing LP: ``mu`` and ``multipliers`` λ ≥ 0 of
        ``deviations`` with ``μ·1 + Σ λ·g ≥ Σ_l p^l R^l[:, j_l]`` (``g`` the deviation's gain
        row). Status ``NUMERICAL_ERROR`` (reason in ``details["message"]``) when the MILP stops
        early or more than 100 of its response tuples fail the tie rule.

    Raises:
        ValidationError: shapes disagree, non-finite payoffs, ``prior`` not a distribution, or
            the model exceeds :data:`MAX_MILP_VARIABLES`; ``tol`` below ``1e-9``; ``time_limit``
            negative or not finite.
    """
    leader, follower, prior, tol = _validate(leader_payoffs, follower_payoffs, prior, tol)
    time_limit = None if time_limit is None else nonnegative_scalar("time_limit", time_limit)
    types, m, n = leader.shape
    scaled_leader, scaled_follower, leader_map = _rescale(leader, follower)
    cut: list[tuple[int, ...]] = []
    best = None  # (polished value, responses, LP solution, x, MILP result) of the best tuple so far
    while len(cut) <= _MAX_CUTS:
        milp_result = _solve_dobss(scaled_leader, scaled_follower, prior, time_limit, cut)
        if milp_result.status == 2 and best is not None:  # every other tuple is cut off
            break
        if milp_result.status != 0 or milp_result.x is None:
            return _failure(m, tol, f"DOBSS MILP did not finish: {milp_result.message}", cut)
        bound = -milp_result.fun  # the MILP's optimum over the tuples not cut off (rescaled units)
        if best is not None and bound <= best[0] + _MILP_TOL:
            break
        responses = _responses(milp_result.x, types, m, n)
        polished, x = _polish(scaled_leader, scaled_follower, prior, responses)
        if polished.status == "error":
            return _failure(m, tol, f"polishing LP for responses {responses} ended: {polished.message}", cut)
        if x is not None:
            value = float(sum(prior[l] * scaled_leader[l, :, j] for l, j in enumerate(responses)) @ x)
            if best is None or value > best[0]:
                best = (value, responses, polished, x, milp_result)
            if value >= bound - _MILP_TOL:
                break
        # the responses hold, or reach the MILP's value, only within its tolerance, not under the tie rule
        cut.append(responses)
    else:
        return _failure(m, tol, f"{len(cut)} response tuples of the MILP failed the tie rule", cut)
    _, responses, polished, x, milp_result = best
    milp_value = -milp_result.fun * leader_map[1] + leader_map[0] * prior.sum()  # Σ p may be 1 ± tol
    return _success(leader, follower, prior, responses, (polished, x), milp_value, milp_result, leader_map, tol, cut)


def _validate(leader_payoffs, follower_payoffs, prior, tol):
    leader = finite_array("leader_payoffs", leader_payoffs, ndim=3)
    follower = finite_array("follower_payoffs", follower_payoffs, shape=leader.shape)
    if min(leader.shape) < 1:
        raise ValidationError(f"leader_payoffs: every axis needs length >= 1, got shape {leader.shape}")
    tol = nonnegative_scalar("tol", tol)
    if tol < MIN_TOL:
        raise ValidationError(f"tol: must be >= {MIN_TOL:g}, got {tol:g}")
    prior = probability_vector("prior", prior, size=leader.shape[0], tol=tol)
    types, m, n = leader.shape
    if types * m * n + types * n + types > MAX_MILP_VARIABLES:
        raise ValidationError(f"leader_payoffs: shape {leader.shape} gives a DOBSS model above "
                              f"{MAX_MILP_VARIABLES} variables")
    return leader, follower, prior, tol


def _rescale(leader, follower):
    """Leader jointly over types, each follower type on its own, onto ``[0, 1]`` (module docstring)."""
    unit_leader, low, scale = rescale_to_unit(leader, (0, 1, 2))
    unit_follower, _, f_scale = rescale_to_unit(follower, (1, 2))
    return unit_leader, unit_follower, (float(low.item()), float(scale.item()), f_scale.ravel())


def _solve_dobss(leader, follower, prior, time_limit, cut=()):
    """Build and solve problem (7) of Paruchuri et al. 2008 on rescaled payoffs (``M = 1``),
    with each response tuple in ``cut`` excluded by ``Σ_l q^l_{j_l} <= K - 1``."""
    types, m, n = leader.shape
    nz, nq = types * m * n, types * n
    total = nz + nq + types
    objective = np.zeros(total)
    objective[:nz] = -(prior[:, None, None] * leader).ravel()  # milp minimises
    rows, lower, upper = _dobss_rows(follower, types, m, n, nz, nq)
    if cut:
        cuts = sp.lil_matrix((len(cut), total))
        for r, responses in enumerate(cut):
            for l, j in enumerate(responses):
                cuts[r, nz + l * n + j] = 1.0
        rows = sp.vstack([rows, cuts.tocsr()]).tocsr()
        lower = np.concatenate([lower, np.full(len(cut), -np.inf)])
        upper = np.concatenate([upper, np.full(len(cut), types - 1.0)])
    integrality = np.zeros(total)
    integrality[nz:nz + nq] = 1
    lb = np.concatenate([np.zeros(nz + nq), np.full(types, -np.inf)])
    ub = np.concatenate([np.full(nz, np.inf), np.ones(nq), np.full(types, np.inf)])
    options = {"mip_rel_gap": 0.0, "mip_abs_gap": _MILP_TOL, "mip_feasibility_tolerance": _MILP_TOL,
               "primal_feasibility_tolerance": _MILP_TOL, "dual_feasibility_tolerance": _MILP_TOL}
    if time_limit is not None:
        options["time_limit"] = time_limit
    with warnings.catch_warnings():  # scipy passes the tolerance options to HiGHS verbatim, with a notice
        warnings.filterwarnings("ignore", message="Unrecognized options detected", category=RuntimeWarning)
        return milp(objective, integrality=integrality, bounds=Bounds(lb, ub),
                    constraints=LinearConstraint(rows, lower, upper), options=options)


def _dobss_rows(follower, types, m, n, nz, nq):
    """Sparse constraint matrix of problem (7), with its row bounds."""
    total = nz + nq + types
    z = np.arange(nz).reshape(types, m, n)
    q = nz + np.arange(nq).reshape(types, n)
    a = nz + nq + np.arange(types)
    blocks: list[tuple[list, list, float, float]] = []  # (columns, values, lower, upper) per row

    def row(cols, vals, lo, hi):
        blocks.append((list(np.ravel(cols)), list(np.ravel(vals)), lo, hi))

    for l in range(types):
        row(z[l], np.ones(m * n), 1.0, 1.0)                                    # Σ_ij z = 1
        for i in range(m):
            row(z[l, i], np.ones(n), -np.inf, 1.0)                              # Σ_j z_ij ≤ 1
        for j in range(n):
            row(np.append(z[l, :, j], q[l, j]), np.append(np.ones(m), -1.0), 0.0, np.inf)  # q_j ≤ Σ_i z_ij
            row(z[l, :, j], np.ones(m), -np.inf, 1.0)                           # Σ_i z_ij ≤ 1
        row(q[l], np.ones(n), 1.0, 1.0)                                         # Σ_j q_j = 1
        for j in range(n):  # a − Σ_i C_ij x_i with x_i = Σ_h z_ih
            coeffs = -np.repeat(follower[l, :, j], n)
            row(np.append(z[l].ravel(), a[l]), np.append(coeffs, 1.0), 0.0, np.inf)
            row(np.concatenate([z[l].ravel(), [a[l], q[l, j]]]), np.concatenate([coeffs, [1.0, 1.0]]), -np.inf, 1.0)
        if l > 0:
            for i in range(m):  # Σ_j z^l_ij = Σ_j z^1_ij
                row(np.append(z[l, i], z[0, i]), np.append(np.ones(n), -np.ones(n)), 0.0, 0.0)
    indptr = np.cumsum([0] + [len(b[0]) for b in blocks])
    cols = np.concatenate([b[0] for b in blocks]).astype(np.int64)
    vals = np.concatenate([b[1] for b in blocks]).astype(float)
    matrix = sp.csr_matrix((vals, cols, indptr), shape=(len(blocks), total))
    return matrix, np.array([b[2] for b in blocks]), np.array([b[3] for b in blocks])


def _responses(solution, types, m, n) -> tuple[int, ...]:
    q = solution[types * m * n: types * m * n + types * n].reshape(types, n)
    return tuple(int(j) for j in np.argmax(q, axis=1))


def _polish(leader, follower, prior, responses):
    """``max_x Σ_l p^l x·R^l[:, j_l]`` s.t. ``x`` makes each ``j_l`` a best response of type ``l``.

    Returns the HiGHS solution (for its duals) and the commitment settled under the tie rule
    (payoffs rescaled to [0, 1], so τ = ``TIE_RTOL`` for every type), or ``None`` when the
    responses do not hold under it.
    """
    objective = sum(prior[l] * leader[l, :, j] for l, j in enumerate(responses))
    rows = _type_rows(follower, responses)
    lp = CommitmentLP(objective, 1e-10)
    lp.add_rows(rows)
    solution = lp.solve()
    candidate = solution.x if solution.status == "optimal" else None
    x = settle_commitment(objective, rows, np.zeros(rows.shape[0]), np.full(rows.shape[0], TIE_RTOL), candidate)
    return solution, x


def _type_rows(follower, responses) -> np.ndarray:
    """``((K·(n−1)), m)`` gain rows of every type's deviations, type-major order."""
    blocks = [np.delete(follower[l] - follower[l][:, [j]], j, axis=1).T for l, j in enumerate(responses)]
    return np.concatenate(blocks, axis=0)


def _success(leader, follower, prior, responses, polish, milp_value, milp_result, leader_map, tol, cut):
    polished, x = polish  # x: settled, on the simplex
    types, m, n = leader.shape
    values = np.array([x @ leader[l, :, j] for l, j in enumerate(responses)])
    payoffs = np.einsum("i,lij->lj", x, follower)  # (K, n) each type's payoff of each action
    own = payoffs[np.arange(types), list(responses)]
    gains = payoffs - own[:, None]
    gains[np.arange(types), list(responses)] = -np.inf
    low, scale, f_scale = leader_map
    resolution = tie_tolerances(follower)[:, None]  # the tie rule, in original units
    ties = [[int(l), int(j)] for l, j in np.argwhere(gains >= -resolution)]
    deviations = [[l, a] for l, j in enumerate(responses) for a in range(n) if a != j]
    multipliers = [float(scale * lam / f_scale[l]) for (l, _), lam in zip(deviations, polished.row_duals)]
    leader_value = float(prior @ values)
    details = {
        "milp_value": float(milp_value),
        "polished_value": leader_value,
        "mip_gap": milp_result.get("mip_gap"),
        "mip_node_count": milp_result.get("mip_node_count"),
        "tied_deviations": ties,
        "max_follower_gain": float(gains.max()) if n > 1 else 0.0,
        "dual_certificate": {"mu": float(scale * polished.simplex_dual + low * prior.sum()), "deviations": deviations,
                             "multipliers": multipliers},
        "cut_responses": [list(c) for c in cut],
    }
    return StackelbergResult(leader_value, x, responses, own.astype(float), SolverStatus.OPTIMAL, _SOLVER,
                             tol, bool(ties), details)


def _failure(m, tol, message, cut=()) -> StackelbergResult:
    return StackelbergResult(float("nan"), np.zeros(0), (), np.zeros(0), SolverStatus.NUMERICAL_ERROR,
                             _SOLVER, tol, False, {"message": message, "cut_responses": [list(c) for c in cut]})
