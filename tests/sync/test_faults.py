"""Every fault on the wire, then a clean sync: each record stored once, none falsely synced.

Thirty ratings go up in batches of ten; the fault hits the second batch (or another request),
so the first batch is settled, the second is in doubt, the third is not sent yet.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from common import protocol
from sync.client import AuthError, SyncError, TransientError
from sync.status import read_status
from tests.sync.faultproxy import (
    DROP_RESPONSE,
    GARBAGE,
    RESET_BEFORE,
    SLOW,
    STATUS,
    TRUNCATE,
    Fault,
    FaultProxy,
)
from tests.sync.helpers import check_invariants, enroll_new_kiosk, job, states, tap

FAULT_CLIENT = {"connect_timeout": 2.0, "read_timeout": 1.0, "deadline": 10.0}
BATCHES = protocol.PATH_BATCHES
RETRY_5 = {"Retry-After": "5"}
RETRY_30 = {"Retry-After": "30"}


def _job(data_dir, *, faulty: bool = True):
    """Batches of ten; short timeouts only for the run that meets a fault."""
    options = {"client_options": FAULT_CLIENT} if faulty else {}
    return job(data_dir, max_batch_records=10, **options)


def _keys(proxy) -> list[str]:
    return [e.headers.get("idempotency-key", "") for e in proxy.requests_to(BATCHES)]


BATCH_FAULTS = [
    # (id, fault, error, whether the server committed the faulted batch)
    ("reset-before-request", Fault(RESET_BEFORE), TransientError, False),
    ("answer-lost-after-commit", Fault(DROP_RESPONSE), TransientError, True),
    ("answer-too-slow", Fault(SLOW, delay=10), TransientError, True),
    ("injected-500", Fault(STATUS, status=500), TransientError, False),
    ("500-after-commit", Fault(STATUS, status=500, forward=True), TransientError, True),
    ("503-retry-after", Fault(STATUS, status=503, headers=RETRY_5), TransientError, False),
    ("429-retry-after", Fault(STATUS, status=429, headers=RETRY_30), TransientError, False),
    ("401", Fault(STATUS, status=401), AuthError, False),
    ("truncated-answer", Fault(TRUNCATE), TransientError, True),
    ("html-instead-of-json", Fault(GARBAGE), TransientError, True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("fault", "error", "committed"),
    [pytest.param(f, e, c, id=name) for name, f, e, c in BATCH_FAULTS],
)
def test_batch_fault_then_clean_sync(live_sqlite, clean_proxy, data_dir, fault, error, committed):
    _live, db = live_sqlite
    proxy = clean_proxy
    device = enroll_new_kiosk(db, data_dir, proxy.url)
    taps = set(tap(data_dir, 30))
    fault = proxy.add(replace(fault, path=BATCHES, after=1))

    with pytest.raises(error) as caught:
        _job(data_dir).run_once()
    assert str(caught.value)
    check_invariants(db, data_dir, device, taps)
    assert len(db.uuids(device)) == (20 if committed else 10)
    assert list(states(data_dir).values()).count("synced") == 10
    status = read_status(data_dir)
    assert status.state == ("stopped" if error is AuthError else "retrying")
    assert status.pending_count == 20
    if fault.headers.get("Retry-After"):
        assert caught.value.retry_after == float(fault.headers["Retry-After"])

    report = _job(data_dir, faulty=False).run_once()
    check_invariants(db, data_dir, device, taps)
    assert set(db.uuids(device)) == taps
    assert set(states(data_dir).values()) == {"synced"}
    assert (report.stored, report.duplicates) == ((10, 10) if committed else (20, 0))
    keys = _keys(proxy)
    # The batch in doubt is sent again under the same Idempotency-Key, never a new one.
    assert keys[1] == keys[2]
    assert len(set(keys)) == 3
    assert read_status(data_dir).state == "ok"


def _wrong_batch_answer(**changes: object) -> bytes:
    answer = {
        "batch_id": "b",
        "results": [],
        "high_water_mark": 0,
        "chain": {"intact": True, "missing": []},
    }
    return json.dumps(answer | changes).encode()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            _wrong_batch_answer(
                results=[{"uuid": None, "status": "ok", "reason": None, "message": None}]
            ),
            id="result-status-ok",
        ),
        pytest.param(_wrong_batch_answer(high_water_mark="5"), id="high-water-mark-text"),
    ],
)
def test_a_wrongly_typed_answer_after_commit_marks_nothing_synced(
    live_sqlite, clean_proxy, data_dir, body
):
    """The server stored the batch, but its answer cannot be read: nothing is settled."""
    _live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, clean_proxy.url)
    taps = set(tap(data_dir, 20))
    clean_proxy.add(Fault(STATUS, status=200, body=body, forward=True, path=BATCHES))

    with pytest.raises(TransientError) as caught:
        _job(data_dir).run_once()
    assert caught.value.code == "bad_answer"
    check_invariants(db, data_dir, device, taps)
    assert len(db.uuids(device)) == 10
    assert set(states(data_dir).values()) == {"pending"}

    report = _job(data_dir, faulty=False).run_once()
    assert (report.stored, report.duplicates) == (10, 10)
    check_invariants(db, data_dir, device, taps)
    assert set(states(data_dir).values()) == {"synced"}
    keys = _keys(clean_proxy)
    assert keys[0] == keys[1]  # the batch in doubt went again under the same key


def test_oversized_batch_is_split_in_halves_with_fresh_keys(live_sqlite, clean_proxy, data_dir):
    _live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, clean_proxy.url)
    taps = set(tap(data_dir, 30))
    clean_proxy.add(Fault(STATUS, status=413, path=BATCHES, after=1, times=2))

    report = _job(data_dir, faulty=False).run_once()
    assert report.splits == 2
    check_invariants(db, data_dir, device, taps)
    assert set(db.uuids(device)) == taps
    sizes = [len(_records_in(e.body)) for e in clean_proxy.requests_to(BATCHES)]
    # 10 ok, 10 refused, its half of 5 refused, 2 + 3, the other 5, then the last 10.
    assert sizes == [10, 10, 5, 2, 3, 5, 10]
    keys = _keys(clean_proxy)
    assert len(set(keys)) == len(keys)


def test_one_record_refused_as_too_large_once_goes_again_alone(live_sqlite, clean_proxy, data_dir):
    """The planner kept it under the server's limit, so one 413 (a proxy on the way, for a
    moment) does not set it aside: it goes once more alone, under a new key."""
    _live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, clean_proxy.url)
    taps = set(tap(data_dir, 1))
    clean_proxy.add(Fault(STATUS, status=413, path=BATCHES, times=1))

    _job(data_dir, faulty=False).run_once()
    check_invariants(db, data_dir, device, taps)
    assert set(db.uuids(device)) == taps
    keys = _keys(clean_proxy)
    assert len(keys) == 2 and len(set(keys)) == 2


def test_one_record_refused_as_too_large_twice_is_set_aside(live_sqlite, clean_proxy, data_dir):
    _live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, clean_proxy.url)
    (tapped,) = tap(data_dir, 1)
    clean_proxy.add(Fault(STATUS, status=413, path=BATCHES, times=2))

    report = _job(data_dir, faulty=False).run_once()
    assert report.rejected == 1 and db.uuids(device) == []
    assert states(data_dir) == {tapped: "quarantined"}
    assert len(set(_keys(clean_proxy))) == 2


def _records_in(body: bytes) -> list[dict]:
    import gzip
    import json

    return json.loads(gzip.decompress(body))["records"]


def test_connection_refused_then_clean_sync(live_sqlite, clean_proxy, data_dir):
    _live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, clean_proxy.url)
    taps = set(tap(data_dir, 12))
    with clean_proxy.refusing(), pytest.raises(TransientError) as caught:
        _job(data_dir).run_once()
    assert caught.value.code == "network"
    assert db.uuids(device) == []
    assert set(states(data_dir).values()) == {"pending"}
    _job(data_dir, faulty=False).run_once()
    check_invariants(db, data_dir, device, taps)
    assert set(db.uuids(device)) == taps


@pytest.mark.parametrize(
    ("path", "fault"),
    [
        pytest.param(protocol.PATH_SYNC_STATE, Fault(TRUNCATE), id="sync-state-truncated"),
        pytest.param(protocol.PATH_SYNC_STATE, Fault(STATUS, status=503), id="sync-state-503"),
        pytest.param(protocol.PATH_CATALOG, Fault(GARBAGE), id="catalog-html"),
        pytest.param(protocol.PATH_CATALOG, Fault(DROP_RESPONSE), id="catalog-lost"),
        pytest.param(protocol.PATH_HEARTBEAT, Fault(SLOW, delay=10), id="heartbeat-slow"),
        pytest.param(protocol.PATH_HEARTBEAT, Fault(RESET_BEFORE), id="heartbeat-reset"),
    ],
)
def test_faults_outside_uploads_lose_nothing(live_sqlite, clean_proxy, data_dir, path, fault):
    _live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, clean_proxy.url)
    taps = set(tap(data_dir, 15))
    clean_proxy.add(replace(fault, path=path))
    with pytest.raises(SyncError):
        _job(data_dir).run_once()
    check_invariants(db, data_dir, device, taps)
    assert not (data_dir / "catalog.json").exists() or path != protocol.PATH_CATALOG
    _job(data_dir, faulty=False).run_once()
    check_invariants(db, data_dir, device, taps)
    assert set(db.uuids(device)) == taps
    assert (data_dir / "catalog.json").exists()


def test_lost_answers_and_splits_on_every_backend(live_any, data_dir):
    """The cases where the server's transaction semantics matter, on SQLite and PostgreSQL."""
    live, db = live_any
    with FaultProxy(live.url) as proxy:
        device = enroll_new_kiosk(db, data_dir, proxy.url)
        taps = set(tap(data_dir, 30))
        proxy.add(Fault(DROP_RESPONSE, path=BATCHES, after=1))
        with pytest.raises(TransientError):
            _job(data_dir).run_once()
        check_invariants(db, data_dir, device, taps)
        proxy.add(Fault(STATUS, status=413, path=BATCHES))
        report = _job(data_dir, faulty=False).run_once()
    assert (report.stored, report.duplicates, report.splits) == (10, 10, 1)
    check_invariants(db, data_dir, device, taps)
    assert set(db.uuids(device)) == taps
