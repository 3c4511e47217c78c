"""Reparameterisations R: outputs always feasible; onto (inverse map); smooth where promised."""

import numpy as np
import pytest
from scipy.optimize import minimize

from sedtheory import DeltaBall, ValidationError, reparameterise
from sedtheory.principal import BoxMap, RadialMap

SIMPLEX = ("kl", "reverse_kl", "tv")

BALLS = {
    # the paper's case: phi0 = 0 (no tax) on a face of Phi = [0, 1]^3
    "l1-paper": DeltaBall("l1", [0.0, 0.0, 0.0], 0.5, 0.0, 1.0),
    "l2-paper": DeltaBall("l2", [0.0, 0.0, 0.0], 0.5, 0.0, 1.0),
    "linf-paper": DeltaBall("linf", [0.0, 0.0, 0.0], 0.5, 0.0, 1.0),
    "l2-free": DeltaBall("l2", [0.3, -0.2], 0.7),
    "l2-cut": DeltaBall("l2", [0.5, 0.5, 0.5, 0.5], 0.8, 0.2, 0.9),
    "l1-interior": DeltaBall("l1", [0.4, 0.6], 0.3, 0.0, 1.0),
    "tv": DeltaBall("tv", [0.2, 0.3, 0.5], 0.15),
    "kl": DeltaBall("kl", [0.2, 0.3, 0.5], 0.1),
    "reverse_kl": DeltaBall("reverse_kl", [0.2, 0.3, 0.5], 0.1),
    "kl-box": DeltaBall("kl", [0.25, 0.25, 0.25, 0.25], 0.2, 0.1, 0.4),
}


def sample_set(ball, rng, count):
    """Rejection sampling from the set (uniform on its bounding box, or Dirichlet on the simplex)."""
    if ball.simplex:
        points = rng.dirichlet(np.ones(ball.dim), size=50 * count)
    else:
        low = np.maximum(ball.lower, ball.center - ball.radius)
        high = np.minimum(ball.upper, ball.center + ball.radius)
        points = rng.uniform(low, high, size=(50 * count, ball.dim))
    inside = points[ball.contains(points, tol=0.0)]
    assert inside.shape[0] >= count, "rejection sampler found too few points"
    return inside[:count]


@pytest.mark.parametrize("key", sorted(BALLS))
def test_outputs_always_feasible(key):
    ball = BALLS[key]
    reparam = reparameterise(ball)
    rng = np.random.default_rng(0)
    for scale in (0.0, 1e-6, 0.5, 3.0, 50.0, 1e4):
        xi = scale * rng.normal(size=(200, reparam.dim_in))
        phi = reparam.forward(xi)
        assert phi.shape == (200, ball.dim)
        assert np.all(ball.contains(phi, tol=1e-9)), f"infeasible output at scale {scale}"


@pytest.mark.parametrize("key", sorted(BALLS))
def test_onto_random_targets_are_reached(key):
    ball = BALLS[key]
    reparam = reparameterise(ball)
    targets = sample_set(ball, np.random.default_rng(1), 300)
    xi = reparam.inverse(targets)
    assert np.all(np.isfinite(xi))
    np.testing.assert_allclose(reparam.forward(xi), targets, atol=1e-9)
    # the centre is the image of 0 for the radial map
    if isinstance(reparam, RadialMap):
        np.testing.assert_allclose(reparam.forward(np.zeros(reparam.dim_in)), ball.center, atol=1e-15)


def test_points_on_a_face_through_the_center_are_reached():
    # phi0 = 0 on the face {phi_1 = 0} of the box: (0.2, 0, 0.1) lies on that face, inside the L1 ball
    reparam = reparameterise(BALLS["l1-paper"])
    target = np.array([0.2, 0.0, 0.1])
    np.testing.assert_allclose(reparam.forward(reparam.inverse(target)), target, atol=1e-12)


def test_dispatch_and_dimensions():
    assert isinstance(reparameterise(BALLS["linf-paper"]), BoxMap)
    assert isinstance(reparameterise(BALLS["l2-paper"]), RadialMap)
    assert reparameterise(BALLS["kl"]).dim_in == 2  # the simplex in R^3 has dimension 2
    assert reparameterise(BALLS["l2-free"]).dim_in == 2
    with pytest.raises(ValidationError, match="DeltaBall"):
        reparameterise("l2")


def test_box_map_interior_only_and_degenerate_coordinates():
    box = BoxMap([0.0, 0.3], [1.0, 0.3])  # second coordinate fixed
    np.testing.assert_allclose(box.forward([0.0, 5.0]), [0.5, 0.3])
    with pytest.raises(ValidationError, match="strictly inside"):
        box.inverse([1.0, 0.3])
    with pytest.raises(ValidationError, match="lower: exceeds upper"):
        BoxMap([1.0], [0.0])


def test_radial_inverse_rejects_points_outside_or_on_the_far_boundary():
    reparam = reparameterise(BALLS["l2-free"])
    with pytest.raises(ValidationError, match="far boundary"):
        reparam.inverse([0.3 + 0.7, -0.2])  # exactly on the sphere
    with pytest.raises(ValidationError, match="far boundary"):
        reparam.inverse([5.0, 5.0])
    with pytest.raises(ValidationError, match="simplex"):
        reparameterise(BALLS["kl"]).inverse([0.5, 0.5, 0.5])


def test_free_l2_map_is_smooth_at_zero():
    # R(xi) = c + r tanh(|xi|) xi/|xi| has Jacobian r I at 0 (tanh(s)/s -> 1); check by differences
    ball = BALLS["l2-free"]
    reparam = reparameterise(ball)
    step = 1e-6
    for axis in range(2):
        e = np.eye(2)[axis]
        derivative = (reparam.forward(step * e) - reparam.forward(-step * e)) / (2 * step)
        np.testing.assert_allclose(derivative, ball.radius * e, atol=1e-8)
    # the series branch (|xi| < 1e-4) and the tanh branch both equal c + r tanh(s) along an axis
    for s in (1e-7, 0.99999e-4, 1.00001e-4, 0.3):
        assert reparam.forward([s, 0.0])[0] == pytest.approx(ball.center[0] + ball.radius * np.tanh(s), abs=1e-15)


def test_unconstrained_optimiser_through_the_map_finds_the_projection():
    # maximise -|phi - t|^2 over the free L2 ball with t outside: the optimum is the projection of t
    ball = BALLS["l2-free"]
    reparam = reparameterise(ball)
    target = np.array([2.0, 1.0])
    loss = lambda xi: float(np.sum((reparam.forward(xi) - target) ** 2))  # noqa: E731
    found = reparam.forward(minimize(loss, np.zeros(2), method="BFGS").x)
    np.testing.assert_allclose(found, ball.project(target), atol=1e-4)


def test_forward_rejects_wrong_shapes():
    with pytest.raises(ValidationError, match=r"xi: expected shape \(\.\.\., 2\)"):
        reparameterise(BALLS["kl"]).forward(np.zeros(3))
