"""Drivers: loops that play games round after round, above the solvers and the graders they call.

* :mod:`.sed_rounds`: online rounds of a Social Environment Design game (paper, Section 3): vote,
  principal's problem (1), equilibrium, play, certificate, next round from the last state.
"""

from sedtheory.drivers.sed_rounds import SEDHistory, SEDRound, run_rounds

__all__ = ["SEDHistory", "SEDRound", "run_rounds"]
