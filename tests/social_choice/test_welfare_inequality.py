"""Gini and Atkinson indices: known answers, definitions cross-checked, Hypothesis properties."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sedtheory import ValidationError
from sedtheory.social_choice import atkinson, gini


def pairwise_gini(vector):
    """The textbook definition sum_ij |x_i - x_j| / (2 n^2 mean), written independently."""
    x = np.asarray(vector, dtype=float)
    return np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())


def test_gini_known_answers():
    # (0, 0, 0, 1): sum |xi - xj| = 2*3 = 6, 2 n^2 mean = 2*16*0.25 = 8 -> 0.75 = 1 - 1/4 (the maximum)
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)
    # (1, 2, 3): ordered-pair sum 2*(1 + 2 + 1) = 8, 2*9*2 = 36 -> 2/9
    assert gini([1, 2, 3]) == pytest.approx(2 / 9)
    assert gini([5, 5, 5]) == pytest.approx(0.0)
    assert gini([0, 0]) == 0.0  # documented convention: an all-zero vector is equal
    np.testing.assert_allclose(gini([[1, 2, 3], [0, 0, 1]]), [2 / 9, 2 / 3])


def test_atkinson_known_answers():
    # (1, 3), mean 2. eps=1: 1 - sqrt(3)/2; eps=2: harmonic mean 2/(1 + 1/3) = 1.5 -> 0.25;
    # eps=0.5: M_{1/2} = ((1 + sqrt 3)/2)^2 -> 1 - ((1 + sqrt 3)/2)^2 / 2; eps=0: 0
    assert atkinson([1, 3], 1.0) == pytest.approx(1 - math.sqrt(3) / 2)
    assert atkinson([1, 3], 2.0) == pytest.approx(0.25)
    assert atkinson([1, 3], 0.5) == pytest.approx(1 - ((1 + math.sqrt(3)) / 2) ** 2 / 2)
    assert atkinson([1, 3], 0.0) == pytest.approx(0.0)
    # zeros (documented): eps >= 1 gives 1; eps = 0.5 on (0, 4): M = (sqrt 4 / 2)^2 = 1 -> 1 - 1/2
    assert atkinson([0, 4], 1.0) == 1.0
    assert atkinson([0, 4], 3.0) == 1.0
    assert atkinson([0, 4], 0.5) == pytest.approx(0.5)
    assert atkinson([0, 0], 2.0) == 0.0


@pytest.mark.parametrize("call, message", [
    (lambda: gini([1, -1]), "negative outcome"),
    (lambda: atkinson([1, 2], -0.5), "epsilon"),
    (lambda: atkinson([1, 2], "high"), "epsilon"),
    (lambda: gini([]), "n_players >= 1"),
])
def test_bad_input_raises(call, message):
    with pytest.raises(ValidationError, match=message):
        call()


positive = arrays(float, st.integers(1, 9), elements=st.one_of(st.just(0.0), st.floats(1e-6, 1e3)))


@given(positive)
def test_gini_matches_pairwise_definition_and_range(vector):
    if vector.sum() == 0:
        return
    n = vector.size
    value = gini(vector)
    assert value == pytest.approx(pairwise_gini(vector), abs=1e-9)
    assert -1e-12 <= value <= 1 - 1 / n + 1e-12


@given(positive, st.floats(0.001, 1e3), st.sampled_from([0.5, 1.0, 2.0, 5.0]))
def test_scale_invariance(vector, scale, epsilon):
    np.testing.assert_allclose(gini(scale * vector), gini(vector), atol=1e-9)
    np.testing.assert_allclose(atkinson(scale * vector, epsilon), atkinson(vector, epsilon), atol=1e-9)


@given(positive, st.randoms(use_true_random=False), st.sampled_from([0.5, 1.0, 3.0]))
def test_anonymity_and_atkinson_range(vector, rnd, epsilon):
    order = list(range(vector.size))
    rnd.shuffle(order)
    np.testing.assert_allclose(gini(vector[order]), gini(vector), atol=1e-12)
    value = atkinson(vector, epsilon)
    np.testing.assert_allclose(atkinson(vector[order], epsilon), value, atol=1e-12)
    assert -1e-12 <= value <= 1 + 1e-12


@given(positive, st.floats(0.1, 10.0))
def test_atkinson_grows_with_aversion(vector, epsilon):
    # power means decrease in their order, so A_eps is non-decreasing in eps
    assert atkinson(vector, epsilon + 0.5) >= atkinson(vector, epsilon) - 1e-9


# The Pigou-Dalton transfer property of Gini and Atkinson is tested together with the welfare
# functions in test_welfare_properties.py (test_pigou_dalton_transfer_helps_welfare_and_equality).
