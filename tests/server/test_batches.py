"""Batches through the real server: outcomes per record, idempotency, limits and the chain."""

from __future__ import annotations

import gzip
import json
import threading
import uuid
from collections.abc import Callable, Iterator

import pytest
import requests

from common.protocol import (
    HEADER_IDEMPOTENCY,
    MAX_BATCH_RECORDS,
    MAX_BODY_BYTES,
    PATH_BATCHES,
    PATH_ENROLL,
    PATH_HEALTH,
    PATH_HEARTBEAT,
    PATH_SYNC_STATE,
)
from common.records import GENESIS_HASH
from tests.server.conftest import OPEN_CENTER
from tests.server.kiosk_driver import KioskDriver, make_record
from tests.server.live import LiveServer


def statuses(response: requests.Response) -> list[tuple[str, str | None]]:
    assert response.status_code == 200, response.text
    return [(r["status"], r["reason"]) for r in response.json()["results"]]


def stored_count(server: LiveServer, kiosk: KioskDriver) -> int:
    rows = server.query("SELECT count(*) FROM records WHERE device_id = :d", d=kiosk.device_id)
    return int(rows[0][0])


def test_records_are_stored_once_and_duplicates_succeed(
    server: LiveServer, kiosk: KioskDriver
) -> None:
    records = kiosk.chain(3)
    first = kiosk.post_batch(records)
    assert statuses(first) == [("stored", None)] * 3
    body = first.json()
    assert body["high_water_mark"] == 3
    assert body["chain"] == {"intact": True, "missing": []}
    assert [r["uuid"] for r in body["results"]] == [r["uuid"] for r in records]

    again = kiosk.post_batch(records)  # a new batch id carrying the same records
    assert statuses(again) == [("duplicate", None)] * 3
    assert again.json()["high_water_mark"] == 3
    assert stored_count(server, kiosk) == 3


def test_replayed_batch_gives_the_same_outcome_and_counts_once(
    server: LiveServer, kiosk: KioskDriver
) -> None:
    records = kiosk.chain(4)
    batch_id = str(uuid.uuid4())
    first = kiosk.post_batch(records, batch_id=batch_id)
    replay = kiosk.post_batch(records, batch_id=batch_id)
    assert statuses(first) == [("stored", None)] * 4
    assert statuses(replay) == [("duplicate", None)] * 4
    assert replay.json()["high_water_mark"] == first.json()["high_water_mark"] == 4
    assert stored_count(server, kiosk) == 4
    rows = server.query(
        "SELECT times_received, record_count, stored, duplicate, rejected, head_seq "
        "FROM batches WHERE device_id = :d AND batch_id = :b",
        d=kiosk.device_id,
        b=batch_id,
    )
    assert [tuple(r) for r in rows] == [(2, 4, 4, 0, 0, 4)]


def test_uncompressed_body_is_accepted(kiosk: KioskDriver) -> None:
    response = kiosk.post_batch(kiosk.chain(2), compress=False)
    assert statuses(response) == [("stored", None)] * 2


def test_conflicting_records_are_rejected_never_overwritten(
    server: LiveServer, kiosk: KioskDriver
) -> None:
    original = kiosk.record(1)
    assert statuses(kiosk.post_batch([original])) == [("stored", None)]

    same_uuid = kiosk.record(1, uuid=original["uuid"], score=1)
    same_seq = kiosk.record(1, score=2)
    response = kiosk.post_batch([same_uuid, same_seq])
    assert statuses(response) == [("rejected", "conflict"), ("rejected", "conflict")]
    assert all(r["message"] for r in response.json()["results"])

    rows = server.query(
        "SELECT uuid, score, hash FROM records WHERE device_id = :d", d=kiosk.device_id
    )
    assert [tuple(r) for r in rows] == [(original["uuid"], 4, original["hash"])]
    kept = server.query(
        "SELECT reason, raw FROM rejected_records WHERE device_id = :d", d=kiosk.device_id
    )
    assert sorted(json.loads(r.raw)["uuid"] for r in kept) == sorted(
        [same_uuid["uuid"], same_seq["uuid"]]
    )
    assert {r.reason for r in kept} == {"conflict"}


