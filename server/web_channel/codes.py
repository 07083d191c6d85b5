"""One-time codes for the verified web channel: batches staff print, and the codes' checks.

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), printed as
``XXXX-XXXX-XXXX`` and accepted in any case, with or without spaces and dashes. The server
keeps only HMAC-SHA256 of the normalised code under its code key, the code's batch (program,
center, expiry) and whether it is spent, with no time: a spent time could be matched to the
rating's ``received_at``. A code is spent in the transaction that stores its rating; the
rating never records which code it came with. ``docs/web.md`` states every rule.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Engine, and_, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from server.audit import audit
from server.catalogs import center_rules
from server.db import centers, utc_now, web_code_batches, web_codes
from server.web_channel.keys import CODE_KEY, secret_bytes
from server.web_channel.links import open_path

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "MAX_BATCH_CODES",
    "CodeBatch",
    "CodeCheck",
    "check_code",
    "code_path",
    "format_code",
    "hash_code",
    "issue_batch",
    "list_batches",
    "normalise_code",
    "open_path",
    "revoke_batch",
    "spend_code",
]

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
GROUP = 4
MAX_BATCH_CODES = 5000
CODE_PREFIX = "/v/"
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]")
"""Spaces and dashes (hyphen-minus, the Unicode hyphens and dashes, minus) people type."""


@dataclass(frozen=True)
class CodeBatch:
    id: int
    center_id: str
    service_id: str
    count: int
    used: int
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    created_by: int | None


def normalise_code(text: str) -> str | None:
    """The bare upper-case code, or None when ``text`` cannot be a code at all."""
    code = _SEPARATORS.sub("", text).upper()
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def format_code(code: str) -> str:
    """``XXXX-XXXX-XXXX`` for a normalised code."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def hash_code(key: bytes, code: str) -> str:
    """HMAC-SHA256 (hex) of a normalised code under the server's code key."""
    return hmac.new(key, code.encode("ascii"), hashlib.sha256).hexdigest()


def code_path(code: str) -> str:
    """The URL path a slip's QR code opens, e.g. ``/v/ABCD-EFGH-JKMN``."""
    normal = normalise_code(code)
    if normal is None:
        raise ValueError(f"{code!r} is not a code")
    return CODE_PREFIX + format_code(normal)


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def issue_batch(
    engine: Engine,
    *,
    center_id: str,
    service_id: str,
    count: int,
    expires_at: datetime,
    user_id: int | None,
) -> tuple[CodeBatch, list[str]]:
    """A new batch of ``count`` codes, returned formatted, once: they are never stored.

    ``ValueError`` (a message for staff) for an unknown center, a service not in the
    center's catalog, a count outside 1..MAX_BATCH_CODES or an expiry not in the future.
    """
    if type(count) is not int or not 1 <= count <= MAX_BATCH_CODES:
        raise ValueError(f"the number of codes must be 1 to {MAX_BATCH_CODES}, not {count!r}")
    if expires_at.tzinfo is None:
        raise ValueError("the expiry must be a time with a time zone")
    now = utc_now()
    if expires_at <= now:
        raise ValueError("the expiry must be in the future")
    key = secret_bytes(engine, CODE_KEY)
    with engine.begin() as conn:
        if conn.execute(select(centers.c.id).where(centers.c.id == center_id)).first() is None:
            raise ValueError(f"there is no center {center_id!r}")
        rules = center_rules(conn, center_id)
        if rules is None:
            raise ValueError(f"center {center_id!r} has no catalog; load one first")
        if service_id not in rules.services:
            raise ValueError(f"{service_id!r} is not a program or service of {center_id!r}")
        batch_id = int(
            conn.execute(
                web_code_batches.insert()
                .values(
                    center_id=center_id,
                    service_id=service_id,
                    count=count,
                    created_at=now,
                    expires_at=expires_at,
                    created_by=user_id,
                )
                .returning(web_code_batches.c.id)
            ).scalar_one()
        )
        codes = _insert_codes(conn, key, batch_id, count)
        audit(
            conn,
            user_id,
            "web_codes.issue",
            {
                "batch_id": batch_id,
                "center_id": center_id,
                "service_id": service_id,
                "count": count,
                "expires_at": expires_at.isoformat(),
            },
            at=now,
        )
    batch = CodeBatch(batch_id, center_id, service_id, count, 0, now, expires_at, None, user_id)
    return batch, [format_code(code) for code in codes]


