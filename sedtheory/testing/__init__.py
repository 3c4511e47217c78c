"""Hypothesis strategies and assertion helpers for users' own test suites."""
