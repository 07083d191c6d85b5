"""The kiosk's one SQLite file: append-only records, their sync state, and small metadata.

Why this shape:
- WAL and ``synchronous=FULL``: a rating is on disk when ``append`` returns, before the citizen
  is thanked, and survives power loss.
- The sync job's connection commits without waiting for the disk (``synchronous=NORMAL``,
  ``wait_for_disk=False``): it writes only sync bookkeeping (which records the server holds or
  refused, the batch on the wire, what was pruned). Such a commit survives the app being
  killed; a power cut may take the newest of them back, never one without those before it (the
  log's frames are checksummed in a chain), and the next rating's commit makes them all
  durable. What a power cut takes back only makes the kiosk send records again, which the
  server answers as duplicates; and a slow tablet disk no longer holds up every batch.
- Records are never updated except for their sync bookkeeping columns, which are not part of
  the hashed content (see ``common.records``). Rows hold them in compact forms
  (``kiosk.layout``); what goes in and comes out is the record, exactly as hashed.
- A tap costs one short transaction: the chain head and the device id are kept in memory,
  and the one index a tap adds to besides the uuid's holds only pending records.
- ``seq`` comes from ``AUTOINCREMENT`` so a sequence number is never reused, even after synced
  records are pruned; the chain head lives in ``meta`` for the same reason.
- SQLite's reports of the tablet's conditions (disk full, damaged file, read-only, busy, I/O)
  become a :class:`StorageError` staff can act on, sorted by SQLite's error code
  (``kiosk.errors``); programming errors are raised as they are.
- ``PRAGMA quick_check`` reads the whole file, which takes long on a big database: the app
  checks once at start (``kiosk.checkup``), and connections opened later in the same
  process skip it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from common.records import GENESIS_HASH, MAX_SEQ, Record, SyncState, format_utc, record_hash
from kiosk import layout
from kiosk.errors import StorageError, storage_errors, storage_kind
from kiosk.schema import COMPACT_SCHEMA, SCHEMA_VERSION, upgrade
from kiosk.texts import Texts

log = logging.getLogger("kiosk.storage")

META_DEMO = "demo"
"""Meta key set on a demo kiosk's database (``kiosk --demo``)."""
META_CHAIN_HEAD = "chain_head"
"""Meta key holding the hash of the newest record ever written (its seq is in
``sqlite_sequence``), so pruning never breaks the chain and a salvage knows where it ends."""

BUSY_TIMEOUT_MS = 10_000
"""How long a write waits for another connection's transaction (the sync job's) to end. Only
background threads write, so the wait never freezes the screen."""

CACHE_KIB = 512
"""SQLite's page cache per connection. A tap touches the last page of the records table and
one page of each index; the OS keeps the file's pages cached anyway, and SQLite's default
(2 MiB per connection) only grew the app's memory as the file grew."""

