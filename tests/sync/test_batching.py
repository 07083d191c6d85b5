"""Batches: at most 500 records and 1 MiB uncompressed, signed head, built lazily."""

from __future__ import annotations

import gzip
import json
import uuid

from common import protocol
from common.messages import BatchRequest
from common.records import Record, verify_chain
from kiosk.storage import Store
from sync.body import build_body, envelope_overhead
from sync.job import SyncJob
from sync.keys import KioskFiles
from tests.sync.helpers import dead_url, draft, fake_enrollment, states


def _batches(job: SyncJob, store: Store) -> list[list[Record]]:
    """Plan every batch the job would send, in order, without sending any."""
    planned: list[list[Record]] = []
    cursor = 0
    while True:
        batch = job.next_batch(store, cursor, str(uuid.uuid4()), store.device_id)
        if not batch:
            return planned
        planned.append(batch)
        cursor = batch[-1].seq


def test_batches_hold_at_most_500_records_in_sequence_order(data_dir):
    fake_enrollment(data_dir, dead_url())
    with Store(KioskFiles(data_dir).db_path) as store:
        for _ in range(1203):
            store.append(draft())
        planned = _batches(SyncJob(data_dir), store)
    assert [len(b) for b in planned] == [500, 500, 203]
    seqs = [r.seq for batch in planned for r in batch]
    assert seqs == list(range(1, 1204))


def test_batches_stay_under_one_mebibyte_uncompressed(data_dir):
    fake_enrollment(data_dir, dead_url())
    comment = "ქართული კომენტარი " * 400  # ~ 20 kB of UTF-8 per record
    with Store(KioskFiles(data_dir).db_path) as store:
        for _ in range(120):
            store.append(draft(kind="comment", score=None, comment=comment))
        sync = SyncJob(data_dir)
        planned = _batches(sync, store)
        assert len(planned) > 1
        assert sum(len(b) for b in planned) == 120
        for batch in planned:
            batch_id = str(uuid.uuid4())
            body = gzip.decompress(sync._body(store, batch_id, batch))
            assert len(body) <= protocol.MAX_BODY_BYTES
            # Full: one more record would not have fitted.
            assert len(body) + len(comment.encode()) > protocol.MAX_BODY_BYTES - 4096 or (
                batch is planned[-1]
            )


def test_a_batch_body_is_the_protocol_envelope_with_a_signed_head(data_dir):
    fake_enrollment(data_dir, dead_url())
    files = KioskFiles(data_dir)
    with Store(files.db_path) as store:
        for score in (1, 3, 5):
            store.append(draft(score=score))
        sync = SyncJob(data_dir)
        records = sync.next_batch(store, 0, "b", store.device_id)
        body = json.loads(gzip.decompress(sync._body(store, "batch-1", records)))
        device_id = store.device_id
    assert set(body) == {"batch_id", "device_id", "records", "head", "head_signature"}
    assert body["batch_id"] == "batch-1"
    assert body["device_id"] == device_id
    assert [Record.from_wire(r) for r in body["records"]] == records
    assert verify_chain(body["records"]) is None
    assert body["head"] == {"seq": 3, "hash": records[-1].hash}
    public = protocol.public_key_b64(files.private_key())
    message = protocol.head_message(device_id, 3, records[-1].hash)
    assert protocol.verify(public, message, body["head_signature"])


def test_a_batch_body_the_job_builds_is_a_valid_batch_request(data_dir):
    """The body is assembled by hand for speed; the server's own model must still accept it."""
    fake_enrollment(data_dir, dead_url())
    with Store(KioskFiles(data_dir).db_path) as store:
        rating = store.append(draft(score=2))
        store.append(draft(kind="reasons", score=None, rating_uuid=rating.uuid, reasons=["a"]))
        store.append(
            draft(kind="comment", score=None, rating_uuid=rating.uuid, comment='გმადლობთ "ok"')
        )
        sync = SyncJob(data_dir)
        batch_id = str(uuid.uuid4())
        records = sync.next_batch(store, 0, batch_id, store.device_id)
        raw = gzip.decompress(sync._body(store, batch_id, records))
    batch = BatchRequest.model_validate_json(raw)
    assert batch.batch_id == batch_id
    assert [r.model_dump() for r in batch.records] == [r.to_wire() for r in records]
    assert (batch.head.seq, batch.head.hash) == (3, records[-1].hash)


def test_envelope_overhead_bounds_the_real_envelope():
    batch_id, device_id = str(uuid.uuid4()), str(uuid.uuid4())
    real = build_body(
        batch_id,
        device_id,
        [],
        head_seq=123456789,
        head_hash="a" * 64,
        head_signature="B" * 88,
    )
    assert len(real) <= envelope_overhead(batch_id, device_id)
    assert json.loads(real)["records"] == []


def test_a_record_too_large_for_any_batch_is_set_aside_not_stuck(data_dir):
    fake_enrollment(data_dir, dead_url())
    with Store(KioskFiles(data_dir).db_path) as store:
        small = store.append(draft())
        huge = store.append(draft(kind="comment", score=None, comment="x" * (1024 * 1024)))
        after = store.append(draft())
        planned = _batches(SyncJob(data_dir), store)
        reasons = dict((r.uuid, why) for r, why in store.quarantined())
    assert [[r.uuid for r in b] for b in planned] == [[small.uuid], [after.uuid]]
    assert states(data_dir)[huge.uuid] == "quarantined"
    assert reasons[huge.uuid].startswith("too_large")


def test_batches_are_read_lazily_a_batch_at_a_time(data_dir):
    fake_enrollment(data_dir, dead_url())
    asked: list[tuple[int, int]] = []

    class CountingStore(Store):
        def pending(self, limit: int = 500, after_seq: int = 0) -> list[Record]:
            asked.append((limit, after_seq))
            return super().pending(limit, after_seq)

    with CountingStore(KioskFiles(data_dir).db_path) as store:
        for _ in range(1100):
            store.append(draft())
        _batches(SyncJob(data_dir), store)
    assert asked == [(500, 0), (500, 500), (500, 1000), (500, 1100)]
