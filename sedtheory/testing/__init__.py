"""Hypothesis strategies and assertion helpers for users' own test suites."""

# equilibrium assertions
from sedtheory.testing.assertions import assert_nash_equilibrium, assert_stackelberg_equilibrium

__all__ = ["assert_nash_equilibrium", "assert_stackelberg_equilibrium"]

# Hypothesis strategies (voting profiles, small games): ``from sedtheory.testing.strategies
# import preference_profiles``. Loaded lazily so that this package imports without hypothesis.
_STRATEGIES = ("approval_profiles", "continuous_profiles", "normal_form_games", "preference_profiles",
               "scored_profiles", "single_peaked_profiles", "stackelberg_games")


def __getattr__(name):
    if name in _STRATEGIES:
        from sedtheory.testing import strategies

        return getattr(strategies, name)
    raise AttributeError(f"module 'sedtheory.testing' has no attribute {name!r}")
