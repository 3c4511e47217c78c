"""Best responses, the δ-best-response correspondence, regret and NashConv.

Definitions (paper, Definition 2.3, written for a finite normal-form game): for player ``i``
and the others' mixed strategies σ_{-i},

    BR^δ_i(σ_{-i}) = {σ_i : u_i(σ_i, σ_{-i}) >= max_{σ'_i} u_i(σ'_i, σ_{-i}) - δ},
    BR^δ(σ)        = ×_i BR^δ_i(σ_{-i})          (the joint correspondence),

    regret_i(σ) = max_{a_i} u_i(a_i, σ_{-i}) - u_i(σ),
    NashConv(σ) = Σ_i regret_i(σ)               (Lanctot et al., NeurIPS 2017).

Because u_i is linear in σ_i, the maximum over mixed deviations equals the maximum over
pure actions, so everything here is *best-response evaluation*: one vector of deviation
payoffs per player, never an optimiser and never a solver. σ is in BR^0 for every player
exactly when σ is a Nash equilibrium, and BR^δ is the set of δ-Nash equilibria.

Games are :class:`NormalFormGame` objects; a :class:`StackelbergNashGame` is read as its
simultaneous-move game (leader = player 0). Strategies are passed as a :class:`~sedtheory.games.strategies.StrategyProfile` or a
sequence with one entry per player: a probability vector ``(n_actions[p],)`` or an int
(a pure action, read as the one-hot vector).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from sedtheory._validate import DEFAULT_TOL, ValidationError, finite_array, index_tuple, nonnegative_scalar, probability_vector
from sedtheory.equilibrium.certificate import Witness
from sedtheory.games.normal_form import NormalFormGame, StackelbergNashGame


def _normal_form(game) -> NormalFormGame:
    """Accept a NormalFormGame, or a StackelbergNashGame read as its simultaneous-move game."""
    if isinstance(game, StackelbergNashGame):
        return game.normal_form
    if not isinstance(game, NormalFormGame):
        raise ValidationError(f"game: expected a NormalFormGame or StackelbergNashGame, got {type(game).__name__}")
    return game


def stackelberg_game(game) -> StackelbergNashGame:
    """Return ``game`` if it is a :class:`StackelbergNashGame`, else raise naming the field."""
    if not isinstance(game, StackelbergNashGame):
        raise ValidationError(f"game: expected a StackelbergNashGame (leader and followers), got {type(game).__name__}")
    return game


def mixed_strategies(game: NormalFormGame, strategies) -> list[np.ndarray]:
    """Validate ``strategies`` against ``game`` and return one probability vector per player.

    Args:
        game: the normal-form game.
        strategies: :class:`StrategyProfile` or sequence of length ``n_players``; entry ``p``
            is a probability vector ``(n_actions[p],)`` or an int pure action.

    Returns:
        list of read-only arrays, entry ``p`` of shape ``(n_actions[p],)``.
    """
    game = _normal_form(game)
    if isinstance(strategies, np.ndarray) and strategies.ndim != 1:
        strategies = list(strategies)
    if len(strategies) != game.n_players:
        raise ValidationError(f"strategies: expected {game.n_players} strategies, got {len(strategies)}")
    return [_one_strategy(f"strategies[{p}]", s, k) for p, (s, k) in enumerate(zip(strategies, game.n_actions))]


def _one_strategy(field: str, strategy, n_actions: int) -> np.ndarray:
    if isinstance(strategy, (bool, np.bool_)):
        raise ValidationError(f"{field}: expected an action index or a probability vector, got {strategy!r}")
    if isinstance(strategy, (int, np.integer)):
        if not 0 <= strategy < n_actions:
            raise ValidationError(f"{field}: action {strategy} out of range 0..{n_actions - 1}")
        vector = np.zeros(n_actions)
        vector[int(strategy)] = 1.0
        return vector
    return probability_vector(field, strategy, size=n_actions)


def pure_actions(field: str, actions: Sequence[int], n_actions: Sequence[int]) -> tuple[int, ...]:
    """Validate a pure action profile: one int per player, ``actions[p]`` in ``0..n_actions[p]-1``."""
    return index_tuple(field, actions, n_actions, "action")


def _player(game: NormalFormGame, player) -> int:
    if isinstance(player, bool) or not isinstance(player, (int, np.integer)) or not 0 <= player < game.n_players:
        raise ValidationError(f"player: expected an index in 0..{game.n_players - 1}, got {player!r}")
    return int(player)


def deviation_values(game: NormalFormGame, strategies, player: int) -> np.ndarray:
    """``(n_actions[player],)``: ``u_i(a_i, σ_{-i})`` for each pure action ``a_i`` of ``player``."""
    game = _normal_form(game)
    return game.deviation_payoffs(mixed_strategies(game, strategies), _player(game, player))


def best_response_set(game: NormalFormGame, strategies, player: int, tol: float = DEFAULT_TOL) -> tuple[int, ...]:
    """Pure best responses of ``player``: actions within ``tol`` of the best deviation payoff.

    Args:
        game: normal-form game with payoffs ``(n_players, *n_actions)``.
        strategies: the others' strategies (``strategies[player]`` itself is ignored but
            must be valid).
        player: index in ``0..n_players-1``.
        tol: actions with payoff ``>= max - tol`` are included (``tol >= 0``).

    Returns:
        increasing tuple of action indices (never empty).
    """
    game = _normal_form(game)
    tol = nonnegative_scalar("tol", tol)
    player = _player(game, player)
    values = game.deviation_payoffs(mixed_strategies(game, strategies), player)
    # the regret test of delta_best_response, written the same way so the two never disagree
    # by a rounding at the boundary (values.max() - values[a] <= tol, not values[a] >= max - tol)
    return tuple(int(a) for a in np.flatnonzero(values.max() - values <= tol))


def regret(game: NormalFormGame, strategies) -> np.ndarray:
    """Per-player regret ``(n_players,)``: best pure deviation payoff minus current payoff.

    Exactly 0 for a player whose pure action is a best response (no rounding: the current
    payoff is read from the same deviation vector). Not clipped at 0; a mixed strategy can
    show ``-1e-16``-sized values from rounding.

    Example (prisoner's dilemma at mutual cooperation: each player gains 5 - 3 by defecting):
        >>> game = NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
        >>> regret(game, [0, 0]).tolist()
        [2.0, 2.0]
    """
    game = _normal_form(game)
    vectors = mixed_strategies(game, strategies)
    return np.array([_player_regret(game, vectors, p) for p in range(game.n_players)], dtype=float)


def _player_regret(game: NormalFormGame, vectors: list[np.ndarray], player: int) -> float:
    """Best pure deviation payoff of ``player`` minus its payoff under the validated ``vectors``."""
    values = game.deviation_payoffs(vectors, player)
    return float(values.max() - _current(values, vectors[player]))


def _current(values: np.ndarray, vector: np.ndarray) -> float:
    """Expected payoff ``values @ vector``; exact (no rounding) when ``vector`` is one-hot."""
    support = np.flatnonzero(vector)
    if support.size == 1 and vector[support[0]] == 1.0:
        return float(values[support[0]])
    return float(values @ vector)


def nash_conv(game: NormalFormGame, strategies) -> float:
    """NashConv: the sum of the players' regrets (0 exactly at a Nash equilibrium)."""
    return float(regret(game, strategies).sum())


def delta_best_response(game: NormalFormGame, strategies, player: int, delta: float,
                        tol: float = DEFAULT_TOL) -> bool:
    """Membership test for BR^δ_i: is ``strategies[player]`` a δ-best response to the others?

    True iff ``u_i(σ) >= max_a u_i(a, σ_{-i}) - δ - tol`` (Definition 2.3).

    Args:
        game: normal-form game.
        strategies: the full strategy profile (the candidate is ``strategies[player]``).
        player: the player ``i`` tested.
        delta: δ >= 0.
        tol: numerical slack added to δ.
    """
    game = _normal_form(game)
    delta = nonnegative_scalar("delta", delta)
    tol = nonnegative_scalar("tol", tol)
    return _player_regret(game, mixed_strategies(game, strategies), _player(game, player)) <= delta + tol


def joint_delta_best_response(game: NormalFormGame, strategies, delta, tol: float = DEFAULT_TOL) -> bool:
    """Membership test for the joint correspondence BR^δ (every player δ-best-responds).

    Args:
        game: normal-form game.
        strategies: the full strategy profile.
        delta: a scalar δ >= 0 for all players, or ``(n_players,)`` per-player values.
        tol: numerical slack.

    Returns:
        True iff the profile is a δ-Nash equilibrium (a Nash equilibrium when δ = 0).
    """
    game = _normal_form(game)
    tol = nonnegative_scalar("tol", tol)
    deltas = finite_array("delta", delta, ndim=(0, 1))
    if deltas.ndim == 1 and deltas.shape != (game.n_players,):
        raise ValidationError(f"delta: expected a scalar or shape ({game.n_players},), got {deltas.shape}")
    if np.any(deltas < 0):
        raise ValidationError(f"delta: must be >= 0, got {deltas.tolist()}")
    return bool(np.all(regret(game, strategies) <= deltas + tol))


def follower_witnesses(game: StackelbergNashGame, leader_strategy,
                       follower_actions: Sequence[int]) -> tuple[Witness, ...]:
    """Each follower's best unilateral deviation in the game induced by the commitment.

    Args:
        game: Stackelberg–Nash game ``(1 + k, m, n_1, ..., n_k)``.
        leader_strategy: ``(m,)`` mixed commitment.
        follower_actions: ``k`` pure actions.

    Returns:
        ``k`` witnesses; witness ``i`` has ``player = i + 1``, ``deviation`` the best pure
        action (the follower's own action when it is already a best response), ``value``
        its payoff and ``baseline`` the payoff of the given action.
    """
    induced = stackelberg_game(game).induced_game(leader_strategy)
    actions = pure_actions("follower_actions", follower_actions, game.n_follower_actions)
    vectors = mixed_strategies(induced, list(actions))
    witnesses = []
    for i, action in enumerate(actions):
        values = induced.deviation_payoffs(vectors, i)
        best = action if values[action] >= values.max() else int(np.argmax(values))
        witnesses.append(Witness(player=i + 1, deviation=best, value=float(values[best]),
                                 baseline=float(values[action])))
    return tuple(witnesses)


def follower_gaps(game: StackelbergNashGame, leader_strategy, follower_actions: Sequence[int]) -> np.ndarray:
    """``(k,)`` follower gaps δ̂_i: best-response value minus the value of the given action.

    The regret of each follower in the lower-level game induced by ``leader_strategy``
    (Definition 2.1), by best-response evaluation alone.
    """
    return np.array([w.gap for w in follower_witnesses(game, leader_strategy, follower_actions)])
