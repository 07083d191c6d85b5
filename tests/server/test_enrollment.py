"""Enrollment codes and the enroll endpoint, through the real CLI and HTTP server."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.protocol import PATH_ENROLL, PATH_SYNC_STATE, b64
from tests.server.conftest import CENTER, KioskPool, unique_name
from tests.server.kiosk_driver import KioskDriver
from tests.server.live import BACKENDS, LiveServer, make_server


def kiosk_row(server: LiveServer, name: str) -> dict:
    listing = json.loads(server.cli("kiosks", "--json").stdout)
    return next(row for row in listing if row["name"] == name)


def test_enroll_binds_the_device(server: LiveServer) -> None:
    name = unique_name()
    code = server.add_kiosk(name, CENTER)
    assert len(code) == 9 and code[4] == "-"
    assert kiosk_row(server, name)["status"] == "pending"

    driver = KioskDriver(server.url)
    response = driver.enroll(code)
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "device_id": driver.device_id,
        "kiosk_name": name,
        "center_id": CENTER,
        "server_time": body["server_time"],
    }
    assert isinstance(body["server_time"], int)
    assert abs(body["server_time"] - time.time()) < 60
    row = kiosk_row(server, name)
    assert (row["status"], row["device_id"]) == ("active", driver.device_id)
    assert driver.get(PATH_SYNC_STATE).status_code == 200


def test_code_accepted_without_dash_in_lower_case(
    server: LiveServer, kiosk_pool: KioskPool
) -> None:
    code = kiosk_pool.take()[1]
    response = KioskDriver(server.url).enroll(code.replace("-", "").lower())
    assert response.status_code == 201


def test_code_works_once(server: LiveServer, kiosk_pool: KioskPool) -> None:
    code = kiosk_pool.take()[1]
    assert KioskDriver(server.url).enroll(code).status_code == 201
    second = KioskDriver(server.url).enroll(code)
    assert second.status_code == 404
    assert second.json()["error"]["code"] == "code_invalid"


@pytest.mark.parametrize("code", ["ABCD-EFGH", "0000-0000", "!!", "ABCD-EFGH-JKMN"])
def test_unknown_codes(server: LiveServer, code: str) -> None:
    response = KioskDriver(server.url).enroll(code)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "code_invalid"


def test_expired_code(server: LiveServer) -> None:
    code = server.add_kiosk(unique_name(), CENTER, expires_in=0)
    response = KioskDriver(server.url).enroll(code)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "code_expired"


def test_device_of_another_active_kiosk_conflicts(
    server: LiveServer, kiosk_pool: KioskPool
) -> None:
    first = KioskDriver(server.url)
    assert first.enroll(kiosk_pool.take()[1]).status_code == 201

    code = kiosk_pool.take()[1]
    clash = KioskDriver(server.url, device_id=first.device_id)
    response = clash.enroll(code)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "device_conflict"
    # The code was not used up by the refused attempt.
    assert KioskDriver(server.url).enroll(code).status_code == 201


@pytest.mark.parametrize(
    "overrides",
    [
        {"public_key": "c2hvcnQ="},
        {"public_key": "not base64!"},
        {"device_id": "not-a-uuid"},
        {"app_version": 1},
        {"code": None},
        {"app_version": "\ud800"},
    ],
    ids=["short-key", "not-base64", "bad-device", "version-type", "no-code", "surrogate"],
)
def test_malformed_enroll(server: LiveServer, kiosk_pool: KioskPool, overrides: dict) -> None:
    code = kiosk_pool.take()[1]
    response = KioskDriver(server.url).enroll(code, overrides)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed"


@pytest.mark.parametrize(
    "raw",
    [bytes(32), b"\x01" + bytes(31)],
    ids=["all-zero", "identity"],
)
def test_small_order_keys_are_refused(
    server: LiveServer, kiosk_pool: KioskPool, raw: bytes
) -> None:
    """With such a key anyone could sign as the kiosk (``test_app_inprocess`` shows how)."""
    code = kiosk_pool.take()[1]
    response = KioskDriver(server.url).enroll(code, {"public_key": b64(raw)})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_public_key"
    assert KioskDriver(server.url).enroll(code).status_code == 201  # the code still works


def test_enroll_body_must_be_json(server: LiveServer) -> None:
    driver = KioskDriver(server.url)
    response = driver.session.post(server.url + PATH_ENROLL, data=b"{nope", timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed"


def test_reenroll_replaces_the_key_and_the_chain_continues(
    server: LiveServer, kiosk_pool: KioskPool
) -> None:
    name, code = kiosk_pool.take()
    driver = KioskDriver(server.url)
    assert driver.enroll(code).status_code == 201
    records = driver.chain(3)
    assert driver.post_batch(records[:2]).json()["high_water_mark"] == 2

    old_key = driver.key
    driver.new_key()
    assert driver.enroll(server.reenroll_kiosk(name)).status_code == 201
    stale = driver.get(PATH_SYNC_STATE, key=old_key)
    assert stale.status_code == 401
    assert stale.json()["error"]["code"] == "bad_signature"

    assert driver.get(PATH_SYNC_STATE).json()["high_water_mark"] == 2
    response = driver.post_batch(records[2:])
    assert response.json()["high_water_mark"] == 3
    assert response.json()["chain"] == {"intact": True, "missing": []}


def test_reenroll_cancels_the_earlier_code(server: LiveServer, kiosk_pool: KioskPool) -> None:
    name, first_code = kiosk_pool.take()
    server.reenroll_kiosk(name)
    response = KioskDriver(server.url).enroll(first_code)
    assert response.status_code == 404


def test_revoked_kiosk_is_refused_until_reenrolled(
    server: LiveServer, kiosk_pool: KioskPool
) -> None:
    name, code = kiosk_pool.take()
    driver = KioskDriver(server.url)
    assert driver.enroll(code).status_code == 201
    server.cli("revoke-kiosk", name)
    response = driver.get(PATH_SYNC_STATE)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "revoked"
    assert kiosk_row(server, name)["status"] == "revoked"

    driver.new_key()
    assert driver.enroll(server.reenroll_kiosk(name)).status_code == 201
    assert driver.get(PATH_SYNC_STATE).status_code == 200


@pytest.fixture(params=BACKENDS)
def fresh_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """A server of its own: the rate limit would lock other tests out of enrolling."""
    live = make_server(request.param, tmp_path)
    try:
        live.add_center(CENTER)
        yield live
    finally:
        live.close()


def test_wrong_codes_are_rate_limited(fresh_server: LiveServer) -> None:
    good = fresh_server.add_kiosk(unique_name(), CENTER)
    expired = fresh_server.add_kiosk(unique_name(), CENTER, expires_in=0)
    driver = KioskDriver(fresh_server.url)
    assert driver.enroll(expired).status_code == 410
    for _ in range(4):
        assert driver.enroll("ZZZZ-ZZZZ").status_code == 404
    limited = driver.enroll(good)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 0 < int(limited.headers["Retry-After"]) <= 600
    # The limit is kept in the database, so a restart does not lift it.
    fresh_server.stop()
    fresh_server.start()
    assert driver.enroll(good).status_code == 429
