"""All pure Nash equilibria of a finite normal-form game, by vectorised enumeration.

Algorithm: a pure profile ``a`` is a Nash equilibrium iff for every player ``p``,
``u_p(a) >= max_b u_p(b, a_{-p}) - tol`` (Nash 1951; see e.g. Shoham & Leyton-Brown,
*Multiagent Systems*, 2009, Definition 3.3.4). The maximum over each player's own axis of the
payoff tensor is taken once, so the whole check is one pass over ``(n_players, *n_actions)``.
"""

from __future__ import annotations

import numpy as np

from sedtheory._validate import DEFAULT_TOL, ValidationError, nonnegative_scalar
from sedtheory.games.markov import POMG
from sedtheory.games.normal_form import NormalFormGame


def pure_best_response_mask(payoffs: np.ndarray, tol=DEFAULT_TOL) -> np.ndarray:
    """Boolean ``(*n_actions)``: profiles where every player's action is a best response within ``tol``.

    Args:
        payoffs: ``(n_players, *n_actions)`` payoff tensor.
        tol: a player's action counts as a best response when it is within ``tol`` of the best;
            a scalar, or ``(n_players,)`` one slack per player.
    """
    slack = np.broadcast_to(np.asarray(tol, dtype=float), (payoffs.shape[0],))
    mask = np.ones(payoffs.shape[1:], dtype=bool)
    for player in range(payoffs.shape[0]):
        own = payoffs[player]
        mask &= own >= own.max(axis=player, keepdims=True) - slack[player]
    return mask


def pure_nash_equilibria(game, *args, **kwargs):
    """All pure Nash equilibria: of a :class:`NormalFormGame` here, of a POMG in :mod:`.markov_nash`.

    ``pure_nash_equilibria(game: NormalFormGame, tol=DEFAULT_TOL)`` is
    :func:`normal_form_pure_nash_equilibria`; a :class:`~sedtheory.games.markov.POMG` is passed
    on, with all arguments, to :func:`sedtheory.solvers.markov_nash.pure_nash_equilibria`.

    Raises:
        ValidationError: ``game`` is neither a ``NormalFormGame`` nor a ``POMG``.
    """
    if isinstance(game, NormalFormGame):
        return normal_form_pure_nash_equilibria(game, *args, **kwargs)
    if not isinstance(game, POMG):
        raise ValidationError(f"game: expected a NormalFormGame or a POMG, got {type(game).__name__}")
    from sedtheory.solvers.markov_nash import pure_nash_equilibria as markov_pure_nash_equilibria

    return markov_pure_nash_equilibria(game, *args, **kwargs)


def normal_form_pure_nash_equilibria(game: NormalFormGame, tol: float = DEFAULT_TOL) -> list[tuple[int, ...]]:
    """Every pure Nash equilibrium of ``game``, in lexicographic order of action profiles.

    Args:
        game: a :class:`NormalFormGame` with payoffs ``(n_players, *n_actions)``.
        tol: slack allowed in each best-response inequality (``>= 0``); with ``tol = 0`` the
            comparison is exact on the stored floats.

    Returns:
        A list of action profiles, each a tuple of ``n_players`` ints (empty when the game has
        no pure equilibrium).

    Example:
        >>> coordination = NormalFormGame([[[1, 0], [0, 1]], [[1, 0], [0, 1]]])
        >>> normal_form_pure_nash_equilibria(coordination)
        [(0, 0), (1, 1)]
    """
    if not isinstance(game, NormalFormGame):
        raise ValidationError(f"game: expected a NormalFormGame, got {type(game).__name__}")
    tol = nonnegative_scalar("tol", tol)
    mask = pure_best_response_mask(game.payoffs, tol)
    return [tuple(int(a) for a in row) for row in np.argwhere(mask)]
