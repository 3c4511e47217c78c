"""``sedtheory version``: what is installed."""

from __future__ import annotations

import importlib.metadata
import importlib.util

from sedtheory.cli._app import command


@command("version")
def version() -> int:
    """Print the installed version of sedtheory and of its optional back ends."""
    print(f"sedtheory {importlib.metadata.version('sedtheory')}")
    for package in ("numpy", "scipy", "cvxpy", "sympy", "torch", "pettingzoo"):
        if importlib.util.find_spec(package) is None:
            print(f"  {package}: not installed")
        else:
            print(f"  {package}: {importlib.metadata.version(package)}")
    return 0
