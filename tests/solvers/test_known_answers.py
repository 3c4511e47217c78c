"""Known answers with provenance: tests/known_answers/{stackelberg,bayesian,nash}_*.json.

Each file states where its numbers come from ("source") and how they were derived by hand
("derivation"); exact values are written as fractions ("7/2"). Every solver answer is graded
by direct best-response evaluation as well.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from sedtheory import (
    NormalFormGame,
    SolverStatus,
    SolverWarning,
    StackelbergNashGame,
    normal_form_pure_nash_equilibria,
    solve_bayesian_stackelberg,
    solve_pure_commitment,
    solve_stackelberg,
    support_enumeration,
)
from solver_oracles import grade_stackelberg

FOLDER = Path(__file__).resolve().parents[1] / "known_answers"


def cases(prefix: str):
    files = sorted(FOLDER.glob(f"{prefix}_*.json"))
    assert files, f"no known answers named {prefix}_*.json in {FOLDER}"
    return [pytest.param(json.loads(path.read_text()), id=path.stem) for path in files]


def exact(values):
    return [float(Fraction(v)) for v in values]


def stackelberg_game(case) -> StackelbergNashGame:
    if "payoffs" in case:
        return StackelbergNashGame(case["payoffs"])
    return StackelbergNashGame.from_bimatrix(case["leader_payoffs"], case["follower_payoffs"])


@pytest.mark.parametrize("case", cases("stackelberg"))
@pytest.mark.parametrize("method", ["auto", "multiple-lp"])
def test_stackelberg_known_answer(case, method):
    expected, game = case["expected"], stackelberg_game(case)
    assert case["source"] and case["derivation"]
    if expected.get("status") == "no_pure_equilibrium":
        with pytest.warns(SolverWarning, match="no leader commitment admits a pure Nash equilibrium"):
            result = solve_stackelberg(game, method=method)
        assert result.status is SolverStatus.NO_PURE_EQUILIBRIUM and "message" in result.details
        return
    result = solve_stackelberg(game, method=method)
    assert result.leader_value == pytest.approx(float(Fraction(expected["leader_value"])), abs=1e-9)
    np.testing.assert_allclose(result.leader_strategy, exact(expected["leader_strategy"]), atol=1e-9)
    assert list(result.follower_actions) == expected["follower_actions"]
    assert result.rests_on_tie == expected["rests_on_tie"]
    if "tied_actions" in expected:
        assert result.details["tied_actions"] == expected["tied_actions"]
    if "tied_deviations" in expected:
        assert result.details["tied_deviations"] == expected["tied_deviations"]
    graded = grade_stackelberg(game.payoffs, result.leader_strategy, result.follower_actions, tol=1e-9)
    assert graded == pytest.approx(result.leader_value, abs=1e-9)


@pytest.mark.parametrize("case", cases("stackelberg"))
def test_pure_commitment_known_answer(case):
    expected, game = case["expected"], stackelberg_game(case)
    if expected.get("status") == "no_pure_equilibrium":
        with pytest.warns(SolverWarning, match="no pure leader action"):
            result = solve_pure_commitment(game)
        assert result.status is SolverStatus.NO_PURE_EQUILIBRIUM
        return
    result = solve_pure_commitment(game)
    assert result.leader_value == pytest.approx(float(Fraction(expected["pure_commitment_value"])), abs=1e-12)
    assert result.details["leader_action"] == expected["pure_commitment_action"]
    graded = grade_stackelberg(game.payoffs, result.leader_strategy, result.follower_actions, tol=1e-12)
    assert graded == result.leader_value


@pytest.mark.parametrize("case", [c for c in cases("stackelberg") if "nash_equilibria" in c.values[0]["expected"]])
def test_nash_equilibria_of_stackelberg_examples(case):
    game = NormalFormGame(stackelberg_game(case).payoffs)
    expected = [tuple(tuple(Fraction(v) for v in s) for s in eq) for eq in case["expected"]["nash_equilibria"]]
    assert sorted(support_enumeration(game)) == sorted(expected)


@pytest.mark.parametrize("case", cases("bayesian"))
def test_bayesian_known_answer(case):
    expected = case["expected"]
    assert case["source"] and case["derivation"]
    leader, follower = np.array(case["leader_payoffs"], float), np.array(case["follower_payoffs"], float)
    result = solve_bayesian_stackelberg(leader, follower, case["prior"])
    assert result.ok
    assert result.leader_value == pytest.approx(float(Fraction(expected["leader_value"])), abs=1e-9)
    np.testing.assert_allclose(result.leader_strategy, exact(expected["leader_strategy"]), atol=1e-9)
    assert list(result.follower_actions) == expected["follower_actions"]
    assert result.rests_on_tie == expected["rests_on_tie"]
    assert result.details["tied_deviations"] == expected["tied_deviations"]
    graded = 0.0
    for t, (action, weight) in enumerate(zip(result.follower_actions, case["prior"])):
        one_type = np.stack([leader[t], follower[t]])
        graded += weight * grade_stackelberg(one_type, result.leader_strategy, (action,), tol=1e-9)
    assert graded == pytest.approx(result.leader_value, abs=1e-9)


@pytest.mark.parametrize("case", cases("nash"))
def test_nash_known_answer(case):
    assert case["source"]  # the textbook cases carry their short derivation in "source"
    game = NormalFormGame(case["payoffs"])
    expected = [tuple(tuple(Fraction(v) for v in s) for s in eq) for eq in case["expected"]["equilibria"]]
    found = support_enumeration(game)
    assert sorted(found) == sorted(expected)
    assert normal_form_pure_nash_equilibria(game) == [tuple(p) for p in case["expected"]["pure"]]
