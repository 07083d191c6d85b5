"""Uploading the outbox: batches in seq order, each settled by the server's answer.

Nothing lost: a record is acked only when the server's answer says it was stored (or already
was); every other outcome leaves it ready to go again. Nothing counted twice: a batch is
recorded as unacked, with its key, before it is sent, and a batch in doubt goes again under
the same key (:mod:`sync.outbox`).

A batch the server will not take as it is gets split, so one bad record cannot hold back the
others:

- **413 too_large**: sent again in halves, each under a new key; a single record so refused
  is sent once more alone under a new key, and set aside (``too_large``) only if it is
  refused again.
- **Refused as a whole** (400 ``malformed``, ``bad_head_signature`` or
  ``missing_idempotency_key``; 409 ``idempotency_conflict``): halves as well, down to single
  records. A single record refused as a whole is set aside, with the server's reason, only
  when the server accepts an empty batch from this kiosk right then (so it takes this kiosk's
  batches and the trouble is the record) and refuses the record alone once more under a new
  key. When even the empty batch is refused, the fault is not the record's: the run stops with
  the error and nothing is set aside.

The next batch is built while the server stores the last one: the request waits on a thread of
its own (:class:`~concurrent.futures.ThreadPoolExecutor`, one worker, so one request at a time)
while this thread reads, encodes, gzips and signs the records that come next. Only one batch is
ever on the wire; the one built ahead is taken (made UNACKED) in the same transaction that
settles the answer before it, and sent after that, so its records still go in seq order, under
a key saved before sending. When that answer makes records pending again (the server lacks
them), the batch built ahead is released unsent and the upload starts over from the lowest
pending seq, as before; when the answer is an error, it is dropped, never having been taken.
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common import protocol
from common.messages import BatchResponse
from common.records import Record
from kiosk.storage import Store
from sync.batching import REASON_TOO_LARGE, BatchPlanner
from sync.body import signed_body
from sync.client import PermanentError, SyncClient, TooLarge
from sync.outbox import Batch, Outbox
from sync.report import RunReport
from sync.server_view import ServerView, reconcile, remembered

log = logging.getLogger("sync.upload")

REFUSED_WHOLE = frozenset(
    {"malformed", "bad_head_signature", "missing_idempotency_key", "idempotency_conflict"}
)
"""Error codes with which the server refuses a batch as a whole (``docs/protocol.md``)."""


def refused_whole(exc: PermanentError) -> bool:
    return exc.status in (400, 409) and exc.code in REFUSED_WHOLE


@dataclass(frozen=True)
class Ready:
    """A batch and its signed, gzip'd body, ready to send."""

    batch: Batch
    body: bytes


