"""Fixtures of the web channel's storage tests: a migrated database on SQLite and on
PostgreSQL (skipped without ``UKUK_PG_URL``), with two centers and the demo catalog.

- ``db``: that engine, once per backend (``db.dialect.name`` tells which);
- ``CENTER``, ``OTHER_CENTER``, ``SERVICE``: a center, a second center, and a service of the
  demo catalog both centers use;
- ``make_app(**environ)``: the app on ``db`` with ``UKUK_WEB_*`` settings (the others unset);
- ``make_client(app, address)``: a ``TestClient`` whose requests come from ``address``;
- ``clock``: the form tokens' clock, moved by the test (``clock.advance(s)``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from common.catalog import demo_catalog_bytes
from server.app import create_app
from server.catalogs import store_catalog
from server.enrollment import add_center
from server.web.site import Site
from server.web_channel import tokens
from tests.server.inprocess import TestClient, fresh_engine
from tests.server.live import BACKENDS

CENTER = "central-service-hall"
OTHER_CENTER = "social-service-agency"
SERVICE = "vulnerable-families"


def seed(engine: Engine) -> None:
    """The two demo centers with the demo catalog as the default catalog."""
    add_center(engine, CENTER, "ცენტრალური დარბაზი", "Central service hall")
    add_center(engine, OTHER_CENTER, "სოციალური სამსახური", "Social services office")
    store_catalog(engine, demo_catalog_bytes(), None)


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with fresh_engine(request.param, tmp_path) as engine:
        seed(engine)
        yield engine


# -- the pages, in this process ----------------------------------------------------------------

BASE_URL = "https://testserver"
FAST = {"UKUK_WEB_MIN_FILL_S": "0"}
"""Settings under which a form sent at once is not "too fast" (tests of other rules)."""


class Clock:
    """The form tokens' clock (``tokens.wall_clock``), moved by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(tokens, "wall_clock", fake)
    return fake


@pytest.fixture
def make_app(db: Engine, monkeypatch: pytest.MonkeyPatch) -> Callable[..., FastAPI]:
    """``make_app(UKUK_WEB_…="…")``: the app on ``db`` with those web settings."""

    def make(**environ: str) -> FastAPI:
        for name in list(os.environ):
            if name.startswith("UKUK_WEB_"):
                monkeypatch.delenv(name)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        return create_app(db, site=Site.make(db))

    return make


@pytest.fixture
def make_client() -> Iterator[Callable[..., TestClient]]:
    """``make_client(app, address="198.51.100.7")``: a client calling from that address."""
    made: list[TestClient] = []

    def make(app: FastAPI, address: str = "198.51.100.7") -> TestClient:
        client = TestClient(app, base_url=BASE_URL, follow_redirects=False, client=(address, 5000))
        client.__enter__()  # one event loop for all its requests (and the app's lifespan)
        made.append(client)
        return client

    yield make
    for client in made:
        client.__exit__(None, None, None)
