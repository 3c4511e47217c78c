"""Graders: best responses, regret and (ε, δ) certificates. They never trust a solver."""

from sedtheory.equilibrium.certificate import Certificate, Witness

__all__ = ["Certificate", "Witness"]
