"""``kiosk-server demo-data``: a demo year that goes in through ``receive_records`` like uploads,
with proper chains, uneven satisfaction, small cells, reasons, comments with personal data and
bursts, and that a second run leaves as it was."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from common.catalog import Catalog, demo_catalog_bytes
from common.records import FIELDS, LIST_FIELDS, Flag, Kind, verify_chain
from server.catalogs import etag_of, store_catalog
from server.db import (
    DEFAULT_CATALOG_SCOPE,
    catalogs,
    centers,
    chain_breaks,
    kiosks,
    records,
    rejected_records,
)
from server.demo_data import (
    BURST_COUNT,
    BURST_WINDOW,
    DemoDataError,
    DemoSummary,
    make_plan,
    seed_demo,
)
from server.enrollment import add_center, add_kiosks
from tests.server.inprocess import fresh_engine
from tests.server.live import BACKENDS, REPO

NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
"""The first run's moment: the data ends on 2026-03-13, Georgian time."""
RATINGS = 600
PERSONAL_NUMBER = re.compile(r"(?<!\d)\d{11}(?!\d)")
PHONE = re.compile(r"\+995[\d ]{9,13}")
EMAIL = re.compile(r"[\w.]+@[\w.]+\.\w+")


@dataclass
class Seeded:
    engine: Engine
    summary: DemoSummary
    rows: list[dict[str, Any]]
    """Every stored record (wire fields, lists decoded), by device then seq."""


def _rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        found = conn.execute(
            select(*(records.c[name] for name in FIELDS)).order_by(
                records.c.device_id, records.c.seq
            )
        ).all()
    out = []
    for row in found:
        data = dict(row._mapping)
        for name in LIST_FIELDS:
            data[name] = json.loads(data[name])
        out.append(data)
    return out


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    with fresh_engine(request.param, tmp_path_factory.mktemp("demo")) as engine:
        summary = seed_demo(engine, ratings=RATINGS, seed=7, year=2025, now=NOW)
        yield Seeded(engine, summary, _rows(engine))


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _local(row: dict[str, Any]) -> datetime:
    moment = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
    return moment + timedelta(minutes=row["utc_offset_min"])


def _ratings(seeded: Seeded) -> list[dict[str, Any]]:
    return [row for row in seeded.rows if row["kind"] == Kind.RATING]


def test_the_first_run_stores_every_record_and_rejects_none(seeded: Seeded) -> None:
    summary = seeded.summary
    kinds = Counter(row["kind"] for row in seeded.rows)
    assert kinds == {
        Kind.RATING: summary.plan.ratings,
        Kind.REASONS: summary.plan.reasons,
        Kind.COMMENT: summary.plan.comments,
    }
    assert summary.plan.ratings == RATINGS
    assert summary.stored == len(seeded.rows)
    assert (summary.duplicate, summary.rejected) == (0, 0)
    assert _count(seeded.engine, rejected_records) == 0
    assert _count(seeded.engine, chain_breaks) == 0
    assert summary.catalog_loaded
    assert (summary.new_centers, summary.new_kiosks) == (2, len(summary.plan.kiosks))
    line = summary.line()
    assert "2025-01-01 to 2026-03-13" in line
    assert f"records stored {len(seeded.rows)}, already there 0." in line


def test_catalog_centers_and_active_kiosks(seeded: Seeded, catalog: Catalog) -> None:
    with seeded.engine.connect() as conn:
        etag = conn.execute(
            select(catalogs.c.etag).where(catalogs.c.scope == DEFAULT_CATALOG_SCOPE)
        ).scalar_one()
        center_rows = conn.execute(select(centers.c.id, centers.c.name_ka, centers.c.name_en))
        names = {row.id: (row.name_ka, row.name_en) for row in center_rows}
        kiosk_rows = conn.execute(
            select(kiosks.c.name, kiosks.c.center_id, kiosks.c.status, kiosks.c.device_id)
        ).all()
    assert etag == etag_of(demo_catalog_bytes())
    assert names == {c.id: (c.name.ka, c.name.en) for c in catalog.centers}
    per_center = Counter(row.center_id for row in kiosk_rows)
    assert set(per_center) == set(names)
    assert all(2 <= count <= 3 for count in per_center.values())
    assert {row.status for row in kiosk_rows} == {"active"}
    assert {row.device_id for row in kiosk_rows} == {row["device_id"] for row in seeded.rows}


