"""Receiving a batch of records: judge each record, store it once, and track each kiosk's chain.

Uploaded batches and imported export files (``server.imports``) both go through
:func:`receive_records`, so the rules below hold for both and they dedupe against each other.

Nothing lost, nothing counted twice:
- Each record is inserted with ``ON CONFLICT DO NOTHING`` against the UNIQUE constraints
  (``uuid``; ``(device_id, seq)``); when nothing was inserted the stored row is compared, so an
  identical record is a ``duplicate`` (a success for the kiosk) and a different one a
  ``conflict``. A stored record is never overwritten.
- Refused records go to ``rejected_records`` with the reason and their raw JSON, for staff; a
  fingerprint keeps a replayed batch from adding them twice.
- The kiosk's row is locked for the whole batch, so two batches of one kiosk (or one batch sent
  twice at once) are judged one after the other; the constraints hold even without the lock.
- The answer is built only after the transaction commits.
- A batch id names one body: a batch needs an ``Idempotency-Key`` (equal to its id), and a
  replay whose head or record count differs from the first is refused (409), not merged.

What a record may name is the server's to decide, not the kiosk's: its kiosk's center
(``wrong_center``), a service of that center's catalog, and a language and reason ids of the
catalog version the record names (``catalog_versions``; a version the server never had is
judged by the center's current catalog).

The chain: a kiosk's seqs start at 1 and are consecutive. ``high_water_mark`` is the largest N
such that every seq 1..N was received, stored or set aside as rejected (a rejected record is
never sent again, so it must not hold the mark back; it counts only when it names the sender
as its device and a seq from 1 to 2**63-1). ``missing`` lists the gaps below the
highest seq received. A link is checked whenever both neighbours are stored; a broken one is
kept in ``chain_breaks`` and makes ``intact`` false.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, cast

from pydantic import ValidationError
from sqlalchemy import Engine, exists, func, select, union, update
from sqlalchemy.engine import Connection

from common.catalog import LANGUAGES
from common.messages import (
    BatchEnvelope,
    BatchResponse,
    ChainState,
    RecordIn,
    RecordResult,
    SyncStateResponse,
    first_error,
)
from common.protocol import (
    DUPLICATE,
    HEADER_IDEMPOTENCY,
    MAX_BATCH_RECORDS,
    REASON_BAD_HASH,
    REASON_CONFLICT,
    REASON_MALFORMED,
    REASON_SCORE_RANGE,
    REASON_UNKNOWN_LANGUAGE,
    REASON_UNKNOWN_REASON,
    REASON_UNKNOWN_SERVICE,
    REASON_WRONG_CENTER,
    REASON_WRONG_DEVICE,
    REJECTED,
    STORED,
    head_message,
    verify,
)
from common.records import GENESIS_HASH, MAX_SEQ, Channel, Record, record_hash
from server.auth import Kiosk
from server.catalogs import CatalogRules, center_rules, version_rules
from server.db import (
    batches,
    chain_breaks,
    chains,
    insert_ignore,
    insert_new,
    kiosks,
    record_columns,
    records,
    rejected_records,
    utc_now,
)
from server.errors import ApiError

log = logging.getLogger("server.batches")


def require_idempotency_key(value: str | None) -> str:
    """The batch's ``Idempotency-Key`` header, or a 400: without it a retry of a batch whose
    answer was lost could not be told from a new batch."""
    if value is None or not value.strip():
        raise ApiError(
            400,
            "missing_idempotency_key",
            f"A batch must carry the {HEADER_IDEMPOTENCY} header, equal to its batch_id.",
        )
    return value


def parse_envelope(body: dict[str, Any], kiosk: Kiosk, idempotency_key: str) -> BatchEnvelope:
    """The batch envelope, or a whole-batch 400/413 ``ApiError``."""
    records_value = body.get("records")
    if isinstance(records_value, list) and len(records_value) > MAX_BATCH_RECORDS:
        raise ApiError(413, "too_large", f"A batch may hold at most {MAX_BATCH_RECORDS} records.")
    try:
        envelope = BatchEnvelope.model_validate(body)
    except ValidationError as exc:
        raise ApiError(400, "malformed", f"The batch is malformed: {first_error(exc)}") from None
    if envelope.device_id != kiosk.device_id:
        raise ApiError(400, "malformed", "The batch device_id is not the signing device.")
    if idempotency_key != envelope.batch_id:
        raise ApiError(400, "malformed", "The Idempotency-Key header must equal batch_id.")
    message = head_message(kiosk.device_id, envelope.head.seq, envelope.head.hash)
    if not verify(kiosk.public_key, message, envelope.head_signature):
        raise ApiError(400, "bad_head_signature", "The head signature does not verify.")
    return envelope


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
class _Outcome:
    uuid: str | None
    status: str
    reason: str | None = None
    message: str | None = None


@dataclass
class Received:
    """What became of records received together, and the sender's chain afterwards."""

    outcomes: list[_Outcome]
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


