"""solve_bayesian_stackelberg (DOBSS): agreement with brute force over type→action assignments, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sedtheory import StackelbergNashGame, ValidationError, certify_bayesian, solve_bayesian_stackelberg, solve_stackelberg
from solver_oracles import bayesian_by_assignments, bayesian_exact, grade_stackelberg


def grade_bayesian(leader, follower, prior, result) -> float:
    """Prior-weighted leader value after checking every type's best response directly."""
    assert len(result.follower_actions) == leader.shape[0]
    total = 0.0
    for t, action in enumerate(result.follower_actions):
        total += prior[t] * grade_stackelberg(np.stack([leader[t], follower[t]]), result.leader_strategy,
                                              (action,), tol=1e-8)
    return total


@st.composite
def bayesian_games(draw):
    types, m, n = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    entries = st.integers(-4, 4)
    leader = draw(hnp.arrays(np.int64, (types, m, n), elements=entries)).astype(float)
    follower = draw(hnp.arrays(np.int64, (types, m, n), elements=entries)).astype(float)
    weights = np.array(draw(st.lists(st.integers(1, 5), min_size=types, max_size=types)), dtype=float)
    return leader, follower, weights / weights.sum()


@settings(max_examples=30)
@given(bayesian_games())
def test_dobss_matches_brute_force_over_assignments(game):
    leader, follower, prior = game
    oracle_value, _ = bayesian_by_assignments(leader, follower, prior)
    result = solve_bayesian_stackelberg(leader, follower, prior)
    assert result.ok, result.details
    assert result.leader_value == pytest.approx(oracle_value, abs=1e-6)
    assert grade_bayesian(leader, follower, prior, result) == pytest.approx(result.leader_value, abs=1e-9)
    assert result.details["milp_value"] == pytest.approx(result.leader_value, abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_dobss_matches_brute_force_on_uniform_games(seed):
    rng = np.random.default_rng(seed)
    leader, follower = rng.uniform(size=(3, 4, 3)), rng.uniform(size=(3, 4, 3))
    prior = rng.dirichlet(np.ones(3))
    result = solve_bayesian_stackelberg(leader, follower, prior)
    assert result.leader_value == pytest.approx(bayesian_by_assignments(leader, follower, prior)[0], abs=1e-6)
    assert grade_bayesian(leader, follower, prior, result) == pytest.approx(result.leader_value, abs=1e-9)


@settings(max_examples=20)
@given(st.integers(0, 2 ** 32 - 1))
def test_one_type_equals_the_stackelberg_solver(seed):
    rng = np.random.default_rng(seed)
    leader, follower = rng.integers(-3, 4, size=(1, 3, 4)).astype(float), rng.integers(-3, 4, size=(1, 3, 4)).astype(float)
    bayes = solve_bayesian_stackelberg(leader, follower, [1.0])
    single = solve_stackelberg(StackelbergNashGame.from_bimatrix(leader[0], follower[0]))
    assert bayes.leader_value == pytest.approx(single.leader_value, abs=1e-7)
    assert grade_bayesian(leader, follower, [1.0], bayes) == pytest.approx(bayes.leader_value, abs=1e-9)


def test_identical_types_collapse_to_one():
    rng = np.random.default_rng(3)
    leader, follower = rng.uniform(size=(3, 4)), rng.uniform(size=(3, 4))
    result = solve_bayesian_stackelberg(np.stack([leader] * 3), np.stack([follower] * 3), [0.2, 0.3, 0.5])
    single = solve_stackelberg(StackelbergNashGame.from_bimatrix(leader, follower))
    assert result.leader_value == pytest.approx(single.leader_value, abs=1e-7)
    assert len(set(result.follower_actions)) == 1


@pytest.mark.parametrize("prior,message", [([0.5, 0.6], "prior: probabilities sum to"),
                                           ([1.2, -0.2], "prior: negative probability"),
                                           ([1.0], "prior: expected shape"),
                                           ([0.5, float("nan")], "prior: non-finite")])
def test_rejects_a_bad_prior(prior, message):
    payoffs = np.zeros((2, 2, 2))
    with pytest.raises(ValidationError, match=message):
        solve_bayesian_stackelberg(payoffs, payoffs, prior)


def test_rejects_mismatched_shapes():
    with pytest.raises(ValidationError, match="follower_payoffs: expected shape"):
        solve_bayesian_stackelberg(np.zeros((2, 2, 3)), np.zeros((2, 3, 2)), [0.5, 0.5])
    with pytest.raises(ValidationError, match="leader_payoffs: expected 3 dimensions"):
        solve_bayesian_stackelberg(np.zeros((2, 2)), np.zeros((2, 2)), [1.0])


def test_rejects_non_finite_payoffs():
    leader = np.zeros((1, 2, 2))
    leader[0, 1, 1] = np.inf
    with pytest.raises(ValidationError, match="leader_payoffs: non-finite"):
        solve_bayesian_stackelberg(leader, np.zeros((1, 2, 2)), [1.0])


def test_four_types_against_brute_force():
    rng = np.random.default_rng(21)
    leader, follower = rng.integers(0, 10, size=(2, 4, 4, 4)).astype(float)
    prior = np.array([0.1, 0.2, 0.3, 0.4])
    result = solve_bayesian_stackelberg(leader, follower, prior)
    assert result.leader_value == pytest.approx(bayesian_by_assignments(leader, follower, prior)[0], abs=1e-6)
    assert grade_bayesian(leader, follower, prior, result) == pytest.approx(result.leader_value, abs=1e-9)


def test_dual_certificate_of_the_polishing_lp():
    rng = np.random.default_rng(22)
    leader, follower = rng.uniform(size=(2, 3, 4, 3))
    prior = np.array([0.5, 0.3, 0.2])
    result = solve_bayesian_stackelberg(leader, follower, prior)
    certificate = result.details["dual_certificate"]
    multipliers = np.asarray(certificate["multipliers"])
    assert certificate["mu"] == pytest.approx(result.leader_value, abs=1e-7) and np.all(multipliers >= -1e-9)
    rows = np.array([follower[t][:, a] - follower[t][:, result.follower_actions[t]]
                     for t, a in certificate["deviations"]])
    objective = sum(prior[t] * leader[t][:, j] for t, j in enumerate(result.follower_actions))
    assert result.details["cut_responses"] == []
    assert np.all(certificate["mu"] + multipliers @ rows - objective >= -1e-7)


def test_a_milp_time_limit_is_reported_not_guessed():
    rng = np.random.default_rng(23)
    leader, follower = rng.uniform(size=(2, 6, 8, 8))
    result = solve_bayesian_stackelberg(leader, follower, np.full(6, 1 / 6), time_limit=0.0)
    assert result.status.value == "numerical_error" and not result.ok
    assert "DOBSS MILP did not finish" in result.details["message"]


def test_values_in_original_units_with_a_prior_summing_to_one_within_tol():
    """The leader's rescaling offset enters the MILP objective and the dual μ weighted by Σ p,
    which may differ from 1 by ``tol``: with payoffs near 1e6 an offset taken with weight 1
    would move both by 1e6·5e-8 = 0.05 (reference: prior @ per-type values, direct evaluation)."""
    rng = np.random.default_rng(24)
    leader = 1e6 + rng.integers(0, 5, size=(2, 3, 3)).astype(float)
    follower = rng.integers(0, 5, size=(2, 3, 3)).astype(float)
    prior = np.array([0.5, 0.5 - 5e-8])
    result = solve_bayesian_stackelberg(leader, follower, prior)
    direct = grade_bayesian(leader, follower, prior, result)
    assert result.leader_value == pytest.approx(direct, abs=1e-6)
    assert result.details["milp_value"] == pytest.approx(direct, abs=1e-6)
    assert result.details["dual_certificate"]["mu"] == pytest.approx(direct, abs=1e-6)


def test_a_polishing_optimum_that_breaks_its_rows_is_never_returned(monkeypatch):
    """A broken LP that answers row 0 whatever rows it holds. One type of the Conitzer-Sandholm
    game: DOBSS picks column 1 (optimum x = (1/2, 1/2)); at row 0 the follower gains 1 by
    switching to column 0, so "row 0, column 1" would be a false answer. The tie rule's check
    finds the broken row and the exact rational LP gives the optimum 3.5 at (1/2, 1/2)
    (Conitzer & Sandholm 2006) instead."""
    from sedtheory.solvers import _highs, bayesian

    def stubborn(self):
        return _highs.LPSolution("optimal", x=np.array([1.0, 0.0]), value=1.0, simplex_dual=1.0,
                                 row_duals=np.zeros(self.n_rows))

    monkeypatch.setattr(bayesian.CommitmentLP, "solve", stubborn)
    result = solve_bayesian_stackelberg([[[2, 4], [1, 3]]], [[[1, 0], [0, 1]]], [1.0])
    assert result.ok and result.follower_actions == (1,)
    assert result.leader_value == 3.5 and result.leader_strategy.tolist() == [0.5, 0.5]


@pytest.mark.parametrize("seed", range(4))
def test_big_m_holds_for_follower_types_on_very_different_scales(seed):
    """DOBSS needs M >= every type's payoff range (Paruchuri et al. 2008, problem (7)); the solver
    rescales each type to [0, 1] and takes M = 1. Types scaled by 1e-3, 1 and 1e6 and a leader
    offset of -1e4 must give the brute-force optimum of the unscaled integer game (positive
    affine maps of a type's payoffs leave its best responses unchanged)."""
    rng = np.random.default_rng(30 + seed)
    leader, follower = rng.integers(-3, 4, size=(2, 3, 3, 4)).astype(float)
    follower[:, :, -1] = follower[:, :, 0]  # a duplicated follower action: ties at every commitment
    prior = rng.dirichlet(np.ones(3))
    oracle_value, _ = bayesian_by_assignments(leader, follower, prior)
    scales = np.array([1e-3, 1.0, 1e6])[:, None, None]
    result = solve_bayesian_stackelberg(2.0 * leader - 1e4, scales * follower + 5.0, prior)
    assert result.ok, result.details
    assert result.leader_value == pytest.approx(2.0 * oracle_value - 1e4, abs=1e-6)
    assert grade_bayesian(leader, follower, prior, result) == pytest.approx(oracle_value, abs=1e-9)


def test_ties_are_reported_at_any_payoff_scale():
    """Scaling every payoff by 1e9 changes no best response, so each type's tied actions stay the
    same (the solver's own 1e-9-of-range tolerance counts as a tie, not only the absolute tol)."""
    rng = np.random.default_rng(41)
    for game in range(12):  # with only the absolute tol, games 4 and 11 lost a tie at scale 1e9
        types = 2 + game % 2
        leader, follower = rng.uniform(size=(2, types, 5, 5))
        prior = rng.dirichlet(np.ones(types))
        base = solve_bayesian_stackelberg(leader, follower, prior)
        large = solve_bayesian_stackelberg(1e9 * leader, 1e9 * follower, prior)
        assert large.follower_actions == base.follower_actions
        assert large.details["tied_deviations"] == base.details["tied_deviations"]
        assert large.rests_on_tie == base.rests_on_tie


@pytest.mark.parametrize("time_limit,message", [(-1.0, "time_limit: must be >= 0"),
                                                (float("nan"), "time_limit: must be finite")])
def test_rejects_a_bad_time_limit(time_limit, message):
    with pytest.raises(ValidationError, match=message):
        solve_bayesian_stackelberg(np.zeros((1, 2, 2)), np.zeros((1, 2, 2)), [1.0], time_limit=time_limit)


def test_responses_that_hold_only_within_the_milp_tolerance_are_cut_off():
    """3 + 1e-7·u: 1e-7 is not a binary fraction, so the stored payoffs carry rounding noise of
    about 1e-9 of their range. The MILP's first responses (2, 2) hold only within its own
    tolerance: the exact rational oracle (vertex enumeration on the stored floats) finds them
    infeasible and the optimum 3.00000001433004 at (2, 0). A linprog oracle (tolerance 1e-9)
    had accepted (2, 2) at 3 + 8.57e-8, and so had the solver, with slack on its rows.
    """
    u = np.array([[[-1, -2, 0], [-2, -1, -1], [-1, 2, 2]], [[-2, 0, 1], [2, -1, 1], [-2, 1, 0]]], dtype=float)
    v = np.array([[[-1, 0, 1], [0, -2, 0], [0, -1, -2]], [[2, -2, 0], [-1, 2, -2], [0, -1, 2]]], dtype=float)
    prior = np.array([0.7144334701062622, 0.2855665298937376])
    leader, follower = 3.0 + 1e-7 * u, 3.0 + 1e-7 * v
    oracle_value, oracle_responses = bayesian_exact(leader, follower, prior)
    result = solve_bayesian_stackelberg(leader, follower, prior)
    assert result.ok, result.details
    assert result.follower_actions == oracle_responses == (2, 0)
    assert result.details["cut_responses"] == [[2, 2]]
    assert result.leader_value == pytest.approx(float(oracle_value), abs=1e-14)
    certificate = certify_bayesian(leader, follower, prior, result.leader_strategy, result.follower_actions)
    assert certificate.holds and certificate.epsilon_hat == pytest.approx(0.0, abs=1e-14)
