"""A batch's bytes: records encoded once, the envelope assembled around them, the head signed.

Why by hand rather than ``json.dumps`` of the whole batch: the batcher must know each record's
size to fill a batch up to the body limit, so every record is encoded once while planning and
those bytes are reused in the body. :func:`envelope_overhead` bounds what the envelope adds,
so a planned batch can never come out over the limit. The server's own model
(``common.messages.BatchRequest``) accepts what is built here; a test checks it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common import protocol
from common.records import GENESIS_HASH, Record

_HEAD_SEQ_BOUND = 10**19
_SIGNATURE_CHARS = 88
"""Length of a base64 Ed25519 signature (64 bytes)."""


_RECORD_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
"""How a record is written into a batch body (made once: ``json.dumps`` makes one per call)."""


def encode_record(record: Record) -> bytes:
    """A record's JSON exactly as it goes into a batch body."""
    return _RECORD_JSON.encode(record.to_wire()).encode("utf-8")


def envelope_overhead(batch_id: str, device_id: str) -> int:
    """Upper bound of a batch body's bytes besides the records and the commas between them."""
    return len(
        build_body(
            batch_id,
            device_id,
            [],
            head_seq=_HEAD_SEQ_BOUND,
            head_hash="f" * 64,
            head_signature="A" * _SIGNATURE_CHARS,
        )
    )


def build_body(
    batch_id: str,
    device_id: str,
    encoded_records: list[bytes],
    *,
    head_seq: int,
    head_hash: str,
    head_signature: str,
) -> bytes:
    """The uncompressed batch JSON, assembled from already-encoded records."""

    def dump(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    return b"".join(
        [
            b'{"batch_id":',
            dump(batch_id),
            b',"device_id":',
            dump(device_id),
            b',"records":[',
            b",".join(encoded_records),
            b'],"head":',
            dump({"seq": head_seq, "hash": head_hash}),
            b',"head_signature":',
            dump(head_signature),
            b"}",
        ]
    )


def signed_body(
    key: Ed25519PrivateKey,
    device_id: str,
    batch_id: str,
    records: Sequence[Record],
    encoded: Mapping[str, bytes] | None = None,
) -> bytes:
    """The gzip'd body of a batch, its head (the last record, or genesis when empty) signed.

    ``encoded`` holds encodings made while planning the batch; others are made here.
    """
    cache = encoded or {}
    head_seq, head_hash = (records[-1].seq, records[-1].hash) if records else (0, GENESIS_HASH)
    signature = protocol.sign(key, protocol.head_message(device_id, head_seq, head_hash))
    raw = build_body(
        batch_id,
        device_id,
        [cache.get(r.uuid) or encode_record(r) for r in records],
        head_seq=head_seq,
        head_hash=head_hash,
        head_signature=signature,
    )
    return protocol.gzip_body(raw)