class _Catalogs:
    """The catalogs one sender's records are judged by, each looked up once per call."""

    def __init__(self, conn: Connection, center_id: str) -> None:
        self.conn = conn
        self.current = center_rules(conn, center_id)
        self._named: dict[str, CatalogRules | None] = {}

    def named(self, version: str) -> CatalogRules | None:
        """The catalog version the server had under this name, or None."""
        if version not in self._named:
            self._named[version] = version_rules(self.conn, version)
        return self._named[version]


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
    conn.execute(select(kiosks.c.id).where(kiosks.c.id == sender.id).with_for_update())
    judge = _Catalogs(conn, sender.center_id)
    outcomes = [
        _receive_record(conn, sender, raw, center_id, judge, batch_id, now, channel) for raw in raws
    ]
    high_water_mark, missing = _advance_chain(conn, sender, now)
    intact = not _has_breaks(conn, sender.device_id)
    return Received(outcomes, high_water_mark, missing, intact)


def receive_batch(engine: Engine, kiosk: Kiosk, envelope: BatchEnvelope) -> BatchResponse:
    """Judge and store every record of the batch in one transaction; answer after commit."""
    now = utc_now()
    with engine.begin() as conn:
        # Lock the kiosk first, so a replay is compared with its batch after that committed.
        conn.execute(select(kiosks.c.id).where(kiosks.c.id == kiosk.id).with_for_update())
        _refuse_other_content(conn, kiosk, envelope)
        received = receive_records(
            conn, kiosk, envelope.records, envelope.batch_id, now, center_id=kiosk.center_id
        )
        _note_batch(conn, kiosk, envelope, received, now)
    log.info(
        "batch %s from %s: %d stored, %d duplicate, %d rejected; mark %d",
        envelope.batch_id,
        kiosk.name,
        received.count(STORED),
        received.count(DUPLICATE),
        received.count(REJECTED),
        received.high_water_mark,
    )
    return BatchResponse(
        batch_id=envelope.batch_id,
        results=[
            RecordResult(
                uuid=o.uuid, status=cast(RecordStatus, o.status), reason=o.reason, message=o.message
            )
            for o in received.outcomes
        ],
        high_water_mark=received.high_water_mark,
        chain=ChainState(intact=received.intact, missing=received.missing),
    )


def _receive_record(
    conn: Connection,
    kiosk: Sender,
    raw: Any,
    center_id: str | None,
    judge: _Catalogs,
    batch_id: str,
    now: datetime,
    channel: Channel = Channel.KIOSK,
) -> _Outcome:
    uuid_hint = raw.get("uuid") if isinstance(raw, dict) else None
    uuid_hint = uuid_hint if isinstance(uuid_hint, str) and uuid_hint.isprintable() else None

    def reject(reason: str, message: str) -> _Outcome:
        _keep_rejected(conn, kiosk, raw, batch_id, reason, message, now)
        return _Outcome(uuid_hint, REJECTED, reason, message)

    try:
        record = Record.from_wire(RecordIn.model_validate(raw).model_dump())
    except ValidationError as exc:
        return reject(REASON_MALFORMED, f"The record is malformed: {first_error(exc)}")
    if record.device_id != kiosk.device_id:
        return reject(REASON_WRONG_DEVICE, "The record names another device than the sender.")
    if record_hash(record.to_wire()) != record.hash:
        return reject(REASON_BAD_HASH, "The record hash does not match its content.")
    problem = _policy_problem(record, center_id, judge.current, judge.named(record.catalog_version))
    if problem is not None:
        # A record stored before a catalog change (or imported before its kiosk was filed
        # elsewhere) is still a duplicate when it comes again.
        if _stored_hash(conn, record.uuid) == record.hash:
            return _Outcome(record.uuid, DUPLICATE)
        return reject(*problem)
    inserted = insert_new(
        conn,
        records,
        **record_columns(record),
        channel=channel.value,
        kiosk_id=kiosk.id,
        batch_id=batch_id,
        received_at=now,
    )
    if inserted:
        _check_links(conn, record.device_id, record.seq, record.prev_hash, record.hash, now)
        return _Outcome(record.uuid, STORED)
    stored = _stored_hash(conn, record.uuid)
    if stored == record.hash:
        return _Outcome(record.uuid, DUPLICATE)
    if stored is not None:
        return reject(REASON_CONFLICT, "A different record with this uuid is already stored.")
    return reject(
        REASON_CONFLICT,
        f"Another record is already stored as seq {record.seq} of this device.",
    )


