"""Exact evaluation shared by the solvers and the graders, below both (DESIGN.md layers).

What a solver needs to find an answer and a grader needs to check one, written once:

* :mod:`.ties`: when a follower counts as indifferent (the one tie tolerance) and commitment
  LPs checked against it in exact arithmetic.
"""

from sedtheory.evaluation.ties import TIE_RTOL, exact_commitment_lp, settle_commitment, tie_tolerances

__all__ = ["TIE_RTOL", "exact_commitment_lp", "settle_commitment", "tie_tolerances"]
