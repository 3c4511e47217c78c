"""Run folders and atomic checkpoints.

A run folder holds ``config.json``, ``metrics.csv``, ``tb/`` (TensorBoard), ``checkpoints/last.pt``
and, at the end, ``policies.pt`` and ``summary.json``. Files are written atomically: to a
temporary file in the same folder, flushed and fsynced, then ``os.replace``d over the target,
so a crash leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch

CHECKPOINT = Path("checkpoints") / "last.pt"
POLICIES = Path("policies.pt")
CONFIG = Path("config.json")
METRICS = Path("metrics.csv")
SUMMARY = Path("summary.json")


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
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_torch(path: Path, payload: dict[str, Any]) -> None:
    """Atomically ``torch.save`` ``payload`` to ``path``."""
    atomic_write_bytes(path, lambda stream: torch.save(payload, stream))


def load_torch(path: Path) -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_torch` (numpy RNG states included, hence not weights-only)."""
    return torch.load(Path(path), map_location="cpu", weights_only=False)


def save_json(path: Path, payload: Any) -> None:
    """Atomically write ``payload`` as indented JSON."""
    atomic_write_bytes(path, lambda stream: stream.write((json.dumps(payload, indent=2) + "\n").encode()))


def load_json(path: Path) -> Any:
    """Read a JSON file written by :func:`save_json`."""
    with open(path) as stream:
        return json.load(stream)
