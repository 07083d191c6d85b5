"""Benchmark: the results pages at a million ratings, against a real server, each figure beside
a same-run peer.

Prints figures, asserts nothing (a page over its target prints MISS):

1. Seeds ``--ratings`` ratings over the last full year and this year up to yesterday: 15
   programs, 6 centers, 2-3 kiosks each, reasons on about 40 % of ratings, comments on about
   10 %, about 1 % flagged ``burst``. The records are the demo-data generator's
   (``server.demo_data.make_plan``: proper per-kiosk chains, ``record_hash``) on the demo
   catalog plus four centers and two programs; the catalog, centers and kiosks go in through the
   server's own functions. The records themselves are bulk-inserted (PostgreSQL ``COPY``, SQLite
   ``executemany``; 5 000 per transaction, interleaved by time as daily uploads would leave
   them), since ``receive_records`` at a few hundred records/s would take over an hour; a
   sample is first checked to give exactly the columns the upload path stores.
2. Times the roll-ups' first full refresh, then 1 000 more ratings through the upload path
   (``receive_records``) and the incremental refresh that counts them.
3. Starts ``kiosk-server serve`` (``tests.server.live.LiveServer``) on that database and times,
   after 3 warm-ups, ``--repeat`` requests of each page for the last full year, signed in as an
   analyst, and the public ``/results``; then the full-year raw-ratings downloads (CSV, XLSX),
   with the server's peak RSS during each (``VmHWM``, reset through ``clear_refs``).
4. Beside each: the peer in the same run. For the counting pages, the query a page would run
   without roll-ups (a ``GROUP BY`` over the raw records of the year); for comments, the page's
   first 50 and total read by joining every comment record to its rating; for downloads, the
   floor of writing the same number of rows with the ``csv`` module to ``/dev/null`` (and with
   XlsxWriter to a file).

    python bench/results.py [--ratings 1000000] [--pg-url URL] [--sqlite] [--repeat 30]
                            [--download-repeat 3] [--seed 7]

``--pg-url`` runs on PostgreSQL (a schema of its own, dropped at the end), ``--sqlite`` on a
SQLite file in a temporary folder; both: one after the other. Neither: PostgreSQL when
``UKUK_PG_URL`` is set, else SQLite. Target: every page p95 <= 300 ms at 1 M ratings on
PostgreSQL. Figures and commands: docs/performance.md.
"""

from __future__ import annotations

import argparse
import csv
import gc
import heapq
import json
import math
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import requests  # noqa: E402
from sqlalchemy import Engine, func, select, text  # noqa: E402

from common.catalog import Catalog, demo_catalog_bytes, loads_catalog  # noqa: E402
from common.messages import RecordIn  # noqa: E402
from common.protocol import MAX_BATCH_RECORDS, STORED  # noqa: E402
from common.records import FIELDS, LIST_FIELDS, Flag, Kind, Record, record_hash  # noqa: E402
from server import demo_data  # noqa: E402
from server.batches import receive_records  # noqa: E402
from server.catalogs import store_catalog  # noqa: E402
from server.db import (  # noqa: E402
    chains,
    make_engine,
    record_columns,
    records,
    rollup_comments,
    rollup_hours,
    rollup_ratings,
    rollup_reasons,
    utc_now,
)
from server.demo_data import DemoKiosk, DemoPlan, make_plan  # noqa: E402
from server.local_time import MUNICIPAL_TIME  # noqa: E402
from server.results import queries, rollups  # noqa: E402
from server.results.periods import instant_sql, local_month_sql  # noqa: E402
from server.web.auth import SESSION_COOKIE, add_user, start_session  # noqa: E402
from server.web.downloads import Table, write_xlsx  # noqa: E402
from tests.server.live import PG_ENV, LiveServer  # noqa: E402

PAGE_TARGET_MS = 300.0
"""Every page's p95 at 1 M ratings on PostgreSQL."""
TARGET_RATINGS = 1_000_000
INSERT_CHUNK = 5000
"""Records per bulk-insert transaction."""
LATE_RATINGS = 1000
"""Ratings added through the upload path before the incremental refresh."""
WARM_UPS = 3
DOWNLOAD_WARM_UPS = 1
PEER_RUNS = 5
"""Runs of each in-process peer query (after one warm-up); its median is the peer figure."""
SAMPLE_CHECK = 2000
"""Records checked against the upload path's own column making before the bulk insert."""
HTTP_TIMEOUT_S = 1800

