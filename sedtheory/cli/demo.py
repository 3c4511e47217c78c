"""``sedtheory demo``: solve two known games exactly and print each solution with its certificate.

1. The 2×2 example of Conitzer & Sandholm (EC 2006, "Computing the optimal strategy to commit
   to", introduction): leader payoffs ``[[2, 4], [1, 3]]``, follower ``[[1, 0], [0, 1]]``.
   By hand, with commitment ``x = (p, 1 - p)``: the follower's column 1 pays ``1 - p`` and
   column 0 pays ``p``, so it plays column 1 iff ``p <= 1/2`` (the tie at ``p = 1/2`` breaks
   for the leader). Against column 1 the leader gets ``4p + 3(1 - p) = 3 + p``, at most 3.5 at
   ``p = 1/2``; against column 0 it gets ``1 + p <= 2``. Strong Stackelberg value 3.5 at
   ``(1/2, 1/2)``; committing to a pure row gives at most 3, the simultaneous-move Nash
   equilibrium (row 0 dominates) gives 2.
2. A Bayesian game built for this demo: the same leader payoffs against two follower types
   with prior ``(1/2, 1/2)``; type 0 has the follower payoffs above, type 1 has
   ``[[0, 1], [2, 0]]`` (column 1 iff ``p >= 2/3``). By hand: for ``p <= 1/2`` the types play
   (1, 0) and the leader gets ``2 + p <= 2.5``; for ``1/2 < p < 2/3`` both play 0 and it gets
   ``1 + p < 5/3``; for ``p >= 2/3`` they play (0, 1) and it gets ``2 + p``, so the optimum
   is the pure commitment ``p = 1`` with value 3.

The command checks each solver answer against these hand-derived values and against its
independent certificate, and exits 1 if any disagrees.
"""

from __future__ import annotations

import numpy as np

from sedtheory.cli._app import command
from sedtheory.equilibrium.certify import certify, certify_bayesian
from sedtheory.games.normal_form import StackelbergNashGame
from sedtheory.solvers import solve_bayesian_stackelberg, solve_pure_commitment, solve_stackelberg

CS2006_LEADER = np.array([[2.0, 4.0], [1.0, 3.0]])
CS2006_FOLLOWER = np.array([[1.0, 0.0], [0.0, 1.0]])
CS2006_VALUE = 3.5
CS2006_COMMITMENT = np.array([0.5, 0.5])

BAYES_LEADER = np.stack([CS2006_LEADER, CS2006_LEADER])
BAYES_FOLLOWER = np.stack([CS2006_FOLLOWER, np.array([[0.0, 1.0], [2.0, 0.0]])])
BAYES_PRIOR = np.array([0.5, 0.5])
BAYES_VALUE = 3.0
BAYES_COMMITMENT = np.array([1.0, 0.0])

_TOL = 1e-6


def _vector(values) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in np.asarray(values, dtype=float)) + ")"


def _report(result, certificate, expected_value: float, expected_commitment: np.ndarray) -> bool:
    print(f"  solver:      {result.solver}")
    print(f"  status:      {result.status.value}")
    if not result.ok:
        print("  check:       MISMATCH (the solver returned no answer)")
        return False
    print(f"  commitment:  x = {_vector(result.leader_strategy)}")
    print(f"  followers:   actions {tuple(int(a) for a in result.follower_actions)}")
    print(f"  leader value {result.leader_value:.6g} (expected {expected_value:g}); rests on a tie: {result.rests_on_tie}")
    print("  certificate: " + certificate.summary().replace("\n", "\n  "))
    agrees = (abs(result.leader_value - expected_value) <= _TOL
              and np.allclose(result.leader_strategy, expected_commitment, atol=_TOL) and certificate.holds)
    print(f"  check:       {'agrees with the hand computation and the certificate' if agrees else 'MISMATCH'}")
    return bool(agrees)


def _stackelberg_part() -> bool:
    game = StackelbergNashGame.from_bimatrix(CS2006_LEADER, CS2006_FOLLOWER)
    print("1. Conitzer & Sandholm (EC 2006) 2x2 example")
    print(f"  leader payoffs   {CS2006_LEADER.tolist()}\n  follower payoffs {CS2006_FOLLOWER.tolist()}")
    result = solve_stackelberg(game)
    certificate = certify(game, result.leader_strategy, result.follower_actions) if result.ok else None
    ok = _report(result, certificate, CS2006_VALUE, CS2006_COMMITMENT)
    if not ok:
        return False
    pure = solve_pure_commitment(game)
    print(f"  best pure commitment: row {int(np.argmax(pure.leader_strategy))}, value {pure.leader_value:.6g} "
          f"(mixing gains the leader {result.leader_value - pure.leader_value:.6g})")
    return ok


def _bayesian_part() -> bool:
    print("2. Bayesian Stackelberg game: two follower types, prior (1/2, 1/2)")
    for k in range(2):
        print(f"  type {k}: leader {BAYES_LEADER[k].tolist()}, follower {BAYES_FOLLOWER[k].tolist()}")
    result = solve_bayesian_stackelberg(BAYES_LEADER, BAYES_FOLLOWER, BAYES_PRIOR)
    certificate = None
    if result.ok:
        certificate = certify_bayesian(BAYES_LEADER, BAYES_FOLLOWER, BAYES_PRIOR,
                                       result.leader_strategy, result.follower_actions)
    return _report(result, certificate, BAYES_VALUE, BAYES_COMMITMENT)


@command("demo")
def demo() -> int:
    """Solve two known Stackelberg games exactly and print their solutions and certificates.

    Exits 0 when every answer matches its hand-computed value and its independent certificate.
    """
    print("sedtheory demo: exact strong Stackelberg equilibria, graded by independent certificates\n")
    ok = _stackelberg_part()
    print()
    ok = _bayesian_part() and ok
    print("\nall checks passed" if ok else "\nSOME CHECKS FAILED")
    return 0 if ok else 1
