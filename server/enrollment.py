"""Centers, kiosks and the one-time codes that enroll a kiosk's key.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as
``XXXX-XXXX`` so staff can type it on a touch screen; it is accepted with or without the dash
and in any case. Only its hash is stored; it expires and works once. Wrong or expired codes
count against the client address, and too many in a window answer 429, so codes cannot be
guessed at speed.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Row, delete, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from server.db import (
    KEY_ENROLLMENT,
    KEY_FORGOTTEN,
    KEY_REENROLLMENT,
    batches,
    centers,
    chains,
    end_key,
    enroll_failures,
    enrollment_codes,
    imports,
    kiosk_keys,
    kiosks,
    put_key_in_force,
    records,
    rejected_records,
    utc_now,
)
from server.errors import ApiError
from server.web_channel.names import WEB_STATUS, is_web_chain_name

if TYPE_CHECKING:  # pydantic is not needed by the staff commands; keep them quick to start
    from common.messages import EnrollRequest, EnrollResponse

log = logging.getLogger("server.enrollment")

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
DEFAULT_CODE_LIFETIME = timedelta(hours=24)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=10)

OFFLINE = "offline"
"""Status of a kiosk entry made by ``kiosk-server import`` for a device never enrolled."""

CENTER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class AdminError(Exception):
    """A staff command that cannot be carried out; the message says why in plain words."""


@dataclass(frozen=True)
class RateLimit:
    """At most ``max_failures`` wrong or expired codes per client address in ``window``."""

    max_failures: int = MAX_FAILURES
    window: timedelta = FAILURE_WINDOW


@dataclass(frozen=True)
class IssuedCode:
    kiosk_name: str
    center_id: str
    code: str
    """Formatted ``XXXX-XXXX``."""
    expires_at: datetime


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def normalize_code(text: str) -> str | None:
    """The bare upper-case code, or None when it cannot be a code at all."""
    code = re.sub(r"[\s-]", "", text).upper()
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def hash_code(code: str) -> str:
    return hashlib.sha256(f"ukukavshiri-enroll-v1:{code}".encode("ascii")).hexdigest()


# -- staff commands ------------------------------------------------------------------------------


def add_center(engine: Engine, center_id: str, name_ka: str, name_en: str) -> None:
    if not CENTER_ID.match(center_id):
        raise AdminError(
            f"center id {center_id!r} is not valid: use 1-64 letters, digits, '.', '_' or '-'"
        )
    if not name_ka.strip() or not name_en.strip():
        raise AdminError("both --name-ka and --name-en must be given")
    try:
        with engine.begin() as conn:
            conn.execute(
                centers.insert().values(
                    id=center_id,
                    name_ka=name_ka.strip(),
                    name_en=name_en.strip(),
                    created_at=utc_now(),
                )
            )
    except IntegrityError:
        raise AdminError(f"center {center_id!r} already exists") from None


def _check_kiosk_name(name: str) -> None:
    if not name or name != name.strip() or len(name) > 100 or not name.isprintable():
        raise AdminError(f"kiosk name {name!r} is not valid: use 1-100 printable characters")
    if is_web_chain_name(name):
        raise AdminError(f"kiosk name {name!r} is reserved for the web channel's answers")


def add_kiosks(
    engine: Engine,
    names: list[str],
    center_id: str,
    lifetime: timedelta = DEFAULT_CODE_LIFETIME,
) -> list[IssuedCode]:
    """Add kiosks (all or none) to a center, each with its own enrollment code."""
    for name in names:
        _check_kiosk_name(name)
    if len(set(names)) != len(names):
        raise AdminError("a kiosk name is given twice")
    now = utc_now()
    issued = []
    with engine.begin() as conn:
        if conn.execute(select(centers.c.id).where(centers.c.id == center_id)).first() is None:
            raise AdminError(f"there is no center {center_id!r}; add it with add-center first")
        for name in names:
            if conn.execute(select(kiosks.c.id).where(kiosks.c.name == name)).first() is not None:
                raise AdminError(
                    f"kiosk {name!r} already exists; use reenroll-kiosk for a new enrollment code"
                )
            kiosk_id = conn.execute(
                kiosks.insert()
                .values(name=name, center_id=center_id, status="pending", created_at=now)
                .returning(kiosks.c.id)
            ).scalar_one()
            code = _issue_code(conn, kiosk_id, now, lifetime)
            issued.append(IssuedCode(name, center_id, format_code(code), now + lifetime))
    return issued


def reenroll_kiosk(
    engine: Engine, name: str, lifetime: timedelta = DEFAULT_CODE_LIFETIME
) -> IssuedCode:
    now = utc_now()
    with engine.begin() as conn:
        row = _kiosk_by_name(conn, name)
        code = _issue_code(conn, row.id, now, lifetime)
    return IssuedCode(name, row.center_id, format_code(code), now + lifetime)


def revoke_kiosk(engine: Engine, name: str) -> None:
    now = utc_now()
    with engine.begin() as conn:
        row = _kiosk_by_name(conn, name)
        if row.status == "revoked":
            raise AdminError(f"kiosk {name!r} is already revoked")
        conn.execute(
            update(kiosks).where(kiosks.c.id == row.id).values(status="revoked", revoked_at=now)
        )
        _cancel_codes(conn, row.id, now)


@dataclass(frozen=True)
class _KioskRef:
    id: int
    center_id: str
    status: str


def _kiosk_by_name(conn: Connection, name: str) -> _KioskRef:
    row = conn.execute(
        select(kiosks.c.id, kiosks.c.center_id, kiosks.c.status).where(kiosks.c.name == name)
    ).first()
    if row is None or row.status == WEB_STATUS:  # a web chain is no kiosk to enroll or revoke
        raise AdminError(f"there is no kiosk named {name!r}")
    return _KioskRef(id=row.id, center_id=row.center_id, status=row.status)


def _cancel_codes(conn: Connection, kiosk_id: int, now: datetime) -> None:
    conn.execute(
        update(enrollment_codes)
        .where(
            enrollment_codes.c.kiosk_id == kiosk_id,
            enrollment_codes.c.used_at.is_(None),
            enrollment_codes.c.cancelled_at.is_(None),
        )
        .values(cancelled_at=now)
    )


def _issue_code(conn: Connection, kiosk_id: int, now: datetime, lifetime: timedelta) -> str:
    """A fresh code for the kiosk; any earlier unused code of it stops working."""
    if lifetime < timedelta(0):
        raise AdminError("--expires-in must not be negative")
    _cancel_codes(conn, kiosk_id, now)
    for _attempt in range(10):
        code = new_code()
        try:
            with conn.begin_nested():
                conn.execute(
                    enrollment_codes.insert().values(
                        kiosk_id=kiosk_id,
                        code_hash=hash_code(code),
                        created_at=now,
                        expires_at=now + lifetime,
                    )
                )
        except IntegrityError:
            continue
        return code
    raise AdminError("could not make a unique enrollment code; try again")


def _take_over_offline(conn: Connection, offline_id: int, kiosk_id: int) -> None:
    """Move everything of an offline entry (made by an import) to the kiosk now enrolling its
    device, then drop the entry: the device keeps one kiosk, one chain and its history."""
    # Wait for an import that is storing records for the entry right now, so they move too.
    conn.execute(select(kiosks.c.id).where(kiosks.c.id == offline_id).with_for_update())
    for table in (records, rejected_records, batches, chains, imports, kiosk_keys):
        conn.execute(update(table).where(table.c.kiosk_id == offline_id).values(kiosk_id=kiosk_id))
    # An offline entry never enrolled, so its codes were never used.
    conn.execute(delete(enrollment_codes).where(enrollment_codes.c.kiosk_id == offline_id))
    conn.execute(delete(kiosks).where(kiosks.c.id == offline_id))


# -- the enroll request ---------------------------------------------------------------------------


def _retry_after(conn: Connection, client_ip: str, now: datetime, limit: RateLimit) -> int | None:
    """Seconds until this address may try again, or None when it is under the limit."""
    since = now - limit.window
    # Newest first: once the max_failures-th newest failure leaves the window, the address is
    # under the limit again.
    recent = (
        conn.execute(
            select(enroll_failures.c.at)
            .where(enroll_failures.c.client_ip == client_ip, enroll_failures.c.at > since)
            .order_by(enroll_failures.c.at.desc())
            .limit(limit.max_failures)
        )
        .scalars()
        .all()
    )
    if len(recent) < limit.max_failures:
        return None
    frees_at = recent[-1] + limit.window
    return max(1, math.ceil((frees_at - now).total_seconds()))


def enroll(
    engine: Engine,
    request: EnrollRequest,
    client_ip: str,
    limit: RateLimit | None = None,
    *,
    bound_at: datetime | None = None,
) -> EnrollResponse:
    """Bind the device and its public key to the kiosk the code was issued for.

    A key anyone could sign for (a small-order or non-canonical point) is refused before the
    code is looked at: it is no guess at a code, and the code stays usable. ``bound_at``: when
    the key comes in force (default: once the kiosk's row is locked, see :func:`_bind`).
    """
    from common.protocol import is_safe_ed25519_public_key, unb64  # cryptography: not for staff

    if not is_safe_ed25519_public_key(unb64(request.public_key)):
        raise ApiError(
            400,
            "bad_public_key",
            "The public key is not a usable Ed25519 key (a point of small order or a "
            "non-canonical encoding): anyone could sign for it. Make a new key pair.",
        )
    limit = limit or RateLimit()
    now = utc_now()
    failure: ApiError | None = None
    with engine.begin() as conn:
        wait = _retry_after(conn, client_ip, now, limit)
        if wait is not None:
            raise ApiError(
                429,
                "rate_limited",
                f"Too many wrong enrollment codes from this address; try again in {wait} s.",
                headers={"Retry-After": str(wait)},
            )
        code = normalize_code(request.code)
        row = None
        if code is not None:
            row = conn.execute(
                select(enrollment_codes).where(enrollment_codes.c.code_hash == hash_code(code))
            ).first()
        if row is None or row.used_at is not None or row.cancelled_at is not None:
            failure = ApiError(
                404, "code_invalid", "This enrollment code is unknown or was already used."
            )
        elif row.expires_at <= now:
            failure = ApiError(
                410, "code_expired", "This enrollment code has expired; ask for a new one."
            )
        if failure is not None:
            conn.execute(enroll_failures.insert().values(client_ip=client_ip, at=now))
            conn.execute(delete(enroll_failures).where(enroll_failures.c.at < now - limit.window))
        else:
            assert row is not None
            response = _bind(conn, row, request, now, bound_at)
    if failure is not None:
        log.info("enrollment refused for %s: %s", client_ip, failure.code)
        raise failure
    log.info("kiosk %s enrolled device %s", response.kiosk_name, response.device_id)
    return response


def _check_offline_key(name: str, kept: str | None, enrolling: str) -> None:
    """A device known from signed export files must enroll with the key that signed them.

    Otherwise whoever holds a code could enroll a tablet under the device id of another and
    continue its chain. A tablet that was reset (and so has a new key) is accepted only after
    staff say so with ``kiosk-server forget-offline-key NAME``.
    """
    from common.protocol import unb64  # cryptography: not for staff commands

    if kept is not None and unb64(kept) != unb64(enrolling):
        raise ApiError(
            409,
            "key_mismatch",
            f"This device's export files were signed with another key (kiosk {name!r}). If the "
            f"tablet was reset, staff can accept its new key: kiosk-server forget-offline-key "
            f"{name}",
        )


def forget_offline_key(engine: Engine, name: str) -> None:
    """Let an offline entry's device enroll with a new key (after a reset of the tablet)."""
    with engine.begin() as conn:
        row = _kiosk_by_name(conn, name)
        if row.status != OFFLINE:
            raise AdminError(f"kiosk {name!r} is not an offline entry (status {row.status})")
        device_id = conn.execute(
            select(kiosks.c.device_id).where(kiosks.c.id == row.id).with_for_update()
        ).scalar_one()
        conn.execute(update(kiosks).where(kiosks.c.id == row.id).values(public_key=None))
        end_key(conn, device_id, utc_now(), KEY_FORGOTTEN)
    log.warning("offline kiosk %s: its export key was forgotten by staff", name)


def _bind(
    conn: Connection,
    code_row: Row[Any],
    request: EnrollRequest,
    now: datetime,
    bound_at: datetime | None,
) -> EnrollResponse:
    """Give the kiosk the device and its key, and put the key in force in its history.

    The key comes in force at a moment taken once the kiosk's row is locked: a batch being
    stored under the old key holds that lock, and took its time of receipt before; one that
    waits for it finds the new key and is refused (``server.batches``).
    """
    kiosk = conn.execute(
        select(
            kiosks.c.id,
            kiosks.c.name,
            kiosks.c.center_id,
            kiosks.c.status,
            kiosks.c.device_id,
            kiosks.c.public_key,
            kiosks.c.enrolled_at,
        )
        .where(kiosks.c.id == code_row.kiosk_id)
        .with_for_update()
    ).one()
    bound_at = bound_at or utc_now()
    if kiosk.status == OFFLINE and kiosk.device_id != request.device_id:
        raise ApiError(
            409,
            "device_conflict",
            "This code is for the offline kiosk of another device; use add-kiosk for a new one.",
        )
    holder = conn.execute(
        select(kiosks.c.id, kiosks.c.name, kiosks.c.status, kiosks.c.public_key).where(
            kiosks.c.device_id == request.device_id, kiosks.c.id != kiosk.id
        )
    ).first()
    if holder is not None and holder.status in ("active", WEB_STATUS):
        raise ApiError(
            409, "device_conflict", "This device already belongs to another active kiosk."
        )
    offline = kiosk if kiosk.status == OFFLINE else holder
    if offline is not None and offline.status == OFFLINE:
        _check_offline_key(offline.name, offline.public_key, request.public_key)
    if holder is not None and holder.status == OFFLINE:
        _take_over_offline(conn, holder.id, kiosk.id)
        log.info("kiosk %s takes over offline entry %s", kiosk.name, holder.name)
    elif holder is not None:
        # A revoked kiosk gives up the device id so the device can serve under this kiosk.
        conn.execute(update(kiosks).where(kiosks.c.id == holder.id).values(device_id=None))
    used = conn.execute(
        update(enrollment_codes)
        .where(enrollment_codes.c.id == code_row.id, enrollment_codes.c.used_at.is_(None))
        .values(used_at=now, used_by_device=request.device_id)
    ).rowcount
    if used != 1:
        raise ApiError(404, "code_invalid", "This enrollment code is unknown or was already used.")
    try:
        with conn.begin_nested():
            conn.execute(
                update(kiosks)
                .where(kiosks.c.id == kiosk.id)
                .values(
                    status="active",
                    device_id=request.device_id,
                    public_key=request.public_key,
                    app_version=request.app_version,
                    enrolled_at=bound_at,
                    revoked_at=None,
                    last_seen_at=now,
                )
            )
    except IntegrityError:
        # Another kiosk took the same device id at the same moment.
        raise ApiError(
            409, "device_conflict", "This device already belongs to another active kiosk."
        ) from None
    reason = KEY_ENROLLMENT if kiosk.enrolled_at is None else KEY_REENROLLMENT
    put_key_in_force(conn, kiosk.id, request.device_id, request.public_key, reason, bound_at)
    from common.messages import EnrollResponse

    return EnrollResponse(
        device_id=request.device_id,
        kiosk_name=kiosk.name,
        center_id=kiosk.center_id,
        server_time=int(now.timestamp()),
    )
