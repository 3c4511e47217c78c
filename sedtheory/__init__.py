"""sedtheory: Social Environment Design, theory first.

The public API is re-exported here explicitly. torch-based parts (``sedtheory.envs``,
``sedtheory.rl``) are *not* imported by this module: the theory side runs without torch.

Layers, lowest first (a module imports only from its own layer or lower ones):
games; social_choice and principal; solvers and equilibrium; envs; rl; cli.
"""

from sedtheory._validate import DEFAULT_TOL, ValidationError
from sedtheory.equilibrium.certificate import Certificate, Witness
from sedtheory.games.normal_form import NormalFormGame, StackelbergNashGame
from sedtheory.games.strategies import StrategyProfile
from sedtheory.solvers._result import SolverStatus, StackelbergResult

# --- re-exports added by each capability (keep one block per sub-package) ---

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_TOL",
    "Certificate",
    "NormalFormGame",
    "SolverStatus",
    "StackelbergNashGame",
    "StackelbergResult",
    "StrategyProfile",
    "ValidationError",
    "Witness",
]
