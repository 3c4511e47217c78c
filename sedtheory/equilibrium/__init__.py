"""Graders: best responses, regret and (ε, δ) certificates. They never trust a solver.

Follower gaps come from best-response evaluation alone (:mod:`.best_response`); the leader
gap compares against the δ-relaxed strong Stackelberg optimum of a named exact method
(:mod:`.leader_optimum`), never against the solver being graded.
"""

from sedtheory.equilibrium.best_response import (
    best_response_set,
    delta_best_response,
    deviation_values,
    follower_gaps,
    follower_witnesses,
    joint_delta_best_response,
    mixed_strategies,
    nash_conv,
    pure_actions,
    regret,
)
from sedtheory.equilibrium.certificate import Certificate, Witness
from sedtheory.equilibrium.certify import certify, certify_bayesian
from sedtheory.equilibrium.leader_optimum import (
    LeaderOptimum,
    bayesian_relaxed_leader_optimum,
    relaxed_leader_optimum,
)

# markov
from sedtheory.equilibrium.markov import (
    certify_ssmne,
    markov_delta_best_responses,
    markov_follower_gaps,
    markov_nash_conv,
)
# end markov

__all__ = [
    "Certificate",
    "LeaderOptimum",
    "Witness",
    "bayesian_relaxed_leader_optimum",
    "best_response_set",
    "certify",
    "certify_bayesian",
    "delta_best_response",
    "deviation_values",
    "follower_gaps",
    "follower_witnesses",
    "joint_delta_best_response",
    "mixed_strategies",
    "nash_conv",
    "pure_actions",
    "regret",
    "relaxed_leader_optimum",
]

# markov
__all__ += ["certify_ssmne", "markov_delta_best_responses", "markov_follower_gaps", "markov_nash_conv"]
