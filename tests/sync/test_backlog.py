"""A long-offline kiosk catches up in bounded memory: never more than a batch at a time."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import ClassVar

from common.records import Record
from kiosk.storage import Store
from tests.sync.helpers import check_invariants, enroll_new_kiosk, job, tap


class CountingStore(Store):
    """The real Store, remembering how many records each ``pending`` call asked for."""

    asked: ClassVar[list[int]] = []

    def pending(self, limit: int = 500, after_seq: int = 0) -> list[Record]:
        CountingStore.asked.append(limit)
        return super().pending(limit, after_seq)


def test_a_3000_record_backlog_arrives_reading_at_most_500_at_a_time(live_sqlite, data_dir):
    live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, live.url)
    taps = set(tap(data_dir, 3000))
    CountingStore.asked = []

    def open_store(path: Path) -> Store:
        return CountingStore(path)

    sync = job(data_dir, store_factory=open_store)
    tracemalloc.start()
    try:
        report = sync.run_once()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        sync.close()
    assert report.stored == 3000
    assert report.batches == 6
    check_invariants(db, data_dir, device, taps)
    assert set(db.uuids(device)) == taps
    assert CountingStore.asked
    assert max(CountingStore.asked) <= 500
    # One batch of 500 small records is a few MiB in Python; the whole backlog would be more.
    assert peak < 24 * 2**20, f"peak {peak / 2**20:.1f} MiB"
