"""Which pending records go together in the next batch: by count, by bytes, in seq order.

Why lazily, one batch at a time: a kiosk offline for weeks may hold tens of thousands of
ratings; reading them all at once would cost memory the tablet may not have. Each batch reads
at most ``max_records`` pending records above a cursor (``Store.pending(limit, after_seq)``).

A record too large to fit any batch on its own is set aside at once (quarantined, with the
reason ``too_large``) instead of blocking every record behind it; so is a damaged row that
cannot be encoded at all (``malformed``).
"""

from __future__ import annotations

import logging

from common import protocol
from common.records import Record
from kiosk.storage import Store
from sync.body import encode_record, envelope_overhead

log = logging.getLogger("sync.batching")

REASON_TOO_LARGE = "too_large"
"""Local quarantine reason: one record alone is over the server's body limit."""
REASON_MALFORMED = "malformed"
"""Local quarantine reason: a damaged row that cannot be encoded as JSON at all."""


class BatchPlanner:
    """Plans batches under the protocol's limits; remembers the encodings of the last one."""

    def __init__(
        self,
        max_records: int = protocol.MAX_BATCH_RECORDS,
        max_bytes: int = protocol.MAX_BODY_BYTES,
    ) -> None:
        self.max_records = min(max_records, protocol.MAX_BATCH_RECORDS)
        self.max_bytes = min(max_bytes, protocol.MAX_BODY_BYTES)
        self.encoded: dict[str, bytes] = {}
        """Encodings of the batch planned last, so each record is serialised once."""

    def next_batch(
        self, store: Store, after_seq: int, batch_id: str, device_id: str
    ) -> list[Record]:
        """The next pending records that fit one batch by count and by uncompressed bytes."""
        budget = self.max_bytes - envelope_overhead(batch_id, device_id)
        while True:
            candidates = store.pending(limit=self.max_records, after_seq=after_seq)
            chosen: list[Record] = []
            used = 0
            unsendable: dict[str, str] = {}
            self.encoded = {}
            for record in candidates:
                try:
                    encoded = encode_record(record)
                except (ValueError, TypeError) as exc:
                    # A damaged row (NaN, a non-text value) can never be sent as it is.
                    unsendable[record.uuid] = (
                        f"{REASON_MALFORMED}: the record cannot be encoded: {exc}"
                    )
                    continue
                size = len(encoded) + (1 if chosen else 0)
                if size > budget and not chosen:
                    unsendable[record.uuid] = (
                        f"{REASON_TOO_LARGE}: the record alone is larger than the upload limit"
                    )
                    continue
                if used + size > budget:
                    break
                chosen.append(record)
                self.encoded[record.uuid] = encoded
                used += size
            if unsendable:
                log.error("setting aside %d records that cannot be uploaded", len(unsendable))
                store.quarantine(unsendable)
            if chosen or not candidates:
                return chosen
            # Only oversized records were found: they are set aside now, look further.
