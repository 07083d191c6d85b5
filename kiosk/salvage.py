"""A damaged kiosk database is healed at start: the damaged file is kept, every readable row
goes into a fresh database, and what could not be read is recorded as a gap.

Why this way:
- The kiosk must go on taking ratings: a tablet that refuses to start loses every rating of
  the day, while a salvage loses at most what the damage destroyed.
- The damaged file (with its ``-wal`` and ``-shm``) is moved aside under a timestamped name and
  never deleted: it is the evidence, and a specialist may read more out of it later.
- Records are read through SQLite by ``seq`` range; a range that fails is halved until the
  unreadable seqs are pinned down. Seqs SQLite cannot reach are then looked for page by page
  (``kiosk.pages``), in the file and in its write-ahead log. A record is kept only if its
  content still matches its own hash, so salvage never alters or invents a rating.
- Rows are read in whichever layout the file has (``kiosk.layout`` reads them all). The names
  rows refer to by id (``kiosk.texts``) come from their table, else from their copy in
  ``meta``, else page by page: ids never change, so any copy of a row is right, and a wrong
  name could only make a record fail its hash.
- What could not be read is recorded (an audit entry, ``meta``) and shown to staff, never
  papered over; the chain goes on from the newest record known (docs/records.md, "Salvage").
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from common.records import GENESIS_HASH, Record, SyncState, format_utc
from common.records import record_hash as hash_of
from kiosk import layout
from kiosk.checkup import (
    AUDIT_ACTION,
    META_NOTICE,
    SIDE_FILES,
    done_path,
    look,
    partial_files,
    partial_path,
)
from kiosk.errors import StorageError, storage_errors, storage_kind
from kiosk.files import fsync_dir
from kiosk.pages import FILE_HEADER, MAGIC, header_page_size, scan_cells, wal_page_size
from kiosk.storage import Kept, Store, mark_checked, utc_now
from kiosk.texts import META_TEXTS, from_mirror

log = logging.getLogger("kiosk.salvage")

META_LOST = "salvage.lost"
"""Every seq range any salvage of this kiosk could not read (JSON list of [from, to])."""
FAILED_READS_BUDGET = 20_000
"""Failed range reads allowed per table before the rest is left to the page scan: a damaged
root page makes every read fail, and halving a large table to single rows takes long."""

ROWID_GUESS = 100_000
"""How far to look for rows of the small tables (meta, audit log) when their highest rowid
cannot be read."""

SeqRange = tuple[int, int]


@dataclass
class SalvageReport:
    """What a salvage kept, what it could not read, and where the chain goes on."""

    at: str
    kept_aside: list[str]
    """Names of the damaged files kept, in the data folder."""
    records: int = 0
    """Records kept (their content matches their hash)."""
    from_pages: int = 0
    """Of those, found page by page; their sync state is unknown, so they are sent again."""
    lost: list[SeqRange] = field(default_factory=list)
    """Seq ranges that could not be read."""
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    head_known: bool = True
    """False when neither the chain head nor the newest record survived: newer records than
    ``head_seq`` may have existed, and the chain goes on from the newest one found."""
    audit_entries: int = 0
    meta_keys: int = 0
    device_id_found: bool = True

    @property
    def lost_count(self) -> int:
        return sum(high - low + 1 for low, high in self.lost)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> SalvageReport | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            data["lost"] = [(int(low), int(high)) for low, high in data.get("lost", [])]
            return cls(**data)
        except (ValueError, TypeError, KeyError):
            log.warning("unreadable salvage notice; ignored")
            return None

    def summary(self) -> str:
        lost = ", ".join(f"{low}-{high}" if low != high else str(low) for low, high in self.lost)
        parts = [
            f"damaged database kept as {', '.join(self.kept_aside)}",
            f"{self.records} records kept ({self.from_pages} read page by page)",
            f"{self.lost_count} unreadable" + (f" (seq {lost})" if lost else ""),
            f"chain goes on from seq {self.head_seq}"
            + ("" if self.head_known else " (newer records may be lost)"),
        ]
        return "; ".join(parts)


# -- at start -------------------------------------------------------------------------------


def heal(
    path: Path | str, clock: Callable[[], datetime] = utc_now, found: str | None = None
) -> SalvageReport | None:
    """Finish a salvage cut off, check ``path`` once (``quick_check``) and salvage it if it
    is damaged (``kiosk.checkup.look`` tells the start whether to call this).

    ``found``: what that look's ``quick_check`` found wrong, when it found the file damaged;
    the file is then not checked again (the check reads the whole file). Returns the report
    of a salvage, or None when the file was sound (or new). Other storage failures (read-only
    storage, a full disk) are raised.
    """
    path = Path(path)
    _finish_interrupted(path)
    if found is None:
        found = look(path)  # nothing is left over now: what the file's own check finds
        if found is None:
            return None
    log.error("%s is damaged (%s); salvaging it", path, found)
    report = salvage(path, clock)
    mark_checked(path)
    return report


def _finish_interrupted(path: Path) -> None:
    """Complete a salvage that was cut off between keeping the damaged file aside and putting
    the fresh one in its place; a fresh file not yet complete is dropped."""
    for leftover in partial_files(path):
        leftover.unlink(missing_ok=True)
    done = done_path(path)
    if done.exists():
        if path.exists():
            done.unlink()  # the damaged file is still in place: salvage again
            return
        log.warning("finishing an interrupted salvage of %s", path)
        # The damaged file's log must follow it aside: left here, SQLite would replay it
        # into the fresh database.
        report = SalvageReport.from_json(_read_meta(done, META_NOTICE))
        names = report.kept_aside if report is not None else []
        aside = next((name for name in names if name.endswith(path.suffix)), None)
        for side in SIDE_FILES:
            leftover = Path(f"{path}{side}")
            if leftover.exists():
                if aside is None:
                    raise StorageError("io", path, f"cannot tell where {leftover.name} belongs")
                os.replace(leftover, path.parent / f"{aside}{side}")
        os.replace(done, path)
        fsync_dir(path.parent)


def _read_meta(db: Path, key: str) -> str | None:
    """From a complete, checkpointed file: read as immutable, so no ``-wal``/``-shm`` is made."""
    uri = f"{db.resolve().as_uri()}?mode=ro&immutable=1"
    with storage_errors(db), contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


# -- salvage --------------------------------------------------------------------------------


@dataclass
class Salvaged:
    """What could be read from a damaged database."""

    records: dict[int, Kept] = field(default_factory=dict)
    """seq → the record, with its sync state as it will be written."""
    from_pages: set[int] = field(default_factory=set)
    unreadable: set[int] = field(default_factory=set)
    meta: dict[str, str] = field(default_factory=dict)
    audit: list[tuple[str, str, str]] = field(default_factory=list)
    sequence: int | None = None
    """``sqlite_sequence``'s value for records: the highest seq ever given out."""
    blind: bool = False
    """SQLite could read nothing of the records, not even which seqs there were."""
    texts: dict[int, str] = field(default_factory=dict)
    """The names rows refer to by id (``kiosk.texts``)."""
    texts_scanned: bool = False
    """The pages were already searched for rows of ``texts``."""


