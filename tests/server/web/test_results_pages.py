"""The results pages show what the data say: figures from the roll-ups with n and intervals,
priorities by the lower bound, masked and moderated comments, streamed downloads, and a public
page that publishes only closed periods from a frozen snapshot with small cells suppressed."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import Engine, select

from server.db import snapshots
from server.demo_data import seed_demo
from server.results import queries, rollups
from server.results.periods import Period
from server.results.statistics import Cell, PriorityItem, Table, rank_priorities, suppress
from server.web.results_view import load_names
from tests.server.web.conftest import StaffClient

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
YEAR = Period("year", 2025)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed_demo(engine, ratings=1500, seed=3, year=2025, now=NOW)
    rollups.refresh(engine)
    return engine


def year_counts(engine: Engine) -> dict[tuple[str, str], tuple[int, int, int, int, int]]:
    with engine.connect() as conn:
        return queries.score_counts(conn, YEAR.months)


def test_staff_results_match_the_counts_and_hide_percentages_of_small_cells(
    seeded: Engine, analyst: StaffClient, check_page: Callable[[httpx.Response], None]
) -> None:
    response = analyst.get("/staff/results", params={"period": "2025", "lang": "en"})
    assert response.status_code == 200
    check_page(response)
    by_service: dict[str, list[int]] = {}
    for (service, _center), counts in year_counts(seeded).items():
        total = by_service.setdefault(service, [0] * 5)
        for index, value in enumerate(counts):
            total[index] += value
    with seeded.connect() as conn:
        names = load_names(conn)
    for service, totals in by_service.items():
        cell = Cell.from_counts(totals)
        name = re.escape(names.service(service, "en"))
        row = re.search(rf"<th scope=\"row\">{name}</th>(.*?)</tr>", response.text, re.S)
        assert row is not None, service
        assert f'data-label="n">{cell.n}<' in row.group(1)
        if cell.n >= 5:
            assert cell.satisfied.share is not None  # n > 0
            assert f"{cell.satisfied.share * 100:.0f}%" in row.group(1)
        else:
            assert "not enough data" in row.group(1)


def test_priorities_are_ranked_by_the_lower_bound(seeded: Engine, analyst: StaffClient) -> None:
    response = analyst.get("/staff/priorities", params={"period": "2025", "lang": "en"})
    assert response.status_code == 200
    totals: dict[str, list[int]] = {}
    for (service, _center), counts in year_counts(seeded).items():
        total = totals.setdefault(service, [0] * 5)
        for index, value in enumerate(counts):
            total[index] += value
    ranked = rank_priorities(
        PriorityItem(s, c[0] + c[1], sum(c)) for s, c in totals.items() if sum(c) >= 5
    )
    with seeded.connect() as conn:
        names = load_names(conn)
    ranking = response.text.split("<h2>By channel</h2>")[0]
    shown = re.findall(r'<th scope="row">([^<]+)</th>', ranking)
    assert shown == [names.service(entry.id, "en") for entry in ranked]
    assert "<svg" in response.text and "<title" in response.text
    table = analyst.get("/staff/priorities/download", params={"period": "2025", "lang": "en"})
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == shown
    assert [int(row[2]) for row in rows[1:]] == [entry.n for entry in ranked]


def test_comments_are_masked_and_moderation_hides_and_approves(
    seeded: Engine, analyst: StaffClient
) -> None:
    months = YEAR.months + Period("year", 2026).months
    with seeded.connect() as conn:
        found = queries.comments(conn, months=months, limit=10_000).comments
    with_phone = next(c for c in found if "+995" in c.text)
    month = with_phone.local_time.strftime("%Y-%m")
    params = {
        "period": month,
        "service": with_phone.service_id,
        "center": with_phone.center_id,
        "score": str(with_phone.score),
        "lang": "en",
    }
    page = analyst.get("/staff/comments", params=params)
    assert page.status_code == 200
    assert with_phone.uuid in page.text
    assert "[phone]" in page.text
    assert re.search(r"\+995[\d ()-]{9,}", page.text) is None

    first, second = found[0], found[1]
    hide = {"uuid": first.uuid, "action": "hide", "reason": "insult"}
    assert analyst.submit("/staff/comments/moderate", hide).status_code == 303
    approve = {"uuid": second.uuid, "action": "approve"}
    assert analyst.submit("/staff/comments/moderate", approve).status_code == 303
    with seeded.connect() as conn:
        shown = {c.uuid: c for c in queries.comments(conn, months=months, limit=10_000).comments}
        everything = {
            c.uuid: c
            for c in queries.comments(
                conn, months=months, include_hidden=True, limit=10_000
            ).comments
        }
    assert first.uuid not in shown
    assert everything[first.uuid].hidden
    assert everything[first.uuid].moderation_reason == "insult"
    assert everything[first.uuid].moderated_by_name == analyst.user.name
    assert shown[second.uuid].reviewed and not shown[second.uuid].hidden
    unhide = {"uuid": first.uuid, "action": "unhide"}
    assert analyst.submit("/staff/comments/moderate", unhide).status_code == 303
    with seeded.connect() as conn:
        again = queries.comments(conn, months=months, limit=10_000).comments
    assert first.uuid in {c.uuid for c in again}

    unknown = {"uuid": "nope", "action": "hide", "reason": "x"}
    assert analyst.submit("/staff/comments/moderate", unknown).status_code == 404
    no_token = analyst.post("/staff/comments/moderate", data=hide)
    assert no_token.status_code == 403


def test_downloads_stream_the_table_and_the_anonymous_ratings(
    seeded: Engine, analyst: StaffClient
) -> None:
    table = analyst.get("/staff/results/download", params={"period": "2025", "format": "csv"})
    assert table.status_code == 200
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    services = {s for (s, _c) in year_counts(seeded)}
    assert len(rows) == 1 + len(services)

    raw = analyst.get("/staff/ratings/download", params={"period": "2025", "format": "csv"})
    lines = list(csv.DictReader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert len(lines) == sum(sum(c) for c in year_counts(seeded).values())
    assert "device_id" not in lines[0] and "uuid" not in lines[0]

    book = analyst.get("/staff/results/download", params={"period": "2025", "format": "xlsx"})
    assert book.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(book.content)).testzip() is None


def test_the_public_page_publishes_closed_periods_frozen_and_suppressed(
    seeded: Engine, anonymous: httpx.Client
) -> None:
    page = anonymous.get("/results", params={"lang": "en"})
    assert page.status_code == 200
    with seeded.connect() as conn:
        published = dict(conn.execute(select(snapshots.c.period, snapshots.c.body)).all())
    assert "2025" in published and "2026" not in published  # only closed periods
    body = json.loads(published["2025"])
    assert body["min_n"] == 10

    services = [s["id"] for s in body["services"]]
    centers = [c["id"] for c in body["centers"]]
    counts = year_counts(seeded)
    table = Table.from_counts(services, centers, {k: sum(v) for k, v in counts.items()})
    expected_hidden = suppress(table, 10)
    hidden = {(c["service"], c["center"]) for c in body["cells"] if c["suppressed"]}
    assert hidden == expected_hidden
    for cell in body["cells"]:
        if cell["suppressed"]:
            assert cell["n"] is None and cell["counts"] is None
    assert any(c["suppressed"] == "too_few" for c in body["cells"])
    assert "fewer than 10 responses" in page.text

    archive = anonymous.get("/results/2025/open-data.zip")
    assert archive.status_code == 200
    files = zipfile.ZipFile(io.BytesIO(archive.content))
    assert set(files.namelist()) == {
        "README.txt",
        "cells.csv",
        "priorities.csv",
        "channels.csv",
        "snapshot.json",
        "integrity.json",
    }
    assert files.read("snapshot.json").decode("utf-8") == published["2025"]
    assert anonymous.get("/results/2031/open-data.zip").status_code == 404
    assert anonymous.get("/results/nonsense/open-data.zip").status_code == 404


def test_trends_download_has_every_month_and_the_hours(
    seeded: Engine, analyst: StaffClient
) -> None:
    page = analyst.get("/staff/trends", params={"period": "2025", "lang": "en"})
    assert page.status_code == 200
    table = analyst.get("/staff/trends/download", params={"period": "2025", "format": "csv"})
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == list(YEAR.months)
    monthly = sum(int(row[1]) for row in rows[1:])
    assert monthly == sum(sum(c) for c in year_counts(seeded).values())
    book = analyst.get("/staff/trends/download", params={"period": "2025", "format": "xlsx"})
    with zipfile.ZipFile(io.BytesIO(book.content)) as workbook:
        sheets = [n for n in workbook.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == 2
