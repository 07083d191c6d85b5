"""``kiosk-server`` commands: plain errors without tracebacks, the default database, restarts,
and ``serve --workers``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from common.protocol import PATH_SYNC_STATE
from tests.server.conftest import CENTER, unique_name
from tests.server.kiosk_driver import KioskDriver
from tests.server.live import REPO, LiveServer


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path = REPO
) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "UKUK_SERVER_DB"}
    full_env.update({"PYTHONPATH": str(REPO), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def assert_clean_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def test_commands_refuse_an_uninitialised_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert_clean_error(run("kiosks", "--db", url), "init-db")
    assert_clean_error(run("serve", "--port", "9", "--db", url), "init-db")


def test_bad_database_urls(tmp_path: Path) -> None:
    assert_clean_error(run("init-db", "--db", "nosuchdb://x"), "cannot use database URL")
    unreachable = "postgresql+psycopg://nobody:nothing@127.0.0.1:9/none?connect_timeout=2"
    assert_clean_error(run("init-db", "--db", unreachable))
    missing_dir = f"sqlite:///{tmp_path / 'no' / 'dir' / 'x.db'}"
    assert_clean_error(run("init-db", "--db", missing_dir))


def test_database_from_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    assert run("init-db", env={"UKUK_SERVER_DB": url}).returncode == 0
    assert run("add-center", "c1", "--name-ka", "ა", "--name-en", "A", "--db", url).returncode == 0
    listing = run("kiosks", env={"UKUK_SERVER_DB": url})
    assert listing.returncode == 0
    assert "no kiosks yet" in listing.stdout
    assert (tmp_path / "env.db").exists()


def test_default_database_file_in_the_working_directory(tmp_path: Path) -> None:
    result = run("init-db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "ukukavshiri-server.db").exists()
    assert "already" in run("init-db", cwd=tmp_path).stdout


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("add-center", CENTER, "--name-ka", "ა", "--name-en", "A"), ("already exists",)),
        (("add-center", "bad id!", "--name-ka", "ა", "--name-en", "A"), ("not valid",)),
        (("add-kiosk", "k", "--center", "atlantis"), ("no center 'atlantis'",)),
        (("add-kiosk", " padded", "--center", CENTER), ("not valid",)),
        (("reenroll-kiosk", "ghost"), ("no kiosk named 'ghost'",)),
        (("revoke-kiosk", "ghost"), ("no kiosk named 'ghost'",)),
    ],
)
def test_staff_mistakes_are_plain_errors(
    server: LiveServer, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    assert_clean_error(server.cli(*args, check=False), *fragments)


def test_usage_errors_exit_2(server: LiveServer) -> None:
    result = server.cli("add-kiosk", "k", check=False)
    assert result.returncode == 2
    assert "--center" in result.stderr
    assert (
        server.cli(
            "add-kiosk", "k", "--center", CENTER, "--expires-in", "-5", check=False
        ).returncode
        == 2
    )


def test_duplicate_kiosk_and_double_revoke(server: LiveServer) -> None:
    name = unique_name()
    assert list(server.add_kiosks([name, name + "-b"], CENTER)) == [name, name + "-b"]
    assert_clean_error(server.cli("add-kiosk", name, "--center", CENTER, check=False), "reenroll")
    server.cli("revoke-kiosk", name)
    assert_clean_error(server.cli("revoke-kiosk", name, check=False), "already revoked")


def test_restart_keeps_everything(tmp_path: Path) -> None:
    with LiveServer(tmp_path) as live:
        live.add_center(CENTER)
        driver = KioskDriver(live.url)
        assert driver.enroll(live.add_kiosk("k", CENTER)).status_code == 201
        assert driver.post_batch(driver.chain(3)).json()["high_water_mark"] == 3
        live.stop()
        assert not live.running
        live.start()
        assert driver.get(PATH_SYNC_STATE).json()["high_water_mark"] == 3


WORKER_STARTED = re.compile(r"Started server process \[(\d+)\]")
STOPPED_WINDOW_REQUESTS = 5
"""Requests sent while every other worker is stopped (uvicorn's supervisor restarts a worker
that misses its 5 s health check, so the window stays well under that)."""


def _worker_pids(live: LiveServer, count: int, timeout: float = 30.0) -> list[int]:
    """The pids of ``count`` worker processes once each logged that it started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = live.log_path.read_text(encoding="utf-8", errors="replace")
        found = list(dict.fromkeys(int(pid) for pid in WORKER_STARTED.findall(text)))
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{count} workers did not start:\n{live.log_tail()}")


def _parent_of(pid: int) -> int:
    # /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after ")".
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_serve_needs_at_least_one_worker(tmp_path: Path) -> None:
    result = run("serve", "--workers", "0", "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 2
    assert "--workers: must be 1 or more" in result.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc and stops processes")
def test_serve_with_two_workers_answers_from_each_of_them(tmp_path: Path) -> None:
    with LiveServer(tmp_path, serve_args=("--workers", "2")) as live:
        workers = _worker_pids(live, 2)
        assert len(workers) == 2
        supervisor = live._process.pid if live._process else None
        assert all(_parent_of(pid) == supervisor for pid in workers)
        for serving in workers:
            others = [pid for pid in workers if pid != serving]
            for pid in others:
                os.kill(pid, signal.SIGSTOP)
            try:
                statuses = [
                    requests.get(live.url + "/api/v1/health", timeout=3).status_code
                    for _ in range(STOPPED_WINDOW_REQUESTS)
                ]
            finally:
                for pid in others:
                    os.kill(pid, signal.SIGCONT)
            assert statuses == [200] * STOPPED_WINDOW_REQUESTS, f"worker {serving} alone"
        assert requests.get(live.url + "/results", timeout=10).status_code == 200


def test_audit_export_writes_the_zip_and_refuses_plainly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    assert run("init-db", "--db", url).returncode == 0
    output = tmp_path / "audit.zip"
    done = run("audit-export", "--db", url, "--output", str(output), "--period", "2026-Q1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Audit export of period 2026-Q1 written to {output}: 0 devices")
    assert output.exists()
    bad_period = run("audit-export", "--db", url, "--output", str(output), "--period", "2026-13")
    assert bad_period.returncode == 2
    assert "'2026-13' is not a period such as 2026-03, 2026-Q1 or 2026" in bad_period.stderr
    assert_clean_error(
        run("audit-export", "--db", url, "--output", str(tmp_path / "no" / "dir" / "a.zip")),
        "cannot write",
    )
