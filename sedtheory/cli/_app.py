"""A small CLI generator: typed functions (and frozen config dataclasses) become subcommands.

A subcommand is a plain function registered with :func:`command`::

    @command("solve stackelberg")
    def solve_stackelberg_cmd(game: Path, tol: float = 1e-7) -> int:
        '''Solve a Stackelberg–Nash game file and print the result as JSON.

        Args:
            game: path to a JSON or .npz game file.
            tol: numerical tolerance.
        '''

Positional arguments are parameters without defaults; the others become ``--options``
(``bool`` ones become ``--flag/--no-flag``). A parameter annotated with a dataclass type
expands to one option per field, with the help text taken from ``field(metadata={"help": ...})``.
Help lines come from the docstring's ``Args:`` section. User errors are raised as
:class:`CommandError` (or :class:`~sedtheory._validate.ValidationError`) and are printed as
one line ``sedtheory: error: ...`` with exit status 2, never as a traceback; so is an
``OSError`` (a file that cannot be read or written: what went wrong and the file). A command
whose back end is an optional extra checks for it first with :func:`require_extra`.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import re
import sys
import typing
from pathlib import Path
from typing import Any, Callable

from sedtheory._validate import ValidationError

_REGISTRY: dict[tuple[str, ...], Callable[..., Any]] = {}
_UNSET = object()  # argparse default of config fields, so that "given" and "left at default" differ
_GIVEN: dict[int, frozenset[str]] = {}  # id(config) -> fields given on the command line (current call)
_BUILDERS: dict[Callable[..., Any], dict[str, Callable[..., Any]]] = {}  # command -> {dataclass param: builder}


def given_fields(config) -> frozenset[str] | None:
    """Names of the fields of ``config`` given explicitly on the command line.

    ``None`` when ``config`` was not built by the CLI for the command now running (for example
    when a command function is called from Python). Lets a command tell ``--network embed``
    from "left at the default" even when both give the same value (e.g. to override a preset).
    """
    return _GIVEN.get(id(config))


class CommandError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


def require_extra(module: str, extra: str, command_name: str) -> None:
    """Raise :class:`CommandError` pointing to ``pip install 'sedtheory[extra]'`` when ``module``
    cannot be imported (a command's optional back end, such as torch for ``train``)."""
    try:
        importlib.import_module(module)
    except ImportError:
        raise CommandError(f"{command_name}: needs {module}, which is not installed; install the {extra!r} extra: "
                           f"pip install 'sedtheory[{extra}]'") from None


class Positional:
    """Marker for an *optional* positional argument: ``rule: Annotated[str | None, Positional()] = None``.

    Without it, parameters with defaults become ``--options``. A trailing underscore in a
    parameter name is dropped from its flag (``list_`` gives ``--list``).
    """


def command(name: str, build: dict[str, Callable[..., Any]] | None = None
            ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``func`` as the subcommand ``name`` (space-separated words for groups).

    ``build`` maps a dataclass parameter to ``builder(arguments, fields) -> instance``, called
    with the other parsed arguments and the fields given on the command line, instead of
    ``cls(**fields)``: a preset is applied before the fields are validated together (for
    example ``--preset tiny --total-timesteps 1200``, valid for the preset but not for the
    dataclass defaults).
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        key = tuple(name.split())
        if key in _REGISTRY and _REGISTRY[key] is not func:
            raise RuntimeError(f"CLI command {name!r} registered twice")
        _REGISTRY[key] = func
        if build:
            _BUILDERS[func] = dict(build)
        return func

    return decorate


def _docstring_parts(func: Callable[..., Any]) -> tuple[str, str, dict[str, str]]:
    doc = inspect.getdoc(func) or ""
    summary = doc.split("\n\n")[0].replace("\n", " ")
    helps: dict[str, str] = {}
    match = re.search(r"^Args:\n((?:[ \t]+.*\n?|\n)*)", doc, flags=re.MULTILINE)
    description = doc[: match.start()].strip() if match else doc.strip()
    if match:
        current = None
        for line in match.group(1).splitlines():
            item = re.match(r"^\s{2,8}(\w+)(?: \([^)]*\))?:\s*(.*)$", line)
            if item:
                current = item.group(1)
                helps[current] = item.group(2).strip()
            elif current and line.strip():
                helps[current] += " " + line.strip()
    return summary, description, helps


def _unwrap_optional(annotation):
    if typing.get_origin(annotation) in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _add_argument(parser: argparse.ArgumentParser, name: str, annotation, default, help_text: str, dest: str,
                  parser_default=None):
    positional = typing.get_origin(annotation) is typing.Annotated and any(
        isinstance(m, Positional) for m in annotation.__metadata__
    )
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    annotation, optional = _unwrap_optional(annotation)
    flag = "--" + name.rstrip("_").replace("_", "-")
    kwargs: dict[str, Any] = {"help": help_text or None, "dest": dest}
    origin = typing.get_origin(annotation)
    if annotation is bool:
        kwargs["help"] = (kwargs["help"] or "") + f" (default: {default})"
        parser.add_argument(flag, action=argparse.BooleanOptionalAction,
                            default=default if parser_default is None else parser_default, **kwargs)
        return
    if origin is typing.Literal:
        choices = typing.get_args(annotation)
        kwargs.update(choices=choices, type=type(choices[0]))
    elif origin in (tuple, list):
        inner = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        kwargs.update(nargs="+", type=inner[0] if inner else str)
    elif annotation in (int, float, str, Path):
        kwargs["type"] = annotation
    if default is inspect.Parameter.empty or positional:
        extra = {"nargs": "?", "default": default} if positional else {}
        parser.add_argument(dest, **{k: v for k, v in kwargs.items() if k != "dest"}, metavar=name.upper(), **extra)
        return
    if "choices" not in kwargs:
        kwargs["metavar"] = name.upper()  # not the dotted dest of a config field
    if default is not None and kwargs.get("help"):
        kwargs["help"] += f" (default: {default})"
    elif default is not None:
        kwargs["help"] = f"(default: {default})"
    parser.add_argument(flag, default=default if parser_default is None else parser_default, **kwargs)


def _add_dataclass(parser: argparse.ArgumentParser, param: str, cls) -> None:
    group = parser.add_argument_group(f"{cls.__name__} fields")
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else inspect.Parameter.empty
        )
        if default is inspect.Parameter.empty:
            raise RuntimeError(f"config field {cls.__name__}.{f.name} needs a default to become a CLI option")
        _add_argument(group, f.name, hints[f.name], default, f.metadata.get("help", ""), dest=f"{param}.{f.name}",
                      parser_default=_UNSET)


def _configure(parser: argparse.ArgumentParser, func: Callable[..., Any]) -> None:
    summary, description, helps = _docstring_parts(func)
    parser.description = description
    hints = typing.get_type_hints(func, include_extras=True)
    for name, param in inspect.signature(func).parameters.items():
        annotation = hints.get(name, str)
        if dataclasses.is_dataclass(annotation):
            _add_dataclass(parser, name, annotation)
        else:
            _add_argument(parser, name, annotation, param.default, helps.get(name, ""), dest=name)
    parser.set_defaults(_func=func)


def _call(func: Callable[..., Any], namespace: argparse.Namespace) -> Any:
    hints = typing.get_type_hints(func)
    values = vars(namespace)
    kwargs = {}
    for name in inspect.signature(func).parameters:
        annotation = hints.get(name, str)
        if dataclasses.is_dataclass(annotation):
            fields = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith(name + ".") and v is not _UNSET}
            fields = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
            builder = _BUILDERS.get(func, {}).get(name)
            kwargs[name] = builder(values, fields) if builder is not None else annotation(**fields)
            _GIVEN[id(kwargs[name])] = frozenset(fields)
        else:
            kwargs[name] = values[name]
    try:
        return func(**kwargs)
    finally:
        _GIVEN.clear()


