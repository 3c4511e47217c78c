"""Small Stackelberg–Markov and SED games with known answers, for tests and notebooks.

Each factory documents what the game shows and its known answer, with provenance:

* :func:`common_pool_game` — a two-agent common-pool resource game; a tax lever moves the
  followers from the tragedy-of-the-commons equilibrium to restraint. Answer by hand
  (closed form below) and by independent brute force in ``tests/games/test_examples.py``.
* :func:`public_goods_game` — a partially observed public-goods game; a subsidy makes
  contributing dominant; the leader pays for it. Answer by hand; uniqueness by brute force.
* :func:`tax_budget_sed_game` — an SED game on the common-pool resource in which the
  divergence budget δ binds: with ``δ < 1/2`` the principal cannot reach a tax that sustains
  restraint. Answer follows from the first game's table.

Layering: this module is in ``games`` and so may not import ``social_choice`` or
``principal``. Its default welfare functionals (``Σ_i J_i`` and ``min_i J_i``) and its L1
divergence are two-line local definitions; every factory accepts the shared ones
(:func:`sedtheory.social_choice.welfare.utilitarian`, the divergences of
:mod:`sedtheory.principal`) as arguments, and the tests check both agree.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from sedtheory._validate import ValidationError, nonnegative_scalar
from sedtheory.games.markov import POMG
from sedtheory.games.sed import SEDGame, TypeSpace
from sedtheory.games.stackelberg import Box, LeaderRewardUtility, StackelbergMarkovGame, WelfareUtility

RESTRAIN, GRAB = 0, 1
HEALTHY, DEPLETED = 0, 1


def _sum_of_returns(returns: np.ndarray) -> float:
    return float(np.sum(returns))


def _min_of_returns(returns: np.ndarray) -> float:
    return float(np.min(returns))


def _probability(field: str, value) -> float:
    """A number in ``[0, 1]``, or a :class:`ValidationError` naming ``field``."""
    value = nonnegative_scalar(field, value)
    if value > 1:
        raise ValidationError(f"{field}: must be a probability in [0, 1], got {value}")
    return value


def _l1(phi0: np.ndarray, phi: np.ndarray) -> float:
    return float(np.abs(np.asarray(phi) - np.asarray(phi0)).sum())


# ------------------------------------------------------------------------ common-pool resource
CPR_TAXES = (0.0, 0.25, 0.5, 0.75, 1.0)
CPR_KNOWN = {
    # hand derivation in common_pool_pomg's docstring; values from the healthy state
    "restrain_both": Fraction(10),          # 1 / (1 - γ) with γ = 9/10
    "grab_both": Fraction(220, 29),         # 2 / (1 - γ(1-d) - γ d c), d = 1, c = 9/11
    "grab_alone": lambda tax: Fraction(11, 2) * (2 - Fraction(tax) / 2),
    "restrain_alone": lambda tax: Fraction(11, 2) * (1 + Fraction(tax) / 2),
    "restraint_threshold": Fraction(4, 11),  # restrain-both is an equilibrium iff tax >= 4/11
    "grabbing_threshold": Fraction(22, 29),  # grab-both is an equilibrium iff tax <= 22/29
}


def common_pool_pomg(tax: float, *, gamma: float = 0.9, recovery: float = 0.5) -> POMG:
    """The induced common-pool resource game ``M^τ`` for a tax ``τ`` on grabbing.

    States: 0 = healthy, 1 = depleted; both agents observe the state (fully observed).
    Actions: 0 = restrain (harvest 1), 1 = grab (harvest 2). In the healthy state each grab
    pays tax ``τ``; the revenue is returned in equal shares, so
    ``r_i = harvest_i - τ·grab_i + τ·(#grabs)/2``. The resource depletes with probability
    0, 1/2, 1 for 0, 1, 2 grabs; a depleted resource pays nothing and recovers with
    probability ``q`` whatever the agents do (their actions there are payoff-irrelevant, so
    each pure behaviour in the healthy state comes with ``2 × 2`` copies). μ0 = healthy.

    Known answer (by hand, γ = 9/10, q = 1/2): with the other agent's healthy-state action
    fixed, a stationary choice with reward ``r`` and depletion probability ``d`` is worth
    ``V_H = r / (1 - γ(1-d) - γ d c)`` with ``c = γq / (1 - γ(1-q)) = 9/11``. Hence restrain-both
    gives 10 each, grab-both 220/29 ≈ 7.586 each, and against a restrainer a grabber gets
    (11/2)(2 - τ/2) while against a grabber a restrainer gets (11/2)(1 + τ/2). So
    restrain-both is an equilibrium iff τ ≥ 4/11, grab-both iff τ ≤ 22/29, and mixed
    behaviour never is. Utilitarian welfare: 20 (restrain) versus 440/29 ≈ 15.17 (grab).
    """
    tax, recovery = float(tax), _probability("recovery", recovery)
    transitions = np.zeros((2, 2, 2, 2))
    rewards = np.zeros((2, 2, 2, 2))
    for a1 in (RESTRAIN, GRAB):
        for a2 in (RESTRAIN, GRAB):
            grabs = a1 + a2
            depletion = grabs / 2
            transitions[HEALTHY, a1, a2] = [1 - depletion, depletion]
            transitions[DEPLETED, a1, a2] = [recovery, 1 - recovery]
            refund = tax * grabs / 2
            rewards[HEALTHY, a1, a2] = [1 + a1 - tax * a1 + refund, 1 + a2 - tax * a2 + refund]
    return POMG(transitions, rewards, gamma=gamma, initial_distribution=[1.0, 0.0])


def _common_pool_map(phi: np.ndarray) -> POMG:
    """``P: φ ↦ M^φ`` with ``φ = (τ,)``."""
    return common_pool_pomg(float(phi[0]))


def common_pool_game(taxes=CPR_TAXES, *, welfare=None) -> StackelbergMarkovGame:
    """Stackelberg–Markov game: the principal picks a tax from ``taxes`` to maximise welfare.

    Args:
        taxes: the finite Φ (default 0, 1/4, 1/2, 3/4, 1).
        welfare: welfare functional of the ``(2,)`` returns (default ``Σ_i J_i``).

    Known answer (see :func:`common_pool_pomg`): τ = 0, 1/4 → only grab-both (welfare 440/29);
    τ = 1/2, 3/4 → restrain-both and grab-both; τ = 1 → only restrain-both. The strong SSMNE
    is τ* = 1/2 with restrain-both and welfare 20; it rests on the leader-favourable
    selection (grab-both is also an equilibrium at 1/2) and on a tie across τ ∈ {1/2, 3/4, 1}.
    """
    utility = WelfareUtility(_sum_of_returns if welfare is None else welfare, "utilitarian")
    return StackelbergMarkovGame(np.asarray(taxes, dtype=float), _common_pool_map, utility, "common-pool tax game")


# ------------------------------------------------------------------------------ public goods
PG_KNOWN = {
    "subsidy_threshold": Fraction(3, 5),   # contribute iff σ > c - γ b / 2 = 3/2 - 9/10
    "leader_value_at_075": Fraction(9, 2),  # -3 + 9 - 15/10
    "leader_value_at_1": Fraction(4),       # -3 + 9 - 2
    "follower_value_at_075": Fraction(21, 2),
}


def public_goods_pomg(subsidy: float, *, benefit: float = 2.0, cost: float = 1.5, gamma: float = 0.9,
                      accuracy: float = 0.8) -> POMG:
    """The induced public-goods game ``M^σ`` for a subsidy ``σ`` per contribution.

    States: 0 = good absent, 1 = good present. Actions: 0 = free-ride, 1 = contribute. The
    next state has the good with probability (#contributors)/2, whatever the current state.
    Rewards ``r_i = b·[good] - c·a_i + σ·a_i``. Each agent sees a private noisy signal of the
    state, correct with probability ``accuracy`` (observations 0/1). μ0 = good absent.

    Known answer (by hand, b = 2, c = 3/2, γ = 9/10): a contribution costs ``c - σ`` now and,
    as the next state depends on the current actions only, adds ``γ b / 2`` next step; so
    when the other agent's behaviour does not depend on its signal, contributing at every
    signal is the unique best response iff ``σ > c - γ b/2 = 3/5`` and free-riding iff
    ``σ < 3/5``. Brute force over all 16 pure profiles (tests) confirms these are the only
    pure equilibria on the default grid.
    """
    subsidy, accuracy = float(subsidy), _probability("accuracy", accuracy)
    transitions = np.zeros((2, 2, 2, 2))
    rewards = np.zeros((2, 2, 2, 2))
    for a1 in (0, 1):
        for a2 in (0, 1):
            present = (a1 + a2) / 2
            transitions[:, a1, a2] = [1 - present, present]
            for state in (0, 1):
                rewards[state, a1, a2] = [benefit * state - (cost - subsidy) * a for a in (a1, a2)]
    signal = np.array([[accuracy, 1 - accuracy], [1 - accuracy, accuracy]])
    return POMG(transitions, rewards, [signal, signal], gamma=gamma, initial_distribution=[1.0, 0.0])


def public_goods_game(subsidies=None, *, benefit: float = 2.0, cost: float = 1.5,
                      cost_of_funds: float = 0.1) -> StackelbergMarkovGame:
    """Stackelberg–Markov game: the principal sets a subsidy from a gridded box.

    Φ = the box [0, 1] with 5 grid points (0, 1/4, 1/2, 3/4, 1) unless ``subsidies`` is given.
    The leader's reward is the followers' unsubsidised payoff minus the deadweight cost of the
    subsidies, ``r_0 = Σ_i (b·[good] - c·a_i) - λ σ Σ_i a_i`` with ``λ = cost_of_funds``
    (a :class:`LeaderRewardUtility`).

    Known answer (by hand, λ = 1/10): below 3/5 nobody contributes and the leader gets 0; at
    σ = 3/4 both always contribute and the leader gets -3 + 9 - 3/2 = 9/2 (from the
    good-absent state, the good is present from step 1 on); at σ = 1 it gets 4. The strong
    SSMNE is σ* = 3/4 with value 9/2 and follower values 21/2 each.
    """
    phis = Box([0.0], [1.0], 5) if subsidies is None else np.asarray(subsidies, dtype=float)

    def leader_reward(phi: np.ndarray) -> np.ndarray:
        """``r_0^σ(s, a)`` as an ``(S, A_1, A_2)`` array."""
        reward = np.zeros((2, 2, 2))
        for state in (0, 1):
            for a1 in (0, 1):
                for a2 in (0, 1):
                    reward[state, a1, a2] = 2 * benefit * state - (cost + cost_of_funds * phi[0]) * (a1 + a2)
        return reward

    def implementation(phi: np.ndarray) -> POMG:
        """``P: (σ,) ↦ M^σ``."""
        return public_goods_pomg(float(phi[0]), benefit=benefit, cost=cost)

    return StackelbergMarkovGame(phis, implementation, LeaderRewardUtility(leader_reward, "net welfare"),
                                 "public-goods subsidy game")


# ------------------------------------------------------------------- divergence budget binds
def _argmax_mean_report(theta: np.ndarray) -> str:
    """``f``: the objective with the largest mean reported weight (ties: utilitarian)."""
    mean = theta.mean(axis=0)
    return "utilitarian" if mean[0] >= mean[1] else "egalitarian"


def tax_budget_sed_game(budget: float, *, divergence=None, social_choice=None, welfare=None) -> SEDGame:
    """An SED game on the common-pool resource in which the divergence budget δ binds.

    Φ = {0, 1/4, 1/2, 3/4, 1}, φ0 = 0, ``D(φ0, φ) = |φ - φ0|`` (L1; pass the shared divergence
    to use it), δ = ``budget``. Types: ``(3, 2)`` reports in [0, 1] (principal + 2 agents),
    each row the weight on (utilitarian, egalitarian); the default ``f`` picks the objective
    with the larger mean weight. Objectives: utilitarian ``Σ J_i`` and egalitarian ``min J_i``.

    Known answer (from :func:`common_pool_game`'s table): with ``δ < 1/2`` only τ ∈ {0, 1/4}
    is feasible, the followers grab, utilitarian welfare 440/29; with ``δ ≥ 1/2``, τ = 1/2
    becomes feasible and welfare 20 (egalitarian: 220/29 versus 10). From the depleted state
    (round ≥ 1 may start there) the values are those of the depleted state instead.
    """
    objectives = {
        "utilitarian": WelfareUtility(_sum_of_returns if welfare is None else welfare, "utilitarian"),
        "egalitarian": WelfareUtility(_min_of_returns, "egalitarian"),
    }
    return SEDGame(
        leader_actions=np.asarray(CPR_TAXES),
        implementation=_common_pool_map,
        initial_action=np.array([0.0]),
        divergence=_l1 if divergence is None else divergence,
        budget=budget,
        type_space=TypeSpace(np.zeros((3, 2)), np.ones((3, 2))),
        objectives=objectives,
        social_choice=_argmax_mean_report if social_choice is None else social_choice,
        name="common-pool SED game",
    )
