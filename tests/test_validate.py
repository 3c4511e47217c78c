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


# --- issue 14: values numpy would silently turn into numbers ("4" -> 4.0, True -> 1.0, None -> nan)

@pytest.mark.parametrize("value, message", [
    ([["4", 1.0], [2.0, 3.0]], r"payoffs: cannot be read as numbers: entry at index \(0, 0\) is the string '4'"),
    ([[1.0, 2.0], [3.0, True]], r"payoffs: cannot be read as numbers: entry at index \(1, 1\) is the boolean True"),
    ([1.0, None], r"payoffs: cannot be read as numbers: entry at index \(1,\) is None"),
    (np.array([1.0, None], dtype=object), r"entry at index \(1,\) is None"),
    (np.array([True, False]), r"entry at index \(0,\) is the boolean True"),
    (np.array(["1", "2"]), r"entry at index \(0,\) is the string '1'"),
    ("abc", r"payoffs: cannot be read as numbers: entry is the string 'abc'"),
])
def test_finite_array_refuses_strings_booleans_and_none_by_index(value, message):
    with pytest.raises(ValidationError, match=message):
        finite_array("payoffs", value)


def test_finite_array_still_reads_numbers_of_every_kind():
    from fractions import Fraction

    assert finite_array("x", [1, 2.5, np.float32(3), np.int64(4), Fraction(1, 2)]).tolist() == [1, 2.5, 3, 4, 0.5]
    assert finite_array("x", np.array([1, 2], dtype=np.uint8)).tolist() == [1, 2]


@pytest.mark.parametrize("value", ["0.1", b"0.1", True, np.True_, None])
def test_scalars_refuse_strings_and_booleans(value):
    with pytest.raises(ValidationError, match=r"delta: expected a number, got"):
        nonnegative_scalar("delta", value)


def test_python_api_refuses_string_parameters():
    # issue 14: delta="0.1" and gamma="0.9" were read as numbers
    from sedtheory import POMG, StackelbergNashGame, certify

    game = StackelbergNashGame.from_bimatrix([[2, 4], [1, 3]], [[1, 0], [0, 1]])
    with pytest.raises(ValidationError, match="delta: expected a number, got '0.1'"):
        certify(game, [0.5, 0.5], [1], delta="0.1")
    transitions = np.zeros((2, 1, 1, 2))
    transitions[:, 0, 0, 0] = 1.0
    with pytest.raises(ValidationError, match="gamma: expected a number, got '0.9'"):
        POMG(transitions, np.ones((2, 1, 1, 2)), gamma="0.9", initial_distribution=[1, 0])
    with pytest.raises(ValidationError, match="leader_payoffs: cannot be read as numbers"):
        StackelbergNashGame.from_bimatrix([["4", 1], [2, 3]], [[1, 0], [0, 1]])
    with pytest.raises(ValidationError, match="follower_payoffs: cannot be read as numbers"):
        StackelbergNashGame.from_bimatrix([[4, 1], [2, 3]], [[True, 0], [0, 1]])