_FIELD_COLUMNS = layout.COLUMNS[: layout.FIELD_COLUMNS]
_SELECT = f"SELECT {', '.join(_FIELD_COLUMNS)} FROM records"
_SELECT_WITH_REASON = f"SELECT {', '.join(_FIELD_COLUMNS)}, quarantine_reason FROM records"
_INSERT = (
    f"INSERT INTO records ({', '.join(_FIELD_COLUMNS)}) "
    f"VALUES ({', '.join(':' + name for name in _FIELD_COLUMNS)})"
)
_RESTORE = (
    f"INSERT INTO records ({', '.join(layout.COLUMNS)}) "
    f"VALUES ({', '.join(':' + name for name in layout.COLUMNS)})"
)
_SET_META = (
    "INSERT INTO meta (key, value) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
_PENDING = f"sync_state = {layout.PENDING}"
"""Spelled out (not a parameter) so SQLite uses the partial index of pending records."""

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


class Kept(NamedTuple):
    """A record written before, with where it stood in sync (what a salvage puts back)."""

    record: Record
    state: SyncState = SyncState.PENDING
    quarantine_reason: str | None = None


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
        wait_for_disk: bool = True,
    ) -> None:
        """``quick_check``: None checks the file unless this process already did (see
        :func:`mark_checked`). ``read_only``: a connection that refuses every write (``PRAGMA
        query_only``), does not migrate, and may be used from several threads in turn.
        ``wait_for_disk``: False for the sync job's connection, whose commits then return
        without waiting for the disk (``synchronous = NORMAL``; the module's notes say why)."""
        self.path = Path(path)
        self.clock = clock
        self.wait_for_disk = wait_for_disk
        self.read_only = read_only
        self._texts = Texts()
        self._device_id: str | None = None
        self._head: tuple[int, str] | None = None
        """(seq, hash) of the newest record, as of :attr:`_data_version`; None: read it."""
        self._data_version = -1
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
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
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
        conn.execute(f"PRAGMA synchronous = {'FULL' if self.wait_for_disk else 'NORMAL'}")
        self._migrate()

    def _migrate(self) -> None:
        """Bring the file to :data:`SCHEMA_VERSION`, one step per transaction; the version is
        read inside each, since another connection may have just taken the step."""
        if self.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        upgraded_from: int | None = None
        while True:
            with self.transaction() as conn:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version >= SCHEMA_VERSION:
                    break
                upgraded_from = version if upgraded_from is None else upgraded_from
                log.info("migrating %s to schema version %d", self.path, version + 1)
                upgrade(conn, version + 1)
        if upgraded_from is not None and 0 < upgraded_from < COMPACT_SCHEMA:
            self._vacuum()

    def _vacuum(self) -> None:
        """Give back the pages the old layout used (once, after the upgrade to schema 3); a
        full disk only leaves them free for the next records."""
        try:
            with storage_errors(self.path):
                self.conn.execute("VACUUM")
        except StorageError as exc:
            log.warning("could not compact %s after the upgrade: %s", self.path, exc)

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
            self._texts.forget()  # what the transaction added to it is gone
            self._head = None
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
            conn.execute(_SET_META, (key, value))

    @property
    def device_id(self) -> str:
        """This kiosk's permanent id, made on first use and kept in the database (and, since it
        never changes, in memory after the first read)."""
        if self._device_id is None:
            existing = self.get_meta("device_id")
            if existing:
                self._device_id = existing
            else:
                import uuid

                with self.transaction() as conn:
                    conn.execute(
                        "INSERT OR IGNORE INTO meta (key, value) VALUES ('device_id', ?)",
                        (str(uuid.uuid4()),),
                    )
                    row = conn.execute("SELECT value FROM meta WHERE key = 'device_id'")
                    self._device_id = row.fetchone()[0]
        assert self._device_id is not None
        return self._device_id

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
        """Write one record durably and return it with its uuid, seq and chain hash.

        One transaction of three statements besides ``BEGIN`` and ``COMMIT``: the chain head
        is kept in memory (and read again only when another connection has written since),
        the device id too, and prepared statements are reused."""
        device_id = self.device_id
        now = self.clock()
        import uuid  # here, not at start: ``uuid`` loads ``platform`` (≈ 2 ms before Welcome)

        record_uuid = str(uuid.uuid4())
        with self.transaction() as conn:
            seq, prev_hash = self._chain_head(conn)
            values: dict[str, Any] = {
                "uuid": record_uuid,
                "seq": seq + 1,
                "kind": draft.kind,
                "rating_uuid": draft.rating_uuid or record_uuid,
                "device_id": device_id,
                "center_id": draft.center_id,
                "service_id": draft.service_id,
                "catalog_version": draft.catalog_version,
                "score": draft.score,
                "reasons": tuple(draft.reasons),
                "comment": draft.comment,
                "language": draft.language,
                "created_at": format_utc(now),
                "utc_offset_min": local_offset_minutes(now),
                "flags": tuple(draft.flags),
                "prev_hash": prev_hash,
            }
            values["hash"] = record_hash(values)
            conn.execute(_INSERT, layout.encode(values, partial(self._texts.code, conn)))
            conn.execute(_SET_META, (META_CHAIN_HEAD, values["hash"]))
        self._head = (values["seq"], values["hash"])
        return Record(**values)

    def _chain_head(self, conn: sqlite3.Connection) -> tuple[int, str]:
        """The head, from memory unless another connection committed since it was read
        (``PRAGMA data_version``); inside the write transaction, so it cannot move."""
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if self._head is None or version != self._data_version:
            self._head = self.head()
            self._data_version = version
        return self._head

    def checkpoint(self) -> None:
        """Copy the write-ahead log's pages into the database file, without waiting for
        other connections (``PASSIVE``); the next commit then starts the log afresh."""
        with storage_errors(self.path):
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def restore(self, conn: sqlite3.Connection, kept: Iterable[Kept]) -> None:
        """Write records that already have their seq and hash (a salvage's), each in its sync
        state; inside a transaction of this store, whose caller sets the chain head."""
        rows = []
        for item in kept:
            row = layout.encode(item.record.to_wire(), partial(self._texts.code, conn))
            row["sync_state"] = layout.STATE_CODES[item.state]
            row["quarantine_reason"] = item.quarantine_reason
            rows.append(row)
        conn.executemany(_RESTORE, rows)
        self._head = None

    # -- reading ---------------------------------------------------------------------------

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Every row of a query; rows are fetched inside the error conversion, since a damaged
        page is only met while reading."""
        with storage_errors(self.path):
            return self.conn.execute(sql, params).fetchall()

    def _count(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._one(sql, params)
        return row[0] if row is not None else None

    def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        with storage_errors(self.path):
            row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
            return row

    def _decoded(self, rows: list[Any]) -> list[Record]:
        """Records from rows of :data:`_SELECT`; texts added by another connection since this
        one last read them are read first."""
        try:
            return [_record(row, self._texts.known()) for row in rows]
        except KeyError:
            with storage_errors(self.path):
                texts = self._texts.load(self.conn)
            try:
                return [_record(row, texts) for row in rows]
            except KeyError as exc:
                raise StorageError("corrupt", self.path, f"no text with id {exc}") from exc

    def records(
        self,
        *,
        state: SyncState | None = None,
        kind: str | None = None,
        uuids: Sequence[str] | None = None,
        seqs: tuple[int, int] | None = None,
        newest_first: bool = False,
        limit: int = -1,
    ) -> list[Record]:
        """Records in seq order (or newest first) that match every filter given: a sync
        state, a kind, uuids, a seq range (both ends included), at most ``limit`` of them."""
        where: list[str] = []
        params: list[Any] = []
        if state is not None:
            where.append(f"sync_state = {layout.STATE_CODES[state]}")
        if kind is not None:
            where.append("kind = ?")
            params.append(layout.kind_in(kind))
        if uuids is not None:
            where.append(f"uuid IN ({', '.join('?' * len(uuids))})")
            params.extend(layout.uuid_in(u) for u in uuids)
        if seqs is not None:
            where.append("seq BETWEEN ? AND ?")
            params.extend(seqs)
        order = "DESC" if newest_first else "ASC"
        sql = f"{_SELECT} WHERE {' AND '.join(where) or '1'} ORDER BY seq {order} LIMIT ?"
        return self._decoded(self._all(sql, (*params, limit)))

    def get(self, record_uuid: str) -> Record | None:
        found = self.records(uuids=[record_uuid])
        return found[0] if found else None

    def pending(self, limit: int = 500, after_seq: int = 0) -> list[Record]:
        """The oldest records not yet accepted by the server, in sequence order."""
        return self.records(state=SyncState.PENDING, seqs=(after_seq + 1, MAX_SEQ), limit=limit)

    def pending_count(self) -> int:
        return self._count(f"SELECT count(*) FROM records WHERE {_PENDING}")

    def pending_ratings(self) -> int:
        """How many ratings still have something to send (the rating itself, or the reasons
        or comment given with it): what staff mean by "waiting", unlike the record count."""
        query = f"SELECT count(DISTINCT coalesce(rating_uuid, uuid)) FROM records WHERE {_PENDING}"
        return self._count(query)

    def oldest_pending_at(self) -> str | None:
        oldest = self._count(f"SELECT min(created_at) FROM records WHERE {_PENDING}")
        return None if oldest is None else layout.time_out(oldest)

    def count(self) -> int:
        return self._count("SELECT count(*) FROM records")

    def sync_states(self) -> dict[str, SyncState]:
        """uuid → sync state of every record kept."""
        rows = self._all("SELECT uuid, sync_state FROM records")
        return {layout.uuid_out(row[0]): layout.state_out(row[1]) for row in rows}

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the newest record ever written, or (0, genesis)."""
        seq = self._one("SELECT seq FROM sqlite_sequence WHERE name = 'records'")
        head_hash = self.get_meta(META_CHAIN_HEAD, GENESIS_HASH) or GENESIS_HASH
        return (seq[0] if seq else 0, head_hash)

    # -- sync bookkeeping ------------------------------------------------------------------

    def settle(
        self,
        synced: list[str],
        rejected: dict[str, str] | None = None,
        meta: dict[str, str] | None = None,
    ) -> None:
        """Apply one server answer in one transaction: records it holds become synced, records
        it refused are set aside with the reason for staff, and sync bookkeeping is updated."""
        with self.transaction() as conn:
            conn.executemany(
                f"UPDATE records SET sync_state = {layout.SYNCED} WHERE uuid = ? AND {_PENDING}",
                [(layout.uuid_in(u),) for u in synced],
            )
            conn.executemany(
                f"UPDATE records SET sync_state = {layout.QUARANTINED}, quarantine_reason = ? "
                "WHERE uuid = ?",
                [(reason, layout.uuid_in(u)) for u, reason in (rejected or {}).items()],
            )
            conn.executemany(_SET_META, list((meta or {}).items()))

    def mark_synced(self, uuids: list[str]) -> None:
        self.settle(uuids)

    def quarantine(self, reasons: dict[str, str]) -> None:
        """Set records aside that the server refused, keeping them and the reason for staff."""
        self.settle([], reasons)

    def quarantined(self) -> list[tuple[Record, str]]:
        rows = self._all(
            f"{_SELECT_WITH_REASON} WHERE sync_state = {layout.QUARANTINED} ORDER BY seq"
        )
        records = self._decoded([row[: layout.FIELD_COLUMNS] for row in rows])
        return [(record, row[-1] or "") for record, row in zip(records, rows, strict=True)]

    def resend_after(self, high_water_mark: int) -> int:
        """Mark synced records above the server's high-water mark pending again."""
        with self.transaction() as conn:
            cursor = conn.execute(
                f"UPDATE records SET sync_state = {layout.PENDING} "
                f"WHERE sync_state = {layout.SYNCED} AND seq > ?",
                (high_water_mark,),
            )
            return cursor.rowcount

    def prune_synced_through(self, seq: int) -> int:
        """Delete synced records up to ``seq``; pending and set-aside ones are never deleted.

        The sync job decides ``seq`` from what the server confirmed holding and for how long
        (``sync.pruning``), so no clock on the tablet can make it delete early.
        """
        with self.transaction() as conn:
            cursor = conn.execute(
                f"DELETE FROM records WHERE sync_state = {layout.SYNCED} AND seq <= ?", (seq,)
            )
            return cursor.rowcount


def _record(row: Sequence[Any], texts: Mapping[int, str]) -> Record:
    return Record.from_wire(layout.decode(dict(zip(_FIELD_COLUMNS, row, strict=True)), texts))
