"""The sync job reads the server's answers as the server's own message types.

The fault proxy plays the server here (nothing listens upstream): each answer is exactly the
one under test. A newer server's extra fields are ignored; an answer of the wrong type settles
nothing, so every record stays pending and goes out again with the same key.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from common import protocol
from common.messages import HeartbeatRequest
from kiosk.storage import Store
from sync import heartbeat
from sync.client import TransientError
from sync.keys import KioskFiles
from sync.outbox import META_INFLIGHT
from sync.server_view import META_SERVER_HWM
from sync.status import read_status
from tests.sync.faultproxy import STATUS, Fault, FaultProxy, error_body
from tests.sync.helpers import dead_url, fake_enrollment, job, states, tap

SYNC_STATE = {"high_water_mark": 0, "server_time": 1773480625, "missing": []}


@pytest.fixture
def server() -> Iterator[FaultProxy]:
    with FaultProxy(dead_url()) as running:
        yield running


def _answer(server: FaultProxy, path: str, data: Any, status: int = 200) -> None:
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    server.add(Fault(STATUS, path=path, status=status, body=body))


def _batch_answer(uuids: list[str]) -> dict[str, Any]:
    first, second, third = uuids
    return {
        "batch_id": "whatever",
        "results": [
            {"uuid": first, "status": "stored", "reason": None, "message": None},
            {"uuid": second, "status": "duplicate", "reason": None, "message": None},
            {
                "uuid": third,
                "status": "rejected",
                "reason": "unknown_service",
                "message": "Not in this center's catalog.",
            },
        ],
        "high_water_mark": 3,
        "chain": {"intact": True, "missing": []},
    }


def _newer(data: dict[str, Any]) -> dict[str, Any]:
    """As a newer server might answer: unknown keys at every level."""
    newer = copy.deepcopy(data)
    newer["server_build"] = "2027.1"
    for result in newer.get("results", []):
        result["stored_at"] = "2027-01-01T00:00:00Z"
    if "chain" in newer:
        newer["chain"]["checked_at"] = 1773480625
    return newer


def _hwm(data_dir: Path) -> str | None:
    with Store(KioskFiles(data_dir).db_path) as store:
        return store.get_meta(META_SERVER_HWM)


def test_answers_with_unknown_fields_from_a_newer_server_settle_the_batch(server, data_dir):
    fake_enrollment(data_dir, server.url)
    uuids = tap(data_dir, 3)
    _answer(server, protocol.PATH_SYNC_STATE, _newer(SYNC_STATE))
    _answer(server, protocol.PATH_BATCHES, _newer(_batch_answer(uuids)))
    no_catalog = json.loads(error_body("no_catalog")) | {"docs": "https://example.ge"}
    _answer(server, protocol.PATH_CATALOG, no_catalog, status=404)
    _answer(server, protocol.PATH_HEARTBEAT, {"server_time": 1773480625, "next_in_s": 300})

    report = job(data_dir).run_once()

    assert (report.stored, report.duplicates, report.rejected) == (1, 1, 1)
    assert states(data_dir) == dict(zip(uuids, ["synced", "synced", "quarantined"], strict=True))
    with Store(KioskFiles(data_dir).db_path) as store:
        ((_record, reason),) = store.quarantined()
    assert reason == "unknown_service: Not in this center's catalog."
    assert _hwm(data_dir) == "3"
    assert read_status(data_dir).state == "ok"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        pytest.param(("results", 0, "status"), "ok", id="result-status-ok"),
        pytest.param(("high_water_mark",), "5", id="high-water-mark-text"),
        pytest.param(("results", 1, "uuid"), 2, id="result-uuid-number"),
        pytest.param(("chain", "missing"), [[1, "2"]], id="missing-text"),
    ],
)
def test_a_batch_answer_of_the_wrong_type_marks_nothing_synced(server, data_dir, path, value):
    fake_enrollment(data_dir, server.url)
    uuids = tap(data_dir, 3)
    wrong = _batch_answer(uuids)
    target: Any = wrong
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    _answer(server, protocol.PATH_SYNC_STATE, SYNC_STATE)
    _answer(server, protocol.PATH_BATCHES, wrong)

    with pytest.raises(TransientError) as caught:
        job(data_dir).run_once()

    assert caught.value.code == "bad_answer"
    assert set(states(data_dir).values()) == {"pending"}
    assert _hwm(data_dir) in (None, "", "0")
    status = read_status(data_dir)
    assert (status.state, status.last_error_code) == ("retrying", "bad_answer")
    # The batch stays in flight: the next run sends it again under the same key.
    with Store(KioskFiles(data_dir).db_path) as store:
        inflight = json.loads(store.get_meta(META_INFLIGHT) or "{}")
    (sent,) = server.requests_to(protocol.PATH_BATCHES)
    assert inflight == {"batch_id": sent.headers["idempotency-key"], "uuids": uuids}


def test_a_sync_state_of_the_wrong_type_uploads_nothing(server, data_dir):
    fake_enrollment(data_dir, server.url)
    tap(data_dir, 3)
    _answer(server, protocol.PATH_SYNC_STATE, SYNC_STATE | {"high_water_mark": "5"})

    with pytest.raises(TransientError) as caught:
        job(data_dir).run_once()

    assert caught.value.code == "bad_answer"
    assert server.requests_to(protocol.PATH_BATCHES) == []
    assert set(states(data_dir).values()) == {"pending"}
    assert _hwm(data_dir) in (None, "", "0")


def test_the_heartbeat_is_a_valid_heartbeat_request_even_with_odd_readings(data_dir, monkeypatch):
    fake_enrollment(data_dir, dead_url())
    tap(data_dir, 2)
    monkeypatch.setattr(heartbeat, "battery_percent", lambda: 255)
    monkeypatch.setattr(heartbeat, "free_disk_bytes", lambda _path: None)
    sync = job(data_dir)
    try:
        report = sync.heartbeat_report(sync.store(), -1.23456, "x\x00" * 3000)
    finally:
        sync.close()
    assert HeartbeatRequest.model_validate_json(report.model_dump_json()) == report
    assert report.pending_count == 2
    assert report.battery_percent is None
    assert report.free_disk_bytes == 0
    assert report.last_sync_error == "x" * 2000
    assert report.clock_offset_s == -1.235
