"""The HTTP client's contract: typed errors, timeouts, signing, User-Agent, clock offset.

The fault proxy answers by itself here (nothing listens upstream), so each answer is exactly
the one under test, delivered over a real socket.
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest
from pydantic import BaseModel

from common import __version__, protocol
from common.messages import (
    BatchResponse,
    EnrollResponse,
    HealthResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    SyncStateResponse,
)
from kiosk.keys import generate_key
from sync.client import (
    AuthError,
    EnrollmentError,
    PermanentError,
    SyncClient,
    TooLarge,
    TransientError,
)
from tests.sync.faultproxy import HOLD, STATUS, TRICKLE, Fault, FaultProxy, error_body
from tests.sync.helpers import dead_url

SYNC_STATE = json.dumps({"high_water_mark": 0, "server_time": 0, "missing": []}).encode()
BATCH_ANSWER = {
    "batch_id": "b-1",
    "results": [],
    "high_water_mark": 0,
    "chain": {"intact": True, "missing": []},
}


@pytest.fixture
def proxy():
    with FaultProxy(dead_url()) as running:
        yield running


def make_client(url: str, **options) -> SyncClient:
    options.setdefault("read_timeout", 2.0)
    return SyncClient(url, device_id="device-1", private_key=generate_key(), **options)


@pytest.mark.parametrize(
    ("status", "body", "error", "code"),
    [
        (500, error_body("internal"), TransientError, "internal"),
        (502, b"<html>bad gateway</html>", TransientError, "server_error"),
        (503, error_body("unavailable"), TransientError, "unavailable"),
        (429, error_body("rate_limited"), TransientError, "rate_limited"),
        (401, error_body("revoked"), AuthError, "revoked"),
        (401, error_body("unknown_device"), AuthError, "unknown_device"),
        (401, error_body("bad_signature"), AuthError, "bad_signature"),
        (403, b"", AuthError, "forbidden"),
        (413, error_body("too_large"), TooLarge, "too_large"),
        (400, error_body("malformed"), PermanentError, "malformed"),
        (404, b"<html>not found</html>", PermanentError, "bad_answer"),
        (302, b"", TransientError, "redirect"),
        (200, b"<html>captive portal</html>", TransientError, "bad_answer"),
        (200, b"[1, 2]", TransientError, "bad_answer"),
        (200, b'{"high_water_mark": "ten"}', TransientError, "bad_answer"),
    ],
)
def test_every_answer_maps_to_one_typed_error(proxy, status, body, error, code):
    proxy.add(Fault(STATUS, status=status, body=body))
    client = make_client(proxy.url)
    with pytest.raises(error) as caught:
        client.sync_state()
    assert type(caught.value) is error
    assert caught.value.code == code
    assert str(caught.value)  # a readable sentence, never empty


def test_retry_after_is_carried_and_defaults_to_a_minute_for_429(proxy):
    proxy.add(Fault(STATUS, status=429, headers={"Retry-After": "12"}))
    proxy.add(Fault(STATUS, status=429))
    proxy.add(Fault(STATUS, status=503))
    client = make_client(proxy.url)
    delays = []
    for _ in range(3):
        with pytest.raises(TransientError) as caught:
            client.sync_state()
        delays.append(caught.value.retry_after)
    assert delays == [12.0, 60.0, None]


def test_refused_connection_is_transient():
    with pytest.raises(TransientError) as caught:
        make_client(dead_url()).health()
    assert caught.value.code == "network"


def test_a_stalled_answer_times_out_as_transient(proxy):
    proxy.arm_hold()
    proxy.add(Fault(HOLD, stage="before", delay=10))
    client = make_client(proxy.url, read_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(TransientError) as caught:
        client.sync_state()
    assert caught.value.code == "timeout"
    assert time.monotonic() - started < 5
    proxy.release.set()


def test_an_answer_trickling_in_is_cut_off_at_the_overall_deadline(proxy):
    # Each byte comes well within the read timeout, so only the overall deadline ends it.
    proxy.add(Fault(TRICKLE, status=200, body=SYNC_STATE, delay=0.05))
    client = make_client(proxy.url, read_timeout=1.0, deadline=0.5)
    started = time.monotonic()
    with pytest.raises(TransientError) as caught:
        client.sync_state()
    assert caught.value.code == "timeout"
    assert "too long" in str(caught.value)
    assert time.monotonic() - started < 2.0


def test_requests_carry_user_agent_and_a_valid_signature(proxy):
    key = generate_key()
    client = SyncClient(proxy.url, device_id="device-1", private_key=key)
    proxy.add(Fault(STATUS, status=200, body=json.dumps(BATCH_ANSWER).encode()))
    client.upload_batch("b-1", b"gzipped bytes")
    (seen,) = proxy.exchanges
    assert seen.headers["user-agent"] == f"Ukukavshiri-Kiosk/{__version__}"
    assert seen.headers["content-encoding"] == "gzip"
    assert seen.headers["idempotency-key"] == "b-1"
    assert seen.headers["x-kiosk-device"] == "device-1"
    assert seen.body == b"gzipped bytes"
    message = protocol.signing_message(
        "POST", protocol.PATH_BATCHES, int(seen.headers["x-kiosk-timestamp"]), seen.body
    )
    assert protocol.verify(protocol.public_key_b64(key), message, seen.headers["x-kiosk-signature"])


def test_a_server_path_prefix_is_part_of_the_signed_path(proxy):
    key = generate_key()
    client = SyncClient(proxy.url + "/ukuk/", device_id="d", private_key=key)
    proxy.add(Fault(STATUS, status=200, body=SYNC_STATE))
    client.sync_state()
    (seen,) = proxy.exchanges
    assert seen.path == "/ukuk" + protocol.PATH_SYNC_STATE
    message = protocol.signing_message(
        "GET", seen.path, int(seen.headers["x-kiosk-timestamp"]), b""
    )
    assert protocol.verify(protocol.public_key_b64(key), message, seen.headers["x-kiosk-signature"])


def test_the_date_header_corrects_a_wrong_tablet_clock(proxy):
    wrong = lambda: time.time() - 3 * 3600  # noqa: E731 - the tablet is three hours behind
    client = make_client(proxy.url, clock=wrong)
    proxy.add(Fault(STATUS, status=200, body=SYNC_STATE, times=2))
    client.sync_state()
    assert abs(client.clock_offset - 3 * 3600) < 3
    client.sync_state()
    stamp = int(proxy.exchanges[-1].headers["x-kiosk-timestamp"])
    assert abs(stamp - time.time()) < 3


def test_clock_skew_is_retried_once_with_the_server_time(proxy):
    server_time = int(time.time())
    skew = json.dumps(
        {"error": {"code": "clock_skew", "message": "off"}, "server_time": server_time}
    ).encode()
    # No Date header reaches the client from this answer, so only server_time can help.
    proxy.add(Fault(STATUS, status=401, body=skew, headers={"Date": ""}))
    proxy.add(Fault(STATUS, status=200, body=SYNC_STATE, headers={"Date": ""}))
    client = make_client(proxy.url, clock=lambda: time.time() + 7200)
    assert client.sync_state().high_water_mark == 0
    first, second = proxy.exchanges
    assert int(first.headers["x-kiosk-timestamp"]) - server_time > 7000
    assert abs(int(second.headers["x-kiosk-timestamp"]) - server_time) < 5


def test_clock_skew_twice_is_a_temporary_clock_problem_not_a_revocation(proxy):
    skew = json.dumps({"error": {"code": "clock_skew", "message": "off"}}).encode()
    proxy.add(Fault(STATUS, status=401, body=skew, times=2))
    with pytest.raises(TransientError) as caught:
        make_client(proxy.url).sync_state()
    assert caught.value.code == "clock_skew"
    assert "clock" in str(caught.value)
    assert len(proxy.exchanges) == 2


def test_not_modified_catalog_and_missing_catalog_are_not_errors(proxy):
    proxy.add(Fault(STATUS, status=304, body=b""))
    proxy.add(Fault(STATUS, status=404, body=error_body("no_catalog")))
    client = make_client(proxy.url)
    assert client.catalog('"v1"').changed is False
    assert proxy.exchanges[0].headers["if-none-match"] == '"v1"'
    assert client.catalog(None).changed is False


def test_only_http_urls_are_accepted():
    for bad in ("ftp://server", "server.example.ge", "https://"):
        with pytest.raises(ValueError, match="http"):
            SyncClient(bad)


# -- answers are the server's own message types ---------------------------------------------

DEVICE = "5f0c2a8e-3b1d-4c6e-9a7f-2d8b1e4c6a90"
HEARTBEAT = HeartbeatRequest(
    app_version=__version__,
    catalog_version=None,
    pending_count=0,
    free_disk_bytes=1,
    clock_offset_s=0.0,
)
DOCUMENTED: dict[str, tuple[dict[str, Any], type[BaseModel]]] = {
    "health": ({"status": "ok", "version": "0.1.0"}, HealthResponse),
    "enroll": (
        {
            "device_id": DEVICE,
            "kiosk_name": "lobby-1",
            "center_id": "central-service-hall",
            "server_time": 1773480625,
        },
        EnrollResponse,
    ),
    "sync_state": (
        {"high_water_mark": 2, "server_time": 1773480625, "missing": [[4, 5]]},
        SyncStateResponse,
    ),
    "upload_batch": (
        {
            "batch_id": "b-1",
            "results": [
                {"uuid": "u-1", "status": "stored", "reason": None, "message": None},
                {"uuid": "u-2", "status": "rejected", "reason": "bad_hash", "message": "m"},
            ],
            "high_water_mark": 1,
            "chain": {"intact": True, "missing": [[3, 3]]},
        },
        BatchResponse,
    ),
    "heartbeat": ({"server_time": 1773480625}, HeartbeatResponse),
}


def _call(client: SyncClient, name: str) -> BaseModel:
    if name == "health":
        return client.health()
    if name == "enroll":
        return client.enroll("K7QM-3XRT", DEVICE, protocol.public_key_b64(generate_key()))
    if name == "sync_state":
        return client.sync_state()
    if name == "upload_batch":
        return client.upload_batch("b-1", b"gzipped bytes")
    return client.heartbeat(HEARTBEAT)


def _answer(proxy: FaultProxy, data: Any, status: int = 200) -> None:
    proxy.add(Fault(STATUS, status=status, body=json.dumps(data).encode()))


def _with_future_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The answer as a newer server might send it: unknown keys at every level."""
    newer = copy.deepcopy(data)
    newer["added_later"] = {"anything": [1, "two", None]}
    for result in newer.get("results", []):
        result["retry_hint"] = 0
    if "chain" in newer:
        newer["chain"]["oldest_gap_at"] = "2026-03-14T09:30:12Z"
    return newer


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_each_answer_is_returned_as_its_message_type(proxy, name):
    data, model = DOCUMENTED[name]
    _answer(proxy, data)
    got = _call(make_client(proxy.url), name)
    assert type(got) is model
    assert got == model.model_validate_json(json.dumps(data))


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_an_answer_with_unknown_fields_from_a_newer_server_is_accepted(proxy, name):
    data, model = DOCUMENTED[name]
    _answer(proxy, _with_future_fields(data))
    got = _call(make_client(proxy.url), name)
    assert got == model.model_validate_json(json.dumps(data))
    assert "added_later" not in got.model_dump()


