import numpy as np
import pytest

from sedtheory._validate import (
    ValidationError,
    finite_array,
    nonnegative_scalar,
    positive_int,
    probability_vector,
    stochastic_array,
)


def test_finite_array_is_a_read_only_copy():
    source = np.array([1.0, 2.0])
    out = finite_array("x", source)
    source[0] = 99
    assert out[0] == 1.0
    with pytest.raises(ValueError):
        out[0] = 5


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_finite_array_names_field_and_index(bad):
    with pytest.raises(ValidationError, match=r"payoffs: non-finite value .* at index \(1,\)"):
        finite_array("payoffs", [0.0, bad])


def test_shape_and_ndim_checks():
    with pytest.raises(ValidationError, match=r"x: expected shape \(2, \*\)"):
        finite_array("x", np.zeros((3, 2)), shape=(2, None))
    with pytest.raises(ValidationError, match="x: expected 1 dimensions"):
        finite_array("x", np.zeros((3, 2)), ndim=1)
    with pytest.raises(ValidationError, match="cannot be read"):
        finite_array("x", ["a", "b"])


def test_probability_vector():
    assert probability_vector("p", [0.25, 0.75]).sum() == 1.0
    with pytest.raises(ValidationError, match=r"p: probabilities sum to 0.9"):
        probability_vector("p", [0.2, 0.7])
    with pytest.raises(ValidationError, match=r"p: negative probability -0.5 at index 0"):
        probability_vector("p", [-0.5, 1.5])
    with pytest.raises(ValidationError, match=r"p: expected shape \(3,\)"):
        probability_vector("p", [0.5, 0.5], size=3)


def test_stochastic_array_names_the_bad_row():
    rows = np.array([[0.5, 0.5], [0.2, 0.7]])
    with pytest.raises(ValidationError, match=r"T: row \(1,\) sums to 0.9"):
        stochastic_array("T", rows)


def test_scalars():
    assert nonnegative_scalar("epsilon", 0) == 0.0
    with pytest.raises(ValidationError, match="epsilon: must be >= 0"):
        nonnegative_scalar("epsilon", -0.1)
    with pytest.raises(ValidationError, match="delta: must be finite"):
        nonnegative_scalar("delta", float("nan"))
    assert positive_int("n", 3) == 3
    with pytest.raises(ValidationError, match="n: expected an integer"):
        positive_int("n", True)
    with pytest.raises(ValidationError, match="n: must be >= 1"):
        positive_int("n", 0)
