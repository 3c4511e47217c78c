"""Reading the input files of the command line: games, POMGs and ballots (``docs/file_formats.md``).

One reader for every JSON or ``.npz`` file a command takes, so that each file kind refuses
the same mistakes with one line that names them, never a traceback and never a silent
repair:

* text that is not UTF-8, invalid JSON, or a top level that is not an object;
* a key given twice (JSON parsers keep the last one; here that is an error);
* a key the format does not know, by name and with the nearest known key (``"count"`` for
  ``"counts"`` would otherwise be ignored);
* a ``.npz`` that is not a zip archive, or that holds pickled objects.
"""

from __future__ import annotations

import difflib
import json
import zipfile
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from sedtheory.cli._app import CommandError

DESCRIPTIVE_KEYS = frozenset({"name", "description", "source"})
"""Keys every JSON input file may carry for its reader's benefit; the commands ignore them."""


def _refuse_duplicate_keys(label: str, path: Path):
    def hook(pairs: list[tuple[str, object]]) -> dict:
        data: dict = {}
        for key, value in pairs:
            if key in data:
                raise CommandError(f"{label}: key {key!r} appears twice in one object of {path}; "
                                   "give each key once")
            data[key] = value
        return data
    return hook


def read_json_object(path: Path, label: str) -> dict:
    """The top-level JSON object of ``path``, read strictly (see the module docstring).

    Args:
        path: the file; a missing file raises ``FileNotFoundError`` (one line from the CLI).
        label: the argument's name in messages, e.g. ``"GAME"`` or ``"BALLOTS"``.

    Raises:
        CommandError: not UTF-8, invalid JSON, a repeated key, or not a JSON object.
    """
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{label}: {path} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset "
                           f"{exc.start}); save it as UTF-8") from None
    try:
        data = json.loads(text, object_pairs_hook=_refuse_duplicate_keys(label, path))
    except json.JSONDecodeError as exc:
        raise CommandError(f"{label}: {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                           f"{exc.msg})") from None
    if not isinstance(data, dict):
        raise CommandError(f"{label}: expected a JSON object at the top of {path}, got {type(data).__name__}")
    return data


def read_npz(path: Path, label: str) -> dict[str, np.ndarray]:
    """The arrays of a ``.npz`` archive (written by ``numpy.savez``), without unpickling anything."""
    if not zipfile.is_zipfile(path):
        raise CommandError(f"{label}: {path} is not a .npz archive (numpy.savez writes a zip file)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except ValueError as exc:
        if "pickle" in str(exc):
            raise CommandError(f"{label}: {path} holds Python objects (pickled arrays); "
                               "save plain numeric arrays with numpy.savez") from None
        raise CommandError(f"{label}: cannot read {path} as .npz ({exc})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise CommandError(f"{label}: cannot read {path} as .npz ({exc})") from None


def refuse_unknown_keys(keys: Iterable[str], known: Iterable[str], label: str, path: Path) -> None:
    """Raise naming the first key of ``keys`` outside ``known`` (with the nearest known one)."""
    known = sorted(set(known))
    for key in keys:
        if key in known:
            continue
        nearest = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {nearest[0]!r}? " if nearest else ""
        raise CommandError(f"{label}: unknown key {key!r} in {path}; {hint}known keys: {', '.join(known)}")


def refuse_non_text_descriptions(data: Mapping, label: str) -> None:
    """The descriptive keys (name, description, source) hold text."""
    for key in DESCRIPTIVE_KEYS & set(data):
        if not isinstance(data[key], str):
            raise CommandError(f"{label}: {key!r} must be text, got {data[key]!r}")


__all__ = ["DESCRIPTIVE_KEYS", "read_json_object", "read_npz", "refuse_non_text_descriptions",
           "refuse_unknown_keys"]
