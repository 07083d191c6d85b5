"""Proof under faults: thousands of ratings while a third of all requests fail in random ways,
the server is killed five times and PostgreSQL restarts in the middle of a catch-up - and in
the end nothing is lost, nothing is counted twice, nothing unexpected arrived.

One kiosk rates through the real write path (the citizen flow and the database thread, as in
``bench/crash_loop.py``) while the app's background sync talks to a real server process on
PostgreSQL through the fault proxy (``tests/sync/faultproxy.py``), which breaks a share of all
requests at random (``--fault-rate``): connections reset before or after the server answered,
answers lost, cut off, replaced by an HTML page, 500, 502, 503 and 429 answers, stalled
answers. Meanwhile:

- the server process is SIGKILLed ``--kills`` times at random moments and started again a
  second later;
- the network goes away long enough for a backlog to build up (``--backlog`` records), and
  once the kiosk is catching up, PostgreSQL restarts: with ``--pg-restart cluster`` the real
  cluster (``pg_ctlcluster VERSION main restart -m fast``; it cuts every other user of that
  PostgreSQL for as long, so only run it by hand), by default through a relay the bench cuts
  for ``--pg-down-s`` seconds (``tests/sync/tcp_relay.py``), which leaves other users alone.

When the taps are done, the random faults stop; the bench measures how long the kiosk takes
from then until the server holds every record (the time to converge after the last fault),
then checks everything as ``bench/crash_loop.py`` does.

    python bench/faults.py [--ratings 5000] [--fault-rate 0.35] [--kills 5]
                           [--pg-restart relay|cluster] [--pg-url URL] [--seed 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from crash_loop import (  # noqa: E402
    CENTER,
    Citizens,
    Ledger,
    server_count,
    set_up_server,
    verify,
)

from kiosk import layout  # noqa: E402
from sync.background import BackgroundSync  # noqa: E402
from sync.backoff import Backoff  # noqa: E402
from sync.enrollment import enroll  # noqa: E402
from sync.keys import KioskFiles  # noqa: E402
from tests.server.live import PG_ENV, free_port  # noqa: E402
from tests.sync.faultproxy import (  # noqa: E402
    DROP_RESPONSE,
    GARBAGE,
    RESET_BEFORE,
    SLOW,
    STATUS,
    TRUNCATE,
    Chaos,
    Fault,
    FaultProxy,
)
from tests.sync.tcp_relay import TcpRelay  # noqa: E402

CLIENT = {"connect_timeout": 2.0, "read_timeout": 2.0, "deadline": 10.0}
RANDOM_FAULTS = [
    Fault(RESET_BEFORE),
    Fault(DROP_RESPONSE),
    Fault(STATUS, status=500),
    Fault(STATUS, status=500, forward=True),
    Fault(STATUS, status=502, body=b"<html>bad gateway</html>"),
    Fault(STATUS, status=503, headers={"Retry-After": "1"}),
    Fault(STATUS, status=429, headers={"Retry-After": "1"}),
    Fault(TRUNCATE),
    Fault(GARBAGE),
    Fault(SLOW, delay=3.0),
]
"""What a broken request may meet; SLOW outlasts the kiosk's 2 s read timeout."""


class ServerProcess:
    """``kiosk-server serve`` on a fixed port, started again after each SIGKILL."""

    def __init__(self, db_url: str, log_path: Path) -> None:
        self.db_url = db_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port",
                 str(self.port), "--db", self.db_url, "--log-level", "warning"],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the server did not start; see {self.log_path}")

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(30)
            self.process = None


def count_records(data_dir: Path, where: str = "1") -> int:
    """Records in the kiosk database (read on a connection of its own)."""
    conn = sqlite3.connect(KioskFiles(data_dir).db_path, timeout=10)
    try:
        return int(conn.execute(f"SELECT count(*) FROM records WHERE {where}").fetchone()[0])
    finally:
        conn.close()


def pending_records(data_dir: Path) -> int:
    return count_records(data_dir, f"sync_state = {layout.PENDING}")


def restart_cluster(pg_url: str) -> float:
    """Restart the PostgreSQL cluster listening on the URL's port; seconds it took."""
    port = str(urlsplit(pg_url).port or 5432)
    listing = subprocess.run(
        ["pg_lsclusters", "-h"], capture_output=True, text=True, check=True
    ).stdout
    for line in listing.splitlines():
        version, name, cluster_port, *_ = line.split()
        if cluster_port == port:
            started = time.monotonic()
            subprocess.run(["pg_ctlcluster", version, name, "restart", "-m", "fast"], check=True)
            return time.monotonic() - started
    raise RuntimeError(f"no PostgreSQL cluster listens on port {port}")


