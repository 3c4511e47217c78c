"""The ``sedtheory`` command line. Each subcommand lives in its own module of this package.

Modules register their commands with :func:`sedtheory.cli._app.command`; this list says
which modules to load. A module listed here that fails to import is an error, never skipped.
"""

from __future__ import annotations

import importlib

from sedtheory.cli._app import CommandError, build_parser, command, main

COMMAND_MODULES: tuple[str, ...] = (
    "sedtheory.cli.info",
    "sedtheory.cli.solve",
    "sedtheory.cli.demo",
    "sedtheory.cli.train",
    "sedtheory.cli.render",
    "sedtheory.cli.vote",
    "sedtheory.cli.sweep",
    "sedtheory.cli.design",
)

_loaded = False


def load_commands() -> None:
    """Import every module in :data:`COMMAND_MODULES` (once)."""
    global _loaded
    if not _loaded:
        for name in COMMAND_MODULES:
            importlib.import_module(name)
        _loaded = True


__all__ = ["CommandError", "build_parser", "command", "load_commands", "main"]
