"""Roll-ups: the append-only ``records`` table counted into small tables the results pages read
(``rollup_ratings``, ``rollup_reasons``, ``rollup_hours``), incrementally.

Why this shape:
- Records are never changed or deleted, so counts only ever grow: :func:`refresh` reads the
  records above a watermark (``rollup_state.last_record_id``, the largest ``records.id``
  counted), adds what they bring, and moves the watermark, in one transaction per chunk. A crash
  loses the chunk's work and its watermark together, so nothing is ever counted twice; a
  chunk at a time keeps memory flat on a first refresh over years of data.
- Two refreshes at once count once: each chunk re-reads the watermark under a lock
  (``SELECT … FOR UPDATE`` of the state row on PostgreSQL; on SQLite every transaction is
  ``BEGIN IMMEDIATE``, so writers already take turns).
- A watermark over ids is only safe when no smaller id can still appear. On SQLite writers take
  turns, so ids become visible in order. On PostgreSQL two uploads commit in any order: an
  upload may commit id 100 after another's id 101 was seen. So each refresh first settles a
  horizon: ``LOCK TABLE records IN SHARE MODE`` waits for every transaction still inserting
  records, and the largest id then visible is final below it (uploads pause only for that
  moment). Records above the horizon wait for the next refresh.
- A ``reasons`` record counts with its rating (its service, center, month, channel, burst and
  the score band), and either may arrive first: a pair is counted exactly once, when the later
  of the two (by id) is read. Reading a reasons record counts it if its rating has a smaller
  id; reading a rating counts its reasons records with smaller ids. A reasons record whose
  rating never arrives is never counted. A rating and its reasons must come from the same
  device (a record belongs to its device's chain).
- The band is ``low`` when the rating's score is at most the ``low_max`` of the catalog
  version the rating names (``catalog_versions``), else ``high``; a version the server does not
  have (yet) counts with :data:`DEFAULT_LOW_MAX`, judged once when counted.
- A ``comment`` pairs with its rating the same way and becomes one row of ``rollup_comments``
  (its rating's cell, local month, score and moment; the text stays in ``records``), so the
  comments page reads the newest comments of a period from an index. Empty comments are left
  out.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from common.records import HELD_APART, Kind
from server.db import (
    catalog_versions,
    insert_ignore,
    records,
    rollup_comments,
    rollup_hours,
    rollup_ratings,
    rollup_reasons,
    rollup_state,
    utc_now,
)
from server.results.periods import local_time, month_of

log = logging.getLogger("server.results.rollups")

_Row = Row[*tuple[Any, ...]]

CHUNK = 5000
"""Records read per transaction."""
STATE = "records"
"""The name of the watermark row in ``rollup_state``."""
DEFAULT_LOW_MAX = 2
"""The low band's highest score when the rating's catalog version is unknown."""
LOOKUP_BATCH = 500
"""uuids per ``IN (…)`` when looking up the other half of rating/reasons pairs."""

RATING_KEY = ("service_id", "center_id", "month", "channel", "burst", "score")
REASON_KEY = ("service_id", "center_id", "month", "channel", "burst", "band", "reason_id")
HOUR_KEY = ("month", "channel", "burst", "weekday", "hour", "score")
PAIRED = (Kind.REASONS, Kind.COMMENT)
"""Kinds counted with their rating."""


@dataclass(frozen=True)
class _Rating:
    """What a rating record contributes, with its local time worked out."""

    id: int
    uuid: str
    device_id: str
    service_id: str
    center_id: str
    catalog_version: str
    channel: str
    burst: int
    score: int
    month: str
    weekday: int
    hour: int
    rated_at: datetime
    """``created_at`` in UTC."""
    utc_offset_min: int


@dataclass
class _Counts:
    ratings: Counter[tuple[Any, ...]]
    reasons: Counter[tuple[Any, ...]]
    hours: Counter[tuple[Any, ...]]
    comments: list[dict[str, Any]]


def refresh(engine: Engine, *, chunk_size: int = CHUNK) -> int:
    """Count every record stored since the last refresh; return how many records were read
    (0 when nothing was new, which costs two indexed reads and takes no lock)."""
    if not _anything_new(engine):
        return 0
    horizon = _settled_horizon(engine)
    total = 0
    while True:
        with engine.begin() as conn:
            read, finished = _count_chunk(conn, horizon, chunk_size)
        total += read
        if finished:
            break
    if total:
        log.info("roll-ups: %d records counted", total)
    return total


def watermark(conn: Connection, *, lock: bool = False) -> int:
    """The largest record id counted (0 before the first refresh).

    With ``lock`` the state row is held until the transaction ends, so no refresh moves the
    roll-ups meanwhile (PostgreSQL; on SQLite the write transaction already excludes one).
    """
    query = select(rollup_state.c.last_record_id).where(rollup_state.c.name == STATE)
    if lock and conn.dialect.name == "postgresql":
        found = conn.execute(query.with_for_update()).scalar()
        if found is None:
            conn.execute(
                insert_ignore(rollup_state, conn.dialect.name).values(
                    name=STATE, last_record_id=0, updated_at=utc_now()
                )
            )
            found = conn.execute(query.with_for_update()).scalar()
    else:
        found = conn.execute(query).scalar()
    return int(found or 0)


def _anything_new(engine: Engine) -> bool:
    """A read that takes no write lock: are there records above the watermark?"""
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        newest = conn.execute(select(func.max(records.c.id))).scalar()
        return newest is not None and int(newest) > watermark(conn)


def _settled_horizon(engine: Engine) -> int | None:
    """The largest record id below which no record can still appear (PostgreSQL); None on
    SQLite, where the counting transaction itself excludes every writer."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.begin() as conn:
        table = conn.dialect.identifier_preparer.format_table(records)
        conn.execute(text(f"LOCK TABLE {table} IN SHARE MODE"))
        return int(conn.execute(select(func.coalesce(func.max(records.c.id), 0))).scalar_one())


