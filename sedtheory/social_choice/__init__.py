"""Preference profiles, voting rules, axioms, manipulation and welfare functions."""

# --- welfare and inequality (welfare functions O of Sections 3-4; Gini, Atkinson) ---
from sedtheory.social_choice.inequality import atkinson, gini
from sedtheory.social_choice.welfare import (
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

__all__ = [
    *globals().get("__all__", []),
    "WelfareFunction",
    "atkinson",
    "available_welfare",
    "egalitarian",
    "eta_objective",
    "get_welfare",
    "gini",
    "leximin",
    "leximin_argmax",
    "leximin_compare",
    "nash_welfare",
    "register_welfare",
    "utilitarian",
]
# --- end welfare and inequality ---
