"""Exact solvers for small games, one algorithm per module, each citing its source."""

from sedtheory.solvers._result import SolverStatus, StackelbergResult

# markov
from sedtheory.solvers.markov_best_response import BestResponse, ProblemTooLargeError, best_response
from sedtheory.solvers.markov_evaluation import evaluate, leader_value, state_values
from sedtheory.solvers.markov_nash import MarkovEquilibrium  # pure_nash_equilibria: see the block below
from sedtheory.solvers.markov_simulation import Trajectory, sample_returns, simulate
from sedtheory.solvers.markov_ssmne import SSMNEResult, solve_ssmne
# sed_rounds (run_rounds, SEDHistory, SEDRound) calls the equilibrium graders, which import this
# package: it is imported from sedtheory.solvers.sed_rounds (and re-exported by sedtheory) only.
# end markov

# solvers (normal-form Stackelberg and Nash)
from sedtheory.solvers.bayesian import solve_bayesian_stackelberg
from sedtheory.solvers.pure_commitment import solve_pure_commitment
# pure_nash_equilibria dispatches on the game: NormalFormGame here, anything else (a POMG) to
# markov_nash.pure_nash_equilibria with the same arguments, so both callers keep working.
from sedtheory.solvers.pure_nash import normal_form_pure_nash_equilibria, pure_nash_equilibria
from sedtheory.solvers.stackelberg import MAX_FOLLOWER_PROFILES, SolverWarning, solve_stackelberg
from sedtheory.solvers.support_enumeration import support_enumeration
# end solvers

__all__ = ["SolverStatus", "StackelbergResult"]

# markov
__all__ += ["BestResponse", "MarkovEquilibrium", "ProblemTooLargeError", "SSMNEResult",
            "Trajectory", "best_response", "evaluate", "leader_value", "sample_returns", "simulate",
            "solve_ssmne", "state_values"]

# solvers (normal-form Stackelberg and Nash)
__all__ += ["MAX_FOLLOWER_PROFILES", "SolverWarning", "normal_form_pure_nash_equilibria",
            "pure_nash_equilibria", "solve_bayesian_stackelberg", "solve_pure_commitment",
            "solve_stackelberg", "support_enumeration"]
__all__ = sorted(set(__all__))
