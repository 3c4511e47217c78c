"""Known answers and error handling for the welfare functions (sedtheory.social_choice.welfare).

Every expected number is a hand calculation written next to it.
"""

import math

import numpy as np
import pytest

from sedtheory import ValidationError
from sedtheory.social_choice import (
    WelfareFunction,
    available_welfare,
    egalitarian,
    eta_objective,
    get_welfare,
    leximin,
    leximin_argmax,
    leximin_compare,
    nash_welfare,
    register_welfare,
    utilitarian,
)

APPLES = np.array([3.0, 7.0, 12.0, 0.0, 5.0, 9.0, 4.0])  # an illustrative 7-player apple count


def test_utilitarian_and_egalitarian_known_answers():
    # hand: 3+7+12+0+5+9+4 = 40; min = 0
    assert utilitarian(APPLES) == 40.0
    assert egalitarian(APPLES) == 0.0
    # batch of two games: rows (1, 2, 3) and (4, 4, 4): sums 6 and 12, minima 1 and 4
    np.testing.assert_array_equal(utilitarian([[1, 2, 3], [4, 4, 4]]), [6.0, 12.0])
    np.testing.assert_array_equal(egalitarian([[1, 2, 3], [4, 4, 4]]), [1.0, 4.0])


def test_nash_welfare_known_answers():
    # hand: (1 * 4)^(1/2) = 2; (2 * 4 * 8)^(1/3) = 64^(1/3) = 4; a zero return gives 0
    np.testing.assert_allclose(nash_welfare([1, 4]), 2.0)
    np.testing.assert_allclose(nash_welfare([[1, 4], [2, 8]]), [2.0, 4.0])  # sqrt(16) = 4
    np.testing.assert_allclose(nash_welfare([2, 4, 8]), 4.0)
    assert nash_welfare(APPLES) == 0.0
    # shifted: ((-1 + 2) * (3 + 2))^(1/2) - 2 = sqrt(5) - 2
    np.testing.assert_allclose(nash_welfare([-1, 3], shift=2), math.sqrt(5) - 2)


def test_nash_welfare_does_not_overflow_on_long_vectors():
    # 1000 players each with 1e3: the product overflows a float, the geometric mean is 1e3
    np.testing.assert_allclose(nash_welfare(np.full(1000, 1e3)), 1e3)


def test_nash_welfare_negative_policy():
    with pytest.raises(ValidationError, match=r"values: negative return -1.0 at index \(0,\).*shift"):
        nash_welfare([-1.0, 2.0])
    with pytest.raises(ValidationError, match="larger shift"):
        nash_welfare([-3.0, 2.0], shift=1.0)
    with pytest.raises(ValidationError, match="shift"):
        nash_welfare([1.0, 2.0], shift=-1.0)


def test_shifted_nash_welfare_of_constant_vector_is_that_constant():
    # (prod (a + c))^(1/n) - c = a for every c >= -a: hand algebra
    for shift in (0.5, 1.0, 10.0):
        np.testing.assert_allclose(nash_welfare([-0.5, -0.5, -0.5], shift=shift), -0.5)


def test_eta_objective_known_answers():
    # Section 4, O_eta = eta*sum + (1-eta)*min. Apples (3, 7, 12, 0, 5, 9, 4): sum 40, min 0.
    assert eta_objective(APPLES, 1.0) == 40.0  # utilitarian end
    assert eta_objective(APPLES, 0.0) == 0.0  # egalitarian end
    # (2, 4, 6), eta = 0.25: 0.25*12 + 0.75*2 = 4.5
    assert eta_objective([2, 4, 6], 0.25) == pytest.approx(4.5)
    # one eta per game: rows (2,4,6) and (1,1,1), eta (0.5, 0.1): 0.5*12+0.5*2 = 7, 0.1*3+0.9*1 = 1.2
    np.testing.assert_allclose(eta_objective([[2, 4, 6], [1, 1, 1]], [0.5, 0.1]), [7.0, 1.2])
    with pytest.raises(ValidationError, match=r"eta: must lie in \[0, 1\]"):
        eta_objective(APPLES, 1.5)
    with pytest.raises(ValidationError, match="eta: shape"):
        eta_objective([[1, 2], [3, 4]], [0.1, 0.2, 0.3])