def _insert_codes(conn: Connection, key: bytes, batch_id: int, count: int) -> list[str]:
    """``count`` new distinct codes of the batch; a clash with a stored hash draws again."""
    for _attempt in range(5):
        codes: set[str] = set()
        while len(codes) < count:
            codes.add(_new_code())
        rows = [{"code_hash": hash_code(key, c), "batch_id": batch_id, "spent": 0} for c in codes]
        try:
            with conn.begin_nested():
                conn.execute(web_codes.insert(), rows)
        except IntegrityError:  # pragma: no cover - 2**-59 per pair of codes
            continue
        return list(codes)
    raise ValueError("could not make distinct codes; try again")  # pragma: no cover


def list_batches(engine: Engine) -> list[CodeBatch]:
    """Every batch, newest first, with how many of its codes were used."""
    used = (
        select(web_codes.c.batch_id, func.count().label("used"))
        .where(web_codes.c.spent == 1)
        .group_by(web_codes.c.batch_id)
        .subquery()
    )
    query = (
        select(web_code_batches, func.coalesce(used.c.used, 0).label("used"))
        .outerjoin(used, used.c.batch_id == web_code_batches.c.id)
        .order_by(web_code_batches.c.created_at.desc(), web_code_batches.c.id.desc())
    )
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        rows = conn.execute(query).all()
    return [
        CodeBatch(
            id=int(row.id),
            center_id=row.center_id,
            service_id=row.service_id,
            count=int(row._mapping["count"]),
            used=int(row.used),
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            created_by=None if row.created_by is None else int(row.created_by),
        )
        for row in rows
    ]


def revoke_batch(engine: Engine, batch_id: int, user_id: int | None) -> None:
    """Stop every unspent code of the batch from working; ``ValueError`` when there is no
    such batch or it is already revoked."""
    now = utc_now()
    with engine.begin() as conn:
        changed = conn.execute(
            update(web_code_batches)
            .where(web_code_batches.c.id == batch_id, web_code_batches.c.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
        if changed != 1:
            found = conn.execute(
                select(web_code_batches.c.id).where(web_code_batches.c.id == batch_id)
            ).first()
            if found is None:
                raise ValueError(f"there is no code batch {batch_id}")
            raise ValueError(f"code batch {batch_id} is already revoked")
        audit(conn, user_id, "web_codes.revoke", {"batch_id": batch_id}, at=now)


CodeState = Literal["ok", "unknown", "spent", "expired", "revoked"]


@dataclass(frozen=True)
class CodeCheck:
    """What a code is worth now; ``center_id``/``service_id`` are None for an unknown code."""

    state: CodeState
    center_id: str | None = None
    service_id: str | None = None


def check_code(conn: Connection, key: bytes, code: str, now: datetime) -> CodeCheck:
    """The state of a normalised code, without spending it."""
    row = conn.execute(
        select(
            web_codes.c.spent,
            web_code_batches.c.center_id,
            web_code_batches.c.service_id,
            web_code_batches.c.expires_at,
            web_code_batches.c.revoked_at,
        )
        .join(web_code_batches, web_code_batches.c.id == web_codes.c.batch_id)
        .where(web_codes.c.code_hash == hash_code(key, code))
    ).first()
    if row is None:
        return CodeCheck("unknown")
    state: CodeState = "ok"
    if row.revoked_at is not None:
        state = "revoked"
    elif row.spent:
        state = "spent"
    elif row.expires_at <= now:
        state = "expired"
    return CodeCheck(state, row.center_id, row.service_id)


def spend_code(conn: Connection, key: bytes, code: str, now: datetime) -> bool:
    """Mark the code spent in the caller's transaction; False when it was not usable (unknown,
    spent, expired or revoked). Two transactions spending one code: only one gets True."""
    usable = select(web_code_batches.c.id).where(
        and_(web_code_batches.c.revoked_at.is_(None), web_code_batches.c.expires_at > now)
    )
    spent = conn.execute(
        update(web_codes)
        .where(
            web_codes.c.code_hash == hash_code(key, code),
            web_codes.c.spent == 0,
            web_codes.c.batch_id.in_(usable),
        )
        .values(spent=1)
    ).rowcount
    return spent == 1
