"""End to end: the exact solvers' answers graded by the independent certificates.

The graders never call these solvers; here the solvers' outputs are handed to them. A solver
answer must certify with ε̂ ≈ 0 and δ̂ ≈ 0; perturbing it must produce positive gaps whose
witnesses are the deviations a brute-force search finds.
"""

import warnings

import numpy as np
import pytest
from grader_oracle import pure_nash_profiles, vertex_leader_optimum
from hypothesis import given, settings
from hypothesis import strategies as st
from small_games import integer_bayesian_games, integer_stackelberg_payoffs

from sedtheory import NormalFormGame, SolverStatus, StackelbergNashGame
from sedtheory.equilibrium import certify, certify_bayesian, follower_witnesses, regret
from sedtheory.solvers import (
    SolverWarning,
    normal_form_pure_nash_equilibria,
    solve_bayesian_stackelberg,
    solve_pure_commitment,
    solve_stackelberg,
    support_enumeration,
)
from sedtheory.testing import assert_nash_equilibrium, assert_stackelberg_equilibrium

CS = StackelbergNashGame.from_bimatrix([[2, 4], [1, 3]], [[1, 0], [0, 1]])


def solve_quietly(game):
    """solve_stackelberg without the SolverWarning it raises when no commitment admits a pure
    follower equilibrium (its status says so; test_solver_answers_certify... checks the warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)
        return solve_stackelberg(game)


def test_conitzer_sandholm_solver_answer_certifies():
    result = solve_stackelberg(CS)
    certificate = assert_stackelberg_equilibrium(CS, result.leader_strategy, result.follower_actions)
    assert abs(certificate.epsilon_hat) <= 1e-7 and np.all(np.abs(certificate.delta_hat) <= 1e-7)
    # the optimum compared against comes from the graders' own LPs, not from the solver graded
    assert certificate.leader_optimum_method != result.solver


def test_pure_commitment_gap_by_hand():
    # best pure commitment: row 1 (follower column 1), value 3; SSE value 3.5, so ε̂ = 0.5
    pure = solve_pure_commitment(CS)
    certificate = certify(CS, pure.leader_strategy, pure.follower_actions)
    assert pure.leader_value == pytest.approx(3.0)
    assert certificate.epsilon_hat == pytest.approx(0.5, abs=1e-7) and not certificate.holds


@settings(max_examples=60)
@given(integer_stackelberg_payoffs())
def test_solver_answers_certify_on_small_integer_games(payoffs):
    game = StackelbergNashGame(payoffs)
    oracle = vertex_leader_optimum(payoffs)
    if oracle is None:
        with pytest.warns(SolverWarning, match="no leader commitment admits a pure Nash equilibrium"):
            result = solve_stackelberg(game)
        assert result.status is SolverStatus.NO_PURE_EQUILIBRIUM
        assert certify(game, np.full(game.n_leader_actions, 1 / game.n_leader_actions),
                       (0,) * game.n_followers).epsilon_hat is None
        return
    result = solve_stackelberg(game)
    assert result.ok and result.leader_value == pytest.approx(oracle[0], abs=1e-6)
    certificate = certify(game, result.leader_strategy, result.follower_actions, tol=1e-6)
    assert certificate.holds, certificate.summary()
    assert abs(certificate.epsilon_hat) <= 1e-6


@settings(max_examples=60)
@given(integer_stackelberg_payoffs(), st.data())
def test_perturbed_follower_action_shows_its_gap(payoffs, data):
    game = StackelbergNashGame(payoffs)
    result = solve_quietly(game)
    if not result.ok:
        return
    x, y = np.asarray(result.leader_strategy), tuple(result.follower_actions)
    i = data.draw(st.integers(0, game.n_followers - 1))
    other = data.draw(st.integers(0, game.n_follower_actions[i] - 1))
    moved = y[:i] + (other,) + y[i + 1:]
    induced = game.induced_game(x).payoffs[i][moved[:i] + (slice(None),) + moved[i + 1:]]
    expected_gap = induced.max() - induced[other]  # brute force over follower i's actions
    certificate = certify(game, x, moved, tol=1e-6)
    assert certificate.delta_hat[i] == pytest.approx(expected_gap, abs=1e-9)
    witness = certificate.follower_witnesses[i]
    assert induced[witness.deviation] == pytest.approx(induced.max(), abs=1e-12)
    if expected_gap > 1e-6:
        assert not certificate.holds


@settings(max_examples=60)
@given(integer_stackelberg_payoffs(), st.data())
def test_pure_leader_deviation_never_beats_the_optimum(payoffs, data):
    game = StackelbergNashGame(payoffs)
    result = solve_quietly(game)
    if not result.ok or game.n_followers != 1:
        return
    row = data.draw(st.integers(0, game.n_leader_actions - 1))
    x = np.eye(game.n_leader_actions)[row]
    column = int(np.argmax(payoffs[1, row]))  # a best response to the pure commitment
    certificate = certify(game, x, (column,))
    assert certificate.epsilon_hat >= -1e-7  # the follower best-responds, so OPT(0) bounds the value
    assert certificate.epsilon_hat == pytest.approx(result.leader_value - payoffs[0, row, column], abs=1e-6)
    if certificate.epsilon_hat > 1e-6:
        assert certificate.leader_witness.deviation["leader_strategy"] is not None and not certificate.holds


@settings(max_examples=40)
@given(integer_bayesian_games())
def test_bayesian_solver_answers_certify(game):
    leader, follower, prior = game
    result = solve_bayesian_stackelberg(leader, follower, prior)
    assert result.ok
    certificate = certify_bayesian(leader, follower, prior, result.leader_strategy, result.follower_actions, tol=1e-6)
    assert certificate.holds, certificate.summary()
    assert abs(certificate.epsilon_hat) <= 1e-6


@settings(max_examples=60)
@given(integer_stackelberg_payoffs())
def test_pure_nash_of_the_simultaneous_game_never_beat_the_commitment(payoffs):
    # Theorem (e.g. von Stengel & Zamir 2010): the strong Stackelberg value is at least the
    # leader's payoff in every Nash equilibrium; here checked on pure equilibria by brute force.
    game = StackelbergNashGame(payoffs)
    result = solve_quietly(game)
    for profile in pure_nash_profiles(payoffs):
        assert_nash_equilibrium(NormalFormGame(payoffs), list(profile))
        assert result.ok and result.leader_value >= payoffs[(0,) + profile] - 1e-7
        assert np.all(regret(NormalFormGame(payoffs), list(profile)) == 0.0)
        witnesses = follower_witnesses(game, np.eye(game.n_leader_actions)[profile[0]], profile[1:])
        assert all(w.gap == 0.0 for w in witnesses)


@settings(max_examples=40)
@given(integer_stackelberg_payoffs())
def test_support_enumeration_equilibria_are_graded_nash(payoffs):
    # Every equilibrium support enumeration returns has zero regret under the independent grader,
    # and (theorem) the strong Stackelberg value is at least the leader's payoff in each of them.
    if payoffs.shape[0] != 2:
        return
    game = NormalFormGame(payoffs)
    value = solve_stackelberg(StackelbergNashGame(payoffs)).leader_value
    for x, y in support_enumeration(game):
        strategies = [np.array(x, dtype=float), np.array(y, dtype=float)]
        assert_nash_equilibrium(game, strategies, tol=1e-9)
        assert value >= strategies[0] @ payoffs[0] @ strategies[1] - 1e-7


@settings(max_examples=40)
@given(integer_stackelberg_payoffs())
def test_pure_nash_enumeration_agrees_with_the_grader(payoffs):
    game = NormalFormGame(payoffs)
    found = set(normal_form_pure_nash_equilibria(game))
    assert found == set(pure_nash_profiles(payoffs))
    for profile in found:
        assert np.all(regret(game, list(profile)) == 0.0)