def salvage(path: Path, clock: Callable[[], datetime] = utc_now) -> SalvageReport:
    """Keep the damaged ``path`` aside, read what can be read, and put a fresh database with
    it in its place."""
    now = clock()
    aside = _aside_path(path, now)
    work = Path(tempfile.mkdtemp(prefix=".salvage-", dir=path.parent))
    try:
        scratch = work / "damaged.db"
        shutil.copyfile(path, scratch)
        wal = Path(f"{path}-wal")
        if wal.exists():
            shutil.copyfile(wal, f"{scratch}-wal")
        found = read_damaged(scratch)
        kept = [aside.name] + [
            aside.name + side for side in SIDE_FILES if Path(f"{path}{side}").exists()
        ]
        report = _report(found, now, kept)
        partial = partial_path(path)
        _write_fresh(partial, found, report, clock)
        os.replace(partial, done_path(path))
        fsync_dir(path.parent)
        for side in ("", *SIDE_FILES):
            source = Path(f"{path}{side}")
            if source.exists():
                os.replace(source, Path(f"{aside}{side}"))
        fsync_dir(path.parent)
        os.replace(done_path(path), path)
        fsync_dir(path.parent)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.warning("salvage of %s: %s", path, report.summary())
    return report


def _aside_path(path: Path, now: datetime) -> Path:
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(1000):
        suffix = f"-{attempt}" if attempt else ""
        candidate = path.with_name(f"{path.stem}-damaged-{stamp}{suffix}{path.suffix}")
        if not any(Path(f"{candidate}{side}").exists() for side in ("", *SIDE_FILES)):
            return candidate
    raise StorageError("io", path, "no free name to keep the damaged file under")


