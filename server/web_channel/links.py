"""Short links to the open rating pages: ``/r/<short>`` for a center, or a center and service.

The short part is derived from the ids alone (no table, no key), so a poster printed today
keeps working as long as the center and its service exist, and any process can make or
resolve one. It is 8 characters of the codes' alphabet, in lower case.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.engine import Connection

from server.catalogs import center_rules
from server.db import centers

SHORT_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
SHORT_LENGTH = 8
OPEN_PREFIX = "/r/"


def short_of(center_id: str, service_id: str | None = None) -> str:
    """The 8-character short name of (center, service): SHA-256 of ``center \\n service``."""
    digest = hashlib.sha256(f"{center_id}\n{service_id or ''}".encode()).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(SHORT_LENGTH):
        number, index = divmod(number, len(SHORT_ALPHABET))
        chars.append(SHORT_ALPHABET[index])
    return "".join(chars)


def open_path(center_id: str, service_id: str | None = None) -> str:
    """The path of the open rating page for a center (and maybe one of its services)."""
    return OPEN_PREFIX + short_of(center_id, service_id)


def resolve(conn: Connection, short: str) -> tuple[str, str | None] | None:
    """(center, service or None) whose short name is ``short`` (any case), or None."""
    wanted = short.strip().lower()
    if len(wanted) != SHORT_LENGTH or any(c not in SHORT_ALPHABET for c in wanted):
        return None
    for center_id in conn.execute(select(centers.c.id).order_by(centers.c.id)).scalars():
        if short_of(center_id) == wanted:
            return center_id, None
        rules = center_rules(conn, center_id)
        for service_id in sorted(rules.services) if rules else ():
            if short_of(center_id, service_id) == wanted:
                return center_id, service_id
    return None
