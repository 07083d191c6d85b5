"""The kiosk's one SQLite file: append-only records, their sync state, and small metadata.

Why this shape:
- WAL and ``synchronous=FULL``: a rating is on disk when ``append`` returns, before the citizen
  is thanked, and survives power loss.
- Records are never updated except for their sync bookkeeping columns, which are not part of
  the hashed content (see ``common.records``).
- ``seq`` comes from ``AUTOINCREMENT`` so a sequence number is never reused, even after synced
  records are pruned; the chain head lives in ``meta`` for the same reason.
- SQLite's reports of the tablet's conditions (disk full, damaged file, read-only, busy, I/O)
  become a :class:`StorageError` staff can act on, sorted by SQLite's error code
  (``kiosk.errors``); programming errors are raised as they are.
- ``PRAGMA quick_check`` reads the whole file, which takes long on a big database: the app
  checks once at start (``kiosk.salvage.heal``), and connections opened later in the same
  process skip it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import uuid as uuidlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common.records import (
    FIELDS,
    GENESIS_HASH,
    LIST_FIELDS,
    Record,
    SyncState,
    format_utc,
    record_hash,
)
from kiosk.errors import StorageError, storage_errors, storage_kind

log = logging.getLogger("kiosk.storage")

SCHEMA_VERSION = 2

MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE records (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('rating', 'reasons', 'comment')),
        rating_uuid TEXT NOT NULL,
        device_id TEXT NOT NULL,
        center_id TEXT NOT NULL,
        service_id TEXT NOT NULL,
        catalog_version TEXT NOT NULL,
        score INTEGER CHECK (score IS NULL OR score BETWEEN 1 AND 5),
        reasons TEXT NOT NULL DEFAULT '[]',
        comment TEXT,
        language TEXT NOT NULL,
        created_at TEXT NOT NULL,
        utc_offset_min INTEGER NOT NULL,
        flags TEXT NOT NULL DEFAULT '[]',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        sync_state TEXT NOT NULL DEFAULT 'pending'
            CHECK (sync_state IN ('pending', 'synced', 'quarantined')),
        synced_at TEXT
    );
    CREATE INDEX records_sync_state ON records (sync_state, seq);
    """,
    2: """
    ALTER TABLE records ADD COLUMN quarantine_reason TEXT;
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    """,
}

META_DEMO = "demo"
"""Meta key set on a demo kiosk's database (``kiosk --demo``)."""

RECORD_COLUMNS = ", ".join(FIELDS)
"""The records table holds one column per record field, under the field's name."""


BUSY_TIMEOUT_MS = 10_000
"""How long a write waits for another connection's transaction (the sync job's) to end. Only
background threads write, so the wait never freezes the screen."""

_checked: set[str] = set()
_checked_lock = threading.Lock()


def _check_key(path: Path) -> str:
    return str(path.resolve())


def mark_checked(path: Path | str) -> None:
    """Remember that ``path`` passed ``quick_check`` in this process (done at start)."""
    with _checked_lock:
        _checked.add(_check_key(Path(path)))


def forget_checked(path: Path | str) -> None:
    with _checked_lock:
        _checked.discard(_check_key(Path(path)))


def was_checked(path: Path | str) -> bool:
    with _checked_lock:
        return _check_key(Path(path)) in _checked


@dataclass(frozen=True)
class Draft:
    """What the flow knows about a record before storage gives it a place in the chain."""

    kind: str
    rating_uuid: str | None
    center_id: str
    service_id: str
    catalog_version: str
    language: str
    score: int | None = None
    reasons: tuple[str, ...] = ()
    comment: str | None = None
    flags: tuple[str, ...] = ()


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_offset_minutes(moment: datetime) -> int:
    offset = moment.astimezone().utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


