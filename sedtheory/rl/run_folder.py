"""The rules of a run folder: what a training run may write, where, and one writer at a time.

1. **A run writes only into a folder it owns.** A new run starts in a folder that does not
   exist or is empty, and writes the marker file :data:`MARKER` before anything else. A folder
   that holds anything without that marker (a user's own ``metrics.csv`` or ``summary.json``,
   say) is refused, naming what it holds: a run never replaces a file it did not write. A
   folder that holds a checkpoint is continued only by resuming it (folders written before the
   marker existed are recognised by their checkpoint).
2. **A resumed run keeps its settings.** The folder's ``config.json`` must describe the run
   being continued; only display settings (:data:`DISPLAY_FIELDS`) may differ.
3. **One process per run.** Training holds the lock file :data:`LOCK` (process id and host,
   written whole with an atomic hard link): a second process that would train the same folder
   is refused. A lock left by a process that no longer runs on this host (a crash, a
   ``kill -9``) is stale and taken over; a lock of another host cannot be checked, and the
   message says how to remove it.
4. **Stopping saves.** Ctrl-C (SIGINT) and SIGTERM (``kill``, a batch scheduler's time limit)
   both end training at the last episode-boundary checkpoint (:func:`stop_on_sigterm` turns
   SIGTERM into :class:`Terminated`, a ``KeyboardInterrupt``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import socket
import tempfile
import threading
from pathlib import Path

from sedtheory._validate import ValidationError
from sedtheory.rl.checkpoint import CHECKPOINT, CONFIG, SUMMARY, load_json, save_json
from sedtheory.rl.config import TrainConfig, config_from_dict, config_to_dict

MARKER = Path(".sedtheory-run")
"""Written first into every run folder: the run's files in this folder are sedtheory's own."""
LOCK = Path("run.lock")
"""Held while a process trains the run: ``{"pid": ..., "host": ...}``."""
ATTEMPT_LOCK = Path(".lock")
"""The ``flock`` file that :mod:`sedtheory.scale`'s runner holds around each attempt at a trial
(so a retried attempt waits for a cancelled one); like :data:`LOCK`, sedtheory's own."""
_LOCK_NAMES = frozenset({LOCK.name, ATTEMPT_LOCK.name})
DISPLAY_FIELDS = ("progress",)
"""Config fields that change nothing but the display: a resumed run may set them anew."""


def is_finished(run_dir: Path | str) -> bool:
    """Whether ``run_dir`` holds a completed run (``summary.json`` with ``completed: true``).

    An unreadable or missing summary means "not finished" (the run is resumed, not skipped).
    """
    path = Path(run_dir) / SUMMARY
    if not path.exists():
        return False
    try:
        return bool(load_json(path).get("completed"))
    except (OSError, ValueError):
        return False


def _require_folder(run_dir: Path, field: str) -> None:
    if run_dir.exists() and not run_dir.is_dir():
        raise ValidationError(f"{field}: {run_dir} is a file, not a folder")


def _listing(run_dir: Path, limit: int = 4) -> str:
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in run_dir.iterdir())
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def owns(run_dir: Path) -> bool:
    """True when ``run_dir`` is a run folder sedtheory wrote (its marker, or a checkpoint of an older version)."""
    run_dir = Path(run_dir)
    return (run_dir / MARKER).is_file() or (run_dir / CHECKPOINT).is_file()


def check_new_run(run_dir: Path, config: TrainConfig) -> None:
    """Refuse to start ``config`` in ``run_dir`` unless the folder is new, empty, or the same run's
    own folder holding no checkpoint yet (a start that stopped before its first checkpoint).
    Reads only; writes nothing.

    Raises:
        ValidationError: ``run_dir`` is a file, holds files sedtheory did not write, already
            holds a run, or holds another run's config.
    """
    run_dir = Path(run_dir)
    _require_folder(run_dir, "run_dir")
    if not run_dir.exists() or not any(p.name not in _LOCK_NAMES for p in run_dir.iterdir()):
        return
    if not owns(run_dir):
        raise ValidationError(f"run_dir: {run_dir} holds files sedtheory did not write ({_listing(run_dir)}); "
                              "a run never replaces them: pick a new or empty folder")
    check_same_config(run_dir, config)
    if (run_dir / CHECKPOINT).exists():
        raise ValidationError(f"run_dir: {run_dir} already holds a run; continue it with --resume {run_dir} "
                              "or pick a new folder")


def check_same_config(run_dir: Path, config: TrainConfig) -> None:
    """The folder's ``config.json`` (when there is one) must describe ``config`` (up to :data:`DISPLAY_FIELDS`)."""
    path = Path(run_dir) / CONFIG
    if not path.exists():
        return
    stored = config_from_dict(load_json(path))
    display = {name: getattr(config, name) for name in DISPLAY_FIELDS}
    if dataclasses.replace(stored, **display) != config:
        raise ValidationError(f"run_dir: {run_dir} holds a run with another config; resume it or pick a new folder")


def claim(run_dir: Path, config: TrainConfig) -> None:
    """Make ``run_dir`` this run's folder: create it, write :data:`MARKER`, then ``config.json``."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if not (run_dir / MARKER).exists():
        save_json(run_dir / MARKER, {"written_by": "sedtheory", "note": "the run files in this folder are sedtheory's"})
    save_json(run_dir / CONFIG, config_to_dict(config))


# ---------------------------------------------------------------------------- the lock
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # it exists, owned by someone else
        return True
    except OSError:
        return True
    return True


def _holder(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int) or not isinstance(data.get("host"), str):
        return None
    return data


def _stale(holder: dict) -> bool:
    return holder["host"] == socket.gethostname() and holder["pid"] != os.getpid() and not _alive(holder["pid"])


@contextlib.contextmanager
def locked(run_dir: Path):
    """Hold ``run_dir``'s lock file while the body runs (rule 3; creates the folder).

    Raises:
        ValidationError: another live process holds the lock (or a lock that cannot be read or
            checked is there); the message names the process and the lock file.
    """
    run_dir = Path(run_dir)
    _require_folder(run_dir, "run_dir")
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / LOCK
    mine = {"pid": os.getpid(), "host": socket.gethostname()}
    handle, tmp = tempfile.mkstemp(dir=run_dir, prefix=".run.lock.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(mine, stream)
        for _ in range(2):
            try:
                os.link(tmp, path)   # atomic, fails when the lock exists: the lock is never half written
                break
            except FileExistsError:
                holder = _holder(path)
                if holder is not None and _stale(holder):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(path)
                    continue
                who = (f"process {holder['pid']} on {holder['host']}" if holder is not None
                       else "a lock file that cannot be read")
                raise ValidationError(
                    f"run_dir: {run_dir} is being trained by {who} (lock file {path}); one run cannot be trained by "
                    "two processes at once. If no such process is running, delete the lock file") from None
        else:
            raise ValidationError(f"run_dir: could not take the lock {path}; try again")
    finally:
        os.unlink(tmp)
    try:
        yield
    finally:
        if _holder(path) == mine:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


# ---------------------------------------------------------------------------- stopping
class Terminated(KeyboardInterrupt):
    """SIGTERM received during training; handled as Ctrl-C is (a checkpoint is saved)."""

    signal_name = "SIGTERM"


@contextlib.contextmanager
def stop_on_sigterm():
    """While the body runs, SIGTERM raises :class:`Terminated` (rule 4). Only in the main thread
    (elsewhere signal handlers cannot be set, and the body runs unchanged)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
