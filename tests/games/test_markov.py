"""POMG, Stackelberg–Markov game and Box: construction, storage, validation messages."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from sedtheory import ValidationError
from sedtheory.games.markov import POMG, uniform_policy
from sedtheory.games.stackelberg import Box, LeaderRewardUtility, StackelbergMarkovGame, WelfareUtility


def tiny(**overrides):
    T = np.zeros((2, 2, 1, 2))
    T[:, 0, 0, 0] = 1.0
    T[:, 1, 0, 1] = 1.0
    args = dict(transitions=T, rewards=np.ones((2, 2, 1, 2)), gamma=0.9, initial_distribution=[1.0, 0.0])
    args.update(overrides)
    return POMG(**args)


def test_sizes_and_sparse_storage():
    game = tiny()
    assert (game.n_states, game.n_agents, game.n_actions, game.n_joint_actions) == (2, 2, (2, 1), 2)
    assert game.fully_observed and game.n_observations == (2, 2) and game.policy_shapes == ((2, 2), (2, 1))
    assert sp.issparse(game.transitions) and game.transitions.shape == (4, 2)
    assert game.transitions.nnz == 4
    with pytest.raises(ValueError):
        game.transitions.data[0] = 0.5  # read-only


def test_dense_and_sparse_inputs_agree():
    game = tiny()
    again = POMG(sp.coo_array(game.transitions), game.rewards, gamma=0.9, initial_distribution=[1.0, 0.0])
    np.testing.assert_array_equal(again.transition_tensor(), game.transition_tensor())


def test_transition_row_error_names_state_and_joint_action():
    T = tiny().transition_tensor().copy()
    T[1, 1, 0, 1] = 0.7
    with pytest.raises(ValidationError, match=r"transitions: row \(1, 1, 0\) sums to 0\.7"):
        tiny(transitions=T)
    bad = sp.csr_array(T.reshape(4, 2))
    with pytest.raises(ValidationError, match=r"transitions: row \(s=1, a=\(1, 0\)\) sums to 0\.7"):
        tiny(transitions=bad)


def test_negative_and_non_finite_entries_are_named():
    T = tiny().transition_tensor().copy()
    T[0, 0, 0] = [1.5, -0.5]
    with pytest.raises(ValidationError, match="transitions: negative probability"):
        tiny(transitions=T)
    sparse_bad = sp.csr_array(T.reshape(4, 2))
    with pytest.raises(ValidationError, match=r"negative probability -0\.5 at \(s=0, a=\(0, 0\), s'=1\)"):
        tiny(transitions=sparse_bad)
    R = np.ones((2, 2, 1, 2))
    R[1, 0, 0, 1] = np.nan
    with pytest.raises(ValidationError, match=r"rewards: non-finite value nan at index \(1, 0, 0, 1\)"):
        tiny(rewards=R)


def test_shape_mismatches_are_explained():
    with pytest.raises(ValidationError, match="rewards: expected shape"):
        tiny(rewards=np.ones((2, 2, 1, 3)))
    with pytest.raises(ValidationError, match="transitions: expected shape"):
        tiny(transitions=np.full((2, 2, 1, 3), 1 / 3))
    with pytest.raises(ValidationError, match=r"sparse matrix must have shape"):
        tiny(transitions=sp.csr_array(np.eye(2)))


def test_discount_horizon_and_initial_distribution_checks():
    with pytest.raises(ValidationError, match="gamma: must lie in \\[0, 1\\) without a horizon"):
        tiny(gamma=1.0)
    with pytest.raises(ValidationError, match="gamma: required"):
        tiny(gamma=None)
    assert tiny(gamma=None, horizon=3).gamma == 1.0
    with pytest.raises(ValidationError, match="horizon"):
        tiny(horizon=0)
    with pytest.raises(ValidationError, match="initial_distribution: probabilities sum"):
        tiny(initial_distribution=[0.5, 0.4])
    with pytest.raises(ValidationError, match="initial_distribution: required"):
        tiny(initial_distribution=None)


def test_observation_kernels_both_forms():
    state_only = [np.array([[1.0, 0.0], [0.5, 0.5]]), np.ones((2, 1))]
    game = tiny(observations=state_only)
    assert not game.fully_observed and game.n_observations == (2, 1)
    assert game.state_observation_form() is game
    general = [np.full((2, 2, 1, 3), 1 / 3), np.ones((2, 2, 1, 1))]
    with pytest.raises(ValidationError, match="initial_observations: required"):
        tiny(observations=general)
    lifted_game = tiny(observations=general, initial_observations=[np.full((2, 3), 1 / 3), np.ones((2, 1))])
    lifted = lifted_game.state_observation_form()
    assert lifted.n_states == 2 * 3 and not lifted.action_dependent_observations
    np.testing.assert_allclose(lifted.initial_distribution.reshape(2, 3), [[0, 0, 1], [0, 0, 0]])
    with pytest.raises(ValidationError, match=r"observations\[0\]: row \(1,\) sums to 0\.9"):
        tiny(observations=[np.array([[1.0, 0.0], [0.5, 0.4]]), np.ones((2, 1))])
    with pytest.raises(ValidationError, match="observations: expected a sequence of 2 kernels"):
        tiny(observations=[np.ones((2, 1))])
    with pytest.raises(ValidationError, match="initial_observations: only meaningful"):
        tiny(initial_observations=[np.ones((2, 1))] * 2)


def test_with_initial_state_is_a_dirac():
    game = tiny().with_initial_state(1)
    np.testing.assert_array_equal(game.initial_distribution, [0.0, 1.0])
    with pytest.raises(ValidationError, match="state"):
        tiny().with_initial_state(2)


def test_uniform_policy_shape():
    np.testing.assert_allclose(uniform_policy(3, 4), np.full((3, 4), 0.25))


def test_box_validation_and_grid():
    box = Box([0.0, -1.0], [1.0, 1.0], 3)
    assert box.grid().shape == (9, 2) and box.contains([0.5, 0.0]) and not box.contains([2.0, 0.0])
    with pytest.raises(ValidationError, match=r"upper: upper\[0\]"):
        Box([1.0], [0.0])
    with pytest.raises(ValidationError, match=r"points\[0\]: one grid point"):
        Box([0.0], [1.0], 1)


def test_stackelberg_markov_game_validation():
    game = StackelbergMarkovGame([0.0, 1.0], lambda phi: tiny(), WelfareUtility(np.sum))
    assert game.candidates().shape == (2, 1) and game.index_of([1.0]) == 1
    with pytest.raises(ValidationError, match="leader_utility"):
        StackelbergMarkovGame([0.0], lambda phi: tiny(), np.sum)
    with pytest.raises(ValidationError, match="implementation: returned"):
        StackelbergMarkovGame([0.0], lambda phi: 3, WelfareUtility(np.sum)).induced([0.0])
    with pytest.raises(ValidationError, match="phi: \\[0.5\\] is not one of"):
        game.index_of([0.5])
    with pytest.raises(ValidationError, match="keep: the restricted leader action set is empty"):
        game.restricted([False, False])
    started = game.with_initial_state(1).induced([0.0])
    np.testing.assert_array_equal(started.initial_distribution, [0.0, 1.0])


def test_leader_reward_shape_is_checked():
    utility = LeaderRewardUtility(lambda phi: np.zeros((3, 3)))
    with pytest.raises(ValidationError, match="expected shape"):
        utility.array(np.zeros(1), tiny())
    with pytest.raises(ValidationError, match="welfare"):
        WelfareUtility(lambda v: np.inf).of_returns(np.zeros(2))


def test_box_contains_refuses_a_commitment_of_the_wrong_dimension():
    box = Box([0.0, 0.0], [1.0, 1.0], 2)
    assert not box.contains([0.5, 0.5, 0.5]) and not box.contains([0.5])


def test_welfare_returning_several_numbers_is_named():
    with pytest.raises(ValidationError, match=r"welfare: w returned \[1\.0, 2\.0\], not one number"):
        WelfareUtility(lambda v: v, "w").of_returns(np.array([1.0, 2.0]))
    assert WelfareUtility(lambda v: np.array([3.0]), "w").of_returns(np.zeros(2)) == 3.0


def test_initial_kernel_of_a_state_only_agent_must_be_its_own_kernel():
    """Mixed forms: agent 1 general, agent 2 state-only. Agent 2 observes by its kernel at every
    step, so a different step-0 kernel for it would be silently ignored: it is refused."""
    general = np.full((2, 2, 1, 3), 1 / 3)
    state_only = np.array([[1.0, 0.0], [0.0, 1.0]])
    start = np.full((2, 3), 1 / 3)
    game = tiny(observations=[general, state_only], initial_observations=[start, None])
    np.testing.assert_array_equal(game.initial_observations[1], state_only)
    assert tiny(observations=[general, state_only], initial_observations=[start, state_only]).action_dependent_observations
    with pytest.raises(ValidationError, match=r"initial_observations\[1\]: agent 1's kernel is state-only"):
        tiny(observations=[general, state_only], initial_observations=[start, np.full((2, 2), 0.5)])
    with pytest.raises(ValidationError, match=r"initial_observations\[0\]: required, agent 0's kernel depends"):
        tiny(observations=[general, state_only], initial_observations=[None, None])


def test_state_indices_are_integers_never_rounded():
    with pytest.raises(ValidationError, match=r"state: expected an integer state index, got 0\.5"):
        tiny().with_initial_state(0.5)
    with pytest.raises(ValidationError, match="state: expected an integer"):
        tiny().with_initial_state(True)
    np.testing.assert_array_equal(tiny().with_initial_state(np.int64(1)).initial_distribution, [0.0, 1.0])
    from sedtheory.evaluation.markov_simulation import simulate

    with pytest.raises(ValidationError, match=r"initial_state: 2 out of range 0\.\.1"):
        simulate(tiny(), [np.full((2, 2), 0.5), np.ones((2, 1))], 3, seed=0, initial_state=2)


def test_none_in_a_kernel_is_named_not_read_as_nan():
    # issue 14: [[1.0, None], ...] was reported as "non-finite value nan"
    transitions = np.zeros((2, 1, 1, 2))
    transitions[:, 0, 0, 0] = 1.0
    with pytest.raises(ValidationError, match=r"observations\[0\]: cannot be read as numbers: entry at index \(0, 1\) is None"):
        POMG(transitions, np.ones((2, 1, 1, 2)), observations=[[[1.0, None], [0, 1]], [[1, 0], [0, 1]]],
             gamma=0.5, initial_distribution=[1, 0])


def test_from_dict_refuses_unknown_keys_and_round_trips():
    transitions = np.zeros((2, 1, 1, 2))
    transitions[:, 0, 0, 0] = 1.0
    game = POMG(transitions, np.ones((2, 1, 1, 2)), gamma=0.5, initial_distribution=[1, 0])
    fields = game.to_dict()
    again = POMG.from_dict(fields)
    assert again.gamma == 0.5 and np.array_equal(again.transition_tensor(), transitions)
    with pytest.raises(ValidationError, match="POMG: unknown key 'initial_distributon'; did you mean 'initial_distribution'"):
        POMG.from_dict({**fields, "initial_distributon": [1, 0]})
    with pytest.raises(ValidationError, match="rewards: required"):
        POMG.from_dict({"transitions": fields["transitions"], "gamma": 0.5})
