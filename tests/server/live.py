"""A real ``kiosk-server`` process on 127.0.0.1, for tests of the server and of its clients.

Usage (any test package may import it)::

    from tests.server.live import LiveServer

    with LiveServer(tmp_path) as server:                  # SQLite file in tmp_path
        server.add_center("tbilisi")
        code = server.add_kiosk("lobby-1", "tbilisi")      # one-time enrollment code
        requests.get(server.url + "/api/v1/health")
        server.cli("load-catalog", str(catalog_file), "--center", "tbilisi")
        server.stop(); server.start()                     # restart on the same database

    with LiveServer(tmp_path, pg_url=os.environ["UKUK_PG_URL"]) as server:
        ...                                               # a fresh PostgreSQL schema

What it does:
- makes the database: a SQLite file ``<workdir>/server.db``, or with ``pg_url`` a new schema in
  that PostgreSQL database (the server reaches it through ``search_path`` in ``db_url``), dropped
  again on exit; ``db_url`` may also name an existing database to reuse as is;
- runs ``kiosk-server init-db`` (as ``python -m server.cli``, the same entry point), then
  ``serve`` on a free port, and waits until ``/api/v1/health`` answers;
- ``.url`` is the base URL (no trailing slash), ``.db_url`` the database URL, ``.log_path`` the
  server's output; ``.cli(*args)`` runs any other command against the same database, and
  ``.add_center``, ``.add_kiosk`` / ``.add_kiosks`` (codes), ``.reenroll_kiosk`` and
  ``.load_catalog`` wrap the common ones;
- ``.query(sql, **params)`` reads the server's database, to check what it stored;
- ``serve_args`` are extra ``serve`` options (e.g. ``("--enroll-max-failures", "1000")``);
- ``.stop()`` ends the server (SIGTERM, then SIGKILL), ``.start()`` starts it again on the same
  port and database; leaving the ``with`` block stops it and drops a PostgreSQL schema.

:data:`BACKENDS` and :func:`make_server` parametrize a test over SQLite and PostgreSQL; the
PostgreSQL case is marked ``postgres`` and skipped when ``UKUK_PG_URL`` is not set.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
PG_ENV = "UKUK_PG_URL"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
START_TIMEOUT_S = 30.0
CODE_PATTERN = re.compile(r"Enrollment code: ([A-Z0-9]{4}-[A-Z0-9]{4})")


class LiveServerError(RuntimeError):
    """The server or one of its commands failed; the message carries its output."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("UKUK_SERVER_DB", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


class LiveServer:
    """One server process and its database; see the module docstring."""

    def __init__(
        self,
        workdir: Path,
        *,
        pg_url: str | None = None,
        db_url: str | None = None,
        port: int | None = None,
        serve_args: tuple[str, ...] = (),
    ) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.workdir / "server.log"
        self._pg_url = pg_url
        self.serve_args = tuple(serve_args)
        self._schema: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None
        if db_url is not None:
            self.db_url = db_url
        elif pg_url is not None:
            self._schema = f"t_{uuid.uuid4().hex[:16]}"
            self._run_pg(f"CREATE SCHEMA {self._schema}")
            self.db_url = _with_search_path(pg_url, self._schema)
        else:
            self.db_url = f"sqlite:///{self.workdir / 'server.db'}"
        try:
            self.cli("init-db")
        except BaseException:
            self.close()
            raise

    # -- life cycle ---------------------------------------------------------------------------

    def __enter__(self) -> LiveServer:
        if self._process is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> LiveServer:
        """Start ``serve`` and wait until the health endpoint answers."""
        if self._process is not None:
            raise LiveServerError("the server is already running")
        self._log_file = self.log_path.open("ab")
        command = [
            sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1",
            "--port", str(self.port), "--db", self.db_url, *self.serve_args,
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command, cwd=REPO, env=_env(), stdout=self._log_file, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._close_log()
                self._process = None
                raise LiveServerError(f"the server exited at start:\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        self.stop()
        raise LiveServerError(
            f"the server did not answer in {START_TIMEOUT_S} s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """End the server process (graceful first); the database stays."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._close_log()

    def close(self) -> None:
        """Stop the server and drop the PostgreSQL schema this object made."""
        self.stop()
        if self._schema is not None:
            schema, self._schema = self._schema, None
            self._run_pg(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no output)"
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def query(self, sql: str, **params: Any) -> list[Any]:
        """Rows of a read-only SQL query on the server's database (for checking what it stored)."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(sql), params).all())
        finally:
            engine.dispose()

    def _run_pg(self, statement: str) -> None:
        from sqlalchemy import create_engine, text

        assert self._pg_url is not None
        engine = create_engine(self._pg_url)
        try:
            with engine.begin() as conn:
                conn.execute(text(statement))
        finally:
            engine.dispose()

    # -- commands -----------------------------------------------------------------------------

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``kiosk-server ARGS --db <this database>``; raise on failure when ``check``."""
        result = subprocess.run(
            [sys.executable, "-m", "server.cli", *args, "--db", self.db_url],
            cwd=REPO,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check and result.returncode != 0:
            raise LiveServerError(
                f"kiosk-server {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout}{result.stderr}"
            )
        return result

    def add_center(
        self, center_id: str, name_ka: str | None = None, name_en: str | None = None
    ) -> None:
        self.cli(
            "add-center", center_id,
            "--name-ka", name_ka or f"ცენტრი {center_id}",
            "--name-en", name_en or f"Center {center_id}",
        )  # fmt: skip

    def add_kiosk(self, name: str, center: str, expires_in: int | None = None) -> str:
        """Add a kiosk through the CLI and return its enrollment code (``XXXX-XXXX``)."""
        extra = [] if expires_in is None else ["--expires-in", str(expires_in)]
        return self._code(self.cli("add-kiosk", name, "--center", center, *extra))

    def add_kiosks(
        self, names: list[str], center: str, expires_in: int | None = None
    ) -> dict[str, str]:
        """Add several kiosks in one CLI call; returns {name: enrollment code}."""
        extra = [] if expires_in is None else ["--expires-in", str(expires_in)]
        result = self.cli("add-kiosk", *names, "--center", center, *extra)
        codes = CODE_PATTERN.findall(result.stdout)
        if len(codes) != len(names):
            raise LiveServerError(f"expected {len(names)} codes in:\n{result.stdout}")
        return dict(zip(names, codes, strict=True))

    def reenroll_kiosk(self, name: str, expires_in: int | None = None) -> str:
        extra = [] if expires_in is None else ["--expires-in", str(expires_in)]
        return self._code(self.cli("reenroll-kiosk", name, *extra))

    def load_catalog(self, path: Path, center: str | None = None) -> None:
        self.cli("load-catalog", str(path), *(["--center", center] if center else []))

    @staticmethod
    def _code(result: subprocess.CompletedProcess[str]) -> str:
        match = CODE_PATTERN.search(result.stdout)
        if match is None:
            raise LiveServerError(f"no enrollment code in the output:\n{result.stdout}")
        return match.group(1)


def make_server(backend: str, workdir: Path, serve_args: tuple[str, ...] = ()) -> LiveServer:
    """A started server on ``backend`` ("sqlite" or "postgres"; skips without UKUK_PG_URL)."""
    if backend == "postgres":
        pg_url = os.environ.get(PG_ENV)
        if not pg_url:
            pytest.skip(f"{PG_ENV} is not set")
        server = LiveServer(workdir, pg_url=pg_url, serve_args=serve_args)
    else:
        server = LiveServer(workdir, serve_args=serve_args)
    try:
        return server.start()
    except BaseException:
        server.close()
        raise
