"""Best misreports of single-peaked voters under continuous rules (d = 1).

Voter ``i`` has peak ``p_i`` (its true selfishness σ_i in the Apple game) and utility
``-|outcome - p_i|``.

* **Mean** ``f(r) = (1/n) Σ r_j`` with reports in ``[lo, hi]``. With ``s = Σ_{j≠i} r_j`` the
  outcome is ``(s + r_i)/n``; the voter wants ``r_i = n p_i - s``, so the best report is
  ``clip(n p_i - s, lo, hi)`` -- a closed form, exact.
* **Generalised medians** (Moulin 1980): the median of the n reports and p phantoms, n + p =
  2h + 1. With the other 2h points sorted as ``z_1 <= ... <= z_2h`` the outcome is
  ``clip(r_i, z_h, z_{h+1})``, so the reachable outcomes are ``[clip(lo), clip(hi)]`` and the
  best one is ``clip(p_i, ...)``, reached by the truthful report when ``p_i`` lies in
  ``[lo, hi]``: no gain from lying (strategy-proofness). The lower median is the case of no
  phantom (odd n) or one phantom at −∞ (even n).
* Any other rule: a grid search over ``[lo, hi]`` plus the other reports and the peak,
  labelled ``method="grid"`` (not exact).

This module sits below both :mod:`~sedtheory.social_choice.axioms` (the continuous
strategy-proofness finder uses it) and :mod:`~sedtheory.social_choice.manipulation` (which
re-exports it), so that those two no longer import each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sedtheory._validate import DEFAULT_TOL, ValidationError, finite_array, positive_int
from sedtheory.social_choice.profiles import ContinuousProfile
from sedtheory.social_choice.registry import get_rule

__all__ = ["Misreport", "best_misreport", "grid_best_misreport"]


@dataclass(frozen=True)
class Misreport:
    """A voter's best report under a continuous rule (d = 1).

    Attributes:
        voter: index of the voter.
        peak: the voter's ideal outcome (its truthful report unless given).
        truthful_outcome: outcome when the voter reports its peak.
        best_report: a report attaining the best reachable outcome (the peak itself when
            truth-telling is already optimal).
        outcome: the outcome under ``best_report``.
        gain: ``|truthful_outcome - peak| - |outcome - peak|`` (>= 0).
        method: ``"closed form (mean)"``, ``"closed form (median)"`` or ``"grid"``.
    """

    voter: int
    peak: float
    truthful_outcome: float
    best_report: float
    outcome: float
    gain: float
    method: str


def _bounds(bounds) -> tuple[float, float]:
    low, high = (float(b) for b in finite_array("bounds", bounds, shape=(2,)))
    if low > high:
        raise ValidationError(f"bounds: lower bound {low} exceeds upper bound {high}")
    return low, high


def _check_voter(profile: ContinuousProfile, voter: int) -> int:
    if profile.dimension != 1:
        raise ValidationError(f"profile: manipulation analysis needs d = 1 reports, got d = {profile.dimension}")
    if not 0 <= voter < profile.n_voters:
        raise ValidationError(f"voter: index {voter} out of range 0..{profile.n_voters - 1}")
    return int(voter)


def _is_builtin(rule, name: str) -> bool:
    """``rule`` runs the registered function ``name`` (a look-alike with the same name does not count)."""
    return getattr(rule, "func", None) is get_rule(name).func


def _gain(truthful: float, outcome: float, peak: float) -> float:
    """``|truthful - peak| - |outcome - peak|``; 0 when the outcome does not move (even at ±inf)."""
    return 0.0 if outcome == truthful else abs(truthful - peak) - abs(outcome - peak)


def _median_phantoms(rule, n: int):
    """Phantoms making ``rule`` a generalised median, or ``None`` if it is not one we know."""
    if _is_builtin(rule, "median"):
        return np.array([]) if n % 2 == 1 else np.array([-np.inf])
    if _is_builtin(rule, "generalized_median"):
        phantoms = rule.params.get("phantoms")
        if phantoms is None:
            low, high = _bounds(rule.params.get("bounds", (0.0, 1.0)))
            return low + (high - low) * np.arange(n + 1) / n
        return np.asarray(phantoms, dtype=float).ravel()
    return None


def best_misreport(rule, profile: ContinuousProfile, voter: int, *, peak: float | None = None,
                   bounds=(0.0, 1.0), grid_size: int = 2001) -> Misreport:
    """The best report of ``voter`` (utility ``-|outcome - peak|``) with reports in ``bounds``.

    Exact closed forms for the registered ``mean``, ``median`` and ``generalized_median``
    rules (derivations in the module docstring); a grid search for any other rule.

    Args:
        rule: a continuous :class:`~sedtheory.social_choice.registry.VotingRule` (or any
            callable ``ContinuousProfile -> float`` for the grid search).
        profile: reports ``(n, 1)``; the others' reports are held fixed.
        voter: the deviating voter.
        peak: the voter's ideal point (default: its current report).
        bounds: ``(lo, hi)`` the report space (the paper's σ ∈ [0, 1] by default).
        grid_size: points of the grid search (ignored by the closed forms).
    """
    voter = _check_voter(profile, voter)
    low, high = _bounds(bounds)
    peak = float(profile.reports[voter, 0]) if peak is None else float(peak)
    truthful = float(rule(profile.replace_report(voter, peak)))
    others = np.delete(profile.reports[:, 0], voter)
    phantoms = _median_phantoms(rule, profile.n_voters)
    if _is_builtin(rule, "mean"):
        n = profile.n_voters
        report = float(np.clip(n * peak - others.sum(), low, high))
        outcome, method = (others.sum() + report) / n, "closed form (mean)"
    elif phantoms is not None:
        points = np.sort(np.concatenate([others, phantoms]))
        half = points.size // 2
        # outcome = clip(report, lower, upper); a lone voter (no other point) decides alone
        lower, upper = (points[half - 1], points[half]) if points.size else (-np.inf, np.inf)
        report = float(np.clip(peak, low, high))  # the bound nearest the peak when it lies outside
        outcome = float(np.clip(report, lower, upper))  # = the reachable outcome nearest the peak
        method = "closed form (median)"
    else:
        return grid_best_misreport(rule, profile, voter, peak=peak, bounds=(low, high), grid_size=grid_size)
    gain = _gain(truthful, float(outcome), peak)
    if gain <= DEFAULT_TOL * max(1.0, abs(peak)):  # truth-telling is optimal: report the peak
        report, outcome, gain = peak, truthful, 0.0
    return Misreport(voter, peak, truthful, report, float(outcome), float(gain), method)


def grid_best_misreport(rule, profile: ContinuousProfile, voter: int, *, peak: float | None = None,
                        bounds=(0.0, 1.0), grid_size: int = 2001) -> Misreport:
    """Best report by evaluating ``rule`` on a grid of ``bounds`` plus the others' reports and the peak.

    Not exact in general; used for rules without a closed form and as an independent check of
    the closed forms (ties go to the truthful report, then to the smallest report).
    """
    voter = _check_voter(profile, voter)
    low, high = _bounds(bounds)
    grid_size = positive_int("grid_size", grid_size, minimum=2)
    peak = float(profile.reports[voter, 0]) if peak is None else float(peak)
    truthful = float(rule(profile.replace_report(voter, peak)))
    others = np.delete(profile.reports[:, 0], voter)
    candidates = np.unique(np.concatenate([np.linspace(low, high, grid_size),
                                           np.clip(others, low, high), np.clip([peak], low, high)]))
    outcomes = np.array([float(rule(profile.replace_report(voter, r))) for r in candidates])
    distances = np.abs(outcomes - peak)
    best = int(np.argmin(distances))
    gain = _gain(truthful, float(outcomes[best]), peak)
    if gain <= DEFAULT_TOL * max(1.0, abs(peak)):
        return Misreport(voter, peak, truthful, peak, truthful, 0.0, "grid")
    return Misreport(voter, peak, truthful, float(candidates[best]), float(outcomes[best]), float(gain), "grid")
