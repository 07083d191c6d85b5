"""Benchmark: a kiosk offline for weeks catches up - 50 000 ratings against a real server.

Prints figures, asserts nothing: taps/s while offline, then records/s, batches, kiosk-side
CPU time and memory for the catch-up (peak RSS of this process from ``resource.getrusage``;
with ``--heap`` also the Python heap peak from ``tracemalloc``, which slows the sync). The
server runs as a subprocess on 127.0.0.1 (``tests.server.live.LiveServer``), on SQLite or,
with ``--pg-url``, PostgreSQL.

    python bench/sync_backlog.py [--records 50000] [--heap] [--pg-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from kiosk.storage import Draft, Store  # noqa: E402
from sync.enrollment import enroll  # noqa: E402
from sync.job import SyncJob  # noqa: E402
from sync.keys import KioskFiles  # noqa: E402
from tests.server.live import LiveServer  # noqa: E402

CENTER = "bench-center"


def peak_rss_mib() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / (1024 * 1024)


def fill(data_dir: Path, count: int) -> float:
    """Append ``count`` ratings (no fsync per tap: the backlog is setup, not the subject)."""
    started = time.perf_counter()
    with Store(KioskFiles(data_dir).db_path) as store:
        store.conn.execute("PRAGMA synchronous = OFF")
        for i in range(count):
            store.append(
                Draft(
                    kind="rating",
                    rating_uuid=None,
                    center_id=CENTER,
                    service_id="free-canteen",
                    catalog_version="2026.1",
                    language="ka" if i % 3 else "en",
                    score=1 + i % 5,
                )
            )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--pg-url", default=os.environ.get("UKUK_PG_URL") or None)
    parser.add_argument(
        "--heap", action="store_true", help="also trace the Python heap (slows the sync down)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="ukuk-bench-") as tmp:
        work = Path(tmp)
        with LiveServer(work / "server", pg_url=args.pg_url) as live:
            live.add_center(CENTER)
            data_dir = work / "kiosk"
            enroll(data_dir, live.url, live.add_kiosk("bench-kiosk", CENTER))
            backend = "PostgreSQL" if args.pg_url else "SQLite"
            print(f"server: {backend}; records: {args.records}")

            fill_s = fill(data_dir, args.records)
            print(f"offline taps: {args.records / fill_s:,.0f} records/s ({fill_s:.1f} s)")

            rss_before = peak_rss_mib()
            job = SyncJob(data_dir)
            if args.heap:
                tracemalloc.start()
            started, cpu_started = time.perf_counter(), time.process_time()
            report = job.run_once()
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            heap_peak = tracemalloc.get_traced_memory()[1] if args.heap else None
            tracemalloc.stop()
            job.close()
            rss_after = peak_rss_mib()

            print(f"catch-up: {report.uploaded:,} records in {elapsed:.1f} s")
            print(f"  {report.uploaded / elapsed:,.0f} records/s, {report.batches} batches")
            print(f"  kiosk-side CPU: {cpu:.1f} s (the rest is the server and the network)")
            if heap_peak is not None:
                print(f"  Python heap peak during sync (tracemalloc): {heap_peak / 2**20:.1f} MiB")
            if rss_before is not None and rss_after is not None:
                print(f"  peak RSS: {rss_before:.0f} MiB before sync, {rss_after:.0f} MiB after")
            if report.uploaded != args.records:
                print(f"  WARNING: {args.records - report.uploaded} records not uploaded")
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
