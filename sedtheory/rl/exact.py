"""Grade a PPO-trained profile exactly on the tabular twin of a tiny Apple map.

The tabular twin (:func:`sedtheory.envs.apple.tabular.tabular_model`) writes the tiny game's
transitions and expected rewards out exactly (a tax only with ``tax_period = 1``: it does not
record period income). A
player network trained by :class:`~sedtheory.rl.trainer.Trainer` on the same map reads the
engine's observation codes, so its reactive policy π_i(a | o) can be tabulated on every
observation of the twin. Each player's policy is then lifted to the states
(π_i(a | s) = π_i(a | o_i(s))) and graded in the *fully observed* discounted game by the exact
Markov best response (policy iteration, :func:`sedtheory.equilibrium.markov.markov_follower_gaps`):

    δ_i^full = max over state-based policies u_i(π'_i, π_-i) − u_i(π)  ≥  δ_i over reactive policies,

because every reactive deviation is also a state-based one. A small δ^full therefore bounds the
learned profile's exact gap from above. (The exact best response over reactive policies would
need branch-and-bound over A^|Ω| policies — 7^184 on the corridor — which the solver refuses.)
"""

from __future__ import annotations

import numpy as np
import torch

from sedtheory._validate import ValidationError, finite_array
from sedtheory.envs.apple import reference
from sedtheory.envs.apple.tabular import reference_state, tabular_model
from sedtheory.equilibrium.certificate import Certificate
from sedtheory.equilibrium.markov import markov_follower_gaps
from sedtheory.games.markov import POMG
from sedtheory.games.strategies import StrategyProfile
from sedtheory.rl.principal import player_feature_size, player_tax_features
from sedtheory.evaluation.markov_evaluation import evaluate


def observation_windows(model, player: int) -> np.ndarray:
    """``(O_i, rows, cols)`` uint8: the code window behind each observation index of ``player``.

    Recomputes every state's window with the reference implementation and checks that states
    sharing an observation index share the window (raises ``RuntimeError`` otherwise).
    """

    kernel = np.asarray(model.observations[player])
    windows = np.full((kernel.shape[1],) + tuple(model.params.window_shape), 255, dtype=np.int64)
    seen = np.zeros(kernel.shape[1], dtype=bool)
    for s, (cells, facings, live) in enumerate(model.states):
        codes = reference.observe_codes(model.params, reference_state(model.params, cells, facings, live))[player]
        o = int(np.argmax(kernel[s]))
        if seen[o] and not np.array_equal(windows[o], codes):
            raise RuntimeError(f"observation {o} of player {player} stands for two different windows")
        windows[o], seen[o] = codes, True
    return windows.astype(np.uint8)


def twin_features(players, params, tax_rates=None) -> torch.Tensor | None:
    """The tax features a network reads on the twin, one ``(F,)`` vector for every observation,
    or None for a network that reads none.

    The twin records neither period income nor the step within a period, so the features are a
    function of its state only with ``tax_period = 1``: then the bracket fill and the period
    phase are 0 at every decision and the vector is ``(rates, 0…, 0)``
    (:func:`sedtheory.rl.principal.player_tax_features`).

    Raises:
        ValidationError: the network reads features and ``params.tax_period != 1``.
    """

    if not getattr(players, "n_features", 0):
        return None
    if params.tax_period != 1:
        raise ValidationError(
            f"players: the network reads tax features (bracket fill, period phase) that the tabular twin tracks only "
            f"with tax_period=1, got tax_period={params.tax_period}; train with player_tax_features=False to grade it")
    if players.n_features != player_feature_size(params.n_brackets):
        raise ValidationError(
            f"players: the network reads {players.n_features} features; the tabular twin tracks the "
            f"{player_feature_size(params.n_brackets)} tax features (rates, bracket fill, period phase) but not the "
            "episode phase (its states carry no clock); train with player_episode_phase=False to grade it")
    rates = np.zeros(params.n_brackets) if tax_rates is None else finite_array(
        "tax_rates", tax_rates, shape=(params.n_brackets,))
    rates = torch.tensor(np.array(rates), dtype=torch.float32).view(1, -1)
    return player_tax_features(rates, torch.zeros(1, 1), 0, 1, params.tax_thresholds)[0, 0]


def tabulate_policy(players, model, tax_rates=None) -> list[np.ndarray]:
    """``[(O_i, A) action probabilities]``: the shared network evaluated on each player's windows
    (with the tax features of :func:`twin_features` under ``tax_rates`` if it reads them)."""
    tables = []
    features = twin_features(players, model.params, tax_rates)
    with torch.no_grad():
        for i in range(model.params.n_players):
            codes = torch.as_tensor(observation_windows(model, i))
            rows = None if features is None else features.expand(codes.shape[0], -1)
            logits, _ = players(codes, torch.full((codes.shape[0],), i, dtype=torch.long), rows)
            tables.append(torch.softmax(logits.double(), dim=-1).numpy())
    return tables


def lift_to_states(model, tables: list[np.ndarray]) -> StrategyProfile:
    """State-based profile π_i(a | s) = π_i(a | o_i(s)) for the fully observed twin."""
    return StrategyProfile(tuple(np.asarray(model.observations[i]) @ table for i, table in enumerate(tables)))


def exact_gaps_on_twin(players, params, selfishness, trust, *, gamma: float = 0.99,
                       max_state_actions: int = 200_000, tax_rates=None) -> dict:
    """Exact state-based best-response gaps of the learned profile, and of uniform random play,
    in the twin with the flat rates ``tax_rates`` (default: no tax; a tax needs ``tax_period=1``).

    Returns:
        ``{"certificate": Certificate (exact, δ̂ = δ^full), "values": (n,) learned values from μ0,
        "random_gaps": (n,), "random_values": (n,)}``.
    """

    model = tabular_model(params, selfishness, trust, max_state_actions, tax_rates)
    pomg = POMG(model.transitions, model.rewards, None, gamma=gamma, initial_distribution=model.initial_distribution)
    learned = lift_to_states(model, tabulate_policy(players, model, tax_rates))
    uniform = StrategyProfile(tuple(np.full((len(model.states), params.n_actions), 1.0 / params.n_actions)
                                    for _ in range(params.n_players)))
    gaps, witnesses = markov_follower_gaps(pomg, learned)
    tax = "no tax" if tax_rates is None else f"flat tax {np.asarray(tax_rates).tolist()}"
    random_gaps, _ = markov_follower_gaps(pomg, uniform)
    certificate = Certificate(
        epsilon_hat=None, delta_hat=gaps, epsilon=0.0, delta=float(max(gaps.max(), 0.0)), holds=True,
        follower_witnesses=witnesses, estimated=False,
        notes=("deviations over state-based policies of the fully observed twin (policy iteration): "
               "an upper bound on the gap over reactive policies", f"gamma={gamma}, {tax}"))
    return {"certificate": certificate, "values": evaluate(pomg, learned), "random_gaps": random_gaps,
            "random_values": evaluate(pomg, uniform)}
