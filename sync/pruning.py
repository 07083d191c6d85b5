"""Deleting synced records once the server has held them long enough - by sequence number
and by a server-confirmed age, never by the tablet's clock alone.

Why: a tablet's clock jumps (a dead clock battery, a wrong time zone, a technician's typo). Had
pruning trusted it, a +100-day jump would delete every synced record at the next sync, and if
the server were then restored from a backup, those ratings would be gone for good.

So the kiosk keeps *marks*: at the start of each sync, the server says how far it holds this
kiosk's chain (its sync state) and what time it is there. A mark is that seq with both the
server's time and the tablet's time. Records up to a mark's seq may be deleted only when the
retention has passed since the mark **on both clocks**: the server's (from a later sync
state) and the tablet's. One clock jumping forward, either one, deletes nothing; a clock that
went back only delays pruning. Pending and set-aside records are never deleted.

Marks are kept in the kiosk database (``meta['sync.prune_marks']``), at most one an hour. They
are cut back when the server turns out to lack records (restored from a backup): a record sent
again is as new to the server as a new one.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from kiosk.storage import Store

log = logging.getLogger("sync.pruning")

META_PRUNE_MARKS = "sync.prune_marks"
DEFAULT_RETENTION = timedelta(days=90)
MARK_EVERY_S = 3600.0
"""A new mark at most this often (server time): later records wait for the next one."""
MAX_MARKS = 5000
"""Bound on the marks kept (90 days of hourly marks is 2160); the oldest go first, which only
delays pruning."""


@dataclass(frozen=True)
class Mark:
    """The server held every record up to ``seq`` (but those it lacks and said so) at
    ``server_time``, which was ``device_time`` on the tablet; unix seconds."""

    seq: int
    server_time: float
    device_time: float


def load_marks(store: Store) -> list[Mark]:
    text = store.get_meta(META_PRUNE_MARKS)
    if not text:
        return []
    try:
        return [Mark(int(s), float(st), float(dt)) for s, st, dt in json.loads(text)]
    except (ValueError, TypeError):
        log.warning("unreadable prune marks dropped; pruning starts over")
        return []


def _save(store: Store, marks: list[Mark]) -> None:
    store.set_meta(
        META_PRUNE_MARKS, json.dumps([[m.seq, m.server_time, m.device_time] for m in marks])
    )


def note_confirmed(store: Store, seq: int, server_time: float, device_time: float) -> None:
    """Remember that the server confirmed holding up to ``seq`` at ``server_time``."""
    if seq <= 0:
        return
    marks = load_marks(store)
    if marks:
        last = marks[-1]
        if seq <= last.seq or server_time - last.server_time < MARK_EVERY_S:
            return
    marks.append(Mark(seq, server_time, device_time))
    _save(store, marks[-MAX_MARKS:])


def forget_after(store: Store, seq: int) -> None:
    """The server lacks records above ``seq``: no mark may vouch for them any more."""
    marks = load_marks(store)
    if any(m.seq > seq for m in marks):
        _save(store, [Mark(min(m.seq, seq), m.server_time, m.device_time) for m in marks])


def prune(store: Store, retention: timedelta, server_now: float, device_now: float) -> int:
    """Delete synced records covered by a mark at least ``retention`` old on both clocks."""
    keep_s = retention.total_seconds()
    marks = load_marks(store)
    due = [
        m
        for m in marks
        if server_now - m.server_time >= keep_s and device_now - m.device_time >= keep_s
    ]
    if not due:
        return 0
    through = max(m.seq for m in due)
    deleted = store.prune_synced_through(through)
    _save(store, [m for m in marks if m not in due])
    if deleted:
        log.info("pruned %d synced records up to seq %d", deleted, through)
    return deleted
