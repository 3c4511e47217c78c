"""The bracket tax T(a, phi) and redistribution: known answers, sympy agreement, properties."""

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sedtheory import ValidationError
from sedtheory.principal import bracket_exposure, bracket_tax, bracket_tax_symbolic, redistribute

PAPER_THRESHOLDS = (0, 10, 20, 10000)  # paper, Appendix A Table: brackets (1,10), (11,20), (21,10000)


def test_worked_example_from_the_rules_sheet():
    # docs/apple_game.md: phi = (0.1, 0.2, 0.3): x=5 -> 0.5; x=15 -> 1 + 1 = 2.0; x=25 -> 1 + 2 + 1.5 = 4.5
    np.testing.assert_allclose(bracket_tax([5, 15, 25], [0.1, 0.2, 0.3], PAPER_THRESHOLDS), [0.5, 2.0, 4.5])


def test_edges_and_top_bracket():
    # hand: x = 10 is the top of bracket 0 -> 0.1*10 = 1; x = 20 -> 1 + 0.2*10 = 3;
    # x = 20000 (beyond tau_3) -> 1 + 2 + 0.3*9980 = 2997; x = 0 and x = -3 -> 0
    got = bracket_tax([10, 20, 20000, 0, -3], [0.1, 0.2, 0.3], PAPER_THRESHOLDS)
    np.testing.assert_allclose(got, [1.0, 3.0, 2997.0, 0.0, 0.0])
    # an open top bracket: tau = (0, 10, inf), phi = (0, 0.5): x = 30 -> 0.5*20 = 10
    assert bracket_tax([30], [0.0, 0.5], [0, 10, np.inf])[0] == pytest.approx(10.0)


def test_redistribution_known_answer():
    # incomes (5, 15, 25), taxes (0.5, 2, 4.5), mean tax 7/3:
    # post = (5 - 0.5 + 7/3, 15 - 2 + 7/3, 25 - 4.5 + 7/3)
    got = redistribute([5, 15, 25], [0.1, 0.2, 0.3], PAPER_THRESHOLDS)
    np.testing.assert_allclose(got, [4.5 + 7 / 3, 13 + 7 / 3, 20.5 + 7 / 3])


def test_broadcast_over_games_and_players():
    income = np.array([[5.0, 15.0, 25.0], [0.0, 10.0, 30.0]])  # (2 games, 3 players)
    rates = np.array([[0.1, 0.2, 0.3], [0.0, 0.0, 1.0]])  # one rate vector per game
    got = bracket_tax(income, rates, PAPER_THRESHOLDS)
    # game 1: worked example; game 2: only income above 20 is taxed at 100% -> (0, 0, 10)
    np.testing.assert_allclose(got, [[0.5, 2.0, 4.5], [0.0, 0.0, 10.0]])
    # one income vector, many rate vectors -> (games, players)
    assert bracket_tax([5, 15], rates, PAPER_THRESHOLDS).shape == (2, 2)
    # the exposure matrix makes T linear in the rates: T = W @ phi
    exposure = bracket_exposure(income, PAPER_THRESHOLDS)
    np.testing.assert_allclose(np.einsum("gnb,gb->gn", exposure, rates), got)


@pytest.mark.parametrize("call, message", [
    (lambda: bracket_tax([5], [0.1, 0.2], PAPER_THRESHOLDS), r"rates: expected shape \(\.\.\., 3\)"),
    (lambda: bracket_tax([5], [0.1, 0.2, 0.3], (1, 10, 20, 30)), "first threshold must be 0"),
    (lambda: bracket_tax([5], [0.1, 0.2, 0.3], (0, 10, 10, 30)), "strictly increasing"),
    (lambda: bracket_tax([5], [0.1], (0,)), "B >= 1"),
    (lambda: bracket_tax([np.nan], [0.1, 0.2, 0.3], PAPER_THRESHOLDS), "income: non-finite"),
    (lambda: bracket_tax([5], [0.1, np.inf, 0.3], PAPER_THRESHOLDS), "rates: non-finite"),
    (lambda: bracket_tax([5], [0.1, 0.2, 0.3], (0, np.inf, 30)), "must be finite"),
    (lambda: bracket_tax(5, [0.1, 0.2, 0.3], PAPER_THRESHOLDS), "scalar"),
    (lambda: bracket_tax([[5, 6], [7, 8]], [[0.1, 0.2, 0.3]] * 3, PAPER_THRESHOLDS), "does not broadcast"),
    # issue 14: a rate of -0.1 paid a subsidy, 1.5 taxed 7.5 on an income of 5
    (lambda: bracket_tax([5], [-0.1, 0.2, 0.3], PAPER_THRESHOLDS), r"rates: tax rate -0.1 at index \(0,\) is outside \[0, 1\]"),
    (lambda: bracket_tax([5], [1.5, 0.2, 0.3], PAPER_THRESHOLDS), r"rates: tax rate 1.5 at index \(0,\) is outside \[0, 1\]"),
    (lambda: redistribute([5, 6], [[0.1, 0.2, 0.3], [0.1, 0.2, 1.01]], PAPER_THRESHOLDS), r"index \(1, 2\)"),
    (lambda: bracket_tax([5], ["0.1", 0.2, 0.3], PAPER_THRESHOLDS), "rates: cannot be read as numbers"),
])
def test_bad_input_raises(call, message):
    with pytest.raises(ValidationError, match=message):
        call()


