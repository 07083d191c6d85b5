"""Reading request bodies within limits, and checking the kiosk's request signature.

The order matters: the size is checked from ``Content-Length`` before anything is read, the
body is read with a cap, the signature is verified over the bytes exactly as sent, and only
then is a gzip body inflated (with a cap again), so an unauthenticated client can neither make
the server buffer a huge body nor inflate a gzip bomb.
"""

from __future__ import annotations

import json
import logging
import math
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.engine import Connection

from common.protocol import (
    HEADER_DEVICE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    MAX_BODY_BYTES,
    MAX_CLOCK_SKEW_S,
    MAX_JSON_DEPTH,
    BodyTooLarge,
    gunzip_limited,
    is_safe_ed25519_public_key,
    signing_message,
    unb64,
    verify,
)
from server.db import kiosks, utc_now
from server.errors import ApiError

if TYPE_CHECKING:
    from starlette.requests import Request

log = logging.getLogger("server.auth")


@dataclass(frozen=True)
class Kiosk:
    """An enrolled kiosk, as authenticated for one request."""

    id: int
    name: str
    center_id: str
    device_id: str
    public_key: str


def too_large(what: str) -> ApiError:
    return ApiError(
        413, "too_large", f"The {what} is larger than the server accepts ({MAX_BODY_BYTES} bytes)."
    )


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, refused with 413 before reading when it announces more than ``limit``."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            raise ApiError(400, "malformed", "Content-Length is not a number.") from None
        if length > limit:
            raise too_large("request body")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large("request body")
        chunks.append(chunk)
    return b"".join(chunks)


def decode_body(request: Request, raw: bytes) -> bytes:
    """Undo ``Content-Encoding`` (gzip or identity) without inflating past the limit."""
    return decode_content(request.headers.get("content-encoding"), raw)


def decode_content(content_encoding: str | None, raw: bytes) -> bytes:
    """:func:`decode_body` given the ``Content-Encoding`` header's value (None: absent)."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding != "gzip":
        raise ApiError(
            415, "unsupported_media_type", f"Content-Encoding {encoding!r} is not supported."
        )
    try:
        return gunzip_limited(raw, MAX_BODY_BYTES)
    except BodyTooLarge:
        raise too_large("decompressed request body") from None
    except (OSError, EOFError, zlib.error):
        raise ApiError(400, "malformed", "The body is not valid gzip.") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    """A JSON number as a float; one too large for a float (1e400) would be infinity."""
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _too_deep(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit`` (without recursing ourselves).

    ``value`` comes from ``json.loads``, so its containers are exactly ``dict`` and ``list``.
    One level at a time: the containers one level down are picked out by one comprehension
    per level (a batch has thousands of values, and a stack of them cost twice as much)."""
    level = [value]
    for _depth in range(limit):
        level = [
            child
            for item in level
            for child in (item.values() if type(item) is dict else item)
            if type(child) is dict or type(child) is list
        ]
        if not level:
            return False
    return True


def parse_json_object(data: bytes) -> dict[str, Any]:
    """A JSON object from UTF-8 bytes; NaN and Infinity (also as 1e400) are refused like any
    other bad JSON.

    Every JSON body the server reads comes through here. Nesting deeper than
    :data:`MAX_JSON_DEPTH` is refused: no message needs it, and the parser, the validation and
    the storing of rejected records would otherwise recurse that deep (10 000 nested arrays
    used to end in a ``RecursionError``, a 500).
    """
    try:
        value = json.loads(
            data.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, "malformed", f"The body is not valid JSON: {exc}") from None
    except RecursionError:
        value = None
    else:
        if not isinstance(value, dict):
            raise ApiError(400, "malformed", "The body must be a JSON object.")
    # A body with fewer brackets than the limit cannot nest past it; skip the walk then.
    if value is None or (
        data.count(b"[") + data.count(b"{") > MAX_JSON_DEPTH and _too_deep(value, MAX_JSON_DEPTH)
    ):
        raise ApiError(
            400,
            "malformed",
            f"The body nests arrays or objects deeper than {MAX_JSON_DEPTH} levels.",
        )
    return value


def _safe_key(public_key_b64: str) -> bool:
    try:
        raw = unb64(public_key_b64)
    except (ValueError, UnicodeEncodeError):
        return False
    return is_safe_ed25519_public_key(raw)


