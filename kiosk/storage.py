"""The kiosk's one SQLite file: append-only records, their sync state, and small metadata.

Why this shape:
- WAL and ``synchronous=FULL``: a rating is on disk when ``append`` returns, before the citizen
  is thanked, and survives power loss.
- Records are never updated except for their sync bookkeeping columns, which are not part of
  the hashed content (see ``common.records``).
- ``seq`` comes from ``AUTOINCREMENT`` so a sequence number is never reused, even after synced
  records are pruned; the chain head lives in ``meta`` for the same reason.
- Every ``sqlite3`` failure is turned into a :class:`StorageError` with a kind staff can act on
  (disk full, corrupt file, read-only, busy) instead of a traceback.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid as uuidlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from common.records import (
    FIELDS,
    GENESIS_HASH,
    LIST_FIELDS,
    Record,
    SyncState,
    format_utc,
    record_hash,
)

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


class StorageError(Exception):
    """A storage failure staff can act on; ``kind`` is full, corrupt, readonly, busy or io."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "full": "The tablet's storage is full. Free some space; no rating was lost.",
        "corrupt": "The ratings database is damaged. Call support; do not delete the file.",
        "readonly": "The ratings database cannot be written (read-only storage).",
        "busy": "The ratings database is busy. Try again in a moment.",
        "io": "The ratings database could not be read or written.",
    }

    def __init__(self, kind: str, path: Path | str, detail: str = "") -> None:
        self.kind = kind
        self.path = str(path)
        self.detail = detail
        super().__init__(f"{self.MESSAGES[kind]} ({self.path}: {detail})")


def _classify(exc: sqlite3.Error) -> str:
    text = str(exc).lower()
    if "full" in text:
        return "full"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return "corrupt"
    if "readonly" in text or "read-only" in text:
        return "readonly"
    if "locked" in text or "busy" in text:
        return "busy"
    return "io"


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
    """One connection to the kiosk database. Use one Store per thread."""

    def __init__(self, path: Path | str, clock: Callable[[], datetime] = utc_now) -> None:
        self.path = Path(path)
        self.clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
        except sqlite3.Error as exc:
            raise StorageError(_classify(exc), self.path, str(exc)) from exc
        try:
            self._setup()
        except StorageError:
            self.conn.close()
            raise
        except sqlite3.Error as exc:
            self.conn.close()
            raise StorageError(_classify(exc), self.path, str(exc)) from exc

    # -- set-up ---------------------------------------------------------------------------

    def _setup(self) -> None:
        conn = self.conn
        conn.execute("PRAGMA busy_timeout = 10000")
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise StorageError("corrupt", self.path, f"quick_check: {result}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        self._migrate()

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StorageError(
                "io", self.path, f"schema version {version} is newer than this app knows"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            log.info("migrating %s to schema version %d", self.path, target)
            with self.transaction() as conn:
                for statement in MIGRATIONS[target].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; sqlite errors become :class:`StorageError`."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StorageError(_classify(exc), self.path, str(exc)) from exc
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StorageError(_classify(exc), self.path, str(exc)) from exc
            raise

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- metadata ---------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self._query("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
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
        rows = self._query("SELECT at, action, detail FROM audit_log ORDER BY id")
        return [tuple(row) for row in rows.fetchall()]

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

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise StorageError(_classify(exc), self.path, str(exc)) from exc

    def records(
        self, where: str = "1", params: tuple[Any, ...] = (), limit: int = -1
    ) -> list[Record]:
        rows = self._query(
            f"SELECT {RECORD_COLUMNS} FROM records WHERE {where} ORDER BY seq LIMIT ?",
            (*params, limit),
        )
        return [_record(row) for row in rows.fetchall()]

    def get(self, record_uuid: str) -> Record | None:
        found = self.records("uuid = ?", (record_uuid,))
        return found[0] if found else None

    def pending(self, limit: int = 500, after_seq: int = 0) -> list[Record]:
        """The oldest records not yet accepted by the server, in sequence order."""
        return self.records("sync_state = ? AND seq > ?", (SyncState.PENDING, after_seq), limit)

    def pending_count(self) -> int:
        query = "SELECT count(*) FROM records WHERE sync_state = ?"
        return self._query(query, (SyncState.PENDING,)).fetchone()[0]

    def pending_ratings(self) -> int:
        """How many ratings still have something to send (the rating itself, or the reasons
        or comment given with it): what staff mean by "waiting", unlike the record count."""
        query = "SELECT count(DISTINCT rating_uuid) FROM records WHERE sync_state = ?"
        return self._query(query, (SyncState.PENDING,)).fetchone()[0]

    def oldest_pending_at(self) -> str | None:
        query = "SELECT min(created_at) FROM records WHERE sync_state = ?"
        return self._query(query, (SyncState.PENDING,)).fetchone()[0]

    def count(self) -> int:
        return self._query("SELECT count(*) FROM records").fetchone()[0]

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the newest record ever written, or (0, genesis)."""
        seq = self._query("SELECT seq FROM sqlite_sequence WHERE name = 'records'").fetchone()
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
        rows = self._query(
            f"SELECT {RECORD_COLUMNS}, quarantine_reason FROM records "
            "WHERE sync_state = ? ORDER BY seq",
            (SyncState.QUARANTINED,),
        ).fetchall()
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
        """Delete synced records older than ``retention``; pending ones are never deleted."""
        cutoff = format_utc(self.clock() - retention)
        with self.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM records WHERE sync_state = ? AND synced_at < ?",
                (SyncState.SYNCED, cutoff),
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