CATALOG_VERSION = "2026.1-bench"
EXTRA_CENTERS = (
    ("vake-district-office", "ვაკის რაიონის სამსახური", "Vake district office"),
    ("saburtalo-district-office", "საბურთალოს რაიონის სამსახური", "Saburtalo district office"),
    ("gldani-district-office", "გლდანის რაიონის სამსახური", "Gldani district office"),
    ("isani-district-office", "ისნის რაიონის სამსახური", "Isani district office"),
)
EXTRA_SERVICES: tuple[dict[str, Any], ...] = (
    {
        "id": "school-transport",
        "category": "families",
        "icon": "mdi6.bus",
        "name": {"ka": "სკოლის ტრანსპორტი", "en": "School transport"},
        "reasons": {
            "low": ["long-wait", "unclear-info", "hard-to-qualify", "staff-attitude"],
            "high": ["quick-service", "clear-info", "real-help"],
        },
    },
    {
        "id": "housing-repair",
        "category": "social-assistance",
        "icon": "mdi6.home-heart",
        "name": {"ka": "საცხოვრებელი სახლების შეკეთება", "en": "Home repair assistance"},
        "reasons": {
            "low": ["long-wait", "too-many-documents", "amount-too-small", "late-payment"],
            "high": ["real-help", "simple-process", "polite-staff"],
        },
    },
)


class BenchError(RuntimeError):
    """The bench could not measure what it set out to (the message says what went wrong)."""


# -- figures ----------------------------------------------------------------------------------