def _count_chunk(conn: Connection, horizon: int | None, size: int) -> tuple[int, bool]:
    """Count the next chunk above the watermark and move it; (records read, reached the end)."""
    start = watermark(conn, lock=True)
    if horizon is not None and start >= horizon:
        return 0, True
    query = (
        select(
            records.c.id,
            records.c.uuid,
            records.c.kind,
            records.c.rating_uuid,
            records.c.device_id,
            records.c.service_id,
            records.c.center_id,
            records.c.catalog_version,
            records.c.score,
            records.c.reasons,
            records.c.comment,
            records.c.created_at,
            records.c.utc_offset_min,
            records.c.flags,
            records.c.channel,
        )
        .where(records.c.id > start)
        .order_by(records.c.id)
        .limit(size)
    )
    if horizon is not None:
        query = query.where(records.c.id <= horizon)
    # Kinds are told apart here, not in SQL: by primary key alone the plan cannot go astray.
    rows = conn.execute(query).all()
    finished = len(rows) < size
    if not finished:
        end = int(rows[-1].id)
    elif horizon is not None:
        end = horizon
    else:  # SQLite: nobody else writes now, so everything stored is settled
        end = int(conn.execute(select(func.coalesce(func.max(records.c.id), 0))).scalar_one())
    counts = _count(conn, [row for row in rows if row.kind in PAIRED or row.kind == Kind.RATING])
    _add(conn, rollup_ratings, RATING_KEY, counts.ratings)
    _add(conn, rollup_reasons, REASON_KEY, counts.reasons)
    _add(conn, rollup_hours, HOUR_KEY, counts.hours)
    if counts.comments:
        conn.execute(insert_ignore(rollup_comments, conn.dialect.name), counts.comments)
    _move_watermark(conn, max(start, end))
    return len(rows), finished


def _count(conn: Connection, rows: Sequence[_Row]) -> _Counts:
    counts = _Counts(Counter(), Counter(), Counter(), [])
    new_ratings = [r for r in (_rating(row) for row in rows if row.kind == Kind.RATING) if r]
    for rating in new_ratings:
        counts.ratings[tuple(getattr(rating, name) for name in RATING_KEY)] += 1
        counts.hours[tuple(getattr(rating, name) for name in HOUR_KEY)] += 1
    bands = _Bands(conn)
    # Reasons and comments stored before their rating: counted now that the rating is read.
    by_uuid = {rating.uuid: rating for rating in new_ratings}
    for earlier in _records_pointing_at(conn, list(by_uuid)):
        rating = by_uuid[earlier.rating_uuid]
        if earlier.id < rating.id and earlier.device_id == rating.device_id:
            _count_paired(counts, rating, earlier, bands)
    # Reasons and comments stored after their rating: counted now with the rating stored.
    new_paired = [row for row in rows if row.kind in PAIRED]
    ratings = _ratings_by_uuid(conn, {row.rating_uuid for row in new_paired})
    for row in new_paired:
        found = ratings.get(row.rating_uuid)
        if found is not None and found.id < row.id and found.device_id == row.device_id:
            _count_paired(counts, found, row, bands)
    return counts


def _count_paired(counts: _Counts, rating: _Rating, row: _Row, bands: _Bands) -> None:
    """Count a reasons or comment record with its rating."""
    if row.kind == Kind.REASONS:
        _count_reasons(counts, rating, row.reasons, bands)
    elif row.comment:
        counts.comments.append(
            {
                "record_id": int(row.id),
                "record_uuid": row.uuid,
                "service_id": rating.service_id,
                "center_id": rating.center_id,
                "month": rating.month,
                "channel": rating.channel,
                "burst": rating.burst,
                "score": rating.score,
                "rated_at": rating.rated_at,
                "utc_offset_min": rating.utc_offset_min,
            }
        )


