"""Voting rounds of the SED game (paper, Definition 3.2 and Section 4).

Every ``voting_period`` tax periods the players report, the registered social choice rule
(:func:`sedtheory.social_choice.get_rule`, a continuous rule; the paper's is ``mean``:
f(σ) = mean_i σ_i) maps the reports to η, and the principal's objective O_η switches.
Reports are truthful (report_i = σ_i) by default.

Strategic reports (option), using the theory side's manipulation analysis
(:mod:`sedtheory.social_choice.manipulation`): player i's ideal η is its own σ_i
(single-peaked utility −|η − σ_i|). Under ``mean`` the players report the exact, verified
equilibrium of the reporting game (:func:`~sedtheory.social_choice.mean_rule_equilibrium`,
Renault & Trannoy 2005); under another continuous rule they play sequential best responses
(:func:`~sedtheory.social_choice.manipulation.best_misreport`: closed forms for the medians,
a grid otherwise) until no player moves.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from sedtheory._validate import ValidationError
from sedtheory.social_choice import ContinuousProfile, get_rule, mean_rule_equilibrium
from sedtheory.social_choice.manipulation import best_misreport


def resolve_rule(name: str) -> Callable[[np.ndarray], float]:
    """The registered continuous rule ``name`` as a function reports ``(n,)`` → η."""

    try:
        rule = get_rule(name)
    except ValidationError as exc:
        raise ValidationError(f"voting_rule: {exc}") from None
    if rule.kind != "continuous":
        raise ValidationError(f"voting_rule: {name!r} is a {rule.kind} rule; η needs a continuous rule (e.g. 'mean')")
    return lambda reports: float(np.asarray(rule(np.asarray(reports, dtype=float))).reshape(()))


def strategic_reports(ideal: np.ndarray, rule_name: str, *, max_rounds: int = 200) -> np.ndarray:
    """Equilibrium reports ``(n,)`` in [0, 1] of players with ideal points ``ideal (n,)``.

    Raises:
        RuntimeError: when sequential best responses do not settle within ``max_rounds``.
    """

    ideal = np.asarray(ideal, dtype=float)
    if rule_name == "mean":
        return np.array(mean_rule_equilibrium(ideal).reports, dtype=float)
    rule, reports = get_rule(rule_name), ideal.copy()
    for _ in range(max_rounds):
        moved = False
        for i in range(reports.size):
            best = best_misreport(rule, ContinuousProfile(reports), i, peak=float(ideal[i]))
            if best.gain > 1e-9 and best.best_report != reports[i]:
                reports[i], moved = best.best_report, True
        if not moved:
            return reports
    raise RuntimeError("strategic_reports: best responses did not settle")


class VotingSchedule:
    """Reports and η for each voting round.

    Args:
        selfishness: ``(n,)`` types σ (the truthful reports and the players' ideal η).
        rule_name: registered continuous rule (``"mean"`` is the paper's f).
        strategic: report the strategic equilibrium instead of σ.
    """

    def __init__(self, selfishness: np.ndarray, rule_name: str = "mean", strategic: bool = False) -> None:
        self.selfishness = np.asarray(selfishness, dtype=float)
        self.rule_name, self.rule, self.strategic = rule_name, resolve_rule(rule_name), strategic

    def vote(self) -> tuple[np.ndarray, float]:
        """``(reports (n,), η)`` for a new voting round (types are fixed, so every round agrees)."""
        reports = strategic_reports(self.selfishness, self.rule_name) if self.strategic else self.selfishness.copy()
        eta = float(self.rule(reports))
        if not 0.0 <= eta <= 1.0:
            raise ValidationError(f"voting_rule: the rule returned eta={eta}, outside [0, 1]")
        return reports, eta
