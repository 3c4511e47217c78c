import numpy as np
import pytest
import torch

from sedtheory.rl.curriculum import rate_cap
from sedtheory.rl.principal import KEEP, apply_choices, objective
from sedtheory.rl.voting import VotingSchedule, strategic_reports


def test_choices_map_to_rates_keep_and_cap():
    current = torch.tensor([[0.3, 0.6, 0.9]])
    assert torch.allclose(apply_choices(torch.tensor([[0, 5, 10]]), current, 1.0), torch.tensor([[0.0, 0.5, 1.0]]))
    assert torch.allclose(apply_choices(torch.tensor([[KEEP, KEEP, 10]]), current, 1.0), torch.tensor([[0.3, 0.6, 1.0]]))
    assert torch.allclose(apply_choices(torch.tensor([[KEEP, 7, 10]]), current, 0.4), torch.tensor([[0.3, 0.4, 0.4]]))


def test_objective_is_the_paper_eta_mix():
    # O_eta = eta * sum + (1 - eta) * min; by hand: 0.25 * 10 + 0.75 * 1 = 3.25 and 0.0 * 6 + 1 * 2 = 2
    apples = torch.tensor([[1.0, 4.0, 5.0], [2.0, 2.0, 2.0]])
    assert torch.allclose(objective(apples, torch.tensor([0.25, 0.0])), torch.tensor([3.25, 2.0]))


def test_rate_cap_schedule():
    # 100 updates, phase one = first 20, then 10% -> 100% over 30 updates
    caps = [rate_cap(u, 100, 0.2, 0.3, 0.1) for u in (0, 19, 20, 35, 50, 99)]
    assert caps[:2] == [0.0, 0.0]
    assert caps[2] == pytest.approx(0.1)
    assert caps[3] == pytest.approx(0.1 + 0.9 * 15 / 30)
    assert caps[4:] == [1.0, 1.0]
    assert rate_cap(5, 10, 0.0, 0.0, 0.1) == 1.0


def test_truthful_vote_is_mean_selfishness():
    sigma = np.array([0.1, 0.5, 0.9, 0.3])
    reports, eta = VotingSchedule(sigma).vote()
    assert np.array_equal(reports, sigma) and eta == pytest.approx(0.45)


@pytest.mark.parametrize("rule", ["mean", "median"])
def test_strategic_reports_are_an_equilibrium(rule):
    # independent check: no single player can bring the outcome closer to its sigma with any
    # report on a 101-point grid
    sigma = np.array([0.1, 0.2, 0.9])
    schedule = VotingSchedule(sigma, rule, strategic=True)
    reports, eta = schedule.vote()
    for i in range(3):
        current = abs(eta - sigma[i])
        for level in np.linspace(0, 1, 101):
            trial = reports.copy()
            trial[i] = level
            assert abs(schedule.rule(trial) - sigma[i]) >= current - 1e-9
    if rule == "mean":
        # the extreme player cannot pull the mean up to 0.9: it reports the maximum
        assert reports[2] == 1.0


def test_strategic_reports_helper_matches_the_schedule():
    sigma = np.array([0.3, 0.6])
    assert np.allclose(strategic_reports(sigma, "mean"), VotingSchedule(sigma, "mean", True).vote()[0])


def test_ranked_or_unknown_rules_are_refused():
    from sedtheory._validate import ValidationError

    with pytest.raises(ValidationError, match="voting_rule"):
        VotingSchedule(np.array([0.5]), "no-such-rule")
    with pytest.raises(ValidationError, match="continuous"):
        VotingSchedule(np.array([0.5]), "borda")


def test_player_tax_features_by_hand():
    # docs/apple_game.md example: phi = (0.1, 0.2, 0.3), tau = (0, 10, 20, 10000); income 15 fills
    # bracket 0 fully, bracket 1 half, bracket 2 not at all; income 25 fills bracket 2 by 5/9980
    from sedtheory.rl.principal import player_feature_size, player_tax_features

    rates = torch.tensor([[0.1, 0.2, 0.3]])
    income = torch.tensor([[15.0, 25.0, 0.0]])
    feats = player_tax_features(rates, income, 60, 50, (0.0, 10.0, 20.0, 10000.0))
    assert feats.shape == (1, 3, player_feature_size(3)) == (1, 3, 7)
    expected = torch.tensor([[0.1, 0.2, 0.3, 1.0, 0.5, 0.0, 0.2],
                             [0.1, 0.2, 0.3, 1.0, 1.0, 5 / 9980, 0.2],
                             [0.1, 0.2, 0.3, 0.0, 0.0, 0.0, 0.2]])
    assert torch.allclose(feats[0], expected)