def _changed(name: str, path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(DOCUMENTED[name][0])
    *parents, last = path
    target: Any = data
    for part in parents:
        target = target[part]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return data


DELETE = object()
WRONG = [
    ("sync_state", ("high_water_mark",), "5"),
    ("sync_state", ("high_water_mark",), True),
    ("sync_state", ("high_water_mark",), 5.0),
    ("sync_state", ("high_water_mark",), DELETE),
    ("sync_state", ("missing",), [[4]]),
    ("upload_batch", ("results", 0, "status"), "ok"),
    ("upload_batch", ("results", 0, "uuid"), 7),
    ("upload_batch", ("high_water_mark",), "5"),
    ("upload_batch", ("chain",), DELETE),
    ("upload_batch", ("chain", "intact"), "yes"),
    ("health", ("status",), "fine"),
    ("enroll", ("device_id",), 5),
    ("enroll", ("server_time",), "2026-03-14T09:30:12Z"),
    ("heartbeat", ("server_time",), None),
]


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [
        pytest.param(
            n, p, v, id=f"{n}-{'.'.join(map(str, p))}={'deleted' if v is DELETE else repr(v)}"
        )
        for n, p, v in WRONG
    ],
)
def test_an_answer_of_the_wrong_type_is_a_bad_answer(proxy, name, path, value):
    _answer(proxy, _changed(name, path, value))
    with pytest.raises(TransientError) as caught:
        _call(make_client(proxy.url), name)
    assert caught.value.code == "bad_answer"
    assert caught.value.status == 200
    assert str(caught.value)


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_a_captive_portal_page_is_a_bad_answer_for_every_call(proxy, name):
    proxy.add(Fault(STATUS, status=200, body=b"<html><body>Please sign in</body></html>"))
    proxy.add(Fault(STATUS, status=200, body=b"\xff\xfe not UTF-8"))
    client = make_client(proxy.url)
    for _ in range(2):
        with pytest.raises(TransientError) as caught:
            _call(client, name)
        assert caught.value.code == "bad_answer"


