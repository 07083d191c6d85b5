"""Rate limits of the open channel, counted without keeping anyone's address.

An address is only ever kept as ``sha256(salt of the day + "\\n" + address)``; each UTC day
has its own random salt, deleted once the day is over, after which no hash can be matched to
an address again. Counts are kept per fixed window (``limit_window_s``) for one hash
(``a:<hash>`` open ratings, ``c:<hash>`` unknown codes) and for everyone (``*``), with no exact
time, and deleted when their window is over. So the database can tell "many answers from one
address in these ten minutes", and nothing else.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from server.db import insert_ignore, web_address_salts, web_rate_counts
from server.web_channel.settings import WebSettings

EVERYONE = "*"


def window_start(now: datetime, window_s: int) -> datetime:
    """The start of the fixed window ``now`` falls in (windows start at the epoch)."""
    seconds = int(now.timestamp())
    return datetime.fromtimestamp(seconds - seconds % window_s, UTC)


def retry_after(now: datetime, window_s: int) -> int:
    """Whole seconds until the current window ends (at least 1)."""
    ends = window_start(now, window_s) + timedelta(seconds=window_s)
    return max(1, math.ceil((ends - now).total_seconds()))


def address_hash(conn: Connection, address: str, now: datetime) -> str:
    """The address hashed with today's salt (made on first need; older days' salts deleted)."""
    day = now.astimezone(UTC).date().isoformat()
    todays = select(web_address_salts.c.salt).where(web_address_salts.c.day == day)
    salt = conn.execute(todays).scalar()
    if salt is None:  # the first answer of the day: make its salt, forget the old ones
        conn.execute(
            insert_ignore(web_address_salts, conn.dialect.name).values(
                day=day, salt=secrets.token_hex(32)
            )
        )
        conn.execute(delete(web_address_salts).where(web_address_salts.c.day < day))
        salt = conn.execute(todays).scalar_one()
    return hashlib.sha256(f"{salt}\n{address}".encode()).hexdigest()


def known_hash(conn: Connection, address: str, now: datetime) -> str | None:
    """The address's hash when today's salt exists already (a read: nothing is made)."""
    day = now.astimezone(UTC).date().isoformat()
    salt = conn.execute(
        select(web_address_salts.c.salt).where(web_address_salts.c.day == day)
    ).scalar()
    return None if salt is None else hashlib.sha256(f"{salt}\n{address}".encode()).hexdigest()


def count(conn: Connection, key: str, now: datetime, settings: WebSettings) -> int:
    start = window_start(now, settings.limit_window_s)
    found = conn.execute(
        select(web_rate_counts.c.count).where(
            web_rate_counts.c.key == key, web_rate_counts.c.window_start == start
        )
    ).scalar()
    return int(found or 0)


def note(conn: Connection, keys: list[str], now: datetime, settings: WebSettings) -> None:
    """Add one to each key's count in the current window; drop windows that are over."""
    start = window_start(now, settings.limit_window_s)
    conn.execute(delete(web_rate_counts).where(web_rate_counts.c.window_start < start))
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for key in keys:
        statement = insert(web_rate_counts).values(key=key, window_start=start, count=1)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[web_rate_counts.c.key, web_rate_counts.c.window_start],
                set_={"count": web_rate_counts.c.count + 1},
            )
        )


@dataclass(frozen=True)
class OpenLimits:
    """Where an address stands against the open channel's limits in this window."""

    address_over: bool
    """This address has sent ``address_limit`` open ratings already: proof of work, and what
    it sends is marked ``unverified``."""
    everyone_over: bool
    """Everyone together has sent ``global_limit``: proof of work for all."""
    retry_after_s: int

    @property
    def needs_work(self) -> bool:
        return self.address_over or self.everyone_over


def open_limits(conn: Connection, hashed: str, now: datetime, settings: WebSettings) -> OpenLimits:
    return OpenLimits(
        address_over=count(conn, f"a:{hashed}", now, settings) >= settings.address_limit,
        everyone_over=count(conn, EVERYONE, now, settings) >= settings.global_limit,
        retry_after_s=retry_after(now, settings.limit_window_s),
    )


def note_open(conn: Connection, hashed: str, now: datetime, settings: WebSettings) -> None:
    note(conn, [f"a:{hashed}", EVERYONE], now, settings)


def codes_refused(conn: Connection, hashed: str, now: datetime, settings: WebSettings) -> bool:
    """Whether this address has tried too many unknown codes in this window."""
    return count(conn, f"c:{hashed}", now, settings) >= settings.code_failure_limit


def note_code_failure(conn: Connection, hashed: str, now: datetime, settings: WebSettings) -> None:
    note(conn, [f"c:{hashed}"], now, settings)