def read_damaged(db: Path) -> Salvaged:
    """Everything readable in ``db`` (a copy: SQLite may write to it while reading)."""
    found = Salvaged()
    rows: dict[int, dict[str, Any]] = {}
    conn = _open_damaged(db)
    if conn is None:
        found.blind = True
    else:
        try:
            rows = _read_sql(conn, found)
        finally:
            conn.close()
    for key, text in from_mirror(found.meta.get(META_TEXTS)).items():
        found.texts.setdefault(key, text)
    for seq, values in rows.items():
        taken = _take(db, found, seq, values)
        if taken is None:
            found.unreadable.add(seq)  # read, but its content no longer matches its hash
        else:
            found.records[seq] = taken
    if found.blind or found.unreadable:
        _read_pages(db, found)
    return found


def _open_damaged(db: Path) -> sqlite3.Connection | None:
    """A connection that can read ``db``'s schema, after mending a broken file header if that
    is what stops SQLite; None if the schema cannot be read at all."""
    for attempt in range(2):
        conn = sqlite3.connect(db, isolation_level=None)
        try:
            conn.execute("SELECT name FROM sqlite_schema").fetchall()
            return conn
        except sqlite3.DatabaseError as exc:
            conn.close()
            if storage_kind(exc) != "corrupt" or attempt or not _mend_header(db):
                log.warning("the damaged database's schema cannot be read: %s", exc)
                return None
    return None


def _mend_header(db: Path) -> bool:
    """Mend the file header if that may be what stops SQLite (the rest of page 1, the schema,
    is left as it is); False when there is nothing to mend.

    A header without SQLite's magic string is damaged throughout: it is written anew with
    SQLite's defaults. In a header that has it, the page count is cleared (SQLite then goes by
    the file's size: a file cut short no longer claims pages it lacks) and fields that hold
    impossible values are reset.
    """
    with db.open("r+b") as handle:
        header = handle.read(FILE_HEADER)
        if len(header) < FILE_HEADER:
            return False
        wal = Path(f"{db}-wal")
        size = header_page_size(header) or wal_page_size(wal) or 4096
        journal = 2 if wal.exists() else 1
        if header[:16] == MAGIC:
            mended = bytearray(header)
        else:
            mended = bytearray(FILE_HEADER)
            mended[24:28] = (1).to_bytes(4, "big")  # change counter
            mended[40:44] = (1).to_bytes(4, "big")  # schema cookie
            mended[96:100] = (3040001).to_bytes(4, "big")  # the SQLite version that wrote it
        mended[:16] = MAGIC
        mended[16:18] = (1 if size == 65536 else size).to_bytes(2, "big")
        if mended[18] not in (1, 2) or mended[19] not in (1, 2):
            mended[18], mended[19] = journal, journal
        mended[21], mended[22], mended[23] = 64, 32, 32  # payload fractions, fixed by SQLite
        mended[28:32] = bytes(4)  # page count, and below the change counter it is valid for
        mended[92:96] = bytes(4)
        if int.from_bytes(mended[44:48], "big") not in (1, 2, 3, 4):
            mended[44:48] = (4).to_bytes(4, "big")  # schema format
        if int.from_bytes(mended[56:60], "big") not in (1, 2, 3):
            mended[56:60] = (1).to_bytes(4, "big")  # UTF-8
        if bytes(mended) == header:
            return False
        handle.seek(0)
        handle.write(bytes(mended))
    log.warning("mended the damaged database's file header (page size %d)", size)
    return True


def _read_sql(conn: sqlite3.Connection, found: Salvaged) -> dict[int, dict[str, Any]]:
    """Meta, the audit log and the names into ``found``; the records' rows by seq."""
    tables = {row[0] for row in _try(conn, "SELECT name FROM sqlite_schema WHERE type='table'")}
    row = _try(conn, "SELECT seq FROM sqlite_sequence WHERE name = 'records'")
    if row and isinstance(row[0][0], int):
        found.sequence = row[0][0]
    meta = (
        _read_table(conn, "meta", ("key", "value"), high=ROWID_GUESS) if "meta" in tables else None
    )
    for key, value in (meta or ({}, set()))[0].values():
        if isinstance(key, str) and isinstance(value, str):
            found.meta[key] = value
    audit = (
        _read_table(conn, "audit_log", ("at", "action", "detail"), high=ROWID_GUESS)
        if "audit_log" in tables
        else None
    )
    for _id, (at, action, detail) in sorted((audit or ({}, set()))[0].items()):
        found.audit.append((str(at), str(action), str(detail)))
    texts = _read_table(conn, "texts", ("text",), high=ROWID_GUESS) if "texts" in tables else None
    for text_id, (text,) in (texts or ({}, set()))[0].items():
        if isinstance(text, str):
            found.texts[text_id] = text
    records = None
    if "records" in tables:
        present = {str(row[1]) for row in _try(conn, "PRAGMA table_info(records)")}
        columns = tuple(c for c in layout.COLUMNS[1:] if c in present)
        records = _read_table(conn, "records", columns, key="seq", high=found.sequence)
    if records is None:
        found.blind = True
        return {}
    rows, unreadable = records
    found.unreadable |= unreadable
    return {seq: dict(zip(columns, values, strict=True)) for seq, values in rows.items()}


