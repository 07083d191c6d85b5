from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from common.records import Record
from kiosk.stats import statistics


def _rating(score: int, at: str, service: str = "s", flags: tuple[str, ...] = ()) -> Record:
    return Record(
        uuid=at + str(score),
        seq=1,
        kind="rating",
        rating_uuid="r",
        device_id="d",
        center_id="c",
        service_id=service,
        catalog_version="1",
        score=score,
        reasons=(),
        comment=None,
        language="ka",
        created_at=at,
        utc_offset_min=240,
        flags=flags,
    )


def test_today_month_services_scores_and_bursts_apart():
    records = [
        _rating(5, "2026-03-14T05:00:00.000000Z", "canteen"),
        _rating(1, "2026-03-14T06:00:00.000000Z", "canteen"),
        _rating(4, "2026-03-02T06:00:00.000000Z", "newborn"),
        _rating(2, "2026-02-28T06:00:00.000000Z", "newborn"),  # last month
        _rating(5, "2026-03-14T07:00:00.000000Z", flags=("burst",)),
        # 21:30 UTC on the 13th is 01:30 on the 14th in Tbilisi (UTC+4)
        _rating(3, "2026-03-13T21:30:00.000000Z", "canteen"),
    ]
    records.append(replace(records[0], kind="reasons", score=None, uuid="x"))
    stats = statistics(records, now_local=datetime(2026, 3, 14, 12, 0))
    assert stats.today.count == 3
    assert stats.today.per_service == {"canteen": 3}
    assert stats.today.scores == {5: 1, 1: 1, 3: 1}
    assert stats.today.mean == 3
    assert stats.month.count == 4
    assert stats.burst_today == 1
    assert stats.burst_month == 1
