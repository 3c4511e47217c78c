"""Exact evaluation shared by the solvers and the graders, below both (DESIGN.md layers).

What a solver needs to find an answer and a grader needs to check one, written once, so that
neither has to import the other (a grader never imports the solver it grades):

* :mod:`.markov_evaluation`: exact values of a reactive policy profile in a POMG (linear solve
  or backward recursion), and the leader's value in a Stackelberg–Markov game;
* :mod:`.markov_best_response`: one agent's exact best response (policy iteration on the
  induced MDP, or branch-and-bound over deterministic reactive policies);
* :mod:`.markov_simulation`: seeded Monte-Carlo episodes of a POMG;
* :mod:`.ties`: when a follower counts as indifferent (the one tie tolerance) and commitment
  LPs checked against it in exact arithmetic.
"""

from sedtheory.evaluation.markov_best_response import BestResponse, ProblemTooLargeError, best_response
from sedtheory.evaluation.markov_evaluation import evaluate, leader_value, state_values
from sedtheory.evaluation.markov_simulation import Trajectory, sample_returns, simulate
from sedtheory.evaluation.ties import TIE_RTOL, exact_commitment_lp, settle_commitment, tie_tolerances

__all__ = ["BestResponse", "ProblemTooLargeError", "TIE_RTOL", "Trajectory", "best_response", "evaluate",
           "exact_commitment_lp", "leader_value", "sample_returns", "settle_commitment", "simulate",
           "state_values", "tie_tolerances"]
