"""What the ingest benches measure against, in the same run: the rows a bench stored, inserted
again straight into the server's ``records`` table of a fresh database with ``executemany``,
500 rows per transaction, through the server's own engine settings (SQLite: WAL,
``synchronous = FULL``, ``BEGIN IMMEDIATE``). No HTTP, no JSON, no checks: the floor of
storing those rows on that backend. Also what the ingest benches share besides: the machine
line, percentiles, a process tree's CPU time, and the py-spy recording behind ``--profile``.

Imported by ``bench/sync_backlog.py`` and ``bench/ingest_concurrency.py``; not run alone.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import select  # noqa: E402

from server.db import kiosks, make_engine, records  # noqa: E402
from tests.server.live import LiveServer  # noqa: E402

ROWS_PER_TRANSACTION = 500
"""The largest batch a kiosk may send (``MAX_BATCH_RECORDS``), one transaction each."""


@dataclass(frozen=True)
class Floor:
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def stored_rows(db_url: str) -> list[dict[str, Any]]:
    """Every stored record's columns but its id, in the order stored."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            columns = [column for column in records.c if column.name != "id"]
            query = select(*columns).order_by(records.c.id)
            return [dict(row._mapping) for row in conn.execute(query)]
    finally:
        engine.dispose()


def raw_insert_floor(workdir: Path, pg_url: str | None, rows: Sequence[dict[str, Any]]) -> Floor:
    """Insert ``rows`` into a fresh database of the same backend (a new SQLite file, or a new
    PostgreSQL schema, dropped afterwards) with ``executemany``, timed from the first
    transaction to the last commit."""
    fresh = LiveServer(workdir, pg_url=pg_url)
    try:
        fresh.add_center("floor-center")
        fresh.add_kiosk("floor-kiosk", "floor-center")
        engine = make_engine(fresh.db_url)
        try:
            with engine.connect() as conn:
                kiosk_id = conn.execute(select(kiosks.c.id)).scalar_one()
            ready = [{**row, "kiosk_id": kiosk_id} for row in rows]
            started = time.perf_counter()
            for start in range(0, len(ready), ROWS_PER_TRANSACTION):
                with engine.begin() as conn:
                    conn.execute(records.insert(), ready[start : start + ROWS_PER_TRANSACTION])
            return Floor(len(ready), time.perf_counter() - started)
        finally:
            engine.dispose()
    finally:
        fresh.close()


def machine() -> str:
    """Cores and the load average (the machine may be shared with other work)."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores; load average {load}"


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) so far of a process and its live child processes (the
    workers of ``serve --workers N``); 0 where ``/proc`` is missing."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def percentile(samples: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` 0.5 for p50, 0.99 for p99)."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


@contextmanager
def profiled(pids: Sequence[int], out: Path | None) -> Iterator[None]:
    """py-spy (``pip install py-spy``) samples ``pids`` into ``out`` (raw, collapsed stacks)
    while the block runs; nothing when ``out`` is None."""
    if out is None:
        yield
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    spies = [
        subprocess.Popen(
            [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "100",
             "--nonblocking", "-o", str(out if len(pids) == 1 else f"{out}.{pid}")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in pids
    ]  # fmt: skip
    time.sleep(1.0)  # py-spy attaches before the work starts
    try:
        yield
    finally:
        for process in spies:
            process.send_signal(signal.SIGINT)
        for process in spies:
            process.wait(timeout=30)


def profile_top(paths: Sequence[Path], count: int = 15) -> list[str]:
    """The functions most often on the stack (inclusive share of the samples), from py-spy's
    raw output, as ``share  function (file)`` lines; frames of the thread machinery left out."""
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
            stack, _, samples = line.rpartition(" ")
            if not samples.isdigit():
                continue
            total += int(samples)
            names = {_frame_name(frame) for frame in stack.split(";")}
            for name in names:
                inclusive[name] += int(samples)
    skipped = ("threading.py", "asyncio/", "anyio/", "concurrent/", "<frozen", "uvicorn/", "cli.py")
    lines = [
        f"{100 * samples / total:5.1f} %  {name}"
        for name, samples in inclusive.most_common()
        if not any(part in name for part in skipped)
    ]
    return lines[:count]


def _frame_name(frame: str) -> str:
    """``function (path/to/file.py:line)`` as ``function (file path from the package)``."""
    function, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", str(REPO) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{function} ({path})"


WORKER_STARTED = re.compile(r"Application startup complete")
WORKERS_TIMEOUT_S = 60.0


def wait_for_workers(live: LiveServer, workers: int) -> None:
    """Until each of ``serve --workers N``'s processes says it has started (the first to start
    answers the health check the server's start waits for; the others may still be loading)."""
    deadline = time.monotonic() + WORKERS_TIMEOUT_S
    while time.monotonic() < deadline:
        text = live.log_path.read_text(encoding="utf-8", errors="replace")
        if len(WORKER_STARTED.findall(text)) >= workers:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{workers} workers did not start:\n{live.log_tail()}")
