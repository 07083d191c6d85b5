"""The start's look at the kiosk database: is the file sound, and was a salvage cut off?

Nearly every start finds a sound file, so this looks without the salvage's code
(``kiosk.salvage``, with its page reader and file copying), which the start then does without:
importing it was a part of the time to the first screen (docs/performance.md). The names and
facts the salvage shares with the start live here.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from kiosk.errors import StorageError, storage_errors
from kiosk.storage import mark_checked

META_NOTICE = "salvage.notice"
"""The last salvage's report (JSON) until staff acknowledge it in the panel; then empty."""
AUDIT_ACTION = "salvage"
SIDE_FILES = ("-wal", "-shm")


CUT_OFF = "a salvage was cut off"
"""What :func:`look` says when a salvage's files are left over."""


def look(path: Path) -> str | None:
    """None when the file needs nothing at start: no salvage was cut off, and the file is new
    or passes ``quick_check`` (then it is marked checked for this process). Otherwise why it
    must be healed (``kiosk.salvage.heal``): :data:`CUT_OFF`, or what ``quick_check`` found."""
    if any(leftover.exists() for leftover in (done_path(path), *partial_files(path))):
        return CUT_OFF
    if not path.exists():
        return None
    found = problem(path)
    if found is None:
        mark_checked(path)
    return found


def sound(path: Path) -> bool:
    """True when the file needs nothing at start (:func:`look`)."""
    return look(path) is None


def problem(path: Path) -> str | None:
    """None if ``path`` passes ``quick_check``; else what is wrong with it.

    The check runs on a read-only connection, which never writes the log back into a file
    that may be damaged."""
    try:
        with storage_errors(path), contextlib.closing(read_only(path)) as conn:
            rows = conn.execute("PRAGMA quick_check").fetchall()
    except StorageError as exc:
        if exc.kind == "corrupt":
            return exc.detail
        raise
    result = " ".join(" ".join(str(row[0]) for row in rows[:5]).split())
    if result == "ok":
        return None
    return result if len(result) <= 200 else result[:199] + "…"


def read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)


def done_path(path: Path) -> Path:
    """A salvaged fresh file, complete, waiting to take the damaged one's place."""
    return path.with_name(path.name + ".salvaged")


def partial_path(path: Path) -> Path:
    """A salvage's fresh file while it is being written."""
    return path.with_name(path.name + ".salvaging")


def partial_files(path: Path) -> tuple[Path, ...]:
    """The fresh file while it is being written, with its ``-wal`` and ``-shm``."""
    partial = partial_path(path)
    return (partial, *(Path(f"{partial}{side}") for side in SIDE_FILES))
