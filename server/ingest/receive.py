"""Storing the records of one sender received together, once each, inside the caller's
transaction.

Nothing lost, nothing counted twice:
- The records that pass their own checks (:mod:`server.ingest.reading`) go in with one
  multi-row ``INSERT … ON CONFLICT DO NOTHING … RETURNING`` against the UNIQUE constraints
  (``uuid``; ``(device_id, seq)``). The rows are inserted in the order received, each skipped
  when it collides with a stored row or an earlier row of the same statement, exactly as if
  each had been inserted alone; ``RETURNING`` names the rows that went in. A stored record is
  never overwritten.
- Every other record is then compared with what is stored under its uuid, as it stood when
  that record's turn came: the same hash is a ``duplicate`` (a success for the kiosk),
  another is a ``conflict``. What the database holds decides, never an earlier read, so a
  record another transaction stored a moment before is found too.
- Refused records go to ``rejected_records`` with the reason and their raw JSON, for staff; a
  fingerprint keeps a replayed batch from adding them twice.
- The sender's kiosk row is locked first, so two transactions receiving records of one kiosk
  (two server processes, or an upload and an import) are judged one after the other; the
  constraints hold even without the lock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from common.protocol import DUPLICATE, REASON_CONFLICT, REJECTED, STORED
from common.records import MAX_SEQ, Channel
from server.db import (
    insert_ignore,
    insert_new_rows,
    kiosks,
    records,
    rejected_records,
    wire_columns,
)
from server.ingest.chain import Link, advance_chain, check_links, has_breaks
from server.ingest.reading import Catalogs, Reading, Refusal, read_record

UUID_TAKEN = "A different record with this uuid is already stored."


def seq_taken(seq: int) -> str:
    return f"Another record is already stored as seq {seq} of this device."


class Sender(Protocol):
    """Whose records these are: an authenticated kiosk, or the kiosk an export file came from."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def center_id(self) -> str: ...
    @property
    def device_id(self) -> str: ...


RecordStatus = Literal["stored", "duplicate", "rejected"]
"""``common.protocol``'s STORED, DUPLICATE and REJECTED."""


@dataclass
class Outcome:
    uuid: str | None
    status: str
    reason: str | None = None
    message: str | None = None


@dataclass
class Received:
    """What became of records received together, and the sender's chain afterwards."""

    outcomes: list[Outcome]
    high_water_mark: int
    missing: list[tuple[int, int]]
    intact: bool

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def reasons(self) -> dict[str, int]:
        """How many records were rejected for each reason."""
        out: dict[str, int] = {}
        for outcome in self.outcomes:
            if outcome.status == REJECTED and outcome.reason:
                out[outcome.reason] = out.get(outcome.reason, 0) + 1
        return out


def lock_sender(conn: Connection, sender_id: int) -> Row[*tuple[Any, ...]]:
    """Hold the sender's kiosk row until the transaction ends (PostgreSQL: ``FOR UPDATE``;
    SQLite's ``BEGIN IMMEDIATE`` already lets one writer in at a time); its ``status`` and
    ``public_key`` as they stand under the lock."""
    return conn.execute(
        select(kiosks.c.status, kiosks.c.public_key)
        .where(kiosks.c.id == sender_id)
        .with_for_update()
    ).one()


def receive_records(
    conn: Connection,
    sender: Sender,
    raws: Sequence[Any],
    batch_id: str,
    now: datetime,
    *,
    center_id: str | None = None,
    channel: Channel = Channel.KIOSK,
) -> Received:
    """Judge and store records of one sender inside the caller's transaction.

    The only way records enter the database (uploads, imported export files and the web
    channel's answers alike), so all follow the same rules, dedupe against each other and
    keep one chain per device. ``center_id``: the only center records may name (an upload:
    the kiosk's own); None lets them name any (an import, where staff chose where the file's
    kiosk belongs). ``channel``: how the records reached the server.
    """
    lock_sender(conn, sender.id)
    readings = read_records(conn, sender, raws, center_id)
    return store_readings(conn, sender, readings, batch_id, now, channel)


def read_records(
    conn: Connection, sender: Sender, raws: Sequence[Any], center_id: str | None
) -> list[Reading]:
    """Each item judged on its own (no write, no lock: an upload does this before its write
    transaction, so SQLite's write lock is not held while records are validated and hashed)."""
    catalogs = Catalogs(conn, sender.center_id)
    return [read_record(raw, sender.device_id, center_id, catalogs) for raw in raws]


def store_readings(
    conn: Connection,
    sender: Sender,
    readings: list[Reading],
    batch_id: str,
    now: datetime,
    channel: Channel = Channel.KIOSK,
) -> Received:
    """Store what :func:`read_records` found acceptable and answer for every item; the caller
    has locked the sender (:func:`lock_sender`) in this transaction."""
    inserted = _insert(conn, sender, readings, batch_id, now, channel)
    outcomes = _settle(conn, readings, inserted)
    _keep_rejected(conn, sender, readings, outcomes, batch_id, now)
    new: dict[int, Link] = {}
    for index in inserted.values():
        wire = readings[index].wire
        assert wire is not None
        new[wire["seq"]] = Link(wire["prev_hash"], wire["hash"])
    check_links(conn, sender.device_id, new, now)
    high_water_mark, missing = advance_chain(conn, sender, now)
    intact = not has_breaks(conn, sender.device_id)
    return Received(outcomes, high_water_mark, missing, intact)


