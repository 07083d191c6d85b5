"""Periods of the results (a month, a quarter, a budget year) and the one definition of a
rating's local time, in Python and in SQL.

Why this shape:
- A rating belongs to the month in which the citizen gave it, where the kiosk stands: its
  local time is the device's ``created_at`` (UTC) plus its ``utc_offset_min``. The roll-ups
  compute it in Python while counting; the few queries that read raw records (comments, the
  raw export, ratings received after a snapshot) compute it in SQL. Both are here, side by
  side, and a test holds them to the same answers on SQLite and PostgreSQL.
- Periods are written as in ``docs/results.md``: ``YYYY-MM``, ``YYYY-Qn``, ``YYYY`` (the budget
  year is the calendar year). Each covers whole local months, so every figure of a period is
  a sum over the months' roll-ups.
- A period is closed once its last day is over; only closed periods are published.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import DateTime, case, cast, func, literal_column, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from server.db import rollup_ratings

PeriodKind = Literal["month", "quarter", "year"]

_PATTERNS: dict[PeriodKind, re.Pattern[str]] = {
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "quarter": re.compile(r"^(\d{4})-Q(\d)$"),
    "year": re.compile(r"^(\d{4})$"),
}
_SPAN = {"month": 1, "quarter": 3, "year": 12}
"""How many months each kind covers."""


@dataclass(frozen=True)
class Period:
    """A month (``number`` 1–12), a quarter (1–4) or a budget year (``number`` 0)."""

    kind: PeriodKind
    year: int
    number: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year {self.year} is not from 1 to 9999")
        highest = {"month": 12, "quarter": 4, "year": 0}[self.kind]
        low = 0 if self.kind == "year" else 1
        if not low <= self.number <= highest:
            raise ValueError(f"{self.number} is not a {self.kind} number")

    @classmethod
    def parse(cls, text: str) -> Period:
        """``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``; ``ValueError`` for anything else."""
        for kind, pattern in _PATTERNS.items():
            found = pattern.match(text)
            if found:
                number = int(found.group(2)) if kind != "year" else 0
                try:
                    return cls(kind, int(found.group(1)), number)
                except ValueError:
                    break
        raise ValueError(f"{text!r} is not a period such as 2026-03, 2026-Q1 or 2026")

    def __str__(self) -> str:
        if self.kind == "month":
            return f"{self.year:04d}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.number}"
        return f"{self.year:04d}"

    @property
    def first_month(self) -> int:
        if self.kind == "month":
            return self.number
        if self.kind == "quarter":
            return 3 * self.number - 2
        return 1

    @property
    def months(self) -> tuple[str, ...]:
        """The local months it covers, as ``YYYY-MM``, in order."""
        first = self.first_month
        return tuple(f"{self.year:04d}-{m:02d}" for m in range(first, first + _SPAN[self.kind]))

    @property
    def first_day(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def last_day(self) -> date:
        last_month = self.first_month + _SPAN[self.kind] - 1
        if last_month == 12:
            return date(self.year, 12, 31)
        return date(self.year, last_month + 1, 1) - timedelta(days=1)

    def sort_key(self) -> tuple[date, int]:
        """Chronological, and a period before the shorter ones it contains (2026, 2026-Q1,
        2026-01 …)."""
        return (self.first_day, -_SPAN[self.kind])


def periods_of_month(month: str) -> tuple[Period, Period, Period]:
    """The month ``YYYY-MM``, its quarter and its year."""
    period = Period.parse(month)
    if period.kind != "month":
        raise ValueError(f"{month!r} is not a month such as 2026-03")
    quarter = Period("quarter", period.year, (period.number + 2) // 3)
    return period, quarter, Period("year", period.year)


def is_closed(period: Period, today: date) -> bool:
    """Whether the period is over on ``today`` (it ended yesterday or earlier)."""
    return today > period.last_day


def periods_with_data(conn: Connection, kinds: Iterable[PeriodKind] | None = None) -> list[Period]:
    """Every period (of ``kinds``, default all three) holding at least one counted rating,
    in :meth:`Period.sort_key` order. Reads the roll-ups: call ``rollups.refresh`` first."""
    wanted = set(kinds) if kinds is not None else set(_SPAN)
    found: set[Period] = set()
    query = select(rollup_ratings.c.month).where(rollup_ratings.c["count"] > 0).distinct()
    for month in conn.execute(query).scalars():
        try:
            found.update(p for p in periods_of_month(month) if p.kind in wanted)
        except ValueError:  # pragma: no cover - the roll-ups write only YYYY-MM
            continue
    return sorted(found, key=Period.sort_key)


# -- local time --------------------------------------------------------------------------------


def local_time(created_at: str, utc_offset_min: int) -> datetime:
    """The wall-clock time where the kiosk stood (naive): ``created_at`` in UTC plus the
    device's offset. ``ValueError`` when ``created_at`` is not an ISO 8601 time."""
    moment = datetime.fromisoformat(created_at)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment + timedelta(minutes=utc_offset_min)


def month_of(moment: datetime) -> str:
    """``YYYY-MM`` of a (local) time."""
    return f"{moment.year:04d}-{moment.month:02d}"


def _local_sql(dialect: str, created_at: Any, utc_offset_min: Any) -> tuple[Any, str]:
    """(local timestamp expression, how to format it) for the dialect."""
    if dialect == "postgresql":
        utc = func.timezone("UTC", cast(created_at, DateTime(timezone=True)))
        return utc + utc_offset_min * literal_column("INTERVAL '1 minute'"), "postgresql"
    # Whole seconds: SQLite rounds fractions to milliseconds when it adds the offset, and
    # 23:59:59.9999 must not become the next month. The zone suffix is kept.
    suffix = case((func.substr(created_at, -1) == "Z", "Z"), else_=func.substr(created_at, -6))
    seconds = func.substr(created_at, 1, 19).concat(suffix)
    return func.datetime(seconds, func.printf("%d minutes", utc_offset_min)), "sqlite"


def local_month_sql(dialect: str, created_at: Any, utc_offset_min: Any) -> ColumnElement[Any]:
    """SQL for :func:`local_time`'s month, ``YYYY-MM`` (``dialect``: the connection's)."""
    moment, flavour = _local_sql(dialect, created_at, utc_offset_min)
    if flavour == "postgresql":
        return func.to_char(moment, "YYYY-MM")
    return func.substr(moment, 1, 7)


def local_hour_sql(dialect: str, created_at: Any, utc_offset_min: Any) -> ColumnElement[Any]:
    """SQL for :func:`local_time` to the hour, ``YYYY-MM-DD HH`` (sorts chronologically)."""
    moment, flavour = _local_sql(dialect, created_at, utc_offset_min)
    if flavour == "postgresql":
        return func.to_char(moment, "YYYY-MM-DD HH24")
    return func.substr(moment, 1, 13)


def instant_sql(dialect: str, created_at: Any) -> ColumnElement[Any]:
    """SQL ordering records by the moment they were written, whatever their zone suffix."""
    if dialect == "postgresql":
        return cast(created_at, DateTime(timezone=True))
    return func.julianday(created_at)
