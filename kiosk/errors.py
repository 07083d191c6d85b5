"""Storage failures sorted by SQLite's own error codes.

A full disk, a damaged file, read-only storage, a busy lock or an I/O error are conditions of
the tablet that staff can act on: they become a :class:`StorageError` with a short, true
message. Anything else SQLite reports (a syntax error, a broken constraint, misuse of the
API) is a fault in the program and is raised as it is, so it is never shown to staff as a
disk problem nor hidden from the log as one.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

# Primary result codes (https://sqlite.org/rescode.html); extended codes keep them in the low
# byte, e.g. SQLITE_IOERR_WRITE is 778 = 10 | 3 << 8.
SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_NOMEM = 7
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_PROTOCOL = 15
SQLITE_NOLFS = 22
SQLITE_NOTADB = 26

KINDS_BY_CODE = {
    SQLITE_FULL: "full",
    SQLITE_CORRUPT: "corrupt",
    SQLITE_NOTADB: "corrupt",
    SQLITE_READONLY: "readonly",
    SQLITE_PERM: "readonly",
    SQLITE_BUSY: "busy",
    SQLITE_LOCKED: "busy",
    SQLITE_IOERR: "io",
    SQLITE_CANTOPEN: "io",
    SQLITE_PROTOCOL: "io",
    SQLITE_NOLFS: "io",
    SQLITE_NOMEM: "io",
}
"""The conditions of the tablet, by primary result code; every other code is a bug."""


def N_(message: str) -> str:
    """Mark a sentence for the kiosk's translation catalog; it is translated where shown."""
    return message


class StorageError(Exception):
    """A storage failure staff can act on: ``kind`` is full, corrupt, readonly, busy or io
    (or ``unexpected`` when a fault in the program stopped a write: the caller must still be
    told that nothing was saved)."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "full": N_("The tablet's storage is full."),
        "corrupt": N_("The ratings database is damaged; restart the kiosk to repair it."),
        "readonly": N_("The kiosk's storage cannot be written (read-only)."),
        "busy": N_("The ratings database is busy."),
        "io": N_("The kiosk's storage could not be read or written."),
        "unexpected": N_("A fault in the kiosk program stopped a write."),
    }
    """The one wording of each kind: logs and the sync command print it, the staff panel shows
    it translated (``ui/staff/messages.py``; the kiosk's catalog extracts this file too). A
    settings file fails with the same kinds as the database, so "full", "readonly" and "io"
    speak of the storage, not of the database."""

    def __init__(self, kind: str, path: Path | str, detail: str = "") -> None:
        self.kind = kind
        self.path = str(path)
        self.detail = detail
        super().__init__(f"{self.MESSAGES[kind]} ({self.path}: {detail})")


def storage_kind(exc: BaseException) -> str | None:
    """The condition ``exc`` reports, or None when it is a programming error."""
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(exc, sqlite3.Error) or not isinstance(code, int):
        return None  # e.g. ProgrammingError: a closed connection, a wrong parameter count
    return KINDS_BY_CODE.get(code & 0xFF)


OS_KINDS: dict[int, str] = {
    errno.ENOSPC: "full",
    errno.EDQUOT: "full",
    errno.EROFS: "readonly",
    errno.EACCES: "readonly",
    errno.EPERM: "readonly",
}
"""The tablet's conditions behind a failed write of one of the kiosk's small files."""


def os_storage_kind(exc: OSError) -> str:
    """The condition a failed file write reports (``io`` for any other error number)."""
    return OS_KINDS.get(exc.errno or 0, "io")


@contextmanager
def storage_errors(path: Path | str) -> Iterator[None]:
    """Turn SQLite's reports of the tablet's conditions into :class:`StorageError`; let
    programming errors through unchanged."""
    try:
        yield
    except sqlite3.Error as exc:
        kind = storage_kind(exc)
        if kind is None:
            raise
        raise StorageError(kind, path, str(exc)) from exc
