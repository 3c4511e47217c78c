"""All extreme Nash equilibria of a small two-player game, by support enumeration in exact arithmetic.

Algorithm: support enumeration (Dickhaut & Kaplan 1991; Nisan, Roughgarden, Tardos & Vazirani,
*Algorithmic Game Theory*, 2007, Section 3.3), extended to degenerate games. For every pair of
supports ``I`` (rows) and ``J`` (columns), of *all* sizes including ``|I| ≠ |J|``, the
equilibria with exactly these supports form the product of two polytopes::

    X(I, J) = {(x, v): x ≥ 0, Σx = 1, x_i = 0 (i ∉ I),  x·B[:, j] = v (j ∈ J),  x·B[:, j] ≤ v (j ∉ J)}
    Y(I, J) = {(y, u): y ≥ 0, Σy = 1, y_j = 0 (j ∉ J),  A[i, :]·y = u (i ∈ I),  A[i, :]·y ≤ u (i ∉ I)}

restricted to ``x_I > 0`` and ``y_J > 0``. Their vertices are found by fixing, besides the
equalities, enough of the inequalities ``j ∉ J`` (resp. ``i ∉ I``) at equality to determine a
unique point, solving the square system in exact rationals, and keeping the points that satisfy
all constraints.

What "all" means: in a non-degenerate game each support pair holds at most one equilibrium and
the result is the (finite) set of *all* Nash equilibria. In a degenerate game the equilibrium
set can contain continua (segments, polytopes); the result is then the set of its *extreme*
equilibria: the pairs ``(x, y)`` where ``x`` and ``y`` are vertices of the polytopes above.
These are exactly the completely labelled vertex pairs of the best-response polytopes, i.e.
the extreme equilibria that lrsnash reports (Avis, Rosenberg, Savani & von Stengel,
"Enumeration of Nash equilibria for two-player games", Economic Theory 2010); every
equilibrium is a convex combination of extreme ones that share a support pair's polytope.

Payoffs are read exactly as the binary floats stored in the game (``Fraction(float)``), so
integer and dyadic payoffs are handled with no rounding at all.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations
import numpy as np

from sedtheory._validate import ValidationError
from sedtheory.games.normal_form import NormalFormGame

MAX_SUPPORT_PAIRS = 2 ** 14
"""Largest number of support pairs ``(2^m − 1)(2^n − 1)`` :func:`support_enumeration` accepts."""

Equilibrium = tuple[tuple[Fraction, ...], tuple[Fraction, ...]]

_SCREEN = 1e-9  # float screening slack, relative to payoff scale and condition number (far above rounding)
_MAX_CONDITION = 1e8  # above this the float screen is not trusted and the exact solve decides


def support_enumeration(game: NormalFormGame) -> list[Equilibrium]:
    """All extreme Nash equilibria of a two-player game, in exact rational arithmetic.

    Steps: for each support pair ``(I, J)`` (all sizes, ``|I| ≠ |J|`` included), enumerate the
    vertices of ``X(I, J)`` with ``x > 0`` on ``I``; if there are any, those of ``Y(I, J)``
    with ``y > 0`` on ``J``; every pair of such vertices is an extreme equilibrium with
    supports exactly ``(I, J)`` (module docstring for why this finds every extreme one once).

    Args:
        game: a two-player :class:`NormalFormGame`, payoffs ``(2, m, n)``.

    Returns:
        A list of ``(x, y)`` with ``x`` a tuple of ``m`` and ``y`` of ``n`` :class:`Fraction`
        probabilities, sorted by support pair then lexicographically. For a non-degenerate
        game this is every equilibrium; for a degenerate one every *extreme* equilibrium.

    Raises:
        ValidationError: not a two-player game, or more than :data:`MAX_SUPPORT_PAIRS` support pairs.

    Example:
        >>> pennies = NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
        >>> support_enumeration(pennies)
        [((Fraction(1, 2), Fraction(1, 2)), (Fraction(1, 2), Fraction(1, 2)))]
    """
    if not isinstance(game, NormalFormGame):
        raise ValidationError(f"game: support enumeration needs a two-player NormalFormGame, got {type(game).__name__}")
    if game.n_players != 2:
        raise ValidationError(f"game: support enumeration needs a two-player game, got {game.n_players} players")
    m, n = game.n_actions
    if (2 ** m - 1) * (2 ** n - 1) > MAX_SUPPORT_PAIRS:
        raise ValidationError(f"game: {m}x{n} has {(2 ** m - 1) * (2 ** n - 1)} support pairs, above the "
                              f"exact enumeration limit {MAX_SUPPORT_PAIRS}")
    row = _Payoffs(game.payoffs[0])  # A[i][j]
    column_t = _Payoffs(game.payoffs[1].T)  # B transposed: (n, m)
    found: list[Equilibrium] = []
    for rows in _supports(m):
        for columns in _supports(n):
            xs = _vertices(column_t, rows, columns, m)  # x mixes rows so that the columns in J tie
            if xs:  # supports are exact, so no pair is found under two support pairs
                ys = _vertices(row, columns, rows, n)
                found.extend((x, y) for x in xs for y in ys)
    return found


class _Payoffs:
    """One player's payoffs both as exact :class:`Fraction` rows and as a float array (for screening)."""

    def __init__(self, matrix) -> None:
        self.floats = np.asarray(matrix, dtype=float)
        self.exact = [[Fraction(float(v)) for v in line] for line in self.floats]
        self.scale = 1.0 + float(np.abs(self.floats).max())


