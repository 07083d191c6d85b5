"""Roll-ups: counted once, whatever the order records arrive in, however refreshes interleave
with uploads, on SQLite and PostgreSQL.

Records enter through ``server.batches.receive_records`` (the path of uploads and imports);
every test compares the roll-up tables with a brute-force recount of the raw records.
:class:`Site` is shared by the other results tests.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, select, text

from common.catalog import demo_catalog_bytes
from common.protocol import STORED
from common.records import GENESIS_HASH, HELD_APART
from server.batches import receive_records
from server.catalogs import store_catalog
from server.db import (
    alembic_config,
    kiosks,
    records,
    rollup_comments,
    rollup_hours,
    rollup_ratings,
    rollup_reasons,
    users,
    utc_now,
)
from server.enrollment import add_center, add_kiosks
from server.results import rollups
from server.results.periods import local_time, month_of
from tests.server.inprocess import fresh_engine
from tests.server.kiosk_driver import SERVICE, make_record
from tests.server.live import BACKENDS

CENTER = "tbilisi"
OTHER_CENTER = "kutaisi"
"""Both have the demo catalog (version 2026.1, low_max 3)."""
OTHER_SERVICE = "free-canteen"
MARCH = "2026-03-14T09:30:00.000000Z"


@dataclass
class _Sender:
    id: int
    name: str
    center_id: str
    device_id: str


@dataclass
class Device:
    """One kiosk's chain: builds its records in seq order; :meth:`Site.send` stores them."""

    sender: _Sender
    seq: int = 0
    prev_hash: str = GENESIS_HASH

    def _next(self, **fields: Any) -> dict[str, Any]:
        self.seq += 1
        record = make_record(
            self.sender.device_id, self.seq, self.prev_hash, center_id=self.sender.center_id,
            **fields,
        )  # fmt: skip
        self.prev_hash = record["hash"]
        return record

    def rating(
        self,
        score: int,
        *,
        created_at: str = MARCH,
        offset: int = 240,
        service: str = SERVICE,
        burst: bool = False,
        catalog_version: str = "2026.1",
        unverified: bool = False,
    ) -> dict[str, Any]:
        return self._next(
            kind="rating",
            score=score,
            service_id=service,
            created_at=created_at,
            utc_offset_min=offset,
            flags=["burst"] * burst + ["unverified"] * unverified,
            catalog_version=catalog_version,
        )

    def reasons(self, rating: dict[str, Any], *reason_ids: str) -> dict[str, Any]:
        return self._next(
            kind="reasons",
            rating_uuid=rating["uuid"],
            service_id=rating["service_id"],
            reasons=reason_ids,
            created_at=rating["created_at"],
            utc_offset_min=rating["utc_offset_min"],
            catalog_version=rating["catalog_version"],
        )

    def comment(self, rating: dict[str, Any], words: str) -> dict[str, Any]:
        return self._next(
            kind="comment",
            rating_uuid=rating["uuid"],
            service_id=rating["service_id"],
            comment=words,
            created_at=rating["created_at"],
            utc_offset_min=rating["utc_offset_min"],
            catalog_version=rating["catalog_version"],
        )


