"""The kiosk's sync job: one run asks where the server stands, uploads, prunes, fetches the
catalog and reports a heartbeat; :meth:`SyncJob.run_forever` repeats runs with back-off.

What it guarantees (the reasons for its shape):

- Nothing lost: a record is marked synced only after the server's answer says it was stored
  (or already was). Every other outcome - network errors, timeouts, cut-off answers, crashes -
  leaves it pending, and it is sent again (:mod:`sync.outbox`, :mod:`sync.upload`).
- Nothing counted twice: a batch's key and records are saved before it is sent; a batch in
  doubt goes again under the same ``Idempotency-Key`` and the server answers ``duplicate``.
- Nothing stuck: a batch the server refuses as a whole is split until only what the server
  refuses is set aside (:mod:`sync.upload`).
- Server restored from a backup: each run compares the server's chain with the records the
  kiosk marked synced and sends again what the server lacks (:mod:`sync.server_view`).
- Pruned only when safe: synced records are deleted by sequence and by an age both the server
  and the tablet agree on (:mod:`sync.pruning`).
- Bounded memory: pending records are read one batch at a time (:mod:`sync.batching`).
- One sync per data directory: an OS file lock (:mod:`sync.lock`); a second sync reports
  "another sync is running" and does nothing.

The thread the app runs it in is :mod:`sync.background`; enrollment is :mod:`sync.enrollment`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import __version__, protocol
from common.messages import HeartbeatRequest
from common.records import Record, format_utc
from kiosk.keys import CredentialsError
from kiosk.storage import StorageError, Store
from sync.backoff import Backoff
from sync.batching import BatchPlanner
from sync.body import signed_body
from sync.catalog_fetch import CATALOG_FILE, fetch_catalog
from sync.client import AuthError, SyncClient, SyncError, TransientError
from sync.demo import DemoData, refuse_demo
from sync.heartbeat import heartbeat_report
from sync.keys import Enrollment, KioskFiles
from sync.lock import DirLock, SyncBusy
from sync.pruning import DEFAULT_RETENTION, note_confirmed, prune
from sync.report import RunReport
from sync.server_view import ServerView, confirmed_through, reconcile, remembered
from sync.status import META_STATUS, SyncStatus, saved_status, with_counts
from sync.upload import Uploader

log = logging.getLogger("sync.job")

DEFAULT_INTERVAL_S = 5 * 60.0
"""Time between syncs while everything works (new ratings wait at most this long)."""
META_CLOCK_OFFSET = "sync.clock_offset_s"


class NotEnrolled(SyncError):
    """There is no enrollment in the data directory yet."""


Sleep = Callable[[float], None]
StoreFactory = Callable[[Path], Store]


class SyncJob:
    """Sync for one data directory. Use it from one thread (it opens its own Store there).

    ``location`` is the data directory, or the path of the database file inside it.
    ``clock`` (unix seconds), ``sleep``, ``rand`` and ``store_factory`` are injectable so
    tests run the retry loop without waiting.
    """

    def __init__(
        self,
        location: Path | str,
        *,
        retention: timedelta = DEFAULT_RETENTION,
        interval_s: float = DEFAULT_INTERVAL_S,
        max_batch_records: int = protocol.MAX_BATCH_RECORDS,
        max_batch_bytes: int = protocol.MAX_BODY_BYTES,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Sleep | None = None,
        store_factory: StoreFactory | None = None,
        client_options: dict[str, Any] | None = None,
        on_status: Callable[[SyncStatus], None] | None = None,
        app_version: str = __version__,
    ) -> None:
        path = Path(location)
        if path.suffix in (".sqlite3", ".sqlite", ".db") or path.is_file():
            self.data_dir = path.parent
            db_path = path
        else:
            self.data_dir = path
            db_path = path / KioskFiles(path).db_path.name
        self.files = KioskFiles(self.data_dir)
        self.db_path = db_path
        self.retention = retention
        self.interval_s = interval_s
        self.planner = BatchPlanner(max_batch_records, max_batch_bytes)
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.sleep = sleep
        self.store_factory: StoreFactory = store_factory or (
            lambda p: Store(
                p, clock=lambda: datetime.fromtimestamp(self.clock(), UTC), wait_for_disk=False
            )
        )
        self.client_options = dict(client_options or {})
        self.on_status = on_status
        self.app_version = app_version
        self.lock = DirLock(self.data_dir)
        self._store: Store | None = None
        self._store_thread: int | None = None
        self._client: SyncClient | None = None
        self._client_key: tuple[str, str, str | None] | None = None
        self._ended = "auth"
        """Why :meth:`run_forever` stopped for good."""

    # -- resources ---------------------------------------------------------------------------

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def store(self) -> Store:
        """This thread's Store (opened on first use; a Store must stay in its thread)."""
        thread = threading.get_ident()
        if self._store is not None and self._store_thread != thread:
            # Another thread opened it: leave that connection alone and open our own.
            self._store = None
        if self._store is None:
            self._store = self.store_factory(self.db_path)
            self._store_thread = thread
        return self._store

    def close(self) -> None:
        if self._store is not None and self._store_thread == threading.get_ident():
            with contextlib.suppress(Exception):
                self._store.close()
        self._store = None
        if self._client is not None:
            self._client.close()
            self._client = None
        self.lock.release()

    def _client_for(self, enrollment: Enrollment, store: Store) -> SyncClient:
        # A re-enrollment (new key, maybe new server) always gets a new client.
        key = (enrollment.server_url, enrollment.enrolled_at, enrollment.ca_bundle)
        if self._client is None or self._client_key != key:
            if self._client is not None:
                self._client.close()
            try:
                offset = float(store.get_meta(META_CLOCK_OFFSET, "0") or 0)
            except ValueError:
                offset = 0.0
            self._client = SyncClient(
                enrollment.server_url,
                device_id=enrollment.device_id,
                private_key=self.files.private_key(),
                ca_bundle=enrollment.ca_bundle,
                clock=self.clock,
                clock_offset=offset,
                **self.client_options,
            )
            self._client_key = key
        return self._client

    # -- batches (the planner and the body live in sync.batching and sync.body) ---------------

    @property
    def max_batch_records(self) -> int:
        return self.planner.max_records

    @property
    def max_batch_bytes(self) -> int:
        return self.planner.max_bytes

    def next_batch(
        self, store: Store, after_seq: int, batch_id: str, device_id: str
    ) -> list[Record]:
        """The next pending records that fit one batch (see :class:`BatchPlanner`)."""
        return self.planner.next_batch(store, after_seq, batch_id, device_id)

    def _body(self, store: Store, batch_id: str, records: list[Record]) -> bytes:
        return signed_body(
            self.files.private_key(), store.device_id, batch_id, records, self.planner.encoded
        )

    # -- status ------------------------------------------------------------------------------

    def status(self) -> SyncStatus:
        store = self.store()
        return with_counts(store, saved_status(store))

    def _save_status(self, store: Store, status: SyncStatus) -> SyncStatus:
        status = with_counts(store, status)
        store.set_meta(META_STATUS, status.to_json())
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:
                log.exception("sync status callback failed")
        return status

    def _update_status(self, store: Store, **changes: Any) -> SyncStatus:
        return self._save_status(store, replace(saved_status(store), **changes))

    # -- one run -----------------------------------------------------------------------------

    def run_once(self) -> RunReport:
        """One full sync: server state, uploads, prune, catalog, heartbeat.

        Raises :class:`SyncBusy` if another sync holds the lock, :class:`NotEnrolled`,
        :class:`AuthError` (stop and re-enroll), :class:`TransientError` (try later),
        :class:`sync.client.PermanentError`, or :class:`StorageError`. The status is saved
        either way.
        """
        with self.lock:
            store = self.store()
            enrollment = self._enrollment(store)
            self._update_status(
                store,
                state="syncing",
                last_attempt_at=format_utc(self._now()),
                server_url=enrollment.server_url,
                kiosk_name=enrollment.kiosk_name,
                next_attempt_at=None,
            )
            previous_error = saved_status(store).last_error
            report = RunReport()
            try:
                client = self._client_for(enrollment, store)
                server_time, device_time = self._check_server_state(store, client, report)
                Uploader(
                    store, client, self.planner, self.files.private_key, report, server_time
                ).run()
                report.pruned = prune(store, self.retention, server_time, device_time)
                self._fetch_catalog(store, client, report)
                self._heartbeat(store, client, previous_error)
            except (SyncError, StorageError, CredentialsError) as exc:
                self._record_failure(store, exc)
                raise
            finally:
                self._save_clock_offset(store)
            self._update_status(
                store,
                state="ok",
                last_success_at=format_utc(self._now()),
                last_error=None,
                last_error_code=None,
                consecutive_failures=0,
                last_run_uploaded=report.uploaded,
            )
            log.info(
                "sync done: %d stored, %d duplicate, %d rejected in %d batches",
                report.stored,
                report.duplicates,
                report.rejected,
                report.batches,
            )
            return report

    def _check_server_state(
        self, store: Store, client: SyncClient, report: RunReport
    ) -> tuple[float, float]:
        """Compare the server's chain with the synced records and remember what it confirmed;
        returns (server time, tablet time) of its answer, the clocks pruning goes by."""
        state = client.sync_state()
        device_time = self.clock()
        server_time = float(state.server_time)
        view = ServerView(state.high_water_mark, state.missing)
        for key, value in remembered(view, server_time).items():
            if store.get_meta(key) != value:
                store.set_meta(key, value)
        report.resent += reconcile(store, view, server_time)
        note_confirmed(store, confirmed_through(store, view, server_time), server_time, device_time)
        return server_time, device_time

    def _enrollment(self, store: Store) -> Enrollment:
        if store.is_demo():
            self._update_status(store, state="demo", last_error=None, last_error_code=None)
            refuse_demo(store)
        try:
            enrollment = self.files.enrollment()
        except CredentialsError as exc:
            self._update_status(store, state="error", last_error=str(exc), last_error_code="files")
            raise
        if enrollment is None:
            message = "This kiosk is not enrolled with a server yet."
            self._update_status(
                store, state="not_enrolled", last_error=message, last_error_code="not_enrolled"
            )
            raise NotEnrolled(message, code="not_enrolled")
        if enrollment.device_id != store.device_id:
            message = (
                "The ratings database belongs to another device than the enrollment. "
                "Enroll the kiosk again; no rating is lost."
            )
            self._update_status(
                store, state="stopped", last_error=message, last_error_code="device_mismatch"
            )
            raise AuthError(message, code="device_mismatch")
        return enrollment

    def _record_failure(self, store: Store, exc: Exception) -> None:
        if isinstance(exc, AuthError):
            state = "stopped"
        elif isinstance(exc, TransientError):
            state = "retrying"
        else:
            state = "error"
        code = getattr(exc, "code", None) or getattr(exc, "kind", None) or "error"
        current = saved_status(store)
        try:
            self._save_status(
                store,
                replace(
                    current,
                    state=state,
                    last_error=str(exc),
                    last_error_code=str(code),
                    consecutive_failures=current.consecutive_failures + 1,
                ),
            )
        except StorageError:
            log.exception("could not save the sync status")

    def _save_clock_offset(self, store: Store) -> None:
        if self._client is None:
            return
        with contextlib.suppress(StorageError):
            store.set_meta(META_CLOCK_OFFSET, f"{self._client.clock_offset:.3f}")

    # -- catalog and heartbeat ---------------------------------------------------------------

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / CATALOG_FILE

    def _fetch_catalog(self, store: Store, client: SyncClient, report: RunReport) -> None:
        fetched = fetch_catalog(store, client, self.catalog_path)
        if fetched.error is not None:
            report.catalog_error = fetched.error
            self._update_status(store, catalog_error=fetched.error)
        elif fetched.updated:
            report.catalog_updated = True
            self._update_status(store, catalog_version=fetched.version, catalog_error=None)

    def _heartbeat(self, store: Store, client: SyncClient, last_error: str | None) -> None:
        client.heartbeat(self.heartbeat_report(store, client.clock_offset, last_error))

    def heartbeat_report(
        self, store: Store, clock_offset: float, last_error: str | None
    ) -> HeartbeatRequest:
        """This kiosk's state as a heartbeat body (see :func:`sync.heartbeat.heartbeat_report`)."""
        return heartbeat_report(
            store,
            data_dir=self.data_dir,
            app_version=self.app_version,
            clock_offset=clock_offset,
            last_error=last_error,
            now=self._now(),
        )

    # -- the loop ----------------------------------------------------------------------------

    def run_forever(self, stop: threading.Event, wake: threading.Event | None = None) -> str:
        """Sync until ``stop`` is set or the server refuses the kiosk; returns why it ended.

        After a success it waits ``interval_s``; after a temporary failure, the backoff delay
        (or the server's Retry-After). ``wake`` cuts a wait short (the "sync now" button).
        Returns ``"stopped"``, ``"auth"`` (the kiosk must be enrolled again) or ``"demo"`` (the
        demo kiosk's data, which is never synced).
        """
        try:
            while not stop.is_set():
                delay = self._one_round()
                if delay is None:
                    return self._ended
                if stop.is_set():
                    break
                self._note_next_attempt(delay)
                self._wait(delay, stop, wake)
            return "stopped"
        finally:
            self.close()

    def _one_round(self) -> float | None:
        """Run once; the delay before the next run, or None to stop for good."""
        try:
            self.run_once()
        except SyncBusy:
            log.info("another sync is running; trying later")
            return self.interval_s
        except AuthError as exc:
            log.error("sync stopped: %s", exc)
            self._ended = "auth"
            return None
        except DemoData:
            log.info("demo data: nothing is ever synced")
            self._ended = "demo"
            return None
        except NotEnrolled:
            return self.interval_s
        except TransientError as exc:
            delay = self.backoff.next_delay(exc.retry_after)
            log.warning("sync failed (%s); next try in %.0f s", exc, delay)
            return delay
        except (SyncError, StorageError, CredentialsError) as exc:
            delay = self.backoff.next_delay()
            log.error("sync failed (%s); next try in %.0f s", exc, delay)
            return delay
        except Exception:
            delay = self.backoff.next_delay()
            log.exception("unexpected sync failure; next try in %.0f s", delay)
            return delay
        self.backoff.reset()
        return self.interval_s

    def _note_next_attempt(self, delay: float) -> None:
        try:
            store = self.store()
            self._update_status(
                store, next_attempt_at=format_utc(self._now() + timedelta(seconds=delay))
            )
        except StorageError:
            log.exception("could not save the sync status")

    def _wait(self, delay: float, stop: threading.Event, wake: threading.Event | None) -> None:
        if self.sleep is not None:
            self.sleep(delay)
            return
        if wake is None:
            stop.wait(delay)
            return
        wake.wait(delay)
        wake.clear()