def _supports(size: int):
    for k in range(1, size + 1):
        yield from combinations(range(size), k)


def _vertices(opponent: _Payoffs, own: tuple[int, ...], targets: tuple[int, ...],
              size: int) -> list[tuple[Fraction, ...]]:
    """Vertices ``s`` (length ``size``) of the mixed strategy polytope with support exactly ``own``.

    ``opponent.exact[t][k]`` is the *other* player's payoff for its action ``t`` when this
    player plays ``k``. Constraints: ``Σ s = 1``; ``opponent[t]·s = w`` for ``t`` in
    ``targets``; ``opponent[t]·s ≤ w`` otherwise; ``s_k > 0`` exactly on ``own``. Unknowns:
    ``s_own`` and ``w``. Candidate systems are screened in floating point (a candidate is
    dropped only when it violates a constraint by far more than the float error bound) and
    every survivor is solved and checked in exact arithmetic.
    """
    width = len(own) + 1  # unknowns: one probability per own action, then the value w
    others = [t for t in range(len(opponent.exact)) if t not in targets]
    if not _maybe_consistent(opponent, own, targets):
        return []
    equalities = [[Fraction(1)] * len(own) + [Fraction(0), Fraction(1)]]
    equalities += [[opponent.exact[t][k] for k in own] + [Fraction(-1), Fraction(0)] for t in targets]
    rank = _float_rank(opponent, own, targets)
    if rank is None:
        rank = _rank([line[:width] for line in equalities])
    if rank < len(equalities) and not _consistent(equalities, width):
        return []
    out: list[tuple[Fraction, ...]] = []
    for tight in combinations(others, width - rank):
        if not _maybe_vertex(opponent, own, targets + tight, others):
            continue
        system = equalities + [[opponent.exact[t][k] for k in own] + [Fraction(-1), Fraction(0)] for t in tight]
        point = _unique_solution(system, width)
        if point is None or any(p <= 0 for p in point[:-1]):
            continue
        value = point[-1]
        if any(sum(opponent.exact[t][k] * p for k, p in zip(own, point)) > value for t in others):
            continue
        strategy = [Fraction(0)] * size
        for k, p in zip(own, point):
            strategy[k] = p
        candidate = tuple(strategy)
        if candidate not in out:
            out.append(candidate)
    return sorted(out)


