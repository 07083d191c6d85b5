"""Proof: a kiosk killed at random moments while citizens rate and it syncs loses nothing,
counts nothing twice, sends nothing unexpected, and keeps an intact database and chain.

Each cycle starts a kiosk process - the real write path (the citizen flow, ``kiosk.flow.Flow``,
saving through the database thread, ``kiosk.writer.RecordWriter``) and the app's background
sync (``sync.background.BackgroundSync``) against a real server process - lets citizens rate,
and SIGKILLs it at a random moment: while a rating commits, while a batch is on the wire,
while an answer is being settled. The next cycle starts a new process on the same data folder.
At the end a clean sync runs, then the checks:

- on the server: every record the kiosk holds, once (lost, duplicated, unexpected: all 0), and
  every record the kiosk said was saved (its ledger, written after each commit);
- on the kiosk: ``PRAGMA integrity_check``, the hash chain of every record, seqs 1..N with no
  gap, and nothing set aside; on the server, the chain's mark at N with no break.

Kiosk processes are forked from this one once everything is imported, so a cycle costs
milliseconds rather than an interpreter start; ``--spawn`` starts a fresh interpreter for each
(slower, the same checks). No Qt is involved: the flow and the writer are the tablet core's.

    python bench/crash_loop.py [--cycles 1000] [--seed 1] [--min-life-ms 20] [--max-life-ms 400]
                               [--pg-url postgresql+psycopg://...] [--spawn] [--json]

Prints the figures (the last line is JSON with ``--json``); exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from common.catalog import demo_catalog_bytes, loads_catalog  # noqa: E402
from common.records import verify_chain  # noqa: E402
from kiosk.flow import Flow, FlowConfig, SaveResult, Step  # noqa: E402
from kiosk.storage import Draft, StorageError, Store  # noqa: E402
from kiosk.writer import RecordWriter  # noqa: E402
from sync.background import BackgroundSync  # noqa: E402
from sync.backoff import Backoff  # noqa: E402
from sync.enrollment import enroll  # noqa: E402
from sync.job import SyncJob  # noqa: E402
from sync.keys import KioskFiles  # noqa: E402
from sync.outbox import META_INFLIGHT  # noqa: E402
from tests.server.live import LiveServer  # noqa: E402

CENTER = "central-service-hall"
COMMENTS = ("გმადლობთ", "Long queue at the desk.", "კარგი მომსახურება", "The form was unclear.")
CLIENT = {"connect_timeout": 2.0, "read_timeout": 5.0, "deadline": 10.0}


def sync_options(interval_s: float = 0.2) -> dict[str, Any]:
    """The background sync of a busy kiosk: short waits, so the bench exercises it often."""
    return {
        "interval_s": interval_s,
        "backoff": Backoff(base=0.1, cap=1.0),
        "client_options": dict(CLIENT),
    }


# -- the kiosk side -------------------------------------------------------------------------


class Ledger:
    """What the kiosk told citizens was saved, one line per commit, appended after the commit.

    A line is written with one ``write`` to a file opened for appending, so a kill leaves whole
    lines (a torn last line is ignored when read).
    """

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def saved(self, record_uuid: str) -> None:
        os.write(self.fd, f"+ {record_uuid}\n".encode())

    def failed(self, message: str) -> None:
        os.write(self.fd, f"! {message.replace(chr(10), ' ')}\n".encode())

    @staticmethod
    def read(path: Path) -> tuple[list[str], list[str]]:
        """(uuids acknowledged as saved, save failures)."""
        if not path.exists():
            return [], []
        saved: list[str] = []
        failures: list[str] = []
        for line in path.read_text(encoding="utf-8", errors="replace").split("\n")[:-1]:
            if line.startswith("+ "):
                saved.append(line[2:])
            elif line.startswith("! "):
                failures.append(line[2:])
        return saved, failures


class Citizens:
    """Citizens rating on a headless kiosk: taps on the flow, saves handed to the database
    thread, and their results brought back to this thread - as the UI's bridge does."""

    def __init__(self, data_dir: Path, ledger: Ledger, rng: random.Random) -> None:
        self.ledger = ledger
        self.rng = rng
        self.writer = RecordWriter(KioskFiles(data_dir).db_path)
        self.results: queue.SimpleQueue[tuple[Callable[[SaveResult], None], SaveResult]] = (
            queue.SimpleQueue()
        )
        config = FlowConfig(center_id=CENTER, debounce_s=0, cooldown_s=0, thanks_s=0, error_s=0)
        self.flow = Flow(loads_catalog(demo_catalog_bytes()), config, self)
        self.ratings = 0

    def save(self, draft: Draft, done: Callable[[SaveResult], None]) -> None:
        self.writer.save(draft, lambda result: self.results.put((done, result)))

    def _settle(self) -> None:
        """Wait for the save in progress; note it in the ledger; let the flow go on."""
        done, result = self.results.get()
        if isinstance(result, StorageError):
            self.ledger.failed(str(result))
        else:
            self.ledger.saved(result.uuid)
        done(result)

    def rate_once(self) -> None:
        """One citizen: a service, a face, maybe reasons, maybe a comment, thanks."""
        flow, rng = self.flow, self.rng
        flow.start()
        flow.choose(rng.choice(flow.services()).id)
        flow.rate(rng.randint(1, 5))
        if flow.in_flight:
            self._settle()
            self.ratings += 1
        if flow.step is Step.REASONS:
            for reason in flow.reasons():
                if rng.random() < 0.3:
                    flow.toggle_reason(reason.id)
            flow.submit_reasons()
            if flow.in_flight:
                self._settle()
        if flow.step is Step.COMMENT:
            if rng.random() < 0.3:
                flow.submit_comment(rng.choice(COMMENTS))
                if flow.in_flight:
                    self._settle()
            else:
                flow.skip()
        flow.tick()  # thanks (0 s here) → welcome

    def close(self) -> None:
        self.writer.close()