def _rating(row: _Row) -> _Rating | None:
    """The rating's contribution; None (and a warning) for one that cannot be placed in time."""
    try:
        moment = local_time(row.created_at, row.utc_offset_min)
        rated_at = datetime.fromisoformat(row.created_at)
        rated_at = rated_at.astimezone(UTC) if rated_at.tzinfo else rated_at.replace(tzinfo=UTC)
        flags = json.loads(row.flags)
    except (ValueError, TypeError, OverflowError):
        log.warning("record %s is not counted: its time cannot be read", row.uuid)
        return None
    return _Rating(
        id=int(row.id),
        uuid=row.uuid,
        device_id=row.device_id,
        service_id=row.service_id,
        center_id=row.center_id,
        catalog_version=row.catalog_version,
        channel=row.channel,
        burst=int(not HELD_APART.isdisjoint(flags)),
        score=int(row.score),
        month=month_of(moment),
        weekday=moment.weekday(),
        hour=moment.hour,
        rated_at=rated_at,
        utc_offset_min=int(row.utc_offset_min),
    )


def _count_reasons(counts: _Counts, rating: _Rating, reasons_json: str, bands: _Bands) -> None:
    band = "low" if rating.score <= bands.low_max(rating.catalog_version) else "high"
    for reason_id in json.loads(reasons_json):
        key = (
            rating.service_id,
            rating.center_id,
            rating.month,
            rating.channel,
            rating.burst,
            band,
            reason_id,
        )
        counts.reasons[key] += 1


def _batched(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), LOOKUP_BATCH):
        yield items[start : start + LOOKUP_BATCH]


def _records_pointing_at(conn: Connection, rating_uuids: list[str]) -> list[_Row]:
    """The reasons and comment records of these ratings (through the ``rating_uuid`` index; the
    kind is checked here so that no other index can look more attractive to the planner)."""
    found: list[_Row] = []
    for part in _batched(rating_uuids):
        query = select(
            records.c.id, records.c.uuid, records.c.kind, records.c.rating_uuid,
            records.c.device_id, records.c.reasons, records.c.comment,
        ).where(records.c.rating_uuid.in_(part))  # fmt: skip
        found.extend(row for row in conn.execute(query) if row.kind in PAIRED)
    return found


def _ratings_by_uuid(conn: Connection, uuids: set[str]) -> dict[str, _Rating]:
    """The stored ratings with these uuids (through the unique ``uuid`` index)."""
    found: dict[str, _Rating] = {}
    for part in _batched(sorted(uuids)):
        query = select(
            records.c.id,
            records.c.uuid,
            records.c.device_id,
            records.c.service_id,
            records.c.center_id,
            records.c.catalog_version,
            records.c.score,
            records.c.created_at,
            records.c.utc_offset_min,
            records.c.flags,
            records.c.channel,
            records.c.kind,
        ).where(records.c.uuid.in_(part))
        for row in conn.execute(query):
            rating = _rating(row) if row.kind == Kind.RATING else None
            if rating is not None:
                found[rating.uuid] = rating
    return found


_low_max_cache: dict[str, int] = {}
_low_max_lock = threading.Lock()


class _Bands:
    """``low_max`` of each catalog version named, from ``catalog_versions``.

    A version names one body for good (``server.catalogs``), so a found value is kept for the
    process; an unknown version is asked again next time (it may be loaded meanwhile).
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.unknown: set[str] = set()

    def low_max(self, version: str) -> int:
        with _low_max_lock:
            cached = _low_max_cache.get(version)
        if cached is not None:
            return cached
        if version in self.unknown:
            return DEFAULT_LOW_MAX
        body = self.conn.execute(
            select(catalog_versions.c.body).where(catalog_versions.c.version == version)
        ).scalar()
        value = _scale_low_max(body) if body is not None else None
        if value is None:
            self.unknown.add(version)
            return DEFAULT_LOW_MAX
        with _low_max_lock:
            _low_max_cache[version] = value
        return value


def _scale_low_max(body: str) -> int | None:
    try:
        value = json.loads(body)["scale"]["low_max"]
    except (ValueError, KeyError, TypeError):
        return None
    return value if type(value) is int else None


def _add(conn: Connection, table: Table, key: tuple[str, ...], counts: Counter[Any]) -> None:
    """``count = count + n`` for every key, inserting the rows not there yet (one upsert)."""
    if not counts:
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={"count": table.c["count"] + statement.excluded["count"]},
    )
    rows = [{**dict(zip(key, values, strict=True)), "count": n} for values, n in counts.items()]
    conn.execute(statement, rows)


def _move_watermark(conn: Connection, last_record_id: int, now: datetime | None = None) -> None:
    values = {"last_record_id": last_record_id, "updated_at": now or utc_now()}
    done = conn.execute(
        update(rollup_state).where(rollup_state.c.name == STATE).values(**values)
    ).rowcount
    if not done:  # SQLite's first refresh: no state row yet (PostgreSQL made it under lock)
        conn.execute(rollup_state.insert().values(name=STATE, **values))
