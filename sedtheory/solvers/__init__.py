"""Exact solvers for small games, one algorithm per module, each citing its source."""

from sedtheory.solvers._result import SolverStatus, StackelbergResult

# markov
from sedtheory.solvers.markov_nash import MarkovEquilibrium  # pure_nash_equilibria: see the block below
from sedtheory.solvers.markov_ssmne import SSMNEResult, solve_ssmne
# Exact values, best responses and simulation of POMGs live in sedtheory.evaluation (below the
# solvers and the graders); the online SED rounds in sedtheory.drivers (above both).
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
__all__ += ["MarkovEquilibrium", "SSMNEResult", "solve_ssmne"]

# solvers (normal-form Stackelberg and Nash)
__all__ += ["MAX_FOLLOWER_PROFILES", "SolverWarning", "normal_form_pure_nash_equilibria",
            "pure_nash_equilibria", "solve_bayesian_stackelberg", "solve_pure_commitment",
            "solve_stackelberg", "support_enumeration"]
__all__ = sorted(set(__all__))
