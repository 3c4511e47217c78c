"""Actor-critic networks for the players (shared parameters) and the principal.

Players (Appendix A: PPO with parameter sharing): one network for all players, with the
agent id given as a one-hot input (Terry et al. 2020, "Revisiting Parameter Sharing in
Multi-Agent Deep RL"). The trunk is shared by the actor and the critic (CleanRL
``ppo_atari.py``); layers use orthogonal initialisation with gain √2, the policy head 0.01
and the value head 1 (CleanRL implementation details 2 and 6 of "The 37 Implementation
Details of PPO", Huang et al. 2022).

Principal (Appendix A: "separate, discrete, action subspaces for each tax bracket"): one
categorical head per bracket, 12 choices each (rate k/10 for k = 0..10, or keep); the joint
log-probability and entropy are sums over the heads.
"""

from __future__ import annotations

import math

import torch
from torch import nn


EMBED_WIDTH = 32
"""Width of the first (code-embedding) layer of the ``"embed"`` player network."""


def layer_init(layer: nn.Module, std: float = math.sqrt(2), bias_const: float = 0.0) -> nn.Module:
    """Orthogonal weights with gain ``std`` and constant bias (CleanRL ``layer_init``)."""
    torch.nn.init.orthogonal_(layer.weight, std)
    torch.nn.init.constant_(layer.bias, bias_const)
    return layer


class ChannelProjection(nn.Module):
    """A 1×1 convolution written as a matrix product over the channel axis, then flatten:
    ``(N, C, H, W) → (N, H·W·k)``. Cheap on CPU (the engine's observations are channels-last
    in memory, so the permute is free)."""

    def __init__(self, channels: int, k: int) -> None:
        super().__init__()
        self.proj = layer_init(nn.Linear(channels, k))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.proj(obs.permute(0, 2, 3, 1))).flatten(1)


def _trunk(kind: str, obs_shape: tuple[int, int, int], extra: int, hidden: int) -> tuple[nn.Module, int]:
    channels, height, width = obs_shape
    if kind == "mlp":
        return ChannelProjection(channels, 4), height * width * 4 + extra
    conv = nn.Sequential(
        layer_init(nn.Conv2d(channels, 16, 3)), nn.ReLU(),
        layer_init(nn.Conv2d(16, 32, 3, stride=2)), nn.ReLU(), nn.Flatten(),
    )
    with torch.no_grad():
        size = conv(torch.zeros(1, *obs_shape)).shape[1]
    return conv, size + extra


