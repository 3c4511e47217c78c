"""Aggregation rules for continuous reports ("voting on values", paper Section 3).

Each rule maps a :class:`~sedtheory.social_choice.profiles.ContinuousProfile` with reports
``(n, d)`` to one value: a ``float`` when ``d = 1``, an ``(d,)`` array otherwise. Every rule
here works **coordinatewise** for ``d > 1`` (each dimension is aggregated on its own).

==========================  ==================================================================
``mean``                    the arithmetic mean: the paper's f(σ) = (1/n) Σ_i σ_i (Section 4)
``median``                  the *lower* median (the ⌈n/2⌉-th smallest report). For odd n this is
                            the usual median; for even n it is the median of the reports and one
                            phantom at −∞, hence strategy-proof (the average of the two middle
                            reports, numpy's median, is not)
``generalized_median``      median of the n reports and fixed phantoms (Moulin 1980, "On
                            strategy-proofness and single peakedness", Public Choice 35:437-455);
                            n + number of phantoms must be odd. Default phantoms: k/n for
                            k = 0..n, the "uniform phantom" rule on [0, 1] (Freeman, Pennock,
                            Peters & Wortman Vaughan 2021, J. Econ. Theory 193)
``trimmed_mean``            mean after dropping ⌊proportion · n⌋ reports at each end (as
                            ``scipy.stats.trim_mean``); default proportion 0.1
==========================  ==================================================================
"""

from __future__ import annotations

import numpy as np

from sedtheory._validate import ValidationError, finite_array, nonnegative_scalar
from sedtheory.social_choice.profiles import ContinuousProfile
from sedtheory.social_choice.registry import voting_rule


def _output(values: np.ndarray) -> float | np.ndarray:
    return float(values[0]) if values.shape[0] == 1 else np.asarray(values, dtype=float)


@voting_rule("mean", kind="continuous")
def mean(profile: ContinuousProfile) -> float | np.ndarray:
    """Mean of the reports: the paper's f(σ) = (1/n) Σ σ_i (coordinatewise for d > 1)."""
    return _output(profile.reports.mean(axis=0))


@voting_rule("median", kind="continuous")
def median(profile: ContinuousProfile) -> float | np.ndarray:
    """Lower median of the reports (the ceil(n/2)-th smallest; coordinatewise)."""
    n = profile.n_voters
    return _output(np.sort(profile.reports, axis=0)[(n - 1) // 2])


def _phantom_array(phantoms, n: int, d: int) -> np.ndarray:
    """Phantoms as ``(p, d)``: a 1-d array is shared by every coordinate; ±inf allowed."""
    array = np.asarray(phantoms, dtype=float)
    if array.ndim not in (1, 2) or (array.ndim == 2 and array.shape[1] != d):
        raise ValidationError(f"phantoms: expected shape (p,) or (p, {d}), got {array.shape}")
    if np.any(np.isnan(array)):
        raise ValidationError("phantoms: NaN phantom")
    if (n + array.shape[0]) % 2 == 0:
        raise ValidationError(
            f"phantoms: n + number of phantoms must be odd for a median, got n = {n} and {array.shape[0]} phantoms"
        )
    return array[:, None].repeat(d, axis=1) if array.ndim == 1 else array


@voting_rule("generalized_median", kind="continuous")
def generalized_median(profile: ContinuousProfile, phantoms=None, bounds=(0.0, 1.0)) -> float | np.ndarray:
    """Median of the reports and phantom voters (Moulin 1980); default: uniform phantoms on bounds."""
    n = profile.n_voters
    if phantoms is None:
        low, high = finite_array("bounds", bounds, shape=(2,))
        if low > high:
            raise ValidationError(f"bounds: lower bound {low} exceeds upper bound {high}")
        phantoms = low + (high - low) * np.arange(n + 1) / n
    points = np.vstack([profile.reports, _phantom_array(phantoms, n, profile.dimension)])
    return _output(np.sort(points, axis=0)[points.shape[0] // 2])


@voting_rule("trimmed_mean", kind="continuous")
def trimmed_mean(profile: ContinuousProfile, proportion: float = 0.1) -> float | np.ndarray:
    """Mean after cutting floor(proportion * n) reports from each end (coordinatewise)."""
    proportion = nonnegative_scalar("proportion", proportion)
    if not proportion < 0.5:
        raise ValidationError(f"proportion: must lie in [0, 0.5), got {proportion}")
    n = profile.n_voters
    cut = int(np.floor(proportion * n))
    return _output(np.sort(profile.reports, axis=0)[cut:n - cut].mean(axis=0))
