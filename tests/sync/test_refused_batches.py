"""A batch the server refuses as a whole never blocks the queue: it is split in halves down
to single records, only the record the server refuses alone is set aside (with the reason),
and everything else arrives.

The poison is a damaged row the real server refuses with 400 ``malformed`` (its reasons nest
deeper than the protocol allows, so any body holding it is refused whole), or a fault-proxy
rule refusing every batch that holds one chosen record.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from common import protocol
from kiosk.storage import Store
from sync.client import PermanentError
from sync.keys import KioskFiles
from sync.status import read_status
from tests.sync.faultproxy import STATUS, Fault, FaultProxy, error_body
from tests.sync.helpers import enroll_new_kiosk, job, poison, states, tap

BATCHES = protocol.PATH_BATCHES


def sizes(proxy: FaultProxy) -> list[int]:
    """Record counts of the batches sent, in order (0 for an empty batch)."""
    return [len(json.loads(gzip.decompress(e.body))["records"]) for e in proxy.requests_to(BATCHES)]


def aside(data_dir: Path) -> dict[str, str]:
    with Store(KioskFiles(data_dir).db_path) as store:
        return {record.uuid: reason for record, reason in store.quarantined()}


def test_a_record_the_real_server_refuses_whole_is_set_aside_and_the_rest_flows(
    live_sqlite, clean_proxy, data_dir
):
    _live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, clean_proxy.url)
    taps = tap(data_dir, 10)
    poisoned = taps[6]
    poison(data_dir, poisoned)

    report = job(data_dir, max_batch_records=10).run_once()

    assert sorted(db.uuids(device)) == sorted(set(taps) - {poisoned})
    assert list(aside(data_dir)) == [poisoned]
    assert aside(data_dir)[poisoned].startswith("malformed: ")
    assert {u: s for u, s in states(data_dir).items() if u != poisoned} == dict.fromkeys(
        set(taps) - {poisoned}, "synced"
    )
    # 10 refused; 5 fine; 5 refused; 2 refused; 1 fine; the poisoned one alone refused, an
    # empty batch accepted (the server takes this kiosk's batches), refused alone again; 3 fine.
    assert sizes(clean_proxy) == [10, 5, 5, 2, 1, 1, 0, 1, 3]
    keys = [e.headers["idempotency-key"] for e in clean_proxy.requests_to(BATCHES)]
    assert len(set(keys)) == len(keys)
    assert (report.stored, report.rejected, report.splits) == (9, 1, 3)
    status = read_status(data_dir)
    assert (status.state, status.pending_count, status.quarantined_count) == ("ok", 0, 1)

    # The set-aside seq stays a gap on the server; the next runs neither resend nor probe.
    sent = len(clean_proxy.requests_to(BATCHES))
    again = job(data_dir).run_once()
    assert (again.uploaded, again.resent) == (0, 0)
    assert len(clean_proxy.requests_to(BATCHES)) == sent
    later = set(tap(data_dir, 3))
    assert job(data_dir).run_once().stored == 3
    assert set(db.uuids(device)) == (set(taps) - {poisoned}) | later


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "bad_head_signature"), (400, "malformed"), (409, "idempotency_conflict")],
)
def test_a_record_refused_whole_by_any_code_is_set_aside_with_the_servers_reason(
    live_sqlite, clean_proxy, data_dir, status, code
):
    _live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, clean_proxy.url)
    taps = tap(data_dir, 6)
    poisoned = taps[0]
    clean_proxy.add(
        Fault(
            STATUS,
            path=BATCHES,
            status=status,
            body=error_body(code, "Refused by the test server."),
            body_has=poisoned.encode(),
            times=100,
        )
    )

    report = job(data_dir).run_once()

    assert aside(data_dir) == {poisoned: f"{code}: Refused by the test server."}
    assert sorted(db.uuids(device)) == sorted(taps[1:])
    assert report.rejected == 1
    assert read_status(data_dir).pending_count == 0


def test_when_the_server_refuses_every_batch_nothing_is_set_aside(
    live_sqlite, clean_proxy, data_dir
):
    """Refusing even an empty batch is not the records' fault: they all stay pending."""
    _live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, clean_proxy.url)
    taps = set(tap(data_dir, 4))
    clean_proxy.add(
        Fault(STATUS, path=BATCHES, status=400, body=error_body("bad_head_signature"), times=100)
    )

    with pytest.raises(PermanentError) as caught:
        job(data_dir).run_once()

    assert caught.value.code == "bad_head_signature"
    assert aside(data_dir) == {}
    assert set(states(data_dir).values()) == {"pending"}
    assert sizes(clean_proxy)[-1] == 0  # the empty batch was tried, and refused too
    status = read_status(data_dir)
    assert (status.state, status.last_error_code) == ("error", "bad_head_signature")

    clean_proxy.clear()
    assert job(data_dir).run_once().stored == 4
    assert set(db.uuids(device)) == taps


def test_a_record_that_cannot_be_encoded_is_set_aside_before_sending(live_sqlite, data_dir):
    live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, live.url)
    taps = tap(data_dir, 3)
    with Store(KioskFiles(data_dir).db_path) as store:
        damaged = store.get(taps[1])
        assert damaged is not None
        # A lone surrogate: readable from the row, but no UTF-8 body can carry it.
        store.conn.execute(
            "UPDATE records SET reasons = ? WHERE seq = ?", ('["\\ud800"]', damaged.seq)
        )

    report = job(data_dir).run_once()

    assert aside(data_dir)[taps[1]].startswith("malformed: ")
    assert sorted(db.uuids(device)) == sorted([taps[0], taps[2]])
    assert report.stored == 2