def test_every_kiosk_is_one_intact_chain(seeded: Seeded) -> None:
    by_device: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in seeded.rows:
        by_device[row["device_id"]].append(row)
    assert len(by_device) == len(seeded.summary.plan.kiosks)
    for chain in by_device.values():
        assert [row["seq"] for row in chain] == list(range(1, len(chain) + 1))
        assert verify_chain(chain) is None
        times = [row["created_at"] for row in chain]
        assert times == sorted(times)  # the kiosk writes its records one after the other


def test_a_second_run_stores_nothing_even_on_a_later_day(seeded: Seeded) -> None:
    before = len(seeded.rows)
    again = seed_demo(
        seeded.engine, ratings=RATINGS, seed=7, year=2025, now=NOW + timedelta(days=9)
    )
    assert (again.stored, again.duplicate, again.rejected) == (0, before, 0)
    assert (again.new_centers, again.new_kiosks, again.catalog_loaded) == (0, 0, False)
    assert again.plan.last_day == date(2026, 3, 13)  # the first run's day still ends the data
    assert _count(seeded.engine, records) == before
    assert _count(seeded.engine, rejected_records) == 0
    assert "records stored 0, already there" in again.line()


def test_some_programs_are_clearly_worse(seeded: Seeded) -> None:
    scores: dict[str, list[int]] = defaultdict(list)
    for row in _ratings(seeded):
        scores[row["service_id"]].append(row["score"])
    means = {s: statistics.mean(v) for s, v in scores.items() if len(v) >= 20}
    assert len(means) >= 8
    ranked = sorted(means, key=means.__getitem__)
    assert set(ranked[:2]) == {"vulnerable-families", "medical-expenses"}
    assert statistics.median(means.values()) - means[ranked[1]] > 0.5
    assert {score for values in scores.values() for score in values} == {1, 2, 3, 4, 5}


def test_small_cells_for_the_suppression_to_hide(seeded: Seeded) -> None:
    cells = Counter(
        (row["service_id"], row["center_id"], _local(row).strftime("%Y-%m"))
        for row in _ratings(seeded)
    )
    assert any(n < 5 for n in cells.values())
    assert any(5 <= n < 10 for n in cells.values())
    assert any(n >= 10 for n in cells.values())


def test_reasons_as_a_kiosk_sends_them(seeded: Seeded, catalog: Catalog) -> None:
    ratings = {row["uuid"]: row for row in _ratings(seeded)}
    follow_ups = [row for row in seeded.rows if row["kind"] != Kind.RATING]
    for row in follow_ups:
        rating = ratings[row["rating_uuid"]]
        assert (row["device_id"], row["service_id"]) == (rating["device_id"], rating["service_id"])
        assert row["seq"] > rating["seq"] and row["score"] is None and row["flags"] == []
        if row["kind"] == Kind.REASONS:
            offered = [
                r.id
                for r in catalog.reasons_for(catalog.service(row["service_id"]), rating["score"])
            ]
            assert row["reasons"] and set(row["reasons"]) <= set(offered)
            assert row["reasons"] == sorted(row["reasons"], key=offered.index)
    share = seeded.summary.plan.reasons / len(ratings)
    assert 0.3 < share < 0.5
    assert 0.05 < seeded.summary.plan.comments / len(ratings) < 0.16


def test_comments_in_both_languages_some_with_personal_data(seeded: Seeded) -> None:
    comments = [row for row in seeded.rows if row["kind"] == Kind.COMMENT]
    languages = Counter(row["language"] for row in comments)
    assert languages["ka"] > languages["en"] > 0
    texts = [row["comment"] for row in comments]
    assert len(set(texts)) > len(texts) // 2
    assert any(PERSONAL_NUMBER.search(text) for text in texts)
    assert any(PHONE.search(text) for text in texts)
    assert any(EMAIL.search(text) for text in texts)


def test_bursts_flagged_by_the_kiosks_rule(seeded: Seeded) -> None:
    flagged = 0
    recent: dict[str, deque[datetime]] = defaultdict(deque)
    for row in _ratings(seeded):  # by device, then seq
        at = _local(row)
        window = recent[row["device_id"]]
        while window and at - window[0] > BURST_WINDOW:
            window.popleft()
        window.append(at)
        expected = [Flag.BURST] if len(window) > BURST_COUNT else []
        assert row["flags"] == expected
        flagged += bool(expected)
    assert flagged == seeded.summary.plan.burst
    assert 0.005 <= flagged / RATINGS <= 0.02


