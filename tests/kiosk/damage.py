"""Kiosk databases built as a kiosk leaves them, then damaged on disk the way failing flash,
torn writes and power cuts damage them (for the salvage tests)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from common.records import Record, SyncState
from kiosk.pin import PinGuard
from kiosk.storage import Store
from tests.helpers import draft

PAGE = 4096
TABLE_LEAF, TABLE_INTERIOR, INDEX_LEAF = 0x0D, 0x05, 0x0A
PIN = "482913"


@dataclass
class Built:
    """A kiosk database as the kiosk left it, and what it held."""

    path: Path
    records: dict[int, Record]
    states: dict[int, SyncState]
    device_id: str
    head: tuple[int, str]
    pin_hash: str


def build(path: Path, clock, count: int = 400, checkpoint: bool = True) -> Built:
    """``count`` records (every seventh with a comment long enough to overflow its page), the
    first quarter synced, one past the middle set aside by the server; audit entries; a PIN."""
    with Store(path, clock=clock.utc) as store:
        for n in range(count):
            if n % 7 == 0:
                store.append(draft(kind="comment", score=None, comment="ქ" * 1500))
            else:
                store.append(draft(score=n % 5 + 1, comment=None))
            clock.advance(10)
        records = {r.seq: r for r in store.records()}
        store.mark_synced([records[seq].uuid for seq in range(1, count // 4 + 1)])
        store.quarantine({records[count * 3 // 8].uuid: "unknown_service"})
        store.audit("settings", "idle_timeout_s=45")
        PinGuard(store).set_pin(PIN, PIN)
        if checkpoint:
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        by_uuid = store.sync_states()
        states = {seq: by_uuid[record.uuid] for seq, record in records.items()}
        pin_hash = store.get_meta(PinGuard.HASH_KEY)
        assert pin_hash is not None
        return Built(
            path,
            records,
            states,
            store.device_id,
            store.head(),
            pin_hash,
        )


def pages_of(path: Path) -> dict[int, int]:
    """Page number → the page's type byte, read from the file."""
    data = path.read_bytes()
    return {n + 1: data[n * PAGE + (100 if n == 0 else 0)] for n in range(len(data) // PAGE)}


def roots(path: Path) -> dict[str, int]:
    """Read-only, so that closing it never writes the log into the file."""
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT name, rootpage FROM sqlite_schema").fetchall())
    finally:
        conn.close()


def records_leaves(path: Path) -> list[int]:
    others = {root for name, root in roots(path).items() if name != "records"}
    return [n for n, kind in pages_of(path).items() if kind == TABLE_LEAF and n not in others | {1}]


def flip_page(path: Path, number: int) -> None:
    """Every bit of one page inverted, as a failing flash cell or a torn write leaves it."""
    data = bytearray(path.read_bytes())
    start = (number - 1) * PAGE
    data[start : start + PAGE] = bytes(b ^ 0xFF for b in data[start : start + PAGE])
    path.write_bytes(bytes(data))


def ranges(seqs: set[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for seq in sorted(seqs):
        if out and out[-1][1] == seq - 1:
            out[-1] = (out[-1][0], seq)
        else:
            out.append((seq, seq))
    return out