def p50(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def p95(samples: Sequence[float]) -> float:
    """Nearest rank: with 30 samples the 29th smallest; with 3 or fewer, the largest."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class PageFigure:
    path: str
    samples: list[float]
    peer: str
    peer_s: float


@dataclass
class DownloadFigure:
    path: str
    samples: list[float]
    size: int
    rows: int | None
    rss_before_kib: int
    peak_kib: int
    peak_reset: bool


@dataclass
class Run:
    """Everything measured on one backend."""

    backend: str
    ratings: int
    lines: list[str] = field(default_factory=list)
    pages: list[PageFigure] = field(default_factory=list)
    downloads: list[DownloadFigure] = field(default_factory=list)
    floors: dict[str, float] = field(default_factory=dict)

    def say(self, line: str) -> None:
        print(line, flush=True)
        self.lines.append(line)


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def median_of(runs: int, action: Callable[[], Any]) -> float:
    """One untimed warm-up, then the median of ``runs`` timed calls."""
    action()
    return statistics.median(timed(action)[0] for _ in range(runs))


# -- seeding ----------------------------------------------------------------------------------


def bench_catalog() -> bytes:
    """The demo catalog with four more centers and two more programs (6 and 15)."""
    data = json.loads(demo_catalog_bytes())
    data["version"] = CATALOG_VERSION
    data["centers"] += [{"id": c, "name": {"ka": ka, "en": en}} for c, ka, en in EXTRA_CENTERS]
    data["services"] += list(EXTRA_SERVICES)
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def columns_of(wire: dict[str, Any]) -> dict[str, Any]:
    """The record's own columns from its wire form (what ``server.db.record_columns`` makes,
    without building a ``Record``: the same bytes, checked on a sample by :func:`check_sample`)."""
    values = {name: wire[name] for name in FIELDS}
    for name in LIST_FIELDS:
        values[name] = json.dumps(values[name], ensure_ascii=False)
    return values


def check_sample(plan: DemoPlan) -> None:
    """The first records of every kiosk through the upload path's parsing: the hash holds and
    :func:`columns_of` gives the columns ``receive_records`` would store."""
    for chain in plan.records.values():
        for wire in chain[: SAMPLE_CHECK // max(1, len(plan.records))]:
            record = Record.from_wire(RecordIn.model_validate(wire).model_dump())
            if record_hash(record.to_wire()) != record.hash:
                raise BenchError(f"record {wire['uuid']} does not match its hash")
            if columns_of(wire) != record_columns(record):
                raise BenchError(f"record {wire['uuid']}: bulk columns differ from the server's")


def merged_rows(
    plan: DemoPlan, kiosk_ids: dict[str, int], received_at: datetime
) -> Iterator[dict[str, Any]]:
    """Every record as a ``records`` row, all kiosks interleaved by time (as daily uploads
    leave them), each chain in seq order; batch ids as uploads of 500 would have them."""
    chains_by_time = heapq.merge(*plan.records.values(), key=lambda wire: wire["created_at"])
    for wire in chains_by_time:
        row = columns_of(wire)
        row["channel"] = "kiosk"
        row["kiosk_id"] = kiosk_ids[wire["device_id"]]
        row["batch_id"] = f"bench-{(wire['seq'] - 1) // MAX_BATCH_RECORDS + 1}"
        row["received_at"] = received_at
        yield row


def chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def insert_records(engine: Engine, rows: Iterable[dict[str, Any]]) -> int:
    """Bulk insert, :data:`INSERT_CHUNK` rows per transaction; returns how many."""
    total = 0
    if engine.dialect.name == "postgresql":
        names = [column.name for column in records.columns if column.name != "id"]
        statement = f"COPY records ({', '.join(names)}) FROM STDIN"
        raw = engine.raw_connection()
        try:
            driver: Any = raw.driver_connection
            for chunk in chunks(rows, INSERT_CHUNK):
                with driver.cursor() as cursor, cursor.copy(statement) as copy:
                    for row in chunk:
                        copy.write_row([row[name] for name in names])
                driver.commit()
                total += len(chunk)
        finally:
            raw.close()
    else:
        for chunk in chunks(rows, INSERT_CHUNK):
            with engine.begin() as conn:
                conn.execute(records.insert(), chunk)
            total += len(chunk)
    return total


def seed(run: Run, engine: Engine, catalog: Catalog, catalog_bytes: bytes, args: Any) -> date:
    """Catalog, centers, kiosks and records; returns the last full year's first day."""
    now = utc_now()
    today = now.astimezone(MUNICIPAL_TIME).date()
    year = today.year - 1
    store_catalog(engine, catalog_bytes, None)
    demo_data._add_centers(engine, catalog)
    plan_s, plan = timed(lambda: make_plan(catalog, args.ratings, args.seed, year, today))
    senders, _added = demo_data._add_kiosks(engine, plan.kiosks, now)
    kiosk_ids = {kiosk.device_id: senders[kiosk.name].id for kiosk in plan.kiosks}
    check_sample(plan)
    count = sum(len(chain) for chain in plan.records.values())
    run.say(
        f"data: {plan.ratings:,} ratings ({plan.burst:,} flagged burst), {plan.reasons:,} "
        f"reasons, {plan.comments:,} comments = {count:,} records; {plan.first_day} to "
        f"{plan.last_day}; {len(catalog.services)} programs, {len(catalog.centers)} centers, "
        f"{len(plan.kiosks)} kiosks"
    )
    run.say(f"  records made (make_plan, chains and hashes): {plan_s:.1f} s")
    how = "COPY" if engine.dialect.name == "postgresql" else "executemany"
    insert_s, inserted = timed(lambda: insert_records(engine, merged_rows(plan, kiosk_ids, now)))
    run.say(
        f"  seeding: {inserted:,} records in {insert_s:.1f} s = {inserted / insert_s:,.0f} "
        f"records/s ({how}, {INSERT_CHUNK:,} per transaction)"
    )
    with engine.begin() as conn:
        conn.execute(
            chains.insert(),
            [
                {
                    "device_id": device,
                    "kiosk_id": kiosk_ids[device],
                    "high_water_mark": len(chain),
                    "max_seq": len(chain),
                    "updated_at": now,
                }
                for device, chain in plan.records.items()
            ],
        )
    plan.records.clear()
    gc.collect()
    if engine.dialect.name == "postgresql":
        # What autovacuum does to a table that grew by inserts; done now so the plans measured
        # are those of a settled server rather than of whenever autovacuum wakes up.
        vacuum_s, _ = timed(lambda: vacuum_analyze(engine, "records"))
        run.say(f"  VACUUM ANALYZE records: {vacuum_s:.1f} s")
    return date(year, 1, 1)


