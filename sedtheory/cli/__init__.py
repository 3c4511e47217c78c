"""The ``sedtheory`` command line. Each subcommand lives in its own module of this package.

Modules register their commands with :func:`sedtheory.cli._app.command`; this list says
which modules to load. A module listed here that fails to import is an error, never skipped.
Loading happens here, above ``_app`` and the command modules, so that the generator never
imports the commands that import it (no import cycle; ``tests/test_layers.py``).
"""

from __future__ import annotations

import importlib

from sedtheory.cli import _app
from sedtheory.cli._app import CommandError, command

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


def build_parser():
    """The ``sedtheory`` argument parser with every command of :data:`COMMAND_MODULES`."""
    load_commands()
    return _app.build_parser()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sedtheory`` command (every command loaded). Returns the exit status."""
    load_commands()
    return _app.main(argv)


__all__ = ["CommandError", "build_parser", "command", "load_commands", "main"]
