"""Independent brute-force oracles for the graders' tests (no LP solver, no sedtheory grader).

* ``brute_regret``: regrets by looping over every pure deviation with ``itertools``.
* ``pure_nash_profiles``: every pure Nash equilibrium by enumerating all profiles.
* ``vertex_leader_optimum``: OPT(δ) by vertex enumeration of the follower δ-best-response
  regions. For a pure follower profile y the feasible commitments form the polytope
  {x >= 0, Σx = 1, x·(B_i[:, y] - B_i[:, (a', y_-i)]) >= -δ}; a linear objective attains its
  maximum over a non-empty polytope at a vertex, and every vertex is the unique solution of
  the equality plus m - 1 tight, linearly independent inequalities. Enumerate them all
  (Bayesian games: the same per tuple of type responses, Harsanyi style).
"""

from __future__ import annotations

import itertools

import numpy as np


def brute_regret(payoffs: np.ndarray, strategies: list[np.ndarray]) -> np.ndarray:
    """Regrets ``(n,)`` of a mixed profile in the game ``payoffs (n, *n_actions)``."""
    n = payoffs.shape[0]
    shape = payoffs.shape[1:]

    def value(player, vectors):
        total = 0.0
        for profile in itertools.product(*(range(k) for k in shape)):
            prob = np.prod([vectors[q][a] for q, a in enumerate(profile)])
            total += prob * payoffs[(player,) + profile]
        return total

    out = np.zeros(n)
    for p in range(n):
        base = value(p, strategies)
        best = max(value(p, strategies[:p] + [np.eye(shape[p])[a]] + strategies[p + 1:]) for a in range(shape[p]))
        out[p] = best - base
    return out


def pure_nash_profiles(payoffs: np.ndarray) -> list[tuple[int, ...]]:
    """All pure Nash equilibria (exact comparison) of ``payoffs (n, *n_actions)``."""
    shape = payoffs.shape[1:]
    found = []
    for profile in itertools.product(*(range(k) for k in shape)):
        stable = True
        for p in range(len(shape)):
            for a in range(shape[p]):
                deviation = profile[:p] + (a,) + profile[p + 1:]
                if payoffs[(p,) + deviation] > payoffs[(p,) + profile]:
                    stable = False
        if stable:
            found.append(profile)
    return found


def vertex_max(objective: np.ndarray, rows: np.ndarray, rhs: np.ndarray, slack: float = 1e-9):
    """max objective·x over {x >= 0, Σx = 1, rows @ x >= rhs} by enumerating vertices.

    Returns ``(value, x)`` or ``None`` when the polytope is empty.
    """
    m = objective.size
    rows = np.vstack([np.eye(m), np.asarray(rows, dtype=float).reshape(-1, m)])
    rhs = np.concatenate([np.zeros(m), np.asarray(rhs, dtype=float)])
    best = None
    for tight in itertools.combinations(range(len(rows)), m - 1):
        system = np.vstack([np.ones(m), rows[list(tight)]])
        if abs(np.linalg.det(system)) < 1e-12:
            continue
        x = np.linalg.solve(system, np.concatenate([[1.0], rhs[list(tight)]]))
        if np.all(rows @ x >= rhs - slack):
            value = float(objective @ x)
            if best is None or value > best[0]:
                best = (value, x)
    return best


def _profile_rows(payoffs: np.ndarray, profile: tuple[int, ...]) -> np.ndarray:
    """Rows ``B_i[:, y] - B_i[:, (a', y_-i)]`` (each must be >= -δ) for a pure follower profile."""
    rows = []
    for i, y in enumerate(profile):
        here = payoffs[(i + 1, slice(None)) + profile]
        for other in range(payoffs.shape[2 + i]):
            if other != y:
                deviation = profile[:i] + (other,) + profile[i + 1:]
                rows.append(here - payoffs[(i + 1, slice(None)) + deviation])
    return np.array(rows).reshape(len(rows), payoffs.shape[1])


def vertex_leader_optimum(payoffs: np.ndarray, delta: float = 0.0):
    """OPT(δ) of a Stackelberg–Nash game ``(1 + k, m, n_1..n_k)`` by vertex enumeration.

    Returns ``(value, x, profile)`` or ``None`` when no commitment admits a pure δ-equilibrium.
    """
    payoffs = np.asarray(payoffs, dtype=float)
    best = None
    for profile in itertools.product(*(range(k) for k in payoffs.shape[2:])):
        rows = _profile_rows(payoffs, profile)
        found = vertex_max(payoffs[(0, slice(None)) + profile], rows, np.full(len(rows), -delta))
        if found is not None and (best is None or found[0] > best[0]):
            best = (found[0], found[1], profile)
    return best


def bayesian_vertex_optimum(leader, follower, prior, delta: float = 0.0):
    """OPT(δ) of a Bayesian game ``(K, m, n)`` by enumerating type responses and vertices."""
    n_types, m, n = leader.shape
    best = None
    for responses in itertools.product(range(n), repeat=n_types):
        objective = sum(prior[k] * leader[k][:, j] for k, j in enumerate(responses))
        rows = [follower[k][:, j] - follower[k][:, other]
                for k, j in enumerate(responses) for other in range(n) if other != j]
        found = vertex_max(objective, np.array(rows).reshape(len(rows), m), np.full(len(rows), -delta))
        if found is not None and (best is None or found[0] > best[0]):
            best = (found[0], found[1], responses)
    return best
