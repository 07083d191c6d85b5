"""Request signing: every failure is a 401 with a code the kiosk can act on."""

from __future__ import annotations

import time
import uuid
from email.utils import parsedate_to_datetime

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.protocol import HEADER_SIGNATURE, MAX_CLOCK_SKEW_S, PATH_HEARTBEAT, PATH_SYNC_STATE
from tests.server.kiosk_driver import KioskDriver
from tests.server.live import LiveServer


def assert_401(response: requests.Response, code: str) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_unknown_device(server: LiveServer) -> None:
    stranger = KioskDriver(server.url)
    assert_401(stranger.get(PATH_SYNC_STATE), "unknown_device")


def test_missing_headers(server: LiveServer) -> None:
    assert_401(requests.get(server.url + PATH_SYNC_STATE, timeout=5), "unknown_device")


def test_missing_or_garbled_signature(kiosk: KioskDriver) -> None:
    response = kiosk.get(PATH_SYNC_STATE, headers={HEADER_SIGNATURE: ""})
    assert_401(response, "bad_signature")
    response = kiosk.get(PATH_SYNC_STATE, headers={HEADER_SIGNATURE: "%%%"})
    assert_401(response, "bad_signature")


def test_signature_by_another_key(kiosk: KioskDriver) -> None:
    assert_401(kiosk.get(PATH_SYNC_STATE, key=Ed25519PrivateKey.generate()), "bad_signature")


def test_signature_covers_the_body(kiosk: KioskDriver) -> None:
    heartbeat = b'{"app_version": "0.1.0"}'
    signed_for_other_body = kiosk.request(
        "POST", PATH_HEARTBEAT, heartbeat, headers=_signed_for(kiosk, b"{}")
    )
    assert_401(signed_for_other_body, "bad_signature")


def _signed_for(kiosk: KioskDriver, body: bytes) -> dict[str, str]:
    from common.protocol import signed_headers

    return signed_headers(
        kiosk.key, kiosk.device_id, "POST", PATH_HEARTBEAT, int(time.time()), body
    )


def test_signature_covers_method_and_query(kiosk: KioskDriver) -> None:
    signed = kiosk.get(PATH_SYNC_STATE + "?probe=1")
    assert signed.status_code == 200
    stamp = int(time.time())
    from common.protocol import signed_headers

    headers = signed_headers(kiosk.key, kiosk.device_id, "GET", PATH_SYNC_STATE, stamp, b"")
    unsigned_query = requests.get(
        kiosk.base_url + PATH_SYNC_STATE + "?probe=1", headers=headers, timeout=5
    )
    assert_401(unsigned_query, "bad_signature")
    wrong_method = requests.post(kiosk.base_url + PATH_SYNC_STATE, headers=headers, timeout=5)
    assert wrong_method.status_code == 405


def test_clock_skew_tells_the_server_time(kiosk: KioskDriver) -> None:
    skewed = int(time.time()) - MAX_CLOCK_SKEW_S - 100
    response = kiosk.get(PATH_SYNC_STATE, timestamp=skewed)
    assert_401(response, "clock_skew")
    server_time = response.json()["server_time"]
    assert isinstance(server_time, int)
    assert abs(server_time - time.time()) < 60
    assert kiosk.get(PATH_SYNC_STATE, timestamp=int(time.time()) + 60).status_code == 200


def test_garbled_timestamp(kiosk: KioskDriver) -> None:
    response = kiosk.get(PATH_SYNC_STATE, headers={"X-Kiosk-Timestamp": "yesterday"})
    assert_401(response, "bad_signature")


def test_every_answer_carries_a_date(kiosk: KioskDriver, server: LiveServer) -> None:
    answers = [
        requests.get(server.url + "/api/v1/health", timeout=5),
        kiosk.get(PATH_SYNC_STATE),
        KioskDriver(server.url, str(uuid.uuid4())).get(PATH_SYNC_STATE),
        requests.get(server.url + "/nowhere", timeout=5),
    ]
    for response in answers:
        date = parsedate_to_datetime(response.headers["Date"])
        assert abs(date.timestamp() - time.time()) < 60
