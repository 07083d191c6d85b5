"""The outbox: every record on its way to the server, in one of four explicit states.

Modelled on an acknowledgement queue (persist-queue's ``SQLiteAckQueue``): a record is *ready*
until a batch takes it, *unacked* while that batch is on the wire, then *acked* or *set aside*
by the server's answer. The states live with the records, in the kiosk database, so a crash
at any moment leaves each record in exactly one of them:

============  ===========================================================================
state         kept as
============  ===========================================================================
READY         ``records.sync_state = 'pending'``, not named by the unacked batch
UNACKED       ``pending`` and named by the unacked batch in ``meta['sync.inflight']``
              (``{"batch_id": …, "uuids": […]}``, at most one batch)
ACKED         ``records.sync_state = 'synced'``
SET_ASIDE     ``records.sync_state = 'quarantined'``, with the reason, for staff
============  ===========================================================================

Why an unacked batch is resumed with its id rather than put back as ready on start (as
``resume_unack_tasks`` does in persist-queue): its answer may have been lost after the server
stored it. It goes out again under the same ``Idempotency-Key`` with the same records, so the
server recognises the replay; a key always names one body. When part of it was settled before
a crash, what is left goes out as a new batch instead.
"""

from __future__ import annotations

import json
import logging
import uuid as uuidlib
from dataclasses import dataclass
from enum import StrEnum

from common.records import Record, SyncState
from kiosk.storage import Store

log = logging.getLogger("sync.outbox")

META_INFLIGHT = "sync.inflight"


class OutboxState(StrEnum):
    READY = "ready"
    UNACKED = "unacked"
    ACKED = "acked"
    SET_ASIDE = "set_aside"


@dataclass(frozen=True)
class Batch:
    """Records sent together under one idempotency key."""

    batch_id: str
    records: list[Record]

    @classmethod
    def new(cls, records: list[Record]) -> Batch:
        return cls(str(uuidlib.uuid4()), records)

    def halves(self) -> tuple[Batch, Batch]:
        """The two halves, each under a fresh key (a key names one body)."""
        half = len(self.records) // 2
        return Batch.new(self.records[:half]), Batch.new(self.records[half:])


def _inflight(batch: Batch) -> str:
    return json.dumps({"batch_id": batch.batch_id, "uuids": [r.uuid for r in batch.records]})


class Outbox:
    """The outbox of one kiosk database; use it from the thread that owns ``store``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _saved(self) -> tuple[str, list[str]] | None:
        text = self.store.get_meta(META_INFLIGHT)
        if not text:
            return None
        try:
            data = json.loads(text)
            return str(data["batch_id"]), [str(u) for u in data["uuids"]]
        except (ValueError, KeyError, TypeError):
            log.warning("discarding unreadable in-flight batch record")
            self.store.set_meta(META_INFLIGHT, "")
            return None

    def unacked(self) -> Batch | None:
        """The batch that was on the wire when the last run ended, to send again as it was."""
        saved = self._saved()
        if saved is None:
            return None
        batch_id, uuids = saved
        found = self.store.records(state=SyncState.PENDING, uuids=uuids)
        if not uuids or [r.uuid for r in found] != uuids:
            log.info("in-flight batch %s was partly settled; building a new one", batch_id)
            self.store.set_meta(META_INFLIGHT, "")
            return None
        log.info(
            "resending in-flight batch %s (%d records) with the same key", batch_id, len(uuids)
        )
        return Batch(batch_id, found)

    def take(self, batch: Batch) -> None:
        """READY → UNACKED: saved before the batch is sent, so a crash cannot lose its key."""
        self.store.set_meta(META_INFLIGHT, _inflight(batch))

    def release(self) -> None:
        """UNACKED → READY: the server refused the batch as a whole; its records go again in
        other batches (halves, under new keys)."""
        self.store.set_meta(META_INFLIGHT, "")

    def ack(
        self,
        acked: list[str],
        set_aside: dict[str, str],
        meta: dict[str, str] | None = None,
        then: Batch | None = None,
    ) -> None:
        """UNACKED → ACKED / SET_ASIDE from the server's answer, in one transaction with the
        ``meta`` entries it brings; records it did not answer for stay READY. ``then``, the
        batch to send next, is taken (READY → UNACKED) in the same transaction: one commit
        instead of two per batch, and still saved before it is sent."""
        inflight = _inflight(then) if then is not None else ""
        self.store.settle(acked, set_aside, {**(meta or {}), META_INFLIGHT: inflight})

    def set_aside(self, reasons: dict[str, str]) -> None:
        """→ SET_ASIDE: records that can never be sent (refused alone, or too large)."""
        self.store.quarantine(reasons)

    def state(self, record_uuid: str) -> OutboxState | None:
        """Where a record stands, or None when there is no such record (or it was pruned)."""
        for sync_state, outbox_state in (
            (SyncState.SYNCED, OutboxState.ACKED),
            (SyncState.QUARANTINED, OutboxState.SET_ASIDE),
        ):
            if self.store.records(state=sync_state, uuids=[record_uuid]):
                return outbox_state
        if not self.store.records(uuids=[record_uuid]):
            return None
        saved = self._saved()
        return OutboxState.UNACKED if saved and record_uuid in saved[1] else OutboxState.READY
