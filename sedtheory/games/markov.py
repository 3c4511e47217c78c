"""Tabular partially observable Markov games (paper, Definition 2.2).

A :class:`POMG` ``M = (S, A, T, r, Ω, B, γ, μ0)`` with ``n`` agents is stored as

* ``transitions``: a ``scipy.sparse.csr_array`` of shape ``(S * |A|, S)``; row
  ``s * |A| + a`` holds ``T(· | s, a)`` where the joint action ``a = (a_1, …, a_n)`` is flattened
  in C order (``numpy.ravel_multi_index(a, n_actions)``). A dense ``(S, A_1, …, A_n, S)`` array is
  accepted and converted; sparse storage keeps games with 10^5 states in memory.
* ``rewards``: a dense array ``(S, A_1, …, A_n, n)``; ``rewards[s, a, i] = r_i(s, a)``.
* ``observations``: ``None`` (fully observed: Ω_i = S and every agent sees the state) or one
  kernel per agent, either *state-only* ``(S, O_i)`` with ``B_i(o | s)``, or *general*
  ``(S, A_1, …, A_n, O_i)`` with ``B_i(o | s', a)``.

Timing (what the exact evaluators and the simulator implement):

1. ``s_0 ~ μ0``.
2. At step ``t`` every agent ``i`` receives an observation ``o_{i,t}``, the agents' observations
   being independent given what they condition on (the joint kernel is the product of the
   per-agent kernels):

   * state-only kernel: ``o_{i,t} ~ B_i(· | s_t)``;
   * general kernel: for ``t >= 1`` ``o_{i,t} ~ B_i(· | s_t, a_{t-1})``: the observation is
     emitted *after* the joint action ``a_{t-1}`` that led to ``s_t`` (the standard POMDP
     convention ``O(o | s', a)``); at ``t = 0`` there is no previous action, so
     ``o_{i,0} ~ initial_observations[i](· | s_0)``, a ``(S, O_i)`` kernel that must then be given.
3. Each agent acts with its reactive policy, ``a_{i,t} ~ π_i(· | o_{i,t})``.
4. Rewards ``r(s_t, a_t)`` are paid, and ``s_{t+1} ~ T(· | s_t, a_t)``.

Returns are ``Σ_t γ^t r_i(s_t, a_t)`` over ``t = 0, 1, …`` (discounted, ``γ ∈ [0, 1)``) or over
``t = 0, …, H - 1`` (finite horizon ``H``, ``γ ∈ [0, 1]``).

:meth:`POMG.state_observation_form` rewrites a game with general kernels as an equivalent game
with state-only kernels on the lifted state ``(s_t, a_{t-1})`` (``a_{-1}`` = a "start" marker),
so every algorithm only has to handle state-only kernels.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from sedtheory._validate import (
    DEFAULT_TOL,
    ValidationError,
    finite_array,
    nonnegative_scalar,
    positive_int,
    probability_vector,
    stochastic_array,
)


def _freeze_csr(matrix: sp.csr_array) -> sp.csr_array:
    for array in (matrix.data, matrix.indices, matrix.indptr):
        array.setflags(write=False)
    return matrix


def _joint_index(flat: int, n_actions: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(k) for k in np.unravel_index(flat, n_actions))


def _check_sparse_transitions(matrix, n_states: int, n_actions: tuple[int, ...], tol: float) -> sp.csr_array:
    n_joint = int(np.prod(n_actions))
    if matrix.shape != (n_states * n_joint, n_states):
        raise ValidationError(
            f"transitions: sparse matrix must have shape (S*|A|, S) = ({n_states * n_joint}, {n_states}), "
            f"got {matrix.shape}"
        )
    csr = sp.csr_array(matrix, dtype=float, copy=True)
    csr.sum_duplicates()
    if not np.all(np.isfinite(csr.data)):
        raise ValidationError("transitions: non-finite probability")
    rows = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    negative = np.flatnonzero(csr.data < -tol)
    if negative.size:
        k = negative[0]
        s, a = divmod(int(rows[k]), n_joint)
        raise ValidationError(
            f"transitions: negative probability {csr.data[k]} at (s={s}, a={_joint_index(a, n_actions)}, "
            f"s'={int(csr.indices[k])})"
        )
    sums = np.asarray(csr.sum(axis=1)).ravel()
    off = np.flatnonzero(np.abs(sums - 1.0) > tol)
    if off.size:
        s, a = divmod(int(off[0]), n_joint)
        raise ValidationError(
            f"transitions: row (s={s}, a={_joint_index(a, n_actions)}) sums to {sums[off[0]]:.12g}, "
            f"not 1 (tolerance {tol})"
        )
    csr.eliminate_zeros()
    return _freeze_csr(csr)


def _transitions_to_csr(value, n_states: int, n_actions: tuple[int, ...], tol: float) -> sp.csr_array:
    if sp.issparse(value):
        return _check_sparse_transitions(value, n_states, n_actions, tol)
    dense = stochastic_array("transitions", value, tol=tol, shape=(n_states, *n_actions, n_states))
    return _freeze_csr(sp.csr_array(dense.reshape(-1, n_states)))


def _check_kernel(field: str, value, n_states: int, n_actions: tuple[int, ...], tol: float) -> np.ndarray:
    array = finite_array(field, value)
    if array.ndim == 2:
        shape = (n_states, None)
    elif array.ndim == len(n_actions) + 2:
        shape = (n_states, *n_actions, None)
    else:
        raise ValidationError(
            f"{field}: expected shape (S, O_i) or (S, A_1, ..., A_n, O_i) with S={n_states}, "
            f"A={n_actions}; got {array.shape}"
        )
    return stochastic_array(field, array, tol=tol, shape=shape)


@dataclass(frozen=True, eq=False)
class POMG:
    """A tabular partially observable Markov game (Definition 2.2); see the module docstring.

    Args:
        transitions: dense ``(S, A_1, …, A_n, S)`` or any ``scipy.sparse`` matrix of shape
            ``(S * |A|, S)`` (rows in C order over ``(s, a_1, …, a_n)``); stored as a read-only
            ``csr_array``. Rows must be distributions within ``tol``.
        rewards: ``(S, A_1, …, A_n, n)``; the last axis has one entry per agent.
        observations: ``None`` (fully observed) or a sequence of ``n`` kernels, each ``(S, O_i)``
            (state-only) or ``(S, A_1, …, A_n, O_i)`` (emitted after the joint action).
        gamma: discount factor; ``[0, 1)`` without a horizon, ``[0, 1]`` with one. Required.
        horizon: ``None`` (infinite, discounted) or the number of steps ``H >= 1``.
        initial_distribution: ``(S,)`` probability vector μ0. Required.
        initial_observations: ``(S, O_i)`` kernels for step 0, one per agent; required exactly
            when some kernel is general (action-dependent), forbidden otherwise. An agent whose
            kernel is state-only observes by it at step 0 too: give ``None`` (stored as that
            kernel) or the same kernel for it; a different one is refused.
        tol: tolerance of the simplex checks.

    Example:
        >>> import numpy as np
        >>> T = np.zeros((2, 1, 1, 2)); T[:, 0, 0, 0] = 1.0
        >>> game = POMG(T, np.ones((2, 1, 1, 2)), gamma=0.5, initial_distribution=[1, 0])
        >>> game.n_states, game.n_agents, game.n_actions, game.fully_observed
        (2, 2, (1, 1), True)
    """

    transitions: Any
    rewards: np.ndarray
    observations: tuple | None = None
    gamma: float | None = None
    horizon: int | None = None
    initial_distribution: np.ndarray | None = None
    initial_observations: tuple | None = None
    tol: float = DEFAULT_TOL

    def __post_init__(self) -> None:
        rewards = finite_array("rewards", self.rewards)
        if rewards.ndim < 3 or rewards.shape[-1] != rewards.ndim - 2:
            raise ValidationError(
                f"rewards: expected shape (S, A_1, ..., A_n, n) with n action axes, got {rewards.shape}"
            )
        if min(rewards.shape) < 1:
            raise ValidationError(f"rewards: every axis needs length >= 1, got {rewards.shape}")
        n_states, n_actions = rewards.shape[0], tuple(int(k) for k in rewards.shape[1:-1])
        object.__setattr__(self, "rewards", rewards)
        object.__setattr__(self, "transitions", _transitions_to_csr(self.transitions, n_states, n_actions, self.tol))
        self._check_timing()
        if self.initial_distribution is None:
            raise ValidationError("initial_distribution: required (a (S,) probability vector μ0)")
        mu = probability_vector("initial_distribution", self.initial_distribution, size=n_states, tol=self.tol)
        object.__setattr__(self, "initial_distribution", mu)
        self._check_observations(n_states, n_actions)

    def _check_timing(self) -> None:
        if self.horizon is not None:
            object.__setattr__(self, "horizon", positive_int("horizon", self.horizon))
            gamma = 1.0 if self.gamma is None else nonnegative_scalar("gamma", self.gamma)
            if gamma > 1:
                raise ValidationError(f"gamma: must lie in [0, 1] with a finite horizon, got {gamma}")
        else:
            if self.gamma is None:
                raise ValidationError("gamma: required for an infinite-horizon game (a number in [0, 1))")
            gamma = nonnegative_scalar("gamma", self.gamma)
            if gamma >= 1:
                raise ValidationError(f"gamma: must lie in [0, 1) without a horizon, got {gamma}")
        object.__setattr__(self, "gamma", gamma)

    def _check_observations(self, n_states: int, n_actions: tuple[int, ...]) -> None:
        if self.observations is None:
            if self.initial_observations is not None:
                raise ValidationError("initial_observations: only meaningful with action-dependent observations")
            return
        kernels = self.observations
        if isinstance(kernels, np.ndarray) or len(kernels) != len(n_actions):
            raise ValidationError(
                f"observations: expected a sequence of {len(n_actions)} kernels (one per agent) or None"
            )
        kernels = tuple(
            _check_kernel(f"observations[{i}]", b, n_states, n_actions, self.tol) for i, b in enumerate(kernels)
        )
        object.__setattr__(self, "observations", kernels)
        general = any(b.ndim > 2 for b in kernels)
        if not general:
            if self.initial_observations is not None:
                raise ValidationError("initial_observations: only meaningful with action-dependent observations")
            return
        if self.initial_observations is None:
            raise ValidationError(
                "initial_observations: required when some observation kernel depends on the joint action "
                "(step 0 has no previous action); give one (S, O_i) kernel per agent"
            )
        initial = self.initial_observations
        if isinstance(initial, np.ndarray) or len(initial) != len(n_actions):
            raise ValidationError(f"initial_observations: expected {len(n_actions)} kernels (S, O_i)")
        checked = tuple(self._initial_kernel(i, b, kernels[i]) for i, b in enumerate(initial))
        object.__setattr__(self, "initial_observations", checked)

    def _initial_kernel(self, agent: int, value, kernel: np.ndarray) -> np.ndarray:
        """Step-0 kernel of ``agent``; a state-only agent observes by its own kernel at step 0 too."""
        field = f"initial_observations[{agent}]"
        if value is None:
            if kernel.ndim == 2:
                return kernel
            raise ValidationError(f"{field}: required, agent {agent}'s kernel depends on the joint action")
        checked = stochastic_array(field, value, tol=self.tol, shape=kernel.shape[:1] + kernel.shape[-1:])
        if kernel.ndim == 2 and np.abs(checked - kernel).max() > self.tol:
            raise ValidationError(
                f"{field}: agent {agent}'s kernel is state-only, so it also applies at step 0; "
                "pass None or the same (S, O_i) kernel"
            )
        return checked

    # ----------------------------------------------------------------------------- mappings
    FIELDS: ClassVar[tuple[str, ...]] = ("transitions", "rewards", "observations", "gamma", "horizon", "initial_distribution",
              "initial_observations", "tol")
    """The keys of :meth:`from_dict` (and of a POMG file, ``docs/file_formats.md``)."""

    @classmethod
    def from_dict(cls, data) -> "POMG":
        """A POMG from a mapping of its fields (e.g. a parsed POMG file); unknown keys are refused.

        ``transitions`` is the dense ``(S, A_1, …, A_n, S)`` array; ``observations`` and
        ``initial_observations`` are ``None`` or one kernel per agent. Every value is validated
        as in the constructor; a key the POMG does not have (``"gama"``) is named, never ignored.
        """
        if not isinstance(data, dict):
            raise ValidationError(f"POMG: expected a mapping of its fields, got {type(data).__name__}")
        for key in data:
            if key not in cls.FIELDS:
                nearest = difflib.get_close_matches(str(key), cls.FIELDS, n=1)
                hint = f"; did you mean {nearest[0]!r}?" if nearest else ""
                raise ValidationError(f"POMG: unknown key {key!r}{hint} (known keys: {', '.join(cls.FIELDS)})")
        for key in ("transitions", "rewards"):
            if key not in data:
                raise ValidationError(f"{key}: required")
        return cls(**data)

    def to_dict(self) -> dict:
        """JSON-ready fields (dense transitions); :meth:`from_dict` reads them back."""
        def kernels(value):
            return None if value is None else [np.asarray(b).tolist() for b in value]

        return {"transitions": self.transition_tensor().tolist(), "rewards": self.rewards.tolist(),
                "observations": kernels(self.observations), "gamma": self.gamma, "horizon": self.horizon,
                "initial_distribution": self.initial_distribution.tolist(),
                "initial_observations": kernels(self.initial_observations), "tol": self.tol}

    # ----------------------------------------------------------------------------- sizes
    @property
    def n_states(self) -> int:
        """``S``, the number of states."""
        return int(self.rewards.shape[0])

    @property
    def n_agents(self) -> int:
        """``n``, the number of agents."""
        return int(self.rewards.shape[-1])

    @property
    def n_actions(self) -> tuple[int, ...]:
        """``(A_1, …, A_n)``, each agent's number of actions."""
        return tuple(int(k) for k in self.rewards.shape[1:-1])

    @property
    def n_joint_actions(self) -> int:
        """``|A| = Π_i A_i``."""
        return int(np.prod(self.n_actions))

    @property
    def fully_observed(self) -> bool:
        """True when ``observations is None`` (each agent observes the state: Ω_i = S)."""
        return self.observations is None

    @property
    def n_observations(self) -> tuple[int, ...]:
        """``(O_1, …, O_n)``; equals ``(S, …, S)`` when fully observed."""
        if self.observations is None:
            return (self.n_states,) * self.n_agents
        return tuple(int(b.shape[-1]) for b in self.observations)

    @property
    def action_dependent_observations(self) -> bool:
        """True when some kernel has the general form ``(S, A_1, …, A_n, O_i)``."""
        return self.observations is not None and any(b.ndim > 2 for b in self.observations)

    @property
    def policy_shapes(self) -> tuple[tuple[int, int], ...]:
        """The ``(O_i, A_i)`` shape of each agent's reactive policy array."""
        return tuple(zip(self.n_observations, self.n_actions))

    # ----------------------------------------------------------------------------- views
    def transition_tensor(self) -> np.ndarray:
        """Dense ``(S, A_1, …, A_n, S)`` copy of the transitions (small games only)."""
        return self.transitions.toarray().reshape(self.n_states, *self.n_actions, self.n_states)

    def with_initial_distribution(self, initial_distribution) -> "POMG":
        """The same game with μ0 replaced (validated)."""
        return replace(self, initial_distribution=initial_distribution)

    def with_initial_state(self, state: int) -> "POMG":
        """The same game started at ``state`` (μ0 = Dirac at ``state``; constraint (1) of the paper)."""
        return self.with_initial_distribution(np.eye(self.n_states)[state_index("state", state, self.n_states)])

    def state_observation_form(self) -> "POMG":
        """An equivalent game whose observation kernels depend on the state only.

        Games with state-only (or no) kernels are returned unchanged. Otherwise the state is
        lifted to ``y = (s, k)`` with ``k`` the previous joint action (``k = |A|`` marks step 0);
        index ``y = s * (|A| + 1) + k``. Then ``B_i(o | y) = B_i(o | s, k)`` (or the initial
        kernel when ``k = |A|``), ``T((s', a) | (s, k), a) = T(s' | s, a)``, rewards ignore ``k``,
        and μ0 sits on ``(s, |A|)``. Policies, returns and equilibria are unchanged.
        Size: ``S (|A| + 1)`` states and ``nnz(T) (|A| + 1)`` stored transitions.
        """
        if not self.action_dependent_observations:
            return self
        n_states, n_joint = self.n_states, self.n_joint_actions
        lift = n_joint + 1
        coo = self.transitions.tocoo()
        s, a = np.divmod(coo.row, n_joint)
        rows = np.concatenate([(s * lift + k) * n_joint + a for k in range(lift)])
        cols = np.tile(coo.col * lift + a, lift)
        data = np.tile(coo.data, lift)
        transitions = sp.csr_array((data, (rows, cols)), shape=(n_states * lift * n_joint, n_states * lift))
        flat_rewards = self.rewards.reshape(n_states, n_joint, self.n_agents)
        rewards = np.repeat(flat_rewards, lift, axis=0).reshape(n_states * lift, *self.n_actions, self.n_agents)
        mu = np.zeros((n_states, lift))
        mu[:, n_joint] = self.initial_distribution
        kernels = tuple(self._lifted_kernel(i) for i in range(self.n_agents))
        return POMG(transitions, rewards, kernels, gamma=self.gamma, horizon=self.horizon,
                    initial_distribution=mu.ravel(), tol=self.tol)

    def _lifted_kernel(self, agent: int) -> np.ndarray:
        kernel = self.observations[agent]
        n_states, n_joint = self.n_states, self.n_joint_actions
        if kernel.ndim == 2:
            return np.repeat(kernel, n_joint + 1, axis=0)
        general = kernel.reshape(n_states, n_joint, -1)
        start = self.initial_observations[agent][:, None, :]
        return np.concatenate([general, start], axis=1).reshape(n_states * (n_joint + 1), -1)


