"""Fixtures for the server tests: one live server per backend, and enrolled kiosks on it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from common.catalog import demo_catalog_bytes
from server.enrollment import add_center
from tests.server.inprocess import fresh_engine
from tests.server.kiosk_driver import KioskDriver
from tests.server.live import BACKENDS, LiveServer, make_server

CENTER = "tbilisi"
"""Has the demo catalog loaded."""
OPEN_CENTER = "kutaisi"
"""Has no catalog (and the shared server has no default), so any service is accepted."""


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database of each backend with the center :data:`CENTER` and no catalog, for
    tests that call the server's functions directly (a test module may define its own)."""
    with fresh_engine(request.param, tmp_path) as made:
        add_center(made, CENTER, "თბილისი", "Tbilisi")
        yield made


@pytest.fixture(scope="session")
def demo_catalog_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("catalog") / "catalog.json"
    path.write_bytes(demo_catalog_bytes())
    return path


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    demo_catalog_file: Path,
) -> Iterator[LiveServer]:
    """A server shared by the tests of one backend; tests use their own kiosks on it."""
    # Many tests try wrong codes on purpose; the rate limit has its own test and server.
    live = make_server(
        request.param,
        tmp_path_factory.mktemp(f"server-{request.param}"),
        ("--enroll-max-failures", "100000"),
    )
    try:
        live.add_center(CENTER, "თბილისი", "Tbilisi")
        live.add_center(OPEN_CENTER, "ქუთაისი", "Kutaisi")
        live.load_catalog(demo_catalog_file, CENTER)
        yield live
    finally:
        live.close()


def unique_name(prefix: str = "kiosk") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class KioskPool:
    """Pending kiosks added in bulk (one CLI call for many) and handed out one per test.

    Starting the CLI costs about half a second; most tests only need some fresh kiosk.
    """

    BULK = 30

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.spare: dict[str, list[tuple[str, str]]] = {}

    def take(self, center: str = CENTER) -> tuple[str, str]:
        """(name, enrollment code) of a kiosk nobody has used yet."""
        spare = self.spare.setdefault(center, [])
        if not spare:
            names = [unique_name() for _ in range(self.BULK)]
            spare.extend(self.server.add_kiosks(names, center).items())
        return spare.pop()


@pytest.fixture(scope="session")
def kiosk_pool(server: LiveServer) -> KioskPool:
    return KioskPool(server)


@pytest.fixture
def enrolled(server: LiveServer, kiosk_pool: KioskPool) -> Callable[..., KioskDriver]:
    """A fresh kiosk enrolled over HTTP; returns the driver (with ``.name``)."""

    def make(center: str = CENTER) -> KioskDriver:
        name, code = kiosk_pool.take(center)
        driver = KioskDriver(server.url)
        driver.name = name
        response = driver.enroll(code)
        assert response.status_code == 201, response.text
        return driver

    return make


@pytest.fixture
def kiosk(enrolled: Callable[..., KioskDriver]) -> KioskDriver:
    return enrolled()