class Store:
    """One connection to the kiosk database. Use one Store per thread (a ``read_only`` one may
    be shared between threads that take turns)."""

    def __init__(
        self,
        path: Path | str,
        clock: Callable[[], datetime] = utc_now,
        *,
        quick_check: bool | None = None,
        read_only: bool = False,
    ) -> None:
        """``quick_check``: None checks the file unless this process already did (see
        :func:`mark_checked`). ``read_only``: a connection that refuses every write (``PRAGMA
        query_only``), does not migrate, and may be used from several threads in turn."""
        self.path = Path(path)
        self.clock = clock
        self.read_only = read_only
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with storage_errors(self.path):
            self.conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=not read_only,
            )
            self.conn.row_factory = sqlite3.Row
        try:
            with storage_errors(self.path):
                self._setup(was_checked(self.path) if quick_check is None else not quick_check)
        except BaseException:
            self.conn.close()
            raise

    # -- set-up ---------------------------------------------------------------------------

    def _setup(self, skip_check: bool) -> None:
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not skip_check:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                raise StorageError("corrupt", self.path, f"quick_check: {result}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:  # refused before anything in the file is changed
            raise StorageError(
                "io", self.path, f"schema version {version} is newer than this app knows"
            )
        if self.read_only:
            conn.execute("PRAGMA query_only = ON")
            return
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        self._migrate()

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        for target in range(version + 1, SCHEMA_VERSION + 1):
            log.info("migrating %s to schema version %d", self.path, target)
            with self.transaction() as conn:
                for statement in MIGRATIONS[target].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; the tablet's conditions become
        :class:`StorageError`, and the transaction is rolled back on any error."""
        with storage_errors(self.path):
            self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                try:
                    self.conn.execute("ROLLBACK")
                except sqlite3.Error as failed:
                    log.warning("rollback failed: %s", failed)
            kind = storage_kind(exc)
            if kind is not None:
                raise StorageError(kind, self.path, str(exc)) from exc
            raise

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- metadata ---------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    @property
    def device_id(self) -> str:
        """This kiosk's permanent id, made on first use and kept in the database."""
        existing = self.get_meta("device_id")
        if existing:
            return existing
        new_id = str(uuidlib.uuid4())
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('device_id', ?)", (new_id,)
            )
            return conn.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0]

    def mark_demo(self) -> None:
        """Mark this database as the demo kiosk's: its ratings are never uploaded or exported,
        so trying the kiosk out can never add made-up ratings to a municipality's results."""
        self.set_meta(META_DEMO, "1")

    def is_demo(self) -> bool:
        return self.get_meta(META_DEMO) == "1"

    def audit(self, action: str, detail: str = "") -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO audit_log (at, action, detail) VALUES (?, ?, ?)",
                (format_utc(self.clock()), action, detail),
            )

    def audit_log(self) -> list[tuple[str, str, str]]:
        rows = self._all("SELECT at, action, detail FROM audit_log ORDER BY id")
        return [(row[0], row[1], row[2]) for row in rows]

    # -- writing ---------------------------------------------------------------------------

    def append(self, draft: Draft) -> Record:
        """Write one record durably and return it with its uuid, seq and chain hash."""
        device_id = self.device_id
        now = self.clock()
        record_uuid = str(uuidlib.uuid4())
        with self.transaction() as conn:
            head = conn.execute("SELECT value FROM meta WHERE key = 'chain_head'").fetchone()
            prev_hash = head[0] if head else GENESIS_HASH
            seq = self._next_seq(conn)
            record = Record(
                uuid=record_uuid,
                seq=seq,
                kind=draft.kind,
                rating_uuid=draft.rating_uuid or record_uuid,
                device_id=device_id,
                center_id=draft.center_id,
                service_id=draft.service_id,
                catalog_version=draft.catalog_version,
                score=draft.score,
                reasons=tuple(draft.reasons),
                comment=draft.comment,
                language=draft.language,
                created_at=format_utc(now),
                utc_offset_min=local_offset_minutes(now),
                flags=tuple(draft.flags),
                prev_hash=prev_hash,
            )
            digest = record_hash(record.to_wire())
            record = Record(**{**record.__dict__, "hash": digest})
            conn.execute(
                f"INSERT INTO records ({RECORD_COLUMNS}) "
                f"VALUES ({', '.join(':' + name for name in FIELDS)})",
                _row(record),
            )
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('chain_head', ?)", (digest,)
            )
        return record

    @staticmethod
    def _next_seq(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'records'").fetchone()
        return (row[0] if row else 0) + 1

    # -- reading ---------------------------------------------------------------------------

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Every row of a query; rows are fetched inside the error conversion, since a damaged
        page is only met while reading."""
        with storage_errors(self.path):
            return self.conn.execute(sql, params).fetchall()

    def _count(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        row = self._one(sql, params)
        return row[0] if row is not None else None

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        with storage_errors(self.path):
            row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
            return row

    def records(
        self, where: str = "1", params: tuple[Any, ...] = (), limit: int = -1
    ) -> list[Record]:
        rows = self._all(
            f"SELECT {RECORD_COLUMNS} FROM records WHERE {where} ORDER BY seq LIMIT ?",
            (*params, limit),
        )
        return [_record(row) for row in rows]

    def get(self, record_uuid: str) -> Record | None:
        found = self.records("uuid = ?", (record_uuid,))
        return found[0] if found else None

    def pending(self, limit: int = 500, after_seq: int = 0) -> list[Record]:
        """The oldest records not yet accepted by the server, in sequence order."""
        return self.records("sync_state = ? AND seq > ?", (SyncState.PENDING, after_seq), limit)

    def pending_count(self) -> int:
        query = "SELECT count(*) FROM records WHERE sync_state = ?"
        return self._count(query, (SyncState.PENDING,))

    def pending_ratings(self) -> int:
        """How many ratings still have something to send (the rating itself, or the reasons
        or comment given with it): what staff mean by "waiting", unlike the record count."""
        query = "SELECT count(DISTINCT rating_uuid) FROM records WHERE sync_state = ?"
        return self._count(query, (SyncState.PENDING,))

    def oldest_pending_at(self) -> str | None:
        query = "SELECT min(created_at) FROM records WHERE sync_state = ?"
        return self._count(query, (SyncState.PENDING,))

    def count(self) -> int:
        return self._count("SELECT count(*) FROM records")

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the newest record ever written, or (0, genesis)."""
        seq = self._one("SELECT seq FROM sqlite_sequence WHERE name = 'records'")
        return (seq[0] if seq else 0, self.get_meta("chain_head", GENESIS_HASH) or GENESIS_HASH)

    # -- sync bookkeeping ------------------------------------------------------------------

    def settle(
        self,
        synced: list[str],
        rejected: dict[str, str] | None = None,
        meta: dict[str, str] | None = None,
    ) -> None:
        """Apply one server answer in one transaction: records it holds become synced, records
        it refused are set aside with the reason for staff, and sync bookkeeping is updated."""
        at = format_utc(self.clock())
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE records SET sync_state = ?, synced_at = ? "
                "WHERE uuid = ? AND sync_state = ?",
                [(SyncState.SYNCED, at, u, SyncState.PENDING) for u in synced],
            )
            conn.executemany(
                "UPDATE records SET sync_state = ?, quarantine_reason = ? WHERE uuid = ?",
                [(SyncState.QUARANTINED, reason, u) for u, reason in (rejected or {}).items()],
            )
            conn.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                list((meta or {}).items()),
            )

    def mark_synced(self, uuids: list[str]) -> None:
        self.settle(uuids)

    def quarantine(self, reasons: dict[str, str]) -> None:
        """Set records aside that the server refused, keeping them and the reason for staff."""
        self.settle([], reasons)

    def quarantined(self) -> list[tuple[Record, str]]:
        rows = self._all(
            f"SELECT {RECORD_COLUMNS}, quarantine_reason FROM records "
            "WHERE sync_state = ? ORDER BY seq",
            (SyncState.QUARANTINED,),
        )
        return [(_record(row), row["quarantine_reason"] or "") for row in rows]

    def resend_after(self, high_water_mark: int) -> int:
        """Mark synced records above the server's high-water mark pending again."""
        with self.transaction() as conn:
            cursor = conn.execute(
                "UPDATE records SET sync_state = ?, synced_at = NULL "
                "WHERE sync_state = ? AND seq > ?",
                (SyncState.PENDING, SyncState.SYNCED, high_water_mark),
            )
            return cursor.rowcount

    def prune_synced(self, retention: timedelta) -> int:
        """Delete records synced more than ``retention`` ago by this store's clock; pending
        ones are never deleted. Sync prunes with :meth:`prune_synced_through` instead, since a
        tablet's clock can jump."""
        cutoff = format_utc(self.clock() - retention)
        with self.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM records WHERE sync_state = ? AND synced_at < ?",
                (SyncState.SYNCED, cutoff),
            )
            return cursor.rowcount

    def prune_synced_through(self, seq: int) -> int:
        """Delete synced records up to ``seq``; pending and set-aside ones are never deleted.

        The sync job decides ``seq`` from what the server confirmed holding and for how long
        (``sync.pruning``), so no clock on the tablet can make it delete early.
        """
        with self.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM records WHERE sync_state = ? AND seq <= ?",
                (SyncState.SYNCED, seq),
            )
            return cursor.rowcount


def _row(record: Record) -> dict[str, Any]:
    """Named parameters for the record's columns; lists are stored as JSON text."""
    values = record.to_wire()
    for name in LIST_FIELDS:
        values[name] = json.dumps(values[name], ensure_ascii=False)
    return values


def _record(row: sqlite3.Row) -> Record:
    values = {name: row[name] for name in FIELDS}
    for name in LIST_FIELDS:
        values[name] = json.loads(values[name])
    return Record.from_wire(values)
