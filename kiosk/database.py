"""The app's way into its database: writes in order on the database thread, reads on one
long-lived read connection, and the few facts screens need kept in memory.

Why: the GUI thread must never wait for a commit (an fsync on a slow tablet disk), a lock or
a long read. So it hands every write to :class:`~kiosk.writer.RecordWriter` and goes on, reads
what the staff screens show on worker threads through :meth:`KioskDatabase.read`, and answers
"which device is this" or "is this the demo" from what was read once at start. The file is
checked (and healed if damaged, ``kiosk.salvage``, imported only then) once, here, before
anything else opens it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from common.records import Record
from kiosk import checkup
from kiosk.checkup import AUDIT_ACTION, META_NOTICE
from kiosk.errors import StorageError
from kiosk.storage import Store, forget_checked, utc_now
from kiosk.writer import RecordWriter

if TYPE_CHECKING:
    from kiosk.salvage import SalvageReport

log = logging.getLogger("kiosk.database")

T = TypeVar("T")

DB_FILE = "kiosk.db"
"""The kiosk's database, in its data folder."""


class KioskDatabase:
    """One kiosk database for the whole app: a writer thread, a read connection, start-up
    facts. Its write methods return at once; its read methods are for worker threads, tools
    and tests, and see every write handed over before them."""

    def __init__(
        self, path: Path | str, clock: Callable[[], datetime] = utc_now, *, demo: bool = False
    ) -> None:
        """``demo``: mark the database as the demo kiosk's (``kiosk --demo``)."""
        self.path = Path(path)
        self.clock = clock
        self.salvaged = _heal(self.path, clock)
        """The report of a salvage made at this start, or None."""
        self.writer = RecordWriter(self.path, clock, quick_check=False)
        try:
            self.device_id, self._demo, notice = self.writer.call(partial(_start_facts, demo=demo))
            self._reader = Store(self.path, clock, quick_check=False, read_only=True)
        except BaseException:
            self.writer.close()
            raise
        self._read_lock = threading.Lock()
        self.notice = _report(notice)
        """A salvage staff have not yet acknowledged in the panel, or None."""

    # -- writing: handed to the database thread --------------------------------------------

    def audit(self, action: str, detail: str = "") -> None:
        self.writer.audit(action, detail)

    def set_meta(self, key: str, value: str) -> None:
        self.writer.set_meta(key, value)

    def submit(
        self,
        work: Callable[[Store], Any],
        done: Callable[[Any], None] | None = None,
        what: str = "database work",
    ) -> None:
        self.writer.submit(work, done, what)

    def acknowledge_notice(self) -> None:
        """Staff saw the salvage notice: stop showing it, and say so in the audit log."""
        if self.notice is None:
            return
        self.notice = None
        self.writer.set_meta(META_NOTICE, "")
        self.writer.audit(AUDIT_ACTION, "notice acknowledged by staff")

    def last_error(self) -> StorageError | None:
        """The newest storage condition a write met, or None."""
        return self.writer.last_error

    # -- reading ---------------------------------------------------------------------------

    def read(self, work: Callable[[Store], T]) -> T:
        """``work(store)`` on the read connection; run it on a worker thread, it may take a
        while on a large database. Sees what was committed, not writes still queued."""
        with self._read_lock:
            return work(self._reader)

    def _read_after_writes(self, work: Callable[[Store], T]) -> T:
        self.writer.flush()
        return self.read(work)

    def is_demo(self) -> bool:
        return self._demo

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        return self._read_after_writes(lambda store: store.get_meta(key, default))

    def records(self) -> list[Record]:
        """Every record kept, in seq order."""
        return self._read_after_writes(lambda store: store.records())

    def pending_count(self) -> int:
        return self._read_after_writes(Store.pending_count)

    def audit_log(self) -> list[tuple[str, str, str]]:
        return self._read_after_writes(Store.audit_log)

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Finish every queued write, then close both connections."""
        self.writer.close()
        with self._read_lock:
            self._reader.close()
        forget_checked(self.path)


def _heal(path: Path, clock: Callable[[], datetime]) -> SalvageReport | None:
    """The salvage's report if the file had to be healed; its code is imported only then."""
    found = checkup.look(path)
    if found is None:
        return None
    from kiosk.salvage import heal

    return heal(path, clock, None if found == checkup.CUT_OFF else found)


def _report(notice: str | None) -> SalvageReport | None:
    """The salvage notice kept in the file, if there is one (seldom: see :func:`_heal`)."""
    if not notice:
        return None
    from kiosk.salvage import SalvageReport

    return SalvageReport.from_json(notice)


def _start_facts(store: Store, demo: bool) -> tuple[str, bool, str | None]:
    if demo and not store.is_demo():
        store.mark_demo()
    return store.device_id, store.is_demo(), store.get_meta(META_NOTICE)


class Opening:
    """A :class:`KioskDatabase` opened on a thread of its own, started before the kiosk loads
    its UI: the check (``quick_check`` reads the whole file, long on a tablet holding months of
    ratings) and the opening run while Qt and the screens are imported (SQLite works without
    holding Python's lock), and the GUI thread waits only for what is left, if anything.
    :meth:`result` raises what opening raised, where the kiosk would have met it."""

    def __init__(
        self, path: Path | str, clock: Callable[[], datetime] = utc_now, *, demo: bool = False
    ) -> None:
        self._database: KioskDatabase | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._open, args=(Path(path), clock, demo), name="database-open", daemon=True
        )
        self._thread.start()

    def _open(self, path: Path, clock: Callable[[], datetime], demo: bool) -> None:
        try:
            self._database = KioskDatabase(path, clock, demo=demo)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            self._error = exc

    def result(self) -> KioskDatabase:
        """The open database, once it is; or the error that kept it from opening."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._database is not None
        return self._database
