"""Benchmark: bytes on the kiosk's disk per citizen session, in today's layout and the one
before it, beside the bytes of the fields themselves.

The sessions are those of the demo data (``server.demo_data.make_plan``: its busiest kiosk,
ratings with reasons and comments in their usual share). They are appended through
``Store.append`` as the kiosk writes them (fsync off: it changes no byte on disk); the same
records are written in the schema 2 layout (``kiosk.schema.MIGRATIONS`` 1 and 2, text
throughout, as the kiosk wrote them before). Each file is measured after ``VACUUM``, with
every record pending (a kiosk offline) and with every record synced (the usual state before
pruning). The floor: the field values as text (UTF-8, lists as their items), without keys,
indexes or SQLite's own bookkeeping.

    python bench/disk_per_session.py [--sessions 10000]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

from common.catalog import demo_catalog  # noqa: E402
from common.records import FIELDS, LIST_FIELDS, Record, SyncState, format_utc  # noqa: E402
from kiosk.schema import MIGRATIONS, script  # noqa: E402
from kiosk.storage import Draft, Store  # noqa: E402
from server.demo_data import make_plan  # noqa: E402

TARGET_BYTES = 350
"""Bytes per session on disk, after ``VACUUM``, that the kiosk's layout should not exceed."""


def sessions_of_one_kiosk(sessions: int, seed: int) -> list[dict[str, Any]]:
    """The wire records of the first ``sessions`` sessions of the demo's busiest kiosk."""
    plan = make_plan(demo_catalog(), sessions * 6, seed, 2026, date(2026, 11, 30))
    records = max(plan.records.values(), key=len)
    ratings = 0
    for index, record in enumerate(records):
        ratings += record["kind"] == "rating"
        if ratings > sessions:
            return records[:index]
    raise SystemExit(f"the demo's busiest kiosk has only {ratings} sessions")


def write_current(path: Path, plan: list[dict[str, Any]]) -> list[Record]:
    """The sessions appended by the kiosk's own storage; returns what it wrote."""
    moments = iter([datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")) for r in plan])
    store = Store(path, clock=lambda: next(moments))
    store.conn.execute("PRAGMA synchronous = OFF")
    written: list[Record] = []
    ratings: dict[str, str] = {}
    try:
        for wire in plan:
            rating = ratings.get(wire["rating_uuid"])
            record = store.append(
                Draft(
                    kind=wire["kind"],
                    rating_uuid=rating,
                    center_id=wire["center_id"],
                    service_id=wire["service_id"],
                    catalog_version=wire["catalog_version"],
                    language=wire["language"],
                    score=wire["score"],
                    reasons=tuple(wire["reasons"]),
                    comment=wire["comment"],
                    flags=tuple(wire["flags"]),
                )
            )
            ratings.setdefault(wire["uuid"], record.uuid)
            written.append(record)
    finally:
        store.close()
    return written


def write_schema_2(path: Path, records: list[Record], device_id: str) -> None:
    """The same records as the kiosk stored them before schema 3: every value as text, lists
    as JSON, the chain head in ``meta``."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        for version in (1, 2):
            step = MIGRATIONS[version]
            assert isinstance(step, str)
            script(conn, step)
        rows = []
        for record in records:
            values = record.to_wire()
            for name in LIST_FIELDS:
                values[name] = json.dumps(values[name], ensure_ascii=False)
            rows.append(values)
        conn.executemany(
            f"INSERT INTO records ({', '.join(FIELDS)}) "
            f"VALUES ({', '.join(':' + name for name in FIELDS)})",
            rows,
        )
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [("device_id", device_id), ("chain_head", records[-1].hash)],
        )
        conn.execute("PRAGMA user_version = 2")
        conn.execute("COMMIT")
    finally:
        conn.close()


def synced_schema_2(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(
            "UPDATE records SET sync_state = ?, synced_at = ?",
            (SyncState.SYNCED, format_utc(datetime(2026, 11, 30, 12))),
        )
    finally:
        conn.close()


def vacuumed_size(path: Path) -> int:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        return int(pages * size)
    finally:
        conn.close()


def field_bytes(record: Record) -> int:
    """The record's field values as text: what the fields themselves hold."""
    total = 0
    for name, value in record.to_wire().items():
        if name in LIST_FIELDS:
            total += sum(len(str(item).encode()) for item in value)
        elif value is not None:
            total += len(str(value).encode())
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    plan = sessions_of_one_kiosk(args.sessions, args.seed)
    with tempfile.TemporaryDirectory() as folder:
        current, before = Path(folder) / "current.db", Path(folder) / "schema-2.db"
        records = write_current(current, plan)
        write_schema_2(before, records, records[0].device_id)
        sizes = {"current, pending": vacuumed_size(current)}
        sizes["schema 2, pending"] = vacuumed_size(before)
        with Store(current) as store:
            store.mark_synced([record.uuid for record in records])
        synced_schema_2(before)
        sizes["current, synced"] = vacuumed_size(current)
        sizes["schema 2, synced"] = vacuumed_size(before)
        with Store(current) as store:
            assert store.records() == records  # what was written reads back unchanged
    floor = sum(field_bytes(record) for record in records)
    count = args.sessions
    print(
        f"{count} sessions, {len(records)} records ({len(records) / count:.2f} per session), "
        f"sizes after VACUUM"
    )
    print(f"{'':<20} {'bytes/session':>14} {'bytes/record':>13} {'/ fields':>9}")
    print(f"{'fields as text':<20} {floor / count:>14.0f} {floor / len(records):>13.0f} {1:>9.2f}")
    for name, size in sizes.items():
        print(f"{name:<20} {size / count:>14.0f} {size / len(records):>13.0f} {size / floor:>9.2f}")
    for state in ("pending", "synced"):
        now, old = sizes[f"current, {state}"], sizes[f"schema 2, {state}"]
        verdict = "PASS" if now / count <= TARGET_BYTES else "MISS"
        print(
            f"{state}: current / schema 2 = {now / old:.2f}; "
            f"{now / count:.0f} B per session (target ≤ {TARGET_BYTES}: {verdict})"
        )
    if args.json:
        figures = {"sessions": count, "records": len(records), "fields": floor, **sizes}
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
