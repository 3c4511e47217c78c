"""pytest-friendly equilibrium assertions for users' own test suites.

Each helper grades a profile with :mod:`sedtheory.equilibrium` (never with a solver's own
claim) and raises :class:`AssertionError` whose message holds the certificate summary and the
witness deviations, so a failing test says *who* gains *what* by deviating *how*::

    def test_my_commitment():
        game = StackelbergNashGame.from_bimatrix([[2, 4], [1, 3]], [[1, 0], [0, 1]])
        assert_stackelberg_equilibrium(game, [0.5, 0.5], [1])
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from sedtheory._json import json_ready
from sedtheory._validate import DEFAULT_TOL, nonnegative_scalar
from sedtheory.equilibrium.best_response import deviation_values, mixed_strategies, regret
from sedtheory.equilibrium.certificate import Certificate, Witness
from sedtheory.equilibrium.certify import certify
from sedtheory.games.normal_form import NormalFormGame, StackelbergNashGame


def _describe(witness: Witness, who: str) -> str:
    return (f"  witness ({who}): deviation {json_ready(witness.deviation)} gives {witness.value:.10g} "
            f"vs {witness.baseline:.10g} in the profile (gap {witness.gap:.6g})")


def assert_stackelberg_equilibrium(game: StackelbergNashGame, leader_strategy, follower_actions: Sequence[int],
                                   epsilon: float = 0.0, delta: float = 0.0,
                                   tol: float = DEFAULT_TOL) -> Certificate:
    """Assert that the profile is an (ε, δ)-strong Stackelberg equilibrium (Definition 2.4).

    Args:
        game: Stackelberg–Nash game ``(1 + k, m, n_1, ..., n_k)``.
        leader_strategy: ``(m,)`` commitment; follower_actions: ``k`` pure actions.
        epsilon, delta: the tolerances ε, δ >= 0; tol: numerical slack.

    Returns:
        the :class:`Certificate` when it holds.

    Raises:
        AssertionError: with the certificate summary and every witness when it fails.
    """
    certificate = certify(game, leader_strategy, follower_actions, epsilon=epsilon, delta=delta, tol=tol)
    if not certificate.holds:
        witnesses = ([certificate.leader_witness] if certificate.leader_witness else []) + list(
            certificate.follower_witnesses)
        lines = ["not a strong Stackelberg equilibrium:", certificate.summary()]
        lines.extend(_describe(w, "leader" if w.player == 0 else f"follower {w.player}") for w in witnesses)
        raise AssertionError("\n".join(lines))
    return certificate


def assert_nash_equilibrium(game: NormalFormGame, strategies, tol: float = DEFAULT_TOL) -> np.ndarray:
    """Assert that every player's regret is at most ``tol`` (a Nash equilibrium within ``tol``).

    Args:
        game: normal-form game ``(n_players, *n_actions)``.
        strategies: one probability vector (or int pure action) per player.
        tol: largest regret accepted (this is δ of a δ-Nash equilibrium).

    Returns:
        the regrets ``(n_players,)`` when it holds.

    Raises:
        AssertionError: naming each player with regret above ``tol``, its best pure deviation
        and both payoffs.
    """
    tol = nonnegative_scalar("tol", tol)
    vectors = mixed_strategies(game, strategies)
    regrets = regret(game, vectors)
    failing = np.flatnonzero(regrets > tol)
    if failing.size:
        lines = [f"not a Nash equilibrium (tolerance {tol:g}); regrets {regrets.tolist()}"]
        for p in failing:
            values = deviation_values(game, vectors, int(p))
            best = int(np.argmax(values))
            witness = Witness(int(p), best, float(values[best]), float(values[best] - regrets[p]))
            lines.append(_describe(witness, f"player {p}"))
        raise AssertionError("\n".join(lines))
    return regrets
