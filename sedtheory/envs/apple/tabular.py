"""The exact tabular twin of a tiny Apple Picking Game (a corridor, a 3 × 3 field; at most 2 players).

The state is ``(cell of each player, facing of each player, set of live apples)``; the step
is the engine's (rules sheet ``docs/apple_game.md``; order in :mod:`sedtheory.envs.apple.engine`)
with its two sources of chance written out exactly:

* a **contest** (both players step into the same free cell): each wins with probability 1/2;
* **regrowth**: each apple cell empty at the start of the step regrows independently with
  probability ``p(min(k, len(p) − 1))``, ``k`` = live apples within the radius at the start.

So ``T(s' | s, a) = Σ_contest outcomes 1/2^[contest] · Π_empty cells p^[regrows] (1 − p)^[not]``.
Rewards are the expected per-step mixed rewards of eq. (2) for given types. The tax is paid per
period on the period's income, which this state does not record, so by default there is none
(φ = 0). With ``tax_period = 1`` every step is a whole period and the income of player i is
this step's apple a_i ∈ {0, 1}: the engine's transfer −T(a_i, φ) + (1/n) Σ_j T(a_j, φ) at the
period's (= this step's) end is then a function of the step alone, and ``tax_rates`` adds it
exactly (:func:`sedtheory.principal.tax.redistribute`, the theory side's formula). Rates
stay fixed for the whole episode (a flat commitment φ). With ``tax_period > 1`` a nonzero
rate would need the running income in the state; it is refused.
Observations are the engine's egocentric codes, one observation index per distinct window
content (a deterministic, state-only kernel). μ0 follows the reset rule. Zap is not modelled
(it needs removal timers); ``to_pomg`` refuses ``zap=True``.

The movement rules are written here again for two players, independently of the engine and
of :mod:`sedtheory.envs.apple.reference`, so that a statistical test of the engine against
these tensors checks its random draws and its rules together.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sedtheory._validate import ValidationError, finite_array
from sedtheory.envs.apple import reference
from sedtheory.envs.apple.params import AppleParams

MOVES = {1: (1, 0), 2: (-1, 0), 3: (0, -1), 4: (0, 1)}


@dataclass(frozen=True, eq=False)
class TabularApple:
    """The tabular model. ``states``: list of ``(cells, facings, live)`` with ``cells`` a tuple of
    ``(row, col)``, ``facings`` a tuple of ints, ``live`` a frozenset of apple-cell indices
    (row-major order of the map's apple cells). ``transitions``: csr ``(S * |A|, S)`` (rows
    ``s * |A| + a``, joint action ``a`` flattened in C order); ``rewards`` and ``apples``:
    ``(S, A_1, …, A_n, n)`` expected values; ``observations``: one ``(S, O_i)`` 0/1 kernel per
    player; ``initial_distribution``: ``(S,)``."""

    params: AppleParams
    states: list
    index: dict
    transitions: sp.csr_array
    rewards: np.ndarray
    apples: np.ndarray
    observations: tuple
    initial_distribution: np.ndarray

    def transition_tensor(self) -> np.ndarray:
        """Dense ``(S, A_1, …, A_n, S)`` transitions."""
        n, S = self.params.n_players, len(self.states)
        return self.transitions.toarray().reshape(S, *([self.params.n_actions] * n), S)


def _check(params: AppleParams, max_state_actions: int) -> None:
    if params.n_players > 2:
        raise ValidationError(f"n_players: the tabular twin handles at most 2 players, got {params.n_players}")
    if params.zap:
        raise ValidationError("zap: the tabular twin does not model zapping (removal timers); use zap=False")
    floor = int((~params.layout.walls).sum())
    n_states = int(np.prod([floor - i for i in range(params.n_players)])) * 4 ** params.n_players * 2 ** params.n_apple_cells
    if n_states * params.n_actions ** params.n_players > max_state_actions:
        raise ValidationError(
            f"map_ascii: {n_states} states x {params.n_actions ** params.n_players} joint actions exceed "
            f"max_state_actions={max_state_actions}; use a smaller map"
        )


def enumerate_states(params: AppleParams) -> list:
    """All states ``(cells, facings, live)`` in a fixed order."""
    floor = [(int(r), int(c)) for r, c in np.argwhere(~params.layout.walls)]
    n, A = params.n_players, params.n_apple_cells
    masks = [frozenset(k for k in range(A) if bits >> k & 1) for bits in range(2 ** A)]
    return [(cells, facings, live)
            for cells in itertools.permutations(floor, n)
            for facings in itertools.product(range(4), repeat=n)
            for live in masks]


def _target(params: AppleParams, cell, facing: int, action: int):
    """The cell ``action`` tries to reach from ``cell``; a move into a wall or off the map stays."""
    if action not in MOVES:
        return cell
    target = reference.relative_cell(cell, facing, *MOVES[action])
    return cell if reference.is_blocked(params, *target) else target


def movement_outcomes(params: AppleParams, cells, facings, actions) -> list:
    """``[(probability, new cells)]`` for at most two players (rules sheet, movement conflicts)."""
    targets = [_target(params, cells[i], facings[i], actions[i]) for i in range(len(cells))]
    moving = [targets[i] != cells[i] for i in range(len(cells))]
    if len(cells) == 1:
        return [(1.0, tuple(targets))]
    if moving[0] and moving[1] and targets[0] == targets[1]:  # contest for a free cell: a fair coin
        return [(0.5, (targets[0], cells[1])), (0.5, (cells[0], targets[1]))]
    new = list(cells)
    for i, j in ((0, 1), (1, 0)):
        if not moving[i]:
            continue
        if targets[i] != cells[j]:
            new[i] = targets[i]
        elif moving[j] and targets[j] != cells[i]:  # follow a player who leaves (not a swap)
            new[i] = targets[i]
    return [(1.0, tuple(new))]


def regrowth_outcomes(params: AppleParams, live: frozenset) -> list:
    """``[(probability, regrown set)]`` over the apple cells empty at the start of the step."""
    cells = reference.apple_cells(params)
    probs = np.asarray(params.regrowth_probs, dtype=np.float32).astype(float)
    empty, chance = [], []
    for a, (r, c) in enumerate(cells):
        if a in live:
            continue
        k = sum(1 for b in live if (cells[b][0] - r) ** 2 + (cells[b][1] - c) ** 2 <= params.regrowth_radius ** 2 + 1e-9)
        empty.append(a)
        chance.append(probs[min(k, len(probs) - 1)])
    outcomes = []
    for grow in itertools.product((False, True), repeat=len(empty)):
        prob = float(np.prod([p if g else 1 - p for p, g in zip(chance, grow)]))
        if prob > 0:
            outcomes.append((prob, frozenset(a for a, g in zip(empty, grow) if g)))
    return outcomes


def _step_rewards(params: AppleParams, new_cells, new_facings, eaten, selfishness, trust,
                  tax_rates: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    n = params.n_players
    apples = np.array([1.0 if i in eaten else 0.0 for i in range(n)])
    extrinsic = apples
    if tax_rates is not None:  # tax_period = 1: this step's apples are the period's income
        from sedtheory.principal.tax import redistribute

        extrinsic = redistribute(apples, tax_rates, params.tax_thresholds)
    reward = np.zeros(n)
    for i in range(n):
        others = sum(apples[j] for j in range(n)
                     if j != i and reference.in_window(params, new_cells[i], new_facings[i], new_cells[j]))
        intrinsic = selfishness[i] * apples[i] + (1 - selfishness[i]) * others
        reward[i] = trust[i] * extrinsic[i] + (1 - trust[i]) * intrinsic
    return apples, reward


def _observation_kernels(params: AppleParams, states: list) -> tuple:
    n = params.n_players
    kernels = []
    for i in range(n):
        seen: dict[bytes, int] = {}
        column = []
        for cells, facings, live in states:
            codes = reference.observe_codes(params, reference_state(params, cells, facings, live))[i]
            column.append(seen.setdefault(codes.tobytes(), len(seen)))
        kernel = np.zeros((len(states), len(seen)))
        kernel[np.arange(len(states)), column] = 1.0
        kernels.append(kernel)
    return tuple(kernels)


def reference_state(params: AppleParams, cells, facings, live) -> reference.RefState:
    """The :class:`reference.RefState` of a tabular state ``(cells, facings, live)`` (t = 0, no tax)."""
    n, apple_cells = params.n_players, reference.apple_cells(params)
    return reference.RefState(
        pos=np.array(cells).reshape(n, 2), facing=np.array(facings), present=np.ones(n, bool),
        removal_timer=np.zeros(n, int), cooldown=np.zeros(n, int),
        live={cell: (k in live) for k, cell in enumerate(apple_cells)}, period_income=np.zeros(n),
        episode_apples=np.zeros(n), tax_rates=np.zeros(params.n_brackets), pending_rates=np.zeros(params.n_brackets), t=0)




def _initial_distribution(params: AppleParams, index: dict) -> np.ndarray:
    n = params.n_players
    inner_cells = list(params.layout.inner_spawns)
    n_inner = min(len(inner_cells), n)
    spawns = reference.spawn_cells(params)
    all_live = frozenset(range(params.n_apple_cells))
    mu = np.zeros(len(index))
    firsts = list(itertools.permutations(inner_cells, n_inner))  # a uniformly random injective choice of Q cells
    placements = list(itertools.permutations(spawns, n - n_inner))
    weight = 1.0 / (len(firsts) * len(placements) * 4 ** n)
    for first in firsts:
        for rest in placements:
            for facings in itertools.product(range(4), repeat=n):
                mu[index[(first + rest, facings, all_live)]] += weight
    return mu


def _type_vector(name: str, value, n: int) -> np.ndarray:
    """``(n,)`` types in [0, 1] (all ones when ``value`` is None), or a ValidationError naming ``name``."""
    if value is None:
        return np.ones(n)
    vector = finite_array(name, value, shape=(n,))
    if np.any(vector < 0) or np.any(vector > 1):
        raise ValidationError(f"{name}: values must lie in [0, 1], got {vector.tolist()}")
    return vector


def _tax_vector(params: AppleParams, tax_rates) -> np.ndarray | None:
    """``(n_brackets,)`` rates in [0, 1], or None for no tax (None or all zeros); a ValidationError
    for bad values or a nonzero rate the twin cannot represent (``tax_period > 1``)."""
    if tax_rates is None:
        return None
    rates = finite_array("tax_rates", tax_rates, shape=(params.n_brackets,))
    if np.any(rates < 0) or np.any(rates > 1):
        raise ValidationError(f"tax_rates: values must lie in [0, 1], got {rates.tolist()}")
    if not np.any(rates):
        return None
    if params.tax_period != 1:
        raise ValidationError(
            f"tax_rates: the twin represents a tax exactly only with tax_period=1 (the state does not record "
            f"period income), got tax_period={params.tax_period} with rates {rates.tolist()}")
    return rates


def tabular_model(params: AppleParams, selfishness=None, trust=None, max_state_actions: int = 200_000,
                  tax_rates=None) -> TabularApple:
    """Build the exact tabular model of a tiny map (see the module docstring).

    Args:
        params: the rules; at most 2 players, ``zap=False``.
        selfishness, trust: ``(n,)`` types for the rewards (default: all ones, reward = own apples).
        max_state_actions: refuse maps whose ``S * |A|`` exceeds this (a clear error, not a long wait).
        tax_rates: ``(n_brackets,)`` flat rates φ in [0, 1] for the whole episode (default: no tax);
            a nonzero rate needs ``params.tax_period == 1`` (module docstring). Only ``rewards``
            depend on it.
    """
    _check(params, max_state_actions)
    n, n_actions = params.n_players, params.n_actions
    selfishness, trust = (_type_vector(name, value, n) for name, value in (("selfishness", selfishness), ("trust", trust)))
    rates = _tax_vector(params, tax_rates)
    states = enumerate_states(params)
    index = {s: k for k, s in enumerate(states)}
    apple_of = {cell: k for k, cell in enumerate(reference.apple_cells(params))}
    joint = list(itertools.product(range(n_actions), repeat=n))
    rows, cols, probs = [], [], []
    rewards = np.zeros((len(states), len(joint), n))
    apples = np.zeros((len(states), len(joint), n))
    for s, (cells, facings, live) in enumerate(states):
        regrowth = regrowth_outcomes(params, live)
        for a, actions in enumerate(joint):
            new_facings = tuple((f + {5: 3, 6: 1}.get(act, 0)) % 4 for f, act in zip(facings, actions))
            successors: dict[int, float] = {}
            for p_move, new_cells in movement_outcomes(params, cells, facings, actions):
                eaten = {i for i in range(n) if new_cells[i] != cells[i] and apple_of.get(new_cells[i]) in live}
                got, reward = _step_rewards(params, new_cells, new_facings, eaten, selfishness, trust, rates)
                apples[s, a] += p_move * got
                rewards[s, a] += p_move * reward
                kept = live - {apple_of[new_cells[i]] for i in eaten}
                for p_grow, grown in regrowth:
                    nxt = index[(new_cells, new_facings, kept | grown)]
                    successors[nxt] = successors.get(nxt, 0.0) + p_move * p_grow
            for nxt, p in successors.items():
                rows.append(s * len(joint) + a)
                cols.append(nxt)
                probs.append(p)
    shape = (len(states), *([n_actions] * n), n)
    transitions = sp.csr_array((probs, (rows, cols)), shape=(len(states) * len(joint), len(states)))
    return TabularApple(params=params, states=states, index=index, transitions=transitions,
                        rewards=rewards.reshape(shape), apples=apples.reshape(shape),
                        observations=_observation_kernels(params, states),
                        initial_distribution=_initial_distribution(params, index))


def to_pomg(params: AppleParams, selfishness=None, trust=None, gamma: float = 0.99, horizon: int | None = None,
            max_state_actions: int = 200_000, tax_rates=None):
    """The tiny game as a :class:`sedtheory.games.markov.POMG` (Definition 2.2) with state-only
    deterministic observation kernels; arguments as :func:`tabular_model`, plus ``gamma`` and
    ``horizon`` for the POMG. The tabular twin itself is ``tabular_model``."""
    from sedtheory.games.markov import POMG

    model = tabular_model(params, selfishness, trust, max_state_actions, tax_rates)
    return POMG(model.transitions, model.rewards, model.observations, gamma=gamma, horizon=horizon,
                initial_distribution=model.initial_distribution)
