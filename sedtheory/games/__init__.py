"""Formal objects only: frozen, validated, no algorithms."""

from sedtheory.games.mechanism import MechanismDesignProblem
from sedtheory.games.normal_form import NormalFormGame, StackelbergNashGame
from sedtheory.games.strategies import StrategyProfile

__all__ = ["MechanismDesignProblem", "NormalFormGame", "StackelbergNashGame", "StrategyProfile"]