def test_error_bodies_with_unknown_fields_are_still_understood(proxy):
    newer = {"error": {"code": "revoked", "message": "off", "hint": "x"}, "trace_id": "abc"}
    _answer(proxy, newer, status=401)
    with pytest.raises(AuthError) as caught:
        make_client(proxy.url).sync_state()
    assert caught.value.code == "revoked"

    server_time = int(time.time())
    skew = {"error": {"code": "clock_skew", "message": "off", "x": 1}, "server_time": server_time}
    proxy.add(Fault(STATUS, status=401, body=json.dumps(skew).encode(), headers={"Date": ""}))
    proxy.add(Fault(STATUS, status=200, body=SYNC_STATE, headers={"Date": ""}))
    client = make_client(proxy.url, clock=lambda: time.time() + 7200)
    assert client.sync_state().high_water_mark == 0
    assert abs(int(proxy.exchanges[-1].headers["x-kiosk-timestamp"]) - server_time) < 5


def test_an_error_body_of_the_wrong_shape_gives_no_code(proxy):
    _answer(proxy, {"error": {"code": 413, "message": "m"}}, status=400)
    with pytest.raises(PermanentError) as caught:
        make_client(proxy.url).sync_state()
    assert caught.value.code == "bad_answer"


def test_the_enrollment_body_is_exactly_the_enroll_request(proxy):
    _answer(proxy, DOCUMENTED["enroll"][0], status=201)
    key = protocol.public_key_b64(generate_key())
    make_client(proxy.url).enroll("K7QM-3XRT", DEVICE, key, "1.2.3")
    (seen,) = proxy.exchanges
    assert json.loads(seen.body) == {
        "code": "K7QM-3XRT",
        "device_id": DEVICE,
        "public_key": key,
        "app_version": "1.2.3",
    }


@pytest.mark.parametrize("code", ["", "K" * 33])
def test_an_enrollment_code_that_cannot_be_valid_is_refused_before_sending(proxy, code):
    with pytest.raises(EnrollmentError) as caught:
        make_client(proxy.url).enroll(code, DEVICE, protocol.public_key_b64(generate_key()))
    assert caught.value.code == "code_invalid"
    assert proxy.exchanges == []


def test_the_heartbeat_body_is_exactly_the_heartbeat_request(proxy):
    _answer(proxy, DOCUMENTED["heartbeat"][0])
    make_client(proxy.url).heartbeat(HEARTBEAT)
    (seen,) = proxy.exchanges
    sent = json.loads(seen.body)
    assert set(sent) == set(HeartbeatRequest.model_fields)
    assert HeartbeatRequest.model_validate_json(seen.body) == HEARTBEAT