def test_each_rejection_reason(server: LiveServer, kiosk: KioskDriver) -> None:
    good = kiosk.record(1)
    other_device = make_record(str(uuid.uuid4()), 2, center_id="tbilisi")
    bad_hash = kiosk.record(3, rehash=False)
    bad_hash["hash"] = "ab" * 32
    cases: list[tuple[dict | str, str]] = [
        (other_device, "wrong_device"),
        (bad_hash, "bad_hash"),
        (kiosk.record(4, service_id="no-such-service"), "unknown_service"),
        (kiosk.record(4, center_id=OPEN_CENTER), "wrong_center"),
        (kiosk.record(4, language="fr"), "unknown_language"),
        (kiosk.record(4, kind="reasons", score=None, reasons=("no-such",)), "unknown_reason"),
        (kiosk.record(4, flags=["test"]), "malformed"),
        (kiosk.record(5, score=0), "score_out_of_range"),
        (kiosk.record(6, score=6), "score_out_of_range"),
        (kiosk.record(7, score=None), "score_out_of_range"),
        (kiosk.record(8, kind="reasons", rating_uuid=good["uuid"], score=3), "score_out_of_range"),
        ({**kiosk.record(9), "seq": "9"}, "malformed"),
        ({k: v for k, v in kiosk.record(10).items() if k != "language"}, "malformed"),
        (kiosk.record(11, extra_field=1), "malformed"),
        ("not an object", "malformed"),
    ]
    response = kiosk.post_batch([good, *(record for record, _ in cases)])
    results = response.json()["results"]
    assert statuses(response) == [("stored", None)] + [("rejected", r) for _, r in cases]
    assert results[-1]["uuid"] is None
    assert all(r["message"] for r in results[1:])

    kept = server.query(
        "SELECT reason, raw, seq FROM rejected_records WHERE device_id = :d ORDER BY id",
        d=kiosk.device_id,
    )
    assert [r.reason for r in kept] == [reason for _, reason in cases]
    assert json.loads(kept[0].raw)["device_id"] == other_device["device_id"]
    assert kept[0].seq is None  # another device's seq says nothing about this chain


def test_rejected_records_are_not_stored_twice_on_replay(
    server: LiveServer, kiosk: KioskDriver
) -> None:
    bad = kiosk.record(1, service_id="no-such-service")
    batch_id = str(uuid.uuid4())
    for _ in range(2):
        assert statuses(kiosk.post_batch([bad], batch_id=batch_id)) == [
            ("rejected", "unknown_service")
        ]
    rows = server.query(
        "SELECT count(*) FROM rejected_records WHERE device_id = :d", d=kiosk.device_id
    )
    assert rows[0][0] == 1


def test_center_without_catalog_accepts_any_service(
    enrolled: Callable[..., KioskDriver],
) -> None:
    kiosk = enrolled(OPEN_CENTER)
    response = kiosk.post_batch(kiosk.chain(1, service_id="anything-at-all"))
    assert statuses(response) == [("stored", None)]


def test_gaps_give_missing_ranges_and_fill_in(kiosk: KioskDriver) -> None:
    records = kiosk.chain(7)
    first = kiosk.post_batch(records[:3] + records[5:])
    assert first.json()["high_water_mark"] == 3
    assert first.json()["chain"] == {"intact": True, "missing": [[4, 5]]}
    state = kiosk.get(PATH_SYNC_STATE)
    assert state.status_code == 200
    assert state.json()["high_water_mark"] == 3
    assert state.json()["missing"] == [[4, 5]]
    assert isinstance(state.json()["server_time"], int)

    filled = kiosk.post_batch(records[3:5])
    assert filled.json()["high_water_mark"] == 7
    assert filled.json()["chain"] == {"intact": True, "missing": []}
    assert kiosk.get(PATH_SYNC_STATE).json()["missing"] == []


def test_late_start_reports_the_gap_from_one(kiosk: KioskDriver) -> None:
    records = kiosk.chain(5)
    response = kiosk.post_batch(records[3:])
    assert response.json()["high_water_mark"] == 0
    assert response.json()["chain"]["missing"] == [[1, 3]]


def test_broken_link_is_reported(kiosk: KioskDriver) -> None:
    first = kiosk.record(1)
    second = kiosk.record(2, prev_hash="cd" * 32)
    response = kiosk.post_batch([first, second])
    assert statuses(response) == [("stored", None)] * 2
    assert response.json()["chain"]["intact"] is False
    # A broken first link (seq 1 must follow the genesis hash) is found too.