def _policy_problem(
    record: Record,
    center_id: str | None,
    current: CatalogRules | None,
    named: CatalogRules | None,
) -> tuple[str, str] | None:
    """(reason, message) when the server refuses a well-formed, correctly hashed record.

    ``center_id`` is the center the sender belongs to (None: any center is accepted);
    ``current`` the rules of that center's catalog (None: it has none, so any service and any
    reason is accepted); ``named`` the rules of the catalog version the record names, or None
    when the server never had that version: then ``current`` judges its language and reasons.
    The checks run in the order ``docs/protocol.md`` lists them.
    """
    if center_id is not None and record.center_id != center_id:
        return (
            REASON_WRONG_CENTER,
            f"The record names center {record.center_id!r}; this kiosk belongs to {center_id!r}.",
        )
    if record.kind == "rating":
        if record.score is None or not 1 <= record.score <= 5:
            return REASON_SCORE_RANGE, "A rating's score must be 1 to 5."
    elif record.score is not None:
        return REASON_SCORE_RANGE, f"A {record.kind} record carries no score."
    if current is not None and record.service_id not in current.services:
        return (
            REASON_UNKNOWN_SERVICE,
            f"Service {record.service_id!r} is not in this center's catalog.",
        )
    catalog = named or current
    languages = catalog.languages if catalog is not None else frozenset(LANGUAGES)
    if record.language not in languages:
        return (
            REASON_UNKNOWN_LANGUAGE,
            f"Language {record.language!r} is not one of the catalog's "
            f"({', '.join(sorted(languages))}).",
        )
    if catalog is not None:
        unknown = [reason for reason in record.reasons if reason not in catalog.reasons]
        if unknown:
            return (
                REASON_UNKNOWN_REASON,
                f"Reason {unknown[0]!r} is not in catalog version {catalog.version!r}.",
            )
    return None


def _stored_hash(conn: Connection, record_uuid: str) -> str | None:
    return conn.execute(select(records.c.hash).where(records.c.uuid == record_uuid)).scalar()


def _keep_rejected(
    conn: Connection,
    kiosk: Sender,
    raw: Any,
    batch_id: str,
    reason: str,
    message: str,
    now: datetime,
) -> None:
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
            raw.get("device_id") == kiosk.device_id
            and type(candidate) is int
            and 1 <= candidate <= MAX_SEQ
        ):
            seq = candidate
        candidate_uuid = raw.get("uuid")
        if isinstance(candidate_uuid, str) and candidate_uuid.isprintable():
            uuid_value = candidate_uuid[:200]
    conn.execute(
        insert_ignore(rejected_records, conn.dialect.name).values(
            kiosk_id=kiosk.id,
            device_id=kiosk.device_id,
            batch_id=batch_id,
            uuid=uuid_value,
            seq=seq,
            reason=reason,
            message=message,
            raw=raw_json,
            fingerprint=fingerprint,
            received_at=now,
        )
    )


def _check_links(
    conn: Connection, device_id: str, seq: int, prev_hash: str, own_hash: str, now: datetime
) -> None:
    """Compare the new record's links with whichever neighbours are stored."""
    if seq == 1:
        if prev_hash != GENESIS_HASH:
            _note_break(conn, device_id, 1, GENESIS_HASH, prev_hash, now)
    else:
        before = conn.execute(
            select(records.c.hash).where(records.c.device_id == device_id, records.c.seq == seq - 1)
        ).scalar()
        if before is not None and before != prev_hash:
            _note_break(conn, device_id, seq, before, prev_hash, now)
    after = conn.execute(
        select(records.c.prev_hash).where(
            records.c.device_id == device_id, records.c.seq == seq + 1
        )
    ).scalar()
    if after is not None and after != own_hash:
        _note_break(conn, device_id, seq + 1, own_hash, after, now)


def _note_break(
    conn: Connection, device_id: str, seq: int, expected: str, actual: str, now: datetime
) -> None:
    log.warning("chain of %s broken at seq %d", device_id, seq)
    conn.execute(
        insert_ignore(chain_breaks, conn.dialect.name).values(
            device_id=device_id,
            seq=seq,
            expected_prev_hash=expected,
            actual_prev_hash=actual,
            detected_at=now,
        )
    )


def _has_breaks(conn: Connection, device_id: str) -> bool:
    return bool(
        conn.execute(select(exists().where(chain_breaks.c.device_id == device_id))).scalar()
    )


def _received_above(conn: Connection, device_id: str, mark: int) -> list[int]:
    """Every seq above ``mark`` received from the device, stored or rejected, ascending."""
    stored = select(records.c.seq.label("seq")).where(
        records.c.device_id == device_id, records.c.seq > mark
    )
    refused = select(rejected_records.c.seq.label("seq")).where(
        rejected_records.c.device_id == device_id,
        rejected_records.c.seq.is_not(None),
        rejected_records.c.seq > mark,
    )
    both = union(stored, refused).subquery()
    return [int(s) for s in conn.execute(select(both.c.seq).order_by(both.c.seq)).scalars()]


