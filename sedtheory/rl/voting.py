"""Voting rounds of the SED game (paper, Definition 3.2 and Section 4).

Every ``voting_period`` tax periods the players report, the registered social choice rule
maps the reports to η, and the principal's objective O_η switches. The paper's rule is
``f(σ) = mean_i σ_i`` with truthful reports (report_i = σ_i).

Strategic reports (option): each player's ideal η is taken to be its own selfishness σ_i
(single-peaked preferences over η with peak σ_i, the reading under which the mean rule is
the paper's f). Players then report a Nash equilibrium of the reporting game found by
iterated best responses: against the others' reports, player i's best report brings the
outcome as close to σ_i as [0, 1] allows.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from sedtheory._validate import ValidationError


def _mean_rule(reports: np.ndarray) -> float:
    return float(np.mean(reports))


def resolve_rule(name: str) -> Callable[[np.ndarray], float]:
    """The continuous social choice rule ``name``: reports ``(n,)`` in [0, 1] → η.

    Uses the registry of :mod:`sedtheory.social_choice` when it provides ``get_rule``;
    ``"mean"`` (the paper's f) is always available.
    """
    try:
        from sedtheory.social_choice import get_rule  # type: ignore[attr-defined]
    except ImportError:
        get_rule = None
    if get_rule is not None:
        try:
            rule = get_rule(name)
        except (KeyError, ValueError) as exc:
            if name != "mean":
                raise ValidationError(f"voting_rule: {exc}") from None
        else:
            return lambda reports: float(np.asarray(rule(np.asarray(reports, dtype=float))).reshape(()))
    if name == "mean":
        return _mean_rule
    raise ValidationError(f"voting_rule: unknown rule {name!r} (the social choice registry is not available; only 'mean')")


def strategic_reports(ideal: np.ndarray, rule: Callable[[np.ndarray], float], *, grid: int = 101,
                      max_rounds: int = 200) -> np.ndarray:
    """A pure Nash equilibrium of the reporting game by iterated best responses on a grid.

    Args:
        ideal: ``(n,)`` each player's ideal η (peak of single-peaked preferences).
        rule: reports ``(n,)`` → η.
        grid: number of report levels in [0, 1] searched per best response.
        max_rounds: rounds of sequential best responses before giving up.

    Returns:
        ``(n,)`` reports; each minimises ``|rule(reports) − ideal_i|`` given the others
        (ties toward the truthful report).

    Raises:
        RuntimeError: when best responses cycle for ``max_rounds`` rounds.
    """
    levels = np.linspace(0.0, 1.0, grid)
    reports = np.asarray(ideal, dtype=float).copy()
    for _ in range(max_rounds):
        changed = False
        for i in range(reports.size):
            trial = np.repeat(reports[None, :], grid, axis=0)
            trial[:, i] = levels
            distance = np.abs(np.array([rule(row) for row in trial]) - ideal[i])
            best = np.flatnonzero(distance <= distance.min() + 1e-12)
            choice = levels[best[np.argmin(np.abs(levels[best] - ideal[i]))]]
            if abs(rule(np.where(np.arange(reports.size) == i, choice, reports)) - ideal[i]) + 1e-12 < abs(rule(reports) - ideal[i]):
                reports[i], changed = choice, True
        if not changed:
            return reports
    raise RuntimeError("strategic_reports: best responses did not settle")


class VotingSchedule:
    """Reports and η for each voting round.

    Args:
        selfishness: ``(n,)`` types σ (the truthful reports).
        rule_name: registered rule name (``"mean"`` is the paper's f).
        strategic: report the strategic equilibrium instead of σ.
    """

    def __init__(self, selfishness: np.ndarray, rule_name: str = "mean", strategic: bool = False) -> None:
        self.selfishness = np.asarray(selfishness, dtype=float)
        self.rule = resolve_rule(rule_name)
        self.strategic = strategic

    def vote(self) -> tuple[np.ndarray, float]:
        """``(reports (n,), η)`` for a new voting round (types are fixed, so every round agrees)."""
        reports = strategic_reports(self.selfishness, self.rule) if self.strategic else self.selfishness.copy()
        eta = float(self.rule(reports))
        if not 0.0 <= eta <= 1.0:
            raise ValidationError(f"voting_rule: the rule returned eta={eta}, outside [0, 1]")
        return reports, eta
