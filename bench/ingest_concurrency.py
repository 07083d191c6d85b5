"""Benchmark: many kiosks upload at once, against ``serve --workers N`` for each N asked.

``--kiosks`` kiosks (default 20) each send ``--batches`` batches (default 10) of ``--records``
ratings (default 500, the largest batch), one after the other as a kiosk does, all kiosks at
the same moment. The bodies are built, gzipped and their heads signed before the clock starts;
each request is signed as it is sent. For each ``--workers`` count (default 1 and 4) a fresh
server (``tests.server.live.LiveServer``) on PostgreSQL (``--pg-url``, default
``$UKUK_PG_URL``) or, with ``--sqlite``, SQLite, waits until every worker process has started.

Printed per worker count: aggregate records/s (all records over the time from the first send
to the last answer), batch latency p50 / p99 / max (send to answer, nearest rank), the server
processes' CPU time, and in the same run the floor: the same rows inserted straight into a
fresh database with ``executemany``, 500 per transaction (``bench/ingest_floor.py``). Then the
ratio of the best aggregate to the floor and of the last worker count to the first. The target
(p99 at most 2 s) is printed as PASS or MISS; the run fails (exit 1) only when an answer is not
200 with every record stored (a request unanswered after ``--timeout`` s, default 120,
counts with that wait), or the server does not hold every record once.

    python bench/ingest_concurrency.py [--kiosks 20] [--batches 10] [--records 500]
                                       [--workers 1 4] [--sqlite | --pg-url URL]
                                       [--timeout 120] [--json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from ingest_floor import (  # noqa: E402
    machine,
    percentile,
    process_cpu_s,
    raw_insert_floor,
    stored_rows,
    wait_for_workers,
)

from common.protocol import HEADER_IDEMPOTENCY, PATH_BATCHES, signed_headers  # noqa: E402
from tests.server.kiosk_driver import KioskDriver  # noqa: E402
from tests.server.live import LiveServer  # noqa: E402

CENTER = "bench-center"
P99_TARGET_S = 2.0


@dataclass
class Kiosk:
    """One simulated kiosk and its batches, ready to send."""

    driver: KioskDriver
    bodies: list[tuple[str, bytes]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Round:
    workers: int
    records: int
    seconds: float
    latencies: list[float]
    server_cpu_s: float
    floor_per_s: float
    failures: list[str]
    stored: int

    @property
    def rate(self) -> float:
        return self.records / self.seconds


def prepare(live: LiveServer, count: int, batches: int, size: int) -> list[Kiosk]:
    """Enrolled kiosks with their gzipped, head-signed batch bodies."""
    names = [f"bench-{i:03d}" for i in range(count)]
    codes = live.add_kiosks(names, CENTER)
    kiosks = []
    for name in names:
        driver = KioskDriver(live.url)
        response = driver.enroll(codes[name])
        if response.status_code != 201:
            raise RuntimeError(f"enrollment failed: {response.text}")
        kiosk = Kiosk(driver)
        chain = driver.chain(batches * size, service_id="free-canteen")
        for start in range(0, len(chain), size):
            body = driver.batch_body(chain[start : start + size], str(uuid.uuid4()))
            raw = gzip.compress(json.dumps(body).encode("utf-8"), compresslevel=6)
            kiosk.bodies.append((body["batch_id"], raw))
        kiosks.append(kiosk)
    return kiosks


def upload(kiosk: Kiosk, start: threading.Barrier, timeout: float) -> None:
    """Send the kiosk's batches one after the other, as a kiosk does."""
    driver = kiosk.driver
    start.wait()
    for batch_id, raw in kiosk.bodies:
        headers = {
            **signed_headers(
                driver.key, driver.device_id, "POST", PATH_BATCHES, int(time.time()), raw
            ),
            HEADER_IDEMPOTENCY: batch_id,
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        }
        sent = time.perf_counter()
        try:
            response = driver.session.post(
                driver.base_url + PATH_BATCHES, data=raw, headers=headers, timeout=timeout
            )
        except requests.RequestException as exc:
            kiosk.latencies.append(time.perf_counter() - sent)
            kiosk.failures.append(f"{type(exc).__name__} after {kiosk.latencies[-1]:.0f} s")
            continue
        kiosk.latencies.append(time.perf_counter() - sent)
        if response.status_code != 200:
            kiosk.failures.append(f"{response.status_code}: {response.text[:200]}")
        elif any(r["status"] != "stored" for r in response.json()["results"]):
            kiosk.failures.append(f"not all stored in {batch_id}")


