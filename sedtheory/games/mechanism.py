"""A one-shot mechanism design problem with finite types, actions and outcomes (Definition 2.5).

Agents ``i = 0..n-1`` hold private types ``t_i`` from finite sets ``T_i`` (indexed
``0..|T_i|-1``), choose actions from finite sets ``A_i``, and the mechanism's outcome rule
``g: A_0 × ... × A_{n-1} → S`` picks one of ``|S|`` outcomes. Agent ``i`` values outcome ``s``
at ``u_i(s, t_i)`` (private values: its utility depends on its own type only); the principal
objective ``u_0`` scores outcomes (or action profiles directly).

A strategy ``s_i: T_i → A_i`` is an int array ``(|T_i|,)``. The checks here are the textbook
solution concepts of the paper's Definition 2.5 (Nisan et al., *Algorithmic Game Theory*,
2007, ch. 9): dominant-strategy equilibrium (for every type, the strategy's action is a best
response to *every* action profile of the others), Nash equilibrium of the game induced by a
type profile, and Bayes–Nash equilibrium under a prior over type profiles (interim best
responses). All are finite enumerations; no solver is involved.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from sedtheory._validate import DEFAULT_TOL, ValidationError, finite_array, index_tuple, nonnegative_scalar, probability_vector
from sedtheory.games.normal_form import NormalFormGame


@dataclass(frozen=True, eq=False)
class MechanismDesignProblem:
    """Mechanism ``M = ({A_i}, g)`` together with the agents' type-dependent utilities.

    Args:
        outcome_rule: int array ``(|A_0|, ..., |A_{n-1}|)``: ``g(a)``, an outcome index in
            ``0..n_outcomes-1``.
        utilities: per-agent arrays, ``utilities[i]`` of shape ``(|S|, |T_i|)`` with
            ``utilities[i][s, t] = u_i(s, t)``; or one array ``(n, |S|, |T|)`` when every
            agent has the same number of types.
        principal_objective: optional ``u_0``: shape ``(|S|,)`` (a value per outcome) or
            ``(|A_0|, ..., |A_{n-1}|)`` (a value per action profile). When the two shapes
            coincide (one agent with as many actions as outcomes) the array is read per action
            profile, ``u_0(M, a)`` as in Definition 2.5; for per-outcome values ``v`` pass
            ``v[outcome_rule]``.

    Example (a one-agent posted price of 1 on a value grid {0, 1, 2}):
        >>> problem = MechanismDesignProblem(np.array([0, 1]), [[[0, 0, 0], [-1, 0, 1]]])
        >>> problem.n_agents, problem.n_actions, problem.n_types, problem.n_outcomes
        (1, (2,), (3,), 2)
    """

    outcome_rule: np.ndarray
    utilities: tuple
    principal_objective: np.ndarray | None = None

    def __post_init__(self) -> None:
        rule = np.asarray(self.outcome_rule)
        if rule.dtype.kind not in "iu" or rule.ndim < 1 or rule.size == 0:
            raise ValidationError(
                f"outcome_rule: expected a non-empty integer array (|A_1|, ..., |A_n|), got dtype {rule.dtype} shape {rule.shape}"
            )
        utilities = self._check_utilities(rule.ndim)
        n_outcomes = utilities[0].shape[0]
        if rule.min() < 0 or rule.max() >= n_outcomes:
            bad = tuple(int(i) for i in np.argwhere((rule < 0) | (rule >= n_outcomes))[0])
            raise ValidationError(f"outcome_rule: outcome {int(rule[bad])} at {bad} out of range 0..{n_outcomes - 1}")
        frozen = np.array(rule, dtype=np.int64)
        frozen.setflags(write=False)
        object.__setattr__(self, "outcome_rule", frozen)
        object.__setattr__(self, "utilities", utilities)
        if self.principal_objective is not None:
            objective = finite_array("principal_objective", self.principal_objective)
            if objective.shape not in ((n_outcomes,), rule.shape):
                raise ValidationError(
                    f"principal_objective: expected shape ({n_outcomes},) or {rule.shape}, got {objective.shape}"
                )
            object.__setattr__(self, "principal_objective", objective)

    def _check_utilities(self, n_agents: int) -> tuple[np.ndarray, ...]:
        raw = self.utilities
        if not isinstance(raw, (list, tuple, np.ndarray)):
            raise ValidationError(
                f"utilities: expected per-agent arrays (|S|, |T_i|) or one array (n, |S|, |T|), got {type(raw).__name__}"
            )
        if len(raw) != n_agents:
            raise ValidationError(f"utilities: {len(raw)} agents but outcome_rule has {n_agents} action axes")
        arrays = tuple(finite_array(f"utilities[{i}]", u, ndim=2) for i, u in enumerate(raw))
        for i, u in enumerate(arrays):
            if u.shape[0] != arrays[0].shape[0]:
                raise ValidationError(f"utilities[{i}]: {u.shape[0]} outcomes but utilities[0] has {arrays[0].shape[0]}")
            if min(u.shape) < 1:
                raise ValidationError(f"utilities[{i}]: needs at least one outcome and one type, got shape {u.shape}")
        return arrays

    @property
    def n_agents(self) -> int:
        """Number of agents ``n`` (the action axes of ``outcome_rule``)."""
        return int(self.outcome_rule.ndim)

    @property
    def n_actions(self) -> tuple[int, ...]:
        """``(|A_0|, ..., |A_{n-1}|)``: the shape of ``outcome_rule``."""
        return tuple(int(k) for k in self.outcome_rule.shape)

    @property
    def n_types(self) -> tuple[int, ...]:
        """``(|T_0|, ..., |T_{n-1}|)``: the type counts, one per agent."""
        return tuple(int(u.shape[1]) for u in self.utilities)

    @property
    def n_outcomes(self) -> int:
        """``|S|``: the number of outcomes (rows of every ``utilities[i]``)."""
        return int(self.utilities[0].shape[0])

    def outcome(self, actions: Sequence[int]) -> int:
        """``g(a)``: the outcome index of a pure action profile."""
        return int(self.outcome_rule[self._actions("actions", actions)])

    def principal_value(self, actions: Sequence[int]) -> float:
        """``u_0(M, a)`` for a pure action profile (requires ``principal_objective``)."""
        if self.principal_objective is None:
            raise ValidationError("principal_objective: this problem has no principal objective")
        index = self._actions("actions", actions)
        if self.principal_objective.shape == self.outcome_rule.shape:
            return float(self.principal_objective[index])
        return float(self.principal_objective[self.outcome_rule[index]])

    def induced_game(self, types: Sequence[int]) -> NormalFormGame:
        """The normal-form game among the agents once types are fixed.

        Args:
            types: one type index per agent.

        Returns:
            :class:`NormalFormGame` with payoffs ``(n, |A_0|, ..., |A_{n-1}|)``,
            ``payoffs[i][a] = u_i(g(a), t_i)``.
        """
        types = self._types("types", types)
        return NormalFormGame(np.stack([u[:, t][self.outcome_rule] for u, t in zip(self.utilities, types)]))

    def is_nash_equilibrium(self, actions: Sequence[int], types: Sequence[int], tol: float = DEFAULT_TOL) -> bool:
        """Whether the pure action profile is a Nash equilibrium of the game induced by ``types``."""
        tol = nonnegative_scalar("tol", tol)
        actions = self._actions("actions", actions)
        payoffs = self.induced_game(types).payoffs
        for i, a in enumerate(actions):
            values = payoffs[i][actions[:i] + (slice(None),) + actions[i + 1:]]
            if values.max() > values[a] + tol:
                return False
        return True

    def dominant_strategy_violation(self, strategies: Sequence, tol: float = DEFAULT_TOL):
        """The first violation of dominant-strategy equilibrium, or ``None`` if there is none.

        Args:
            strategies: one int array ``(|T_i|,)`` per agent: ``strategies[i][t]`` is the action
                of agent ``i`` with type ``t``.
            tol: a deviation must gain more than ``tol`` to count.

        Returns:
            ``None``, or a dict with ``agent``, ``type``, ``others`` (the others' actions, with
            the agent's own slot set to ``None``), ``action`` (the strategy's), ``better_action``
            and ``gain`` > ``tol``.
        """
        tol = nonnegative_scalar("tol", tol)
        strategies = self._strategies(strategies)
        for i, strategy in enumerate(strategies):
            utility = self.utilities[i][self.outcome_rule]  # (*n_actions, |T_i|)
            values = np.moveaxis(utility, i, -2)             # (..others.., |A_i|, |T_i|)
            for t, action in enumerate(strategy):
                gains = values[..., t] - values[..., action, t][..., None]
                if gains.max() > tol:
                    where = np.unravel_index(int(np.argmax(gains)), gains.shape)
                    others: list = [int(a) for a in where[:-1]]
                    others.insert(i, None)
                    return {"agent": i, "type": t, "others": others, "action": int(action),
                            "better_action": int(where[-1]), "gain": float(gains[where])}
        return None

    def is_dominant_strategy_equilibrium(self, strategies: Sequence, tol: float = DEFAULT_TOL) -> bool:
        """Whether every agent's strategy is (weakly) dominant for each of its types.

        For every agent ``i``, type ``t_i`` and *every* action profile ``a_{-i}`` of the others:
        ``u_i(g(s_i(t_i), a_{-i}), t_i) >= u_i(g(a'_i, a_{-i}), t_i) - tol`` for all ``a'_i``.
        """
        return self.dominant_strategy_violation(strategies, tol) is None

    def is_bayes_nash_equilibrium(self, strategies: Sequence, prior, tol: float = DEFAULT_TOL) -> bool:
        """Whether the strategies form a Bayes–Nash equilibrium under a joint type prior.

        Args:
            strategies: one int array ``(|T_i|,)`` per agent.
            prior: ``(|T_0|, ..., |T_{n-1}|)`` joint probability of each type profile.
            tol: slack on the interim (per type, conditional on it) expected utilities.

        For every agent ``i`` and type ``t_i`` of positive marginal probability, the action
        ``s_i(t_i)`` maximises ``E[u_i(g(a_i, s_{-i}(t_{-i})), t_i) | t_i]`` within ``tol``.
        """
        tol = nonnegative_scalar("tol", tol)
        strategies = self._strategies(strategies)
        prior = self._prior(prior)
        for i, strategy in enumerate(strategies):
            interim = self._interim_values(i, strategies, prior)  # (|T_i|, |A_i|) unnormalised
            marginal = prior.sum(axis=tuple(j for j in range(self.n_agents) if j != i))
            for t, action in enumerate(strategy):
                if marginal[t] > 0 and (interim[t].max() - interim[t, action]) / marginal[t] > tol:
                    return False
        return True

    def _interim_values(self, agent: int, strategies, prior: np.ndarray) -> np.ndarray:
        """``(|T_i|, |A_i|)``: Σ_{t_{-i}} p(t) u_i(g(a_i, s_{-i}(t_{-i})), t_i) for each t_i, a_i."""
        out = np.zeros((self.n_types[agent], self.n_actions[agent]))
        for types in itertools.product(*(range(k) for k in self.n_types)):
            if prior[types] == 0:
                continue
            index = tuple(int(strategies[j][t]) for j, t in enumerate(types))
            outcomes = self.outcome_rule[index[:agent] + (slice(None),) + index[agent + 1:]]
            out[types[agent]] += prior[types] * self.utilities[agent][outcomes, types[agent]]
        return out

    def _prior(self, prior) -> np.ndarray:
        """A joint type prior ``(|T_0|, ..., |T_{n-1}|)``; error indices are into its flattened form."""
        prior = finite_array("prior", prior, shape=self.n_types)
        probability_vector("prior (flattened)", prior.ravel())
        return prior

    def _actions(self, field: str, actions: Sequence[int]) -> tuple[int, ...]:
        return index_tuple(field, actions, self.n_actions, "action")

    def _types(self, field: str, types: Sequence[int]) -> tuple[int, ...]:
        return index_tuple(field, types, self.n_types, "type")

    def _strategies(self, strategies: Sequence) -> tuple[np.ndarray, ...]:
        if len(strategies) != self.n_agents:
            raise ValidationError(f"strategies: expected {self.n_agents} strategies, got {len(strategies)}")
        out = []
        for i, (s, n_types, n_actions) in enumerate(zip(strategies, self.n_types, self.n_actions)):
            s = np.asarray(s)
            if s.dtype.kind not in "iu" or s.shape != (n_types,):
                raise ValidationError(f"strategies[{i}]: expected {n_types} integer actions (one per type), got {s.tolist()}")
            if np.any((s < 0) | (s >= n_actions)):
                raise ValidationError(f"strategies[{i}]: actions must lie in 0..{n_actions - 1}, got {s.tolist()}")
            out.append(s.astype(np.int64))
        return tuple(out)