def kiosk_life(data_dir: Path, ledger_path: Path, seed: int, pace_s: float) -> None:
    """A kiosk process: citizens rate and the background sync runs, until it is killed."""
    logging.basicConfig(
        filename=data_dir.parent / "kiosk.log",
        level=logging.WARNING,
        format=f"%(asctime)s {os.getpid()} %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    rng = random.Random(seed)
    citizens = Citizens(data_dir, Ledger(ledger_path), rng)
    background = BackgroundSync(data_dir, **sync_options())
    background.start()
    while True:
        citizens.rate_once()
        time.sleep(rng.uniform(0, pace_s))


def _child(data_dir: Path, ledger_path: Path, seed: int, pace_s: float) -> None:
    """The forked child: never returns into the parent's code."""
    code = 1
    try:
        kiosk_life(data_dir, ledger_path, seed, pace_s)
    except BaseException:  # noqa: BLE001 - a forked child must not unwind into the parent
        with (data_dir.parent / "kiosk.log").open("a") as log_file:
            traceback.print_exc(file=log_file)
    finally:
        os._exit(code)


def run_cycles(
    data_dir: Path,
    ledger_path: Path,
    cycles: int,
    rng: random.Random,
    life_s: tuple[float, float],
    pace_s: float,
    spawn: bool,
) -> tuple[float, int]:
    """Start and SIGKILL ``cycles`` kiosk processes in turn; the mean life in seconds and how
    many kills left a batch in flight (sent, its answer not yet settled)."""
    lives = 0.0
    in_flight = 0
    for _ in range(cycles):
        seed = rng.randrange(2**32)
        if spawn:
            process = subprocess.Popen(
                [sys.executable, __file__, "--child", str(data_dir), str(ledger_path), str(seed),
                 str(pace_s)],
            )  # fmt: skip
            pid = process.pid
        else:
            pid = os.fork()
            if pid == 0:
                _child(data_dir, ledger_path, seed, pace_s)
        life = rng.uniform(*life_s)
        lives += life
        time.sleep(life)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        in_flight += batch_in_flight(data_dir)
    return lives / max(cycles, 1), in_flight


def batch_in_flight(data_dir: Path) -> bool:
    db_path = KioskFiles(data_dir).db_path
    if not db_path.exists():
        return False
    with closing(sqlite3.connect(db_path)) as conn:
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_INFLIGHT,)).fetchone()
        except sqlite3.Error:
            return False
    return bool(row and row[0])


