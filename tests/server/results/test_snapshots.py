"""Snapshots: closed periods frozen with what they cover, never replaced; later ratings are
counted apart as "received after publication"."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

import server.results.snapshots as snapshots_module
from server.db import records, snapshots
from server.results import rollups
from server.results.periods import Period
from server.results.queries import score_counts
from server.results.snapshots import (
    PeriodOpen,
    SnapshotExists,
    list_snapshots,
    received_after,
    snapshot,
    take_snapshot,
)
from tests.server.kiosk_driver import SERVICE
from tests.server.live import BACKENDS
from tests.server.results.test_rollups import CENTER, OTHER_CENTER, Site

MARCH = Period.parse("2026-03")
Q1 = Period.parse("2026-Q1")
APRIL_2 = date(2026, 4, 2)


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    with Site.made(request.param, tmp_path) as made:
        yield made


def figures(period: Period) -> Any:
    """A body builder as the pages would write one: figures read from the roll-ups."""

    def build(conn: Connection) -> Any:
        counts = score_counts(conn, period.months)
        return {
            "period": str(period),
            "cells": [
                {"service": service, "center": center, "scores": list(scores)}
                for (service, center), scores in counts.items()
            ],
            "note": "მოქალაქეთა უკუკავშირი",
        }

    return build


def test_a_closed_period_is_frozen_with_what_it_covers(site: Site) -> None:
    here, there = site.device(), site.device(OTHER_CENTER)
    site.send(here, here.rating(4), here.rating(2, created_at="2026-04-01T10:00:00.000000Z"))
    site.send(there, there.rating(5))
    taken_at = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
    taken = take_snapshot(site.engine, MARCH, figures(MARCH), today=APRIL_2, now=taken_at)

    with site.engine.connect() as conn:
        stored = snapshot(conn, MARCH)
        newest_id = conn.execute(select(records.c.id).order_by(records.c.id.desc())).scalar()
        row = conn.execute(select(snapshots)).mappings().one()
    assert stored == taken
    assert stored.period == MARCH
    assert stored.taken_at == taken_at
    assert stored.max_record_id == newest_id  # the refresh before it counted everything
    assert stored.chain_heads == {
        here.sender.device_id: (2, here.prev_hash),
        there.sender.device_id: (1, there.prev_hash),
    }
    assert stored.body == {
        "period": "2026-03",
        "cells": [
            {"service": SERVICE, "center": OTHER_CENTER, "scores": [0, 0, 0, 0, 1]},
            {"service": SERVICE, "center": CENTER, "scores": [0, 0, 0, 1, 0]},
        ],
        "note": "მოქალაქეთა უკუკავშირი",
    }
    # Canonical JSON (sorted keys, no spaces, non-ASCII kept) and its SHA-256.
    assert row["body"] == json.dumps(
        stored.body, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert row["body_sha256"] == hashlib.sha256(row["body"].encode("utf-8")).hexdigest()
    assert stored.intact
    assert json.loads(row["chain_heads"]) == {
        device: [seq, head] for device, (seq, head) in stored.chain_heads.items()
    }


def test_an_open_period_is_refused(site: Site) -> None:
    with pytest.raises(PeriodOpen, match="2026-Q1 has not ended"):
        take_snapshot(site.engine, Q1, figures(Q1), today=date(2026, 3, 31))
    with pytest.raises(PeriodOpen):
        take_snapshot(site.engine, Period.parse("2999"), figures(Q1))  # today: the real date
    with site.engine.connect() as conn:
        assert list_snapshots(conn) == []
        assert snapshot(conn, Q1) is None


def test_a_snapshot_is_never_replaced(site: Site) -> None:
    device = site.device()
    site.send(device, device.rating(3))
    first = take_snapshot(site.engine, MARCH, figures(MARCH), today=APRIL_2)
    site.send(device, device.rating(1))
    with pytest.raises(SnapshotExists, match="2026-03 was already published"):
        take_snapshot(site.engine, MARCH, figures(MARCH), today=APRIL_2)
    with site.engine.connect() as conn:
        assert snapshot(conn, MARCH) == first


def test_a_snapshot_taken_meanwhile_is_not_replaced(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two publications at once: the one that stores second is refused, not merged."""
    first = take_snapshot(site.engine, MARCH, figures(MARCH), today=APRIL_2)
    monkeypatch.setattr(
        snapshots_module, "snapshot_info", lambda conn, period: None
    )  # the early check
    with pytest.raises(SnapshotExists):
        take_snapshot(site.engine, MARCH, figures(MARCH), today=APRIL_2)
    with site.engine.connect() as conn:
        assert snapshot(conn, MARCH) == first


def test_ratings_received_after_publication_are_counted_apart(site: Site) -> None:
    device = site.device()
    site.send(device, device.rating(4), device.rating(5, created_at="2026-02-02T10:00:00Z"))
    march = take_snapshot(site.engine, MARCH, figures(MARCH), today=APRIL_2)
    quarter = take_snapshot(site.engine, Q1, figures(Q1), today=APRIL_2)
    late = device.rating(1)  # an offline kiosk's March rating, arriving in April
    site.send(
        device,
        late,
        device.reasons(late, "long-wait"),
        device.comment(late, "late"),
        device.rating(2, created_at="2026-04-03T10:00:00.000000Z"),
        device.rating(3, created_at="2026-02-20T10:00:00.000000Z", burst=True),
    )
    rollups.refresh(site.engine)
    with site.engine.connect() as conn:
        assert received_after(conn, march) == 1
        assert received_after(conn, quarter) == 2
        # The frozen figures did not move; the live ones did.
        assert snapshot(conn, MARCH) == march
        assert march.body["cells"][0]["scores"] == [0, 0, 0, 1, 0]
        assert score_counts(conn, MARCH.months)[(SERVICE, CENTER)] == (1, 0, 0, 1, 0)


def test_snapshots_are_listed_in_period_order_without_bodies(site: Site) -> None:
    for text in ("2026-03", "2026", "2026-Q1", "2025-12"):
        period = Period.parse(text)
        take_snapshot(site.engine, period, figures(period), today=date(2027, 1, 5))
    with site.engine.connect() as conn:
        listed = list_snapshots(conn)
    assert [str(info.period) for info in listed] == ["2025-12", "2026", "2026-Q1", "2026-03"]
    assert not hasattr(listed[0], "body_json")


def test_a_tampered_body_shows(site: Site) -> None:
    take_snapshot(site.engine, MARCH, figures(MARCH), today=APRIL_2)
    with site.engine.begin() as conn:
        conn.execute(update(snapshots).values(body='{"cells":[]}'))
    with site.engine.connect() as conn:
        stored = snapshot(conn, MARCH)
    assert stored is not None
    assert not stored.intact