def _try(conn: sqlite3.Connection, sql: str) -> list[Any]:
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.DatabaseError:
        return []


def _read_table(
    conn: sqlite3.Connection,
    table: str,
    columns: tuple[str, ...],
    key: str = "rowid",
    high: int | None = None,
) -> tuple[dict[int, tuple[Any, ...]], set[int]] | None:
    """Rows by key, read range by range; a range that fails is halved down to single keys.
    Returns the rows read and the keys in ``1…high`` that could not be read, or None when the
    table cannot be read at all and its highest key is unknown."""
    select = f"SELECT {key}, {', '.join(columns)} FROM {table}"
    rows: dict[int, tuple[Any, ...]] = {}
    try:
        for row in conn.execute(f"{select} ORDER BY {key}"):
            rows[row[0]] = tuple(row[1:])
        return rows, set()
    except sqlite3.DatabaseError:
        rows.clear()
    top = _try(conn, f"SELECT max({key}) FROM {table}")
    if top and isinstance(top[0][0], int):
        high = max(high or 0, top[0][0])
    if not high:
        return None
    unreadable: set[int] = set()
    failures = 0
    stack: list[SeqRange] = [(1, high)]
    while stack:
        low, top_key = stack.pop()
        # A single key is looked up, not scanned: a scan steps on into the next page, which
        # may be the damaged one, and would fail after reading a sound row.
        where, args = (
            (f"{key} = ?", (low,)) if low == top_key else (f"{key} BETWEEN ? AND ?", (low, top_key))
        )
        try:
            part = conn.execute(f"{select} WHERE {where}", args).fetchall()
        except sqlite3.DatabaseError:
            failures += 1
            if low == top_key:
                unreadable.add(low)
            elif failures > FAILED_READS_BUDGET:
                unreadable.update(range(low, top_key + 1))
            else:
                middle = (low + top_key) // 2
                stack.extend([(middle + 1, top_key), (low, middle)])
            continue
        for row in part:
            rows[row[0]] = tuple(row[1:])
    return rows, unreadable


def _take(db: Path, found: Salvaged, seq: int, values: dict[str, Any]) -> Kept | None:
    """The record a row holds, if its content matches its hash; the pages are searched for
    the names it refers to when they are not known yet."""
    if not found.texts_scanned and any(
        isinstance(values.get(name), int) and values[name] not in found.texts
        for name in layout.CODED
    ):
        _read_texts_from_pages(db, found)
    return _as_record(seq, values, found.texts)


def _as_record(seq: int, values: dict[str, Any], texts: dict[int, str]) -> Kept | None:
    """The record these column values hold, with its sync state, or None if they do not make
    a record whose content matches its hash."""
    try:
        wire = layout.decode({**values, "seq": seq}, texts)
        if hash_of(wire) != wire["hash"]:
            return None
        record = Record.from_wire(wire)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    state = layout.state_out(values.get("sync_state", layout.PENDING))
    reason = values.get("quarantine_reason") if state is SyncState.QUARANTINED else None
    return Kept(record, state, reason if isinstance(reason, str) else None)


def _read_texts_from_pages(db: Path, found: Salvaged) -> None:
    """Rows of ``texts`` (an id and one text: no other table's rows look like that) from
    every table-leaf page; ids already known keep their text."""
    found.texts_scanned = True
    for cell in scan_cells(db, Path(f"{db}-wal"), wanted=lambda rowid: rowid not in found.texts):
        if len(cell.values) == 2 and cell.values[0] is None and isinstance(cell.values[1], str):
            found.texts.setdefault(cell.rowid, cell.values[1])


