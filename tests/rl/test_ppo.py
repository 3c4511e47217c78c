"""PPO solves a trivial environment: a contextual bandit whose reward is 1 when the action
equals the context (4 contexts, 4 actions). The optimum is obvious, so the check is exact:
the greedy policy must pick the context's action in every context."""

import pytest
import torch

from sedtheory.rl.networks import PlayerPolicy, sample_categorical
from sedtheory.rl.ppo import Batch, PPOSettings, ppo_update


def test_ppo_solves_contextual_bandit():
    # seeds 0-4 all reach min probability > 0.97 with these settings (checked by hand); seed 0 here
    torch.manual_seed(0)
    net = PlayerPolicy((4, 1, 1), 1, 4, hidden=16, kind="mlp")
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2, eps=1e-5)
    generator = torch.Generator().manual_seed(0)
    settings = PPOSettings(update_epochs=4, minibatch_size=64, ent_coef=0.0)
    ids = torch.zeros(128, dtype=torch.long)
    for _ in range(20):
        context = torch.randint(4, (128,), generator=generator)
        obs = torch.nn.functional.one_hot(context, 4).float().view(128, 4, 1, 1)
        with torch.no_grad():
            logits, values = net(obs, ids)
        actions, logp = sample_categorical(logits, generator)
        rewards = (actions == context).float()
        # one-step episodes: advantage = r - V, return = r
        stats = ppo_update(net, optimizer, Batch((obs, ids), actions, logp, rewards - values, rewards, values),
                           settings, generator)
    probe = torch.eye(4).view(4, 4, 1, 1)
    with torch.no_grad():
        logits, values = net(probe, torch.zeros(4, dtype=torch.long))
    assert torch.equal(logits.argmax(1), torch.arange(4))
    assert torch.softmax(logits, 1).diagonal().min() > 0.9
    assert torch.allclose(values, torch.ones(4), atol=0.2)
    assert set(stats) >= {"losses/value_loss", "losses/policy_loss", "losses/entropy", "losses/approx_kl",
                          "losses/clipfrac", "losses/old_approx_kl", "losses/explained_variance"}


def test_sample_categorical_follows_the_distribution():
    generator = torch.Generator().manual_seed(1)
    probs = torch.tensor([0.1, 0.2, 0.7])
    actions, logp = sample_categorical(probs.log().expand(20000, 3), generator)
    freq = torch.bincount(actions, minlength=3).float() / 20000
    # binomial standard error at most sqrt(0.25 / 20000) = 0.0035, so 0.015 is more than 4 of them
    assert torch.allclose(freq, probs, atol=0.015)
    assert torch.allclose(logp, probs.log()[actions])


def test_principal_heads_sum_log_probabilities():
    from sedtheory.rl.networks import PrincipalPolicy

    net = PrincipalPolicy((2, 6, 8), 5, 3, 12, hidden=8)
    maps, feats = torch.rand(4, 2, 6, 8), torch.rand(4, 5)
    actions = torch.randint(12, (4, 3))
    logp, entropy, _ = net.evaluate_actions((maps, feats), actions)
    logits, _ = net(maps, feats)
    per_head = torch.log_softmax(logits, -1)
    assert torch.allclose(logp, per_head.gather(2, actions[:, :, None]).squeeze(2).sum(1))
    assert torch.allclose(entropy, -(per_head.exp() * per_head).sum(-1).sum(-1))