class _SumBag(torch.autograd.Function):
    """``embedding_bag(idx, weight, mode="sum")`` with a faster backward on CPU: the weight
    gradient is ``k`` calls of ``index_add_``, one per bag position, each adding the output
    gradient at that position's indices. This is the same sum as PyTorch's own embedding-bag
    backward (which costs about 3x as much here), added in another order: equal up to float
    rounding, not bit for bit (``tests/rl/test_sum_bag.py`` holds the two together)."""

    @staticmethod
    def forward(ctx, idx: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(idx)
        ctx.rows = weight.shape[0]
        return nn.functional.embedding_bag(idx, weight, mode="sum")

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (idx,) = ctx.saved_tensors
        grad_weight = grad.new_zeros(ctx.rows, grad.shape[1])
        for column in idx.t().contiguous():  # one pass per bag position: no (n·k, width) copy of grad
            grad_weight.index_add_(0, column, grad)
        return None, grad_weight


class CodeEncoder(nn.Module):
    """First layer on cell codes: exactly a linear layer on the one-hot encoding of
    (window cell, code), computed sparsely as a sum of embedding rows (``nn.EmbeddingBag`` parameters, summed by
    :class:`_SumBag`).

    ``codes (N, rows, cols)`` integer in ``[0, n_codes)`` → ``(N, hidden)``. The engine's codes
    are ``terrain * 6 + slot`` (30 values) plus 255 for an absent observer, mapped to the
    last row.
    """

    def __init__(self, n_cells: int, n_codes: int, hidden: int) -> None:
        super().__init__()
        self.n_codes = n_codes
        self.table = nn.EmbeddingBag(n_cells * n_codes, hidden, mode="sum")
        nn.init.normal_(self.table.weight, std=1.0 / math.sqrt(n_cells))
        self.bias = nn.Parameter(torch.zeros(hidden))
        self.register_buffer("offsets", torch.arange(n_cells) * n_codes, persistent=False)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        codes = codes.flatten(1).long()
        codes = torch.where(codes == 255, self.n_codes - 1, codes)
        return _SumBag.apply(codes + self.offsets, self.table.weight) + self.bias


class PlayerPolicy(nn.Module):
    """Shared actor-critic for all players.

    Args:
        obs_shape: ``(C, H, W)`` of one player's observation.
        n_players: number of players (size of the one-hot agent id).
        n_actions: size of the action set.
        hidden: hidden width.
        n_codes: code vocabulary of ``kind="embed"`` (the last row stands for code 255).
        kind: ``"embed"`` (a linear layer on the one-hot of each window cell's code, computed
            sparsely by :class:`CodeEncoder`, 32 wide, then one dense layer; the fastest on CPU; needs the
            engine's ``obs_codes``), ``"mlp"`` (1×1 channel projection to 4 channels, flatten, two dense layers; CPU-fast)
            or ``"conv"`` (two 3×3 convolutions, CleanRL-like, then two dense layers).
        n_features: length of an extra per-player feature vector (0: none). The trainer feeds the
            tax features of :func:`sedtheory.rl.principal.player_tax_features` here. ``"embed"``
            adds a linear map of it to the first layer's pre-activation; ``"mlp"`` and ``"conv"``
            concatenate it to the trunk's output.
    """

    def __init__(self, obs_shape: tuple[int, int, int], n_players: int, n_actions: int, hidden: int = 64,
                 kind: str = "mlp", n_codes: int = 32, n_features: int = 0) -> None:
        super().__init__()
        self.n_players, self.kind, self.n_features = n_players, kind, n_features
        if n_features and kind == "embed":
            self.feature_layer = layer_init(nn.Linear(n_features, EMBED_WIDTH))
        if kind == "embed":
            # first layer 32 wide (chosen when nn.EmbeddingBag's backward cost about the same for
            # 16 and 32 columns and twice as much for 64; not re-measured with the sum-bag backward)
            self.encoder = CodeEncoder(obs_shape[1] * obs_shape[2], n_codes, EMBED_WIDTH)
            self.agent = nn.Embedding(n_players, EMBED_WIDTH)
            nn.init.normal_(self.agent.weight, std=1.0 / math.sqrt(obs_shape[1] * obs_shape[2]))
            self.body = nn.Sequential(nn.Tanh(), layer_init(nn.Linear(EMBED_WIDTH, hidden)), nn.Tanh())
        else:
            self.encoder, size = _trunk(kind, tuple(obs_shape), n_players + n_features, hidden)
            self.body = nn.Sequential(layer_init(nn.Linear(size, hidden)), nn.Tanh(),
                                      layer_init(nn.Linear(hidden, hidden)), nn.Tanh())
        self.actor = layer_init(nn.Linear(hidden, n_actions), std=0.01)
        self.critic = layer_init(nn.Linear(hidden, 1), std=1.0)

    def forward(self, obs: torch.Tensor, agent_id: torch.Tensor,
                features: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits ``(N, n_actions)`` and values ``(N,)`` for ``agent_id (N,)`` int64, ``obs``
        (float ``(N, C, H, W)`` channels, or for ``kind="embed"`` integer codes ``(N, H, W)``)
        and, when ``n_features > 0``, ``features (N, n_features)`` float (required then)."""
        if self.n_features and (features is None or features.shape[-1] != self.n_features):
            got = None if features is None else tuple(features.shape)
            raise ValueError(f"features: this network reads (N, {self.n_features}) features, got {got}")
        if self.kind == "embed":
            pre = self.encoder(obs) + self.agent(agent_id)
            if self.n_features:
                pre = pre + self.feature_layer(features.float())
            hidden = self.body(pre)
        else:
            parts = [self.encoder(obs), nn.functional.one_hot(agent_id, self.n_players).float()]
            if self.n_features:
                parts.append(features.float())
            hidden = self.body(torch.cat(parts, 1))
        return self.actor(hidden), self.critic(hidden).squeeze(-1)

    def evaluate_actions(self, inputs: tuple[torch.Tensor, ...], actions: torch.Tensor):
        """``(log π(a|o), entropy, V(o))`` for PPO; ``inputs = (obs, agent_id)`` or
        ``(obs, agent_id, features)``, each ``(N, ...)``."""
        logits, value = self(*inputs)
        logp = torch.log_softmax(logits, dim=-1)
        entropy = -(logp.exp() * logp).sum(-1)
        return logp.gather(1, actions.long().unsqueeze(1)).squeeze(1), entropy, value


class PerSchedulePlayers(nn.Module):
    """One :class:`PlayerPolicy` per committed schedule, picked by the rates the players observe.

    Followers conditioned on the leader's committed schedule (Gerstgrasser & Parkes 2023, "Oracles
    & Followers") with a one-hot context and no shared parameters: network ``k`` only ever sees,
    and is only ever trained on, samples played under ``schedules[k]``, so each is the learning
    best response to its own schedule, as the outer loop's players are, while one principal
    chooses among them within one run.

    Args:
        schedules: ``K`` schedules, each ``n_brackets`` rates on the grid k/10.
        make: builds one :class:`PlayerPolicy` (called ``K`` times).

    ``forward``/``evaluate_actions`` take the inputs of :class:`PlayerPolicy`; the first
    ``n_brackets`` entries of the features are the rates in force
    (:func:`sedtheory.rl.principal.player_tax_features`), which pick the network.
    """

    def __init__(self, schedules, make) -> None:
        super().__init__()
        self.schedules = [tuple(float(r) for r in s) for s in schedules]
        self.nets = nn.ModuleList(make() for _ in self.schedules)
        first = self.nets[0]
        self.n_players, self.kind, self.n_features = first.n_players, first.kind, first.n_features
        self.n_brackets = len(self.schedules[0])
        if not self.n_features:
            raise ValueError("PerSchedulePlayers: the networks must read the tax features (n_features > 0)")
        keys = [self._key_of(torch.tensor([s])) for s in self.schedules]
        self.register_buffer("keys", torch.cat(keys), persistent=False)

    def _key_of(self, rates: torch.Tensor) -> torch.Tensor:
        codes = torch.round(rates.double() * 10).long()
        return (codes * (11 ** torch.arange(rates.shape[-1], device=rates.device))).sum(-1)

    def network_index(self, features: torch.Tensor) -> torch.Tensor:
        """``(N,)`` index of the schedule in force for each sample of ``features (N, n_features)``.

        Raises:
            ValueError: a sample's rates are none of the schedules (off the principal's levels).
        """
        rates = features[:, :self.n_brackets].float()
        match = self._key_of(rates).unsqueeze(1) == self.keys.unsqueeze(0)
        known = match.any(1)
        if not bool(known.all()):
            bad = tuple(round(float(r), 3) for r in rates[~known][0])
            raise ValueError(f"players: no network for the schedule {bad}; these players were trained per "
                             f"schedule on {len(self.schedules)} schedules (the principal's levels)")
        return match.float().argmax(1)

    def forward(self, obs: torch.Tensor, agent_id: torch.Tensor,
                features: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """As :meth:`PlayerPolicy.forward`; each sample goes through its schedule's network."""
        if features is None:
            raise ValueError("features: per-schedule players read the rates in force; got None")
        if len(features) == 0:
            return self.nets[0](obs, agent_id, features)
        index = self.network_index(features)
        logits = values = None
        for k in torch.unique(index).tolist():
            rows = (index == k).nonzero().squeeze(1)
            part_logits, part_values = self.nets[k](obs[rows], agent_id[rows], features[rows])
            if logits is None:
                logits = part_logits.new_zeros((len(index),) + part_logits.shape[1:])
                values = part_values.new_zeros(len(index))
            logits = logits.index_copy(0, rows, part_logits)
            values = values.index_copy(0, rows, part_values)
        return logits, values

    evaluate_actions = PlayerPolicy.evaluate_actions


MASKED_LOGIT = -1e9
"""Logit of a masked choice: finite, so the entropy sum stays 0 · (−1e9) = 0, never NaN."""


class PrincipalPolicy(nn.Module):
    """Principal actor-critic: full-map channels plus a feature vector, one head per bracket.

    Args:
        map_shape: ``(C_p, H, W)`` of the principal's map observation.
        n_features: length of the feature vector (period incomes, η, rate cap, time, current rates).
        n_brackets: number of tax brackets (one categorical head each).
        n_choices: choices per head (12: rate k/10 for k = 0..10, or keep).
        hidden: hidden width.
        choice_mask: ``(n_choices,)`` or ``(n_brackets, n_choices)`` bool, the choices this
            principal may ever make (its rate levels, :func:`sedtheory.rl.principal.choice_mask`);
            None: all. Applied in every forward pass, with the per-call ``allowed`` mask, so training
            and evaluation agree. Not part of the state dict (it comes from the run's config).
        flat: bracket 0's choice sets every bracket (read by the callers of
            :func:`sedtheory.rl.principal.apply_choices`); the mask then lets the other heads only keep.
    """

    def __init__(self, map_shape: tuple[int, int, int], n_features: int, n_brackets: int, n_choices: int,
                 hidden: int = 64, choice_mask: torch.Tensor | None = None, flat: bool = False) -> None:
        super().__init__()
        channels = map_shape[0]
        self.n_brackets, self.n_choices, self.flat = n_brackets, n_choices, flat
        if choice_mask is not None and (choice_mask.shape not in ((n_choices,), (n_brackets, n_choices))
                                        or not bool(choice_mask.any(-1).all())):
            raise ValueError(f"choice_mask: expected ({n_choices},) or ({n_brackets}, {n_choices}) bool with a True "
                             f"in every head, got {tuple(choice_mask.shape)}")
        self.register_buffer("choice_mask", None if choice_mask is None else choice_mask.bool().clone(),
                             persistent=False)
        self.conv = nn.Sequential(layer_init(nn.Conv2d(channels, 8, 3, stride=2)), nn.ReLU(), nn.Flatten())
        with torch.no_grad():
            size = self.conv(torch.zeros(1, *map_shape)).shape[1]
        self.body = nn.Sequential(layer_init(nn.Linear(size + n_features, hidden)), nn.Tanh(),
                                  layer_init(nn.Linear(hidden, hidden)), nn.Tanh())
        self.actor = layer_init(nn.Linear(hidden, n_brackets * n_choices), std=0.01)
        self.critic = layer_init(nn.Linear(hidden, 1), std=1.0)

    def forward(self, map_obs: torch.Tensor, features: torch.Tensor,
                allowed: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits ``(N, n_brackets, n_choices)`` and values ``(N,)``; choices where the bool mask
        ``allowed (N, n_brackets, n_choices)`` is False get logit −1e9 (probability 0)."""
        hidden = self.body(torch.cat([self.conv(map_obs), features], dim=1))
        logits = self.actor(hidden).view(-1, self.n_brackets, self.n_choices)
        if self.choice_mask is not None:
            allowed = self.choice_mask if allowed is None else allowed & self.choice_mask
        if allowed is not None:
            logits = logits.masked_fill(~allowed, MASKED_LOGIT)
        return logits, self.critic(hidden).squeeze(-1)

    def evaluate_actions(self, inputs: tuple[torch.Tensor, ...], actions: torch.Tensor):
        """Joint ``(log π, entropy, V)``: sums over the bracket heads; ``actions (N, n_brackets)``;
        ``inputs = (map_obs, features)`` or ``(map_obs, features, allowed)``."""
        logits, value = self(*inputs)
        logp = torch.log_softmax(logits, dim=-1)
        entropy = -(logp.exp() * logp).sum(-1).sum(-1)
        chosen = logp.gather(2, actions.long().unsqueeze(2)).squeeze(2).sum(-1)
        return chosen, entropy, value


def sample_categorical(logits: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Sample from ``Categorical(logits)`` along the last axis with an explicit generator.

    Gumbel-max: argmax(logits + G), G = −log(−log U). Returns ``(actions, log-probabilities)``
    with the shape of ``logits`` minus its last axis.
    """
    uniform = torch.rand(logits.shape, generator=generator, device=logits.device).clamp_(1e-12, 1.0 - 1e-7)
    actions = torch.argmax(logits - torch.log(-torch.log(uniform)), dim=-1)
    logp = torch.log_softmax(logits, dim=-1).gather(-1, actions.unsqueeze(-1)).squeeze(-1)
    return actions, logp
