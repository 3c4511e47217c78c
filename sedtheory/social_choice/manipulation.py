"""Manipulation analysis: best misreports, the reporting game under the mean, manipulable shares.

Continuous reports, d = 1, single-peaked voters: voter ``i`` has peak ``p_i`` and utility
``-|outcome - p_i|``. Best misreports (closed forms for the mean and generalised medians, a
grid otherwise) live in :mod:`~sedtheory.social_choice.misreport` and are re-exported here.

**Reporting game under the mean** (reports in ``[lo, hi]``): its equilibrium outcome is the
median of the n peaks and the n − 1 phantoms ``lo + (hi - lo) k/n``, k = 1..n−1 (Renault &
Trannoy 2005, "Protecting minorities through the average voting rule", J. Public Econ.
Theory 7(2):169-199). Voters with peak below it report ``lo``, above it ``hi``, and those at
it share the rest. :func:`mean_rule_equilibrium` computes this and verifies it by the
closed-form best response of every voter (the check does not use the median formula).

**Manipulable share** of a ranked rule: the fraction of anonymous profiles of a size at which
some single voter gains by misreporting (lexicographic tie-breaking), exact by enumeration,
both unweighted (impartial anonymous culture, IAC) and weighted by the number of ordered
profiles (impartial culture, IC).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from sedtheory._validate import DEFAULT_TOL, ValidationError, finite_array
from sedtheory.social_choice.axioms import TIE_BREAKING, get_axiom
from sedtheory.social_choice.misreport import Misreport, _bounds, best_misreport, grid_best_misreport
from sedtheory.social_choice.profiles import ContinuousProfile, enumerate_anonymous_profiles
from sedtheory.social_choice.registry import get_rule

__all__ = [
    "ManipulabilityShare",
    "Misreport",
    "ReportingEquilibrium",
    "best_misreport",
    "grid_best_misreport",
    "manipulable_share",
    "mean_rule_equilibrium",
]


# ----------------------------------------------------------- the mean's reporting game
@dataclass(frozen=True)
class ReportingEquilibrium:
    """A Nash equilibrium of the reporting game under the mean rule.

    Attributes:
        peaks: ``(n,)`` the voters' true ideal points.
        reports: ``(n,)`` equilibrium reports in ``bounds``.
        outcome: the mean of ``reports``.
        bounds: the report space.
        max_gain: the largest gain any voter gets by switching from its equilibrium report
            to its exact best response (the verification; <= tolerance in an equilibrium).
    """

    peaks: np.ndarray
    reports: np.ndarray
    outcome: float
    bounds: tuple[float, float]
    max_gain: float


def mean_rule_equilibrium(peaks, bounds=(0.0, 1.0), *, tol: float = DEFAULT_TOL) -> ReportingEquilibrium:
    """Equilibrium of the reporting game under the mean with reports in ``bounds``.

    Steps: (1) outcome x* = median of the peaks and the phantoms ``lo + (hi - lo) k/n``,
    k = 1..n−1 (Renault & Trannoy 2005); (2) voters with peak < x* report ``lo``, > x*
    report ``hi``, those at x* share ``n x* - Σ(others)`` equally; (3) verify: every voter's
    exact best response (:func:`best_misreport`) gains at most ``tol``, else raise.

    Args:
        peaks: ``(n,)`` ideal points inside ``bounds`` (σ_i in the Apple game).
        bounds: ``(lo, hi)`` the report space.
    """
    peaks = finite_array("peaks", peaks, ndim=1)
    low, high = _bounds(bounds)
    n = peaks.size
    if n == 0:
        raise ValidationError("peaks: need at least one voter")
    if np.any((peaks < low) | (peaks > high)):
        index = int(np.argmax((peaks < low) | (peaks > high)))
        raise ValidationError(f"peaks: peak {peaks[index]} of voter {index} lies outside bounds [{low}, {high}]")
    phantoms = low + (high - low) * np.arange(1, n) / n
    outcome = float(np.sort(np.concatenate([peaks, phantoms]))[n - 1])
    reports = np.where(peaks < outcome, low, high).astype(float)
    at_outcome = peaks == outcome
    if at_outcome.any():
        rest = n * outcome - reports[~at_outcome].sum()
        reports[at_outcome] = rest / at_outcome.sum()
    reports = np.clip(reports, low, high)  # only float round-off: the median makes the share feasible
    profile = ContinuousProfile(reports)
    mean_rule = get_rule("mean")
    current = float(mean_rule(profile))
    best = [best_misreport(mean_rule, profile, i, peak=float(peaks[i]), bounds=(low, high)) for i in range(n)]
    max_gain = max(0.0, max(abs(current - float(p)) - abs(b.outcome - float(p)) for p, b in zip(peaks, best)))
    if max_gain > tol:
        raise RuntimeError(f"mean_rule_equilibrium: verification failed, a voter gains {max_gain:.3g}")
    reports.setflags(write=False)
    return ReportingEquilibrium(peaks, reports, float(reports.mean()), (low, high), max_gain)


# --------------------------------------------------------- ranked rules: shares
@dataclass(frozen=True)
class ManipulabilityShare:
    """Exact share of profiles at which one voter can manipulate a ranked rule.

    Attributes:
        rule: rule name.
        n_candidates, n_voters: the size enumerated.
        n_profiles: number of anonymous profiles.
        n_manipulable: how many of them admit a profitable single-voter misreport.
        iac_share: ``n_manipulable / n_profiles`` (impartial anonymous culture), exact.
        ic_share: share weighted by the number of ordered profiles (impartial culture), exact.
        tie_breaking: how tied winners were resolved.
    """

    rule: str
    n_candidates: int
    n_voters: int
    n_profiles: int
    n_manipulable: int
    iac_share: Fraction
    ic_share: Fraction
    tie_breaking: str


def manipulable_share(rule, n_candidates: int, n_voters: int) -> ManipulabilityShare:
    """Share of anonymous profiles where some voter gains by misreporting (exact enumeration).

    A profile is manipulable if some voter, by reporting another ranking, gets a winner it
    strictly prefers to the sincere one, winners resolved by lexicographic tie-breaking (the
    ``strategy_proofness`` axiom finder). IC weight of an anonymous profile with counts
    ``c``: ``n! / Π c_r!`` ordered profiles out of ``(m!)^n``.
    """
    axiom = get_axiom("strategy_proofness")
    total = manipulable = 0
    weight_manipulable = 0
    for profile in enumerate_anonymous_profiles(n_candidates, n_voters):
        total += 1
        if axiom.find_violations(rule, profile, first_only=True):
            manipulable += 1
            weight_manipulable += math.factorial(n_voters) // math.prod(math.factorial(int(c)) for c in profile.counts)
    ic_total = math.factorial(n_candidates) ** n_voters
    return ManipulabilityShare(getattr(rule, "name", repr(rule)), n_candidates, n_voters, total, manipulable,
                               Fraction(manipulable, total), Fraction(weight_manipulable, ic_total), TIE_BREAKING)