def test_settings_from_config_splits_players_and_principal():
    from sedtheory.rl.config import make_config
    from sedtheory.rl.ppo import settings_from_config

    config = make_config("tiny", ent_coef=0.02, principal_ent_coef=0.03, update_epochs=3, principal_update_epochs=5,
                         principal_minibatches=4, clip_coef=0.1)
    players, principal = settings_from_config(config), settings_from_config(config, principal=True, decisions=10)
    assert (players.ent_coef, players.update_epochs, players.minibatch_size) == (0.02, 3, config.minibatch_size)
    assert (principal.ent_coef, principal.update_epochs, principal.minibatch_size) == (0.03, 5, 10 // 4)
    assert players.clip_coef == principal.clip_coef == 0.1


class _FixedOutputs(torch.nn.Module):
    """evaluate_actions returns given log-probabilities and values (no network)."""

    def __init__(self, logp, values):
        super().__init__()
        self.logp, self.values = torch.nn.Parameter(logp), torch.nn.Parameter(values)

    def evaluate_actions(self, inputs, actions):
        index = inputs[0]
        return self.logp[index], torch.zeros(index.shape[0]), self.values[index]


def test_clipped_surrogate_and_clipped_value_loss_by_hand():
    # PPO eq. 7 (Schulman et al. 2017) and CleanRL's clipped value loss, clip 0.2, no normalisation.
    # ratios 1.5, 0.5, 1.1 with advantages 1, -1, 2:
    #   max(-A r, -A clip(r)) = max(-1.5, -1.2), max(0.5, 0.8), max(-2.2, -2.2) -> mean (-1.2 + 0.8 - 2.2) / 3
    # new values 1.0, -0.1, 0.5 from old 0 with returns 0.5: clipped values 0.2, -0.1, 0.2;
    #   max of squared errors (0.25 | 0.09), (0.36 | 0.36), (0 | 0.09) -> 0.5 * (0.25 + 0.36 + 0.09) / 3
    from sedtheory.rl.ppo import _minibatch_loss

    ratios = torch.tensor([1.5, 0.5, 1.1], dtype=torch.float64)
    net = _FixedOutputs(ratios.log(), torch.tensor([1.0, -0.1, 0.5], dtype=torch.float64))
    zeros = torch.zeros(3, dtype=torch.float64)
    batch = Batch((torch.arange(3),), torch.zeros(3), zeros, torch.tensor([1.0, -1.0, 2.0], dtype=torch.float64),
                  torch.full((3,), 0.5, dtype=torch.float64), zeros)
    settings = PPOSettings(norm_adv=False, ent_coef=0.0, vf_coef=0.5)
    loss, stats = _minibatch_loss(net, batch, torch.arange(3), settings)
    assert float(stats["policy_loss"]) == pytest.approx((-1.2 + 0.8 - 2.2) / 3)
    assert float(stats["value_loss"]) == pytest.approx(0.5 * (0.25 + 0.36 + 0.09) / 3)
    assert float(stats["clipfrac"]) == pytest.approx(2 / 3)
    assert float(stats["approx_kl"]) == pytest.approx(float(((ratios - 1) - ratios.log()).mean()))
    assert float(loss.detach()) == pytest.approx((-1.2 + 0.8 - 2.2) / 3 + 0.5 * 0.5 * (0.25 + 0.36 + 0.09) / 3)
    # without value clipping the plain squared error counts
    _, stats = _minibatch_loss(net, batch, torch.arange(3), PPOSettings(norm_adv=False, clip_vloss=False))
    assert float(stats["value_loss"]) == pytest.approx(0.5 * (0.25 + 0.36 + 0.0) / 3)


def test_advantages_are_normalised_per_minibatch():
    # with normalisation, scaling and shifting the advantages changes nothing
    from sedtheory.rl.ppo import _minibatch_loss

    net = _FixedOutputs(torch.tensor([0.3, -0.2, 0.1, 0.0]), torch.zeros(4))
    zeros = torch.zeros(4)
    advantages = torch.tensor([1.0, -2.0, 0.5, 3.0])
    losses = []
    for adv in (advantages, 10 * advantages + 7):
        batch = Batch((torch.arange(4),), zeros, zeros, adv, zeros, zeros)
        losses.append(float(_minibatch_loss(net, batch, torch.arange(4), PPOSettings())[1]["policy_loss"]))
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)


@pytest.mark.parametrize("kind", ["embed", "mlp"])
def test_ppo_learns_from_the_feature_vector(kind):
    """The same bandit with the context only in the extra feature vector (the observation is
    constant): the network must route the features through both trunks."""
    torch.manual_seed(0)
    net = PlayerPolicy((4, 1, 1), 1, 4, hidden=16, kind=kind, n_features=4)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2, eps=1e-5)
    generator = torch.Generator().manual_seed(0)
    settings = PPOSettings(update_epochs=4, minibatch_size=64, ent_coef=0.0)
    ids = torch.zeros(128, dtype=torch.long)
    obs = torch.zeros(128, 1, 1, dtype=torch.uint8) if kind == "embed" else torch.zeros(128, 4, 1, 1)
    for _ in range(30):
        context = torch.randint(4, (128,), generator=generator)
        feats = torch.nn.functional.one_hot(context, 4).float()
        with torch.no_grad():
            logits, values = net(obs, ids, feats)
        actions, logp = sample_categorical(logits, generator)
        rewards = (actions == context).float()
        ppo_update(net, optimizer, Batch((obs, ids, feats), actions, logp, rewards - values, rewards, values),
                   settings, generator)
    with torch.no_grad():
        logits, _ = net(obs[:4], ids[:4], torch.eye(4))
    assert torch.equal(logits.argmax(1), torch.arange(4))
    with pytest.raises(ValueError, match=r"features: this network reads \(N, 4\) features, got None"):
        net(obs[:4], ids[:4])
