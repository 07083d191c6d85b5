"""Results per channel, against figures worked out by hand: the headline figures count kiosk and
web-with-a-code ratings, the open link is shown apart, and the public page publishes each
channel without giving a hidden number back; a snapshot published before channels were told
apart still renders as it was."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from server.db import rollup_ratings, snapshots
from server.web.public import BODY_VERSION, _channel_rows
from tests.server.inprocess import TestClient
from tests.server.web.conftest import StaffClient

MARCH, MAY = "2025-03", "2025-05"
ROLLUP: list[tuple[str, str, str, str, int, int]] = [
    # (service, center, month, channel, score, count)
    ("food", "hall", MARCH, "kiosk", 5, 8),
    ("food", "hall", MARCH, "kiosk", 1, 2),
    ("food", "hall", MAY, "web-verified", 4, 3),
    ("food", "hall", MAY, "web-verified", 2, 1),
    ("food", "hall", MAY, "web-open", 1, 6),
    ("care", "hall", MARCH, "kiosk", 3, 20),
    ("care", "hall", MAY, "web-verified", 5, 12),
    ("care", "east", MAY, "kiosk", 4, 15),
]
"""food: kiosk 10 (8 fives, 2 ones), with a code 4 (3 fours, 1 two), open 6 (all ones);
care: kiosk 35 (20 threes at the hall, 15 fours in the east), with a code 12 (fives)."""


@pytest.fixture
def counted(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(
            rollup_ratings.insert(),
            [
                {"service_id": s, "center_id": c, "month": m, "channel": ch, "burst": 0,
                 "score": score, "count": n}
                for s, c, m, ch, score, n in ROLLUP
            ],
        )  # fmt: skip
    return engine


def row_of(html: str, name: str, after: str = "") -> str:
    """The table row headed ``name`` (the first one after the text ``after``)."""
    start = html.index(after) if after else 0
    found = re.search(rf'<th scope="row">{re.escape(name)}</th>(.*?)</tr>', html[start:], re.S)
    assert found is not None, name
    return found.group(1)


def cells_of(row: str) -> list[list[str]]:
    """The words of each cell of a row."""
    found = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return [re.sub(r"<[^>]+>", " ", cell).split() for cell in found]


def words(cell: list[str]) -> str:
    return " ".join(cell)


@pytest.mark.usefixtures("counted")
def test_staff_results_headline_is_kiosk_and_code_and_channels_stand_apart(
    analyst: StaffClient, check_page: Callable[[httpx.Response], None]
) -> None:
    page = analyst.get("/staff/results", params={"period": "2025"})
    assert page.status_code == 200
    check_page(page)
    html = page.text
    food = row_of(html, "food")
    assert 'data-label="n">14<' in food  # 10 kiosk + 4 with a code; the 6 open ones not
    assert "79%" in food and "(52–92%)" in food  # satisfied 11 of 14
    assert "21%" in food and "(8–48%)" in food  # dissatisfied 3 of 14
    care = row_of(html, "care")
    assert 'data-label="n">47<' in care and "57%" in care and "(43–70%)" in care
    assert "These figures count ratings from the kiosks and from the web with a one-time" in html

    by_channel = cells_of(row_of(html, "food", after="<h2>By channel</h2>"))
    assert words(by_channel[0]) == "n = 10 80% (49–94%)"
    assert words(by_channel[1]) == "n = 4 not enough data"  # fewer than the staff's 5
    assert words(by_channel[2]) == "n = 6 0% (0–39%)"
    total = cells_of(row_of(html, "All programs and services", after="<h2>By channel</h2>"))
    assert [cell[2] for cell in total] == ["45", "16", "6"]


@pytest.mark.usefixtures("counted")
@pytest.mark.parametrize(
    ("channel", "food_n", "care_n"),
    [("kiosk", 10, 35), ("web-verified", 4, 12), ("web-open", 6, None), ("all", 20, 47)],
)
def test_the_channel_filter_counts_that_channel_only(
    analyst: StaffClient, channel: str, food_n: int, care_n: int | None
) -> None:
    html = analyst.get("/staff/results", params={"period": "2025", "channel": channel}).text
    main = html.split("<h2>By channel</h2>")[0]
    assert f'data-label="n">{food_n}<' in row_of(main, "food")
    if care_n is None:
        assert '<th scope="row">care</th>' not in main
    else:
        assert f'data-label="n">{care_n}<' in row_of(main, "care")


@pytest.mark.usefixtures("counted")
def test_priorities_rank_the_headline_and_show_each_channel(analyst: StaffClient) -> None:
    html = analyst.get("/staff/priorities", params={"period": "2025"}).text
    ranking = html.split("<h2>By channel</h2>")[0]
    # food: 3 of 14 dissatisfied (lower bound 8 %); care: 0 of 47 (lower bound 0 %).
    assert re.findall(r'<th scope="row">([^<]+)</th>', ranking) == ["food", "care"]
    food = cells_of(row_of(html, "food", after="<h2>By channel</h2>"))
    assert words(food[0]) == "n = 10 20% (6–51%)"
    assert words(food[2]) == "n = 6 100% (61–100%)"


@pytest.mark.usefixtures("counted")
def test_trends_show_each_channel_per_month(analyst: StaffClient) -> None:
    html = analyst.get("/staff/trends", params={"period": "2025"}).text
    march = row_of(html, MARCH)
    assert 'data-label="n">30<' in march  # food 10 + care 20, all at kiosks
    may = row_of(html, MAY)
    assert 'data-label="n">31<' in may  # 4 + 12 with a code, 15 at the east kiosk
    per_channel = cells_of(row_of(html, MAY, after="per month by channel"))
    assert [cell[2] for cell in per_channel] == ["15", "16", "6"]


@pytest.mark.usefixtures("counted")
def test_the_public_page_publishes_each_channel_without_giving_a_hidden_one_back(
    anonymous: TestClient, engine: Engine, check_page: Callable[[httpx.Response], None]
) -> None:
    page = anonymous.get("/results", params={"period": "2025"})
    assert page.status_code == 200
    check_page(page)
    with engine.connect() as conn:
        year = select(snapshots.c.body).where(snapshots.c.period == "2025")
        body = json.loads(conn.execute(year).scalar_one())
    assert body["version"] == BODY_VERSION == 2
    cells = {(c["service"], c["center"]): c["n"] for c in body["cells"]}
    assert cells == {
        ("food", "hall"): 14, ("food", None): 14, ("care", "hall"): 32, ("care", "east"): 15,
        ("care", None): 47, (None, "hall"): 46, (None, "east"): 15, (None, None): 61,
    }  # fmt: skip
    published = body["channels"]["rows"]
    rows = {(r["service"], r["channel"]): (r["n"], r["suppressed"]) for r in published}
    assert rows == {
        # 4 with a code is too few; the kiosk's 10 would be 14 - 4, so it is hidden too.
        ("food", "kiosk"): (None, "protects_another"),
        ("food", "web-verified"): (None, "too_few"),
        ("food", "web-open"): (None, "too_few"),
        ("care", "kiosk"): (35, None),
        ("care", "web-verified"): (12, None),
        ("care", "web-open"): (0, None),
        # The channel totals would give food's back (45 - 35, 16 - 12): hidden.
        (None, "kiosk"): (None, "protects_another"),
        (None, "web-verified"): (None, "protects_another"),
        (None, "web-open"): (None, "too_few"),
    }
    assert body["channels"]["headline"] == ["kiosk", "web-verified"]
    care = cells_of(row_of(page.text, "care", after="<h2>By channel</h2>"))
    assert words(care[0]) == "35 43% (28–59%)"  # 15 fours of 35
    assert words(care[2]) == "no responses"

    archive = zipfile.ZipFile(io.BytesIO(anonymous.get("/results/2025/open-data.zip").content))
    lines = list(csv.DictReader(io.StringIO(archive.read("channels.csv").decode("utf-8-sig"))))
    by_channel = {(r["service_id"], r["channel"]): r["n"] for r in lines}
    assert by_channel[("care", "web-verified")] == "12"
    assert "web-open" in archive.read("README.txt").decode("utf-8")


V1_BODY: dict[str, Any] = {
    "format": "ukukavshiri-results", "version": 1, "period": "2024", "min_n": 10,
    "services": [{"id": "food", "ka": "კვება", "en": "Meals"}],
    "centers": [{"id": "hall", "ka": "დარბაზი", "en": "Hall"}],
    "reasons": {},
    "cells": [
        {"service": s, "center": c, "n": 12, "counts": [1, 1, 2, 4, 4], "suppressed": None}
        for s, c in ((None, None), (None, "hall"), ("food", None), ("food", "hall"))
    ],
    "priorities": [{"service": "food", "dissatisfied": 2, "n": 12, "low_reasons": []}],
    "burst_left_out": 0,
}  # fmt: skip
"""A body as version 1 published it: every rating came from a kiosk, no ``channels``."""


def test_a_snapshot_published_before_channels_renders_as_it_was(
    engine: Engine, anonymous: TestClient
) -> None:
    body_json = json.dumps(V1_BODY, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    with engine.begin() as conn:
        conn.execute(
            snapshots.insert().values(
                period="2024", taken_at=datetime(2025, 1, 15, tzinfo=UTC), max_record_id=0,
                chain_heads="{}", body=body_json,
                body_sha256=hashlib.sha256(body_json.encode()).hexdigest(),
            )
        )  # fmt: skip
    page = anonymous.get("/results", params={"period": "2024"})
    assert page.status_code == 200
    meals = row_of(page.text, "Meals")
    assert 'data-label="Responses">12<' in meals and "67%" in meals  # 8 of 12 satisfied
    assert "Published before ratings from the web were counted apart" in page.text
    assert "<h2>By channel</h2>" not in page.text
    archive = zipfile.ZipFile(io.BytesIO(anonymous.get("/results/2024/open-data.zip").content))
    assert "channels.csv" not in archive.namelist()
    assert archive.read("snapshot.json").decode("utf-8") == body_json


def test_channel_totals_are_hidden_only_when_they_would_give_a_hidden_entry_back() -> None:
    # Kiosks only: a small program's kiosk entry is hidden with its headline total, and the
    # kiosk total is the published grand total, so it is shown.
    by_channel = {"kiosk": {("food", "hall"): (0, 0, 0, 3, 0), ("care", "hall"): (0, 0, 0, 0, 40)}}
    rows = {
        (r["service"], r["channel"]): (r["n"], r["suppressed"])
        for r in _channel_rows(["food", "care"], by_channel, {("food", None), ("food", "hall"),
                               ("care", "hall"), ("care", None)}, 10)
    }  # fmt: skip
    assert rows[("food", "kiosk")] == (None, "too_few")
    assert rows[("food", "web-verified")] == (0, None)
    assert rows[(None, "kiosk")] == (43, None)
    assert rows[(None, "web-verified")] == (0, None)
    # The open channel is one line with its total: one small program hides another.
    by_channel["web-open"] = {("food", "hall"): (4, 0, 0, 0, 0), ("care", "hall"): (0, 0, 12, 0, 0)}
    rows = {
        (r["service"], r["channel"]): (r["n"], r["suppressed"])
        for r in _channel_rows(["food", "care"], by_channel, set(), 10)
    }
    assert rows[("food", "web-open")] == (None, "too_few")
    assert rows[("care", "web-open")] == (None, "protects_another")
    assert rows[(None, "web-open")] == (16, None)
