"""The outbox's states: ready → unacked → acked or set aside, kept across restarts.

The unacked batch is stored as it always was (``meta['sync.inflight']``, its id and record
uuids), so a kiosk updated with a batch in flight resumes it under the same key.
"""

from __future__ import annotations

import json

import pytest

from kiosk.storage import Store
from kiosk.writer import RecordWriter
from sync.job import SyncJob
from sync.keys import KioskFiles
from sync.outbox import META_INFLIGHT, Batch, Outbox, OutboxState
from tests.sync.helpers import draft


@pytest.fixture
def store(data_dir):
    with Store(KioskFiles(data_dir).db_path) as opened:
        yield opened


def test_a_record_goes_from_ready_to_unacked_to_acked_or_set_aside(store):
    records = [store.append(draft()) for _ in range(3)]
    outbox = Outbox(store)
    assert {outbox.state(r.uuid) for r in records} == {OutboxState.READY}

    outbox.take(Batch("batch-1", records))
    assert {outbox.state(r.uuid) for r in records} == {OutboxState.UNACKED}

    first, second, third = records
    outbox.ack([first.uuid], {second.uuid: "unknown_service: not in the catalog"})
    assert outbox.state(first.uuid) is OutboxState.ACKED
    assert outbox.state(second.uuid) is OutboxState.SET_ASIDE
    # Not answered for: ready again, never lost.
    assert outbox.state(third.uuid) is OutboxState.READY
    assert outbox.unacked() is None
    assert outbox.state("no-such-record") is None


def test_the_unacked_batch_is_resumed_with_its_key_after_a_restart(data_dir):
    path = KioskFiles(data_dir).db_path
    with Store(path) as store:
        records = [store.append(draft()) for _ in range(4)]
        Outbox(store).take(Batch("batch-7", records))
    with Store(path) as reopened:
        resumed = Outbox(reopened).unacked()
    assert resumed == Batch("batch-7", records)


def test_a_batch_stored_by_an_earlier_version_is_resumed(store):
    records = [store.append(draft()) for _ in range(2)]
    store.set_meta(
        META_INFLIGHT, json.dumps({"batch_id": "old-batch", "uuids": [r.uuid for r in records]})
    )
    assert Outbox(store).unacked() == Batch("old-batch", records)


def test_a_partly_settled_batch_is_not_resumed_under_its_key(store):
    records = [store.append(draft()) for _ in range(3)]
    outbox = Outbox(store)
    outbox.take(Batch("batch-2", records))
    store.mark_synced([records[0].uuid])  # settled just before a crash
    assert outbox.unacked() is None
    assert store.get_meta(META_INFLIGHT) == ""
    assert outbox.state(records[1].uuid) is OutboxState.READY


@pytest.mark.parametrize("saved", ["not json", '{"batch_id": "b"}', "[1, 2]"])
def test_an_unreadable_unacked_batch_is_dropped_and_its_records_stay_ready(store, saved):
    record = store.append(draft())
    store.set_meta(META_INFLIGHT, saved)
    outbox = Outbox(store)
    assert outbox.unacked() is None
    assert outbox.state(record.uuid) is OutboxState.READY


def test_released_batch_records_are_ready_again_and_halves_get_new_keys(store):
    records = [store.append(draft()) for _ in range(5)]
    outbox = Outbox(store)
    batch = Batch("batch-3", records)
    outbox.take(batch)
    outbox.release()
    assert {outbox.state(r.uuid) for r in records} == {OutboxState.READY}
    first, second = batch.halves()
    assert (first.records, second.records) == (records[:2], records[2:])
    assert len({batch.batch_id, first.batch_id, second.batch_id}) == 3


def test_the_sync_job_commits_without_waiting_for_the_disk_and_ratings_wait(data_dir):
    """The sync job's bookkeeping may be taken back by a power cut (records then go again and
    the server answers duplicates); a rating's commit waits for the disk (kiosk.storage)."""
    job = SyncJob(data_dir)
    try:
        assert job.store().conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    finally:
        job.close()
    with Store(KioskFiles(data_dir).db_path) as store:
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    writer = RecordWriter(KioskFiles(data_dir).db_path)
    try:
        assert writer.call(lambda s: s.conn.execute("PRAGMA synchronous").fetchone()[0]) == 2
    finally:
        writer.close()
