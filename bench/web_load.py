"""Benchmark: phones rating on the web channel, concurrently, against the real server on
PostgreSQL over loopback, with 1 and 4 uvicorn workers, each figure beside a same-run floor.

Prints figures, asserts nothing:

1. For each ``--workers`` count: a fresh PostgreSQL schema, ``kiosk-server init-db``, the demo
   catalog and its centers (``load-catalog``, ``add-center``), one-time codes made with the
   server's own ``issue_batch``, then ``kiosk-server serve --workers N`` (``LiveServer``).
2. ``--phones`` simulated phones, split over ``--clients`` client processes (threads in each,
   one keep-alive connection per phone, a distinct ``X-Forwarded-For`` address per phone, as
   phones behind the TLS proxy arrive), each phase for ``--seconds`` after a short warm-up:
   - **floor**: ``GET /static/site.css`` (a static file: the server's cost of a request);
   - **peer**: ``GET /api/v1/health`` (one database round trip);
   - **open rating**: ``GET /rate?center=…&service=…`` (the faces page and its signed form
     token), then ``POST /rate/answer`` with a score and the empty honeypot, answered 303:
     the rating is stored (its record, the channel's hash chain, the one-use token);
   - **verified rating**: the same through ``GET /v/<code>`` with a fresh one-time code each
     time (the code is checked, then spent with the rating).
3. Sustained ratings (or requests) per second, p50 and p99 latency of the ``POST`` (of the
   ``GET`` for floor and peer), and the ratio to the floor; then the records counted in the
   database against the 303 answers, so nothing answered is missing.

The server runs with the open channel's limits raised and its minimum fill time off
(``UKUK_WEB_ADDRESS_LIMIT``, ``UKUK_WEB_GLOBAL_LIMIT``, ``UKUK_WEB_MIN_FILL_S``): this measures
how fast ratings are stored, not how the limits answer a flood (the tests do that).

    python bench/web_load.py --pg-url postgresql+psycopg://ukuk:ukuk@127.0.0.1:5432/ukuk
        [--workers 1 4] [--phones 16] [--clients 2] [--seconds 20] [--warmup 3]

Figures and command: docs/performance.md, "Web rating under load".
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from common.catalog import demo_catalog  # noqa: E402
from server.db import make_engine  # noqa: E402
from server.web_channel.codes import MAX_BATCH_CODES, issue_batch  # noqa: E402
from tests.server.live import PG_ENV, LiveServer  # noqa: E402

DEMO_CATALOG = REPO / "common" / "data" / "demo_catalog.json"
TOKEN = re.compile(r'name="token" value="([^"]+)"')
SERVER_ENV = {
    "UKUK_WEB_ADDRESS_LIMIT": "1000000000",
    "UKUK_WEB_GLOBAL_LIMIT": "1000000000",
    "UKUK_WEB_CODE_FAILURE_LIMIT": "1000000000",
    "UKUK_WEB_MIN_FILL_S": "0",
}
PHASES = ("floor", "peer", "open", "verified")
LABELS = {
    "floor": "GET /static/site.css (floor)",
    "peer": "GET /api/v1/health (peer: one DB read)",
    "open": "open rating (GET /rate, POST /rate/answer)",
    "verified": "verified rating (GET /v/<code>, POST /rate/answer)",
}


@dataclass
class Phone:
    """One simulated phone: its address, its connection and what it measured."""

    address: str
    host: str
    port: int
    codes: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    done: int = 0
    failures: list[str] = field(default_factory=list)
    connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes, float]:
        headers = {"X-Forwarded-For": self.address, "Connection": "keep-alive"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            start = time.perf_counter()
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            return response.status, data, time.perf_counter() - start
        raise AssertionError("unreachable")


def _one(phone: Phone, phase: str, center: str, service: str) -> tuple[bool, float]:
    """One request (floor, peer) or one rating (open, verified): (succeeded, timed seconds)."""
    if phase == "floor":
        status, _data, took = phone.request("GET", "/static/site.css")
        return status == 200, took
    if phase == "peer":
        status, _data, took = phone.request("GET", "/api/v1/health")
        return status == 200, took
    if phase == "open":
        page = "/rate?" + urlencode({"center": center, "service": service, "lang": "ka"})
    else:
        if not phone.codes:
            raise RuntimeError("out of one-time codes: raise --codes")
        page = f"/v/{phone.codes.pop()}?lang=ka"
    status, data, _took = phone.request("GET", page)
    found = TOKEN.search(data.decode("utf-8", "replace"))
    if status != 200 or found is None:
        phone.failures.append(f"{page}: {status}")
        return False, 0.0
    form = urlencode({"token": found.group(1), "score": "4", "lang": "ka", "website": ""})
    status, _data, took = phone.request("POST", "/rate/answer", form)
    if status != 303:
        phone.failures.append(f"POST /rate/answer: {status}")
    return status == 303, took


def _drive(
    base_url: str, phase: str, addresses: Sequence[str], codes: Sequence[Sequence[str]],
    center: str, service: str, warmup: float, seconds: float,
) -> tuple[int, list[float], list[str]]:  # fmt: skip
    """One client process: a thread per phone, counting only what finished in the window."""
    split = urlsplit(base_url)
    host, port = split.hostname or "127.0.0.1", split.port or 80
    phones = [Phone(a, host, port, list(c)) for a, c in zip(addresses, codes, strict=True)]
    start = time.monotonic() + warmup
    end = start + seconds

    def run(phone: Phone) -> None:
        while (now := time.monotonic()) < end:
            ok, took = _one(phone, phase, center, service)
            if now >= start and time.monotonic() <= end and ok:
                phone.done += 1
                phone.latencies.append(took)

    threads = [threading.Thread(target=run, args=(phone,)) for phone in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for phone in phones:
        if phone.connection is not None:
            phone.connection.close()
    latencies = [t for phone in phones for t in phone.latencies]
    failures = [f for phone in phones for f in phone.failures][:5]
    return sum(phone.done for phone in phones), latencies, failures


@dataclass(frozen=True)
class Figure:
    phase: str
    per_second: float
    p50_ms: float
    p99_ms: float
    done: int
    failures: list[str]


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def measure(
    pool: multiprocessing.pool.Pool, base_url: str, phase: str, args: argparse.Namespace,
    codes: list[str], center: str, service: str,
) -> Figure:  # fmt: skip
    per_client = [list(range(i, args.phones, args.clients)) for i in range(args.clients)]
    addresses = [f"10.{(i >> 8) & 255}.{i & 255}.{7 + i % 200}" for i in range(args.phones)]
    share = len(codes) // max(1, args.phones)
    jobs = []
    for indexes in per_client:
        job_codes = [codes[i * share : (i + 1) * share] if phase == "verified" else []
                     for i in indexes]  # fmt: skip
        phones = [addresses[i] for i in indexes]
        task = (base_url, phase, phones, job_codes, center, service, args.warmup, args.seconds)
        jobs.append(pool.apply_async(_drive, task))
    done, latencies, failures = 0, [], []
    for job in jobs:
        count, times, problems = job.get()
        done += count
        latencies += times
        failures += problems
    return Figure(
        phase, done / args.seconds, statistics.median(latencies) * 1000 if latencies else 0.0,
        percentile(latencies, 0.99) * 1000, done, failures,
    )  # fmt: skip


def make_codes(db_url: str, center: str, service: str, count: int) -> list[str]:
    engine = make_engine(db_url)
    codes: list[str] = []
    expires = datetime.now(UTC) + timedelta(days=30)
    try:
        while len(codes) < count:
            batch = min(MAX_BATCH_CODES, count - len(codes))
            _made, more = issue_batch(
                engine, center_id=center, service_id=service, count=batch,
                expires_at=expires, user_id=None,
            )  # fmt: skip
            codes += more
    finally:
        engine.dispose()
    return codes


def stored(live: LiveServer) -> dict[str, int]:
    rows = live.query("SELECT channel, count(*) FROM records WHERE kind = 'rating' GROUP BY 1")
    return {str(channel): int(n) for channel, n in rows}


def run_workers(workers: int, args: argparse.Namespace, say: Callable[[str], None]) -> None:
    catalog = demo_catalog()
    center = catalog.centers[0].id
    service = catalog.services[0].id
    work = Path(tempfile.mkdtemp(prefix=f"web-load-{workers}-"))
    os.environ.update(SERVER_ENV)
    live = LiveServer(work, pg_url=args.pg_url, serve_args=("--workers", str(workers)))
    try:
        for known in catalog.centers:
            live.add_center(known.id, known.name.ka, known.name.en)
        live.load_catalog(DEMO_CATALOG)
        started = time.perf_counter()
        codes = make_codes(live.db_url, center, service, args.codes)
        say(f"  {len(codes)} one-time codes made in {time.perf_counter() - started:.1f} s")
        live.start()
        figures: dict[str, Figure] = {}
        with multiprocessing.get_context("spawn").Pool(args.clients) as pool:
            for phase in PHASES:
                figures[phase] = measure(pool, live.url, phase, args, codes, center, service)
        floor = figures["floor"].per_second
        say(f"\n  workers = {workers}, phones = {args.phones}, {args.seconds:.0f} s per phase")
        say("  | path | per s | p50 ms | p99 ms | per s / floor |")
        say("  |---|---:|---:|---:|---:|")
        for phase, figure in figures.items():
            ratio = figure.per_second / floor if floor else float("nan")
            say(f"  | {LABELS[phase]} | {figure.per_second:,.1f} | {figure.p50_ms:,.1f} | "
                f"{figure.p99_ms:,.1f} | {ratio:.3f} |")  # fmt: skip
            for failure in figure.failures:
                say(f"    failure: {failure}")
        counted = stored(live)
        say(f"  ratings stored: {counted}; answered 303 in the windows: "
            f"open {figures['open'].done}, verified {figures['verified'].done} "
            "(stored also counts the warm-up and the requests still running at each "
            "window's end)")  # fmt: skip
    finally:
        live.close()


def machine() -> str:
    cores = os.cpu_count()
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cores} cores ({model}), Python {sys.version.split()[0]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get(PG_ENV), help="PostgreSQL URL")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--phones", type=int, default=16, help="concurrent phones")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--seconds", type=float, default=20.0, help="window of each phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before each window")
    parser.add_argument("--codes", type=int, default=20000, help="one-time codes to make")
    args = parser.parse_args(argv)
    if not args.pg_url:
        parser.error(f"give --pg-url or set {PG_ENV}: the bench runs on PostgreSQL")

    def say(line: str) -> None:
        print(line, flush=True)

    say(f"machine: {machine()}")
    say(f"command: python bench/web_load.py {' '.join(argv or sys.argv[1:])}")
    for workers in args.workers:
        say(f"\n== {workers} worker(s) ==")
        run_workers(workers, args, say)
    return 0


if __name__ == "__main__":
    sys.exit(main())
