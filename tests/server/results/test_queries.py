"""What the results pages read: counts from the roll-ups, comments with moderation, the raw
download; on SQLite and PostgreSQL, with records stored through ``receive_records``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from server.db import audit_log, comment_moderation, records
from server.results import queries, rollups
from server.results.queries import (
    ModerationError,
    burst_count,
    comments,
    hour_table,
    moderate,
    monthly_counts,
    raw_ratings,
    reason_counts,
    score_counts,
)
from tests.server.kiosk_driver import SERVICE
from tests.server.live import BACKENDS
from tests.server.results.test_rollups import CENTER, OTHER_CENTER, OTHER_SERVICE, Site

FEB, MAR = "2026-02", "2026-03"
Q1 = ("2026-01", FEB, MAR)


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    with Site.made(request.param, tmp_path) as made:
        yield made


@pytest.fixture
def filled(site: Site) -> Site:
    """Ratings in February and March at two centers, with reasons, comments and a burst."""
    here, there = site.device(), site.device(OTHER_CENTER)
    feb = "2026-02-10T08:15:00.000000Z"  # 12:15 local, a Tuesday
    low = here.rating(1, created_at=feb)
    site.send(
        here,
        low,
        here.reasons(low, "long-wait", "staff-attitude"),
        here.comment(low, "რიგი ძალიან გრძელი იყო"),
        here.rating(5, created_at=feb),
        here.rating(5, created_at=feb, burst=True),
    )
    high = there.rating(4, service=OTHER_SERVICE)  # 14 March 13:30 local, a Saturday
    site.send(
        there,
        high,
        there.reasons(high, "good-food"),
        there.comment(high, "Tasty soup"),
        there.rating(2),
    )
    rollups.refresh(site.engine)
    return site


def test_score_and_burst_counts(filled: Site) -> None:
    with filled.engine.connect() as conn:
        assert score_counts(conn, Q1) == {
            (OTHER_SERVICE, OTHER_CENTER): (0, 0, 0, 1, 0),
            (SERVICE, CENTER): (1, 0, 0, 0, 1),
            (SERVICE, OTHER_CENTER): (0, 1, 0, 0, 0),
        }
        assert score_counts(conn, [FEB], include_burst=True) == {(SERVICE, CENTER): (1, 0, 0, 0, 2)}
        assert score_counts(conn, Q1, service_ids=[SERVICE], center_ids=[OTHER_CENTER]) == {
            (SERVICE, OTHER_CENTER): (0, 1, 0, 0, 0)
        }
        assert score_counts(conn, Q1, channel="web") == {}
        assert score_counts(conn, ["2025-12"]) == {}
        assert score_counts(conn, []) == {}
        assert burst_count(conn, Q1) == 1
        assert burst_count(conn, [MAR]) == 0
        assert burst_count(conn, Q1, center_ids=[OTHER_CENTER]) == 0
        assert burst_count(conn, Q1, service_ids=[SERVICE], channel="kiosk") == 1


def test_monthly_counts_sum_the_centers(filled: Site) -> None:
    with filled.engine.connect() as conn:
        assert monthly_counts(conn, Q1) == {
            OTHER_SERVICE: {MAR: (0, 0, 0, 1, 0)},
            SERVICE: {FEB: (1, 0, 0, 0, 1), MAR: (0, 1, 0, 0, 0)},
        }
        assert monthly_counts(conn, Q1, include_burst=True, center_ids=[CENTER]) == {
            SERVICE: {FEB: (1, 0, 0, 0, 2)}
        }


def test_reason_counts_by_band(filled: Site) -> None:
    with filled.engine.connect() as conn:
        assert reason_counts(conn, Q1) == {
            OTHER_SERVICE: {"high": Counter({"good-food": 1})},
            SERVICE: {"low": Counter({"long-wait": 1, "staff-attitude": 1})},
        }
        assert reason_counts(conn, [MAR], service_ids=[SERVICE]) == {}


def test_hour_table_is_local(filled: Site) -> None:
    with filled.engine.connect() as conn:
        assert hour_table(conn, Q1) == {
            (1, 12): (1, 0, 0, 0, 1),
            (5, 13): (0, 1, 0, 1, 0),
        }
        assert hour_table(conn, [FEB], include_burst=True) == {(1, 12): (1, 0, 0, 0, 2)}


def test_comments_newest_first_with_their_rating(filled: Site) -> None:
    with filled.engine.connect() as conn:
        page = comments(conn, months=Q1)
    assert page.total == 2
    assert [(c.text, c.score, c.service_id, c.center_id) for c in page.comments] == [
        ("Tasty soup", 4, OTHER_SERVICE, OTHER_CENTER),
        ("რიგი ძალიან გრძელი იყო", 1, SERVICE, CENTER),
    ]
    newest = page.comments[0]
    assert newest.local_time == datetime(2026, 3, 14, 13, 30)
    assert (newest.hidden, newest.reviewed, newest.moderated_by) == (False, False, None)


def test_comment_filters_and_paging(filled: Site) -> None:
    device = filled.device()
    batch = []
    for day in range(1, 8):
        rating = device.rating(3, created_at=f"2026-01-{day:02d}T10:00:00.000000Z")
        batch += [rating, device.comment(rating, f"day {day}")]
    orphan = device.rating(3)
    filled.send(device, *batch, device.comment(orphan, "my rating never arrived"))
    rollups.refresh(filled.engine)
    with filled.engine.connect() as conn:
        first = comments(conn, months=["2026-01"], limit=3)
        second = comments(conn, months=["2026-01"], limit=3, offset=3)
        last = comments(conn, months=["2026-01"], limit=3, offset=6)
        assert (first.total, second.total, last.total) == (7, 7, 7)
        shown = [c.text for c in first.comments + second.comments + last.comments]
        assert shown == [f"day {day}" for day in range(7, 0, -1)]
        assert comments(conn, months=Q1, scores=[1, 4]).total == 2
        assert comments(conn, months=Q1, scores=[2]).total == 0
        assert comments(conn, months=Q1, service_ids=[OTHER_SERVICE]).total == 1
        assert comments(conn, months=Q1, center_ids=[CENTER]).total == 8
        assert comments(conn, months=["2026-04"]).total == 0
        with pytest.raises(ValueError, match="negative"):
            comments(conn, months=Q1, offset=-1)


def test_moderation_hides_and_shows_again_and_is_logged(filled: Site) -> None:
    ana = filled.user("ana")
    with filled.engine.connect() as conn:
        soup = comments(conn, months=[MAR]).comments[0]
    when = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    with filled.engine.begin() as conn:
        moderate(conn, soup.uuid, True, "names a person", ana, at=when)
    with filled.engine.connect() as conn:
        assert comments(conn, months=[MAR]).total == 0
        assert comments(conn, months=[MAR], approved_only=True).total == 0
        hidden = comments(conn, months=[MAR], include_hidden=True).comments[0]
    assert (hidden.uuid, hidden.hidden, hidden.moderation_reason) == (
        soup.uuid,
        True,
        "names a person",
    )
    assert (hidden.moderated_by, hidden.moderated_by_name, hidden.moderated_at) == (
        ana,
        "ana",
        when,
    )
    with filled.engine.begin() as conn:
        moderate(conn, soup.uuid, False, "checked again: fine", ana)
    with filled.engine.connect() as conn:
        again = comments(conn, months=[MAR]).comments[0]
        assert (again.hidden, again.reviewed) == (False, True)
        assert [c.text for c in comments(conn, months=Q1, approved_only=True).comments] == [
            "Tasty soup"
        ]
        log = conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings().all()
        stored = conn.execute(select(comment_moderation)).mappings().all()
    assert [(row["action"], row["user_id"]) for row in log] == [
        (queries.HIDE_ACTION, ana),
        (queries.SHOW_ACTION, ana),
    ]
    assert json.loads(log[0]["detail"]) == {
        "record_uuid": soup.uuid,
        "hidden": True,
        "reason": "names a person",
        "was_hidden": None,
    }
    assert json.loads(log[1]["detail"])["was_hidden"] is True
    assert log[0]["at"] == when
    assert [(row["record_uuid"], row["hidden"]) for row in stored] == [(soup.uuid, 0)]


def test_only_stored_comments_can_be_moderated(filled: Site) -> None:
    ana = filled.user()
    with filled.engine.begin() as conn:
        a_rating = conn.execute(select(records.c.uuid).where(records.c.kind == "rating")).scalar()
        with pytest.raises(ModerationError, match="no record"):
            moderate(conn, "00000000-0000-4000-8000-000000000000", True, "x", ana)
        with pytest.raises(ModerationError, match="a rating record, not a comment"):
            moderate(conn, str(a_rating), True, "x", ana)
        assert conn.execute(select(audit_log)).first() is None
        assert conn.execute(select(comment_moderation)).first() is None


def test_raw_ratings_are_anonymous_and_carry_their_reasons(filled: Site) -> None:
    rows = list(raw_ratings(filled.engine, Q1))
    assert rows == [
        {
            "service_id": SERVICE,
            "center_id": CENTER,
            "date": "2026-02-10",
            "hour": 12,
            "score": score,
            "reasons": reasons,
            "language": "ka",
            "channel": "kiosk",
            "burst": burst,
            "unverified": False,
        }
        for score, reasons, burst in (
            (1, ["long-wait", "staff-attitude"], False),
            (5, [], False),
            (5, [], True),
        )
    ] + [
        {
            "service_id": service,
            "center_id": OTHER_CENTER,
            "date": "2026-03-14",
            "hour": 13,
            "score": score,
            "reasons": reasons,
            "language": "ka",
            "channel": "kiosk",
            "burst": False,
            "unverified": False,
        }
        for service, score, reasons in ((OTHER_SERVICE, 4, ["good-food"]), (SERVICE, 2, []))
    ]
    assert [r["score"] for r in raw_ratings(filled.engine, [FEB], include_burst=False)] == [1, 5]
    assert [r["score"] for r in raw_ratings(filled.engine, Q1, service_ids=[OTHER_SERVICE])] == [4]
    assert [r["score"] for r in raw_ratings(filled.engine, Q1, center_ids=[OTHER_CENTER])] == [4, 2]
    assert list(raw_ratings(filled.engine, Q1, channel="web")) == []
    assert list(raw_ratings(filled.engine, ["2026-04"])) == []


def test_raw_ratings_stream_in_small_fetches(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queries, "STREAM_ROWS", 3)
    device = site.device()
    batch = []
    for index in range(25):
        rating = device.rating(1 + index % 5)
        batch += [rating, device.reasons(rating, "long-wait" if index % 5 < 3 else "quick-service")]
    site.send(device, *batch)
    streamed = raw_ratings(site.engine, [MAR])
    first = next(streamed)
    assert first["score"] == 1
    rest = list(streamed)
    assert len(rest) == 24
    assert all(len(row["reasons"]) == 1 for row in [first, *rest])
    early = raw_ratings(site.engine, [MAR])
    next(early)
    early.close()  # gives its connection back


def test_figures_per_channel_add_up_to_the_figures_of_those_channels(filled: Site) -> None:
    with filled.engine.connect() as conn:
        by_channel = queries.channel_score_counts(conn, Q1)
        assert by_channel == {"kiosk": score_counts(conn, Q1)}
        assert queries.add_channels(by_channel, ("kiosk", "web-verified")) == score_counts(conn, Q1)
        assert queries.add_channels(by_channel, ("web-open",)) == {}
        assert score_counts(conn, Q1, channel=("kiosk", "web-open")) == score_counts(conn, Q1)
        assert score_counts(conn, Q1, channel=("web-verified", "web-open")) == {}
        assert queries.channel_monthly_counts(conn, Q1) == {
            "kiosk": {FEB: (1, 0, 0, 0, 1), MAR: (0, 1, 0, 1, 0)}
        }
        assert comments(conn, months=Q1, channel="web-open").total == 0
        assert {c.channel for c in comments(conn, months=Q1, channel=("kiosk",)).comments} == {
            "kiosk"
        }
    assert list(raw_ratings(filled.engine, Q1, channel=("web-open",))) == []
    assert len(list(raw_ratings(filled.engine, Q1, channel=("kiosk", "web-open")))) == 5