def test_opening_hours_and_busier_weekdays(seeded: Seeded) -> None:
    moments = [_local(row) for row in _ratings(seeded)]
    assert all(row["utc_offset_min"] == 240 for row in seeded.rows)
    assert min(m.date() for m in moments) >= date(2025, 1, 1)
    assert max(m.date() for m in moments) <= date(2026, 3, 13)
    assert all(9 <= m.hour < 18 or (m.hour == 18 and m.minute < 10) for m in moments)
    weekdays = Counter(m.weekday() for m in moments)
    assert weekdays[6] == 0  # closed on Sundays
    assert min(weekdays[d] for d in range(5)) > 2 * weekdays[5]
    assert not any((m.month, m.day) == (1, 1) for m in moments)  # nor on public holidays
    months = {m.strftime("%Y-%m") for m in moments}
    assert len(months) == 15  # the twelve of 2025 and 2026 up to March


def test_the_same_seed_makes_the_same_records(catalog: Catalog) -> None:
    first = make_plan(catalog, 300, 7, 2025, date(2026, 3, 14))
    again = make_plan(catalog, 300, 7, 2025, date(2026, 3, 14))
    other = make_plan(catalog, 300, 8, 2025, date(2026, 3, 14))
    assert first.records == again.records
    assert first.kiosks == again.kiosks
    assert {k.device_id for k in first.kiosks}.isdisjoint(k.device_id for k in other.kiosks)


def test_other_options_on_a_seeded_database_are_refused(tmp_path: Path) -> None:
    with fresh_engine("sqlite", tmp_path) as engine:
        seed_demo(engine, ratings=200, seed=3, year=2025, now=NOW)
        stored = _count(engine, records)
        with pytest.raises(DemoDataError, match="--ratings, --year or --seed"):
            seed_demo(engine, ratings=250, seed=3, year=2025, now=NOW)
        with pytest.raises(DemoDataError, match="another --seed"):
            seed_demo(engine, ratings=200, seed=4, year=2025, now=NOW)
        with pytest.raises(DemoDataError, match="--year must be"):
            seed_demo(engine, ratings=200, seed=3, year=2027, now=NOW)
        assert _count(engine, records) == stored
        assert _count(engine, rejected_records) == 0


def test_a_database_with_another_catalog_is_refused(tmp_path: Path) -> None:
    other = json.loads(demo_catalog_bytes())
    other["version"] = "other-1"
    with fresh_engine("sqlite", tmp_path) as engine:
        store_catalog(engine, json.dumps(other).encode(), None)
        with pytest.raises(DemoDataError, match="another catalog"):
            seed_demo(engine, ratings=50, now=NOW)
        assert _count(engine, kiosks) == 0


def test_a_kiosk_added_but_not_enrolled_by_an_interrupted_run_is_enrolled(
    tmp_path: Path, catalog: Catalog
) -> None:
    with fresh_engine("sqlite", tmp_path) as engine:
        center = catalog.centers[0]
        name = make_plan(catalog, 50, 5, 2025, NOW.date()).kiosks[0].name
        add_center(engine, center.id, center.name.ka, center.name.en)
        add_kiosks(engine, [name], center.id)  # pending: the run stopped before enrolling it
        summary = seed_demo(engine, ratings=50, seed=5, year=2025, now=NOW)
        assert (summary.new_centers, summary.rejected) == (1, 0)
        assert summary.stored == _count(engine, records) > 50
        with engine.connect() as conn:
            status = conn.execute(select(kiosks.c.status).where(kiosks.c.name == name)).scalar()
        assert status == "active"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "UKUK_SERVER_DB"}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "demo-data", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def test_the_command_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = _cli("--db", url, "--ratings", "300", "--seed", "11")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.strip().splitlines()
    assert len(lines) == 1
    assert re.search(r"2 centers \(2 new\), \d kiosks \(\d new\), 300 ratings", lines[0])
    counted = re.search(r"records stored (\d+), already there 0\.", lines[0])
    assert counted is not None
    stored = int(counted[1])
    again = _cli("--db", url, "--ratings", "300", "--seed", "11")
    assert again.returncode == 0, again.stderr
    assert f"records stored 0, already there {stored}." in again.stdout
    assert "(0 new)" in again.stdout
    refused = _cli("--db", url, "--ratings", "300", "--year", "1999")
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: ") and "Traceback" not in refused.stderr
