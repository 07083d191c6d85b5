"""The server in the test's own process: a fresh database and FastAPI's ``TestClient``.

For request-level checks that need no real socket: no subprocess, no CLI start-up, so a test
takes milliseconds. The real process (``tests.server.live``) stays the judge of what only a
real server shows (connections, restarts, uvicorn itself).

- :func:`fresh_engine` makes a migrated database: a SQLite file, or a new PostgreSQL schema
  (dropped again) when the backend is ``postgres`` (skipped without ``UKUK_PG_URL``);
- :class:`LocalKiosk` is :class:`~tests.server.kiosk_driver.KioskDriver` talking to a
  ``TestClient`` instead of a URL;
- :func:`enroll_kiosk` adds a kiosk with the staff functions and enrolls it over the app;
- ``TestClient`` is FastAPI's, imported here without Starlette's warning about ``httpx``.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # Starlette now prefers the ``httpx2`` package and warns when it runs on ``httpx`` (what
    # the test extra installs); both work the same for these tests.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

from server.db import make_engine, migrate
from server.enrollment import add_kiosks
from tests.server.kiosk_driver import KioskDriver
from tests.server.live import PG_ENV


@contextmanager
def fresh_engine(backend: str, workdir: Path) -> Iterator[Engine]:
    """A migrated, empty database on ``backend`` ("sqlite" or "postgres")."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{workdir / 'server.db'}")
        try:
            migrate(engine)
            yield engine
        finally:
            engine.dispose()
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(f"{base}?options=-csearch_path%3D{schema}")
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


class LocalKiosk(KioskDriver):
    """A simulated kiosk whose requests go to an in-process app through ``client``."""

    def __init__(self, client: TestClient, device_id: str | None = None) -> None:
        super().__init__("", device_id)
        self.client = client

    def _send(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        return self.client.request(method, url, content=content, json=json_body, headers=headers)


def enroll_kiosk(engine: Engine, client: TestClient, center: str) -> LocalKiosk:
    """A kiosk of ``center`` added by staff and enrolled over the app."""
    issued = add_kiosks(engine, [f"kiosk-{uuid.uuid4().hex[:8]}"], center)[0]
    kiosk = LocalKiosk(client)
    kiosk.name = issued.kiosk_name
    response = kiosk.enroll(issued.code)
    assert response.status_code == 201, response.text
    return kiosk
