"""Pages show the server's UTC moments in Georgia's time, where the day may already differ."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from server.local_time import MUNICIPAL_TIME, local_time_text


def test_a_moment_is_shown_four_hours_ahead_of_utc():
    assert local_time_text(datetime(2026, 1, 14, 9, 30, tzinfo=UTC)) == "2026-01-14 13:30 (UTC+4)"


def test_a_late_utc_evening_is_the_next_day_in_georgia():
    moment = datetime(2026, 12, 31, 21, 5, 59, tzinfo=UTC)
    assert local_time_text(moment) == "2027-01-01 01:05 (UTC+4)"


def test_a_moment_from_any_offset_is_converted():
    elsewhere = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert local_time_text(elsewhere) == "2026-06-01 21:00 (UTC+4)"
    assert MUNICIPAL_TIME.utcoffset(None) == timedelta(hours=4)
