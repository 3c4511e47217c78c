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

# --- profiles, voting rules, axioms and manipulation (issue 4, parts 2-4) ---
from sedtheory.social_choice.ballot_axioms import BallotMemo, ballot_domain_violations
from sedtheory.social_choice.axioms import (
    Axiom,
    AxiomViolation,
    MemoisedRule,
    exhaustive_violations,
    find_violations,
    get_axiom,
    grid_violations,
    list_axioms,
    resolute_winner,
    small_domain_violations,
)
from sedtheory.social_choice.manipulation import (
    ManipulabilityShare,
    Misreport,
    ReportingEquilibrium,
    best_misreport,
    grid_best_misreport,
    manipulable_share,
    mean_rule_equilibrium,
)
from sedtheory.social_choice.profiles import (
    ApprovalProfile,
    ContinuousProfile,
    PreferenceProfile,
    ScoredProfile,
    all_rankings,
    count_anonymous_profiles,
    enumerate_anonymous_profiles,
)
from sedtheory.social_choice.registry import VotingRule, break_ties, get_rule, list_rules, voting_rule

# the built-in rules register themselves on import (the registry imports none of them)
from sedtheory.social_choice import (  # noqa: E402,F401  isort: skip
    ballot_axioms,
    continuous_rules,
    further_axioms,
    iterative_rules,
    majority_rules,
    ranked_rules,
    scored_rules,
    scoring_rules,
)

__all__ = [
    *__all__,
    "ApprovalProfile",
    "Axiom",
    "BallotMemo",
    "AxiomViolation",
    "ContinuousProfile",
    "ManipulabilityShare",
    "MemoisedRule",
    "Misreport",
    "PreferenceProfile",
    "ReportingEquilibrium",
    "ScoredProfile",
    "VotingRule",
    "all_rankings",
    "best_misreport",
    "ballot_domain_violations",
    "break_ties",
    "count_anonymous_profiles",
    "enumerate_anonymous_profiles",
    "exhaustive_violations",
    "find_violations",
    "get_axiom",
    "get_rule",
    "grid_best_misreport",
    "grid_violations",
    "list_axioms",
    "list_rules",
    "manipulable_share",
    "mean_rule_equilibrium",
    "resolute_winner",
    "small_domain_violations",
    "voting_rule",
]
# --- end profiles, voting rules, axioms and manipulation ---
