"""The PPO update (Schulman et al. 2017) with CleanRL's implementation details.

One call runs ``epochs`` passes over a flat batch in shuffled minibatches and returns the
CleanRL metrics (``losses/value_loss``, ``losses/policy_loss``, ``losses/entropy``,
``losses/old_approx_kl``, ``losses/approx_kl``, ``losses/clipfrac``,
``losses/explained_variance``). Details, numbered as in Huang et al. 2022 ("The 37
Implementation Details of PPO"): per-minibatch advantage normalisation (7), clipped surrogate
(8), clipped value loss (9), entropy bonus in the total loss (10), global gradient clipping
(11), the k3 KL estimator ``(r − 1) − log r`` for ``approx_kl`` (12, Schulman's blog "Approximating
KL Divergence"), optional early stop at ``target_kl``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass(frozen=True)
class PPOSettings:
    """Hyperparameters of one PPO update (a view of :class:`~sedtheory.rl.config.TrainConfig`)."""

    clip_coef: float = 0.2
    clip_vloss: bool = True
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    norm_adv: bool = True
    update_epochs: int = 4
    minibatch_size: int = 128
    target_kl: float = 0.0


def settings_from_config(config, principal: bool = False, decisions: int = 0,
                         ent_coef: float | None = None) -> PPOSettings:
    """The players' PPO settings of a :class:`~sedtheory.rl.config.TrainConfig`, or with
    ``principal=True`` the principal's for a batch of ``decisions`` samples (its own entropy
    coefficient and epochs, ``principal_minibatches`` minibatches). ``ent_coef`` replaces the
    config's entropy coefficient (an annealed one)."""
    shared = dict(clip_coef=config.clip_coef, clip_vloss=config.clip_vloss, vf_coef=config.vf_coef,
                  max_grad_norm=config.max_grad_norm, norm_adv=config.norm_adv, target_kl=config.target_kl)
    if principal:
        return PPOSettings(ent_coef=config.principal_ent_coef if ent_coef is None else ent_coef,
                           update_epochs=config.principal_update_epochs,
                           minibatch_size=max(1, decisions // config.principal_minibatches), **shared)
    return PPOSettings(ent_coef=config.ent_coef if ent_coef is None else ent_coef, update_epochs=config.update_epochs,
                       minibatch_size=config.minibatch_size, **shared)


@dataclass
class Batch:
    """A flat PPO batch: every tensor has the sample axis first (``N`` samples).

    Attributes:
        inputs: network inputs, e.g. ``(obs (N, C, H, W), agent_id (N,))``.
        actions: ``(N,)`` or ``(N, heads)``.
        logprobs, advantages, returns, values: ``(N,)``.
    """

    inputs: tuple[torch.Tensor, ...]
    actions: torch.Tensor
    logprobs: torch.Tensor
    advantages: torch.Tensor
    returns: torch.Tensor
    values: torch.Tensor

    def __len__(self) -> int:
        return int(self.actions.shape[0])


def _minibatch_loss(net: nn.Module, batch: Batch, index: torch.Tensor, settings: PPOSettings):
    newlogprob, entropy, newvalue = net.evaluate_actions(tuple(x[index] for x in batch.inputs), batch.actions[index])
    logratio = newlogprob - batch.logprobs[index]
    ratio = logratio.exp()
    with torch.no_grad():
        old_approx_kl = (-logratio).mean()
        approx_kl = ((ratio - 1) - logratio).mean()
        clipfrac = ((ratio - 1.0).abs() > settings.clip_coef).float().mean()
    advantages = batch.advantages[index]
    if settings.norm_adv and advantages.numel() > 1:
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    pg_loss = torch.max(-advantages * ratio,
                        -advantages * torch.clamp(ratio, 1 - settings.clip_coef, 1 + settings.clip_coef)).mean()
    returns = batch.returns[index]
    if settings.clip_vloss:
        old = batch.values[index]
        clipped = old + torch.clamp(newvalue - old, -settings.clip_coef, settings.clip_coef)
        v_loss = 0.5 * torch.max((newvalue - returns) ** 2, (clipped - returns) ** 2).mean()
    else:
        v_loss = 0.5 * ((newvalue - returns) ** 2).mean()
    entropy_loss = entropy.mean()
    loss = pg_loss - settings.ent_coef * entropy_loss + v_loss * settings.vf_coef
    stats = {"policy_loss": pg_loss.detach(), "value_loss": v_loss.detach(), "entropy": entropy_loss.detach(),
             "old_approx_kl": old_approx_kl, "approx_kl": approx_kl, "clipfrac": clipfrac}
    return loss, stats


def ppo_update(net: nn.Module, optimizer: torch.optim.Optimizer, batch: Batch, settings: PPOSettings,
               generator: torch.Generator) -> dict[str, float]:
    """Run the PPO epochs on ``batch``; returns CleanRL-named metrics of the last minibatch
    (losses) and the mean clip fraction over all minibatches.

    ``net.evaluate_actions(inputs, actions)`` must return ``(log π(a|o), entropy, V(o))``.
    Minibatch order comes from ``generator`` only (reproducible).
    """
    size = len(batch)
    minibatch = min(settings.minibatch_size, size)
    clipfracs, stats = [], {}
    for _ in range(settings.update_epochs):
        order = torch.randperm(size, generator=generator, device=batch.actions.device)
        for start in range(0, size, minibatch):
            index = order[start:start + minibatch]
            loss, stats = _minibatch_loss(net, batch, index, settings)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), settings.max_grad_norm)
            optimizer.step()
            clipfracs.append(float(stats["clipfrac"]))
        if settings.target_kl and float(stats["approx_kl"]) > settings.target_kl:
            break
    out = {f"losses/{k}": float(v) for k, v in stats.items() if k != "clipfrac"}
    out["losses/clipfrac"] = float(np.mean(clipfracs))
    out["losses/explained_variance"] = explained_variance(batch.values, batch.returns)
    return out


def explained_variance(predicted: torch.Tensor, target: torch.Tensor) -> float:
    """1 − Var[target − predicted] / Var[target] (NaN when the target is constant), CleanRL's metric."""
    y_true = target.detach().cpu().numpy().ravel()
    y_pred = predicted.detach().cpu().numpy().ravel()
    var_y = np.var(y_true)
    return float("nan") if var_y == 0 else float(1 - np.var(y_true - y_pred) / var_y)
