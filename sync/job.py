"""The kiosk's sync job: upload pending ratings, fetch the catalog, report a heartbeat.

What it guarantees (the reasons for its shape):

- Nothing lost: a record is marked synced only after the server's answer says it was stored
  (or already was). Every other outcome - network errors, timeouts, cut-off answers, crashes -
  leaves it pending, and it is sent again.
- Nothing counted twice: each batch carries a fresh UUID as its ``Idempotency-Key``, and the
  batch id with its record uuids is saved in the database *before* sending. If the answer is
  lost or the process dies, the next run sends the same batch with the same key; the server
  recognises the replay and answers ``duplicate`` for what it already stored.
- Server restored from a backup: each run first asks the server how far it has this kiosk's
  chain (``high_water_mark``). If that went back, the records after it are sent again.
- Bounded memory: pending records are read one batch at a time (``Store.pending(limit,
  after_seq)``), so a backlog of tens of thousands of ratings costs no more than one batch.
- One sync per data directory: an OS file lock (:mod:`sync.lock`); a second sync reports
  "another sync is running" and does nothing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from common import __version__, protocol
from common.catalog import CatalogError, loads_catalog
from common.messages import BatchResponse, HeartbeatRequest, first_error
from common.records import Record, SyncState, format_utc
from kiosk.files import atomic_write
from kiosk.keys import CredentialsError
from kiosk.storage import StorageError, Store
from sync.backoff import Backoff
from sync.client import (
    AuthError,
    EnrollmentError,
    PermanentError,
    SyncClient,
    SyncError,
    TooLarge,
    TransientError,
)
from sync.keys import Enrollment, KioskFiles
from sync.lock import DirLock, SyncBusy

log = logging.getLogger("sync.job")

DEFAULT_RETENTION = timedelta(days=90)
DEFAULT_INTERVAL_S = 5 * 60.0
"""Time between syncs while everything works (new ratings wait at most this long)."""
CATALOG_FILE = "catalog.json"

META_INFLIGHT = "sync.inflight"
META_SERVER_HWM = "sync.server_hwm"
META_STATUS = "sync.status"
META_CATALOG_ETAG = "sync.catalog_etag"
META_CATALOG_VERSION = "sync.catalog_version"
META_CLOCK_OFFSET = "sync.clock_offset_s"

REASON_TOO_LARGE = "too_large"
"""Local quarantine reason: one record alone is over the server's body limit."""

_HEAD_SEQ_BOUND = 10**19
_SIGNATURE_CHARS = 88
"""Length of a base64 Ed25519 signature (64 bytes)."""


class NotEnrolled(SyncError):
    """There is no enrollment in the data directory yet."""


class DemoData(SyncError):
    """The data directory is the demo kiosk's (``kiosk --demo``): its made-up ratings never go
    to a server, so it is neither enrolled nor synced."""


DEMO_MESSAGE = "This is the demo kiosk's data; its ratings are never sent to a server."


def refuse_demo(store: Store) -> None:
    """Raise :class:`DemoData` when ``store`` is the demo kiosk's database."""
    if store.is_demo():
        raise DemoData(DEMO_MESSAGE, code="demo")


