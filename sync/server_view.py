"""What the server holds of this kiosk's chain, and sending again what it lacks.

The server tells where it stands in every batch answer and in the sync state asked at the
start of each run: its high-water mark (every seq up to it received) and the gaps below the
highest seq it received. The kiosk compares that with its own synced records - which no
enrollment clears - rather than with a mark it remembered: after the server is restored from a
backup and the kiosk enrolled again, the remembered mark is gone, but the records still say
what was sent. A record is marked synced only once the server answered for it, so the
server's chain reached at least that far then.

1. A synced record inside a gap: the server lost it; it and every synced record after it go
   again.
2. No gap, and synced records above the mark: the server's chain ends at the mark, so it lost
   them; they go again.
3. Gaps, and synced records above the seq just after the last gap: where the server's chain
   ends is not known (it received that seq, maybe more). The newest synced record goes again
   alone, as a probe: the answer's gaps then reach up to it, and rule 1 applies. What a batch
   answer showed is remembered with the view it came with, so an unchanged server is not
   probed again for a day (:data:`PROBE_EVERY_S`, server time); a new enrollment forgets it.
   So a server restored without the kiosk enrolling again is found out within a day, long
   before pruning (which waits for the retention) could delete what it lacks.

Rule 3 only arises when a seq never reaches the server (a record refused as a whole and set
aside): a rejected record the server answered for counts as received.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from common.records import Record, SyncState
from kiosk.storage import Store
from sync.pruning import forget_after

log = logging.getLogger("sync.server_view")

META_SERVER_HWM = "sync.server_hwm"
META_SERVER_END = "sync.server_end"
"""The last batch answer's view, with the highest seq it answered for (rule 3)."""
PROBE_EVERY_S = 24 * 3600.0
"""How long what a batch answer showed of the server's chain end is trusted (rule 3)."""


def usable_ranges(missing: list[tuple[int, int]], limit: int = 10_000) -> list[tuple[int, int]]:
    """The first ``limit`` ``[from, to]`` ranges of a ``missing`` field that make sense."""
    return [(low, high) for low, high in missing[:limit] if 0 < low <= high]


@dataclass(frozen=True)
class ServerView:
    """The server's high-water mark and gaps; ``answered`` is the highest seq it answered for
    in the same exchange (a batch answer), 0 for a sync state."""

    high_water_mark: int
    missing: list[tuple[int, int]] = field(default_factory=list)
    answered: int = 0

    @property
    def ranges(self) -> list[tuple[int, int]]:
        return usable_ranges(self.missing)

    def _key(self) -> list[object]:
        return [self.high_water_mark, [list(r) for r in self.ranges]]

    def known_end(self, remembered: int = 0) -> int:
        """The highest seq the server is known to have received."""
        ranges = self.ranges
        end = ranges[-1][1] + 1 if ranges else self.high_water_mark
        return max(end, self.answered, remembered)


def _remembered_end(store: Store, view: ServerView, server_time: float) -> int:
    """The chain end a recent batch answer showed under the same view, else 0."""
    text = store.get_meta(META_SERVER_END)
    if not text:
        return 0
    try:
        saved = json.loads(text)
        fresh = abs(server_time - float(saved["at"])) < PROBE_EVERY_S
        return int(saved["end"]) if fresh and saved["view"] == view._key() else 0
    except (ValueError, KeyError, TypeError):
        return 0


def _newest_synced(store: Store) -> Record | None:
    found = store.records(state=SyncState.SYNCED, newest_first=True, limit=1)
    return found[0] if found else None


def confirmed_through(store: Store, view: ServerView, server_time: float) -> int:
    """The seq up to which the server holds every record of this kiosk it can hold (all but
    those it named as gaps, which the kiosk sends again), for pruning."""
    return view.known_end(_remembered_end(store, view, server_time))


def remembered(view: ServerView, server_time: float) -> dict[str, str]:
    """The ``meta`` entries that keep what ``view`` says (as of ``server_time``, the run's sync
    state), to be written with what the answer settles, in the same transaction."""
    entries = {META_SERVER_HWM: str(max(view.high_water_mark, 0))}
    if view.answered:
        entries[META_SERVER_END] = json.dumps(
            {"view": view._key(), "end": view.known_end(), "at": server_time}
        )
    return entries


def reconcile(store: Store, view: ServerView, server_time: float, *, probe: bool = True) -> int:
    """Compare the server's view with the synced records; make pending again what the server
    lacks. Returns how many records were made pending (a probe counts as one).

    The view must already be remembered (:func:`remembered`). ``probe``: apply rule 3. Only at
    the start of a run: during the uploads, the batch that reaches the newest records answers
    for them anyway.
    """
    lowest: int | None = None
    for low, high in view.ranges:
        found = store.records(state=SyncState.SYNCED, seqs=(low, high), limit=1)
        if found and (lowest is None or found[0].seq < lowest):
            lowest = found[0].seq
    if lowest is not None:
        return _resend(store, lowest - 1, f"the server lacks synced records from seq {lowest}")
    end = view.known_end(_remembered_end(store, view, server_time))
    newest = _newest_synced(store)
    if newest is None or newest.seq <= end or (view.ranges and not probe):
        return 0
    if not view.ranges:
        return _resend(
            store,
            end,
            f"the server's chain ends at seq {end} but seq {newest.seq} was synced "
            "(restored from a backup?)",
        )
    log.info("the server's chain end is unknown above seq %d; probing with seq %d", end, newest.seq)
    return store.resend_after(newest.seq - 1)


def _resend(store: Store, after_seq: int, why: str) -> int:
    resent = store.resend_after(after_seq)
    forget_after(store, after_seq)
    log.warning("%s; %d records will be sent again", why, resent)
    store.audit("sync_resend", f"{why}; {resent} resent")
    return resent
