"""PPO solves a trivial environment: a contextual bandit whose reward is 1 when the action
equals the context (4 contexts, 4 actions). The optimum is obvious, so the check is exact:
the greedy policy must pick the context's action in every context."""

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
