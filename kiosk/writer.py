"""A background thread that owns the kiosk's write connection.

The citizen's tap must be durably committed before they are thanked, but an fsync on a slow
tablet disk must not freeze the screen. So the UI hands each draft to this thread and shows the
next step when the ``done`` callback reports the commit. ``done`` runs on the writer thread:
the UI bridges it to its own thread (a queued Qt signal) and never touches widgets from here.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from kiosk.flow import SaveResult
from kiosk.storage import Draft, StorageError, Store, utc_now

log = logging.getLogger("kiosk.writer")

Job = tuple[Draft, Callable[[SaveResult], None]]


class RecordWriter:
    """Appends drafts in order on one thread; ``save`` never blocks the caller."""

    def __init__(self, path: Path | str, clock: Callable[[], datetime] = utc_now) -> None:
        self.path = Path(path)
        self._clock = clock
        self._queue: queue.Queue[Job | None] = queue.Queue()  # None: stop
        self._ready = threading.Event()
        self._open_error: StorageError | None = None
        self._thread = threading.Thread(target=self._run, name="record-writer", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._open_error is not None:
            raise self._open_error

    def save(self, draft: Draft, done: Callable[[SaveResult], None]) -> None:
        self._queue.put((draft, done))

    def close(self, timeout: float = 10) -> None:
        """Finish every queued write, then stop."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            store = Store(self.path, clock=self._clock)
        except StorageError as exc:
            self._open_error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                draft, done = item
                result: SaveResult
                try:
                    result = store.append(draft)
                except StorageError as exc:
                    result = exc
                try:
                    done(result)
                except Exception:
                    log.exception("save callback failed")
        finally:
            store.close()
