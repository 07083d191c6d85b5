"""Uploaded batches: the envelope, its idempotency key, and the answer after commit.

The records themselves are judged and stored by :func:`server.ingest.receive_records`, the
path imports and the web channel share (see :mod:`server.ingest` for the rules: stored once,
never overwritten, refused records kept, the chain and its high-water mark).

- A batch's records are read and checked (validated, hashed, judged by the catalogs) before
  its write transaction begins, so the write lock - SQLite's for the whole database,
  PostgreSQL's on the kiosk row - is held only for the few statements that store the batch.
- The kiosk's row is locked for the whole write transaction, so two batches of one kiosk (or
  one batch sent twice at once, to two server processes) are stored one after the other.
- The answer is built only after the transaction commits.
- A batch id names one body: a batch needs an ``Idempotency-Key`` (equal to its id), and a
  replay whose content differs from the first is refused (409), not merged.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, func, select, update
from sqlalchemy.engine import Connection

from common.messages import (
    BatchEnvelope,
    SyncStateResponse,
    first_error,
)
from common.protocol import (
    DUPLICATE,
    HEADER_IDEMPOTENCY,
    MAX_BATCH_RECORDS,
    REJECTED,
    STORED,
    head_message,
    verify,
)
from server.auth import Kiosk, authenticate_on, decode_content, parse_json_object
from server.db import batches, chains, insert_new, utc_now
from server.errors import ApiError
from server.ingest import Received, RecordStatus, Sender, receive_records
from server.ingest.chain import gaps, gaps_between, received_above
from server.ingest.reading import policy_problem
from server.ingest.receive import lock_sender, read_records, store_readings

# The names callers and tests have known these by.
_gaps = gaps
_policy_problem = policy_problem
__all__ = [
    "Received",
    "RecordStatus",
    "Sender",
    "batch_answer",
    "content_hash",
    "parse_envelope",
    "receive_batch",
    "receive_records",
    "require_idempotency_key",
    "sync_state",
    "take_batch",
]

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


def take_batch(
    engine: Engine, method: str, path: str, headers: dict[str, str], raw: bytes
) -> bytes:
    """One upload from its raw request to its answer's JSON bytes, on one pooled connection.

    The checks come in the documented order: the signature (401), the body's encoding
    (415/400/413), the idempotency key, the JSON and the envelope (400/413), the head
    signature; then the batch is stored. ``headers``: the request's, with lower-case names.
    """
    with engine.connect() as conn:
        kiosk = authenticate_on(conn, method, path, headers, raw)
        body = decode_content(headers.get("content-encoding"), raw)
        key = require_idempotency_key(headers.get(HEADER_IDEMPOTENCY.lower()))
        envelope = parse_envelope(parse_json_object(body), kiosk, key)
        received = receive_batch(conn, kiosk, envelope)
    return batch_answer(envelope.batch_id, received)


def receive_batch(conn: Connection, kiosk: Kiosk, envelope: BatchEnvelope) -> Received:
    """Judge and store every record of the batch in one transaction on ``conn``; returns once
    it has committed. A read-only transaction ``conn`` holds (authentication's) is used for
    the checks and then ended."""
    conn.execution_options(read_only=True)
    readings = read_records(conn, kiosk, envelope.records, kiosk.center_id)
    content = content_hash(envelope, [reading.canonical for reading in readings])
    conn.rollback()  # the reads end here; one connection serves both transactions
    conn.execution_options(read_only=False)
    with conn.begin():
        # Lock the kiosk first, so a replay is compared with its batch after that committed,
        # and date the batch only then: see _hold_key.
        _hold_key(conn, kiosk)
        now = utc_now()
        _refuse_other_content(conn, kiosk, envelope, content)
        received = store_readings(conn, kiosk, readings, envelope.batch_id, now)
        _note_batch(conn, kiosk, envelope, received, content, now)
    log.info(
        "batch %s from %s: %d stored, %d duplicate, %d rejected; mark %d",
        envelope.batch_id,
        kiosk.name,
        received.count(STORED),
        received.count(DUPLICATE),
        received.count(REJECTED),
        received.high_water_mark,
    )
    return received


def _hold_key(conn: Connection, kiosk: Kiosk) -> None:
    """Lock the kiosk's row and refuse the batch (401) unless the key that verified the request
    is still the kiosk's.

    A new enrollment or a revocation locks the same row, so it either committed before this
    (and the batch is refused: the kiosk sends it again with its new key) or waits until the
    batch is stored. Every stored batch is thus dated while its key was in force, which the
    audit relies on (docs/audit.md, "Which key").
    """
    row = lock_sender(conn, kiosk.id)
    if row.status == "revoked":
        raise ApiError(401, "revoked", "This kiosk was revoked while the batch was on its way.")
    if row.status != "active" or row.public_key != kiosk.public_key:
        raise ApiError(
            401,
            "bad_signature",
            "This kiosk was enrolled again with another key while the batch was on its way; "
            "the key that signed it is no longer the kiosk's.",
        )


def batch_answer(batch_id: str, received: Received) -> bytes:
    """The 200 answer's JSON: :class:`~common.messages.BatchResponse`'s fields in its order,
    written straight from the outcomes (500 answer models, then checking them against the
    route's model, cost more than storing the batch's rows)."""
    answer = {
        "batch_id": batch_id,
        "results": [
            {"uuid": o.uuid, "status": o.status, "reason": o.reason, "message": o.message}
            for o in received.outcomes
        ],
        "high_water_mark": received.high_water_mark,
        "chain": {"intact": received.intact, "missing": received.missing},
    }
    return _ANSWER_JSON.encode(answer).encode("utf-8")


_ANSWER_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
"""How the server writes JSON answers (Starlette's ``JSONResponse`` settings)."""


def sync_state(engine: Engine, kiosk: Kiosk, server_time: int) -> SyncStateResponse:
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        mark = conn.execute(
            select(func.coalesce(func.max(chains.c.high_water_mark), 0)).where(
                chains.c.device_id == kiosk.device_id
            )
        ).scalar_one()
        _mark, missing = gaps_between(int(mark), received_above(conn, kiosk.device_id, int(mark)))
    return SyncStateResponse(high_water_mark=int(mark), server_time=server_time, missing=missing)


def content_hash(envelope: BatchEnvelope, canonical: Sequence[bytes | None] = ()) -> str:
    """SHA-256 of what a batch carries: its records as received and its head.

    The head signature is left out, so a kiosk that re-enrolled with a new key can still
    resend its in-flight batch under the same id. What is hashed is ``json.dumps({"head": …,
    "records": …}, sort_keys=True, separators=(",", ":"), ensure_ascii=True)``; batches
    stored keep the hash, so it never changes. ``canonical``: each record's canonical JSON
    when its reading has it (:attr:`server.ingest.reading.Reading.canonical`), which spares
    encoding the records a second time (:func:`_records_json`).
    """
    head = _CONTENT_JSON.encode(envelope.head.model_dump()).encode("ascii")
    records = None
    if len(canonical) == len(envelope.records):
        records = _records_json(envelope.records, canonical)
    if records is None:
        records = _CONTENT_JSON.encode(envelope.records).encode("ascii")
    return hashlib.sha256(b'{"head":' + head + b',"records":' + records + b"}").hexdigest()


def _records_json(raws: Sequence[Any], canonical: Sequence[bytes | None]) -> bytes | None:
    """The records' part of :func:`content_hash` from their canonical JSON, or None when a
    record has none or holds a character that ``ensure_ascii`` would write otherwise.

    A record whose reading has its canonical JSON is a dict of exactly the record's fields,
    as validated; its JSON with sorted keys is the canonical JSON with ``hash`` (64 hex
    digits) put back between ``flags`` and ``kind``, just before the first ``,"kind":``
    (which no text can hold, since a quote inside a JSON string is written with a backslash).
    Only printable ASCII (U+0020 to U+007E) is written alike with and without
    ``ensure_ascii``; the canonical JSON escapes the controls below it the same way.
    """
    parts = []
    for raw, text in zip(raws, canonical, strict=True):
        if text is None or not text.isascii() or b"\x7f" in text:
            return None
        at = text.index(b',"kind":')
        parts.append(b'%s,"hash":"%s"%s' % (text[:at], raw["hash"].encode("ascii"), text[at:]))
    return b"[" + b",".join(parts) + b"]"


_CONTENT_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)
"""The encoding :func:`content_hash` hashes; batches stored keep the hash, so it never changes."""


def _refuse_other_content(
    conn: Connection, kiosk: Kiosk, envelope: BatchEnvelope, content: str
) -> None:
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
        same = row.content_sha256 == content
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
    content: str,
    now: datetime,
) -> None:
    """Keep the batch for audit; a replay only bumps its counter, never the counts."""
    head = envelope.head
    if not keep_batch(
        conn,
        kiosk,
        envelope.batch_id,
        (head.seq, head.hash, envelope.head_signature),
        received,
        now,
        content,
    ):
        conn.execute(
            update(batches)
            .where(batches.c.device_id == kiosk.device_id, batches.c.batch_id == envelope.batch_id)
            .values(times_received=batches.c.times_received + 1, last_received_at=now)
        )


def keep_batch(
    conn: Connection,
    sender: Sender,
    batch_id: str,
    signed_head: tuple[int, str, str],
    received: Received,
    now: datetime,
    content: str | None = None,
) -> bool:
    """The audit row of a batch a kiosk signed (upload or demo data); False if already kept.

    ``signed_head`` is the head's seq, hash and signature; ``content`` the batch's idempotency
    fingerprint (:func:`content_hash`), which only uploads have.
    """
    head_seq, head_hash, head_signature = signed_head
    return insert_new(
        conn,
        batches,
        device_id=sender.device_id,
        batch_id=batch_id,
        kiosk_id=sender.id,
        received_at=now,
        last_received_at=now,
        times_received=1,
        record_count=len(received.outcomes),
        stored=received.count(STORED),
        duplicate=received.count(DUPLICATE),
        rejected=received.count(REJECTED),
        head_seq=head_seq,
        head_hash=head_hash,
        head_signature=head_signature,
        content_sha256=content,
    )
