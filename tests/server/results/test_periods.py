"""Periods (month, quarter, budget year) and local time, in Python and in SQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Integer, String, literal, select

from server.results import rollups
from server.results.periods import (
    Period,
    instant_sql,
    is_closed,
    local_hour_sql,
    local_month_sql,
    local_time,
    month_of,
    periods_of_month,
    periods_with_data,
)
from tests.server.live import BACKENDS
from tests.server.results.test_rollups import OTHER_CENTER, Site


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    with Site.made(request.param, tmp_path) as made:
        yield made


YEAR_2026 = tuple(f"2026-{m:02d}" for m in range(1, 13))


@pytest.mark.parametrize(
    ("text", "kind", "months", "first", "last"),
    [
        ("2026-03", "month", ("2026-03",), date(2026, 3, 1), date(2026, 3, 31)),
        ("2028-02", "month", ("2028-02",), date(2028, 2, 1), date(2028, 2, 29)),
        ("2026-12", "month", ("2026-12",), date(2026, 12, 1), date(2026, 12, 31)),
        ("2026-Q1", "quarter", YEAR_2026[:3], date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-Q4", "quarter", YEAR_2026[9:], date(2026, 10, 1), date(2026, 12, 31)),
        ("2026", "year", YEAR_2026, date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_periods_parse_format_and_cover_their_months(
    text: str, kind: str, months: tuple[str, ...], first: date, last: date
) -> None:
    period = Period.parse(text)
    assert (period.kind, str(period), period.months) == (kind, text, months)
    assert (period.first_day, period.last_day) == (first, last)
    assert Period.parse(str(period)) == period


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "2026-Q5", "2026-Q0", "26", "2026-3", "2026-q1", "", " 2026"]
)
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="period"):
        Period.parse(text)


def test_a_period_closes_the_day_after_it_ends() -> None:
    march, q1, year = Period.parse("2026-03"), Period.parse("2026-Q1"), Period.parse("2026")
    assert not is_closed(march, date(2026, 3, 31))
    assert is_closed(march, date(2026, 4, 1))
    assert not is_closed(q1, date(2026, 3, 31))
    assert is_closed(q1, date(2026, 4, 1))
    assert not is_closed(year, date(2026, 12, 31))
    assert is_closed(year, date(2027, 1, 1))


def test_a_month_lies_in_its_quarter_and_year() -> None:
    assert [str(p) for p in periods_of_month("2026-08")] == ["2026-08", "2026-Q3", "2026"]
    with pytest.raises(ValueError, match="not a month"):
        periods_of_month("2026-Q3")


@pytest.mark.parametrize(
    ("created_at", "offset", "local"),
    [
        ("2026-01-31T21:30:00.000000Z", 240, datetime(2026, 2, 1, 1, 30)),
        ("2026-02-01T01:30:00+04:00", 240, datetime(2026, 2, 1, 1, 30)),
        ("2026-03-01T02:00:00.000000Z", -300, datetime(2026, 2, 28, 21, 0)),
        ("2026-12-31T23:59:59.999999Z", 0, datetime(2026, 12, 31, 23, 59, 59, 999999)),
        ("2028-02-28T22:00:00.5Z", 240, datetime(2028, 2, 29, 2, 0, 0, 500000)),
        ("2026-06-30T12:00:00-03:00", 1440, datetime(2026, 7, 1, 15, 0)),
        ("2026-07-01T00:00:00.000000Z", -1440, datetime(2026, 6, 30, 0, 0)),
    ],
)
def test_local_time_in_python_and_sql_agree(
    site: Site, created_at: str, offset: int, local: datetime
) -> None:
    assert local_time(created_at, offset) == local
    stamp = literal(created_at, String)
    minutes = literal(offset, Integer)
    dialect = site.engine.dialect.name
    with site.engine.connect() as conn:
        month, hour = conn.execute(
            select(
                local_month_sql(dialect, stamp, minutes), local_hour_sql(dialect, stamp, minutes)
            )
        ).one()
    assert month == month_of(local)
    assert hour == local.strftime("%Y-%m-%d %H")


def test_instants_order_whatever_the_zone_suffix(site: Site) -> None:
    dialect = site.engine.dialect.name
    times = ["2026-03-14T09:00:00+04:00", "2026-03-14T05:30:00.000000Z", "2026-03-14T04:59:59Z"]
    with site.engine.connect() as conn:
        values = [
            conn.execute(select(instant_sql(dialect, literal(t, String)))).scalar_one()
            for t in times
        ]
    assert sorted(range(3), key=lambda i: values[i]) == [2, 0, 1]


def test_periods_with_data_come_from_the_roll_ups(site: Site) -> None:
    with site.engine.connect() as conn:
        assert periods_with_data(conn) == []
    device, other = site.device(), site.device(OTHER_CENTER)
    site.send(device, device.rating(4, created_at="2026-01-31T21:30:00.000000Z"))
    site.send(other, other.rating(2, created_at="2025-11-03T10:00:00.000000Z"))
    rollups.refresh(site.engine)
    with site.engine.connect() as conn:
        found = [str(p) for p in periods_with_data(conn)]
        months = [str(p) for p in periods_with_data(conn, ["month"])]
    assert found == ["2025", "2025-Q4", "2025-11", "2026", "2026-Q1", "2026-02"]
    assert months == ["2025-11", "2026-02"]
