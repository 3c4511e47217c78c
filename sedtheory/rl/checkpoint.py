"""Atomic, checksummed run files.

A run folder (rules in :mod:`sedtheory.rl.run_folder`) holds ``config.json``, ``metrics.csv``,
``tb/`` (TensorBoard), ``checkpoints/last.pt`` and, at the end, ``policies.pt`` and
``summary.json``. Files are written atomically: to a temporary file in the same folder, flushed
and fsynced, then ``os.replace``d over the target, so a crash leaves either the old file or the
new one, never half of one.

Torch files carry a checksum: the file is one header line
``SEDTHEORY-CHECKPOINT 1 sha256=<64 hex digits> bytes=<length>`` followed by the bytes of
``torch.save``; :func:`load_torch` recomputes the SHA-256 of those bytes before unpickling
anything and refuses a file whose digest or length differs (a flipped byte, a truncated copy).
Files written before checksums existed (plain ``torch.save`` zip files) are still read, without
that check. Every failure to read a run file is a :class:`~sedtheory._validate.ValidationError`
naming the file and what is wrong with it (empty, truncated, damaged, not a checkpoint, not
JSON), never a traceback from the unpickler.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import torch

from sedtheory._validate import ValidationError

CHECKPOINT = Path("checkpoints") / "last.pt"
POLICIES = Path("policies.pt")
CONFIG = Path("config.json")
METRICS = Path("metrics.csv")
SUMMARY = Path("summary.json")

MAGIC = b"SEDTHEORY-CHECKPOINT 1 "
_HEADER = re.compile(rb"SEDTHEORY-CHECKPOINT 1 sha256=([0-9a-f]{64}) bytes=([0-9]+)\n")
_HEADER_MAX = 160   # bytes: longer than any header line


def atomic_write_bytes(path: Path, write) -> None:
    """Call ``write(fileobj)`` on a temporary file next to ``path``, then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, 0o644)   # mkstemp makes it private (0600); a run file is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_torch(path: Path, payload: dict[str, Any]) -> None:
    """Atomically write ``payload`` with ``torch.save``, behind a SHA-256 header line (module docstring)."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    body = buffer.getvalue()
    header = MAGIC + f"sha256={hashlib.sha256(body).hexdigest()} bytes={len(body)}\n".encode()

    def write(stream) -> None:
        stream.write(header)
        stream.write(body)

    atomic_write_bytes(path, write)


def load_torch(path: Path) -> dict[str, Any]:
    """Load a file written by :func:`save_torch` (on the CPU), after checking its checksum.

    Numpy RNG states are part of a checkpoint, hence not a weights-only load; the checksum is
    checked before anything is unpickled.

    Raises:
        ValidationError: the file is missing, empty, truncated, damaged (checksum mismatch) or
            not a checkpoint.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"checkpoint: {path} does not exist") from None
    except IsADirectoryError:
        raise ValidationError(f"checkpoint: {path} is a folder, not a checkpoint file") from None
    if not data:
        raise ValidationError(f"checkpoint: {path} is empty (0 bytes); the run cannot continue from it")
    if data.startswith(MAGIC):
        match = _HEADER.match(data[:_HEADER_MAX])
        if match is None:
            raise ValidationError(f"checkpoint: {path} has a damaged header line")
        body = data[match.end():]
        if len(body) != int(match.group(2)):
            raise ValidationError(f"checkpoint: {path} is truncated or padded ({len(body)} bytes of data, "
                                  f"the header says {int(match.group(2))})")
        if hashlib.sha256(body).hexdigest() != match.group(1).decode():
            raise ValidationError(f"checkpoint: {path} is damaged (its SHA-256 checksum does not match: the file "
                                  "changed after it was written)")
    else:
        body = data   # a file written before checksums: plain torch.save
    try:
        payload = torch.load(io.BytesIO(body), map_location="cpu", weights_only=False)
    except Exception as exc:  # the unpickler raises many types (RuntimeError, EOFError, UnpicklingError, ...)
        detail = str(exc).splitlines()[0] if str(exc) else "no detail"
        raise ValidationError(f"checkpoint: {path} is not a readable sedtheory checkpoint "
                              f"({type(exc).__name__}: {detail})") from None
    if not isinstance(payload, dict):
        raise ValidationError(f"checkpoint: {path} holds a {type(payload).__name__}, not a sedtheory checkpoint")
    return payload


def save_json(path: Path, payload: Any) -> None:
    """Atomically write ``payload`` as indented JSON."""
    atomic_write_bytes(path, lambda stream: stream.write((json.dumps(payload, indent=2) + "\n").encode()))


def load_json(path: Path) -> Any:
    """Read a JSON file written by :func:`save_json`.

    Raises:
        ValidationError: the file is missing, empty, not UTF-8 or not valid JSON (names the file).
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ValidationError(f"{path.name}: {path} does not exist") from None
    except IsADirectoryError:
        raise ValidationError(f"{path.name}: {path} is a folder, not a JSON file") from None
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path.name}: {path} is not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise ValidationError(f"{path.name}: {path} is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{path.name}: {path} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