def server_count(server_db_url: str, device_id: str) -> int:
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.pool import NullPool

    from server.db import records

    engine = create_engine(server_db_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(records)
            return conn.execute(query.where(records.c.device_id == device_id)).scalar_one()
    finally:
        engine.dispose()


def final_sync(data_dir: Path, rounds: int = 20) -> int:
    """Clean syncs until nothing is pending; how many runs it took."""
    for attempt in range(1, rounds + 1):
        job = SyncJob(data_dir, client_options=dict(CLIENT))
        try:
            job.run_once()
            if job.status().pending_count == 0:
                return attempt
        finally:
            job.close()
    return rounds


# -- the checks -----------------------------------------------------------------------------


@dataclass
class Verdict:
    records: int = 0
    """Records in the kiosk database."""
    acknowledged: int = 0
    """Saves the kiosk reported to the citizen (the ledger)."""
    unacknowledged: int = 0
    """Records committed but killed before the citizen was told (at most one per kill)."""
    save_failures: int = 0
    on_server: int = 0
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    set_aside: int = 0
    pending: int = 0
    integrity: str = ""
    chain_intact: bool = False
    server_mark: int = 0
    server_breaks: int = 0

    @property
    def ok(self) -> bool:
        return (
            self.lost == self.duplicated == self.unexpected == 0
            and self.set_aside == self.pending == self.save_failures == 0
            and self.integrity == "ok"
            and self.chain_intact
            and self.server_mark == self.records
            and self.server_breaks == 0
        )


def verify(data_dir: Path, ledger_path: Path, server_db_url: str, device_id: str) -> Verdict:
    """Compare the kiosk's database, its ledger and the server's database."""
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.pool import NullPool

    from server.db import chain_breaks, chains, records

    verdict = Verdict()
    db_path = KioskFiles(data_dir).db_path
    with closing(sqlite3.connect(db_path)) as kiosk_db:
        verdict.integrity = kiosk_db.execute("PRAGMA integrity_check").fetchone()[0]
    with Store(db_path) as store:
        kept = store.records()
        head = store.head()
        states = store.sync_states()
    verdict.records = len(kept)
    seqs_ok = [r.seq for r in kept] == list(range(1, len(kept) + 1))
    chain_ok = verify_chain([r.to_wire() for r in kept]) is None
    head_ok = head == ((kept[-1].seq, kept[-1].hash) if kept else head)
    verdict.chain_intact = seqs_ok and chain_ok and head_ok
    verdict.set_aside = sum(1 for s in states.values() if s == "quarantined")
    verdict.pending = sum(1 for s in states.values() if s == "pending")

    acknowledged, failures = Ledger.read(ledger_path)
    verdict.acknowledged = len(acknowledged)
    verdict.save_failures = len(failures)
    local = {r.uuid for r in kept}
    verdict.unacknowledged = len(local - set(acknowledged))

    engine = create_engine(server_db_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(records.c.uuid, records.c.seq).where(records.c.device_id == device_id)
            ).all()
            mark = conn.execute(
                select(chains.c.high_water_mark).where(chains.c.device_id == device_id)
            ).scalar()
            breaks = conn.execute(
                select(func.count())
                .select_from(chain_breaks)
                .where(chain_breaks.c.device_id == device_id)
            ).scalar_one()
    finally:
        engine.dispose()
    uuids = [row[0] for row in rows]
    server = set(uuids)
    verdict.on_server = len(uuids)
    verdict.duplicated = (len(uuids) - len(server)) + (len(rows) - len({row[1] for row in rows}))
    verdict.lost = len((local | set(acknowledged)) - server)
    verdict.unexpected = len(server - local)
    verdict.server_mark = int(mark or 0)
    verdict.server_breaks = int(breaks)
    return verdict


# -- the bench ------------------------------------------------------------------------------


def set_up_server(work: Path, pg_url: str | None) -> LiveServer:
    live = LiveServer(work / "server", pg_url=pg_url)
    catalog = work / "catalog.json"
    catalog.write_bytes(demo_catalog_bytes())
    live.add_center(CENTER)
    live.load_catalog(catalog)
    return live


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-life-ms", type=float, default=20.0)
    parser.add_argument("--max-life-ms", type=float, default=400.0)
    parser.add_argument(
        "--pace-ms", type=float, default=20.0, help="longest pause between two citizens"
    )
    parser.add_argument("--pg-url", default=None, help="run the server on PostgreSQL")
    parser.add_argument("--spawn", action="store_true", help="a fresh interpreter per cycle")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON last")
    parser.add_argument("--child", nargs=4, metavar=("DATA", "LEDGER", "SEED", "PACE"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args(argv)
    if args.child:
        data, ledger, seed, pace = args.child
        kiosk_life(Path(data), Path(ledger), int(seed), float(pace))
        return 1

    rng = random.Random(args.seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ukuk-crash-") as tmp:
        work = Path(tmp)
        live = set_up_server(work, args.pg_url)
        try:
            live.start()
            data_dir = work / "kiosk"
            device_id = enroll(
                data_dir, live.url, live.add_kiosk("crash-loop", CENTER), client_options=CLIENT
            ).device_id
            ledger_path = work / "ledger.txt"
            life_s = (args.min_life_ms / 1000, args.max_life_ms / 1000)
            mean_life, in_flight = run_cycles(
                data_dir, ledger_path, args.cycles, rng, life_s, args.pace_ms / 1000, args.spawn
            )
            cycles_s = time.monotonic() - started
            synced_before = server_count(live.db_url, device_id)
            sync_started = time.monotonic()
            runs = final_sync(data_dir)
            final_s = time.monotonic() - sync_started
            verdict = verify(data_dir, ledger_path, live.db_url, device_id)
            tracebacks = (
                (work / "kiosk.log").read_text().count("Traceback")
                if (work / "kiosk.log").exists()
                else 0
            )
        finally:
            live.close()

    figures = {
        "cycles": args.cycles,
        "backend": "postgresql" if args.pg_url else "sqlite",
        "mode": "spawn" if args.spawn else "fork",
        "mean_life_ms": round(mean_life * 1000, 1),
        "kills_with_batch_in_flight": in_flight,
        "on_server_before_final_sync": synced_before,
        "cycles_s": round(cycles_s, 1),
        "final_sync_runs": runs,
        "final_sync_s": round(final_s, 2),
        "kiosk_tracebacks": tracebacks,
        **asdict(verdict),
        "ok": verdict.ok and tracebacks == 0,
    }
    print(f"{args.cycles} kills ({figures['mode']}, server on {figures['backend']}), "
          f"mean life {figures['mean_life_ms']} ms, {cycles_s:.1f} s")  # fmt: skip
    print(f"kiosk: {verdict.records} records, {verdict.acknowledged} acknowledged to citizens, "
          f"{verdict.unacknowledged} committed but killed before the thanks")  # fmt: skip
    print(f"server: {verdict.on_server} records; lost {verdict.lost}, duplicated "
          f"{verdict.duplicated}, unexpected {verdict.unexpected}; mark {verdict.server_mark}, "
          f"chain breaks {verdict.server_breaks}")  # fmt: skip
    print(f"kiosk database: integrity_check {verdict.integrity}, chain intact "
          f"{verdict.chain_intact}, set aside {verdict.set_aside}, pending {verdict.pending}, "
          f"failed saves {verdict.save_failures}, tracebacks {tracebacks}")  # fmt: skip
    print(f"{in_flight} kills left a batch in flight; the killed kiosks had synced "
          f"{synced_before} records before the final clean sync")  # fmt: skip
    print(f"final clean sync: {runs} run(s), {final_s:.2f} s")
    print("PASS" if figures["ok"] else "FAIL")
    if args.json:
        print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
