"""Evaluation intervals respect what a metric can be: Student-t intervals of the mean clipped to
the metric's range (never negative apples, never a Gini above 1), and "n too small" rather than
infinities when there is one episode. Oracle: scipy.stats.t.interval."""

import numpy as np
import pytest
from scipy import stats

from sedtheory.rl.evaluate import METRICS, SUPPORT, comparison_table, confidence_interval, format_interval


def _t_interval(x, level=0.95):
    x = np.asarray(x, dtype=float)
    return stats.t.interval(level, x.size - 1, loc=x.mean(), scale=stats.sem(x))


def test_apples_never_get_a_negative_bound():
    apples = [0.0, 99.0]   # two episodes: the t interval reaches far below 0
    low_t, high_t = _t_interval(apples)
    assert low_t < -500
    mean, low, high = confidence_interval(apples, support=SUPPORT["total_apples"])
    assert (mean, low) == (49.5, 0.0) and high == pytest.approx(high_t)


def test_gini_stays_in_the_unit_interval():
    gini = [0.7, 0.9, 0.95]
    low_t, high_t = _t_interval(gini)
    assert 0 < low_t and high_t > 1
    mean, low, high = confidence_interval(gini, support=SUPPORT["gini"])
    assert low == pytest.approx(low_t) and high == 1.0


def test_without_a_support_it_is_the_plain_t_interval():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=25)
    mean, low, high = confidence_interval(x, 0.9)
    assert (low, high) == pytest.approx(_t_interval(x, 0.9))


@pytest.mark.parametrize("seed", range(5))
def test_clipping_only_drops_impossible_values(seed):
    rng = np.random.default_rng(seed)
    x = rng.poisson(2.0, size=rng.integers(2, 6)).astype(float)
    mean, low, high = confidence_interval(x, support=(0.0, np.inf))
    low_t, high_t = _t_interval(x) if x.std() > 0 else (mean, mean)
    assert 0.0 <= low <= mean <= high
    assert low == pytest.approx(max(low_t, 0.0)) and high == pytest.approx(high_t)


def test_one_sample_gives_no_interval_and_says_n_too_small():
    mean, low, high = confidence_interval([7.0], support=(0.0, np.inf))
    assert mean == 7.0 and (low, high) == (-np.inf, np.inf)
    assert format_interval(mean, low, high) == "7.0 (n too small)"
    assert format_interval(49.5, 0.0, 208.25) == "49.5 [0.0, 208.2]"


def test_the_table_never_prints_infinities_or_impossible_bounds():
    one = {m: np.array([3.0]) for m in METRICS}
    two = {m: np.array([0.0, 99.0]) if m != "gini" else np.array([0.2, 0.99]) for m in METRICS}
    for values in (one, two):
        values["tax_rates"] = np.zeros((values["objective"].size, 3))
    rows, table = comparison_table({"one episode": one, "two episodes": two})
    assert "inf" not in table and "n too small" in table.splitlines()[1]
    assert "[-" not in table   # no negative lower bound anywhere
    assert rows[1]["gini"][2] <= 1.0 and rows[1]["total_apples"][1] == 0.0


def test_every_metric_has_a_support():
    assert set(SUPPORT) == set(METRICS)
