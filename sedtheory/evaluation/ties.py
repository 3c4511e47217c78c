"""When a follower is indifferent: the one tie tolerance, and commitments checked against it.

Every Stackelberg computation on a normal-form or Bayesian game asks whether a follower
response ``y`` is a best response to a leader commitment ``x``: whether no deviation of the
follower gains. Floating point and LP solvers cannot decide "gains exactly 0", so the library
fixes one rule, used alike by the solvers (:func:`~sedtheory.solvers.solve_stackelberg`,
:func:`~sedtheory.solvers.solve_bayesian_stackelberg`,
:func:`~sedtheory.solvers.solve_pure_commitment`: which responses are feasible and which
are reported as ties), by the leader optimum OPT(δ) inside
:func:`~sedtheory.equilibrium.certify` and by ``certify``'s δ test:

    a deviation of follower i gains only when it gains more than δ + τ_i, where
    τ_i = TIE_RTOL · span_i  and  span_i = max − min of follower i's payoffs in the game.

``TIE_RTOL = 1e-10``. The rule is scale-aware: a positive affine map of a follower's payoffs
moves τ_i with them, so it changes no verdict. It is far above float64 rounding (about 1e-16
of the span for the payoffs and strategies a game is written with) and far below a preference
a game states on purpose: the near-tie games of the tests, whose follower prefers one column
by 2⁻³⁰ ≈ 9.3e-10 of its span, are resolved exactly.

An LP solver's answer is never taken on trust at this resolution. HiGHS works to its own
feasibility tolerance (about 1e-9) and drops matrix entries smaller than 1e-9, so it calls
the response of a 2⁻³⁰ near-tie feasible. :func:`settle_commitment` therefore accepts an LP's
commitment only if, recomputed in float64, no deviation gains more than ``δ + τ``; otherwise it
solves the LP again in exact rational arithmetic (:func:`exact_commitment_lp`), first with the
rows at ``δ`` and then, if that is infeasible, at ``δ + τ/2``. A response is thus feasible
exactly when some commitment keeps every gain within ``δ`` (or within ``δ + τ/2``); between
``δ + τ/2`` and ``δ + τ`` the verdict may fall either way.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

TIE_RTOL = 1e-10
"""Follower gains up to this fraction of the follower's payoff span count as ties (module docstring)."""


def payoff_spans(payoffs: np.ndarray) -> np.ndarray:
    """``(players,)`` span ``max − min`` of each player's payoffs ``(players, ...)``; 1 for a constant player."""
    flat = np.asarray(payoffs, dtype=float).reshape(payoffs.shape[0], -1)
    spans = flat.max(axis=1) - flat.min(axis=1)
    return np.where(spans > 0, spans, 1.0)


def tie_tolerances(follower_payoffs: np.ndarray) -> np.ndarray:
    """``(k,)`` τ_i = ``TIE_RTOL`` × span of follower ``i``'s payoffs ``(k, ...)`` (original units)."""
    return TIE_RTOL * payoff_spans(follower_payoffs)


def settle_commitment(objective: np.ndarray, rows: np.ndarray, bounds: np.ndarray, tolerances: np.ndarray,
                      candidate: np.ndarray | None) -> np.ndarray | None:
    """A commitment of ``max objective·x  s.t.  rows @ x <= bounds, x ∈ Δ_m`` that obeys the tie rule.

    Args:
        objective: ``(m,)`` leader payoff per leader action.
        rows: ``(r, m)``; ``rows[d] @ x`` is the gain of follower deviation ``d`` at ``x``.
        bounds: ``(r,)`` the gain each deviation may have (δ; 0 for an exact best response).
        tolerances: ``(r,)`` τ of the follower each row belongs to.
        candidate: ``(m,)`` an LP solver's optimum, or ``None`` when it found the LP infeasible
            (trusted: infeasible within the solver's tolerance is infeasible within τ).

    Returns:
        ``(m,)`` a commitment on the simplex whose gains are all ``<= bounds + tolerances`` in
        float64 (the candidate itself when it qualifies, else the exact optimum), or ``None``
        when no commitment keeps the gains within ``bounds + tolerances / 2``.
    """
    if candidate is None:
        return None
    rows = np.asarray(rows, dtype=float).reshape(-1, objective.size)
    limit = np.asarray(bounds, dtype=float) + np.asarray(tolerances, dtype=float)
    x = np.clip(np.asarray(candidate, dtype=float), 0.0, None)
    x = x / x.sum()
    if np.all(rows @ x <= limit):
        return x
    for slack in (0.0, 0.5):
        exact = exact_commitment_lp(objective, rows, np.asarray(bounds) + slack * np.asarray(tolerances))
        if exact is not None:
            return np.array([float(v) for v in exact[1]])
    return None


