"""Strong Stackelberg equilibrium with a mixed leader commitment, by multiple LPs.

Algorithm: the *multiple-LP* method of Conitzer & Sandholm, "Computing the optimal strategy
to commit to", EC 2006, Section 3. For every follower response ``y`` one LP finds the leader's
best commitment ``x`` under which ``y`` is a best response; the strong Stackelberg value is
the largest of these LP values (ties among follower best responses are broken in the leader's
favour because each LP ranges over the *closed* best-response region of ``y``).

With ``k >= 2`` followers (paper, Definition 2.1) the followers play a pure Nash equilibrium of
the game the commitment induces, the best one for the leader. For a pure follower profile
``y`` the condition "every ``y_i`` is a best response to ``y_{-i}`` given ``x``" is linear in
``x``, so the same method applies with one LP per follower profile.

Speed-ups, all of which keep the answer exact (the plain method, ``method="multiple-lp"``,
solves every LP in full and serves as the baseline in ``benchmarks/stackelberg.py``):

1. *Best-first search on upper bounds.* Every candidate ``y`` starts with the bound
   ``max_l A[l, y]`` (its LP without best-response constraints). The candidate with the
   highest current bound is examined next; the search stops as soon as that candidate's
   relaxed optimum satisfies all its constraints, because every other candidate's LP value is
   at most its bound, which is at most this value. Most candidates are never touched.
2. *Constraint generation.* A candidate's LP starts with no best-response rows; at each visit
   the most violated rows at the current optimum are added and the LP is re-solved from the
   previous basis (HiGHS dual simplex, :mod:`sedtheory.solvers._highs`). Each relaxed value
   is again an upper bound, so the candidate goes back into the queue with it.
3. *Strict dominance.* A response that some other action of the same follower beats against
   every leader action can never be a best response and is skipped without an LP.

Payoffs are rescaled to ``[0, 1]`` (a positive affine map per player, which leaves best
responses and the optimal commitment unchanged) before the LPs are built; values, duals and
gaps in the result are reported in the original units.

Ties follow the one rule of :mod:`sedtheory.evaluation.ties`: a follower deviation gains only
when it gains more than τ_i = 1e-10 of the follower's payoff span (``certify`` uses the same
rule). HiGHS works to about 1e-9, so the commitment of every LP the answer rests on is checked
against all of its rows and, when in doubt, re-solved in exact rational arithmetic
(:func:`~sedtheory.evaluation.ties.settle_commitment`); a follower that prefers another action
by 1e-9 of its span is never treated as indifferent.
"""

from __future__ import annotations

import heapq
import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from sedtheory._validate import DEFAULT_TOL, ValidationError, nonnegative_scalar
from sedtheory.evaluation.ties import TIE_RTOL, settle_commitment, tie_tolerances
from sedtheory.games.normal_form import StackelbergNashGame
from sedtheory.solvers._highs import CommitmentLP, LPSolution
from sedtheory.solvers._result import SolverStatus, StackelbergResult

MAX_FOLLOWER_PROFILES = 1_000_000
"""Largest number of pure follower profiles ``n_1 * ... * n_k`` :func:`solve_stackelberg` accepts."""

MIN_TOL = 1e-9
"""Smallest accepted ``tol``: the LPs are solved to a feasibility tolerance of ``1e-10``."""

METHODS = ("auto", "pruned", "multiple-lp")

_ROWS_PER_ROUND = 8  # violated best-response rows added to a candidate's LP per visit
_TIE = TIE_RTOL  # the tie tolerance in rescaled payoff units (every follower's span is 1 there)
_HIGHS_TOL = 1e-10
_BOUNDS_REPORTED_UP_TO = 10_000  # details["upper_bounds"] is recorded for at most this many candidates

_CITATION = "Conitzer & Sandholm, EC 2006"


class SolverWarning(RuntimeWarning):
    """Raised (as a warning) when a solver's answer deserves the caller's attention."""


@dataclass
class _Scaled:
    """Payoffs rescaled to ``[0, 1]`` per player, with the maps back to the original units.

    ``leader``: ``(m, P)`` leader payoff per commitment row and flat follower profile;
    ``followers``: ``(k, m, n_1, ..., n_k)``; ``offsets``/``scales``: ``(1 + k,)``.
    """

    leader: np.ndarray
    followers: np.ndarray
    offsets: np.ndarray
    scales: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.followers.shape[2:])

    @property
    def m(self) -> int:
        return int(self.followers.shape[1])