def run_round(work: Path, pg_url: str | None, workers: int, args: Any) -> Round:
    serve_args = ("--workers", str(workers))
    with LiveServer(work / f"server-{workers}", pg_url=pg_url, serve_args=serve_args) as live:
        assert live._process is not None
        live.add_center(CENTER)
        kiosks = prepare(live, args.kiosks, args.batches, args.records)
        wait_for_workers(live, workers)
        barrier = threading.Barrier(len(kiosks) + 1)
        threads = [threading.Thread(target=upload, args=(k, barrier, args.timeout)) for k in kiosks]
        for thread in threads:
            thread.start()
        cpu_before = process_cpu_s(live._process.pid)
        barrier.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        server_cpu = process_cpu_s(live._process.pid) - cpu_before
        rows = stored_rows(live.db_url)
        marks = live.query("SELECT high_water_mark FROM chains")
    floor = raw_insert_floor(work / f"floor-{workers}", pg_url, rows)
    expected = args.kiosks * args.batches * args.records
    failures = [failure for kiosk in kiosks for failure in kiosk.failures]
    if sorted(int(m[0]) for m in marks) != [args.batches * args.records] * args.kiosks:
        failures.append(f"high-water marks are {sorted(int(m[0]) for m in marks)}")
    return Round(
        workers=workers,
        records=expected,
        seconds=seconds,
        latencies=[s for kiosk in kiosks for s in kiosk.latencies],
        server_cpu_s=server_cpu,
        floor_per_s=floor.rate,
        failures=failures,
        stored=len(rows),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=20)
    parser.add_argument("--batches", type=int, default=10, help="batches per kiosk")
    parser.add_argument("--records", type=int, default=500, help="records per batch")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--pg-url", default=os.environ.get("UKUK_PG_URL") or None)
    parser.add_argument("--sqlite", action="store_true", help="SQLite even if $UKUK_PG_URL is set")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    parser.add_argument("--json", action="store_true", help="end with the figures as JSON")
    args = parser.parse_args(argv)
    pg_url = None if args.sqlite else args.pg_url
    backend = "PostgreSQL" if pg_url else "SQLite"
    print(
        f"server: {backend}; {args.kiosks} kiosks x {args.batches} batches x {args.records} "
        f"records at once; {machine()}"
    )
    rounds: list[Round] = []
    with tempfile.TemporaryDirectory(prefix="ukuk-bench-") as tmp:
        for workers in args.workers:
            done = run_round(Path(tmp), pg_url, workers, args)
            rounds.append(done)
            p50, p99 = percentile(done.latencies, 0.5), percentile(done.latencies, 0.99)
            print(
                f"workers {workers}: {done.rate:,.0f} records/s ({done.records:,} in "
                f"{done.seconds:.1f} s); batch latency p50 {p50:.2f} s, p99 {p99:.2f} s, max "
                f"{max(done.latencies):.2f} s (p99 <= {P99_TARGET_S:.0f} s: "
                f"{'PASS' if p99 <= P99_TARGET_S else 'MISS'}); server CPU "
                f"{done.server_cpu_s:.1f} s; floor {done.floor_per_s:,.0f} records/s, "
                f"ratio {done.rate / done.floor_per_s:.2f}"
            )
            for failure in done.failures[:5]:
                print(f"  FAILED: {failure}")
    first, last = rounds[0], rounds[-1]
    if len(rounds) > 1:
        print(
            f"workers {last.workers} / workers {first.workers}: "
            f"{last.rate / first.rate:.2f} x the records/s"
        )
    figures = [
        {
            "workers": r.workers,
            "records": r.records,
            "stored": r.stored,
            "per_s": r.rate,
            "p50_s": percentile(r.latencies, 0.5),
            "p99_s": percentile(r.latencies, 0.99),
            "max_s": max(r.latencies),
            "server_cpu_s": r.server_cpu_s,
            "floor_per_s": r.floor_per_s,
            "failures": len(r.failures),
        }
        for r in rounds
    ]
    if args.json:
        print(json.dumps({"backend": backend, "rounds": figures}))
    broken = any(r.failures or r.stored != r.records for r in rounds)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