def vacuum_analyze(engine: Engine, *tables: str) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.execute(text(f"VACUUM ANALYZE {table}"))


def add_late(run: Run, engine: Engine, catalog: Catalog, seed_value: int) -> int:
    """:data:`LATE_RATINGS` ratings of this year from new kiosks, through ``receive_records``
    (the upload path) in batches of 500; returns the records stored."""
    now = utc_now()
    today = now.astimezone(MUNICIPAL_TIME).date()
    year = today.year if today >= date(today.year, 1, 15) else today.year - 1
    plan = make_plan(catalog, LATE_RATINGS, seed_value + 1, year, today)
    plan.kiosks = [DemoKiosk(f"late-{k.name}", k.center_id, k.device_id) for k in plan.kiosks]
    senders, _added = demo_data._add_kiosks(engine, plan.kiosks, now)
    stored = 0
    started = time.perf_counter()
    for kiosk in plan.kiosks:
        sender = senders[kiosk.name]
        chain = plan.records[kiosk.device_id]
        for start in range(0, len(chain), MAX_BATCH_RECORDS):
            part = chain[start : start + MAX_BATCH_RECORDS]
            with engine.begin() as conn:
                received = receive_records(
                    conn, sender, part, f"late-{start}", now, center_id=sender.center_id
                )
            stored += received.count(STORED)
    elapsed = time.perf_counter() - started
    records_made = sum(len(chain) for chain in plan.records.values())
    if stored != records_made:
        raise BenchError(f"the upload path stored {stored} of {records_made} late records")
    run.say(
        f"  upload path (receive_records): {stored:,} more records ({plan.ratings:,} ratings) "
        f"in {elapsed:.1f} s = {stored / elapsed:,.0f} records/s"
    )
    return stored


# -- same-run peers (in-process, on the same database) ----------------------------------------


def naive_cells(engine: Engine, months: Sequence[str]) -> int:
    """What a results page would run without roll-ups: score counts per program and center
    over the raw ratings of the period (bursts left out, as the page does)."""
    month = local_month_sql(engine.dialect.name, records.c.created_at, records.c.utc_offset_min)
    query = (
        select(records.c.service_id, records.c.center_id, records.c.score, func.count())
        .where(
            records.c.kind == Kind.RATING,
            month.in_(list(months)),
            ~records.c.flags.contains(f'"{Flag.BURST}"'),
        )
        .group_by(records.c.service_id, records.c.center_id, records.c.score)
    )
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        return sum(int(row[3]) for row in conn.execute(query))


def naive_months(engine: Engine, months: Sequence[str]) -> int:
    """The trends page without roll-ups: score counts per program and local month."""
    month = local_month_sql(engine.dialect.name, records.c.created_at, records.c.utc_offset_min)
    query = (
        select(records.c.service_id, month, records.c.score, func.count())
        .where(
            records.c.kind == Kind.RATING,
            month.in_(list(months)),
            ~records.c.flags.contains(f'"{Flag.BURST}"'),
        )
        .group_by(records.c.service_id, month, records.c.score)
    )
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        return len(conn.execute(query).all())


def naive_comments(engine: Engine, months: Sequence[str]) -> int:
    """The first page of 50 comments without their roll-up: every comment record joined to its
    rating, placed in its local month, sorted newest first and counted (what the page did
    before ``rollup_comments``)."""
    comment, rating = records.alias("comment"), records.alias("rating")
    dialect = engine.dialect.name
    month = local_month_sql(dialect, rating.c.created_at, rating.c.utc_offset_min)
    joined = comment.join(
        rating,
        (rating.c.uuid == comment.c.rating_uuid)
        & (rating.c.kind == Kind.RATING)
        & (rating.c.device_id.concat("") == comment.c.device_id),
    )
    query = (
        select(comment.c.comment, rating.c.score, func.count().over().label("total"))
        .select_from(joined)
        .where(comment.c.kind == Kind.COMMENT, comment.c.comment != "", month.in_(list(months)))
        .order_by(instant_sql(dialect, rating.c.created_at).desc(), comment.c.id.desc())
        .limit(50)
    )
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        rows = conn.execute(query).all()
        return int(rows[0].total) if rows else 0


