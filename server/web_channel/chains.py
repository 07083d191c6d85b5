"""The web channel's hash chains: one per (channel, center), each written by the server as if
it were a kiosk of its own.

Each chain is a row in ``kiosks`` with status ``web`` and the name ``<channel>@<center_id>``
(made on first use), a device id of its own and the server's web signing key as its public
key. An answer's records are appended with consecutive ``seq``, ``prev_hash`` and hash
(``common.records``) through :func:`server.batches.receive_records`, the same checks every
kiosk record passes, and the chain's new head is signed and kept as a ``batches`` row whose
``batch_id`` is the answer's form-token nonce: a second submission of that form finds the row
and stores nothing. So chains, chain breaks, snapshots and exports cover web records too.

Appends to one chain are serialised: the chain's ``kiosks`` row is locked (``SELECT … FOR
UPDATE`` on PostgreSQL; SQLite writers take turns on ``BEGIN IMMEDIATE``) before its head is
read, so concurrent answers from several workers never fork a chain.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.engine import Connection

from common.protocol import STORED, head_message, sign
from common.records import GENESIS_HASH, Channel, Record, format_utc, record_hash
from server.batches import receive_records
from server.db import batches, insert_ignore, kiosks, records, utc_now
from server.web_channel.names import WEB_CHANNELS, WEB_STATUS, chain_name


class ChainError(RuntimeError):
    """A web chain cannot be written (its name is taken by a kiosk, or a record was refused)."""


@dataclass(frozen=True)
class WebChain:
    """A web chain, shaped like :class:`server.batches.Sender`."""

    id: int
    name: str
    center_id: str
    device_id: str
    channel: Channel


def chain_for(conn: Connection, public_key: str, channel: Channel, center_id: str) -> WebChain:
    """The chain of ``channel`` at ``center_id``, made (with the web signing key's
    ``public_key``) if it does not exist yet, and locked for the rest of the caller's
    transaction."""
    if channel not in WEB_CHANNELS:
        raise ValueError(f"{channel} is not a web channel")
    name = chain_name(channel, center_id)
    locked = (
        select(kiosks.c.id, kiosks.c.status, kiosks.c.device_id, kiosks.c.center_id)
        .where(kiosks.c.name == name)
        .with_for_update()
    )
    row = conn.execute(locked).first()
    if row is None:
        conn.execute(
            insert_ignore(kiosks, conn.dialect.name).values(
                name=name,
                center_id=center_id,
                status=WEB_STATUS,
                device_id=str(uuid.uuid4()),
                public_key=public_key,
                created_at=utc_now(),
            )
        )
        row = conn.execute(locked).one()
    if row.status != WEB_STATUS or row.center_id != center_id:
        raise ChainError(f"the kiosk name {name!r} is taken by a kiosk; web answers need it")
    return WebChain(int(row.id), name, center_id, str(row.device_id), channel)


@dataclass(frozen=True)
class Draft:
    """One record of an answer before the chain gives it its place."""

    kind: str
    rating_uuid: str | None
    """None for a rating (it is its own uuid)."""
    service_id: str
    catalog_version: str
    language: str
    score: int | None = None
    reasons: tuple[str, ...] = ()
    comment: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Appended:
    """What became of one answer's records: ``new`` is False when the nonce was seen before
    (nothing was stored this time); ``records`` are the stored ones either way."""

    new: bool
    records: tuple[Record, ...]


def stored_answer(conn: Connection, chain: WebChain, nonce: str) -> tuple[Record, ...] | None:
    """The records an earlier submission of this nonce stored, or None when there was none."""
    seen = conn.execute(
        select(batches.c.id).where(
            batches.c.device_id == chain.device_id, batches.c.batch_id == nonce
        )
    ).first()
    if seen is None:
        return None
    rows = conn.execute(
        select(records)
        .where(records.c.device_id == chain.device_id, records.c.batch_id == nonce)
        .order_by(records.c.seq)
    ).mappings()
    return tuple(
        Record.from_wire(
            {**row, "reasons": json.loads(row["reasons"]), "flags": json.loads(row["flags"])}
        )
        for row in rows
    )


def append(
    conn: Connection,
    signing: Ed25519PrivateKey,
    chain: WebChain,
    nonce: str,
    drafts: list[Draft],
    now: datetime,
    utc_offset_min: int,
) -> Appended:
    """Append an answer's records to the locked chain in the caller's transaction, once per
    ``nonce``; ``ChainError`` (and nothing kept, once the caller rolls back) if the checks
    refuse a record."""
    earlier = stored_answer(conn, chain, nonce)
    if earlier is not None:
        return Appended(False, earlier)
    head = conn.execute(
        select(records.c.seq, records.c.hash)
        .where(records.c.device_id == chain.device_id)
        .order_by(records.c.seq.desc())
        .limit(1)
    ).first()
    seq, prev_hash = (int(head.seq), str(head.hash)) if head is not None else (0, GENESIS_HASH)
    made: list[Record] = []
    created_at = format_utc(now)
    for draft in drafts:
        seq += 1
        record_uuid = str(uuid.uuid4())
        record = Record(
            uuid=record_uuid,
            seq=seq,
            kind=draft.kind,
            rating_uuid=draft.rating_uuid or record_uuid,
            device_id=chain.device_id,
            center_id=chain.center_id,
            service_id=draft.service_id,
            catalog_version=draft.catalog_version,
            score=draft.score,
            reasons=draft.reasons,
            comment=draft.comment,
            language=draft.language,
            created_at=created_at,
            utc_offset_min=utc_offset_min,
            flags=draft.flags,
            prev_hash=prev_hash,
        )
        record = replace(record, hash=record_hash(record.to_wire()))
        prev_hash = record.hash
        made.append(record)
    wires = [record.to_wire() for record in made]
    received = receive_records(
        conn, chain, wires, nonce, now, center_id=chain.center_id, channel=chain.channel
    )
    refused = [o for o in received.outcomes if o.status != STORED]
    if refused:
        raise ChainError(f"web record refused: {refused[0].reason}: {refused[0].message}")
    signature = sign(signing, head_message(chain.device_id, seq, prev_hash))
    content = json.dumps(
        {"head": [seq, prev_hash], "records": wires}, sort_keys=True, separators=(",", ":")
    )
    conn.execute(
        batches.insert().values(
            device_id=chain.device_id,
            batch_id=nonce,
            kiosk_id=chain.id,
            received_at=now,
            last_received_at=now,
            times_received=1,
            record_count=len(made),
            stored=len(made),
            duplicate=0,
            rejected=0,
            head_seq=seq,
            head_hash=prev_hash,
            head_signature=signature,
            content_sha256=hashlib.sha256(content.encode("ascii")).hexdigest(),
        )
    )
    return Appended(True, tuple(made))