@dataclass
class _Candidate:
    """Search state of one follower profile: its LP (built lazily) and last optimum."""

    profile: tuple[int, ...]
    x: np.ndarray
    solution: LPSolution
    lp: CommitmentLP | None = None
    deviations: list[tuple[int, int]] = field(default_factory=list)
    settled: bool = False  # x checked against every row under the tie rule (final)


@dataclass
class _Outcome:
    """What a search found: the winning candidate (or ``None``) and its statistics."""

    best: _Candidate | None
    n_lps: int
    examined: int
    dominated: int
    upper_bounds: list | None
    error: str = ""


def solve_stackelberg(game: StackelbergNashGame, *, tol: float = DEFAULT_TOL, method: str = "auto") -> StackelbergResult:
    """Strong Stackelberg equilibrium of ``game`` with a mixed leader commitment.

    Steps (Conitzer & Sandholm 2006, multiple LPs; module docstring for the speed-ups):

    1. rescale payoffs to ``[0, 1]`` per player;
    2. for each pure follower profile ``y`` (one follower: each action ``j``), the LP
       ``max_x x·A[:, y]`` over commitments under which ``y`` is a (Nash) best response;
    3. return the profile and commitment of the largest LP value, with the LP's dual
       certificate, the follower actions tied with the chosen one, and search statistics.

    Args:
        game: leader payoffs ``(m, n_1, ..., n_k)`` and follower payoffs; ``k >= 1``.
        tol: the tolerance (original payoff units) the result is stated up to, recorded in it;
            at least ``1e-9``. Which follower actions are best responses, and which are
            reported as ties, follows the tie rule (module docstring), never ``tol``.
        method: ``"auto"``/``"pruned"`` (best-first search with bounds and constraint
            generation) or ``"multiple-lp"`` (every LP solved in full; the plain baseline).

    Returns:
        :class:`StackelbergResult` with ``leader_strategy`` ``(m,)``, ``follower_actions``
        (one action per follower), ``follower_values`` ``(k,)`` and ``details`` holding
        ``n_lps``, ``candidates``/``examined``/``pruned_dominated``, ``tied_deviations``
        (``[follower, action]`` pairs within τ_i = 1e-10 × the follower's payoff span of the chosen payoff;
        ``tied_actions`` for one follower), ``max_follower_gain`` (largest gain of a unilateral follower deviation,
        ≤ τ_i), ``dual_certificate`` (``μ`` and multipliers ``λ ≥ 0``
        with ``μ·1 + Σ λ·(deviation payoff − payoff) ≥ A[:, y]``, proving the chosen LP's
        optimum), and ``upper_bounds`` (one follower, up to 10,000 actions: the bound each
        action's LP value was shown not to exceed, ``None`` where the action was shown never to
        be a best response). With ``k >= 2`` followers and no commitment that admits a pure
        equilibrium, the status is ``NO_PURE_EQUILIBRIUM`` (and a :class:`SolverWarning` is issued).

    Raises:
        ValidationError: wrong game type, bad ``tol`` or ``method``, or more than
            :data:`MAX_FOLLOWER_PROFILES` follower profiles.

    Example:
        >>> game = StackelbergNashGame.from_bimatrix([[2, 4], [1, 3]], [[1, 0], [0, 1]])
        >>> result = solve_stackelberg(game)
        >>> round(result.leader_value, 6), result.follower_actions
        (3.5, (1,))
    """
    tol = _check_arguments(game, tol, method)
    scaled = _rescale(game)
    outcome = _plain_search(scaled) if method == "multiple-lp" else _best_first_search(scaled)
    label = "plain multiple-LP" if method == "multiple-lp" else "best-first multiple-LP with constraint generation"
    solver = f"{label} ({_CITATION})"
    if outcome.error:
        return _failure(game, SolverStatus.NUMERICAL_ERROR, solver, tol, outcome, outcome.error)
    if outcome.best is None:
        message = ("no leader commitment admits a pure Nash equilibrium among the followers "
                   f"(all {int(np.prod(scaled.shape))} follower profiles are infeasible)")
        warnings.warn(message, SolverWarning, stacklevel=2)
        return _failure(game, SolverStatus.NO_PURE_EQUILIBRIUM, solver, tol, outcome, message)
    return _success(game, scaled, outcome, solver, tol)


