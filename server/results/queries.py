"""What the results pages read: counts from the roll-ups, comments page by page, moderation,
and the anonymous raw ratings streamed for download.

Why this shape:
- A page never scans raw ratings to draw a figure: every count comes from the roll-ups
  (``server.results.rollups``; call its ``refresh`` first), which are small whatever the
  years of data. Months are local ``YYYY-MM`` (``Period.months`` gives a period's).
- Ratings flagged ``burst`` are left out unless asked for (``include_burst``), and counted
  apart by :func:`burst_count`, as ``docs/results.md`` says: kept, never mixed in silently.
- Comments are filtered, counted and sorted in their roll-up (``rollup_comments``: each
  comment with its rating's cell, month, score and moment, indexed by month and moment), and
  only the page shown is joined to ``records`` for its text. A comment whose rating has not
  arrived is not shown: it has no score, service or time to show it by.
- Moderation never changes a comment: :func:`moderate` hides it (or shows it again) in
  ``comment_moderation`` and writes who, when and why to ``audit_log``.
- :func:`raw_ratings` is the open-data download: one dict per rating with its reasons, but no
  device, uuid, hash, comment or time finer than the local hour, sorted by hour and cell rather
  than arrival, and streamed with a server-side cursor so memory stays flat.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Select, Table, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from common.records import HELD_APART, SCORES, Flag, Kind
from server.audit import audit
from server.db import (
    comment_moderation,
    records,
    rollup_comments,
    rollup_hours,
    rollup_ratings,
    rollup_reasons,
    users,
    utc_now,
)
from server.results.periods import local_hour_sql, local_month_sql, local_time

log = logging.getLogger("server.results.queries")

ScoreCounts = tuple[int, int, int, int, int]
"""How many ratings gave 1, 2, 3, 4 and 5."""
Cell = tuple[str, str]
"""(service_id, center_id)."""
Channels = str | Iterable[str] | None
"""One channel, several (their figures added up), or None for every channel."""

STREAM_ROWS = 1000
"""Rows fetched at a time by :func:`raw_ratings`."""
HIDE_ACTION = "hide_comment"
SHOW_ACTION = "show_comment"


class ModerationError(ValueError):
    """The record cannot be moderated (unknown, or not a comment)."""


# -- counts from the roll-ups -----------------------------------------------------------------


def _channel_filter(column: ColumnElement[Any], channel: Channels) -> ColumnElement[bool] | None:
    """The condition that keeps ``channel`` (None: no condition)."""
    if channel is None:
        return None
    if isinstance(channel, str):
        return column == channel
    return column.in_(list(channel))


def _filters(
    table: Table,
    months: Iterable[str],
    channel: Channels,
    include_burst: bool,
    service_ids: Iterable[str] | None = None,
    center_ids: Iterable[str] | None = None,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [table.c.month.in_(list(months))]
    by_channel = _channel_filter(table.c.channel, channel)
    if by_channel is not None:
        where.append(by_channel)
    if not include_burst:
        where.append(table.c.burst == 0)
    if service_ids is not None:
        where.append(table.c.service_id.in_(list(service_ids)))
    if center_ids is not None:
        where.append(table.c.center_id.in_(list(center_ids)))
    return where


def _add_score(counts: list[int], score: int, n: int) -> None:
    if score in SCORES:
        counts[score - 1] += n


def _as_tuple(counts: list[int]) -> ScoreCounts:
    return (counts[0], counts[1], counts[2], counts[3], counts[4])


def score_counts(
    conn: Connection,
    months: Iterable[str],
    *,
    channel: Channels = None,
    include_burst: bool = False,
    service_ids: Iterable[str] | None = None,
    center_ids: Iterable[str] | None = None,
) -> dict[Cell, ScoreCounts]:
    """Score counts of every (service, center) with ratings in ``months``."""
    table = rollup_ratings
    query = (
        select(table.c.service_id, table.c.center_id, table.c.score, func.sum(table.c["count"]))
        .where(*_filters(table, months, channel, include_burst, service_ids, center_ids))
        .group_by(table.c.service_id, table.c.center_id, table.c.score)
    )
    cells: dict[Cell, list[int]] = defaultdict(lambda: [0] * 5)
    for service_id, center_id, score, n in conn.execute(query):
        _add_score(cells[(service_id, center_id)], score, int(n))
    return {cell: _as_tuple(counts) for cell, counts in sorted(cells.items())}


def channel_score_counts(
    conn: Connection,
    months: Iterable[str],
    *,
    include_burst: bool = False,
    service_ids: Iterable[str] | None = None,
    center_ids: Iterable[str] | None = None,
) -> dict[str, dict[Cell, ScoreCounts]]:
    """channel → the score counts of every (service, center) with ratings in ``months``: what
    :func:`score_counts` gives for each channel, in one query."""
    table = rollup_ratings
    query = (
        select(
            table.c.channel,
            table.c.service_id,
            table.c.center_id,
            table.c.score,
            func.sum(table.c["count"]),
        )
        .where(*_filters(table, months, None, include_burst, service_ids, center_ids))
        .group_by(table.c.channel, table.c.service_id, table.c.center_id, table.c.score)
    )
    found: dict[str, dict[Cell, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0] * 5))
    for channel, service_id, center_id, score, n in conn.execute(query):
        _add_score(found[channel][(service_id, center_id)], score, int(n))
    return {
        channel: {cell: _as_tuple(counts) for cell, counts in sorted(cells.items())}
        for channel, cells in sorted(found.items())
    }


def add_channels(
    by_channel: dict[str, dict[Cell, ScoreCounts]], channels: Iterable[str]
) -> dict[Cell, ScoreCounts]:
    """The cells of ``channels`` added up (what :func:`score_counts` gives for them)."""
    total: dict[Cell, list[int]] = defaultdict(lambda: [0] * 5)
    for channel in channels:
        for cell, counts in by_channel.get(channel, {}).items():
            for index, value in enumerate(counts):
                total[cell][index] += value
    return {cell: _as_tuple(counts) for cell, counts in sorted(total.items())}


def channel_monthly_counts(
    conn: Connection,
    months: Iterable[str],
    *,
    include_burst: bool = False,
    service_ids: Iterable[str] | None = None,
    center_ids: Iterable[str] | None = None,
) -> dict[str, dict[str, ScoreCounts]]:
    """channel → month → score counts, services and centers summed (after the filters); only
    months with ratings appear."""
    table = rollup_ratings
    query = (
        select(table.c.channel, table.c.month, table.c.score, func.sum(table.c["count"]))
        .where(*_filters(table, months, None, include_burst, service_ids, center_ids))
        .group_by(table.c.channel, table.c.month, table.c.score)
    )
    found: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0] * 5))
    for channel, month, score, n in conn.execute(query):
        _add_score(found[channel][month], score, int(n))
    return {
        channel: {month: _as_tuple(counts) for month, counts in sorted(by_month.items())}
        for channel, by_month in sorted(found.items())
    }


def burst_count(
    conn: Connection,
    months: Iterable[str],
    *,
    channel: Channels = None,
    service_ids: Iterable[str] | None = None,
    center_ids: Iterable[str] | None = None,
) -> int:
    """How many ratings in ``months`` were flagged ``burst`` (left out of the other counts)."""
    table = rollup_ratings
    where = _filters(table, months, channel, True, service_ids, center_ids)
    query = select(func.coalesce(func.sum(table.c["count"]), 0)).where(*where, table.c.burst == 1)
    return int(conn.execute(query).scalar_one())


def monthly_counts(
    conn: Connection,
    months: Iterable[str],
    *,
    channel: Channels = None,
    include_burst: bool = False,
    service_ids: Iterable[str] | None = None,
    center_ids: Iterable[str] | None = None,
) -> dict[str, dict[str, ScoreCounts]]:
    """service_id → month → score counts (centers summed, after the ``center_ids`` filter);
    only months with ratings appear."""
    table = rollup_ratings
    query = (
        select(table.c.service_id, table.c.month, table.c.score, func.sum(table.c["count"]))
        .where(*_filters(table, months, channel, include_burst, service_ids, center_ids))
        .group_by(table.c.service_id, table.c.month, table.c.score)
    )
    found: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0] * 5))
    for service_id, month, score, n in conn.execute(query):
        _add_score(found[service_id][month], score, int(n))
    return {
        service_id: {month: _as_tuple(counts) for month, counts in sorted(by_month.items())}
        for service_id, by_month in sorted(found.items())
    }


def reason_counts(
    conn: Connection,
    months: Iterable[str],
    *,
    channel: Channels = None,
    include_burst: bool = False,
    service_ids: Iterable[str] | None = None,
    center_ids: Iterable[str] | None = None,
) -> dict[str, dict[str, Counter[str]]]:
    """service_id → band (``low``/``high``) → how often each reason was chosen."""
    table = rollup_reasons
    query = (
        select(table.c.service_id, table.c.band, table.c.reason_id, func.sum(table.c["count"]))
        .where(*_filters(table, months, channel, include_burst, service_ids, center_ids))
        .group_by(table.c.service_id, table.c.band, table.c.reason_id)
    )
    found: dict[str, dict[str, Counter[str]]] = defaultdict(dict)
    for service_id, band, reason_id, n in conn.execute(query):
        found[service_id].setdefault(band, Counter())[reason_id] += int(n)
    return dict(sorted(found.items()))


def hour_table(
    conn: Connection,
    months: Iterable[str],
    *,
    channel: Channels = None,
    include_burst: bool = False,
) -> dict[tuple[int, int], ScoreCounts]:
    """(local weekday 0 = Monday, local hour) → score counts, over every service and center."""
    table = rollup_hours
    query = (
        select(table.c.weekday, table.c.hour, table.c.score, func.sum(table.c["count"]))
        .where(*_filters(table, months, channel, include_burst))
        .group_by(table.c.weekday, table.c.hour, table.c.score)
    )
    cells: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * 5)
    for weekday, hour, score, n in conn.execute(query):
        _add_score(cells[(int(weekday), int(hour))], score, int(n))
    return {cell: _as_tuple(counts) for cell, counts in sorted(cells.items())}


# -- comments ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comment:
    """A comment with its rating, as the pages show it (the text as stored, unmasked)."""

    uuid: str
    """The comment record's uuid (what :func:`moderate` takes)."""
    text: str
    language: str
    score: int
    service_id: str
    center_id: str
    local_time: datetime
    """The rating's local wall-clock time (naive)."""
    burst: bool
    channel: str
    hidden: bool
    moderation_reason: str | None
    moderated_by: int | None
    moderated_by_name: str | None
    moderated_at: datetime | None

    @property
    def reviewed(self) -> bool:
        """Whether staff have moderated it (hidden, or shown again)."""
        return self.moderated_at is not None