def _float_system(opponent: _Payoffs, own, tied) -> tuple[np.ndarray, np.ndarray]:
    """Float ``[M | b]`` of ``Σ s = 1`` and ``opponent[t]·s − w = 0`` for ``t`` in ``tied``."""
    block = opponent.floats[np.ix_(list(tied), list(own))]
    top = np.append(np.ones(len(own)), 0.0)
    matrix = np.vstack([top, np.hstack([block, -np.ones((len(tied), 1))])])
    rhs = np.zeros(len(tied) + 1)
    rhs[0] = 1.0
    return matrix, rhs


def _maybe_consistent(opponent: _Payoffs, own, targets) -> bool:
    """False only when the equalities are certainly inconsistent (least-squares residual far above rounding)."""
    matrix, rhs = _float_system(opponent, own, targets)
    solution = np.linalg.lstsq(matrix, rhs, rcond=None)[0]
    residual = float(np.abs(matrix @ solution - rhs).max())
    return residual <= _SCREEN * opponent.scale * (1.0 + float(np.abs(solution).max()))


def _float_rank(opponent: _Payoffs, own, targets) -> int | None:
    """Rank of the equality system when floats can certify it, else ``None`` (the exact rank decides).

    Floats can only certify that singular values are *non-zero*: a backward-stable SVD moves
    each one by about ``1e-15`` of the largest (Weyl's inequality), so a value above ``1e-7`` of
    the largest is certainly non-zero in the exact matrix. A tiny computed value, on the other
    hand, may belong to an exactly singular matrix or to a regular one whose payoffs differ in
    their last bits (payoffs ``1`` and ``1 + 1e-12``), so the full rank is certified here and
    every other case is left to exact row reduction.
    """
    matrix, _ = _float_system(opponent, own, targets)
    values = np.linalg.svd(matrix, compute_uv=False)
    if np.all(values >= 1e-7 * float(values.max())):
        return int(values.size)
    return None


def _maybe_vertex(opponent: _Payoffs, own, tied, others) -> bool:
    """False only when the square system's float solution violates a constraint beyond its error bound."""
    matrix, rhs = _float_system(opponent, own, tied)
    if matrix.shape[0] != matrix.shape[1]:
        return True  # dependent equalities (a degenerate game): let the exact solve decide
    condition = np.linalg.cond(matrix)
    if not np.isfinite(condition) or condition > _MAX_CONDITION:
        return True  # (near-)singular: let the exact solve decide
    point = np.linalg.solve(matrix, rhs)
    margin = _SCREEN * condition * opponent.scale * (1.0 + float(np.abs(point).max()))
    if point[:-1].min() < -margin:
        return False
    if others:
        payoffs = opponent.floats[np.ix_(others, list(own))] @ point[:-1]
        if payoffs.max() > point[-1] + margin:
            return False
    return True


def _row_reduce(matrix: list[list[Fraction]], width: int) -> tuple[list[list[Fraction]], list[int]]:
    """Reduced row echelon form on the first ``width`` columns (extra columns carried along)."""
    rows = [list(line) for line in matrix]
    pivots: list[int] = []
    top = 0
    for col in range(width):
        pivot = next((r for r in range(top, len(rows)) if rows[r][col] != 0), None)
        if pivot is None:
            continue
        rows[top], rows[pivot] = rows[pivot], rows[top]
        lead = rows[top][col]
        rows[top] = [v / lead for v in rows[top]]
        for r in range(len(rows)):
            if r != top and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[top])]
        pivots.append(col)
        top += 1
        if top == len(rows):
            break
    return rows, pivots


def _rank(matrix: list[list[Fraction]]) -> int:
    return len(_row_reduce(matrix, len(matrix[0]))[1]) if matrix else 0


def _consistent(augmented: list[list[Fraction]], width: int) -> bool:
    rows, pivots = _row_reduce(augmented, width)
    return all(line[width] == 0 for line in rows[len(pivots):])


def _unique_solution(augmented: list[list[Fraction]], width: int) -> list[Fraction] | None:
    """The solution of ``[M | b]`` (``M`` has ``width`` columns) when it exists and is unique."""
    rows, pivots = _row_reduce(augmented, width)
    if len(pivots) < width or any(line[width] != 0 for line in rows[len(pivots):]):
        return None
    return [rows[i][width] for i in range(width)]