class Uploader:
    """One run's uploads: the unacked batch first, then new batches until none is left."""

    def __init__(
        self,
        store: Store,
        client: SyncClient,
        planner: BatchPlanner,
        key: Callable[[], Ed25519PrivateKey],
        report: RunReport,
        server_time: float,
    ) -> None:
        """``server_time``: the server's clock in this run's sync state."""
        self.store = store
        self.client = client
        self.planner = planner
        self.key = key
        self.report = report
        self.server_time = server_time
        self.outbox = Outbox(store)
        self.device_id = store.device_id

    def run(self) -> None:
        # Each queued batch comes with how often its single record was refused already.
        queue: deque[tuple[Batch, int]] = deque()
        resumed = self.outbox.unacked()
        if resumed is not None:
            queue.append((resumed, 0))
        cursor = 0
        taken: Ready | None = None  # built ahead and taken with the last answer: it goes next
        with ThreadPoolExecutor(1, thread_name_prefix="sync-upload") as wire:
            while True:
                if taken is not None:
                    ready, refusals, taken = taken, 0, None
                else:
                    item = queue.popleft() if queue else self._next(cursor)
                    if item is None:
                        return
                    batch, refusals = item
                    self.outbox.take(batch)
                    ready = Ready(batch, self._body(batch))
                batch = ready.batch
                in_flight = wire.submit(self.client.upload_batch, batch.batch_id, ready.body)
                reached = max([cursor, *(r.seq for r in batch.records[-1:])])
                ahead = None if queue else self._prepare(reached)
                try:
                    answer = in_flight.result()
                except TooLarge:
                    self.outbox.release()
                    self._too_large(queue, batch, refusals)
                    continue
                except PermanentError as exc:
                    if not refused_whole(exc):
                        raise
                    self.outbox.release()
                    self._refused_whole(queue, batch, refusals, exc)
                    continue
                self.report.batches += 1
                then = ahead.batch if ahead is not None else None
                if self.settle(batch.records, answer, then):
                    cursor = 0
                    if then is not None:
                        self.outbox.release()  # taken, never sent: its records go again later
                else:
                    cursor, taken = reached, ahead

    def _next(self, cursor: int) -> tuple[Batch, int] | None:
        """A new batch of the ready records above ``cursor``, or None when none is left."""
        batch_id = str(uuidlib.uuid4())
        records = self.planner.next_batch(self.store, cursor, batch_id, self.device_id)
        return (Batch(batch_id, records), 0) if records else None

    def _prepare(self, cursor: int) -> Ready | None:
        """The next new batch above ``cursor`` with its body, built but not taken."""
        item = self._next(cursor)
        return None if item is None else Ready(item[0], self._body(item[0]))

    def _too_large(self, queue: deque[tuple[Batch, int]], batch: Batch, refusals: int) -> None:
        if len(batch.records) > 1:
            log.info("batch of %d refused as too large; sending it in halves", len(batch.records))
            self._split(queue, batch)
        elif refusals == 0:
            # The planner kept it under the server's limit: a proxy on the way may have
            # refused it for a moment. Once more alone, under a new key, before setting it aside.
            queue.appendleft((Batch.new(batch.records), 1))
        else:
            reason = f"{REASON_TOO_LARGE}: refused by the server as too large"
            self._set_aside(batch.records[0], reason)

    def _refused_whole(
        self, queue: deque[tuple[Batch, int]], batch: Batch, refusals: int, exc: PermanentError
    ) -> None:
        if len(batch.records) > 1:
            log.warning(
                "batch of %d refused as a whole (%s); sending it in halves",
                len(batch.records),
                exc.code,
            )
            self._split(queue, batch)
        elif refusals == 0:
            self._check_server_takes_batches(exc)
            queue.appendleft((Batch.new(batch.records), 1))
        else:
            self._set_aside(batch.records[0], f"{exc.code}: {exc.detail or exc.message}")

    def _body(self, batch: Batch) -> bytes:
        return signed_body(
            self.key(), self.device_id, batch.batch_id, batch.records, self.planner.encoded
        )

    def _split(self, queue: deque[tuple[Batch, int]], batch: Batch) -> None:
        self.report.splits += 1
        first, second = batch.halves()
        queue.extendleft([(second, 0), (first, 0)])

    def _check_server_takes_batches(self, refusal: PermanentError) -> None:
        """Send an empty batch; if the server refuses it too, stop with ``refusal``."""
        control = Batch.new([])
        body = signed_body(self.key(), self.device_id, control.batch_id, [])
        try:
            self.client.upload_batch(control.batch_id, body)
        except PermanentError as exc:
            if refused_whole(exc):
                log.error(
                    "the server refuses even an empty batch (%s): nothing is set aside", exc.code
                )
                raise refusal from exc
            raise

    def _set_aside(self, record: Record, reason: str) -> None:
        log.warning("record seq %d set aside: %s", record.seq, reason)
        self.outbox.set_aside({record.uuid: reason})
        self.report.rejected += 1

    def settle(
        self, records: list[Record], answer: BatchResponse, then: Batch | None = None
    ) -> int:
        """Settle a batch from the server's answer; how many records were made pending again
        because the server turned out to lack them. ``then``: the batch to send next, taken
        (made UNACKED) in the same transaction."""
        sent = {r.uuid: r for r in records}
        acked: list[str] = []
        rejected: dict[str, str] = {}
        answered = 0
        for item in answer.results:
            record = sent.get(item.uuid) if item.uuid is not None else None
            if record is None:
                log.warning("the server answered for a record not in the batch: %s", item.uuid)
                continue
            answered = max(answered, record.seq)
            if item.status == protocol.STORED:
                acked.append(record.uuid)
                self.report.stored += 1
            elif item.status == protocol.DUPLICATE:
                acked.append(record.uuid)
                self.report.duplicates += 1
            else:
                reason = item.reason or "rejected"
                rejected[record.uuid] = f"{reason}: {item.message}" if item.message else reason
                self.report.rejected += 1
        done = set(acked) | set(rejected)
        unanswered = [r.uuid for r in records if r.uuid not in done]
        if unanswered:
            log.warning("the server did not answer for %d records; kept pending", len(unanswered))
            self.report.left_pending.extend(unanswered)
        if rejected:
            log.warning("the server refused %d records; set aside for staff", len(rejected))
        view = ServerView(answer.high_water_mark, answer.chain.missing, answered)
        self.outbox.ack(acked, rejected, remembered(view, self.server_time), then)
        resent = reconcile(self.store, view, self.server_time, probe=False)
        self.report.resent += resent
        return resent