def _check_arguments(game, tol, method) -> float:
    check_enumerable_game(game)
    tol = nonnegative_scalar("tol", tol)
    if tol < MIN_TOL:
        raise ValidationError(f"tol: must be >= {MIN_TOL:g} (LPs are solved to 1e-10), got {tol:g}")
    if method not in METHODS:
        raise ValidationError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    return tol


def check_enumerable_game(game) -> None:
    """Raise :class:`ValidationError` unless ``game`` is a :class:`StackelbergNashGame` with at most
    :data:`MAX_FOLLOWER_PROFILES` pure follower profiles (the solvers here visit each one)."""
    if not isinstance(game, StackelbergNashGame):
        raise ValidationError(f"game: expected a StackelbergNashGame, got {type(game).__name__}")
    profiles = math.prod(game.n_follower_actions)
    if profiles > MAX_FOLLOWER_PROFILES:
        raise ValidationError(
            f"game: {profiles} pure follower profiles exceed the exact solvers' limit of "
            f"{MAX_FOLLOWER_PROFILES} (one LP or one equilibrium test per profile in the worst case)"
        )


def rescale_to_unit(values: np.ndarray, axes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positive affine map of ``values`` onto ``[0, 1]`` over ``axes``: ``(unit, offsets, scales)``.

    ``unit = (values − offsets) / scales`` with ``offsets`` the minima and ``scales`` the ranges
    over ``axes`` (kept as length-1 axes; a constant slice gets scale 1). Applied to one
    player's payoffs it changes no best response and no optimal commitment.
    """
    offsets = values.min(axis=axes, keepdims=True)
    spans = values.max(axis=axes, keepdims=True) - offsets
    scales = np.where(spans > 0, spans, 1.0)
    return (values - offsets) / scales, offsets, scales


def _rescale(game: StackelbergNashGame) -> _Scaled:
    unit, offsets, scales = rescale_to_unit(game.payoffs, tuple(range(1, game.payoffs.ndim)))
    leader = unit[0].reshape(game.n_leader_actions, -1)
    return _Scaled(leader, unit[1:], offsets.ravel(), scales.ravel())


# --- deviations of one follower profile -------------------------------------------------

def _follower_slice(followers: np.ndarray, follower: int, profile: tuple[int, ...]) -> np.ndarray:
    """``(m, n_i)``: follower ``i``'s payoff for each leader action and each own action, others at ``profile``."""
    index = (slice(None),) + profile[:follower] + (slice(None),) + profile[follower + 1:]
    return followers[follower][index]


def _gains(followers: np.ndarray, profile: tuple[int, ...], x: np.ndarray) -> list[np.ndarray]:
    """Per follower, ``(n_i,)`` gain of each own action over ``profile[i]`` at commitment ``x``."""
    out = []
    for i, own in enumerate(profile):
        payoff = x @ _follower_slice(followers, i, profile)
        out.append(payoff - payoff[own])
    return out


def _deviation_rows(followers: np.ndarray, profile: tuple[int, ...], deviations) -> np.ndarray:
    """``(r, m)`` rows ``g`` with ``g·x`` = gain of deviation ``(i, a)`` at ``x``."""
    rows = []
    for i, action in deviations:
        block = _follower_slice(followers, i, profile)
        rows.append(block[:, action] - block[:, profile[i]])
    return np.array(rows, dtype=float).reshape(len(rows), followers.shape[1])


def _all_deviations(profile: tuple[int, ...], shape: tuple[int, ...]) -> list[tuple[int, int]]:
    return [(i, a) for i, n in enumerate(shape) for a in range(n) if a != profile[i]]


def _strictly_dominated(followers: np.ndarray, profile: tuple[int, ...]) -> bool:
    """True when some follower's action in ``profile`` is beaten against every leader action."""
    for i, own in enumerate(profile):
        block = _follower_slice(followers, i, profile)
        if np.any(np.all(block > block[:, [own]], axis=0)):
            return True
    return False


# --- searches ---------------------------------------------------------------------------

def _best_first_search(scaled: _Scaled) -> _Outcome:
    """Best-first search over follower profiles with lazy constraint generation (module docstring)."""
    bounds = scaled.leader.max(axis=0)
    final_bounds = bounds.copy()
    order = np.argsort(-bounds, kind="stable")
    queue: list[tuple[float, int]] = []  # (-bound, flat profile) of candidates with an LP
    states: dict[int, _Candidate] = {}
    pointer = n_lps = dominated = 0
    while True:
        fresh = bounds[order[pointer]] if pointer < order.size else -np.inf
        if queue and -queue[0][0] >= fresh:
            flat = heapq.heappop(queue)[1]
            candidate = states[flat]
        elif pointer < order.size:
            flat = int(order[pointer])
            pointer += 1
            profile = tuple(int(a) for a in np.unravel_index(flat, scaled.shape))
            if _strictly_dominated(scaled.followers, profile):
                dominated += 1
                final_bounds[flat] = -np.inf
                continue
            candidate = states[flat] = _pure_start(scaled, flat, profile)
        else:
            return _Outcome(None, n_lps, len(states), dominated, _report_bounds(scaled, final_bounds))
        if candidate.settled:  # its exact value is at least every other bound
            return _Outcome(candidate, n_lps, len(states), dominated, _report_bounds(scaled, final_bounds))
        if not _add_violated_rows(scaled, candidate):
            x = _settle(scaled, flat, candidate.profile, candidate.x)
            if x is None:  # feasible only within HiGHS's tolerance, not under the tie rule
                final_bounds[flat] = -np.inf
                continue
            candidate.x, candidate.settled = x, True
            final_bounds[flat] = float(scaled.leader[:, flat] @ x)
            heapq.heappush(queue, (-final_bounds[flat], flat))  # popped again at once unless beaten
            continue
        candidate.solution = candidate.lp.solve()
        n_lps += 1
        if candidate.solution.status == "error":
            return _Outcome(None, n_lps, len(states), dominated, None, error=candidate.solution.message)
        if candidate.solution.status == "infeasible":
            final_bounds[flat] = -np.inf
            continue
        candidate.x = candidate.solution.x
        final_bounds[flat] = candidate.solution.value
        heapq.heappush(queue, (-candidate.solution.value, flat))


def _pure_start(scaled: _Scaled, flat: int, profile: tuple[int, ...]) -> _Candidate:
    """A candidate before any LP: the relaxation without best-response rows is solved by the best pure row."""
    column = scaled.leader[:, flat]
    row = int(np.argmax(column))
    x = np.zeros(scaled.m)
    x[row] = 1.0
    solution = LPSolution("optimal", x=x, value=float(column[row]), simplex_dual=float(column[row]),
                          row_duals=np.zeros(0))
    return _Candidate(profile, x, solution)


def _add_violated_rows(scaled: _Scaled, candidate: _Candidate) -> bool:
    """Add the most violated best-response rows at ``candidate.x``; False when none is violated."""
    gains = _gains(scaled.followers, candidate.profile, candidate.x)
    present = set(candidate.deviations)
    violated = [
        (float(g[a]), i, a) for i, g in enumerate(gains) for a in np.flatnonzero(g > _TIE).tolist()
        if (i, a) not in present
    ]
    if not violated:
        return False
    violated.sort(reverse=True)
    new = [(i, a) for _, i, a in violated[:_ROWS_PER_ROUND]]
    if candidate.lp is None:
        candidate.lp = CommitmentLP(scaled.leader[:, _flat(candidate.profile, scaled.shape)], _HIGHS_TOL)
    candidate.lp.add_rows(_deviation_rows(scaled.followers, candidate.profile, new))
    candidate.deviations.extend(new)
    return True


def _plain_search(scaled: _Scaled) -> _Outcome:
    """Every follower profile's LP in full, no pruning (the baseline of the benchmark)."""
    best: _Candidate | None = None
    total = scaled.leader.shape[1]
    values = np.full(total, -np.inf)
    for flat in range(total):
        profile = tuple(int(a) for a in np.unravel_index(flat, scaled.shape))
        deviations = _all_deviations(profile, scaled.shape)
        lp = CommitmentLP(scaled.leader[:, flat], _HIGHS_TOL)
        lp.add_rows(_deviation_rows(scaled.followers, profile, deviations))
        solution = lp.solve()
        if solution.status == "error":
            return _Outcome(None, flat + 1, flat + 1, 0, None, error=solution.message)
        x = _settle(scaled, flat, profile, solution.x) if solution.status == "optimal" else None
        if x is not None:
            values[flat] = float(scaled.leader[:, flat] @ x)
            if best is None or values[flat] > values[_flat(best.profile, scaled.shape)]:
                best = _Candidate(profile, x, solution, lp, deviations, settled=True)
    return _Outcome(best, total, total, 0, _report_bounds(scaled, values))


def _settle(scaled: _Scaled, flat: int, profile: tuple[int, ...], x: np.ndarray) -> np.ndarray | None:
    """The LP optimum ``x`` of ``profile`` checked against all its rows under the tie rule (or None)."""
    rows = _deviation_rows(scaled.followers, profile, _all_deviations(profile, scaled.shape))
    return settle_commitment(scaled.leader[:, flat], rows, np.zeros(rows.shape[0]), np.full(rows.shape[0], _TIE), x)


def _flat(profile: tuple[int, ...], shape: tuple[int, ...]) -> int:
    return int(np.ravel_multi_index(profile, shape))


def _report_bounds(scaled: _Scaled, bounds: np.ndarray) -> list | None:
    """Bounds in original units; ``None`` for actions shown never to be a best response."""
    if bounds.size > _BOUNDS_REPORTED_UP_TO:
        return None
    original = bounds * scaled.scales[0] + scaled.offsets[0]
    return [float(b) if np.isfinite(b) else None for b in original]


# --- results ----------------------------------------------------------------------------

def _success(game, scaled: _Scaled, outcome: _Outcome, solver: str, tol: float) -> StackelbergResult:
    best = outcome.best
    x = best.x  # settled: on the simplex, every row checked under the tie rule
    profile = best.profile
    follower_values = np.array([float(x @ _follower_slice(game.follower_payoffs, i, profile)[:, a])
                                for i, a in enumerate(profile)])
    gains = _gains(game.follower_payoffs, profile, x)
    slack = tie_tolerances(game.follower_payoffs)  # the tie rule, in original units
    ties = [[i, a] for i, g in enumerate(gains) for a in range(g.size) if a != profile[i] and g[a] >= -slack[i]]
    max_gain = max((float(g[a]) for i, g in enumerate(gains) for a in range(g.size) if a != profile[i]),
                   default=0.0)
    details = {
        "method": solver,
        "n_lps": outcome.n_lps,
        "candidates": int(np.prod(scaled.shape)),
        "examined": outcome.examined,
        "pruned_dominated": outcome.dominated,
        "tied_deviations": ties,
        "max_follower_gain": max_gain,
        "dual_certificate": _dual_certificate(game, scaled, best),
    }
    if game.n_followers == 1:
        details["tied_actions"] = [a for _, a in ties]
        if outcome.upper_bounds is not None:
            details["upper_bounds"] = outcome.upper_bounds
    return StackelbergResult(
        leader_value=float(x @ game.leader_payoffs[(slice(None),) + profile]),
        leader_strategy=x,
        follower_actions=profile,
        follower_values=follower_values,
        status=SolverStatus.OPTIMAL,
        solver=solver,
        tol=tol,
        rests_on_tie=bool(ties),
        details=details,
    )


def _dual_certificate(game, scaled: _Scaled, best: _Candidate) -> dict:
    """LP duals in original units: ``μ`` and ``λ`` with ``μ·1 + Σ_d λ_d g_d ≥ A[:, y]`` (``g_d`` = gain rows)."""
    solution = best.solution
    leader_scale, leader_offset = scaled.scales[0], scaled.offsets[0]
    mu = leader_scale * solution.simplex_dual + leader_offset
    multipliers = [float(leader_scale * lam / scaled.scales[1 + i])
                   for (i, _), lam in zip(best.deviations, solution.row_duals)]
    rows = _deviation_rows(game.follower_payoffs, best.profile, best.deviations)
    column = game.leader_payoffs[(slice(None),) + best.profile]
    residual = mu + np.asarray(multipliers) @ rows - column if multipliers else mu - column
    return {
        "mu": float(mu),
        "deviations": [[i, a] for i, a in best.deviations],
        "multipliers": multipliers,
        "min_residual": float(np.min(residual)),
    }


def _failure(game, status, solver, tol, outcome: _Outcome, message: str) -> StackelbergResult:
    return StackelbergResult(
        leader_value=float("nan"),
        leader_strategy=np.zeros(0),
        follower_actions=(),
        follower_values=np.zeros(0),
        status=status,
        solver=solver,
        tol=tol,
        rests_on_tie=False,
        details={"message": message, "n_lps": outcome.n_lps, "examined": outcome.examined,
                 "pruned_dominated": outcome.dominated},
    )
