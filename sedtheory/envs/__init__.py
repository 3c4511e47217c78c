"""Environments (torch lives here and in ``sedtheory.rl`` only)."""
