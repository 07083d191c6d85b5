"""The database away: 503 ``unavailable`` with a Retry-After as long as it is likely to stay
away - a couple of seconds when it has just gone (a restart), longer the longer it is gone.

The outage is injected: the engine's connections are closed and every new one is refused
(an SQLAlchemy ``do_connect`` hook raising as a stopped database would), then allowed again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event

from common.protocol import PATH_HEALTH
from server.app import create_app
from server.http_errors import RETRY_AFTER_MAX_S, RETRY_AFTER_MIN_S, DatabaseOutage
from tests.server.inprocess import TestClient, fresh_engine


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine(tmp_path) -> Iterator[Engine]:
    with fresh_engine("sqlite", tmp_path) as made:
        yield made


def _refuse_connections(*_args: object) -> None:
    raise sqlite3.OperationalError("unable to open database file")


def _database_stops(engine: Engine) -> None:
    engine.dispose()
    event.listen(engine, "do_connect", _refuse_connections)


def _database_starts(engine: Engine) -> None:
    event.remove(engine, "do_connect", _refuse_connections)


def test_retry_after_follows_how_long_the_database_has_been_away():
    clock = FakeMonotonic()
    outage = DatabaseOutage(clock)
    assert outage.failed() == RETRY_AFTER_MIN_S
    clock.now += 1.2
    assert outage.failed() == RETRY_AFTER_MIN_S
    clock.now += 5.5
    assert outage.failed() == 7
    clock.now += 3600
    assert outage.failed() == RETRY_AFTER_MAX_S
    outage.recovered()
    clock.now += 10
    assert outage.failed() == RETRY_AFTER_MIN_S


def test_an_unreachable_database_answers_503_with_a_short_retry_after(engine):
    app = create_app(engine)
    clock = FakeMonotonic()
    app.state.database_outage.monotonic = clock
    with TestClient(app) as client:
        assert client.get(PATH_HEALTH).status_code == 200
        _database_stops(engine)
        try:
            first = client.get(PATH_HEALTH)
            clock.now += 6.4
            later = client.get(PATH_HEALTH)
        finally:
            _database_starts(engine)
        back = client.get(PATH_HEALTH)
        _database_stops(engine)
        try:
            again = client.get(PATH_HEALTH)
        finally:
            _database_starts(engine)

    assert first.status_code == 503
    assert first.json()["error"]["code"] == "unavailable"
    assert first.headers["Retry-After"] == str(RETRY_AFTER_MIN_S)
    assert later.headers["Retry-After"] == "7"
    assert back.status_code == 200
    # The database came back in between: a new outage starts short again.
    assert again.headers["Retry-After"] == str(RETRY_AFTER_MIN_S)


def test_a_failing_query_is_a_500_not_an_outage(engine):
    app = create_app(engine)

    @app.get("/boom")
    def boom() -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO no_such_table VALUES (1)")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/boom")
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "internal_error"
    assert "Retry-After" not in answer.headers