def state_index(field: str, value, n_states: int) -> int:
    """``value`` as a state index in ``0..n_states - 1``; a float, bool or out-of-range value
    raises a :class:`ValidationError` naming ``field`` (never rounded)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValidationError(f"{field}: expected an integer state index, got {value!r}")
    if not 0 <= value < n_states:
        raise ValidationError(f"{field}: {value} out of range 0..{n_states - 1}")
    return int(value)


def uniform_policy(n_observations: int, n_actions: int) -> np.ndarray:
    """The uniformly random reactive policy ``(O_i, A_i)``."""
    positive_int("n_observations", n_observations)
    positive_int("n_actions", n_actions)
    return np.full((n_observations, n_actions), 1.0 / n_actions)


def check_profile(pomg: POMG, profile) -> None:
    """Raise a :class:`ValidationError` unless ``profile`` has one ``(O_i, A_i)`` policy per agent."""
    if len(profile) != pomg.n_agents:
        raise ValidationError(f"profile: expected {pomg.n_agents} policies, got {len(profile)}")
    for i, (policy, shape) in enumerate(zip(profile, pomg.policy_shapes)):
        if np.shape(policy) != shape:
            raise ValidationError(f"profile[{i}]: expected a reactive policy of shape {shape}, got {np.shape(policy)}")
