"""Problem (1): cvxpy and enumeration checked against grid brute force, an LP, and metamorphic laws."""

import itertools

import cvxpy as cp
import numpy as np
import pytest
from scipy.optimize import linprog

from sedtheory import SolverStatus, ValidationError, eta_objective, redistribute, solve_principal_problem
from sedtheory.principal import NotConcaveError, bracket_exposure, tax_objective

THRESHOLDS = (0, 10, 20, 10000)  # paper, Appendix A
PAPER_GRID = np.array(list(itertools.product(np.linspace(0, 1, 11), repeat=3)))  # rates k/10 per bracket


def quadratic(target, weights):
    """Concave objective -sum_i w_i (phi_i - t_i)^2 + phi_0, as a cvxpy builder and in numpy."""
    target, weights = np.asarray(target), np.asarray(weights)
    build = lambda x: -cp.sum(cp.multiply(weights, cp.square(x - target))) + x[0]  # noqa: E731
    numeric = lambda P: -((P - target) ** 2 * weights).sum(axis=-1) + P[..., 0]  # noqa: E731
    return build, numeric


def square_grid(size=301):
    axis = np.linspace(0.0, 1.0, size)
    return np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2)


@pytest.mark.parametrize("name", ["l1", "l2", "linf"])
def test_cvxpy_matches_grid_brute_force(name):
    rng = np.random.default_rng({"l1": 0, "l2": 1, "linf": 2}[name])
    grid = square_grid()
    for _ in range(4):
        build, numeric = quadratic(rng.uniform(-0.5, 1.5, 2), rng.uniform(0.5, 3.0, 2))
        center, radius = rng.uniform(0, 1, 2), rng.uniform(0.1, 0.6)
        result = solve_principal_problem(build, center, name, radius, (0.0, 1.0))
        assert result.ok and result.method == "cvxpy:CLARABEL"
        assert result.ball.contains(result.phi, tol=1e-7)
        assert numeric(result.phi) == pytest.approx(result.value, abs=1e-6)
        feasible = grid[result.ball.contains(grid)]
        best_on_grid = numeric(feasible).max()
        # every grid point is feasible, so the optimum is at least the grid best; and the grid
        # (spacing 1/300, gradient <= 10) comes within 10 * sqrt(2)/300 of the optimum
        assert result.value >= best_on_grid - 1e-6
        assert result.value - best_on_grid <= 0.05


@pytest.mark.parametrize("name", ["tv", "kl", "reverse_kl"])
def test_cvxpy_on_the_simplex_matches_brute_force(name):
    axis = np.linspace(0, 1, 201)
    a, b = np.meshgrid(axis, axis, indexing="ij")
    simplex = np.stack([a.ravel(), b.ravel(), 1 - a.ravel() - b.ravel()], axis=-1)
    simplex = simplex[simplex[:, 2] >= -1e-12].clip(0, 1)
    build, numeric = quadratic([0.7, 0.1, 0.2], [1.0, 2.0, 1.0])
    result = solve_principal_problem(build, [0.2, 0.3, 0.5], name, 0.15)
    assert result.ok
    assert result.ball.contains(result.phi, tol=1e-6)
    best_on_grid = numeric(simplex[result.ball.contains(simplex)]).max()
    assert best_on_grid - 1e-6 <= result.value <= best_on_grid + 0.05


def test_enumeration_on_the_paper_action_grid():
    # Section 4 example: incomes fixed, O_eta of post-tax income, rates on the paper code's grid
    income, eta = np.array([2.0, 8.0, 14.0, 23.0, 31.0]), 0.4
    objective = lambda P: eta_objective(redistribute(income, P, THRESHOLDS), eta)  # noqa: E731
    result = solve_principal_problem(objective, [0, 0, 0], "l1", 0.6, (0, 1), candidates=PAPER_GRID)
    # brute force, written as a plain loop: the best feasible candidate and all ties
    values = {i: objective(p) for i, p in enumerate(PAPER_GRID) if np.abs(p).sum() <= 0.6 + 1e-7}
    best = max(values.values())
    assert result.ok and result.method == "enumeration"
    assert result.value == pytest.approx(best)
    assert result.details["n_candidates"] == 1331 and result.details["n_feasible"] == len(values)
    assert result.details["maximisers"] == [i for i, v in values.items() if v >= best - 1e-7]
    # the same with a per-candidate objective
    scalar = solve_principal_problem(lambda p: float(objective(p)), [0, 0, 0], "l1", 0.6, (0, 1),
                                     candidates=PAPER_GRID, vectorized=False)
    assert scalar.value == pytest.approx(best)