@dataclass
class Site:
    """A migrated database with two centers (demo catalog) and kiosks that store records."""

    engine: Engine
    backend: str
    devices: list[Device] = field(default_factory=list)

    @classmethod
    @contextmanager
    def made(cls, backend: str, workdir: Path) -> Iterator[Site]:
        with fresh_engine(backend, workdir) as engine:
            for center, name in ((CENTER, "Tbilisi"), (OTHER_CENTER, "Kutaisi")):
                add_center(engine, center, name, name)
                store_catalog(engine, demo_catalog_bytes(), center)
            yield cls(engine, backend)

    def device(self, center: str = CENTER) -> Device:
        name = add_kiosks(self.engine, [f"kiosk-{uuid.uuid4().hex[:8]}"], center)[0].kiosk_name
        with self.engine.connect() as conn:
            kiosk_id = conn.execute(select(kiosks.c.id).where(kiosks.c.name == name)).scalar_one()
        made = Device(_Sender(int(kiosk_id), name, center, str(uuid.uuid4())))
        self.devices.append(made)
        return made

    def send(self, device: Device, *batch: dict[str, Any]) -> None:
        """Store the records as one upload of the device; every one must be stored."""
        with self.engine.begin() as conn:
            received = receive_records(
                conn,
                device.sender,
                list(batch),
                str(uuid.uuid4()),
                datetime.now(UTC),
                center_id=device.sender.center_id,
            )
        assert [o.status for o in received.outcomes] == [STORED] * len(batch), received.outcomes

    def refresh(self, **kwargs: Any) -> int:
        return rollups.refresh(self.engine, **kwargs)

    def user(self, name: str = "ana") -> int:
        """A staff user (for moderation)."""
        values = {"name": name, "role": "admin", "password_hash": "-", "created_at": utc_now()}
        with self.engine.begin() as conn:
            made = conn.execute(users.insert().values(**values).returning(users.c.id))
            return int(made.scalar_one())


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    with Site.made(request.param, tmp_path) as made:
        yield made


# -- the brute-force recount -----------------------------------------------------------------


COMMENT_KEY = (
    "record_uuid", "service_id", "center_id", "month", "channel", "burst", "score", "rated_at",
)  # fmt: skip


def table_counts(engine: Engine) -> dict[str, Counter[tuple[Any, ...]]]:
    """What the roll-up tables hold (rows with a count)."""
    out = {}
    with engine.connect() as conn:
        for name, table, key in (
            ("ratings", rollup_ratings, rollups.RATING_KEY),
            ("reasons", rollup_reasons, rollups.REASON_KEY),
            ("hours", rollup_hours, rollups.HOUR_KEY),
        ):
            found: Counter[tuple[Any, ...]] = Counter()
            for row in conn.execute(select(table)).mappings():
                if row["count"]:
                    found[tuple(row[name] for name in key)] = int(row["count"])
            out[name] = found
        comments: Counter[tuple[Any, ...]] = Counter()
        for row in conn.execute(select(rollup_comments)).mappings():
            comments[tuple(row[name] for name in COMMENT_KEY)] += 1
        out["comments"] = comments
    return out


def recount(engine: Engine, low_max: dict[str, int] | None = None) -> dict[str, Counter[Any]]:
    """The roll-ups as they should be, from every raw record at once."""
    bands = {"2026.1": 3} if low_max is None else low_max
    with engine.connect() as conn:
        rows = conn.execute(select(records).order_by(records.c.id)).mappings().all()
    ratings = {row["uuid"]: row for row in rows if row["kind"] == "rating"}
    out: dict[str, Counter[Any]] = {
        "ratings": Counter(),
        "reasons": Counter(),
        "hours": Counter(),
        "comments": Counter(),
    }

    def place(row: Any) -> tuple[str, int, int, int]:
        moment = local_time(row["created_at"], row["utc_offset_min"])
        burst = int(not HELD_APART.isdisjoint(json.loads(row["flags"])))
        return month_of(moment), moment.weekday(), moment.hour, burst

    for row in ratings.values():
        month, weekday, hour, burst = place(row)
        cell = (row["service_id"], row["center_id"], month, row["channel"], burst)
        out["ratings"][(*cell, row["score"])] += 1
        out["hours"][(month, row["channel"], burst, weekday, hour, row["score"])] += 1
    for row in rows:
        rating = ratings.get(row["rating_uuid"])
        if rating is None or rating["device_id"] != row["device_id"]:
            continue
        month, _weekday, _hour, burst = place(rating)
        if row["kind"] == "comment" and row["comment"]:
            rated_at = datetime.fromisoformat(rating["created_at"]).astimezone(UTC)
            key = (rating["service_id"], rating["center_id"], month, rating["channel"], burst)
            out["comments"][(row["uuid"], *key, rating["score"], rated_at)] += 1
        if row["kind"] != "reasons":
            continue
        limit = bands.get(rating["catalog_version"], rollups.DEFAULT_LOW_MAX)
        band = "low" if rating["score"] <= limit else "high"
        for reason in json.loads(row["reasons"]):
            key = (rating["service_id"], rating["center_id"], month, rating["channel"], burst)
            out["reasons"][(*key, band, reason)] += 1
    return out


