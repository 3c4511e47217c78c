"""Divergences, delta-balls and Euclidean projection, checked by hand and by a second method."""

import math

import cvxpy as cp
import numpy as np
import pytest

from sedtheory import DeltaBall, ValidationError, divergence
from sedtheory.principal import available_divergences


def test_divergence_known_answers():
    zero, step = [0.0, 0.0, 0.0], [0.3, -0.4, 0.0]
    # hand: |0.3| + |0.4| = 0.7; sqrt(0.09 + 0.16) = 0.5; max = 0.4
    assert divergence("l1", zero, step) == pytest.approx(0.7)
    assert divergence("l2", zero, step) == pytest.approx(0.5)
    assert divergence("linf", zero, step) == pytest.approx(0.4)
    # TV((.5,.5,0), (.25,.25,.5)) = (.25 + .25 + .5)/2 = 0.5
    assert divergence("tv", [0.5, 0.5, 0.0], [0.25, 0.25, 0.5]) == pytest.approx(0.5)
    # KL((.5,.5) || (.25,.75)) = .5 ln 2 + .5 ln(2/3) = .5 ln(4/3)
    assert divergence("kl", [0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.5 * math.log(4 / 3))
    # KL((.25,.75) || (.5,.5)) = .25 ln .5 + .75 ln 1.5
    assert divergence("reverse_kl", [0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.25 * math.log(0.5) + 0.75 * math.log(1.5))
    # 0 log 0 = 0, and p > 0 = q gives +inf
    assert divergence("kl", [1.0, 0.0], [0.5, 0.5]) == pytest.approx(math.log(2))
    assert divergence("reverse_kl", [1.0, 0.0], [0.5, 0.5]) == np.inf
    # vectorised over many phi
    np.testing.assert_allclose(divergence("l2", zero, [[3, 4, 0], [0, 0, 1]]), [5.0, 1.0])


@pytest.mark.parametrize("call, message", [
    (lambda: divergence("kl", [0.5, 0.4], [0.5, 0.5]), r"center: row \(\) sums to 0.9"),
    (lambda: divergence("tv", [0.5, 0.5], [1.2, -0.2]), "phi: negative probability"),
    (lambda: divergence("l3", [0.0], [1.0]), "unknown divergence"),
    (lambda: divergence("l1", [0.0, 0.0], [1.0]), "does not match"),
    (lambda: divergence("tv", [0.5, 0.5], [[0.5, 0.5], [0.7, 0.2]]), r"phi: row \(1,\) sums to 0.9"),
    (lambda: DeltaBall("l2", [2.0, 0.0], 0.5, 0.0, 1.0), "center: lies outside the box at index 0"),
    (lambda: DeltaBall("l2", [0.0, 0.0], -0.5), "radius: must be >= 0"),
    (lambda: DeltaBall("l2", [0.0, 0.0], 0.5, 1.0, 0.0), "lower: exceeds upper"),
    (lambda: DeltaBall("kl", [0.3, 0.3], 0.5), "center: probabilities sum"),
    (lambda: DeltaBall("l2", [0.0, 0.0], 0.5).project([1.0, 2.0, 3.0]), r"phi: expected shape \(\.\.\., 2\)"),
    (lambda: DeltaBall("l2", [0.0, 0.0], 0.5).project([1.0, 2.0], method="newton"), "method: expected"),
])
def test_bad_input_raises(call, message):
    with pytest.raises(ValidationError, match=message):
        call()


def test_membership():
    ball = DeltaBall("l1", [0.0, 0.0], 1.0, 0.0, 1.0)
    got = ball.contains([[0.5, 0.5], [0.6, 0.5], [-0.1, 0.2], [1.0, 0.0]])
    np.testing.assert_array_equal(got, [True, False, False, True])
    simplex = DeltaBall("kl", [0.5, 0.5], 0.5 * math.log(4 / 3))
    np.testing.assert_array_equal(simplex.contains([[0.25, 0.75], [0.2, 0.8], [0.3, 0.6]]), [True, False, False])


def test_projection_known_answers():
    # L2 ball radius 1 around 0: (3, 4) -> (0.6, 0.8)
    np.testing.assert_allclose(DeltaBall("l2", [0, 0], 1.0).project([3.0, 4.0]), [0.6, 0.8])
    # L1 ball radius 1 around 0 (Duchi et al. 2008): (1, 0.5) soft-thresholded by 0.25 -> (0.75, 0.25)
    np.testing.assert_allclose(DeltaBall("l1", [0, 0], 1.0).project([1.0, 0.5]), [0.75, 0.25])
    # L1 ball radius 1 ∩ box [-0.5, 0.5]^2: (2, 0) -> (0.5, 0)
    np.testing.assert_allclose(DeltaBall("l1", [0, 0], 1.0, -0.5, 0.5).project([2.0, 0.0]), [0.5, 0.0])
    # L_inf ball radius 0.2 around (0.5, 0.5) ∩ [0, 0.6]^2: clip (1, 0) to [0.3, 0.6] x [0.3, 0.6]
    np.testing.assert_allclose(DeltaBall("linf", [0.5, 0.5], 0.2, 0.0, 0.6).project([1.0, 0.0]), [0.6, 0.3])
    # TV radius 1 is the whole simplex; (1, 0, 0) is on it and stays put
    np.testing.assert_allclose(DeltaBall("tv", [1 / 3] * 3, 1.0).project([1.0, 0.0, 0.0]), [1, 0, 0], atol=1e-7)
    # radius 0: everything projects to the center
    np.testing.assert_allclose(DeltaBall("l2", [0.2, 0.3], 0.0, 0, 1).project([[5.0, 5.0]]), [[0.2, 0.3]])


def cvxpy_projection(ball, point):
    """Second method: minimise |x - p|^2 over the ball's cvxpy constraints."""
    x = cp.Variable(ball.dim)
    problem = cp.Problem(cp.Minimize(cp.sum_squares(x - point)), ball.cvxpy_constraints(x))
    problem.solve(solver=cp.CLARABEL)
    return x.value


def random_ball(rng, name, dim):
    lower = rng.uniform(-1.0, 0.0, dim)
    upper = rng.uniform(0.0, 1.0, dim)
    center = rng.uniform(lower, upper)
    if rng.random() < 0.3:  # the paper's case: the center on a face of the box
        center[0] = lower[0]
    return DeltaBall(name, center, rng.uniform(0.05, 1.5), lower, upper)


@pytest.mark.parametrize("name", ["l1", "l2", "linf"])
def test_closed_form_projections_agree_with_cvxpy(name):
    rng = np.random.default_rng({"l1": 1, "l2": 2, "linf": 3}[name])
    for _ in range(25):
        ball = random_ball(rng, name, int(rng.integers(1, 6)))
        point = rng.normal(0.0, 1.5, ball.dim)
        projected = ball.project(point)
        assert ball.contains(projected)
        second = cvxpy_projection(ball, point)
        # an interior-point answer is accurate in the objective (~1e-9), so x only to ~1e-5
        np.testing.assert_allclose(projected, second, atol=5e-5)
        assert np.sum((projected - point) ** 2) <= np.sum((second - point) ** 2) + 1e-7


def simplex_projection(point):
    """Euclidean projection onto the simplex by the sort method (Held, Wolfe, Crowder 1974)."""
    u = np.sort(point)[::-1]
    cumulative = np.cumsum(u) - 1.0
    k = np.nonzero(u - cumulative / np.arange(1, point.size + 1) > 0)[0][-1]
    return np.maximum(point - cumulative[k] / (k + 1), 0.0)


def random_simplex_ball(rng, name, dim, zero_entry=False):
    center = rng.dirichlet(np.ones(dim))
    if zero_entry:  # a centre on a face of the simplex
        center[0] = 0.0
        center /= center.sum()
    lower = np.where(rng.random(dim) < 0.3, np.minimum(center, rng.uniform(0, 0.2, dim)), 0.0)
    upper = np.where(rng.random(dim) < 0.3, np.maximum(center, rng.uniform(0.3, 1.0, dim)), 1.0)
    return DeltaBall(name, center, rng.uniform(0.01, 0.6), lower, upper)


@pytest.mark.parametrize("name", ["tv", "kl", "reverse_kl"])
def test_simplex_projections_agree_with_cvxpy(name):
    rng = np.random.default_rng({"tv": 21, "kl": 22, "reverse_kl": 23}[name])
    for _ in range(12):
        ball = random_simplex_ball(rng, name, int(rng.integers(2, 6)))
        point = rng.normal(1.0 / ball.dim, 0.6, ball.dim)
        projected = ball.project(point)
        assert ball.contains(projected, tol=1e-12)
        second = cvxpy_projection(ball, point)
        # cvxpy's answer may overshoot the ball by ~4e-9 (measured), which can lower its
        # objective by the dual times that, ~3e-8; ours is feasible to 1e-12
        assert np.sum((projected - point) ** 2) <= np.sum((second - point) ** 2) + 1e-7
        np.testing.assert_allclose(projected, second, atol=5e-5)


@pytest.mark.parametrize("name", ["tv", "kl", "reverse_kl"])
def test_simplex_projections_satisfy_the_variational_inequality(name):
    rng = np.random.default_rng(11)
    for trial in range(6):
        ball = random_simplex_ball(rng, name, 4, zero_entry=trial % 2 == 0)
        point = rng.normal(0.25, 0.5, 4)
        projected = ball.project(point)
        assert ball.contains(projected, tol=1e-12)
        # projection onto a convex set: <p - x, y - x> <= 0 for every y in it
        samples = np.concatenate([rng.dirichlet(np.ones(4), size=4000), rng.dirichlet(0.2 * np.ones(4), size=4000)])
        samples[:, ball.center == 0] = 0.0  # reverse KL allows no mass where the centre has none
        samples /= samples.sum(axis=1, keepdims=True)
        inside = samples[ball.contains(samples)]
        assert inside.shape[0] > 0
        assert np.max((inside - projected) @ (point - projected)) <= 1e-10


def test_large_tv_ball_is_the_simplex_projection():
    rng = np.random.default_rng(5)
    ball = DeltaBall("tv", [0.25, 0.25, 0.25, 0.25], 1.0)
    for _ in range(5):
        point = rng.normal(0.0, 1.0, 4)
        np.testing.assert_allclose(ball.project(point), simplex_projection(point), atol=1e-12)


@pytest.mark.parametrize("name", available_divergences())
def test_projection_is_idempotent_and_batched(name):
    rng = np.random.default_rng(3)
    if name in ("kl", "reverse_kl", "tv"):
        ball = DeltaBall(name, [0.2, 0.3, 0.5], 0.1)
    else:
        ball = DeltaBall(name, [0.2, 0.0, 0.5], 0.3, 0.0, 1.0)
    points = rng.normal(0.3, 1.0, (2, 2, 3))
    projected = ball.project(points)
    assert projected.shape == points.shape
    np.testing.assert_allclose(projected[1, 0], ball.project(points[1, 0]), atol=1e-7)
    np.testing.assert_allclose(ball.project(projected), projected, atol=1e-12)


@pytest.mark.parametrize("name", available_divergences())
def test_radial_limit_lands_on_the_boundary(name):
    rng = np.random.default_rng(9)
    if name in ("kl", "reverse_kl", "tv"):
        ball = DeltaBall(name, [0.2, 0.3, 0.5], 0.1)
        directions = rng.normal(size=(50, 3))
        directions -= directions.mean(axis=1, keepdims=True)
    else:
        ball = DeltaBall(name, [0.2, 0.0, 0.5], 0.3, 0.0, 1.0)
        directions = rng.normal(size=(50, 3))
    limit = ball.radial_limit(directions)
    edge = ball.center + limit[:, None] * directions
    assert np.all(ball.contains(edge, tol=1e-9))
    blocked = limit > 0
    beyond = ball.center + (limit[blocked, None] * 1.001 + 1e-9) * directions[blocked]
    assert not np.any(ball.contains(beyond, tol=1e-12))