def exact_commitment_lp(objective, rows, bounds) -> tuple[Fraction, list[Fraction]] | None:
    """``max c·x  s.t.  rows @ x <= bounds,  Σ x = 1,  x >= 0`` in exact rational arithmetic.

    Every float is read as the exact rational it stores. The two-phase simplex method with
    Bland's smallest-index rule (Bland 1977; e.g. Chvátal, *Linear Programming*, 1983, ch. 2-3),
    on a dense tableau of :class:`fractions.Fraction`: slow, but exact, for the small LPs it is
    called on when a floating-point answer is in doubt.

    Args:
        objective: ``(m,)``; rows: ``(r, m)``; bounds: ``(r,)``.

    Returns:
        ``(value, x)`` with ``x`` a list of ``m`` fractions, or ``None`` when infeasible.
    """
    c = [Fraction(float(v)) for v in np.ravel(objective)]
    m = len(c)
    lhs = [[Fraction(float(v)) for v in row] for row in np.asarray(rows, dtype=float).reshape(-1, m)]
    rhs = [Fraction(float(v)) for v in np.ravel(bounds)]
    r = len(lhs)
    # equality form over z = (x, s, a): rows @ x + s = rhs, Σx = 1; one artificial per row, b >= 0
    width = m + r + (r + 1)
    tableau = []
    for i in range(r + 1):
        coeffs = lhs[i] + [Fraction(int(j == i)) for j in range(r)] if i < r else [Fraction(1)] * m + [Fraction(0)] * r
        b = rhs[i] if i < r else Fraction(1)
        sign = -1 if b < 0 else 1
        artificial = [Fraction(int(j == i)) for j in range(r + 1)]
        tableau.append([sign * v for v in coeffs] + artificial + [sign * b])
    basis = [m + r + i for i in range(r + 1)]
    phase_one = [Fraction(0)] * (m + r) + [Fraction(-1)] * (r + 1)
    if _simplex(tableau, basis, phase_one, width) < 0:
        return None
    for i in range(len(tableau) - 1, -1, -1):  # drive artificials out of the basis (or drop redundant rows)
        if basis[i] >= m + r:
            column = next((j for j in range(m + r) if tableau[i][j] != 0), None)
            if column is None:
                del tableau[i], basis[i]
            else:
                _pivot(tableau, basis, i, column)
    value = _simplex(tableau, basis, c + [Fraction(0)] * r, m + r)
    x = [Fraction(0)] * m
    for i, j in enumerate(basis):
        if j < m:
            x[j] = tableau[i][-1]
    return value, x


def _pivot(tableau: list, basis: list, row: int, column: int) -> None:
    pivot = tableau[row][column]
    tableau[row] = [v / pivot for v in tableau[row]]
    for i, other in enumerate(tableau):
        factor = other[column]
        if i != row and factor != 0:
            tableau[i] = [a - factor * b for a, b in zip(other, tableau[row])]
    basis[row] = column


def _simplex(tableau: list, basis: list, cost: list, n_columns: int) -> Fraction:
    """Maximise ``cost · z`` over the first ``n_columns`` columns from a feasible basis (Bland's rule)."""
    while True:
        reduced = [cost[j] - sum(cost[basis[i]] * tableau[i][j] for i in range(len(tableau)))
                   for j in range(n_columns)]
        entering = next((j for j in range(n_columns) if reduced[j] > 0 and j not in basis), None)
        if entering is None:
            return sum(cost[basis[i]] * tableau[i][-1] for i in range(len(tableau)))
        ratios = [(tableau[i][-1] / tableau[i][entering], basis[i], i)
                  for i in range(len(tableau)) if tableau[i][entering] > 0]
        # bounded: every z lies in the simplex or is a slack of a row bounded on the simplex
        _, _, leaving = min(ratios)
        _pivot(tableau, basis, leaving, entering)
