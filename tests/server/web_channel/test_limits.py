"""Rate-limit counts: per salted address hash and for everyone, in fixed windows, with the
day's salt and the past windows deleted; on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from server.db import web_address_salts, web_rate_counts
from server.web_channel import limits
from server.web_channel.settings import WebSettings

SETTINGS = WebSettings(limit_window_s=600, address_limit=3, global_limit=5, code_failure_limit=2)
NOON = datetime(2026, 5, 4, 12, 3, 20, tzinfo=UTC)


def test_windows_are_fixed_and_retry_after_counts_to_their_end() -> None:
    assert limits.window_start(NOON, 600) == datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    assert limits.retry_after(NOON, 600) == 400
    assert limits.retry_after(datetime(2026, 5, 4, 12, 9, 59, 500000, tzinfo=UTC), 600) == 1


def test_addresses_are_hashed_with_a_salt_of_the_day_deleted_the_next_day(db: Engine) -> None:
    with db.begin() as conn:
        first = limits.address_hash(conn, "198.51.100.7", NOON)
        again = limits.address_hash(conn, "198.51.100.7", NOON + timedelta(hours=3))
        other = limits.address_hash(conn, "198.51.100.8", NOON)
        salt = conn.execute(select(web_address_salts.c.salt)).scalar_one()
    assert first == again != other
    assert first == hashlib.sha256(f"{salt}\n198.51.100.7".encode()).hexdigest()
    with db.begin() as conn:
        tomorrow = limits.address_hash(conn, "198.51.100.7", NOON + timedelta(days=1))
        days = list(conn.execute(select(web_address_salts.c.day)).scalars())
    assert tomorrow != first
    assert days == ["2026-05-05"]  # yesterday's salt is gone: its hashes can never be matched
    with db.connect() as conn:
        assert limits.known_hash(conn, "198.51.100.7", NOON + timedelta(days=1)) == tomorrow
        assert limits.known_hash(conn, "198.51.100.7", NOON + timedelta(days=2)) is None


def test_open_limits_trip_per_address_and_for_everyone(db: Engine) -> None:
    with db.begin() as conn:
        for _ in range(3):
            assert not limits.open_limits(conn, "aaa", NOON, SETTINGS).needs_work
            limits.note_open(conn, "aaa", NOON, SETTINGS)
        state = limits.open_limits(conn, "aaa", NOON, SETTINGS)
        assert state.address_over and not state.everyone_over and state.retry_after_s == 400
        assert not limits.open_limits(conn, "bbb", NOON, SETTINGS).needs_work
        limits.note_open(conn, "bbb", NOON, SETTINGS)
        limits.note_open(conn, "ccc", NOON, SETTINGS)
        everyone = limits.open_limits(conn, "ddd", NOON, SETTINGS)
        assert everyone.everyone_over and not everyone.address_over and everyone.needs_work


def test_past_windows_are_deleted(db: Engine) -> None:
    later = NOON + timedelta(minutes=10)
    with db.begin() as conn:
        for _ in range(3):
            limits.note_open(conn, "aaa", NOON, SETTINGS)
        limits.note_open(conn, "bbb", later, SETTINGS)
        rows = conn.execute(select(web_rate_counts.c.key, web_rate_counts.c.count)).all()
        assert not limits.open_limits(conn, "aaa", later, SETTINGS).address_over
    assert sorted((row.key, row.count) for row in rows) == [("*", 1), ("a:bbb", 1)]


def test_unknown_codes_are_counted_apart(db: Engine) -> None:
    with db.begin() as conn:
        limits.note_open(conn, "aaa", NOON, SETTINGS)
        assert not limits.codes_refused(conn, "aaa", NOON, SETTINGS)
        limits.note_code_failure(conn, "aaa", NOON, SETTINGS)
        limits.note_code_failure(conn, "aaa", NOON, SETTINGS)
        assert limits.codes_refused(conn, "aaa", NOON, SETTINGS)
        assert not limits.open_limits(conn, "aaa", NOON, SETTINGS).address_over
