"""Formal objects only: frozen, validated, no algorithms."""

from sedtheory.games.normal_form import NormalFormGame, StackelbergNashGame
from sedtheory.games.strategies import StrategyProfile

__all__ = ["NormalFormGame", "StackelbergNashGame", "StrategyProfile"]
