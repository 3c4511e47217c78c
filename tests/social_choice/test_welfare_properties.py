"""Hypothesis properties of the welfare functions: anonymity, monotonicity, orderings, batching."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sedtheory.social_choice import (
    atkinson,
    egalitarian,
    eta_objective,
    gini,
    leximin_argmax,
    leximin_compare,
    nash_welfare,
    utilitarian,
)

values = st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=1e3))  # no subnormals
outcomes = st.integers(1, 8).flatmap(lambda n: arrays(float, n, elements=values))
FUNCTIONS = (utilitarian, egalitarian, nash_welfare, lambda v: eta_objective(v, 0.3))


@given(outcomes, st.randoms(use_true_random=False))
def test_anonymity_permutation_invariance(vector, rnd):
    order = list(range(vector.size))
    rnd.shuffle(order)
    for function in FUNCTIONS:
        np.testing.assert_allclose(function(vector[order]), function(vector), rtol=1e-12)
    assert leximin_compare(vector[order], vector) == 0


@given(outcomes, st.integers(0, 7), st.floats(0.0, 100.0))
def test_monotone_in_each_player(vector, index, raise_by):
    better = vector.copy()
    better[index % vector.size] += raise_by
    for function in FUNCTIONS:
        assert function(better) >= function(vector) - 1e-9 * (1 + abs(function(vector)))
    assert leximin_compare(better, vector) >= 0


@given(outcomes)
def test_orderings_between_welfare_functions(vector):
    n = vector.size
    total, worst, geometric = utilitarian(vector), egalitarian(vector), nash_welfare(vector)
    assert total >= n * worst - 1e-9 * (1 + abs(total))  # sum >= n * min
    assert worst - 1e-9 * (1 + worst) <= geometric <= total / n + 1e-9 * (1 + total)  # min <= GM <= AM


@given(outcomes, st.floats(0.0, 1.0))
def test_eta_objective_interpolates_between_its_ends(vector, eta):
    mix = eta_objective(vector, eta)
    expected = eta * utilitarian(vector) + (1 - eta) * egalitarian(vector)
    np.testing.assert_allclose(mix, expected, rtol=1e-12, atol=1e-12)


@given(st.integers(1, 5), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_batched_call_equals_row_by_row(games, players, seed):
    batch = np.random.default_rng(seed).uniform(0, 20, size=(games, players))
    for function in FUNCTIONS:
        np.testing.assert_allclose(function(batch), [function(row) for row in batch], rtol=1e-12)


@given(outcomes, st.floats(0.01, 100.0))
def test_nash_welfare_is_homogeneous_of_degree_one(vector, scale):
    np.testing.assert_allclose(nash_welfare(scale * vector), scale * nash_welfare(vector), rtol=1e-9, atol=1e-300)


@given(outcomes, outcomes)
def test_leximin_is_antisymmetric_and_refines_the_egalitarian_order(a, b):
    if a.size != b.size:
        return
    assert leximin_compare(a, b) == -leximin_compare(b, a)
    if egalitarian(a) > egalitarian(b):
        assert leximin_compare(a, b) == 1


@given(outcomes, st.integers(0, 7), st.integers(0, 7), st.floats(0.0, 1.0))
def test_pigou_dalton_transfer_helps_welfare_and_equality(vector, i, j, share):
    # moving part of the gap from a richer to a poorer player, without reversing them,
    # never lowers the Nash welfare or the minimum and never raises Gini or Atkinson
    # (Pigou 1912; Dalton 1920)
    rich, poor = (i % vector.size, j % vector.size)
    if vector[rich] < vector[poor]:
        rich, poor = poor, rich
    amount = 0.5 * share * (vector[rich] - vector[poor])
    after = vector.copy()
    after[rich] -= amount
    after[poor] += amount
    assert nash_welfare(after) >= nash_welfare(vector) * (1 - 1e-9)
    assert egalitarian(after) >= egalitarian(vector) - 1e-12
    assert gini(after) <= gini(vector) + 1e-9
    assert atkinson(after, 1.5) <= atkinson(vector, 1.5) + 1e-9


@given(st.integers(1, 6), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_leximin_argmax_beats_or_ties_every_row(rows, players, seed):
    table = np.random.default_rng(seed).integers(0, 4, size=(rows, players)).astype(float)  # ties likely
    best = leximin_argmax(table)
    assert all(leximin_compare(table[best], row) >= 0 for row in table)
    assert all(leximin_compare(table[best], table[j]) == 1 for j in range(best))  # first among ties
