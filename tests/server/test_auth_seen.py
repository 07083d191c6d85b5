"""Authenticating a request only reads: ``last_seen_at`` is written when it is more than a
minute old, so a kiosk's requests do not queue for the database's write lock."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select, update

from common.protocol import PATH_SYNC_STATE, signed_headers
from server.db import kiosks
from tests.server.kiosk_driver import KioskDriver
from tests.server.live import LiveServer


def last_seen(server: LiveServer, kiosk: KioskDriver) -> datetime:
    engine = create_engine(server.db_url)
    try:
        with engine.connect() as conn:
            query = select(kiosks.c.last_seen_at).where(kiosks.c.device_id == kiosk.device_id)
            value = conn.execute(query).scalar_one()
    finally:
        engine.dispose()
    assert value is not None
    return value


def set_last_seen(server: LiveServer, kiosk: KioskDriver, moment: datetime) -> None:
    engine = create_engine(server.db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                update(kiosks)
                .where(kiosks.c.device_id == kiosk.device_id)
                .values(last_seen_at=moment)
            )
    finally:
        engine.dispose()


def test_last_seen_is_written_once_a_minute(server: LiveServer, kiosk: KioskDriver) -> None:
    enrolled = last_seen(server, kiosk)
    assert kiosk.get(PATH_SYNC_STATE).status_code == 200
    assert last_seen(server, kiosk) == enrolled  # seen moments ago: not written again

    an_hour_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    set_last_seen(server, kiosk, an_hour_ago)
    before = datetime.now(UTC)
    assert kiosk.get(PATH_SYNC_STATE).status_code == 200
    seen = last_seen(server, kiosk)
    assert before - timedelta(seconds=1) <= seen <= datetime.now(UTC)
    assert kiosk.get(PATH_SYNC_STATE).status_code == 200
    assert last_seen(server, kiosk) == seen


def test_a_signed_read_answers_while_another_writer_holds_sqlite(
    server: LiveServer, kiosk: KioskDriver
) -> None:
    if not server.db_url.startswith("sqlite:///"):
        pytest.skip("SQLite's database-wide write lock")
    writer = sqlite3.connect(server.db_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        # The server waits up to 30 s for the lock; a request that wrote would not answer here.
        response = kiosk.session.request(
            "GET", kiosk.base_url + PATH_SYNC_STATE, headers=signed(kiosk), timeout=10
        )
        assert response.status_code == 200, response.text
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def signed(kiosk: KioskDriver) -> dict[str, str]:
    return signed_headers(
        kiosk.key, kiosk.device_id, "GET", PATH_SYNC_STATE, int(datetime.now(UTC).timestamp()), b""
    )