def test_tax_objective_is_the_numeric_objective():
    income, eta = np.array([2.0, 8.0, 14.0, 23.0, 31.0]), 0.4
    variable = cp.Variable(3)
    expression = tax_objective(income, THRESHOLDS, eta)(variable)
    for rates in np.random.default_rng(4).uniform(0, 1, (20, 3)):
        variable.value = rates
        assert expression.value == pytest.approx(eta_objective(redistribute(income, rates, THRESHOLDS), eta))


@pytest.mark.parametrize("eta, message", [(1.5, r"eta: must lie in \[0, 1\]"), (-0.1, "eta: must be >= 0"),
                                           ("high", "eta: expected a number"), (float("nan"), "eta: must be finite")])
def test_tax_objective_names_a_bad_eta(eta, message):
    with pytest.raises(ValidationError, match=message):
        tax_objective([2.0, 8.0], THRESHOLDS, eta)


def test_tax_problem_agrees_with_a_linear_program():
    # Independent second method. For fixed incomes sum(post) = sum(x) (budget balance), so
    # max O_eta  <=>  max t  s.t.  t <= x_i - W_i phi + mean_j W_j phi, phi in [0,1]^3, |phi|_inf <= r.
    income, eta, radius = np.array([2.0, 8.0, 14.0, 23.0, 31.0]), 0.4, 0.35
    W = bracket_exposure(income, THRESHOLDS)
    A = W - W.mean(axis=0)  # t + (W_i - mean W) phi <= x_i
    A_ub = np.hstack([A, np.ones((income.size, 1))])
    lp = linprog(c=[0, 0, 0, -1], A_ub=A_ub, b_ub=income, bounds=[(0, radius)] * 3 + [(None, None)], method="highs")
    expected = eta * income.sum() + (1 - eta) * (-lp.fun)
    result = solve_principal_problem(tax_objective(income, THRESHOLDS, eta), [0, 0, 0], "linf", radius, (0, 1))
    assert result.ok
    assert result.value == pytest.approx(expected, abs=1e-6)
    # the continuous optimum is at least the best rate vector on the paper's grid
    on_grid = solve_principal_problem(lambda P: eta_objective(redistribute(income, P, THRESHOLDS), eta),
                                      [0, 0, 0], "linf", radius, (0, 1), candidates=PAPER_GRID)
    assert result.value >= on_grid.value - 1e-7


@pytest.mark.parametrize("method", ["cvxpy", "enumeration"])
def test_larger_radius_never_lowers_the_optimum(method):
    income, eta = np.array([1.0, 9.0, 16.0, 27.0]), 0.3
    numeric = lambda P: eta_objective(redistribute(income, P, THRESHOLDS), eta)  # noqa: E731
    values = []
    for radius in (0.0, 0.05, 0.1, 0.3, 0.6, 1.0, 2.0):
        if method == "cvxpy":
            result = solve_principal_problem(tax_objective(income, THRESHOLDS, eta), [0, 0, 0], "l2", radius, (0, 1))
        else:
            result = solve_principal_problem(numeric, [0, 0, 0], "l2", radius, (0, 1), candidates=PAPER_GRID)
        assert result.ok
        values.append(result.value)
    assert all(later >= earlier - 1e-7 for earlier, later in zip(values, values[1:]))
    # hand: radius 0 is no tax, O = 0.3 * 53 + 0.7 * 1 = 16.6; radius 2 > sqrt(3) holds all of
    # [0, 1]^3, and phi = (1, 1, 1) taxes every income fully and hands each player the mean 53/4,
    # the largest minimum any budget-balanced transfer allows: O = 0.3 * 53 + 0.7 * 13.25 = 25.175
    assert values[0] == pytest.approx(16.6, abs=1e-6)
    assert values[-1] == pytest.approx(25.175, abs=1e-6)


