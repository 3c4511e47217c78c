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


def test_strategic_reports_are_an_equilibrium_of_the_mean_rule():
    sigma = np.array([0.1, 0.2, 0.9])
    reports = strategic_reports(sigma, np.mean)
    levels = np.linspace(0, 1, 101)
    for i in range(3):
        current = abs(np.mean(reports) - sigma[i])
        for level in levels:
            trial = reports.copy()
            trial[i] = level
            assert abs(np.mean(trial) - sigma[i]) >= current - 1e-12
    # the extreme player cannot pull the mean to 0.9 and reports the maximum
    assert reports[2] == 1.0