def assert_counted(site: Site) -> None:
    assert table_counts(site.engine) == recount(site.engine)


# -- tests --------------------------------------------------------------------------------------


def test_nothing_stored_nothing_counted(site: Site) -> None:
    assert site.refresh() == 0
    assert table_counts(site.engine) == {"ratings": {}, "reasons": {}, "hours": {}, "comments": {}}
    with site.engine.connect() as conn:
        assert rollups.watermark(conn) == 0


def test_counts_equal_a_recount_after_refreshes_interleaved_with_uploads(site: Site) -> None:
    one, two = site.device(), site.device(OTHER_CENTER)
    scores = [1, 2, 3, 4, 5, 5, 4, 3]
    for round_number in range(4):
        for device in (one, two):
            batch = []
            for index, score in enumerate(scores):
                day = 1 + (round_number * 7 + index) % 28
                rating = device.rating(
                    score,
                    created_at=f"2026-0{1 + round_number}-{day:02d}T{index + 5:02d}:15:00.000000Z",
                    service=SERVICE if index % 2 else OTHER_SERVICE,
                    burst=index == 7,
                )
                batch.append(rating)
                if score <= 3:
                    batch.append(device.reasons(rating, "long-wait"))
                else:
                    batch.append(device.reasons(rating, "polite-staff", "quick-service"))
                if index == 3:
                    batch.append(device.comment(rating, "fine"))
            site.send(device, *batch[: len(batch) // 2])
            site.refresh(chunk_size=7)
            site.send(device, *batch[len(batch) // 2 :])
        site.refresh(chunk_size=7)
        assert_counted(site)
    assert site.refresh() == 0
    assert_counted(site)


def test_refresh_is_idempotent_and_cheap_when_nothing_is_new(site: Site) -> None:
    device = site.device()
    site.send(device, *(device.rating(score) for score in (1, 3, 5)))
    assert site.refresh() == 3
    before = table_counts(site.engine)
    assert site.refresh() == 0
    assert site.refresh() == 0
    assert table_counts(site.engine) == before
    assert before["ratings"] == Counter(
        {(SERVICE, CENTER, "2026-03", "kiosk", 0, score): 1 for score in (1, 3, 5)}
    )


def test_local_month_weekday_and_hour(site: Site) -> None:
    device = site.device()
    site.send(
        device,
        # 21:30 UTC on 31 January is 01:30 on Sunday 1 February in Tbilisi (+04:00).
        device.rating(2, created_at="2026-01-31T21:30:00.000000Z", offset=240),
        device.rating(3, created_at="2026-02-01T01:30:00+04:00", offset=240),
        # 02:00 UTC on 1 March is still 28 February (a Saturday) at UTC-05:00.
        device.rating(4, created_at="2026-03-01T02:00:00.000000Z", offset=-300),
        device.rating(5, created_at="2026-12-31T23:59:59.999999Z", offset=0),
    )
    site.refresh()
    counted = table_counts(site.engine)
    assert set(counted["ratings"]) == {
        (SERVICE, CENTER, "2026-02", "kiosk", 0, 2),
        (SERVICE, CENTER, "2026-02", "kiosk", 0, 3),
        (SERVICE, CENTER, "2026-02", "kiosk", 0, 4),
        (SERVICE, CENTER, "2026-12", "kiosk", 0, 5),
    }
    assert set(counted["hours"]) == {
        ("2026-02", "kiosk", 0, 6, 1, 2),
        ("2026-02", "kiosk", 0, 6, 1, 3),
        ("2026-02", "kiosk", 0, 5, 21, 4),
        ("2026-12", "kiosk", 0, 3, 23, 5),
    }
    assert_counted(site)


def test_burst_and_unverified_ratings_are_counted_apart(site: Site) -> None:
    device = site.device()
    plain = device.rating(2)
    flagged = device.rating(2, burst=True)
    unverified = device.rating(2, unverified=True)
    site.send(device, plain, device.reasons(plain, "long-wait"))
    site.send(device, flagged, device.reasons(flagged, "long-wait"), unverified)
    site.refresh()
    counted = table_counts(site.engine)
    assert counted["ratings"] == Counter(
        {
            (SERVICE, CENTER, "2026-03", "kiosk", 0, 2): 1,
            (SERVICE, CENTER, "2026-03", "kiosk", 1, 2): 2,
        }
    )
    assert counted["reasons"] == Counter(
        {
            (SERVICE, CENTER, "2026-03", "kiosk", 0, "low", "long-wait"): 1,
            (SERVICE, CENTER, "2026-03", "kiosk", 1, "low", "long-wait"): 1,
        }
    )
    assert_counted(site)


def test_reason_bands_follow_the_catalog_version_of_the_rating(site: Site) -> None:
    device = site.device()
    known = device.rating(3)  # 2026.1: low_max 3, so low
    unknown = device.rating(3, catalog_version="2099.9")  # never loaded: low_max 2, so high
    site.send(
        device,
        known,
        device.reasons(known, "long-wait"),
        unknown,
        device.reasons(unknown, "long-wait"),
    )
    site.refresh()
    assert table_counts(site.engine)["reasons"] == Counter(
        {
            (SERVICE, CENTER, "2026-03", "kiosk", 0, "low", "long-wait"): 1,
            (SERVICE, CENTER, "2026-03", "kiosk", 0, "high", "long-wait"): 1,
        }
    )
    assert_counted(site)


def test_reasons_arriving_before_their_rating_are_counted_once_it_arrives(site: Site) -> None:
    device = site.device()
    rating = device.rating(1)
    reasons = device.reasons(rating, "long-wait", "staff-attitude")
    site.send(device, reasons)  # the rating's upload was lost and is sent again later
    assert site.refresh() == 1
    assert table_counts(site.engine)["reasons"] == Counter()
    site.send(device, rating)
    assert site.refresh() == 1
    assert table_counts(site.engine)["reasons"] == Counter(
        {
            (SERVICE, CENTER, "2026-03", "kiosk", 0, "low", "long-wait"): 1,
            (SERVICE, CENTER, "2026-03", "kiosk", 0, "low", "staff-attitude"): 1,
        }
    )
    site.refresh()
    assert_counted(site)


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 100])
def test_pairs_split_across_chunks_in_either_order_count_once(site: Site, chunk_size: int) -> None:
    device = site.device()
    first, second = device.rating(2), device.rating(5)
    site.send(
        device,
        device.reasons(first, "long-wait"),
        device.comment(first, "too slow"),
        first,
        second,
        device.comment(second, "thanks"),
        device.reasons(second, "quick-service"),
    )
    site.refresh(chunk_size=chunk_size)
    assert sum(table_counts(site.engine)["reasons"].values()) == 2
    assert len(table_counts(site.engine)["comments"]) == 2
    assert_counted(site)


def test_reasons_naming_another_devices_rating_are_not_counted(site: Site) -> None:
    one, other = site.device(), site.device()
    rating = one.rating(2)
    site.send(one, rating)
    site.send(other, other.reasons(rating, "long-wait"))
    site.refresh()
    assert table_counts(site.engine)["reasons"] == Counter()
    assert_counted(site)


def test_comments_are_rolled_up_with_their_own_devices_rating_only(site: Site) -> None:
    one, other = site.device(), site.device()
    rating = one.rating(2, created_at="2026-01-31T21:30:00.000000Z", offset=240)
    site.send(other, other.comment(rating, "not my rating"))
    site.send(one, one.comment(rating, "arrived first"), rating, one.comment(rating, ""))
    site.refresh()
    counted = table_counts(site.engine)["comments"]
    rated_at = datetime(2026, 1, 31, 21, 30, tzinfo=UTC)
    assert [key[1:] for key in counted] == [(SERVICE, CENTER, "2026-02", "kiosk", 0, 2, rated_at)]
    assert_counted(site)


def test_upgrading_a_counted_database_fills_the_comments_as_a_refresh_would(site: Site) -> None:
    one, two = site.device(), site.device(OTHER_CENTER)
    early, late = one.rating(1), two.rating(4, created_at="2026-05-31T22:00:00Z", offset=240)
    site.send(one, one.comment(early, "before its rating"), early, one.comment(early, ""))
    site.send(two, late, two.comment(late, "after its rating"), two.rating(5))
    site.refresh()
    counted = table_counts(site.engine)["comments"]
    waiting = one.rating(2)
    site.send(one, waiting, one.comment(waiting, "not yet counted"))
    with site.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0004")
    with site.engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    assert table_counts(site.engine)["comments"] == counted
    assert len(counted) == 2
    site.refresh()
    assert len(table_counts(site.engine)["comments"]) == 3
    assert_counted(site)


def test_a_crash_mid_refresh_never_counts_twice(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = site.device()
    batch = []
    for score in (1, 2, 3, 4, 5, 1, 2, 3):
        rating = device.rating(score)
        batch += [rating, device.reasons(rating, "long-wait")]
    site.send(device, *batch)
    real_move = rollups._move_watermark
    calls = []

    def crash_on_second_chunk(*args: Any, **kwargs: Any) -> None:
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        real_move(*args, **kwargs)

    monkeypatch.setattr(rollups, "_move_watermark", crash_on_second_chunk)
    with pytest.raises(RuntimeError, match="power cut"):
        site.refresh(chunk_size=5)
    with site.engine.connect() as conn:
        assert rollups.watermark(conn) > 0  # the first chunk stayed counted
    monkeypatch.setattr(rollups, "_move_watermark", real_move)
    site.refresh(chunk_size=5)
    assert_counted(site)


def test_two_refreshes_at_once_count_once(site: Site) -> None:
    devices = [site.device() for _ in range(3)]
    for device in devices:
        batch = []
        for index in range(150):
            rating = device.rating(1 + index % 5, burst=index % 10 == 0)
            batch += [rating, device.reasons(rating, "long-wait")]
        site.send(device, *batch)
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            results.append(site.refresh(chunk_size=40))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(results) == 900  # every record read once, by one refresh or the other
    assert_counted(site)


@pytest.mark.postgres
def test_an_upload_committing_after_a_later_id_is_still_counted(tmp_path: Path) -> None:
    """PostgreSQL: an upload holding id N commits after another's N+1 was stored and seen."""
    with Site.made("postgres", tmp_path) as site:
        slow, fast = site.device(), site.device()
        with site.engine.connect() as slow_conn:
            slow_txn = slow_conn.begin()
            receive_records(
                slow_conn, slow.sender, [slow.rating(1)], "slow", datetime.now(UTC),
                center_id=CENTER,
            )  # fmt: skip
            site.send(fast, fast.rating(5))  # a larger id, committed first
            done: list[int] = []
            worker = threading.Thread(target=lambda: done.append(site.refresh()))
            worker.start()
            _wait_for_lock_wait(site.engine)
            slow_txn.commit()
            worker.join(timeout=60)
        assert done == [2]
        assert site.refresh() == 0
        assert sum(table_counts(site.engine)["ratings"].values()) == 2
        assert_counted(site)


def _wait_for_lock_wait(engine: Engine, timeout_s: float = 10.0) -> None:
    """Until some session waits for a lock on ``records`` (the refresh's horizon)."""
    deadline = time.monotonic() + timeout_s
    query = text(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'records'::regclass"
    )
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(query).scalar_one():
                return
        time.sleep(0.02)
    pytest.fail("the refresh never waited for the open upload")
