"""The kiosk ↔ municipal server protocol, shared by the sync client and the reference server.

Everything both sides must agree on byte for byte lives here: paths, limits, header names, the
request-signing message and the signed chain-head message. ``docs/protocol.md`` explains it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

API_PREFIX = "/api/v1"
PATH_HEALTH = f"{API_PREFIX}/health"
PATH_ENROLL = f"{API_PREFIX}/enroll"
PATH_BATCHES = f"{API_PREFIX}/batches"
PATH_SYNC_STATE = f"{API_PREFIX}/sync-state"
PATH_CATALOG = f"{API_PREFIX}/catalog"
PATH_HEARTBEAT = f"{API_PREFIX}/heartbeat"

MAX_BATCH_RECORDS = 500
MAX_BODY_BYTES = 1024 * 1024
"""Largest request body accepted, measured after gzip decompression."""
MAX_CLOCK_SKEW_S = 300

HEADER_DEVICE = "X-Kiosk-Device"
HEADER_TIMESTAMP = "X-Kiosk-Timestamp"
HEADER_SIGNATURE = "X-Kiosk-Signature"
HEADER_IDEMPOTENCY = "Idempotency-Key"

# Record outcomes in a batch answer.
STORED = "stored"
DUPLICATE = "duplicate"
REJECTED = "rejected"

# Machine-readable reasons a record is rejected.
REASON_UNKNOWN_SERVICE = "unknown_service"
REASON_SCORE_RANGE = "score_out_of_range"
REASON_MALFORMED = "malformed"
REASON_CONFLICT = "conflict"
REASON_WRONG_DEVICE = "wrong_device"
REASON_BAD_HASH = "bad_hash"


def body_digest(body: bytes) -> str:
    """Hex SHA-256 of the request body exactly as sent (after gzip, if compressed)."""
    return hashlib.sha256(body).hexdigest()


def signing_message(method: str, path: str, timestamp: int, body: bytes) -> bytes:
    """What a kiosk signs for each request: method, path with query, unix time, body hash."""
    return "\n".join([method.upper(), path, str(timestamp), body_digest(body)]).encode("ascii")


def head_message(device_id: str, seq: int, record_hash: str) -> bytes:
    """What a kiosk signs for the chain head a batch reaches; kept by the server for audit."""
    return f"ukukavshiri-head-v1\n{device_id}\n{seq}\n{record_hash}".encode("ascii")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def public_key_b64(private_key: Ed25519PrivateKey) -> str:
    """The raw 32-byte Ed25519 public key, base64: the form sent at enrollment."""
    from cryptography.hazmat.primitives import serialization

    raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return b64(raw)


def sign(private_key: Ed25519PrivateKey, message: bytes) -> str:
    return b64(private_key.sign(message))


def verify(public_key_b64_text: str, message: bytes, signature_b64: str) -> bool:
    """True when ``signature_b64`` is the key's valid signature of ``message``."""
    try:
        key = Ed25519PublicKey.from_public_bytes(unb64(public_key_b64_text))
        key.verify(unb64(signature_b64), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def signed_headers(
    private_key: Ed25519PrivateKey,
    device_id: str,
    method: str,
    path: str,
    timestamp: int,
    body: bytes,
) -> dict[str, str]:
    return {
        HEADER_DEVICE: device_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: sign(private_key, signing_message(method, path, timestamp, body)),
    }


def gzip_body(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


class BodyTooLarge(Exception):
    """The body, once decompressed, is over :data:`MAX_BODY_BYTES`."""


def gunzip_limited(data: bytes, limit: int = MAX_BODY_BYTES) -> bytes:
    """Decompress at most ``limit`` bytes; refuse gzip bombs without inflating them fully."""
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
        out = stream.read(limit + 1)
    if len(out) > limit:
        raise BodyTooLarge(f"body decompresses past {limit} bytes")
    return out
