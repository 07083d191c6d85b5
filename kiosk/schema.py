"""The kiosk database's schema versions and the steps that bring an older file up to date.

Why here and frozen: a kiosk in the field may start a newer app on a file any older version
left, so each step spells out its own tables and columns and is never edited once released;
``PRAGMA user_version`` says which steps a file has had. A step is SQL, or a function when
rows must be converted (schema 3).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from common.records import FIELDS
from kiosk import layout
from kiosk.texts import Texts

SCHEMA_VERSION = 3
COMPACT_SCHEMA = 3
"""The step that rebuilt the records table in its compact layout: a file that had records
before it is vacuumed once after it, to give the old pages back."""

Step = str | Callable[[sqlite3.Connection], None]

COPY_CHUNK = 2000
"""Rows converted at a time by the schema 3 step, so a large file never sits in memory."""

_V2_COLUMNS = (
    "seq", "uuid", "kind", "rating_uuid", "device_id", "center_id", "service_id",
    "catalog_version", "score", "reasons", "comment", "language", "created_at",
    "utc_offset_min", "flags", "prev_hash", "hash", "sync_state", "quarantine_reason",
)  # fmt: skip
"""The schema 2 columns the schema 3 step carries over (all but ``synced_at``)."""

_V3_TABLES = """
ALTER TABLE records RENAME TO records_v2;
CREATE TABLE texts (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid NOT NULL,
    kind NOT NULL,
    rating_uuid,
    device_id NOT NULL,
    center_id NOT NULL,
    service_id NOT NULL,
    catalog_version NOT NULL,
    score INTEGER,
    reasons,
    comment TEXT,
    language NOT NULL,
    created_at NOT NULL,
    utc_offset_min INTEGER NOT NULL,
    flags,
    prev_hash NOT NULL,
    hash NOT NULL,
    sync_state INTEGER NOT NULL DEFAULT 0,
    quarantine_reason TEXT
);
"""
"""Columns without a type keep whatever is stored in them (SQLite's BLOB affinity), so a
compact value and a value kept as text sit in the same column."""

_V3_INDEXES = """
DROP TABLE records_v2;
CREATE UNIQUE INDEX records_uuid ON records (uuid);
CREATE INDEX records_pending ON records (seq) WHERE sync_state = 0;
"""


def script(conn: sqlite3.Connection, sql: str) -> None:
    """Run ``sql`` statement by statement inside the caller's transaction (``executescript``
    would commit it)."""
    for statement in sql.split(";"):
        if statement.strip():
            conn.execute(statement)


def _compact_records(conn: sqlite3.Connection) -> None:
    """Schema 3: the records table rebuilt in its compact layout (``kiosk.layout``), every
    record, its seq, hash and sync state kept; ``sqlite_sequence`` keeps the highest seq ever
    given out. ``synced_at`` goes: nothing reads it since pruning goes by what the server
    confirmed (``sync.pruning``). It converts with ``kiosk.layout`` as schema 3 defines it; a
    later layout comes with a step of its own."""
    sequence = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'records'").fetchone()
    script(conn, _V3_TABLES)
    texts = Texts()
    columns = ", ".join(layout.COLUMNS)
    insert = f"INSERT INTO records ({columns}) VALUES ({', '.join('?' * len(layout.COLUMNS))})"
    rows = conn.execute(f"SELECT {', '.join(_V2_COLUMNS)} FROM records_v2 ORDER BY seq")
    while chunk := rows.fetchmany(COPY_CHUNK):
        converted = []
        for old in chunk:
            values = dict(zip(_V2_COLUMNS, old, strict=True))
            wire = {name: values[name] for name in FIELDS}
            for name in ("reasons", "flags"):
                wire[name] = layout.list_out(wire[name])
            row = layout.encode(wire, lambda text: texts.code(conn, text))
            row["sync_state"] = layout.STATE_CODES[values["sync_state"]]
            row["quarantine_reason"] = values["quarantine_reason"]
            converted.append(tuple(row[name] for name in layout.COLUMNS))
        conn.executemany(insert, converted)
    conn.execute("DELETE FROM sqlite_sequence WHERE name = 'records'")
    if sequence is not None:
        conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('records', ?)", sequence)
    script(conn, _V3_INDEXES)


MIGRATIONS: dict[int, Step] = {
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
    COMPACT_SCHEMA: _compact_records,
}


def upgrade(conn: sqlite3.Connection, target: int) -> None:
    """Apply step ``target`` inside the caller's transaction."""
    step = MIGRATIONS[target]
    if callable(step):
        step(conn)
    else:
        script(conn, step)
    conn.execute(f"PRAGMA user_version = {target}")
