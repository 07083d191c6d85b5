"""Fixtures for sync tests against the real server (``tests.server.live.LiveServer``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.live import BACKENDS, LiveServer, make_server
from tests.sync.faultproxy import FaultProxy
from tests.sync.helpers import CENTER, ServerDB, demo_catalog_file


def _started(backend: str, workdir: Path) -> Iterator[tuple[LiveServer, ServerDB]]:
    server = make_server(backend, workdir)
    db = ServerDB(server)
    try:
        server.add_center(CENTER)
        server.load_catalog(demo_catalog_file(workdir))
        db.fill_codes()
        yield server, db
    finally:
        db.close()
        server.close()


@pytest.fixture(scope="session")
def live_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, ServerDB]]:
    """One SQLite-backed server for the session; every test enrolls a kiosk of its own."""
    yield from _started("sqlite", tmp_path_factory.mktemp("server"))


@pytest.fixture(scope="module", params=BACKENDS)
def live_any(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, ServerDB]]:
    """The server on SQLite, and on PostgreSQL (marked ``postgres``) when UKUK_PG_URL is set."""
    if request.param == "sqlite":
        yield request.getfixturevalue("live_sqlite")
        return
    yield from _started(request.param, tmp_path_factory.mktemp(f"server-{request.param}"))


@pytest.fixture(scope="module")
def proxy(live_sqlite: tuple[LiveServer, ServerDB]) -> Iterator[FaultProxy]:
    """A fault proxy in front of the SQLite server (it keeps its port across restarts)."""
    live, _db = live_sqlite
    with FaultProxy(live.url) as running:
        yield running


@pytest.fixture
def clean_proxy(proxy: FaultProxy) -> Iterator[FaultProxy]:
    """The module's proxy with no faults queued and no history, before and after the test."""
    proxy.clear()
    proxy.exchanges.clear()
    proxy.arm_hold()
    yield proxy
    proxy.clear()
    proxy.exchanges.clear()