def _gaps(mark: int, above: list[int]) -> tuple[int, list[tuple[int, int]]]:
    """(new high-water mark, gaps below the highest seq) from the seqs received above ``mark``."""
    missing: list[tuple[int, int]] = []
    expected = mark + 1
    for seq in above:
        if seq > expected:
            missing.append((expected, seq - 1))
        expected = max(expected, seq + 1)
    new_mark = missing[0][0] - 1 if missing else (above[-1] if above else mark)
    return max(mark, new_mark), missing


def _advance_chain(
    conn: Connection, kiosk: Sender, now: datetime
) -> tuple[int, list[tuple[int, int]]]:
    conn.execute(
        insert_ignore(chains, conn.dialect.name).values(
            device_id=kiosk.device_id, kiosk_id=kiosk.id, high_water_mark=0, max_seq=0,
            updated_at=now,
        )
    )  # fmt: skip
    row = conn.execute(
        select(chains.c.high_water_mark, chains.c.max_seq).where(
            chains.c.device_id == kiosk.device_id
        )
    ).one()
    above = _received_above(conn, kiosk.device_id, row.high_water_mark)
    mark, missing = _gaps(row.high_water_mark, above)
    max_seq = max(row.max_seq, above[-1] if above else 0)
    conn.execute(
        update(chains)
        .where(chains.c.device_id == kiosk.device_id)
        .values(high_water_mark=mark, max_seq=max_seq, kiosk_id=kiosk.id, updated_at=now)
    )
    return mark, missing


def sync_state(engine: Engine, kiosk: Kiosk, server_time: int) -> SyncStateResponse:
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        mark = conn.execute(
            select(func.coalesce(func.max(chains.c.high_water_mark), 0)).where(
                chains.c.device_id == kiosk.device_id
            )
        ).scalar_one()
        _mark, missing = _gaps(int(mark), _received_above(conn, kiosk.device_id, int(mark)))
    return SyncStateResponse(high_water_mark=int(mark), server_time=server_time, missing=missing)


def content_hash(envelope: BatchEnvelope) -> str:
    """SHA-256 of what a batch carries: its records as received and its head.

    The head signature is left out, so a kiosk that re-enrolled with a new key can still
    resend its in-flight batch under the same id.
    """
    content = {"head": envelope.head.model_dump(), "records": envelope.records}
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(encoded.encode("ascii")).hexdigest()


def _refuse_other_content(conn: Connection, kiosk: Kiosk, envelope: BatchEnvelope) -> None:
    """A 409 when this batch id was already received with other content.

    The content hash of the first body must match; a batch received before the hash was
    kept is compared by its head (seq, hash) and record count.
    """
    row = conn.execute(
        select(
            batches.c.head_seq,
            batches.c.head_hash,
            batches.c.record_count,
            batches.c.content_sha256,
        ).where(batches.c.device_id == kiosk.device_id, batches.c.batch_id == envelope.batch_id)
    ).first()
    if row is None:
        return
    if row.content_sha256 is not None:
        same = row.content_sha256 == content_hash(envelope)
    else:
        sent = (envelope.head.seq, envelope.head.hash, len(envelope.records))
        same = (row.head_seq, row.head_hash, row.record_count) == sent
    if not same:
        raise ApiError(
            409,
            "idempotency_conflict",
            f"Batch {envelope.batch_id} was already received with other content; a new batch "
            "needs a new batch_id and Idempotency-Key.",
        )


def _note_batch(
    conn: Connection,
    kiosk: Kiosk,
    envelope: BatchEnvelope,
    received: Received,
    now: datetime,
) -> None:
    """Keep the batch for audit; a replay only bumps its counter, never the counts."""
    inserted = insert_new(
        conn,
        batches,
        device_id=kiosk.device_id,
        batch_id=envelope.batch_id,
        kiosk_id=kiosk.id,
        received_at=now,
        last_received_at=now,
        times_received=1,
        record_count=len(received.outcomes),
        stored=received.count(STORED),
        duplicate=received.count(DUPLICATE),
        rejected=received.count(REJECTED),
        head_seq=envelope.head.seq,
        head_hash=envelope.head.hash,
        head_signature=envelope.head_signature,
        content_sha256=content_hash(envelope),
    )
    if not inserted:
        conn.execute(
            update(batches)
            .where(batches.c.device_id == kiosk.device_id, batches.c.batch_id == envelope.batch_id)
            .values(times_received=batches.c.times_received + 1, last_received_at=now)
        )