@dataclass(frozen=True)
class SyncStatus:
    """What staff and the admin panel see about sync; persisted in the store's meta table.

    ``state`` is one of: ``never`` (no sync tried yet), ``syncing``, ``ok``, ``retrying``
    (temporary problem, will try again by itself), ``stopped`` (the server refused this kiosk:
    enroll again), ``not_enrolled``, ``demo`` (the demo kiosk: never synced), ``error`` (a
    problem that needs a person). ``pending_count`` counts records, ``pending_ratings`` the
    ratings they belong to (a rating, its reasons and its comment are three records).
    """

    state: str = "never"
    pending_count: int = 0
    pending_ratings: int = 0
    oldest_pending_at: str | None = None
    quarantined_count: int = 0
    last_attempt_at: str | None = None
    last_success_at: str | None = None
    last_error: str | None = None
    last_error_code: str | None = None
    consecutive_failures: int = 0
    next_attempt_at: str | None = None
    server_url: str | None = None
    kiosk_name: str | None = None
    catalog_version: str | None = None
    catalog_error: str | None = None
    last_run_uploaded: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> SyncStatus:
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def describe(self) -> str:
        """A few lines in plain words, for ``kiosk-sync --status``."""
        words = {
            "never": "Not synced yet.",
            "syncing": "Syncing now.",
            "ok": "Synced.",
            "retrying": "Could not sync; will try again by itself.",
            "stopped": "Sync stopped: the server refused this kiosk. Enroll it again.",
            "not_enrolled": "This kiosk is not enrolled with a server yet.",
            "demo": DEMO_MESSAGE,
            "error": "Sync needs attention.",
        }
        lines = [words.get(self.state, self.state)]
        if self.kiosk_name or self.server_url:
            lines.append(f"Kiosk: {self.kiosk_name or '?'} at {self.server_url or '?'}")
        lines.append(
            f"Waiting to be sent: {self.pending_ratings} ratings ({self.pending_count} records)"
        )
        if self.oldest_pending_at:
            lines.append(f"Oldest waiting since: {self.oldest_pending_at}")
        lines.append(f"Set aside (refused by the server): {self.quarantined_count}")
        lines.append(f"Last successful sync: {self.last_success_at or 'never'}")
        if self.last_error:
            lines.append(f"Last problem: {self.last_error}")
        if self.next_attempt_at:
            lines.append(f"Next try: {self.next_attempt_at}")
        if self.catalog_version:
            lines.append(f"Catalog version: {self.catalog_version}")
        if self.catalog_error:
            lines.append(f"Catalog problem: {self.catalog_error}")
        return "\n".join(lines)


@dataclass
class RunReport:
    """What one :meth:`SyncJob.run_once` did; for logs, tests and the benchmark."""

    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    splits: int = 0
    resent: int = 0
    pruned: int = 0
    catalog_updated: bool = False
    catalog_error: str | None = None
    left_pending: list[str] = field(default_factory=list)

    @property
    def uploaded(self) -> int:
        return self.stored + self.duplicates


def read_status(data_dir: Path | str) -> SyncStatus:
    """The persisted status with fresh counts; safe to call while a sync runs elsewhere."""
    files = KioskFiles(data_dir)
    enrolled = files.enrollment() is not None
    if not files.db_path.exists():
        return SyncStatus(state="never" if enrolled else "not_enrolled")
    with Store(files.db_path) as store:
        status = _with_counts(store, SyncStatus.from_json(store.get_meta(META_STATUS)))
        if store.is_demo():
            return replace(status, state="demo")
    return status if enrolled else replace(status, state="not_enrolled")


def _with_counts(store: Store, status: SyncStatus) -> SyncStatus:
    return replace(
        status,
        pending_count=store.pending_count(),
        pending_ratings=store.pending_ratings(),
        oldest_pending_at=store.oldest_pending_at(),
        quarantined_count=len(store.quarantined()),
    )


def free_disk_bytes(path: Path) -> int | None:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def battery_percent() -> int | None:
    """Battery charge where the OS tells it cheaply (Linux sysfs, Windows API), else None."""
    power = Path("/sys/class/power_supply")
    if power.is_dir():
        for supply in sorted(power.iterdir()):
            try:
                if (supply / "type").read_text().strip() != "Battery":
                    continue
                return int((supply / "capacity").read_text().strip())
            except (OSError, ValueError):
                continue
        return None
    try:  # pragma: no cover - Windows only
        import ctypes

        class _PowerStatus(ctypes.Structure):
            _fields_ = [
                ("ACLineStatus", ctypes.c_byte),
                ("BatteryFlag", ctypes.c_byte),
                ("BatteryLifePercent", ctypes.c_byte),
                ("SystemStatusFlag", ctypes.c_byte),
                ("BatteryLifeTime", ctypes.c_ulong),
                ("BatteryFullLifeTime", ctypes.c_ulong),
            ]

        status = _PowerStatus()
        if not ctypes.windll.kernel32.GetSystemPowerStatus(ctypes.byref(status)):  # type: ignore[attr-defined]
            return None
        percent = status.BatteryLifePercent & 0xFF
        return None if percent == 255 else int(percent)
    except (ImportError, AttributeError, OSError):
        return None


