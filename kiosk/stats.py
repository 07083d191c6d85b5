"""Local statistics for staff: how many ratings today and this month, per service, and how
scores are spread. Ratings flagged as part of a burst are counted apart, never mixed in."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from common.records import Flag, Kind, Record


@dataclass
class Summary:
    count: int = 0
    scores: Counter[int] = field(default_factory=Counter)
    per_service: Counter[str] = field(default_factory=Counter)

    def add(self, record: Record) -> None:
        self.count += 1
        if record.score is not None:
            self.scores[record.score] += 1
        self.per_service[record.service_id] += 1

    @property
    def mean(self) -> float | None:
        total = sum(self.scores.values())
        if not total:
            return None
        return sum(score * n for score, n in self.scores.items()) / total


@dataclass
class Statistics:
    today: Summary
    month: Summary
    burst_today: int
    burst_month: int


def local_time(record: Record) -> datetime:
    """When the citizen tapped, on the kiosk's own wall clock."""
    utc = datetime.strptime(record.created_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return utc + timedelta(minutes=record.utc_offset_min)


def statistics(records: list[Record], now_local: datetime) -> Statistics:
    """Summaries of the ``rating`` records for the local day and month of ``now_local``."""
    today, month = Summary(), Summary()
    burst_today = burst_month = 0
    for record in records:
        if record.kind != Kind.RATING:
            continue
        when = local_time(record).replace(tzinfo=None)
        in_month = (when.year, when.month) == (now_local.year, now_local.month)
        in_day = in_month and when.day == now_local.day
        if Flag.BURST in record.flags:
            burst_month += in_month
            burst_today += in_day
            continue
        if in_month:
            month.add(record)
        if in_day:
            today.add(record)
    return Statistics(today, month, burst_today, burst_month)