def test_broken_link_found_when_the_earlier_record_arrives_later(kiosk: KioskDriver) -> None:
    records = kiosk.chain(2)
    records[1] = kiosk.record(2, prev_hash="ef" * 32)
    assert kiosk.post_batch([records[1]]).json()["chain"]["intact"] is True
    assert kiosk.post_batch([records[0]]).json()["chain"]["intact"] is False


def test_rejected_record_does_not_hold_the_mark_back(kiosk: KioskDriver) -> None:
    first = kiosk.record(1)
    refused = kiosk.record(2, first["hash"], service_id="no-such-service")
    third = kiosk.record(3, refused["hash"])
    response = kiosk.post_batch([first, refused, third])
    assert statuses(response)[1] == ("rejected", "unknown_service")
    assert response.json()["high_water_mark"] == 3
    assert response.json()["chain"] == {"intact": True, "missing": []}


def test_empty_batch_reports_state(kiosk: KioskDriver) -> None:
    response = kiosk.post_batch([])
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert response.json()["high_water_mark"] == 0


# -- whole-batch refusals ------------------------------------------------------------------------


def error_code(response: requests.Response) -> str:
    return response.json()["error"]["code"]


def post_raw(
    kiosk: KioskDriver, raw: bytes, path: str = PATH_BATCHES, batch_id: str | None = None
) -> requests.Response:
    """``raw`` signed as it is, with an Idempotency-Key (``batch_id`` or a fresh one)."""
    headers = {HEADER_IDEMPOTENCY: batch_id or str(uuid.uuid4())}
    return kiosk.request("POST", path, raw, headers=headers)


def test_too_many_records(kiosk: KioskDriver) -> None:
    records = [kiosk.record(1)] * (MAX_BATCH_RECORDS + 1)
    response = kiosk.post_batch(records)
    assert response.status_code == 413
    assert error_code(response) == "too_large"


