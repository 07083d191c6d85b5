"""The kiosk's database thread: it owns the app's one write connection.

The citizen's tap must be durably committed before they are thanked, but an fsync on a slow
tablet disk must not freeze the screen. So the UI hands every write to this thread (a rating,
an audit entry, a PIN counter, saved settings) and goes on; the ``done`` callback reports a
commit. Callbacks run on this thread: the UI bridges them to its own thread (a queued Qt
signal) and never touches widgets from here. One thread also means one writer: the app's
writes never wait for each other's locks.

Between jobs, when the queue is empty, the thread copies the write-ahead log back into the
database file (a checkpoint), so that no tap waits for one.

The thread never dies of a failed job: a storage condition (full disk, damaged file …) is
reported to the job's callback and logged in one line; a programming error is logged with its
traceback, and a save that met one is still reported as not saved.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from kiosk.errors import StorageError
from kiosk.flow import SaveResult
from kiosk.storage import Draft, Store, utc_now

log = logging.getLogger("kiosk.writer")

T = TypeVar("T")

CHECKPOINT_AFTER = 100
"""Jobs after which the thread, once it has nothing else to do, copies the write-ahead log
back into the database file. SQLite would otherwise do it inside the commit that fills the
log past 1000 pages, and the citizen whose tap that was would wait for it; about 500 pages
after 100 taps, this comes first, between citizens."""
Work = Callable[[Store], Any]
Done = Callable[[Any], None]
Job = tuple[Work, Done | None, str]
"""What to run on the thread, who to tell (with the result or the error), what it is."""


class RecordWriter:
    """Runs database work in order on one thread; nothing here blocks the caller except
    :meth:`call`, :meth:`flush` and :meth:`close`."""

    def __init__(
        self,
        path: Path | str,
        clock: Callable[[], datetime] = utc_now,
        *,
        quick_check: bool | None = None,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._quick_check = quick_check
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()  # None: stop
        """Unbounded, as a rating must never be refused; ``SimpleQueue`` hands a job over
        with less work than ``Queue``, which a tap waits for."""
        self._ready = threading.Event()
        self._open_error: StorageError | None = None
        self.last_error: StorageError | None = None
        """The newest storage condition a job met (for staff), or None."""
        self.on_error: Callable[[StorageError], None] | None = None
        """Called on this thread with each storage condition a job meets."""
        self._thread = threading.Thread(target=self._run, name="record-writer", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._open_error is not None:
            raise self._open_error

    # -- what callers hand over -------------------------------------------------------------

    def save(self, draft: Draft, done: Callable[[SaveResult], None]) -> None:
        """Append ``draft``; ``done`` gets the record, or the :class:`StorageError` that kept
        it from being saved."""
        self.submit(lambda store: store.append(draft), done, f"saving a {draft.kind}")

    def submit(self, work: Work, done: Done | None = None, what: str = "database work") -> None:
        """Run ``work(store)`` on the database thread; ``done`` (if any) gets its result, or
        the :class:`StorageError` it raised."""
        self._queue.put((work, done, what))

    def audit(self, action: str, detail: str = "") -> None:
        """Add an entry to the audit log, stamped when it is written."""
        self.submit(lambda store: store.audit(action, detail), None, f"audit entry {action!r}")

    def set_meta(self, key: str, value: str) -> None:
        self.submit(lambda store: store.set_meta(key, value), None, f"keeping {key}")

    def call(self, work: Callable[[Store], T], timeout: float = 30) -> T:
        """Run ``work(store)`` on the database thread and wait for its result, or raise what
        it raised (at start-up and for tools; never from a screen)."""
        finished = threading.Event()
        outcome: list[tuple[bool, Any]] = []

        def run(store: Store) -> None:
            try:
                outcome.append((True, work(store)))
            except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread
                outcome.append((False, exc))
            finally:
                finished.set()

        self._queue.put((run, None, "a call"))
        if not finished.wait(timeout):
            raise StorageError("busy", self.path, f"no answer within {timeout:.0f} s")
        ok, value = outcome[0]
        if not ok:
            raise value
        result: T = value
        return result

    def flush(self, timeout: float = 30) -> bool:
        """Wait until everything handed over so far is done; False on timeout."""
        finished = threading.Event()
        self._queue.put((lambda _store: None, lambda _result: finished.set(), "a flush"))
        return finished.wait(timeout)

    def close(self, timeout: float = 10) -> None:
        """Finish every queued write, then stop."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout)

    # -- the thread ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            store = Store(self.path, clock=self._clock, quick_check=self._quick_check)
        except StorageError as exc:
            self._open_error = exc
            self._ready.set()
            return
        self._ready.set()
        since_checkpoint = 0
        try:
            while (job := self._queue.get()) is not None:
                self._do(store, *job)
                since_checkpoint += 1
                if since_checkpoint >= CHECKPOINT_AFTER and self._queue.empty():
                    self._do(store, Store.checkpoint, None, "copying the log into the file")
                    since_checkpoint = 0
        finally:
            store.close()

    def _do(self, store: Store, work: Work, done: Done | None, what: str) -> None:
        result: Any
        try:
            result = work(store)
        except StorageError as exc:
            log.warning("%s failed: %s", what, exc)
            self.last_error = exc
            if self.on_error is not None:
                try:
                    self.on_error(exc)
                except Exception:
                    log.exception("the storage error callback failed")
            result = exc
        except Exception as exc:
            log.exception("%s failed because of a fault in the program", what)
            result = StorageError("unexpected", self.path, repr(exc))
        if done is None:
            return
        try:
            done(result)
        except Exception:
            log.exception("the callback after %s failed", what)
