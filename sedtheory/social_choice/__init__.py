"""Preference profiles, voting rules, axioms, manipulation and welfare functions."""
