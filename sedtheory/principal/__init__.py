"""The principal's levers: divergences, δ-balls, reparameterisations, tax maps, problem (1)."""
