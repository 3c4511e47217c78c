"""Hypothesis strategies and assertion helpers for users' own test suites."""

# equilibrium assertions
from sedtheory.testing.assertions import assert_nash_equilibrium, assert_stackelberg_equilibrium

__all__ = ["assert_nash_equilibrium", "assert_stackelberg_equilibrium"]
