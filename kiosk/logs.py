"""The kiosk's log: ``kiosk.log`` in the data folder, capped in size, plus stderr (the journal).

A kiosk offline for months writes a retry line every few minutes; the log must never fill the
tablet's disk, so it rotates: at most ``MAX_BYTES`` per file and ``BACKUPS`` older files. And
when the disk is full the log cannot be written either: that is said once, in one line, not
with a traceback for every line that could not be written.

The rotation is done here, on a plain ``logging.FileHandler``, rather than by
``logging.handlers.RotatingFileHandler``: that module brings sockets, pickling and queues for
handlers the kiosk never uses, and importing it was a measurable part of the kiosk's start
(docs/performance.md).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

LOG_FILE = "kiosk.log"
MAX_BYTES = 1_000_000
BACKUPS = 4
"""``kiosk.log`` and ``kiosk.log.1`` … ``kiosk.log.4``: at most 5 MB in all."""
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class KioskLogHandler(logging.FileHandler):
    """A size-capped log file that reports its own write failures once, in one line."""

    def __init__(self, path: Path | str, max_bytes: int = MAX_BYTES, backups: int = BACKUPS):
        super().__init__(path, encoding="utf-8")
        self.max_bytes = max_bytes
        self.backups = backups
        self.failing = False
        """The last line could not be written."""
        self._failed_now = False
        self._rotates = os.path.isfile(self.baseFilename)
        """A device or a pipe (``/dev/full`` in a test) is written as it is, never renamed."""

    def emit(self, record: logging.LogRecord) -> None:
        self._failed_now = False
        try:
            if self._rotates and self._would_pass_cap(record):
                self._rotate()
        except Exception:  # noqa: BLE001 - a log that cannot rotate says so once, below
            self.handleError(record)
            return
        super().emit(record)
        if self.failing and not self._failed_now:
            self.failing = False
            sys.stderr.write(f"kiosk: the log file {self.baseFilename} is written again\n")

    def _would_pass_cap(self, record: logging.LogRecord) -> bool:
        if self.stream is None:
            self.stream = self._open()
        line = f"{self.format(record)}{self.terminator}".encode(self.encoding or "utf-8")
        self.stream.seek(0, os.SEEK_END)
        return self.stream.tell() > 0 and self.stream.tell() + len(line) > self.max_bytes

    def _rotate(self) -> None:
        """``kiosk.log`` becomes ``kiosk.log.1``, ``.1`` becomes ``.2`` …; the oldest goes."""
        if self.stream is not None:
            self.stream.close()
            self.stream = None  # reopened just below
        base = self.baseFilename
        for number in range(self.backups - 1, 0, -1):
            if os.path.exists(f"{base}.{number}"):
                os.replace(f"{base}.{number}", f"{base}.{number + 1}")
        if self.backups > 0:
            os.replace(base, f"{base}.1")
        self.mode = "a" if self.backups > 0 else "w"
        self.stream = self._open()

    def close(self) -> None:
        """Lines still buffered for a full disk are lost; that was said when it began."""
        try:
            super().close()
        except OSError:
            self.stream = None

    def handleError(self, record: logging.LogRecord) -> None:
        """Instead of a traceback per lost line: one line when writing starts to fail."""
        self._failed_now = True
        if self.failing:
            return
        self.failing = True
        error = sys.exc_info()[1]
        sys.stderr.write(f"kiosk: the log file {self.baseFilename} cannot be written: {error}\n")


def setup_logging(data_dir: Path, level: int = logging.INFO) -> KioskLogHandler | None:
    """Log to stderr and to ``data_dir/kiosk.log``; the file handler, or None (and stderr
    only) when the file cannot be opened."""
    stderr = logging.StreamHandler()
    handlers: list[logging.Handler] = [stderr]
    file_handler: KioskLogHandler | None = None
    try:
        file_handler = KioskLogHandler(Path(data_dir) / LOG_FILE)
        handlers.append(file_handler)
    except OSError as exc:
        sys.stderr.write(f"kiosk: no log file ({exc}); logging to stderr only\n")
    formatter = logging.Formatter(FORMAT)
    for handler in handlers:
        handler.setFormatter(formatter)
    root = logging.getLogger()
    root.setLevel(level)
    for handler in handlers:
        root.addHandler(handler)
    return file_handler