def test_declared_oversized_body_is_refused_before_reading(kiosk: KioskDriver) -> None:
    body = b"x" * (MAX_BODY_BYTES + 1)
    response = kiosk.request(
        "POST", PATH_BATCHES, body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert error_code(response) == "too_large"


def test_streamed_oversized_body_is_refused(kiosk: KioskDriver, server: LiveServer) -> None:
    """Without Content-Length (chunked), the server stops reading at the limit."""

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"y" * 65536

    response = requests.post(
        server.url + PATH_BATCHES,
        data=chunks(),
        headers={"X-Kiosk-Device": kiosk.device_id, "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert error_code(response) == "too_large"


def test_gzip_bomb_is_refused_and_the_server_stays_up(
    kiosk: KioskDriver, server: LiveServer
) -> None:
    bomb = gzip.compress(b"[" + b" " * (50 * MAX_BODY_BYTES) + b"]", compresslevel=9)
    assert len(bomb) < MAX_BODY_BYTES
    response = kiosk.request("POST", PATH_BATCHES, bomb, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 413
    assert error_code(response) == "too_large"
    assert requests.get(server.url + "/api/v1/health", timeout=5).status_code == 200
    assert statuses(kiosk.post_batch(kiosk.chain(1))) == [("stored", None)]


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda body: "not json at all", "malformed"),
        (lambda body: {**body, "records": "nope"}, "malformed"),
        (lambda body: {k: v for k, v in body.items() if k != "head"}, "malformed"),
        (lambda body: {**body, "device_id": str(uuid.uuid4())}, "malformed"),
        (lambda body: {**body, "surprise": True}, "malformed"),
        (lambda body: {**body, "head": {"seq": 1, "hash": "00" * 32}}, "bad_head_signature"),
    ],
    ids=["not-json", "records-not-list", "no-head", "other-device", "unknown-key", "bad-head"],
)
def test_malformed_batches(kiosk: KioskDriver, mutate: Callable, code: str) -> None:
    body = mutate(kiosk.batch_body(kiosk.chain(1)))
    raw = (body if isinstance(body, str) else json.dumps(body)).encode()
    response = post_raw(
        kiosk, raw, batch_id=body.get("batch_id") if isinstance(body, dict) else None
    )
    assert response.status_code == 400, response.text
    assert error_code(response) == code


def test_nan_is_not_json(kiosk: KioskDriver) -> None:
    body = kiosk.batch_body([])
    raw = json.dumps(body).replace('"seq": 0', '"seq": NaN').encode()
    response = post_raw(kiosk, raw, batch_id=body["batch_id"])
    assert response.status_code == 400
    assert error_code(response) == "malformed"


def test_idempotency_key_must_match_batch_id(kiosk: KioskDriver) -> None:
    response = kiosk.post_batch(kiosk.chain(1), headers={"Idempotency-Key": "something-else"})
    assert response.status_code == 400
    assert error_code(response) == "malformed"


def test_idempotency_key_is_required_and_bound_to_its_content(
    server: LiveServer, kiosk: KioskDriver
) -> None:
    records = kiosk.chain(2)
    missing = kiosk.request("POST", PATH_BATCHES, json.dumps(kiosk.batch_body(records)).encode())
    assert missing.status_code == 400
    assert error_code(missing) == "missing_idempotency_key"
    batch_id = str(uuid.uuid4())
    assert statuses(kiosk.post_batch(records[:1], batch_id)) == [("stored", None)]
    conflict = kiosk.post_batch(records, batch_id)
    assert conflict.status_code == 409
    assert error_code(conflict) == "idempotency_conflict"
    assert stored_count(server, kiosk) == 1


def test_hostile_bodies_are_refused_and_the_server_stays_up(
    server: LiveServer, kiosk: KioskDriver
) -> None:
    """Deep nesting and 64-bit overflows used to be a 500 (or a dropped connection)."""
    deep = b"[" * 10_000 + b"]" * 10_000
    for path in (PATH_BATCHES, PATH_ENROLL, PATH_HEARTBEAT):
        response = post_raw(kiosk, deep, path)
        assert response.status_code == 400, (path, response.text)
        assert error_code(response) == "malformed"
    first = kiosk.record(1)
    body = kiosk.batch_body([first])
    body["records"].append(kiosk.record(2**63, first["hash"]))
    huge = post_raw(kiosk, json.dumps(body).encode(), batch_id=body["batch_id"])
    assert statuses(huge) == [("stored", None), ("rejected", "malformed")]
    assert huge.json()["high_water_mark"] == 1
    assert requests.get(server.url + PATH_HEALTH, timeout=5).status_code == 200


def test_bad_encodings(kiosk: KioskDriver) -> None:
    raw = json.dumps(kiosk.batch_body(kiosk.chain(1))).encode()
    brotli = kiosk.request("POST", PATH_BATCHES, raw, headers={"Content-Encoding": "br"})
    assert brotli.status_code == 415
    assert error_code(brotli) == "unsupported_media_type"
    not_gzip = kiosk.request("POST", PATH_BATCHES, raw, headers={"Content-Encoding": "gzip"})
    assert not_gzip.status_code == 400
    assert error_code(not_gzip) == "malformed"


def test_racing_identical_batches_store_each_record_once(
    server: LiveServer, kiosk: KioskDriver
) -> None:
    records = kiosk.chain(40)
    body = kiosk.batch_body(records)
    barrier = threading.Barrier(2)
    responses: list[requests.Response] = []

    def post() -> None:
        driver = KioskDriver(server.url, kiosk.device_id)
        driver.key = kiosk.key
        raw = json.dumps(body).encode()
        barrier.wait()
        responses.append(
            driver.request("POST", PATH_BATCHES, raw, headers={"Idempotency-Key": body["batch_id"]})
        )

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.status_code for r in responses] == [200, 200]
    for index in range(len(records)):
        outcome = sorted(r.json()["results"][index]["status"] for r in responses)
        assert outcome == ["duplicate", "stored"]
    assert stored_count(server, kiosk) == 40
    assert {r.json()["high_water_mark"] for r in responses} == {40}
    assert records[0]["prev_hash"] == GENESIS_HASH


def test_text_that_no_database_can_hold_is_malformed(
    server: LiveServer, kiosk: KioskDriver
) -> None:
    """NUL characters and lone surrogates are refused per record, never a server error."""
    nul = kiosk.record(1, comment="a\x00b")
    surrogate = kiosk.record(2, comment="\ud800", rehash=False)
    odd_key = {**kiosk.record(3), "\ud800\x00": 1}
    body = kiosk.batch_body([nul, surrogate, odd_key])
    response = post_raw(kiosk, json.dumps(body).encode("ascii"), batch_id=body["batch_id"])
    assert statuses(response) == [("rejected", "malformed")] * 3
    kept = server.query(
        "SELECT count(*) FROM rejected_records WHERE device_id = :d", d=kiosk.device_id
    )
    assert kept[0][0] == 3
