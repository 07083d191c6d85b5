"""Benchmark: a kiosk offline for weeks catches up against a real server, measured against the
floor and the naive peer in the same run.

1. **Catch-up**: ``--records`` ratings (default 50 000) tapped offline, then one run of the
   real sync client (``sync.job.SyncJob``, batches of up to 500): records/s, batches,
   kiosk-side and server-side CPU time, memory (peak RSS of this process from
   ``resource.getrusage``; with ``--heap`` also the Python heap peak from ``tracemalloc``,
   which slows the sync).
2. **Floor**: the same rows the server stored, inserted again straight into the ``records``
   table of a fresh database of the same backend with ``executemany``, 500 per transaction
   (``bench/ingest_floor.py``).
3. **Naive peer**: ``--naive`` ratings (default 1 000) of a second kiosk sent by the same
   client one record per request (``max_batch_records=1``).
4. With ``--ceiling``, **the server alone**: as many ratings of two more kiosks, in the
   batches the kiosk would send, built and signed before the clock starts, then sent by the
   kiosk's client with one batch in flight, and with two (each batch leaves as soon as one of
   the two before it is answered): what a catch-up would reach if the kiosk's own work cost
   nothing, against the same floor.

It prints the ratios catch-up / floor (target at least 0.5) and catch-up / naive (target at
least 50), each with PASS or MISS; it fails (exit 1) only when a record is missing, never on
timing. The server runs as a subprocess on 127.0.0.1 (``tests.server.live.LiveServer``), on
SQLite or, with ``--pg-url`` (default ``$UKUK_PG_URL``; ``--sqlite`` ignores it), PostgreSQL;
``--workers N`` runs it as ``serve --workers N`` (with one batch in flight only the server
alone's second phase can keep two of them busy).
``--profile FILE`` records the server with py-spy during the catch-up and prints its top lines;
``--profile-kiosk FILE`` does the same for the kiosk's side (this process, which runs the sync
client).

    python bench/sync_backlog.py [--records 50000] [--naive 1000] [--sqlite | --pg-url URL]
                                 [--ceiling] [--workers 1] [--heap] [--profile FILE]
                                 [--profile-kiosk FILE] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from ingest_floor import (  # noqa: E402
    machine,
    process_cpu_s,
    profile_top,
    profiled,
    raw_insert_floor,
    stored_rows,
    wait_for_workers,
)

from common.heap import freeze_startup  # noqa: E402
from common.protocol import STORED  # noqa: E402
from kiosk.storage import Draft, Store  # noqa: E402
from sync.batching import BatchPlanner  # noqa: E402
from sync.body import signed_body  # noqa: E402
from sync.client import SyncClient  # noqa: E402
from sync.enrollment import enroll  # noqa: E402
from sync.job import SyncJob  # noqa: E402
from sync.keys import KioskFiles  # noqa: E402
from tests.server.live import LiveServer  # noqa: E402

CENTER = "bench-center"
FLOOR_TARGET = 0.5
"""Catch-up at least half as fast as inserting the same rows straight into the table."""
NAIVE_TARGET = 50.0
"""Catch-up at least 50 times as fast as one record per request."""


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


def server_alone(data_dir: Path, url: str, count: int, in_flight: int) -> float:
    """Records/s of the server alone: ``count`` ratings of an enrolled kiosk, in the batches
    its planner makes, signed before the clock starts, then sent with ``in_flight`` batches
    on the wire at once (one client per thread, as a client is not thread-safe)."""
    fill(data_dir, count)
    files = KioskFiles(data_dir)
    key = files.private_key()
    planner = BatchPlanner()
    bodies: list[tuple[str, bytes]] = []
    with Store(files.db_path) as store:
        device_id, after = store.device_id, 0
        while True:
            batch_id = str(uuid.uuid4())
            records = planner.next_batch(store, after, batch_id, device_id)
            if not records:
                break
            bodies.append((batch_id, signed_body(key, device_id, batch_id, records)))
            after = records[-1].seq
    local = threading.local()

    def send(item: tuple[str, bytes]) -> int:
        if not hasattr(local, "client"):
            local.client = SyncClient(url, device_id=device_id, private_key=key)
        answer = local.client.upload_batch(*item)
        return sum(1 for result in answer.results if result.status == STORED)

    started = time.perf_counter()
    with ThreadPoolExecutor(in_flight) as pool:
        stored = sum(pool.map(send, bodies))
    elapsed = time.perf_counter() - started
    if stored != count:
        raise RuntimeError(f"the server stored {stored} of {count} records")
    return count / elapsed


def verdict(ratio: float, target: float) -> str:
    return "PASS" if ratio >= target else "MISS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--naive", type=int, default=1_000, help="records sent one per request")
    parser.add_argument("--pg-url", default=os.environ.get("UKUK_PG_URL") or None)
    parser.add_argument("--sqlite", action="store_true", help="SQLite even if $UKUK_PG_URL is set")
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="also time the server alone (batches built beforehand), 1 and 2 in flight",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes (serve --workers N); the kiosk still sends one batch at a time",
    )
    parser.add_argument(
        "--heap", action="store_true", help="also trace the Python heap (slows the sync down)"
    )
    parser.add_argument("--profile", type=Path, help="py-spy raw output of the server's catch-up")
    parser.add_argument(
        "--profile-kiosk", type=Path, help="py-spy raw output of the kiosk's side of the catch-up"
    )
    parser.add_argument("--json", action="store_true", help="end with the figures as JSON")
    args = parser.parse_args(argv)
    pg_url = None if args.sqlite else args.pg_url
    figures: dict[str, object] = {}

    with tempfile.TemporaryDirectory(prefix="ukuk-bench-") as tmp:
        work = Path(tmp)
        serve_args = ("--workers", str(args.workers))
        with LiveServer(work / "server", pg_url=pg_url, serve_args=serve_args) as live:
            assert live._process is not None
            server_pid = live._process.pid
            wait_for_workers(live, args.workers)
            live.add_center(CENTER)
            codes = live.add_kiosks(["bench-kiosk", "naive-kiosk", "alone-1", "alone-2"], CENTER)
            data_dir, naive_dir = work / "kiosk", work / "naive"
            enroll(data_dir, live.url, codes["bench-kiosk"])
            backend = "PostgreSQL" if pg_url else "SQLite"
            print(
                f"server: {backend}, {args.workers} worker(s); records: {args.records}; {machine()}"
            )

            fill_s = fill(data_dir, args.records)
            print(f"offline taps: {args.records / fill_s:,.0f} records/s ({fill_s:.1f} s)")

            rss_before = peak_rss_mib()
            freeze_startup()  # as a kiosk is once started (common.heap): its sync runs in it
            job = SyncJob(data_dir)
            if args.heap:
                tracemalloc.start()
            with profiled([server_pid], args.profile), profiled([os.getpid()], args.profile_kiosk):
                server_cpu = process_cpu_s(server_pid)
                started, cpu_started = time.perf_counter(), time.process_time()
                report = job.run_once()
                elapsed = time.perf_counter() - started
                cpu = time.process_time() - cpu_started
                server_cpu = process_cpu_s(server_pid) - server_cpu
            heap_peak = tracemalloc.get_traced_memory()[1] if args.heap else None
            tracemalloc.stop()
            job.close()
            rss_after = peak_rss_mib()
            catch_up = report.uploaded / elapsed

            print(f"catch-up: {report.uploaded:,} records in {elapsed:.1f} s")
            print(f"  {catch_up:,.0f} records/s, {report.batches} batches")
            print(
                f"  CPU: kiosk side {cpu:.1f} s, server process {server_cpu:.1f} s "
                f"({1000 * server_cpu / max(report.uploaded, 1):.3f} ms per record); "
                "the rest is the database, the network and waiting"
            )
            if heap_peak is not None:
                print(f"  Python heap peak during sync (tracemalloc): {heap_peak / 2**20:.1f} MiB")
            if rss_before is not None and rss_after is not None:
                print(f"  peak RSS: {rss_before:.0f} MiB before sync, {rss_after:.0f} MiB after")
            for side, path in (("server", args.profile), ("kiosk", args.profile_kiosk)):
                if path:
                    print(f"  {side} profile (py-spy, {path}), share of samples on the stack:")
                    for line in profile_top([path]):
                        print(f"    {line}")

            rows = stored_rows(live.db_url)
            floor = raw_insert_floor(work / "floor", pg_url, rows)
            print(
                f"floor: the same {floor.rows:,} rows by executemany, 500 per transaction: "
                f"{floor.rate:,.0f} records/s ({floor.seconds:.1f} s)"
            )

            enroll(naive_dir, live.url, codes["naive-kiosk"])
            fill(naive_dir, args.naive)
            naive_job = SyncJob(naive_dir, max_batch_records=1)
            started = time.perf_counter()
            naive_report = naive_job.run_once()
            naive_s = time.perf_counter() - started
            naive_job.close()
            naive = naive_report.uploaded / naive_s
            print(
                f"naive: {naive_report.uploaded:,} records one per request: "
                f"{naive:,.0f} records/s ({naive_s:.1f} s)"
            )

            alone: dict[int, float] = {}
            if args.ceiling:
                for in_flight in (1, 2):
                    alone_dir = work / f"alone-{in_flight}"
                    enroll(alone_dir, live.url, codes[f"alone-{in_flight}"])
                    alone[in_flight] = server_alone(alone_dir, live.url, args.records, in_flight)
                    print(
                        f"server alone, {in_flight} in flight: {alone[in_flight]:,.0f} "
                        f"records/s ({alone[in_flight] / floor.rate:.2f} of the floor)"
                    )

            on_floor, on_naive = catch_up / floor.rate, catch_up / naive
            print(
                f"catch-up / floor: {on_floor:.2f} (target >= {FLOOR_TARGET}: "
                f"{verdict(on_floor, FLOOR_TARGET)})"
            )
            print(
                f"catch-up / naive: {on_naive:.0f} (target >= {NAIVE_TARGET:.0f}: "
                f"{verdict(on_naive, NAIVE_TARGET)})"
            )
            stored = int(live.query("SELECT count(*) FROM records")[0][0])
            expected = args.records * (1 + len(alone)) + args.naive
            figures = {
                "backend": backend,
                "workers": args.workers,
                "records": args.records,
                "uploaded": report.uploaded,
                "batches": report.batches,
                "catch_up_per_s": catch_up,
                "kiosk_cpu_s": cpu,
                "server_cpu_s": server_cpu,
                "floor_per_s": floor.rate,
                "naive_uploaded": naive_report.uploaded,
                "naive_per_s": naive,
                "floor_ratio": on_floor,
                "naive_ratio": on_naive,
                "stored": stored,
                **{f"alone_{n}_per_s": rate for n, rate in alone.items()},
            }
            if args.json:
                print(json.dumps(figures))
            if report.uploaded != args.records or naive_report.uploaded != args.naive:
                print("  WARNING: not every record was uploaded")
                return 1
            if stored != expected:
                print(f"  WARNING: the server holds {stored} records, not {expected}")
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
