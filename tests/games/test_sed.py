"""SED games (Definition 3.1) and the online round loop (run_rounds)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from sedtheory import ValidationError
from sedtheory.games.examples import common_pool_pomg, tax_budget_sed_game
from sedtheory.games.sed import SEDGame, TypeSpace
from sedtheory.games.stackelberg import WelfareUtility
from sedtheory.solvers.markov_ssmne import solve_ssmne
from sedtheory.drivers.sed_rounds import run_rounds

UTILITARIAN_REPORT = np.array([[1.0, 0.0], [0.9, 0.2], [0.7, 0.4]])
EGALITARIAN_REPORT = np.array([[0.0, 1.0], [0.1, 0.9], [0.5, 0.6]])
GRAB_WELFARE = float(Fraction(440, 29))


def test_budget_binds_in_the_principal_problem():
    """Known answer (examples.tax_budget_sed_game): δ < 1/2 → 440/29, δ ≥ 1/2 → 20."""
    for budget, want in ((0.25, GRAB_WELFARE), (0.49, GRAB_WELFARE), (0.5, 20.0), (1.0, 20.0)):
        game = tax_budget_sed_game(budget).stackelberg_game("utilitarian")
        assert solve_ssmne(game).leader_value == pytest.approx(want)


def test_larger_budget_never_lowers_the_principals_optimum():
    budgets = [0.0, 0.1, 0.25, 0.3, 0.5, 0.6, 0.75, 1.0]
    for objective in ("utilitarian", "egalitarian"):
        for state in (0, 1):
            values = [solve_ssmne(tax_budget_sed_game(b).stackelberg_game(objective, initial_state=state)).leader_value
                      for b in budgets]
            assert all(b >= a - 1e-9 for a, b in zip(values, values[1:])), (objective, state, values)


def test_run_rounds_history_and_dirac_continuation():
    game = tax_budget_sed_game(0.5)
    reports = [UTILITARIAN_REPORT, EGALITARIAN_REPORT, UTILITARIAN_REPORT]
    history = run_rounds(game, reports, 3, 4, seed=7)
    assert len(history) == 3 and history.objectives == ["utilitarian", "egalitarian", "utilitarian"]
    assert history.phis.tolist() == [[0.5]] * 3
    assert history.rounds[0].initial_state is None
    for before, after in zip(history.rounds, history.rounds[1:]):
        assert after.initial_state == before.trajectory.final_state  # μ0 = Dirac(s_T)
        assert after.trajectory.states[0] == after.initial_state  # and play starts there
    for played in history.rounds:
        assert played.certificate.holds and played.feasible_count == 3
        assert played.trajectory.states.shape == (5,)
    assert history.welfare[0] == pytest.approx(20.0)
    assert history.welfare[1] == pytest.approx(10.0)  # egalitarian: min(10, 10) from the healthy state


def test_round_welfare_is_the_exact_objective_from_the_round_start_state():
    game = tax_budget_sed_game(0.25)
    history = run_rounds(game, [UTILITARIAN_REPORT] * 4, 4, 3, seed=3)
    for played in history.rounds:
        start = 0 if played.initial_state is None else played.initial_state
        pomg = common_pool_pomg(float(played.phi[0])).with_initial_state(start)
        from sedtheory.evaluation.markov_evaluation import evaluate
        assert played.welfare == pytest.approx(float(evaluate(pomg, played.profile).sum()))


def test_rounds_are_reproducible_from_the_seed():
    game = tax_budget_sed_game(0.25)
    a = run_rounds(game, [UTILITARIAN_REPORT] * 3, 3, 6, seed=11)
    b = run_rounds(game, [UTILITARIAN_REPORT] * 3, 3, 6, seed=11)
    np.testing.assert_array_equal(a.final_states, b.final_states)
    for x, y in zip(a.rounds, b.rounds):
        np.testing.assert_array_equal(x.trajectory.actions, y.trajectory.actions)


def test_previous_anchor_moves_the_ball_with_the_commitment():
    # budget 1/4 around the previous commitment: the tax can climb one grid step per round,
    # but from 0 and 1/4 the followers grab either way (tie, first maximiser kept): it stays at 0.
    game = tax_budget_sed_game(0.25)
    history = run_rounds(game, [UTILITARIAN_REPORT] * 2, 2, 2, seed=1, anchor="previous", initial_state=0)
    assert history.phis.tolist() == [[0.0], [0.0]]


def test_reports_may_be_a_callable_of_round_and_state():
    seen = []

    def reports(index, state):
        seen.append((index, state))
        return UTILITARIAN_REPORT

    run_rounds(tax_budget_sed_game(0.5), reports, 2, 3, seed=5, initial_state=1)
    assert seen[0] == (0, 1) and seen[1][0] == 1


def test_bad_inputs_are_refused():
    game = tax_budget_sed_game(0.5)
    with pytest.raises(ValidationError, match="reports: entry"):
        run_rounds(game, [UTILITARIAN_REPORT * 2], 1, 2, seed=0)
    with pytest.raises(ValidationError, match="reports: 1 reports for round 1"):
        run_rounds(game, [UTILITARIAN_REPORT], 2, 2, seed=0)
    with pytest.raises(ValidationError, match="seed"):
        run_rounds(game, [UTILITARIAN_REPORT], 1, 2, seed=None)
    with pytest.raises(ValidationError, match="anchor"):
        run_rounds(game, [UTILITARIAN_REPORT], 1, 2, seed=0, anchor="last")


def test_sed_game_validation():
    base = dict(leader_actions=np.array([0.0, 1.0]), implementation=lambda phi: common_pool_pomg(float(phi[0])),
                initial_action=[0.0], divergence=lambda a, b: float(abs(b - a).sum()), budget=0.5,
                type_space=TypeSpace(np.zeros((3, 2)), np.ones((3, 2))),
                objectives={"sum": WelfareUtility(np.sum)}, social_choice=lambda theta: "sum")
    SEDGame(**base)
    with pytest.raises(ValidationError, match="initial_action"):
        SEDGame(**{**base, "initial_action": [0.5]})
    with pytest.raises(ValidationError, match="budget"):
        SEDGame(**{**base, "budget": -1.0})
    with pytest.raises(ValidationError, match="objectives"):
        SEDGame(**{**base, "objectives": {}})
    with pytest.raises(ValidationError, match="social_choice: returned"):
        SEDGame(**{**base, "social_choice": lambda theta: "mean"}).choose_objective(np.zeros((3, 2)))
    with pytest.raises(ValidationError, match="divergence"):
        SEDGame(**{**base, "divergence": lambda a, b: -1.0}).feasible()
    with pytest.raises(ValidationError, match=r"upper: upper\[0, 0\]=0.0 is below lower\[0, 0\]=1.0"):
        TypeSpace(np.ones((2, 2)), np.zeros((2, 2)))


def test_shared_l1_divergence_gives_the_same_delta_ball():
    from sedtheory.principal import divergence

    local = tax_budget_sed_game(0.5)
    shared = tax_budget_sed_game(0.5, divergence=lambda a, b: float(divergence("l1", a, b)))
    np.testing.assert_allclose(shared.divergences(), local.divergences())
    np.testing.assert_array_equal(shared.feasible(), local.feasible())


def test_history_and_result_serialise_to_json():
    import json

    history = run_rounds(tax_budget_sed_game(0.5), [UTILITARIAN_REPORT] * 2, 2, 3, seed=4)
    data = json.loads(json.dumps(history.to_dict()))
    assert [r["phi"] for r in data["rounds"]] == [[0.5], [0.5]]
    assert data["rounds"][1]["initial_state"] == data["rounds"][0]["final_state"]
    result = json.loads(json.dumps(solve_ssmne(tax_budget_sed_game(0.5).stackelberg_game("utilitarian")).to_dict()))
    assert result["status"] == "optimal" and result["phi"] == [0.5] and len(result["per_phi"]) == 3


def test_shared_mean_rule_as_the_social_choice_function():
    """f(θ) = the objective with the largest coordinate of the shared "mean" rule's aggregate."""
    from sedtheory.social_choice import ContinuousProfile, get_rule

    mean = get_rule("mean")

    def choose(theta):
        return ("utilitarian", "egalitarian")[int(np.argmax(mean(ContinuousProfile(theta))))]

    game = tax_budget_sed_game(0.5, social_choice=choose)
    history = run_rounds(game, [UTILITARIAN_REPORT, EGALITARIAN_REPORT], 2, 2, seed=0)
    assert history.objectives == ["utilitarian", "egalitarian"]
    local = run_rounds(tax_budget_sed_game(0.5), [UTILITARIAN_REPORT, EGALITARIAN_REPORT], 2, 2, seed=0)
    assert local.objectives == history.objectives
