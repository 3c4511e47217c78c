import numpy as np
import pytest

from sedtheory import Certificate, ValidationError, Witness


def test_condition_and_summary():
    assert Certificate.condition_holds(0.0, [0.0, 0.05], epsilon=0.0, delta=0.05)
    assert not Certificate.condition_holds(0.2, [0.0], epsilon=0.1, delta=0.0)
    assert not Certificate.condition_holds(None, [0.3], epsilon=0.0, delta=0.2)
    cert = Certificate(
        epsilon_hat=0.1, delta_hat=np.array([0.0]), epsilon=0.2, delta=0.0, holds=True,
        leader_witness=Witness(0, [1.0, 0.0], 2.0, 1.9),
        follower_witnesses=(Witness(1, 0, 1.0, 1.0),),
        leader_optimum_method="test",
    )
    assert "HOLDS" in cert.summary() and "ε̂ = 0.1" in cert.summary()
    assert cert.leader_witness.gap == pytest.approx(0.1)
    assert cert.to_dict()["leader_witness"]["deviation"] == [1.0, 0.0]


def test_certificate_validation():
    with pytest.raises(ValidationError, match="epsilon: must be >= 0"):
        Certificate(epsilon_hat=0.0, delta_hat=[0.0], epsilon=-1.0, delta=0.0, holds=True)
    with pytest.raises(ValidationError, match="follower_witnesses: 2 witnesses for 1 followers"):
        Certificate(epsilon_hat=0.0, delta_hat=[0.0], epsilon=0.0, delta=0.0, holds=True,
                    follower_witnesses=(Witness(1, 0, 0, 0), Witness(2, 0, 0, 0)))


def test_certificate_cannot_claim_what_its_gaps_contradict():
    with pytest.raises(ValidationError, match=r"holds: True, but the gaps .* exceed \(epsilon=0.1"):
        Certificate(epsilon_hat=0.2, delta_hat=[0.0], epsilon=0.1, delta=0.0, holds=True)
    with pytest.raises(ValidationError, match="holds: True, but the gaps"):
        Certificate(epsilon_hat=None, delta_hat=[0.0, 0.3], epsilon=0.0, delta=0.2, holds=True)
    # conservative is allowed: holds=False with small gaps (e.g. OPT(δ) undefined)
    assert not Certificate(epsilon_hat=None, delta_hat=[0.0], epsilon=0.0, delta=0.0, holds=False).holds