def path_with_query(request: Request) -> str:
    """The request target exactly as the kiosk sent and signed it."""
    raw_path = request.scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else request.scope["path"]
    query = request.scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path


LAST_SEEN_STEP = timedelta(minutes=1)
"""How stale ``kiosks.last_seen_at`` may grow before a request writes it again.

The overview calls a kiosk silent after a day without contact, so a minute is exact enough;
writing on every request would take SQLite's database-wide write lock (and PostgreSQL's lock
on the kiosk row, which a batch of that kiosk holds) for each request before its real work."""


def authenticate(
    engine: Engine, method: str, path: str, headers: dict[str, str], body: bytes
) -> Kiosk:
    """The kiosk that signed this request, or a 401 ``ApiError`` saying why not.

    The look-up only reads; ``last_seen_at`` is written when it is older than
    :data:`LAST_SEEN_STEP`.
    """
    with engine.connect() as conn:
        return authenticate_on(conn, method, path, headers, body)


def authenticate_on(
    conn: Connection, method: str, path: str, headers: dict[str, str], body: bytes
) -> Kiosk:
    """:func:`authenticate` on a connection the request goes on using (an upload stores its
    batch on it: one pool checkout, and on PostgreSQL one liveness ping, per request).

    The look-up runs in a read-only transaction that is left open, so the caller's next reads
    share it; ``last_seen_at``, when it is written, gets a transaction of its own.
    """
    device_id = headers.get(HEADER_DEVICE.lower(), "").strip()
    if not device_id:
        raise ApiError(401, "unknown_device", f"The {HEADER_DEVICE} header is missing.")
    conn.execution_options(read_only=True)
    row = conn.execute(
        select(
            kiosks.c.id,
            kiosks.c.name,
            kiosks.c.center_id,
            kiosks.c.status,
            kiosks.c.public_key,
            kiosks.c.last_seen_at,
        ).where(kiosks.c.device_id == device_id)
    ).first()
    if row is None:
        raise ApiError(401, "unknown_device", "This device is not enrolled on this server.")
    if row.status == "revoked":
        raise ApiError(401, "revoked", "This kiosk was revoked by the server's staff.")
    if row.status != "active" or not row.public_key:
        raise ApiError(401, "unknown_device", "This device is not enrolled on this server.")
    if not _safe_key(row.public_key):
        # Enrolled before such keys were refused: anyone can sign for it, so nobody may.
        log.warning("kiosk %s holds an unsafe public key; refusing it", row.name)
        raise ApiError(
            401,
            "bad_signature",
            "This kiosk's enrolled key is not a safe Ed25519 key; enroll it again.",
        )
    try:
        timestamp = int(headers.get(HEADER_TIMESTAMP.lower(), ""))
    except ValueError:
        raise ApiError(
            401, "bad_signature", f"The {HEADER_TIMESTAMP} header must be unix seconds."
        ) from None
    signature = headers.get(HEADER_SIGNATURE.lower(), "")
    message = signing_message(method, path, timestamp, body)
    if not signature or not verify(row.public_key, message, signature):
        raise ApiError(401, "bad_signature", "The request signature does not verify.")
    server_time = int(time.time())
    if abs(server_time - timestamp) > MAX_CLOCK_SKEW_S:
        raise ApiError(
            401,
            "clock_skew",
            f"The kiosk clock is {timestamp - server_time:+d} s off the server's; "
            f"at most {MAX_CLOCK_SKEW_S} s is accepted.",
            extra={"server_time": server_time},
        )
    _note_seen(conn, row.id, row.last_seen_at)
    return Kiosk(
        id=row.id,
        name=row.name,
        center_id=row.center_id,
        device_id=device_id,
        public_key=row.public_key,
    )


def _note_seen(conn: Connection, kiosk_id: int, last_seen: datetime | None) -> None:
    """Move ``last_seen_at`` to now when it is older than :data:`LAST_SEEN_STEP` (in a write
    transaction of its own, after which the connection is read-only again)."""
    now = utc_now()
    if last_seen is not None and now - last_seen < LAST_SEEN_STEP:
        return
    stale = or_(kiosks.c.last_seen_at.is_(None), kiosks.c.last_seen_at < now - LAST_SEEN_STEP)
    conn.rollback()  # end the read-only look-up
    conn.execution_options(read_only=False)
    with conn.begin():
        conn.execute(update(kiosks).where(kiosks.c.id == kiosk_id, stale).values(last_seen_at=now))
    conn.execution_options(read_only=True)