@dataclass(frozen=True)
class CommentPage:
    total: int
    """Every comment matching the filters, for paging."""
    comments: list[Comment]


def comments(
    conn: Connection,
    *,
    months: Iterable[str],
    service_ids: Iterable[str] | None = None,
    center_ids: Iterable[str] | None = None,
    scores: Iterable[int] | None = None,
    channel: Channels = None,
    include_hidden: bool = False,
    approved_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> CommentPage:
    """Non-empty comments whose rating falls in ``months`` (local), newest rating first.

    ``include_hidden`` adds the comments staff hid; ``approved_only`` keeps only those staff
    reviewed and left shown (for the public page).
    """
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must not be negative")
    found = rollup_comments
    moderator = users.alias("moderator")
    where: list[ColumnElement[bool]] = [found.c.month.in_(list(months))]
    if service_ids is not None:
        where.append(found.c.service_id.in_(list(service_ids)))
    if center_ids is not None:
        where.append(found.c.center_id.in_(list(center_ids)))
    if scores is not None:
        where.append(found.c.score.in_(list(scores)))
    by_channel = _channel_filter(found.c.channel, channel)
    if by_channel is not None:
        where.append(by_channel)
    if approved_only:
        where.append(comment_moderation.c.hidden == 0)
    elif not include_hidden:
        where.append(or_(comment_moderation.c.hidden.is_(None), comment_moderation.c.hidden == 0))
    moderated = found.outerjoin(
        comment_moderation, comment_moderation.c.record_uuid == found.c.record_uuid
    )
    total = conn.execute(select(func.count()).select_from(moderated).where(*where)).scalar_one()
    # The page's ids first, from the roll-up alone; only those rows are then joined to their
    # text, so the cost follows the page, not the period's count of comments.
    page_ids = (
        select(found.c.record_id, found.c.rated_at)
        .select_from(moderated)
        .where(*where)
        .order_by(found.c.rated_at.desc(), found.c.record_id.desc())
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    query: Select[Any] = (
        select(
            found.c.record_uuid,
            records.c.comment,
            records.c.language,
            found.c.score,
            found.c.service_id,
            found.c.center_id,
            found.c.rated_at,
            found.c.utc_offset_min,
            found.c.burst,
            found.c.channel,
            comment_moderation.c.hidden,
            comment_moderation.c.reason,
            comment_moderation.c.user_id,
            comment_moderation.c.at,
            moderator.c.name.label("moderator_name"),
        )
        .select_from(
            page_ids.join(found, found.c.record_id == page_ids.c.record_id)
            .join(records, records.c.id == found.c.record_id)
            .outerjoin(comment_moderation, comment_moderation.c.record_uuid == found.c.record_uuid)
            .outerjoin(moderator, moderator.c.id == comment_moderation.c.user_id)
        )
        .order_by(page_ids.c.rated_at.desc(), page_ids.c.record_id.desc())
    )
    rows = conn.execute(query).all() if total > offset else []
    page = [
        Comment(
            uuid=row.record_uuid,
            text=row.comment,
            language=row.language,
            score=int(row.score),
            service_id=row.service_id,
            center_id=row.center_id,
            local_time=_wall_clock(row.rated_at, row.utc_offset_min),
            burst=bool(row.burst),
            channel=row.channel,
            hidden=bool(row.hidden),
            moderation_reason=row.reason,
            moderated_by=row.user_id,
            moderated_by_name=row.moderator_name,
            moderated_at=row.at,
        )
        for row in rows
    ]
    return CommentPage(int(total), page)


def _wall_clock(rated_at: datetime, utc_offset_min: int) -> datetime:
    """The rating's local time (naive), as :func:`server.results.periods.local_time` gives it."""
    return rated_at.astimezone(UTC).replace(tzinfo=None) + timedelta(minutes=utc_offset_min)


def moderate(
    conn: Connection,
    record_uuid: str,
    hidden: bool,
    reason: str,
    user_id: int,
    *,
    at: datetime | None = None,
) -> None:
    """Hide a comment (or show it again), in the caller's transaction, and log it.

    :class:`ModerationError` for a uuid no record has, or a record that is not a comment.
    """
    kind = conn.execute(select(records.c.kind).where(records.c.uuid == record_uuid)).scalar()
    if kind is None:
        raise ModerationError(f"there is no record {record_uuid!r}")
    if kind != Kind.COMMENT:
        raise ModerationError(f"record {record_uuid!r} is a {kind} record, not a comment")
    when = at or utc_now()
    before = conn.execute(
        select(comment_moderation.c.hidden).where(comment_moderation.c.record_uuid == record_uuid)
    ).scalar()
    values = {"hidden": int(hidden), "reason": reason, "user_id": user_id, "at": when}
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        insert(comment_moderation)
        .values(record_uuid=record_uuid, **values)
        .on_conflict_do_update(index_elements=[comment_moderation.c.record_uuid], set_=values)
    )
    detail = {
        "record_uuid": record_uuid,
        "hidden": hidden,
        "reason": reason,
        "was_hidden": None if before is None else bool(before),
    }
    audit(conn, user_id, HIDE_ACTION if hidden else SHOW_ACTION, detail, at=when)
    log.info("comment %s %s by user %d", record_uuid, "hidden" if hidden else "shown", user_id)


# -- the raw download -------------------------------------------------------------------------


def raw_ratings(
    engine: Engine,
    months: Iterable[str],
    *,
    channel: Channels = None,
    include_burst: bool = True,
    service_ids: Iterable[str] | None = None,
    center_ids: Iterable[str] | None = None,
) -> Generator[dict[str, Any], None, None]:
    """Every rating of ``months`` (local), anonymous, one dict each:

    ``service_id``, ``center_id``, ``date`` (local ``YYYY-MM-DD``), ``hour`` (local, 0–23),
    ``score``, ``reasons`` (ids, in the order chosen), ``language``, ``channel``, ``burst``.

    Sorted by local hour, center, service and score; read through a server-side cursor
    (``stream_results``/``yield_per``), so only a few rows are in memory at a time. Consume it
    fully or close it: it holds a connection while open.
    """
    month_list = list(months)
    with engine.connect() as conn:
        conn.execution_options(read_only=True, stream_results=True, yield_per=STREAM_ROWS)
        query = _raw_query(
            conn.dialect.name, month_list, channel, include_burst, service_ids, center_ids
        )
        current: dict[str, Any] | None = None
        current_id = None
        result = conn.execute(query)
        try:  # closed even when the caller stops early: it holds a server-side cursor
            for row in result:
                if row.id != current_id:
                    if current is not None:
                        yield current
                    current_id = row.id
                    current = _raw_row(row)
                if row.child_reasons is not None and current is not None:
                    current["reasons"].extend(json.loads(row.child_reasons))
        finally:
            result.close()
        if current is not None:
            yield current


def _raw_query(
    dialect: str,
    months: list[str],
    channel: Channels,
    include_burst: bool,
    service_ids: Iterable[str] | None,
    center_ids: Iterable[str] | None,
) -> Select[Any]:
    rating = records.alias("rating")
    child = records.alias("child")
    hour = local_hour_sql(dialect, rating.c.created_at, rating.c.utc_offset_min)
    query = (
        select(
            rating.c.id,
            rating.c.service_id,
            rating.c.center_id,
            rating.c.score,
            rating.c.language,
            rating.c.channel,
            rating.c.flags,
            rating.c.created_at,
            rating.c.utc_offset_min,
            child.c.reasons.label("child_reasons"),
        )
        .select_from(
            rating.outerjoin(
                child,
                and_(
                    child.c.rating_uuid == rating.c.uuid,
                    child.c.kind == Kind.REASONS,
                    # Same device; "|| ''" keeps SQLite from looking reasons up by device
                    # (the (device_id, seq) index) instead of by rating_uuid.
                    child.c.device_id.concat("") == rating.c.device_id,
                ),
            )
        )
        .where(
            rating.c.kind == Kind.RATING,
            local_month_sql(dialect, rating.c.created_at, rating.c.utc_offset_min).in_(months),
        )
        .order_by(
            hour,
            rating.c.center_id,
            rating.c.service_id,
            rating.c.score,
            rating.c.id,
            child.c.id,
        )
    )
    by_channel = _channel_filter(rating.c.channel, channel)
    if by_channel is not None:
        query = query.where(by_channel)
    if not include_burst:
        for flag in sorted(HELD_APART):
            query = query.where(~rating.c.flags.contains(f'"{flag}"'))
    if service_ids is not None:
        query = query.where(rating.c.service_id.in_(list(service_ids)))
    if center_ids is not None:
        query = query.where(rating.c.center_id.in_(list(center_ids)))
    return query


def _raw_row(row: Any) -> dict[str, Any]:
    moment = local_time(row.created_at, row.utc_offset_min)
    flags = json.loads(row.flags)
    return {
        "service_id": row.service_id,
        "center_id": row.center_id,
        "date": moment.date().isoformat(),
        "hour": moment.hour,
        "score": int(row.score),
        "reasons": [],
        "language": row.language,
        "channel": row.channel,
        "burst": Flag.BURST in flags,
        "unverified": Flag.UNVERIFIED in flags,
    }
