"""Each device's chain on the server: its high-water mark, its gaps and its broken links.

A device's seqs start at 1 and are consecutive. ``high_water_mark`` is the largest N such that
every seq 1..N was received, stored or set aside as rejected (a rejected record is never sent
again, so it must not hold the mark back; it counts only when it names the sender as its device
and a seq from 1 to 2**63-1). ``missing`` lists the gaps below the highest seq received. A link
is checked whenever both its records are stored, in whichever order they arrived; a broken one
is kept in ``chain_breaks`` and makes the chain not ``intact``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple, Protocol

from sqlalchemy import exists, func, select, union, update
from sqlalchemy.engine import Connection

from common.records import GENESIS_HASH, MAX_SEQ
from server.db import chain_breaks, chains, insert_ignore, records, rejected_records

log = logging.getLogger("server.ingest.chain")


class ChainOwner(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def device_id(self) -> str: ...


class Link(NamedTuple):
    """A stored record's place in its chain."""

    prev_hash: str
    hash: str


class Break(NamedTuple):
    """The link into ``seq`` is broken: its ``prev_hash`` is not the hash before it."""

    seq: int
    expected_prev_hash: str
    actual_prev_hash: str


def broken_links(new: Mapping[int, Link], stored: Mapping[int, Link]) -> list[Break]:
    """The broken links into and out of the records just stored (``new``, by seq), given their
    neighbours stored before (``stored``, by seq); a link between two new records once."""
    found: dict[int, Break] = {}
    for seq in sorted(new):
        link = new[seq]
        if seq == 1:
            if link.prev_hash != GENESIS_HASH:
                found[1] = Break(1, GENESIS_HASH, link.prev_hash)
        else:
            before = new.get(seq - 1) or stored.get(seq - 1)
            if before is not None and before.hash != link.prev_hash:
                found[seq] = Break(seq, before.hash, link.prev_hash)
        after = stored.get(seq + 1)  # a new seq + 1 checks this link as its own "before"
        if seq + 1 not in new and after is not None and after.prev_hash != link.hash:
            found[seq + 1] = Break(seq + 1, link.hash, after.prev_hash)
    return list(found.values())


def neighbours(conn: Connection, device_id: str, new: Mapping[int, Link]) -> dict[int, Link]:
    """The stored records next to the new ones (not new themselves), in one query."""
    wanted = {seq + step for seq in new for step in (-1, 1)} - new.keys()
    wanted = {seq for seq in wanted if 1 <= seq <= MAX_SEQ}
    if not wanted:
        return {}
    rows = conn.execute(
        select(records.c.seq, records.c.prev_hash, records.c.hash).where(
            records.c.device_id == device_id, records.c.seq.in_(sorted(wanted))
        )
    )
    return {int(row.seq): Link(row.prev_hash, row.hash) for row in rows}


def check_links(
    conn: Connection, device_id: str, new: Mapping[int, Link], now: datetime
) -> list[Break]:
    """Note every broken link the new records make with each other and their neighbours."""
    if not new:
        return []
    breaks = broken_links(new, neighbours(conn, device_id, new))
    for found in breaks:
        log.warning("chain of %s broken at seq %d", device_id, found.seq)
    if breaks:
        conn.execute(
            insert_ignore(chain_breaks, conn.dialect.name),
            [{**found._asdict(), "device_id": device_id, "detected_at": now} for found in breaks],
        )
    return breaks


def has_breaks(conn: Connection, device_id: str) -> bool:
    return bool(
        conn.execute(select(exists().where(chain_breaks.c.device_id == device_id))).scalar()
    )


def received_above(conn: Connection, device_id: str, mark: int) -> list[tuple[int, int]]:
    """The runs of consecutive seqs above ``mark`` received from the device, stored or
    rejected, ascending, as ``(first, last)``.

    Runs rather than every seq ("gaps and islands": within a run, seq minus its rank is the
    same), so a batch after a lasting gap reads a few rows, not every seq above the gap.
    """
    stored = select(records.c.seq.label("seq")).where(
        records.c.device_id == device_id, records.c.seq > mark
    )
    refused = select(rejected_records.c.seq.label("seq")).where(
        rejected_records.c.device_id == device_id,
        rejected_records.c.seq.is_not(None),
        rejected_records.c.seq > mark,
    )
    both = union(stored, refused).subquery()
    island = (both.c.seq - func.row_number().over(order_by=both.c.seq)).label("island")
    ranked = select(both.c.seq, island).subquery()
    first = func.min(ranked.c.seq)
    runs = select(first, func.max(ranked.c.seq)).group_by(ranked.c.island).order_by(first)
    return [(int(low), int(high)) for low, high in conn.execute(runs)]


def gaps(mark: int, above: list[int]) -> tuple[int, list[tuple[int, int]]]:
    """(new high-water mark, gaps below the highest seq) from the seqs received above ``mark``."""
    return gaps_between(mark, [(seq, seq) for seq in above])


def gaps_between(mark: int, runs: list[tuple[int, int]]) -> tuple[int, list[tuple[int, int]]]:
    """:func:`gaps` from the runs of seqs received above ``mark`` (:func:`received_above`)."""
    missing: list[tuple[int, int]] = []
    expected = mark + 1
    for low, high in runs:
        if low > expected:
            missing.append((expected, low - 1))
        expected = max(expected, high + 1)
    new_mark = missing[0][0] - 1 if missing else (runs[-1][1] if runs else mark)
    return max(mark, new_mark), missing


def advance_chain(
    conn: Connection, owner: ChainOwner, now: datetime
) -> tuple[int, list[tuple[int, int]]]:
    """Move the device's high-water mark past what was received; (mark, missing)."""
    query = select(chains.c.high_water_mark, chains.c.max_seq).where(
        chains.c.device_id == owner.device_id
    )
    row = conn.execute(query).first()
    if row is None:
        conn.execute(
            insert_ignore(chains, conn.dialect.name).values(
                device_id=owner.device_id, kiosk_id=owner.id, high_water_mark=0, max_seq=0,
                updated_at=now,
            )
        )  # fmt: skip
        row = conn.execute(query).one()
    above = received_above(conn, owner.device_id, row.high_water_mark)
    mark, missing = gaps_between(row.high_water_mark, above)
    max_seq = max(row.max_seq, above[-1][1] if above else 0)
    conn.execute(
        update(chains)
        .where(chains.c.device_id == owner.device_id)
        .values(high_water_mark=mark, max_seq=max_seq, kiosk_id=owner.id, updated_at=now)
    )
    return mark, missing