def build_parser() -> argparse.ArgumentParser:
    """The ``sedtheory`` argument parser with every registered subcommand (loaded by ``sedtheory.cli``)."""
    parser = argparse.ArgumentParser(
        prog="sedtheory",
        description="Social Environment Design: exact solvers, certificates, voting and training.",
    )
    subparsers: dict[tuple[str, ...], argparse._SubParsersAction] = {(): parser.add_subparsers(title="commands", metavar="COMMAND")}
    groups: dict[tuple[str, ...], argparse.ArgumentParser] = {(): parser}
    for key in sorted(_REGISTRY):
        for depth in range(1, len(key)):
            prefix = key[:depth]
            if prefix not in groups:
                sub = subparsers[prefix[:-1]].add_parser(prefix[-1], help=f"{' '.join(prefix)} commands")
                groups[prefix] = sub
                subparsers[prefix] = sub.add_subparsers(title="commands", metavar="COMMAND")
                sub.set_defaults(_group=sub)
        func = _REGISTRY[key]
        summary, _, _ = _docstring_parts(func)
        # raw: a command's docstring keeps its line breaks (file-format examples stay readable)
        sub = subparsers[key[:-1]].add_parser(key[-1], help=summary, description=summary,
                                              formatter_class=argparse.RawDescriptionHelpFormatter)
        _configure(sub, func)
    parser.set_defaults(_group=parser)
    return parser


def _one_line(exc: Exception) -> str:
    """The message of a user error; for an ``OSError`` (a file that cannot be read or written),
    what went wrong and the file."""
    if not isinstance(exc, OSError):
        return str(exc)
    what = exc.strerror or str(exc) or type(exc).__name__
    return f"{what}: {exc.filename}" if exc.filename is not None else what


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sedtheory`` command. Returns the exit status."""
    parser = build_parser()
    namespace = parser.parse_args(argv)
    func = getattr(namespace, "_func", None)
    if func is None:
        namespace._group.print_help()
        return 2
    try:
        status = _call(func, namespace)
    except BrokenPipeError:  # e.g. `sedtheory ... | head`: the reader left; exit quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (CommandError, ValidationError, OSError) as exc:
        print(f"sedtheory: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sedtheory: interrupted", file=sys.stderr)
        return 130
    return int(status or 0)
