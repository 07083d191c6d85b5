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
REASON_WRONG_CENTER = "wrong_center"
REASON_UNKNOWN_LANGUAGE = "unknown_language"
REASON_UNKNOWN_REASON = "unknown_reason"

MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects a request body may have (a batch needs 4)."""

# Ed25519 public keys a server must refuse (``is_safe_ed25519_public_key``).
ED25519_P = 2**255 - 19
"""The field prime of edwards25519; a key's y coordinate must be below it."""
ED25519_D = -121665 * pow(121666, -1, ED25519_P) % ED25519_P
"""The curve constant d of -x² + y² = 1 + d·x²·y²."""
ED25519_SMALL_ORDER_Y = frozenset(
    {
        0,  # order 4, x = ±sqrt(-1)
        1,  # the identity, x = 0
        ED25519_P - 1,  # order 2, x = 0
        # The two order-8 y values (d·y⁴ + 2·y² - 1 = 0), from libsodium's blocklist:
        int.from_bytes(
            bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
            "little",
        ),
        int.from_bytes(
            bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
            "little",
        ),
    }
)
"""The y coordinates of the 8 points of small order: every such point has one of them."""


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


def is_safe_ed25519_public_key(raw: bytes) -> bool:
    """False for a key that must never be trusted: not 32 bytes, not a point of the curve, a
    non-canonical encoding (y ≥ p), or one of the 8 points of small order in any encoding.

    With a small-order key (e.g. 32 zero bytes, or the identity ``01 00…00``) a signature can
    be made without any private key: for the identity, R = identity and S = 0 verify for every
    message, and OpenSSL's verification accepts them. Checking y alone covers both signs of x
    and the non-canonical encodings y + p of y = 0 and 1 ("Taming the many EdDSAs", libsodium's
    ``ge25519_has_small_order`` and ``ge25519_is_canonical``).
    """
    if len(raw) != 32:
        return False
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)  # bit 255 is the sign of x
    if y >= ED25519_P or y in ED25519_SMALL_ORDER_Y:
        return False
    # On the curve: x² = (y² - 1) / (d·y² + 1) must be a non-zero square mod p.
    y2 = y * y % ED25519_P
    x2 = (y2 - 1) * pow(ED25519_D * y2 + 1, ED25519_P - 2, ED25519_P) % ED25519_P
    return x2 != 0 and pow(x2, (ED25519_P - 1) // 2, ED25519_P) == 1


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
