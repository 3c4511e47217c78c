"""Two-level PPO training for the Apple Picking Game."""
