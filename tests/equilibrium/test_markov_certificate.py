"""(ε, δ)-SSMNE certificates, NashConv and δ-best-response sets on Markov games.

Known answers come from the hand derivations in ``sedtheory.games.examples`` (common-pool
resource: restrain-both 10 each, grab-both 220/29 each, lone grabber (11/2)(2 - τ/2)).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from sedtheory import Certificate, ValidationError
from sedtheory.equilibrium.markov import (
    certify_ssmne,
    markov_delta_best_responses,
    markov_follower_gaps,
    markov_nash_conv,
)
from sedtheory.games.examples import common_pool_game, common_pool_pomg, public_goods_game

RESTRAIN = np.array([[1.0, 0.0], [1.0, 0.0]])  # restrain in both states
GRAB = np.array([[0.0, 1.0], [0.0, 1.0]])
GRAB_BOTH = float(Fraction(220, 29))


def test_certificate_holds_at_the_known_ssmne():
    certificate = certify_ssmne(common_pool_game(), [0.5], [RESTRAIN, RESTRAIN], 0.0, 0.0)
    assert isinstance(certificate, Certificate) and certificate.holds
    assert certificate.epsilon_hat == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(certificate.delta_hat, [0.0, 0.0], atol=1e-9)
    assert certificate.leader_witness.deviation["phi"].tolist() == [0.5]
    assert not certificate.estimated and certificate.leader_optimum_method.startswith("enumeration")


def test_leader_gap_of_a_followers_equilibrium_at_a_worse_tax():
    # τ = 0: grab-both is the followers' equilibrium; leader gap = 20 - 440/29
    certificate = certify_ssmne(common_pool_game(), [0.0], [GRAB, GRAB], 0.0, 0.0)
    assert certificate.epsilon_hat == pytest.approx(20 - 2 * GRAB_BOTH)
    np.testing.assert_allclose(certificate.delta_hat, [0.0, 0.0], atol=1e-9)
    assert not certificate.holds
    assert certify_ssmne(common_pool_game(), [0.0], [GRAB, GRAB], 4.9, 0.0).holds  # ε̂ ≈ 4.83


def test_follower_gap_and_witness_when_a_follower_should_grab():
    # τ = 0, both restrain: grabbing alone is worth (11/2)·2 = 11 > 10 (hand computation)
    certificate = certify_ssmne(common_pool_game(), [0.0], [RESTRAIN, RESTRAIN], 10.0, 0.5)
    np.testing.assert_allclose(certificate.delta_hat, [1.0, 1.0], atol=1e-9)
    witness = certificate.follower_witnesses[0]
    assert witness.player == 1 and witness.value == pytest.approx(11.0) and witness.baseline == pytest.approx(10.0)
    assert witness.deviation[0].tolist() == [0.0, 1.0]  # grab in the healthy state
    assert not certificate.holds
    assert certify_ssmne(common_pool_game(), [0.0], [RESTRAIN, RESTRAIN], 10.0, 1.0).holds


def test_nash_conv_and_follower_gaps():
    pomg = common_pool_pomg(0.0)
    assert markov_nash_conv(pomg, [RESTRAIN, RESTRAIN]) == pytest.approx(2.0)
    assert markov_nash_conv(pomg, [GRAB, GRAB]) == pytest.approx(0.0, abs=1e-9)
    gaps, witnesses = markov_follower_gaps(pomg, [RESTRAIN, GRAB])
    # agent 1 restrains against a grabber: (11/2)·1 = 5.5, grabbing gives 220/29
    assert gaps[0] == pytest.approx(GRAB_BOTH - 5.5)
    assert witnesses[0].baseline == pytest.approx(5.5)


def test_delta_best_response_set_counts_payoff_irrelevant_copies():
    pomg = common_pool_pomg(0.5)
    # against a restrainer at τ = 1/2: restrain 10, grab (11/2)(2 - 1/4) = 9.625 (hand computation)
    exact = markov_delta_best_responses(pomg, [RESTRAIN, RESTRAIN], 0, 0.0)
    assert len(exact) == 2 and all(p[0].tolist() == [1.0, 0.0] for p, _ in exact)  # depleted action free
    loose = markov_delta_best_responses(pomg, [RESTRAIN, RESTRAIN], 0, 0.5)
    assert len(loose) == 4 and sorted(round(v, 6) for _, v in loose) == [9.625, 9.625, 10.0, 10.0]


def test_partially_observed_certificate_on_public_goods():
    game = public_goods_game()
    always = np.array([[0.0, 1.0], [0.0, 1.0]])
    certificate = certify_ssmne(game, [0.75], [always, always], 0.0, 0.0)
    assert certificate.holds and certificate.epsilon_hat == pytest.approx(0.0, abs=1e-9)
    assert any("deterministic reactive" in note for note in certificate.notes)


def test_commitment_outside_phi_is_refused():
    with pytest.raises(ValidationError, match="phi"):
        certify_ssmne(common_pool_game(), [0.3], [RESTRAIN, RESTRAIN], 0.0, 0.0)


def test_certificate_serialises():
    data = certify_ssmne(common_pool_game(), [0.5], [RESTRAIN, RESTRAIN], 0.0, 0.0).to_dict()
    assert data["holds"] is True and len(data["follower_witnesses"]) == 2


def test_follower_gap_of_a_near_tie_at_a_discount_close_to_one():
    """Regression: one agent (plus a one-action dummy) in one absorbing state, rewards 1 and
    1 + 1e-5 for its two actions, γ = 0.999. By hand, playing action 0 forgoes
    1e-5 / (1 - γ) = 0.01; the policy-iteration stopping rule once reported a gap of 0 (and a
    δ = 0 certificate that held)."""
    from sedtheory.games.markov import POMG
    from sedtheory.games.stackelberg import StackelbergMarkovGame, WelfareUtility

    T = np.ones((1, 2, 1, 1))
    R = np.zeros((1, 2, 1, 2))
    R[0, :, 0, 0] = [1.0, 1.0 + 1e-5]
    pomg = POMG(T, R, gamma=0.999, initial_distribution=[1.0])
    profile = [np.array([[1.0, 0.0]]), np.ones((1, 1))]
    gaps, witnesses = markov_follower_gaps(pomg, profile)
    np.testing.assert_allclose(gaps, [0.01, 0.0], rtol=1e-9, atol=1e-9)
    assert witnesses[0].deviation.tolist() == [[0.0, 1.0]]
    game = StackelbergMarkovGame([0.0], lambda phi: pomg, WelfareUtility(np.sum))
    certificate = certify_ssmne(game, [0.0], profile, 1.0, 0.0)
    assert not certificate.holds and certificate.delta_hat[0] == pytest.approx(0.01, rel=1e-9)
