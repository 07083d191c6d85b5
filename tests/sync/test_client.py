"""The HTTP client's contract: typed errors, timeouts, signing, User-Agent, clock offset.

The fault proxy answers by itself here (nothing listens upstream), so each answer is exactly
the one under test, delivered over a real socket.
"""

from __future__ import annotations

import json
import time

import pytest

from common import __version__, protocol
from sync.client import (
    AuthError,
    PermanentError,
    SyncClient,
    TooLarge,
    TransientError,
)
from sync.keys import generate_key
from tests.sync.faultproxy import HOLD, STATUS, TRICKLE, Fault, FaultProxy, error_body
from tests.sync.helpers import dead_url

SYNC_STATE = json.dumps({"high_water_mark": 0, "server_time": 0, "missing": []}).encode()


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
    proxy.add(Fault(STATUS, status=200, body=b'{"batch_id": "b", "results": []}'))
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
    assert client.sync_state()["high_water_mark"] == 0
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
