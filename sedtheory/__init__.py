"""sedtheory: Social Environment Design, theory first.

The public API is re-exported here explicitly. torch-based parts (``sedtheory.envs``,
``sedtheory.rl``) are *not* imported by this module: the theory side runs without torch.

Layers, lowest first (a module imports only from its own layer or lower ones):
games; social_choice and principal; solvers and equilibrium; envs; rl; cli.
"""

from sedtheory._validate import DEFAULT_TOL, ValidationError
from sedtheory.equilibrium.certificate import Certificate, Witness
from sedtheory.games.normal_form import NormalFormGame, StackelbergNashGame
from sedtheory.games.strategies import StrategyProfile
from sedtheory.solvers._result import SolverStatus, StackelbergResult

# --- re-exports added by each capability (keep one block per sub-package) ---

# equilibrium
from sedtheory.equilibrium import (
    LeaderOptimum,
    bayesian_relaxed_leader_optimum,
    best_response_set,
    certify,
    certify_bayesian,
    delta_best_response,
    deviation_values,
    follower_gaps,
    follower_witnesses,
    joint_delta_best_response,
    nash_conv,
    regret,
    relaxed_leader_optimum,
)
from sedtheory.games.mechanism import MechanismDesignProblem
# end equilibrium

# principal and welfare
from sedtheory.principal import (
    DeltaBall,
    PrincipalResult,
    bracket_tax,
    divergence,
    redistribute,
    reparameterise,
    solve_principal_problem,
)
from sedtheory.social_choice.inequality import atkinson, gini
from sedtheory.social_choice.welfare import (
    WelfareFunction,
    egalitarian,
    eta_objective,
    get_welfare,
    leximin,
    leximin_compare,
    nash_welfare,
    utilitarian,
)
# end principal and welfare

# solvers
from sedtheory.solvers import (
    SolverWarning,
    normal_form_pure_nash_equilibria,
    pure_nash_equilibria,
    solve_bayesian_stackelberg,
    solve_pure_commitment,
    solve_stackelberg,
    support_enumeration,
)
# end solvers

# social_choice
from sedtheory.social_choice import (
    ApprovalProfile,
    Axiom,
    AxiomViolation,
    ContinuousProfile,
    PreferenceProfile,
    VotingRule,
    best_misreport,
    break_ties,
    enumerate_anonymous_profiles,
    exhaustive_violations,
    get_axiom,
    get_rule,
    list_axioms,
    list_rules,
    manipulable_share,
    mean_rule_equilibrium,
    voting_rule,
)
# end social_choice

# markov
from sedtheory.drivers import SEDHistory, SEDRound, run_rounds
from sedtheory.equilibrium.markov import (
    certify_ssmne,
    markov_delta_best_responses,
    markov_follower_gaps,
    markov_nash_conv,
)
from sedtheory.evaluation import BestResponse, ProblemTooLargeError, Trajectory, best_response, evaluate, simulate
from sedtheory.games.markov import POMG
from sedtheory.games.sed import SEDGame, TypeSpace
from sedtheory.games.stackelberg import Box, LeaderRewardUtility, StackelbergMarkovGame, WelfareUtility
from sedtheory.solvers.markov_nash import MarkovEquilibrium
from sedtheory.solvers.markov_ssmne import SSMNEResult, solve_ssmne
# end markov

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_TOL",
    "Certificate",
    "NormalFormGame",
    "SolverStatus",
    "StackelbergNashGame",
    "StackelbergResult",
    "StrategyProfile",
    "ValidationError",
    "Witness",
]

# principal and welfare
__all__ += [
    "DeltaBall",
    "PrincipalResult",
    "WelfareFunction",
    "atkinson",
    "bracket_tax",
    "divergence",
    "egalitarian",
    "eta_objective",
    "get_welfare",
    "gini",
    "leximin",
    "leximin_compare",
    "nash_welfare",
    "redistribute",
    "reparameterise",
    "solve_principal_problem",
    "utilitarian",
]

# equilibrium
__all__ += [
    "LeaderOptimum",
    "MechanismDesignProblem",
    "bayesian_relaxed_leader_optimum",
    "best_response_set",
    "certify",
    "certify_bayesian",
    "delta_best_response",
    "deviation_values",
    "follower_gaps",
    "follower_witnesses",
    "joint_delta_best_response",
    "nash_conv",
    "regret",
    "relaxed_leader_optimum",
]

# solvers
__all__ += [
    "SolverWarning",
    "normal_form_pure_nash_equilibria",
    "pure_nash_equilibria",
    "solve_bayesian_stackelberg",
    "solve_pure_commitment",
    "solve_stackelberg",
    "support_enumeration",
]

# social_choice
__all__ += [
    "ApprovalProfile",
    "Axiom",
    "AxiomViolation",
    "ContinuousProfile",
    "PreferenceProfile",
    "VotingRule",
    "best_misreport",
    "break_ties",
    "enumerate_anonymous_profiles",
    "exhaustive_violations",
    "get_axiom",
    "get_rule",
    "list_axioms",
    "list_rules",
    "manipulable_share",
    "mean_rule_equilibrium",
    "voting_rule",
]

# markov
__all__ += [
    "BestResponse",
    "Box",
    "LeaderRewardUtility",
    "MarkovEquilibrium",
    "POMG",
    "ProblemTooLargeError",
    "SEDGame",
    "SEDHistory",
    "SEDRound",
    "SSMNEResult",
    "StackelbergMarkovGame",
    "Trajectory",
    "TypeSpace",
    "WelfareUtility",
    "best_response",
    "certify_ssmne",
    "evaluate",
    "markov_delta_best_responses",
    "markov_follower_gaps",
    "markov_nash_conv",
    "run_rounds",
    "simulate",
    "solve_ssmne",
]
