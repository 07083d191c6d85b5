"""Benchmark: how long a citizen's tap waits until its rating is durably on disk, beside the
disk's floor and the way the kiosk stored a rating before schema 3, all in the same run.

Three kinds of write, in blocks that take turns, each write between a floor and an overwrite
taken just before and after it, so that each ratio compares writes that met the same disk and
the same neighbours (a busy machine moves them together; compare ratios, not milliseconds):

- **tap**: as in the app, the rating is handed to the writer thread
  (``kiosk.writer.RecordWriter``), which appends it (``Store.append``: WAL,
  ``synchronous=FULL``, one transaction) and calls back; the time runs from the hand-over to
  the callback. Each tap starts once the thread is idle (it copies the log into the file
  between taps, now and then), as a citizen's next tap comes seconds after the last.
- **append**: ``Store.append`` on this thread, without the hand-over.
- **schema 2**: the naive peer, the append as the kiosk did it before schema 3 (text
  throughout, the device id read before the transaction, the chain head and the sequence
  read inside it, an upsert of the head: 7 statements), on a file of the frozen schema 2.
- **floor**: 4 KiB appended to a file and fsynced: the bare durable write the targets are
  set against.
- **overwrite**: for reference, 4 KiB written into a file's existing space at a block
  boundary and fsynced; less than any SQLite commit does, since a WAL frame (a 24-byte header,
  then the page) straddles two disk blocks.

Prints the percentiles, each kind's ratio to the floor taken beside it (PASS or MISS against
the targets for the tap), and the ratio of the append to the peer; it never fails on timing.

    python bench/commit_latency.py [--count 2000] [--dir /path/on/the/tablet/disk]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

from common.records import (  # noqa: E402
    FIELDS,
    GENESIS_HASH,
    LIST_FIELDS,
    Record,
    format_utc,
    record_hash,
)
from kiosk.schema import MIGRATIONS, script  # noqa: E402
from kiosk.storage import Draft, Store, local_offset_minutes, utc_now  # noqa: E402
from kiosk.writer import RecordWriter  # noqa: E402

TARGETS = {50: 1.5, 99: 2.0}
"""Tap latency at these percentiles, at most this many times the floor's."""
BLOCK = 4096
OVERWRITE_FILE = 4 << 20
"""The overwrite cycles through a file as large as the WAL grows before a checkpoint."""

