"""Formal objects only: frozen, validated, no algorithms."""

from sedtheory.games.mechanism import MechanismDesignProblem
from sedtheory.games.normal_form import NormalFormGame, StackelbergNashGame
from sedtheory.games.strategies import StrategyProfile

# markov
from sedtheory.games.markov import POMG, uniform_policy
from sedtheory.games.sed import SEDGame, TypeSpace
from sedtheory.games.stackelberg import Box, LeaderRewardUtility, StackelbergMarkovGame, WelfareUtility
from sedtheory.games.examples import (  # example games with known answers
    common_pool_game,
    common_pool_pomg,
    public_goods_game,
    public_goods_pomg,
    tax_budget_sed_game,
)
# end markov

__all__ = ["MechanismDesignProblem", "NormalFormGame", "StackelbergNashGame", "StrategyProfile"]

# markov
__all__ += ["Box", "LeaderRewardUtility", "POMG", "SEDGame", "StackelbergMarkovGame", "TypeSpace",
            "WelfareUtility", "common_pool_game", "common_pool_pomg", "public_goods_game", "public_goods_pomg",
            "tax_budget_sed_game", "uniform_policy"]