def test_leximin_known_answers():
    # (2, 2) vs (1, 3): worst-off 2 > 1, so (2, 2) is leximin-better
    assert leximin_compare([2, 2], [1, 3]) == 1
    assert leximin_compare([1, 3], [2, 2]) == -1
    # (1, 5, 2) vs (2, 1, 4): sorted (1, 2, 5) vs (1, 2, 4): third entry decides, a better
    assert leximin_compare([1, 5, 2], [2, 1, 4]) == 1
    # permutations tie
    assert leximin_compare([3, 1, 2], [1, 2, 3]) == 0
    np.testing.assert_array_equal(leximin([[3, 1, 2]]), [[1, 2, 3]])
    # rows: (1,5) (2,2) (2,3): sorted keys (1,5) (2,2) (2,3); best is (2,3), index 2
    assert leximin_argmax([[1, 5], [2, 2], [2, 3]]) == 2
    # ties: rows 0 and 2 are permutations of each other and best; the first index is returned
    assert leximin_argmax([[4, 3], [1, 9], [3, 4]]) == 0


def test_leximin_compare_is_vectorised_and_checks_lengths():
    got = leximin_compare([[2, 2], [1, 3], [0, 0]], [1, 3])
    np.testing.assert_array_equal(got, [1, 0, -1])
    with pytest.raises(ValidationError, match="different lengths"):
        leximin_compare([1, 2], [1, 2, 3])


@pytest.mark.parametrize("bad, message", [
    ([], "players axis"),
    (5.0, "scalar"),
    ([1.0, np.nan], "non-finite"),
    ([[1, 2], [3]], "cannot be read"),
])
def test_bad_outcomes_raise(bad, message):
    with pytest.raises(ValidationError, match=message):
        utilitarian(bad)


def test_registry_lookup_and_parameters():
    assert {"utilitarian", "egalitarian", "nash", "eta"} <= set(available_welfare())
    assert get_welfare("utilitarian")([1, 2, 3]) == 6.0
    assert get_welfare("eta", eta=0.5)([2, 4, 6]) == pytest.approx(7.0)  # 0.5*12 + 0.5*2
    np.testing.assert_allclose(get_welfare("nash", shift=1.0)([0.0, 3.0]), 1.0)  # sqrt(1*4) - 1
    with pytest.raises(ValidationError, match="unknown welfare"):
        get_welfare("rawls")
    with pytest.raises(ValidationError, match="bad parameters"):
        get_welfare("eta")
    # parameters are checked when the function is looked up, before any call
    with pytest.raises(ValidationError, match="shift: must be >= 0"):
        get_welfare("nash", shift=-1.0)
    with pytest.raises(ValidationError, match=r"eta: must lie in \[0, 1\]"):
        get_welfare("eta", eta=2.0)
    with pytest.raises(ValidationError, match="already registered"):
        register_welfare("utilitarian", lambda: None)


def test_user_defined_welfare_function_checks_its_output_shape():
    spread = WelfareFunction("spread", lambda v: -(v.max(-1) - v.min(-1)), "minus the range")
    np.testing.assert_array_equal(spread([[1, 5], [2, 3]]), [-4.0, -1.0])
    broken = WelfareFunction("broken", lambda v: v)  # returns one number per player, not per vector
    with pytest.raises(ValidationError, match=r"returned shape \(3,\).*expected \(\)"):
        broken([1, 2, 3])
    with pytest.raises(ValidationError, match="callable"):
        WelfareFunction("x", 3)