def _insert(
    conn: Connection,
    sender: Sender,
    readings: list[Reading],
    batch_id: str,
    now: datetime,
    channel: Channel,
) -> dict[str, int]:
    """Insert every record that passed its checks; {uuid: index} of those that went in."""
    candidates = [i for i, r in enumerate(readings) if r.wire is not None and r.refusal is None]
    shared = {
        "channel": channel.value, "kiosk_id": sender.id, "batch_id": batch_id, "received_at": now
    }  # fmt: skip
    rows = []
    for index in candidates:
        wire = readings[index].wire
        assert wire is not None
        rows.append(wire_columns(wire))
    returned = {
        (row.uuid, row.hash)
        for row in insert_new_rows(
            conn, records, rows, records.c.uuid, records.c.hash, shared=shared
        )
    }
    inserted: dict[str, int] = {}
    for index in candidates:
        wire = readings[index].wire
        assert wire is not None
        if (wire["uuid"], wire["hash"]) in returned and wire["uuid"] not in inserted:
            inserted[wire["uuid"]] = index  # the first of identical records went in
    return inserted


def _settle(conn: Connection, readings: list[Reading], inserted: dict[str, int]) -> list[Outcome]:
    """Each item's outcome, in order; those not inserted are judged by what is stored."""
    stored_indexes = set(inserted.values())
    asked = [
        r.wire["uuid"]
        for i, r in enumerate(readings)
        if r.wire is not None and i not in stored_indexes
    ]
    stored = _stored_hashes(conn, asked)
    outcomes: list[Outcome] = []
    for index, reading in enumerate(readings):
        wire = reading.wire
        if index in stored_indexes:
            outcomes.append(Outcome(reading.uuid, STORED))
            continue
        if wire is None:
            assert reading.refusal is not None
            outcomes.append(_rejected(reading.uuid, reading.refusal))
            continue
        # What was stored under the uuid when this record's turn came: not a row this batch
        # inserted after it.
        stored_hash = stored.get(wire["uuid"])
        if inserted.get(wire["uuid"], -1) > index:
            stored_hash = None
        if stored_hash == wire["hash"]:
            outcomes.append(Outcome(reading.uuid, DUPLICATE))
        elif reading.refusal is not None:
            outcomes.append(_rejected(reading.uuid, reading.refusal))
        elif stored_hash is not None:
            outcomes.append(_rejected(reading.uuid, (REASON_CONFLICT, UUID_TAKEN)))
        else:
            outcomes.append(_rejected(reading.uuid, (REASON_CONFLICT, seq_taken(wire["seq"]))))
    return outcomes


def _rejected(uuid: str | None, refusal: Refusal) -> Outcome:
    return Outcome(uuid, REJECTED, *refusal)


def _stored_hashes(conn: Connection, uuids: list[str]) -> dict[str, str]:
    if not uuids:
        return {}
    rows = conn.execute(
        select(records.c.uuid, records.c.hash).where(records.c.uuid.in_(sorted(set(uuids))))
    )
    return {row.uuid: row.hash for row in rows}


def _keep_rejected(
    conn: Connection,
    sender: Sender,
    readings: list[Reading],
    outcomes: list[Outcome],
    batch_id: str,
    now: datetime,
) -> None:
    """Keep every refused item for staff, once per reason and content."""
    rows = [
        _rejected_row(sender, reading.raw, batch_id, outcome.reason, outcome.message, now)
        for reading, outcome in zip(readings, outcomes, strict=True)
        if outcome.status == REJECTED and outcome.reason and outcome.message
    ]
    if rows:
        conn.execute(insert_ignore(rejected_records, conn.dialect.name), rows)


def _rejected_row(
    sender: Sender,
    raw: Any,
    batch_id: str,
    reason: str,
    message: str,
    now: datetime,
) -> dict[str, Any]:
    raw_json = json.dumps(raw, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    try:
        raw_json.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: keep them as \u escapes
        raw_json = json.dumps(raw, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    fingerprint = hashlib.sha256(f"{reason}\n{raw_json}".encode()).hexdigest()
    seq = None
    uuid_value = None
    if isinstance(raw, dict):
        candidate = raw.get("seq")
        # Only a seq the chain could hold counts (and fits the BIGINT column).
        if (
            raw.get("device_id") == sender.device_id
            and type(candidate) is int
            and 1 <= candidate <= MAX_SEQ
        ):
            seq = candidate
        candidate_uuid = raw.get("uuid")
        if isinstance(candidate_uuid, str) and candidate_uuid.isprintable():
            uuid_value = candidate_uuid[:200]
    return {
        "kiosk_id": sender.id,
        "device_id": sender.device_id,
        "batch_id": batch_id,
        "uuid": uuid_value,
        "seq": seq,
        "reason": reason,
        "message": message,
        "raw": raw_json,
        "fingerprint": fingerprint,
        "received_at": now,
    }