DRAFT = Draft(
    kind="rating",
    rating_uuid=None,
    center_id="central-service-hall",
    service_id="free-canteen",
    catalog_version="2026.1",
    language="ka",
    score=4,
)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Floor:
    """Bare durable 4 KiB writes: appended to a growing file, or over a file's existing space."""

    def __init__(self, folder: Path) -> None:
        self.data = os.urandom(BLOCK)
        self.append_fd = os.open(folder / "append.bin", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        self.over_fd = os.open(folder / "over.bin", os.O_WRONLY | os.O_CREAT)
        os.ftruncate(self.over_fd, OVERWRITE_FILE)
        os.fsync(self.over_fd)
        self.offset = 0

    def append(self) -> None:
        os.write(self.append_fd, self.data)
        os.fsync(self.append_fd)

    def overwrite(self) -> None:
        os.pwrite(self.over_fd, self.data, self.offset)
        os.fsync(self.over_fd)
        self.offset = (self.offset + BLOCK) % OVERWRITE_FILE

    def close(self) -> None:
        os.close(self.append_fd)
        os.close(self.over_fd)


class SchemaTwoPeer:
    """The append of the schema 2 kiosk, statement for statement, on a schema 2 file."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("BEGIN")
        for version in (1, 2):
            step = MIGRATIONS[version]
            assert isinstance(step, str)
            script(self.conn, step)
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('device_id', ?)", (str(uuid.uuid4()),)
        )
        self.conn.execute("PRAGMA user_version = 2")
        self.conn.execute("COMMIT")
        columns = ", ".join(FIELDS)
        self.insert = (
            f"INSERT INTO records ({columns}) VALUES ({', '.join(':' + n for n in FIELDS)})"
        )

    def append(self) -> None:
        """As the schema 2 ``Store.append`` did it: the record built as a ``Record``, hashed
        from its wire form, rebuilt with its hash, turned into a row with JSON lists."""
        conn = self.conn
        device_id = conn.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0]
        now = utc_now()
        record_uuid = str(uuid.uuid4())
        conn.execute("BEGIN IMMEDIATE")
        head = conn.execute("SELECT value FROM meta WHERE key = 'chain_head'").fetchone()
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'records'").fetchone()
        record = Record(
            uuid=record_uuid,
            seq=(row[0] if row else 0) + 1,
            kind=DRAFT.kind,
            rating_uuid=record_uuid,
            device_id=device_id,
            center_id=DRAFT.center_id,
            service_id=DRAFT.service_id,
            catalog_version=DRAFT.catalog_version,
            score=DRAFT.score,
            reasons=DRAFT.reasons,
            comment=DRAFT.comment,
            language=DRAFT.language,
            created_at=format_utc(now),
            utc_offset_min=local_offset_minutes(now),
            flags=DRAFT.flags,
            prev_hash=head[0] if head else GENESIS_HASH,
        )
        digest = record_hash(record.to_wire())
        record = Record(**{**record.__dict__, "hash": digest})
        values = record.to_wire()
        for name in LIST_FIELDS:
            values[name] = json.dumps(values[name], ensure_ascii=False)
        conn.execute(self.insert, values)
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('chain_head', ?)", (digest,))
        conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


def tap(writer: RecordWriter) -> float:
    """One rating through the writer thread; seconds from hand-over to the commit's callback.
    The thread is let finish what it does between taps first (a checkpoint, now and then)."""
    writer.flush()
    finished = threading.Event()
    done_at: list[float] = []

    def done(_result: object) -> None:
        done_at.append(time.perf_counter())
        finished.set()

    start = time.perf_counter()
    writer.save(DRAFT, done)
    if not finished.wait(30):
        raise TimeoutError("the writer thread did not answer")
    return done_at[0] - start


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="writes of each kind")
    parser.add_argument("--block", type=int, default=100, help="writes of one kind in a row")
    parser.add_argument("--warmup", type=int, default=50, help="writes of each kind first")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the test files")
    args = parser.parse_args(argv)
    kinds = ("tap", "append", "schema 2")
    measured: dict[str, dict[str, list[float]]] = {
        kind: {"write": [], "floor": [], "overwrite": []} for kind in kinds
    }
    with tempfile.TemporaryDirectory(dir=args.dir) as name:
        folder = Path(name)
        writer = RecordWriter(folder / "kiosk.db")
        store = Store(folder / "direct.db")
        peer = SchemaTwoPeer(folder / "schema-2.db")
        floor = Floor(folder)
        writes: dict[str, Callable[[], float]] = {
            "tap": lambda: tap(writer),
            "append": lambda: timed(lambda: store.append(DRAFT)),
            "schema 2": lambda: timed(peer.append),
        }
        try:
            for kind in kinds:
                for _ in range(args.warmup):
                    writes[kind]()
            done = 0
            while done < args.count:
                block = min(args.block, args.count - done)
                for kind in kinds:
                    for _ in range(block):
                        samples = measured[kind]
                        samples["floor"].append(timed(floor.append) * 1000)
                        samples["write"].append(writes[kind]() * 1000)
                        samples["overwrite"].append(timed(floor.overwrite) * 1000)
                done += block
        finally:
            writer.close()
            store.close()
            peer.close()
            floor.close()
    print(
        f"{args.count} writes of each kind after {args.warmup} warm-up, in blocks of "
        f"{args.block} taking turns; each write between a floor and an overwrite"
    )
    print(f"{'ms':<22} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}")
    for kind in kinds:
        for what, values in measured[kind].items():
            label = kind if what == "write" else f"  {what} (beside {kind})"
            figures = " ".join(f"{percentile(values, p):7.3f}" for p in (50, 95, 99))
            print(f"{label:<22} {figures} {max(values):7.3f}")
    for p, target in TARGETS.items():
        ratios = {
            kind: percentile(measured[kind]["write"], p) / percentile(measured[kind]["floor"], p)
            for kind in kinds
        }
        verdict = "PASS" if ratios["tap"] <= target else "MISS"
        print(
            f"p{p}: tap / floor = {ratios['tap']:.2f} (target ≤ {target}: {verdict}); "
            f"append / floor = {ratios['append']:.2f}; schema 2 / floor = "
            f"{ratios['schema 2']:.2f}; append / schema 2 = "
            f"{ratios['append'] / ratios['schema 2']:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