SAMPLE_ROWS: tuple[list[Any], ...] = (
    ["vulnerable-families", "social-service-agency", "2025-03-04", 11, 2,
     "long-wait;amount-too-small", "ka", "kiosk", 0],
    ["free-canteen", "central-service-hall", "2025-03-04", 11, 5, "", "ka", "kiosk", 0],
    ["medical-expenses", "vake-district-office", "2025-07-18", 15, 3, "", "en", "kiosk", 0],
    ["school-transport", "gldani-district-office", "2025-09-01", 10, 4, "quick-service", "ka",
     "kiosk", 0],
)  # fmt: skip
"""Rows shaped like the raw download's (the floors write these, cycled)."""
DOWNLOAD_HEADER = (
    "service_id", "center_id", "local_date", "local_hour", "score", "reasons", "language",
    "channel", "burst",
)  # fmt: skip


def csv_floor(rows: int) -> float:
    """Writing ``rows`` rows with the csv module to /dev/null (UTF-8, CR LF)."""
    with open(os.devnull, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        started = time.perf_counter()
        writer.writerow(DOWNLOAD_HEADER)
        for index in range(rows):
            writer.writerow(SAMPLE_ROWS[index % len(SAMPLE_ROWS)])
        return time.perf_counter() - started


def xlsx_floor(rows: int, folder: Path) -> float:
    """Writing ``rows`` rows with the server's own XlsxWriter settings to a file."""
    table = Table(
        "ratings", DOWNLOAD_HEADER, (SAMPLE_ROWS[i % len(SAMPLE_ROWS)] for i in range(rows))
    )
    path = folder / "floor.xlsx"
    elapsed, _ = timed(lambda: write_xlsx(str(path), [table]))
    path.unlink()
    return elapsed


def raw_ratings_in_process(engine: Engine, months: Sequence[str]) -> int:
    """The download's query and row building, without HTTP or CSV (include_burst as the page)."""
    return sum(1 for _ in queries.raw_ratings(engine, months, include_burst=False))


# -- the server -------------------------------------------------------------------------------


def status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise BenchError(f"no {key} in /proc/{pid}/status")


def reset_peak(pid: int) -> bool:
    """Reset the process's peak RSS (``VmHWM``) to its current RSS (Linux 4.0+)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def fetch(http: requests.Session, url: str) -> tuple[float, int, int]:
    """(seconds to the last byte, bytes, line ends) of one GET that must answer 200."""
    started = time.perf_counter()
    size = lines = 0
    with http.get(url, allow_redirects=False, stream=True, timeout=HTTP_TIMEOUT_S) as response:
        if response.status_code != 200:
            raise BenchError(f"GET {url} answered {response.status_code}")
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            lines += chunk.count(b"\n")
    return time.perf_counter() - started, size, lines


def measure_pages(
    run: Run,
    http: requests.Session,
    base: str,
    pages: Sequence[tuple[str, str, float]],
    repeat: int,
) -> None:
    for path, peer, peer_s in pages:
        for _ in range(WARM_UPS):
            fetch(http, base + path)
        samples = [fetch(http, base + path)[0] for _ in range(repeat)]
        run.pages.append(PageFigure(path, samples, peer, peer_s))


def measure_download(
    run: Run, http: requests.Session, base: str, path: str, pid: int, repeat: int
) -> None:
    for _ in range(DOWNLOAD_WARM_UPS):
        fetch(http, base + path)
    samples, peak, before, size, lines, reset = [], 0, 0, 0, 0, True
    for _ in range(repeat):
        before = status_kib(pid, "VmRSS")
        reset = reset_peak(pid) and reset
        elapsed, size, lines = fetch(http, base + path)
        samples.append(elapsed)
        peak = max(peak, status_kib(pid, "VmHWM"))
    rows = lines - 1 if "format=csv" in path else None
    run.downloads.append(DownloadFigure(path, samples, size, rows, before, peak, reset))


# -- one backend ------------------------------------------------------------------------------


def machine() -> str:
    """Cores, CPU model, memory and the load average (the machine may be shared)."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kib = 0
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores ({model}), {mem_kib / 2**20:.0f} GiB; load average {load}"


def run_backend(pg_url: str | None, args: Any) -> Run:
    backend = "PostgreSQL" if pg_url else "SQLite"
    run = Run(backend, args.ratings)
    catalog_bytes = bench_catalog()
    catalog = loads_catalog(catalog_bytes, "bench catalog")
    with tempfile.TemporaryDirectory(prefix="ukuk-bench-results-") as tmp:
        work = Path(tmp)
        live = LiveServer(work / "server", pg_url=pg_url, serve_args=("--insecure-cookies",))
        engine = make_engine(live.db_url)
        try:
            with engine.connect() as conn:
                version = conn.exec_driver_sql(
                    "SELECT version()" if pg_url else "SELECT sqlite_version()"
                ).scalar()
            name = " ".join(str(version).split()[:2]) if pg_url else f"SQLite {version}"
            run.say(f"== {name}, {args.ratings:,} ratings ==")
            run.say(f"machine: {machine()}")
            first_day = seed(run, engine, catalog, catalog_bytes, args)
            measure_run(run, live, engine, catalog, first_day, args, work)
        finally:
            engine.dispose()
            live.close()
    return run


def measure_run(
    run: Run,
    live: LiveServer,
    engine: Engine,
    catalog: Catalog,
    first_day: date,
    args: Any,
    work: Path,
) -> None:
    year = first_day.year
    months = tuple(f"{year:04d}-{m:02d}" for m in range(1, 13))
    postgres = engine.dialect.name == "postgresql"

    full_s, counted = timed(lambda: rollups.refresh(engine))
    run.say(
        f"roll-ups: first full refresh {counted:,} records in {full_s:.1f} s "
        f"= {counted / full_s:,.0f} records/s"
    )
    add_late(run, engine, catalog, args.seed)
    late_s, late_counted = timed(lambda: rollups.refresh(engine))
    run.say(f"  incremental refresh: {late_counted:,} records in {late_s * 1000:.0f} ms")
    if postgres:
        vacuum_analyze(
            engine, "rollup_ratings", "rollup_reasons", "rollup_hours", "rollup_comments"
        )
    with engine.connect() as conn:
        sizes = {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (records, rollup_ratings, rollup_reasons, rollup_hours, rollup_comments)
        }
    run.say("  rows: " + ", ".join(f"{name} {n:,}" for name, n in sizes.items()))

    user_id = add_user(engine, "bench-analyst", "analyst", secrets.token_urlsafe(24))
    token = start_session(engine, user_id).token
    live.start()
    process = live._process  # the server itself (uvicorn runs in the ``serve`` process)
    if process is None:
        raise BenchError("the server is not running")
    pid = process.pid
    http = requests.Session()
    http.headers["Cookie"] = f"{SESSION_COOKIE}={token}"
    try:
        first_s, _size, _lines = fetch(http, live.url + f"/results?period={year}")
        with engine.connect() as conn:
            shots = conn.exec_driver_sql("SELECT count(*) FROM snapshots").scalar_one()
        run.say(f"server: first /results {first_s:.2f} s (publishes {shots} snapshots)")

        # Peers first, in-process, while the server is idle.
        cells_s = median_of(PEER_RUNS, lambda: naive_cells(engine, months))
        trends_s = median_of(PEER_RUNS, lambda: naive_months(engine, months))
        comments_s = median_of(PEER_RUNS, lambda: naive_comments(engine, months))
        naive = "naive GROUP BY over records"
        pages = [
            (f"/staff/results?period={year}", naive, cells_s),
            (f"/staff/priorities?period={year}", naive, cells_s),
            (f"/staff/trends?period={year}", naive + " (by month)", trends_s),
            (f"/staff/comments?period={year}", "naive join over records", comments_s),
            (f"/results?period={year}", naive, cells_s),
        ]
        measure_pages(run, http, live.url, pages, args.repeat)

        for fmt in ("csv", "xlsx"):
            path = f"/staff/ratings/download?format={fmt}&period={year}"
            measure_download(run, http, live.url, path, pid, args.download_repeat)
    finally:
        http.close()
        live.stop()

    rows = next(d.rows for d in run.downloads if d.rows is not None) or 0
    run.floors[CSV_FLOOR] = csv_floor(rows)
    run.floors[XLSX_FLOOR] = xlsx_floor(rows, work)
    run.floors[RAW_READ] = timed(lambda: raw_ratings_in_process(engine, months))[0]
    report(run)
    run.say(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


# -- the report -------------------------------------------------------------------------------


CSV_FLOOR = "csv module to /dev/null"
XLSX_FLOOR = "XlsxWriter (the server's settings) to a file"
RAW_READ = "raw_ratings() in-process (the query and its rows, no HTTP, no format)"


def report(run: Run) -> None:
    at_target = run.backend == "PostgreSQL" and run.ratings >= TARGET_RATINGS
    run.say("")
    run.say(
        f"| page ({run.backend}, {run.ratings:,} ratings) | p50 ms | p95 ms | "
        f"p95 <= {PAGE_TARGET_MS:.0f} ms | same-run peer | peer ms | p95 / peer |"
    )
    run.say("|---|---:|---:|---|---|---:|---:|")
    for page in run.pages:
        high = p95(page.samples)
        verdict = "PASS" if high * 1000 <= PAGE_TARGET_MS else "MISS"
        run.say(
            f"| `{page.path}` | {p50(page.samples) * 1000:.0f} | {high * 1000:.0f} | {verdict} | "
            f"{page.peer} | {page.peer_s * 1000:.0f} | {high / page.peer_s:.2f} |"
        )
    run.say(
        f"({len(run.pages[0].samples)} requests each after {WARM_UPS} warm-ups; peers: median "
        f"of {PEER_RUNS} after one warm-up"
        + ("" if at_target else "; the target is set for 1 M ratings on PostgreSQL")
        + ")"
    )
    run.say("")
    csv_floor_s = run.floors[CSV_FLOOR]
    run.say(
        f"| download ({run.backend}) | p50 s | p95 s | rows | MiB | server RSS before, MiB | "
        "server peak RSS, MiB | floor s | p50 / floor | p50 / csv floor |"
    )
    run.say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for item in run.downloads:
        peak = f"{item.peak_kib / 1024:.0f}" + ("" if item.peak_reset else " (since start)")
        floor = run.floors[CSV_FLOOR if "format=csv" in item.path else XLSX_FLOOR]
        middle = p50(item.samples)
        run.say(
            f"| `{item.path}` | {middle:.1f} | {p95(item.samples):.1f} | "
            f"{item.rows if item.rows is not None else '-'} | {item.size / 2**20:.1f} | "
            f"{item.rss_before_kib / 1024:.0f} | {peak} | {floor:.2f} | {middle / floor:.1f} | "
            f"{middle / csv_floor_s:.1f} |"
        )
    run.say(
        f"({len(run.downloads[0].samples)} downloads each after {DOWNLOAD_WARM_UPS} warm-up; "
        "with 3 samples or fewer p95 is the slowest; floors write the same number of rows)"
    )
    for name, seconds in run.floors.items():
        run.say(f"  {name}: {seconds:.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratings", type=int, default=TARGET_RATINGS)
    parser.add_argument("--pg-url", default=None, help=f"PostgreSQL (default: ${PG_ENV})")
    parser.add_argument("--sqlite", action="store_true", help="run on SQLite")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument(
        "--download-repeat", type=int, default=3, help="timed requests per download"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if not 1 <= args.ratings <= demo_data.MAX_RATINGS or args.repeat < 1:
        parser.error(f"--ratings must be 1 to {demo_data.MAX_RATINGS}, --repeat at least 1")
    urls: list[str | None] = []
    if args.pg_url:
        urls.append(args.pg_url)
    if args.sqlite:
        urls.append(None)
    if not urls:
        urls.append(os.environ.get(PG_ENV) or None)
    started = time.perf_counter()
    for url in urls:  # one at a time: the machine is small
        try:
            run_backend(url, args)
        except BenchError as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
    print(f"\nwall time: {(time.perf_counter() - started) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