def test_symbolic_form_equals_numeric_on_many_points():
    symbolic = bracket_tax_symbolic(PAPER_THRESHOLDS)
    evaluate = sympy.lambdify((symbolic.income, *symbolic.rates), symbolic.expression, "numpy")
    rng = np.random.default_rng(7)
    incomes = np.concatenate([rng.uniform(-5, 60, 400), [0, 10, 20, 10000, 10001, 25000]])
    for _ in range(20):
        rates = rng.uniform(0, 1, 3)
        expected = bracket_tax(incomes, rates, PAPER_THRESHOLDS)
        got = np.array([float(evaluate(x, *rates)) for x in incomes])
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_symbolic_marginal_rate_is_the_bracket_rate():
    symbolic = bracket_tax_symbolic(PAPER_THRESHOLDS)
    slope = sympy.diff(symbolic.expression, symbolic.income)
    # midpoints of brackets 0, 1, 2 and a point above the last threshold (untaxed)
    for point, expected in [(5, symbolic.rates[0]), (15, symbolic.rates[1]), (500, symbolic.rates[2]), (10**5, 0)]:
        assert sympy.simplify(slope.subs(symbolic.income, point) - expected) == 0
    # exact rationals for non-integer thresholds: tau = (0, 2.5): phi_0 * 5/2 above 2.5
    half = bracket_tax_symbolic([0, 2.5])
    assert half.expression.subs(half.income, 7) == sympy.Rational(5, 2) * half.rates[0]


# ---------------------------------------------------------------- properties (Hypothesis)
incomes = arrays(float, st.integers(1, 7), elements=st.floats(0, 60))
unit_rates = arrays(float, 3, elements=st.floats(0, 1))


@given(incomes, unit_rates)
def test_budget_balance(income, rates):
    post = redistribute(income, rates, PAPER_THRESHOLDS)
    assert post.sum() == pytest.approx(income.sum(), abs=1e-9 * (1 + income.sum()))


@given(st.floats(0, 60), st.floats(0, 60), unit_rates)
def test_tax_is_monotone_in_income(a, b, rates):
    low, high = sorted((a, b))
    tax_low, tax_high = bracket_tax([low, high], rates, PAPER_THRESHOLDS)
    assert tax_high >= tax_low - 1e-12
    # and so is post-tax income when rates are at most 1: x - T(x) is non-decreasing
    assert high - tax_high >= low - tax_low - 1e-12


@given(st.integers(0, 2), st.floats(0.05, 0.95), st.floats(1e-3, 0.04), unit_rates)
def test_marginal_rate_inside_each_bracket(bracket, position, step, rates):
    edges = np.array(PAPER_THRESHOLDS, dtype=float)
    width = min(edges[bracket + 1] - edges[bracket], 100.0)
    x = edges[bracket] + position * width
    up, down = bracket_tax([x + step * width, x], rates, PAPER_THRESHOLDS)
    assert (up - down) / (step * width) == pytest.approx(rates[bracket], abs=1e-9)


@given(incomes, unit_rates)
def test_tax_between_zero_and_income_for_unit_rates(income, rates):
    tax = bracket_tax(income, rates, PAPER_THRESHOLDS)
    assert np.all(tax >= 0)
    assert np.all(tax <= income + 1e-12)


@given(arrays(float, (3, 4), elements=st.floats(0, 60)), arrays(float, (3, 3), elements=st.floats(0, 1)))
def test_batched_equals_game_by_game(income, rates):
    batched = bracket_tax(income, rates, PAPER_THRESHOLDS)
    for game in range(3):
        np.testing.assert_allclose(batched[game], bracket_tax(income[game], rates[game], PAPER_THRESHOLDS))
