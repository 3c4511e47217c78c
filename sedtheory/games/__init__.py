"""Formal objects only: frozen, validated, no algorithms."""

from sedtheory.games.mechanism import MechanismDesignProblem
from sedtheory.games.normal_form import NormalFormGame, StackelbergNashGame
from sedtheory.games.strategies import StrategyProfile

# markov
from sedtheory.games.markov import POMG, uniform_policy
from sedtheory.games.sed import SEDGame, TypeSpace
from sedtheory.games.stackelberg import Box, LeaderRewardUtility, StackelbergMarkovGame, WelfareUtility
# end markov

__all__ = ["MechanismDesignProblem", "NormalFormGame", "StackelbergNashGame", "StrategyProfile"]

# markov
__all__ += ["Box", "LeaderRewardUtility", "POMG", "SEDGame", "StackelbergMarkovGame", "TypeSpace",
            "WelfareUtility", "uniform_policy"]