def encode_record(record: Record) -> bytes:
    """A record's JSON exactly as it goes into a batch body."""
    return json.dumps(
        record.to_wire(), separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def envelope_overhead(batch_id: str, device_id: str) -> int:
    """Upper bound of a batch body's bytes besides the records and the commas between them."""
    return len(
        build_body(
            batch_id,
            device_id,
            [],
            head_seq=_HEAD_SEQ_BOUND,
            head_hash="f" * 64,
            head_signature="A" * _SIGNATURE_CHARS,
        )
    )


def build_body(
    batch_id: str,
    device_id: str,
    encoded_records: list[bytes],
    *,
    head_seq: int,
    head_hash: str,
    head_signature: str,
) -> bytes:
    """The uncompressed batch JSON, assembled from already-encoded records."""

    def dump(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    return b"".join(
        [
            b'{"batch_id":',
            dump(batch_id),
            b',"device_id":',
            dump(device_id),
            b',"records":[',
            b",".join(encoded_records),
            b'],"head":',
            dump({"seq": head_seq, "hash": head_hash}),
            b',"head_signature":',
            dump(head_signature),
            b"}",
        ]
    )


def usable_ranges(missing: list[tuple[int, int]], limit: int = 10_000) -> list[tuple[int, int]]:
    """The first ``limit`` ``[from, to]`` ranges of a ``missing`` field that make sense."""
    return [(low, high) for low, high in missing[:limit] if 0 < low <= high]


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
        self.max_batch_records = min(max_batch_records, protocol.MAX_BATCH_RECORDS)
        self.max_batch_bytes = min(max_batch_bytes, protocol.MAX_BODY_BYTES)
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.sleep = sleep
        self.store_factory: StoreFactory = store_factory or (
            lambda p: Store(p, clock=lambda: datetime.fromtimestamp(self.clock(), UTC))
        )
        self.client_options = dict(client_options or {})
        self.on_status = on_status
        self.app_version = app_version
        self.lock = DirLock(self.data_dir)
        self._store: Store | None = None
        self._store_thread: int | None = None
        self._client: SyncClient | None = None
        self._client_key: tuple[str, str, str | None] | None = None
        self._encoded: dict[str, bytes] = {}
        """Encodings of the batch being built, so each record is serialised once."""
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
            private_key: Ed25519PrivateKey = self.files.private_key()
            try:
                offset = float(store.get_meta(META_CLOCK_OFFSET, "0") or 0)
            except ValueError:
                offset = 0.0
            self._client = SyncClient(
                enrollment.server_url,
                device_id=enrollment.device_id,
                private_key=private_key,
                ca_bundle=enrollment.ca_bundle,
                clock=self.clock,
                clock_offset=offset,
                **self.client_options,
            )
            self._client_key = key
        return self._client

    # -- status ------------------------------------------------------------------------------

    def status(self) -> SyncStatus:
        store = self.store()
        return _with_counts(store, SyncStatus.from_json(store.get_meta(META_STATUS)))

    def _save_status(self, store: Store, status: SyncStatus) -> SyncStatus:
        status = _with_counts(store, status)
        store.set_meta(META_STATUS, status.to_json())
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:
                log.exception("sync status callback failed")
        return status

    def _update_status(self, store: Store, **changes: Any) -> SyncStatus:
        current = SyncStatus.from_json(store.get_meta(META_STATUS))
        return self._save_status(store, replace(current, **changes))

    # -- one run -----------------------------------------------------------------------------

    def run_once(self) -> RunReport:
        """One full sync: server state, uploads, catalog, prune, heartbeat.

        Raises :class:`SyncBusy` if another sync holds the lock, :class:`NotEnrolled`,
        :class:`AuthError` (stop and re-enroll), :class:`TransientError` (try later),
        :class:`PermanentError`, or :class:`StorageError`. The status is saved either way.
        """
        with self.lock:
            store = self.store()
            enrollment = self._enrollment(store)
            started = format_utc(self._now())
            self._update_status(
                store,
                state="syncing",
                last_attempt_at=started,
                server_url=enrollment.server_url,
                kiosk_name=enrollment.kiosk_name,
                next_attempt_at=None,
            )
            previous_error = SyncStatus.from_json(store.get_meta(META_STATUS)).last_error
            report = RunReport()
            try:
                client = self._client_for(enrollment, store)
                self._check_server_state(store, client, report)
                self._upload(store, client, report)
                report.pruned = store.prune_synced(self.retention)
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
        current = SyncStatus.from_json(store.get_meta(META_STATUS))
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

    # -- server state ------------------------------------------------------------------------

    def _known_hwm(self, store: Store) -> int:
        try:
            return int(store.get_meta(META_SERVER_HWM, "0") or 0)
        except ValueError:
            return 0

    def _note_hwm(self, store: Store, hwm: int, report: RunReport) -> bool:
        """Remember the server's high-water mark; resend if it went back. True if it did."""
        if hwm < 0:
            return False
        known = self._known_hwm(store)
        went_back = hwm < known
        if went_back:
            resent = store.resend_after(hwm)
            report.resent += resent
            log.warning(
                "the server's high-water mark went back from %d to %d (restored from a "
                "backup?); %d records will be sent again",
                known,
                hwm,
                resent,
            )
            store.audit("sync_resend", f"server high-water mark {known} -> {hwm}; {resent} resent")
        if hwm != known:
            store.set_meta(META_SERVER_HWM, str(hwm))
        return went_back

    def _resend_missing(
        self, store: Store, missing: list[tuple[int, int]], report: RunReport
    ) -> bool:
        """Send again synced records inside ranges the server says it lacks."""
        lowest: int | None = None
        for low, high in usable_ranges(missing):
            found = store.records(
                "sync_state = ? AND seq BETWEEN ? AND ?", (SyncState.SYNCED, low, high), 1
            )
            if found and (lowest is None or found[0].seq < lowest):
                lowest = found[0].seq
        if lowest is None:
            return False
        resent = store.resend_after(lowest - 1)
        report.resent += resent
        log.warning("the server lacks synced records from seq %d; %d sent again", lowest, resent)
        store.audit("sync_resend", f"server reported missing from seq {lowest}; {resent} resent")
        return resent > 0

    def _check_server_state(self, store: Store, client: SyncClient, report: RunReport) -> None:
        state = client.sync_state()
        self._note_hwm(store, state.high_water_mark, report)
        self._resend_missing(store, state.missing, report)

    # -- upload ------------------------------------------------------------------------------

    def _load_inflight(self, store: Store) -> tuple[str, list[Record]] | None:
        text = store.get_meta(META_INFLIGHT)
        if not text:
            return None
        try:
            data = json.loads(text)
            batch_id = str(data["batch_id"])
            uuids = [str(u) for u in data["uuids"]]
        except (ValueError, KeyError, TypeError):
            log.warning("discarding unreadable in-flight batch record")
            store.set_meta(META_INFLIGHT, "")
            return None
        found = store.records(
            f"sync_state = ? AND uuid IN ({','.join('?' * len(uuids))})",
            (SyncState.PENDING, *uuids),
        )
        if not uuids or [r.uuid for r in found] != uuids:
            # Part of it was settled (e.g. marked synced just before a crash). A key must
            # always name the same content, so what is left goes out in a new batch.
            log.info("in-flight batch %s was partly settled; building a new one", batch_id)
            store.set_meta(META_INFLIGHT, "")
            return None
        log.info(
            "resending in-flight batch %s (%d records) with the same key", batch_id, len(uuids)
        )
        return batch_id, found

    def _save_inflight(self, store: Store, batch_id: str, records: list[Record]) -> None:
        store.set_meta(
            META_INFLIGHT, json.dumps({"batch_id": batch_id, "uuids": [r.uuid for r in records]})
        )

    def next_batch(
        self, store: Store, after_seq: int, batch_id: str, device_id: str
    ) -> list[Record]:
        """The next pending records that fit one batch by count and by uncompressed bytes."""
        budget = self.max_batch_bytes - envelope_overhead(batch_id, device_id)
        while True:
            candidates = store.pending(limit=self.max_batch_records, after_seq=after_seq)
            chosen: list[Record] = []
            used = 0
            too_big: dict[str, str] = {}
            self._encoded = {}
            for record in candidates:
                encoded = encode_record(record)
                size = len(encoded) + (1 if chosen else 0)
                if size > budget and not chosen:
                    too_big[record.uuid] = (
                        f"{REASON_TOO_LARGE}: the record alone is larger than the upload limit"
                    )
                    continue
                if used + size > budget:
                    break
                chosen.append(record)
                self._encoded[record.uuid] = encoded
                used += size
            if too_big:
                log.error("setting aside %d records too large to upload", len(too_big))
                store.quarantine(too_big)
            if chosen or not candidates:
                return chosen
            # Only oversized records were found: they are set aside now, look further.

    def _body(self, store: Store, batch_id: str, records: list[Record]) -> bytes:
        device_id = store.device_id
        head = records[-1]
        signature = protocol.sign(
            self.files.private_key(), protocol.head_message(device_id, head.seq, head.hash)
        )
        raw = build_body(
            batch_id,
            device_id,
            [self._encoded.get(r.uuid) or encode_record(r) for r in records],
            head_seq=head.seq,
            head_hash=head.hash,
            head_signature=signature,
        )
        return protocol.gzip_body(raw)

    def _upload(self, store: Store, client: SyncClient, report: RunReport) -> None:
        queue: list[tuple[str, list[Record]]] = []
        inflight = self._load_inflight(store)
        if inflight is not None:
            queue.append(inflight)
        cursor = 0
        device_id = store.device_id
        while True:
            if queue:
                batch_id, records = queue.pop(0)
            else:
                batch_id = str(uuidlib.uuid4())
                records = self.next_batch(store, cursor, batch_id, device_id)
                if not records:
                    return
            self._save_inflight(store, batch_id, records)
            try:
                answer = client.upload_batch(batch_id, self._body(store, batch_id, records))
            except TooLarge:
                store.set_meta(META_INFLIGHT, "")
                if len(records) == 1:
                    store.quarantine(
                        {records[0].uuid: f"{REASON_TOO_LARGE}: refused by the server as too large"}
                    )
                    report.rejected += 1
                    continue
                half = len(records) // 2
                report.splits += 1
                log.info("batch of %d refused as too large; sending it in halves", len(records))
                queue[0:0] = [
                    (str(uuidlib.uuid4()), records[:half]),
                    (str(uuidlib.uuid4()), records[half:]),
                ]
                continue
            report.batches += 1
            went_back = self._apply(store, records, answer, report)
            cursor = 0 if went_back else max(cursor, records[-1].seq)

    def _apply(
        self, store: Store, records: list[Record], answer: BatchResponse, report: RunReport
    ) -> bool:
        """Settle a batch from the server's answer; True if the server's chain went back."""
        sent = {r.uuid for r in records}
        synced: list[str] = []
        rejected: dict[str, str] = {}
        for item in answer.results:
            record_uuid = item.uuid
            if record_uuid is None or record_uuid not in sent:
                log.warning("the server answered for a record not in the batch: %s", record_uuid)
                continue
            if item.status == protocol.STORED:
                synced.append(record_uuid)
                report.stored += 1
            elif item.status == protocol.DUPLICATE:
                synced.append(record_uuid)
                report.duplicates += 1
            else:
                reason = item.reason or "rejected"
                message = item.message or ""
                rejected[record_uuid] = f"{reason}: {message}" if message else reason
                report.rejected += 1
        answered = set(synced) | set(rejected)
        unanswered = [u for u in (r.uuid for r in records) if u not in answered]
        if unanswered:
            log.warning("the server did not answer for %d records; kept pending", len(unanswered))
            report.left_pending.extend(unanswered)
        if rejected:
            log.warning("the server refused %d records; set aside for staff", len(rejected))
        store.settle(synced, rejected, {META_INFLIGHT: ""})
        went_back = self._note_hwm(store, answer.high_water_mark, report)
        if self._resend_missing(store, answer.chain.missing, report):
            went_back = True
        return went_back

    # -- catalog and heartbeat ---------------------------------------------------------------

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / CATALOG_FILE

    def _fetch_catalog(self, store: Store, client: SyncClient, report: RunReport) -> None:
        """Fetch a changed catalog; save it only if this kiosk can use it (last good one wins).

        An unusable catalog does not fail the run (the ratings are already uploaded): it is
        reported in the status and the previous file stays in place.
        """
        etag = store.get_meta(META_CATALOG_ETAG) if self.catalog_path.exists() else None
        answer = client.catalog(etag or None)
        if not answer.changed:
            return
        try:
            catalog = loads_catalog(answer.body, "catalog from the server")
        except CatalogError as exc:
            message = f"The server's catalog cannot be used; the old one stays: {exc}"
            log.error("%s", message)
            report.catalog_error = message
            self._update_status(store, catalog_error=message)
            return
        atomic_write(self.catalog_path, answer.body)
        store.set_meta(META_CATALOG_ETAG, answer.etag or "")
        store.set_meta(META_CATALOG_VERSION, catalog.version)
        report.catalog_updated = True
        self._update_status(store, catalog_version=catalog.version, catalog_error=None)
        log.info("new catalog saved (version %s)", catalog.version)

    def _heartbeat(self, store: Store, client: SyncClient, last_error: str | None) -> None:
        client.heartbeat(self.heartbeat_report(store, client.clock_offset, last_error))

    def heartbeat_report(
        self, store: Store, clock_offset: float, last_error: str | None
    ) -> HeartbeatRequest:
        """This kiosk's state, as a heartbeat body the server accepts.

        Readings the server would refuse must not fail a whole sync (the ratings are already
        up): free disk space that cannot be read is sent as 0 (the kiosk then needs a look
        anyway), a battery reading outside 0-100 as unknown, and the last error is cut to its
        documented length. Anything else invalid is a :class:`PermanentError`, as the server's
        400 ``malformed`` would be.
        """
        oldest = store.oldest_pending_at()
        age: int | None = None
        if oldest:
            with contextlib.suppress(ValueError):
                moment = datetime.fromisoformat(oldest.replace("Z", "+00:00"))
                age = max(0, int((self._now() - moment).total_seconds()))
        free = free_disk_bytes(self.data_dir)
        if free is None:
            log.warning("free disk space could not be read; the heartbeat says 0")
        battery = battery_percent()
        try:
            return HeartbeatRequest(
                app_version=self.app_version,
                catalog_version=store.get_meta(META_CATALOG_VERSION) or None,
                pending_count=store.pending_count(),
                oldest_pending_age_s=age,
                last_sync_error=last_error.replace("\x00", "")[:2000] if last_error else None,
                free_disk_bytes=free or 0,
                battery_percent=battery if battery is not None and 0 <= battery <= 100 else None,
                clock_offset_s=round(clock_offset, 3),
            )
        except ValidationError as exc:
            raise PermanentError(
                f"The kiosk's heartbeat could not be made ({first_error(exc)}).", code="malformed"
            ) from exc

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


class BackgroundSync:
    """Runs :class:`SyncJob` in a daemon thread for the app; no Qt in here.

    ``on_status`` is called from the sync thread with each new :class:`SyncStatus`; a UI must
    hand it to its own thread (for Qt: emit a signal from the callback).
    """

    def __init__(
        self,
        data_dir: Path | str,
        on_status: Callable[[SyncStatus], None] | None = None,
        **job_options: Any,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.on_status = on_status
        self.job_options = job_options
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.ended: str | None = None
        """Why the last thread ended: ``"stopped"``, ``"auth"`` or ``"crashed"``."""

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            self._stop.clear()
            self._wake.clear()
            self.ended = None
            self._thread = threading.Thread(target=self._run, name="kiosk-sync", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        job = SyncJob(self.data_dir, on_status=self.on_status, **self.job_options)
        try:
            self.ended = job.run_forever(self._stop, self._wake)
        except Exception:
            log.exception("sync thread ended unexpectedly")
            self.ended = "crashed"

    def sync_now(self) -> None:
        """Sync as soon as possible; restarts the thread if it stopped (e.g. after re-enroll)."""
        if not self.running:
            self.start()
        self._wake.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end by itself (e.g. after a refusal); True if it has."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.running

    def stop(self, timeout: float | None = 30.0) -> bool:
        """Ask the thread to end and wait; False if it is still busy (e.g. in a request)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def status(self) -> SyncStatus:
        return read_status(self.data_dir)


# -- enrollment --------------------------------------------------------------------------------


def enroll(
    data_dir: Path | str,
    server_url: str,
    code: str,
    *,
    ca_bundle: str | None = None,
    client_options: dict[str, Any] | None = None,
    app_version: str = __version__,
) -> Enrollment:
    """Enroll this kiosk with a one-time code: make its key, register it, save the state.

    Holds the sync lock so no upload runs while the kiosk changes identity. Raises
    :class:`SyncBusy`, :class:`EnrollmentError`, :class:`TransientError` or others from
    :mod:`sync.client`; on failure the old enrollment (if any) is unchanged.
    """
    files = KioskFiles(data_dir)
    bundle = str(Path(ca_bundle).resolve()) if ca_bundle else None
    if bundle and not Path(bundle).is_file():
        raise PermanentError(f"The CA bundle {bundle} does not exist.", code="ca_bundle")
    with DirLock(files.data_dir), Store(files.db_path) as store:
        refuse_demo(store)  # before the server is asked: the code stays unused
        device_id = store.device_id
        key = files.key_for_enrollment()
        client = SyncClient(server_url, ca_bundle=bundle, **(client_options or {}))
        try:
            answer = client.enroll(
                code.strip(), device_id, protocol.public_key_b64(key), app_version
            )
        finally:
            client.close()
        if answer.device_id != device_id:
            raise EnrollmentError(
                "The server answered for another device; enrollment not saved.",
                code="device_mismatch",
            )
        enrollment = Enrollment(
            server_url=client.server_url,
            device_id=device_id,
            center_id=answer.center_id,
            kiosk_name=answer.kiosk_name,
            enrolled_at=format_utc(datetime.now(UTC)),
            ca_bundle=bundle,
        )
        files.commit_enrollment(enrollment)
        # A (re-)enrolled kiosk starts its server bookkeeping afresh; pending records stay.
        for key_name in (META_INFLIGHT, META_SERVER_HWM, META_CATALOG_ETAG):
            store.set_meta(key_name, "")
        store.set_meta(META_CLOCK_OFFSET, f"{client.clock_offset:.3f}")
        status = SyncStatus(
            state="never", server_url=enrollment.server_url, kiosk_name=enrollment.kiosk_name
        )
        store.set_meta(META_STATUS, status.to_json())
        store.audit("enrolled", f"{enrollment.kiosk_name} at {enrollment.server_url}")
        log.info("enrolled as %s at %s", enrollment.kiosk_name, enrollment.server_url)
        return enrollment
