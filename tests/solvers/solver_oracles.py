"""Independent brute-force oracles and graders for the solver tests (never imported by sedtheory).

None of these share code with :mod:`sedtheory.solvers`: they use plain numpy linear algebra or
``scipy.optimize.linprog`` and enumerate everything.

* :func:`stackelberg_by_vertices`: strong Stackelberg value by vertex enumeration of every
  follower profile's best-response region ``{x ∈ Δ : G_y x ≤ 0}``;
* :func:`stackelberg_two_rows_exact`: the same optimum in exact rational arithmetic when the
  leader has two actions (every best-response region is an interval of ``t = x_0``), for games
  whose float payoffs are nearly tied;
* :func:`bayesian_by_assignments`: Bayesian Stackelberg value by one LP per assignment of an
  action to every follower type (the multiple-LP method on the Harsanyi-transformed game,
  Conitzer & Sandholm 2006, Section 5);
* :func:`stackelberg_exact` and :func:`bayesian_exact`: the same optima in exact rational
  arithmetic for any small game (vertex enumeration with :class:`fractions.Fraction` and
  Gauss-Jordan elimination written here), the oracle of the near-tie games of issue 14;
* :func:`extreme_equilibria_by_labels`: extreme Nash equilibria of a bimatrix game as the
  completely labelled vertex pairs of the best-response polytopes (von Stengel, AGT 2007,
  Chapter 3, Theorem 3.5 and Section 3.5), vertices by brute force;
* :func:`grade_stackelberg`: direct best-response evaluation of a solver's answer.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
from scipy.optimize import linprog


def deviation_rows(payoffs: np.ndarray, profile: tuple[int, ...]) -> np.ndarray:
    """``(r, m)`` rows ``g`` with ``g·x`` = gain of each unilateral follower deviation from ``profile``.

    ``payoffs`` is the full ``(1 + k, m, n_1, ..., n_k)`` tensor.
    """
    rows = []
    for i, own in enumerate(profile):
        for action in range(payoffs.shape[2 + i]):
            if action == own:
                continue
            other = list(profile)
            other[i] = action
            rows.append(payoffs[(1 + i, slice(None)) + tuple(other)] - payoffs[(1 + i, slice(None)) + profile])
    return np.array(rows, dtype=float).reshape(len(rows), payoffs.shape[1])


def region_vertices(rows: np.ndarray, m: int, tol: float = 1e-9) -> list[np.ndarray]:
    """All vertices of ``{x : Σx = 1, x ≥ 0, rows @ x ≤ 0}`` by choosing ``m − 1`` tight inequalities.

    Each row is first divided by its largest entry (which leaves its half-space unchanged), so the
    fixed tolerances below do not depend on the scale of the follower payoffs.
    """
    norms = np.abs(rows).max(axis=1, keepdims=True) if rows.size else np.ones((0, 1))
    rows = rows / np.where(norms > 0, norms, 1.0)
    inequalities = np.vstack([-np.eye(m), rows])  # every inequality written as h·x ≤ 0
    vertices = []
    for tight in itertools.combinations(range(inequalities.shape[0]), m - 1):
        system = np.vstack([np.ones(m), inequalities[list(tight)]])
        if abs(np.linalg.det(system)) < 1e-12:
            continue
        rhs = np.zeros(m)
        rhs[0] = 1.0
        x = np.linalg.solve(system, rhs)
        if np.all(inequalities @ x <= tol):
            vertices.append(x)
    return vertices


def stackelberg_by_vertices(payoffs: np.ndarray):
    """Strong Stackelberg optimum ``(value, x, profile)`` by vertex enumeration, or ``None``.

    For every pure follower profile the leader's payoff is linear, so its maximum over the
    profile's best-response region is attained at a vertex.
    """
    payoffs = np.asarray(payoffs, dtype=float)
    m = payoffs.shape[1]
    best = None
    for profile in itertools.product(*(range(n) for n in payoffs.shape[2:])):
        column = payoffs[(0, slice(None)) + profile]
        for x in region_vertices(deviation_rows(payoffs, profile), m):
            value = float(x @ column)
            if best is None or value > best[0] + 1e-12:
                best = (value, x, profile)
    return best


def stackelberg_two_rows_exact(payoffs: np.ndarray):
    """Strong Stackelberg optimum ``(value, t, profile)`` of a game with ``m = 2``, exactly, or ``None``.

    Payoffs are read as the exact rationals of the stored floats. The commitment is
    ``(t, 1 − t)``; a deviation with gain row ``g`` is unprofitable iff ``g_0 t + g_1 (1 − t) ≤ 0``,
    a half-line in ``t``, so each profile's best-response region is an interval ``[lo, hi]`` of
    ``[0, 1]`` and the leader's (linear) payoff is largest at one of its ends.
    """
    payoffs = np.asarray(payoffs, dtype=float)
    assert payoffs.shape[1] == 2, "two leader actions only"
    exact = np.vectorize(Fraction, otypes=[object])(payoffs)
    best = None
    for profile in itertools.product(*(range(n) for n in payoffs.shape[2:])):
        low, high = Fraction(0), Fraction(1)
        for i, own in enumerate(profile):
            for action in range(payoffs.shape[2 + i]):
                other = profile[:i] + (action,) + profile[i + 1:]
                g0, g1 = exact[(1 + i, slice(None)) + other] - exact[(1 + i, slice(None)) + profile]
                slope = g0 - g1  # constraint: slope * t <= -g1
                if slope > 0:
                    high = min(high, -g1 / slope)
                elif slope < 0:
                    low = max(low, -g1 / slope)
                elif g1 > 0:
                    low, high = Fraction(1), Fraction(0)
        if low > high:
            continue
        c0, c1 = exact[(0, slice(None)) + profile]
        for t in (low, high):
            value = c0 * t + c1 * (1 - t)
            if best is None or value > best[0]:
                best = (value, t, profile)
    return best


def per_action_values(payoffs: np.ndarray) -> np.ndarray:
    """One follower: ``(n,)`` the LP value of each follower action (``-inf`` when never a best response)."""
    m, n = payoffs.shape[1:]
    values = np.full(n, -np.inf)
    for j in range(n):
        for x in region_vertices(deviation_rows(payoffs, (j,)), m):
            values[j] = max(values[j], float(x @ payoffs[0, :, j]))
    return values


def bayesian_by_assignments(leader, follower, prior):
    """Bayesian Stackelberg optimum ``(value, assignment)``: one ``linprog`` per type→action map.

    Best-response rows are divided by their largest entry (same half-spaces), so linprog's
    feasibility tolerance (1e-7) is relative to each type's payoff scale. An assignment that is
    infeasible by less than that (payoffs nearly tied beyond 1e-7) may still be accepted.
    """
    leader, follower, prior = (np.asarray(a, dtype=float) for a in (leader, follower, prior))
    types, m, n = leader.shape
    best = (-np.inf, None)
    for assignment in itertools.product(range(n), repeat=types):
        objective = sum(prior[t] * leader[t, :, j] for t, j in enumerate(assignment))
        rows = np.vstack([(follower[t] - follower[t][:, [j]]).T for t, j in enumerate(assignment)])
        norms = np.abs(rows).max(axis=1, keepdims=True) if rows.size else np.ones((0, 1))
        rows = rows / np.where(norms > 0, norms, 1.0)
        result = linprog(-objective, A_ub=rows, b_ub=np.zeros(rows.shape[0]), A_eq=np.ones((1, m)),
                         b_eq=[1.0], bounds=(0, None), method="highs")
        if result.status == 0 and -result.fun > best[0] + 1e-12:
            best = (-result.fun, assignment)
    return best


def _polytope_vertices(matrix: np.ndarray) -> list[tuple[np.ndarray, frozenset]]:
    """Vertices of ``{z ≥ 0 : matrix @ z ≤ 1}`` (matrix ``(r, d)``, positive) with their label sets.

    Labels: ``("z", k)`` for ``z_k = 0`` and ``("row", t)`` for a tight row ``t``.
    """
    rows, dim = matrix.shape
    constraints = np.vstack([np.eye(dim), matrix])  # z_k >= 0 written as e_k·z = 0 when tight
    rhs_all = np.concatenate([np.zeros(dim), np.ones(rows)])
    out = []
    for tight in itertools.combinations(range(dim + rows), dim):
        system = constraints[list(tight)]
        if abs(np.linalg.det(system)) < 1e-12:
            continue
        z = np.linalg.solve(system, rhs_all[list(tight)])
        if np.any(z < -1e-9) or np.any(matrix @ z > 1 + 1e-9):
            continue
        labels = frozenset([("z", k) for k in range(dim) if abs(z[k]) <= 1e-9]
                           + [("row", t) for t in range(rows) if abs(matrix[t] @ z - 1) <= 1e-9])
        if not any(np.allclose(z, w, atol=1e-9) for w, _ in out):
            out.append((z, labels))
    return out


def extreme_equilibria_by_labels(row_payoffs, column_payoffs) -> list[tuple[np.ndarray, np.ndarray]]:
    """Extreme equilibria as completely labelled vertex pairs (``x`` labels ∪ ``y`` labels = all actions).

    Payoffs are shifted to be positive (which changes no equilibrium). ``P = {x ≥ 0 : Bᵀx ≤ 1}``
    and ``Q = {y ≥ 0 : A y ≤ 1}``; row ``i`` is a label of ``x`` when ``x_i = 0`` and of ``y``
    when ``(Ay)_i = 1``; column ``j`` of ``x`` when ``(Bᵀx)_j = 1`` and of ``y`` when ``y_j = 0``.
    """
    a = np.asarray(row_payoffs, dtype=float)
    b = np.asarray(column_payoffs, dtype=float)
    a = a - a.min() + 1.0
    b = b - b.min() + 1.0
    m, n = a.shape
    found = []
    for x, x_labels in _polytope_vertices(b.T):
        rows_x = {k for kind, k in x_labels if kind == "z"}
        cols_x = {k for kind, k in x_labels if kind == "row"}
        if not x.any():
            continue
        for y, y_labels in _polytope_vertices(a):
            if not y.any():
                continue
            rows_y = {k for kind, k in y_labels if kind == "row"}
            cols_y = {k for kind, k in y_labels if kind == "z"}
            if rows_x | rows_y == set(range(m)) and cols_x | cols_y == set(range(n)):
                found.append((x / x.sum(), y / y.sum()))
    return found


def grade_stackelberg(payoffs: np.ndarray, x, profile, *, tol: float = 1e-7) -> float:
    """Check an answer by direct evaluation; return the leader's value ``x·A[:, profile]``.

    Asserts that ``x`` is a distribution and that no follower gains more than ``tol`` by a
    unilateral deviation from ``profile`` at ``x`` (the follower best-response condition).
    """
    payoffs = np.asarray(payoffs, dtype=float)
    x = np.asarray(x, dtype=float)
    assert x.shape == (payoffs.shape[1],)
    assert np.all(x >= -1e-12) and abs(x.sum() - 1) <= 1e-9, f"not a distribution: {x}"
    induced = np.tensordot(x, payoffs, axes=([0], [1]))  # (1 + k, n_1, ..., n_k)
    for i, own in enumerate(profile):
        index = tuple(profile[:i]) + (slice(None),) + tuple(profile[i + 1:])
        own_payoffs = induced[(1 + i,) + index]
        assert own_payoffs.max() <= own_payoffs[own] + tol, (
            f"follower {i} gains {own_payoffs.max() - own_payoffs[own]} by leaving action {own}")
    return float(induced[(0,) + tuple(profile)])


# --- exact rational oracles (issue 14: near-tied follower payoffs) ----------------------------

def _solve_exact(matrix: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    """The unique solution of a square rational system by Gauss-Jordan elimination, or None if singular."""
    size = len(matrix)
    rows = [list(row) + [b] for row, b in zip(matrix, rhs)]
    for col in range(size):
        pivot = next((r for r in range(col, size) if rows[r][col] != 0), None)
        if pivot is None:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        head = rows[col][col]
        rows[col] = [v / head for v in rows[col]]
        for r in range(size):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col])]
    return [row[-1] for row in rows]


def exact_region_optimum(objective, rows) -> tuple[Fraction, list[Fraction]] | None:
    """``max objective·x`` over ``{x : Σx = 1, x >= 0, rows @ x <= 0}`` exactly, by its vertices.

    ``objective`` and ``rows`` hold Fractions (``(m,)`` and ``(r, m)``). A vertex makes ``m - 1``
    of the inequalities tight; every choice is solved exactly and kept when feasible.
    """
    m = len(objective)
    inequalities = [[Fraction(-int(i == j)) for j in range(m)] for i in range(m)] + [list(r) for r in rows]
    best = None
    for tight in itertools.combinations(range(len(inequalities)), m - 1):
        x = _solve_exact([[Fraction(1)] * m] + [inequalities[t] for t in tight], [Fraction(1)] + [Fraction(0)] * (m - 1))
        if x is None or any(sum(h * v for h, v in zip(row, x)) > 0 for row in inequalities):
            continue
        value = sum(c * v for c, v in zip(objective, x))
        if best is None or value > best[0]:
            best = (value, x)
    return best


def stackelberg_exact(payoffs: np.ndarray):
    """Strong Stackelberg optimum ``(value, x, profile)`` of the stored floats, exactly, or None.

    Payoffs are read as the exact rationals they store; the first profile (lexicographic)
    attaining the largest value is returned.
    """
    payoffs = np.asarray(payoffs, dtype=float)
    exact = np.vectorize(Fraction, otypes=[object])(payoffs)
    best = None
    for profile in itertools.product(*(range(n) for n in payoffs.shape[2:])):
        rows = []
        for i, own in enumerate(profile):
            for action in range(payoffs.shape[2 + i]):
                if action != own:
                    other = profile[:i] + (action,) + profile[i + 1:]
                    rows.append(list(exact[(1 + i, slice(None)) + other] - exact[(1 + i, slice(None)) + profile]))
        found = exact_region_optimum(list(exact[(0, slice(None)) + profile]), rows)
        if found is not None and (best is None or found[0] > best[0]):
            best = (found[0], found[1], profile)
    return best


def bayesian_exact(leader, follower, prior):
    """Bayesian Stackelberg optimum ``(value, assignment)`` of the stored floats, exactly.

    One exact vertex enumeration per assignment of an action to every follower type (the
    multiple-LP method on the Harsanyi-transformed game, Conitzer & Sandholm 2006, Section 5).
    """
    leader, follower, prior = (np.vectorize(Fraction, otypes=[object])(np.asarray(a, dtype=float))
                               for a in (leader, follower, prior))
    types, m, n = leader.shape
    best = None
    for assignment in itertools.product(range(n), repeat=types):
        objective = [sum(prior[t] * leader[t, i, j] for t, j in enumerate(assignment)) for i in range(m)]
        rows = [list(follower[t][:, a] - follower[t][:, j]) for t, j in enumerate(assignment)
                for a in range(n) if a != j]
        found = exact_region_optimum(objective, rows)
        if found is not None and (best is None or found[0] > best[0]):
            best = (found[0], assignment)
    return best
