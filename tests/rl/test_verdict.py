"""The plain-words verdict printed after ``sedtheory train`` (:func:`sedtheory.rl.evaluate.verdict`)."""

import numpy as np
import pytest

from sedtheory._validate import ValidationError
from sedtheory.rl.evaluate import verdict


def _values(apples, objective, left, rates=(0.0, 0.0, 0.0)):
    n = len(apples)
    return {"total_apples": np.asarray(apples, float), "objective": np.asarray(objective, float),
            "apples_left": np.asarray(left, float), "tax_rates": np.tile(np.asarray(rates, float), (n, 1))}


def test_a_clear_gain_is_called_help_and_the_words_follow_the_paired_interval():
    taxed = _values([100, 110, 120, 130], [60, 70, 80, 90], [3, 0, 5, 4], rates=(0.5, 0.7, 0.9))
    untaxed = _values([80, 90, 100, 110], [50, 61, 69, 80], [0, 0, 0, 0])
    random = _values([200, 210, 190, 200], [0, 0, 0, 0], [30, 30, 30, 30])
    players, principal, apples = verdict(taxed, untaxed, random)
    # players: mean 115 against random 200 (ratio 0.575); differences -100, -100, -70, -70 -> interval below 0
    assert "115.0 apples per episode, 0.57x random play's 200.0" in players and "worse than random play" in players
    # principal: differences 10, 9, 11, 10 -> mean +10.0, interval above 0
    assert "+10.0" in principal and "the principal helps" in principal and "(0.50, 0.70, 0.90)" in principal
    # apples left 3, 0, 5, 4: mean 3.0, empty in 1 of 4 episodes
    assert "3.0 per game" in apples and "25 %" in apples
    assert "same players" in principal
    # players per schedule: the no-tax episodes are played by the network trained under no tax
    principal = verdict(taxed, untaxed, random, per_schedule=True)[1]
    assert "each with the players trained under its schedule: +10.0" in principal and "same players" not in principal


def test_an_interval_across_zero_says_so_and_an_empty_map_is_named():
    taxed = _values([50, 60], [40, 42], [0, 0])
    untaxed = _values([50, 60], [41, 40], [0, 0])
    random = _values([40, 45], [0, 0], [20, 20])
    players, principal, apples = verdict(taxed, untaxed, random)
    assert "no clear difference" in principal
    assert "empty the map in every episode" in apples
    assert "1.29x" in players


def test_one_episode_gives_no_interval():
    one = _values([50], [40], [0])
    _, principal, _ = verdict(one, _values([40], [30], [0]), _values([60], [0], [10]))
    assert "too few episodes" in principal and "inf" not in principal


@pytest.mark.parametrize("field", ["total_apples", "objective"])
def test_mismatched_pairs_are_refused(field):
    taxed = _values([1, 2, 3], [1, 2, 3], [0, 0, 0])
    other = _values([1, 2], [1, 2], [0, 0])
    with pytest.raises(ValidationError, match=f"{field}: paired samples need equal shapes"):
        verdict(taxed, other, taxed) if field == "objective" else verdict(taxed, taxed, other)
