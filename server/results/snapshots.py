"""Published snapshots: a closed period's figures, frozen when they are published.

Why this shape:
- Published numbers never change (``docs/results.md``): a snapshot stores the body the pages
  built (as canonical JSON, with its SHA-256) and is never overwritten; a rating that arrives
  later is not added to it but shown apart by :func:`received_after`.
- A snapshot says what it covers: the highest record id the roll-ups had counted
  (``max_record_id``) and each kiosk's chain head (highest seq and its hash) among those
  records, so anyone holding the records can check which ones were in it.
- The body is built inside the snapshot's transaction, with the roll-ups' watermark held
  (``rollups.watermark(lock=True)``), so no refresh can slip between the figures and the
  ``max_record_id`` stored beside them.
- Only a closed period can be frozen; an open one would go on changing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.engine import Connection

from common.records import Kind
from server.db import insert_new, records, snapshots, utc_now
from server.results import rollups
from server.results.periods import Period, is_closed, local_month_sql

log = logging.getLogger("server.results.snapshots")

BodyBuilder = Callable[[Connection], Any]
"""Builds the published body (JSON-able) from the roll-ups, reading through the connection."""


class SnapshotError(Exception):
    """A snapshot that cannot be taken."""


class PeriodOpen(SnapshotError):
    """The period has not ended yet."""


class SnapshotExists(SnapshotError):
    """The period was already published; a snapshot is never replaced."""


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, non-ASCII kept: the same value always gives the same bytes."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


@dataclass(frozen=True)
class SnapshotInfo:
    """A snapshot without its body (for lists)."""

    period: Period
    taken_at: datetime
    max_record_id: int
    body_sha256: str


@dataclass(frozen=True)
class Snapshot(SnapshotInfo):
    chain_heads: dict[str, tuple[int, str]]
    """device_id → (seq, hash) of its highest record counted."""
    body_json: str
    """The body exactly as stored and hashed."""

    @property
    def body(self) -> Any:
        return json.loads(self.body_json)

    @property
    def intact(self) -> bool:
        """Whether the stored body still has the SHA-256 stored with it."""
        return hashlib.sha256(self.body_json.encode("utf-8")).hexdigest() == self.body_sha256


def take_snapshot(
    engine: Engine,
    period: Period,
    body_builder: BodyBuilder,
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> Snapshot:
    """Freeze ``period``: refresh the roll-ups, build the body and store it with what it covers.

    ``today`` (default: today in UTC) decides whether the period is closed; :class:`PeriodOpen`
    when it is not, :class:`SnapshotExists` when it was already taken.
    """
    taken_at = now or utc_now()
    if not is_closed(period, today or taken_at.astimezone(UTC).date()):
        raise PeriodOpen(f"period {period} has not ended yet; only closed periods are published")
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        if snapshot_info(conn, period) is not None:
            raise SnapshotExists(f"period {period} was already published")
    rollups.refresh(engine)
    with engine.begin() as conn:
        max_record_id = rollups.watermark(conn, lock=True)
        heads = chain_heads(conn, max_record_id)
        body_json = canonical_json(body_builder(conn))
        body_sha256 = hashlib.sha256(body_json.encode("utf-8")).hexdigest()
        heads_json = canonical_json({device: list(head) for device, head in heads.items()})
        stored = insert_new(
            conn,
            snapshots,
            period=str(period),
            taken_at=taken_at,
            max_record_id=max_record_id,
            chain_heads=heads_json,
            body=body_json,
            body_sha256=body_sha256,
        )
        if not stored:
            raise SnapshotExists(f"period {period} was already published")
    log.info("snapshot of %s taken up to record %d", period, max_record_id)
    return Snapshot(period, taken_at, max_record_id, body_sha256, heads, body_json)


def chain_heads(conn: Connection, max_record_id: int) -> dict[str, tuple[int, str]]:
    """device_id → (seq, hash) of each device's highest seq among records up to the id."""
    highest = (
        select(records.c.device_id, func.max(records.c.seq).label("seq"))
        .where(records.c.id <= max_record_id)
        .group_by(records.c.device_id)
        .subquery()
    )
    query = (
        select(records.c.device_id, records.c.seq, records.c.hash)
        .join(
            highest,
            and_(records.c.device_id == highest.c.device_id, records.c.seq == highest.c.seq),
        )
        .order_by(records.c.device_id)
    )
    return {row.device_id: (int(row.seq), row.hash) for row in conn.execute(query)}


def _info(row: Any) -> SnapshotInfo:
    return SnapshotInfo(
        Period.parse(row.period), row.taken_at, int(row.max_record_id), row.body_sha256
    )


def snapshot_info(conn: Connection, period: Period) -> SnapshotInfo | None:
    row = conn.execute(
        select(
            snapshots.c.period,
            snapshots.c.taken_at,
            snapshots.c.max_record_id,
            snapshots.c.body_sha256,
        ).where(snapshots.c.period == str(period))
    ).first()
    return _info(row) if row is not None else None


def snapshot(conn: Connection, period: Period) -> Snapshot | None:
    """The period's snapshot, or None when it was never published."""
    row = conn.execute(select(snapshots).where(snapshots.c.period == str(period))).first()
    if row is None:
        return None
    info = _info(row)
    stored_heads = json.loads(row.chain_heads)
    heads = {device: (int(seq), str(head)) for device, (seq, head) in stored_heads.items()}
    return Snapshot(
        info.period, info.taken_at, info.max_record_id, info.body_sha256, heads, row.body
    )


def list_snapshots(conn: Connection) -> list[SnapshotInfo]:
    """Every published period (without bodies), in ``Period.sort_key`` order."""
    rows = conn.execute(
        select(
            snapshots.c.period,
            snapshots.c.taken_at,
            snapshots.c.max_record_id,
            snapshots.c.body_sha256,
        )
    ).all()
    return sorted((_info(row) for row in rows), key=lambda info: info.period.sort_key())


def received_after(conn: Connection, snapshot: SnapshotInfo) -> int:
    """Ratings of the snapshot's period stored after it (ids above ``max_record_id``), burst
    ones included: "received after publication". Reads only records above that id."""
    month = local_month_sql(conn.dialect.name, records.c.created_at, records.c.utc_offset_min)
    query = select(func.count()).where(
        records.c.id > snapshot.max_record_id,
        records.c.kind == Kind.RATING,
        month.in_(list(snapshot.period.months)),
    )
    return int(conn.execute(query).scalar_one())