def _read_pages(db: Path, found: Salvaged) -> None:
    """Records SQLite could not reach, looked for in every table-leaf page. Only seqs that
    SQLite could not read are taken (or any, when SQLite could read nothing): a row on a page
    SQLite no longer uses was deleted (pruned after sync) and stays deleted."""

    def wanted(seq: int) -> bool:
        return seq >= 1 and seq not in found.records and (found.blind or seq in found.unreadable)

    for cell in scan_cells(db, Path(f"{db}-wal"), wanted=wanted):
        if len(cell.values) < layout.FIELD_COLUMNS or cell.values[0] is not None:
            continue
        seq = cell.rowid
        values = dict(zip(layout.COLUMNS, cell.values, strict=False))
        values["sync_state"] = layout.PENDING  # unknown: sending again is harmless
        taken = _take(db, found, seq, values)
        if taken is not None:
            found.records[seq] = taken
            found.from_pages.add(seq)
    found.unreadable -= set(found.records)
    if found.blind:  # every seq up to the newest found was there once
        top = max(found.sequence or 0, max(found.records, default=0))
        found.unreadable |= set(range(1, top + 1)) - set(found.records)


def _ranges(seqs: Iterable[int]) -> list[SeqRange]:
    out: list[SeqRange] = []
    for seq in sorted(seqs):
        if out and seq == out[-1][1] + 1:
            out[-1] = (out[-1][0], seq)
        else:
            out.append((seq, seq))
    return out


def _report(found: Salvaged, now: datetime, kept: list[str]) -> SalvageReport:
    """Where the chain goes on (docs/records.md, "Salvage"), and what was lost."""
    newest = max(found.records, default=0)
    sequence = found.sequence
    meta_head = found.meta.get("chain_head")
    highest = max(newest, sequence or 0)
    newest_hash = found.records[newest].record.hash if newest else GENESIS_HASH
    if sequence is not None and sequence >= newest and meta_head:
        head_seq, head_hash, known = sequence, meta_head, True
        if sequence == newest:
            head_hash = newest_hash  # the record itself, which matched its hash, wins
    elif newest and newest == highest and meta_head in (None, newest_hash):
        head_seq, head_hash = newest, newest_hash
        known = meta_head == newest_hash or sequence == newest
    else:
        head_seq, head_hash, known = highest, newest_hash, False
    if newest == 0 and sequence is None and not meta_head:
        known = False
    lost = {seq for seq in found.unreadable if 1 <= seq <= head_seq}
    device_ids = Counter(kept.record.device_id for kept in found.records.values())
    return SalvageReport(
        at=format_utc(now),
        kept_aside=kept,
        records=len(found.records),
        from_pages=len(found.from_pages),
        lost=_ranges(lost),
        head_seq=head_seq,
        head_hash=head_hash,
        head_known=known,
        audit_entries=len(found.audit),
        meta_keys=len(found.meta),
        device_id_found="device_id" in found.meta or bool(device_ids),
    )


def _write_fresh(
    path: Path, found: Salvaged, report: SalvageReport, clock: Callable[[], datetime]
) -> None:
    """The fresh database, complete and on disk, at ``path`` (not yet in place)."""
    meta = dict(found.meta)
    meta.pop(META_TEXTS, None)  # the fresh file numbers its names anew, and mirrors them
    if "device_id" not in meta and found.records:
        counts = Counter(kept.record.device_id for kept in found.records.values())
        meta["device_id"] = counts.most_common(1)[0][0]
    meta["chain_head"] = report.head_hash
    meta[META_NOTICE] = report.to_json()
    earlier = []
    with contextlib.suppress(ValueError, TypeError):
        earlier = [tuple(r) for r in json.loads(found.meta.get(META_LOST) or "[]")]
    meta[META_LOST] = json.dumps(sorted({*earlier, *report.lost}))
    store = Store(path, clock, quick_check=False)
    try:
        with store.transaction() as conn:
            store.restore(conn, [kept for _seq, kept in sorted(found.records.items())])
            conn.execute("DELETE FROM sqlite_sequence WHERE name = 'records'")
            conn.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES ('records', ?)",
                (report.head_seq,),
            )
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", list(meta.items()))
            conn.executemany(
                "INSERT INTO audit_log (at, action, detail) VALUES (?, ?, ?)", found.audit
            )
            conn.execute(
                "INSERT INTO audit_log (at, action, detail) VALUES (?, ?, ?)",
                (report.at, AUDIT_ACTION, report.summary()),
            )
        with storage_errors(path):
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())