def through(url: str, port: int) -> str:
    """``url`` with its host and port replaced by 127.0.0.1:``port``."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


class Director:
    """Runs the scheduled faults in a thread while the main thread taps."""

    def __init__(self, args: argparse.Namespace, rng: random.Random, **parts: Any) -> None:
        self.args = args
        self.rng = rng
        self.server: ServerProcess = parts["server"]
        self.proxy: FaultProxy = parts["proxy"]
        self.relay: TcpRelay | None = parts["relay"]
        self.data_dir: Path = parts["data_dir"]
        self.db_url: str = parts["db_url"]
        self.device_id: str = parts["device_id"]
        self.progress = 0.0
        """Share of the ratings tapped so far, set by the main thread."""
        self.events: list[dict[str, Any]] = []
        self.last_fault_end = 0.0
        self.failed: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="faults", daemon=True)

    def _wait_progress(self, share: float) -> None:
        while self.progress < share:
            time.sleep(0.05)

    def _note(self, kind: str, started: float, **details: Any) -> None:
        ended = time.monotonic()
        self.last_fault_end = ended
        self.events.append({"fault": kind, "seconds": round(ended - started, 2), **details})
        print(f"  fault: {kind} ({ended - started:.1f} s) {details or ''}", flush=True)

    def _run(self) -> None:
        try:
            kills = sorted(self.rng.uniform(0.05, 0.6) for _ in range(self.args.kills))
            for share in kills:
                self._wait_progress(share)
                time.sleep(self.rng.uniform(0, 0.5))
                started = time.monotonic()
                self.server.kill()
                time.sleep(1.0)
                self.server.start()
                self._note("server SIGKILL", started)
            self._wait_progress(0.65)
            self._catch_up_with_database_restart()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            self.failed = exc

    def _catch_up_with_database_restart(self) -> None:
        started = time.monotonic()
        with self.proxy.refusing():
            while pending_records(self.data_dir) < self.args.backlog and self.progress < 1:
                time.sleep(0.1)
        backlog = pending_records(self.data_dir)
        self._note("network away", started, backlog=backlog)
        # Restart the database once the kiosk is visibly catching up.
        before = server_count(self.db_url, self.device_id)
        deadline = time.monotonic() + 300
        visibly = min(200, max(1, backlog // 2))  # a small run's whole backlog may be less
        while server_count(self.db_url, self.device_id) < before + visibly:
            if time.monotonic() > deadline:
                raise RuntimeError("the kiosk did not start catching up")
            time.sleep(0.05)
        behind = pending_records(self.data_dir)
        started = time.monotonic()
        if self.args.pg_restart == "cluster":
            restart_cluster(self.args.pg_url)
        else:
            assert self.relay is not None
            self.relay.cut()
            time.sleep(self.args.pg_down_s)
            self.relay.restore()
        self._note(f"PostgreSQL restart ({self.args.pg_restart})", started, pending=behind)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ratings", type=int, default=5000)
    parser.add_argument("--fault-rate", type=float, default=0.35)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--backlog", type=int, default=1000, help="records before catch-up")
    parser.add_argument("--pg-restart", choices=["relay", "cluster"], default="relay")
    parser.add_argument("--pg-down-s", type=float, default=2.0, help="relay cut (relay mode)")
    parser.add_argument("--pg-url", default=os.environ.get(PG_ENV))
    parser.add_argument(
        "--pace-ms", type=float, default=80.0, help="longest pause between citizens"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--converge-timeout-s", type=float, default=600.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.pg_url:
        parser.error(f"PostgreSQL is needed: --pg-url or ${PG_ENV}")
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="ukuk-faults-") as tmp:
        work = Path(tmp)
        logging.basicConfig(
            filename=work / "kiosk.log",
            level=logging.WARNING,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        relay: TcpRelay | None = None
        server_pg = args.pg_url
        if args.pg_restart == "relay":
            parts = urlsplit(args.pg_url)
            relay = TcpRelay((parts.hostname or "127.0.0.1", parts.port or 5432))
            relay.restore()
            server_pg = through(args.pg_url, relay.port)
        live = set_up_server(work, server_pg)
        server = ServerProcess(live.db_url, work / "server.log")
        proxy = FaultProxy(server.url, io_timeout=30.0)
        proxy.keep_bodies = False
        try:
            server.start()
            proxy.start()
            data_dir = work / "kiosk"
            code = live.add_kiosk("faults", CENTER)
            device_id = enroll(data_dir, proxy.url, code, client_options=CLIENT).device_id
            ledger = Ledger(work / "ledger.txt")
            citizens = Citizens(data_dir, ledger, random.Random(rng.randrange(2**32)))
            # A busy kiosk that retries quickly, so the faults meet many requests.
            background = BackgroundSync(
                data_dir,
                interval_s=0.25,
                backoff=Backoff(base=0.1, cap=2.0),
                client_options=dict(CLIENT),
            )
            chaos = Chaos(args.fault_rate, RANDOM_FAULTS, seed=rng.randrange(2**32))
            proxy.chaos = chaos
            director = Director(
                args, rng, server=server, proxy=proxy, relay=relay, data_dir=data_dir,
                db_url=live.db_url, device_id=device_id,
            )  # fmt: skip
            started = time.monotonic()
            background.start()
            director.thread.start()
            pace = args.pace_ms / 1000
            for done in range(args.ratings):
                citizens.rate_once()
                director.progress = (done + 1) / args.ratings
                time.sleep(rng.uniform(0, pace))
            tapped_s = time.monotonic() - started
            director.thread.join()
            if director.failed is not None:
                raise director.failed
            proxy.chaos = None
            faults_over = time.monotonic()
            pending_then = pending_records(data_dir)
            records = count_records(data_dir)
            while not (
                pending_records(data_dir) == 0 and server_count(live.db_url, device_id) == records
            ):
                if time.monotonic() - faults_over > args.converge_timeout_s:
                    for log_file in (work / "kiosk.log", work / "server.log"):
                        tail = log_file.read_text(errors="replace").splitlines()[-20:]
                        print(f"--- {log_file.name}", *tail, sep="\n", file=sys.stderr)
                    raise RuntimeError(f"not converged {args.converge_timeout_s:.0f} s after")
                time.sleep(0.1)
            converged_s = time.monotonic() - faults_over
            since_last_scheduled = time.monotonic() - director.last_fault_end
            background.stop()
            citizens.close()
            verdict = verify(data_dir, work / "ledger.txt", live.db_url, device_id)
            exchanges = list(proxy.exchanges)
        finally:
            proxy.stop()
            server.stop()
            live.close()
            if relay is not None:
                relay.cut()
        log_text = (work / "kiosk.log").read_text() if (work / "kiosk.log").exists() else ""

    broken = sum(1 for e in exchanges if e.fault is not None)
    unanswered = sum(1 for e in exchanges if e.fault is None and not e.forwarded)
    server_errors = sum(1 for e in exchanges if e.fault is None and (e.upstream_status or 0) >= 500)
    failed = broken + unanswered + server_errors
    figures = {
        "ratings": citizens.ratings,
        "records": verdict.records,
        "requests": len(exchanges),
        "requests_failed": failed,
        "failed_share": round(failed / max(len(exchanges), 1), 3),
        "injected_by_kind": dict(sorted(chaos.injected.items())),
        "unanswered_while_server_down": unanswered,
        "server_5xx": server_errors,
        "faults": director.events,
        "tapping_s": round(tapped_s, 1),
        "pending_when_faults_stopped": pending_then,
        "converge_s_after_last_fault": round(converged_s, 1),
        "since_last_kill_or_restart_s": round(since_last_scheduled, 1),
        "kiosk_tracebacks": log_text.count("Traceback"),
        **asdict(verdict),
    }
    figures["ok"] = verdict.ok and figures["kiosk_tracebacks"] == 0
    print(f"{figures['ratings']} ratings ({verdict.records} records) in {tapped_s:.0f} s")
    print(f"requests through the proxy: {len(exchanges)}, failed {failed} "
          f"({100 * figures['failed_share']:.1f} %): injected {broken}, unanswered while the "
          f"server was down {unanswered}, server 5xx {server_errors}")  # fmt: skip
    print(f"  injected: {figures['injected_by_kind']}")
    print(f"faults stopped with {pending_then} records pending; converged "
          f"{converged_s:.1f} s later")  # fmt: skip
    print(f"server: lost {verdict.lost}, duplicated {verdict.duplicated}, unexpected "
          f"{verdict.unexpected}; mark {verdict.server_mark}, "
          f"breaks {verdict.server_breaks}")  # fmt: skip
    print(f"kiosk: integrity_check {verdict.integrity}, chain intact {verdict.chain_intact}, "
          f"set aside {verdict.set_aside}, failed saves {verdict.save_failures}, tracebacks "
          f"{figures['kiosk_tracebacks']}")  # fmt: skip
    print("PASS" if figures["ok"] else "FAIL")
    if args.json:
        print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