def test_non_concave_objective_is_refused():
    with pytest.raises(NotConcaveError, match="not concave.*candidates="):
        solve_principal_problem(lambda x: cp.sum_squares(x), [0.0, 0.0], "l2", 1.0)
    with pytest.raises(ValidationError, match="cvxpy expression"):
        solve_principal_problem(lambda x: np.exp(x).sum(), [0.0, 0.0], "l2", 1.0, (0, 1))
    with pytest.raises(ValidationError, match="scalar cvxpy Expression"):
        solve_principal_problem(lambda x: x, [0.0, 0.0], "l2", 1.0)


def test_infeasible_and_bad_candidates():
    # no candidate within radius 0.05 of (0.5, 0.5)
    far = np.array([[0.0, 0.0], [1.0, 1.0]])
    result = solve_principal_problem(lambda P: P.sum(-1), [0.5, 0.5], "l2", 0.05, candidates=far)
    assert result.status == "infeasible" and result.phi is None and result.value == -np.inf
    with pytest.raises(ValidationError, match=r"candidates: expected shape \(\*, 2\)"):
        solve_principal_problem(lambda P: P.sum(-1), [0.5, 0.5], "l2", 0.05, candidates=np.zeros((3, 3)))
    with pytest.raises(ValidationError, match="objective: returned shape"):
        solve_principal_problem(lambda P: P, [0.5, 0.5], "l2", 1.0, candidates=far)
    with pytest.raises(ValidationError, match="bounds: expected a pair"):
        solve_principal_problem(lambda P: P.sum(-1), [0.5, 0.5], "l2", 1.0, bounds=3, candidates=far)


def test_divergence_dual_is_reported_and_vanishes_when_the_ball_is_slack():
    build, _ = quadratic([0.5, 0.5], [1.0, 1.0])  # unconstrained optimum (1.0, 0.5)
    tight = solve_principal_problem(build, [0.0, 0.0], "l2", 0.3, (0, 1))
    slack = solve_principal_problem(build, [0.6, 0.5], "l2", 1.0, (0, 1))
    assert tight.details["divergence_dual"] > 1e-3  # the ball binds
    assert abs(slack.details["divergence_dual"]) < 1e-6
    np.testing.assert_allclose(slack.phi, [1.0, 0.5], atol=5e-5)  # maximiser on the box face: ~1e-5


def test_result_serialises_to_json():
    import json

    result = solve_principal_problem(lambda P: P.sum(-1), [0.0, 0.0], "linf", 0.5, (0, 1), candidates=square_grid(3))
    data = json.loads(json.dumps(result.to_dict()))
    # grid {0, .5, 1}^2 within 0.5 of the origin in L_inf: best is (0.5, 0.5) with value 1 (hand)
    assert data["phi"] == [0.5, 0.5] and data["value"] == 1.0 and data["status"] == "optimal"
    assert data["ball"]["upper"] == [1.0, 1.0] and data["details"]["n_feasible"] == 4
    free = solve_principal_problem(lambda P: P.sum(-1), [0.0], "l2", 0.5, candidates=[[3.0]])
    # one JSON rule for the library (sedtheory._json): an open side of the box is null, and so is
    # the -inf value of this infeasible problem (the only candidate, 3, lies outside the ball)
    data = json.loads(json.dumps(free.to_dict()))
    assert data["ball"]["lower"] == [None] and data["value"] is None and data["status"] == "infeasible"
    assert free.status is SolverStatus.INFEASIBLE and not free.ok
