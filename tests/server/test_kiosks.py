"""Heartbeats and the ``kiosks`` overview with its flags."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from common.protocol import PATH_HEARTBEAT
from tests.server.kiosk_driver import KioskDriver
from tests.server.live import LiveServer

HEARTBEAT = {
    "app_version": "0.1.0",
    "catalog_version": "2026.1",
    "pending_count": 3,
    "oldest_pending_age_s": 120.5,
    "last_sync_error": None,
    "free_disk_bytes": 8_000_000_000,
    "battery_percent": 87,
    "clock_offset_s": -1.5,
}


def listing(server: LiveServer, *args: str) -> dict[str, dict]:
    rows = json.loads(server.cli("kiosks", "--json", *args).stdout)
    return {row["name"]: row for row in rows}


def test_heartbeat_is_stored_and_listed(server: LiveServer, kiosk: KioskDriver) -> None:
    response = kiosk.post_json(PATH_HEARTBEAT, HEARTBEAT)
    assert response.status_code == 200
    assert set(response.json()) == {"server_time"}
    assert isinstance(response.json()["server_time"], int)

    assert kiosk.name is not None  # set by the ``enrolled`` fixture
    row = listing(server)[kiosk.name]
    assert row["device_id"] == kiosk.device_id
    assert row["status"] == "active"
    assert row["pending_count"] == 3
    assert row["flags"] == []
    assert row["last_heartbeat"]["free_disk_bytes"] == 8_000_000_000
    seen = datetime.fromisoformat(row["last_seen_at"])
    assert abs((datetime.now(UTC) - seen).total_seconds()) < 60

    table = server.cli("kiosks").stdout
    line = next(line for line in table.splitlines() if line.startswith(kiosk.name))
    assert kiosk.device_id in line and " 3 " in line and line.rstrip().endswith("-")


@pytest.mark.parametrize(
    ("changes", "flags"),
    [
        ({"pending_count": 1001}, ["behind"]),
        ({"oldest_pending_age_s": 3 * 86400 + 1}, ["behind"]),
        ({"clock_offset_s": -601}, ["clock_off"]),
        ({"pending_count": 5000, "clock_offset_s": 900.0}, ["behind", "clock_off"]),
        ({"pending_count": 1000, "oldest_pending_age_s": None, "clock_offset_s": 600}, []),
    ],
)
def test_flags_from_heartbeat(
    server: LiveServer, kiosk: KioskDriver, changes: dict, flags: list[str]
) -> None:
    assert kiosk.post_json(PATH_HEARTBEAT, {**HEARTBEAT, **changes}).status_code == 200
    assert kiosk.name is not None  # set by the ``enrolled`` fixture
    assert listing(server)[kiosk.name]["flags"] == flags
    if flags:
        line = next(x for x in server.cli("kiosks").stdout.splitlines() if x.startswith(kiosk.name))
        assert line.rstrip().endswith(",".join(flags))


def test_silent_after_a_day_without_contact(server: LiveServer, kiosk: KioskDriver) -> None:
    assert kiosk.post_json(PATH_HEARTBEAT, HEARTBEAT).status_code == 200
    assert kiosk.name is not None  # set by the ``enrolled`` fixture
    soon = (datetime.now(UTC) + timedelta(hours=23)).isoformat()
    later = (datetime.now(UTC) + timedelta(hours=25)).isoformat()
    assert listing(server, "--as-of", soon)[kiosk.name]["flags"] == []
    assert listing(server, "--as-of", later)[kiosk.name]["flags"] == ["silent"]


def test_heartbeat_ignores_unknown_keys_and_allows_nulls(kiosk: KioskDriver) -> None:
    body = {**HEARTBEAT, "battery_percent": None, "oldest_pending_age_s": None, "future": 1}
    assert kiosk.post_json(PATH_HEARTBEAT, body, compress=False).status_code == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"pending_count": "3"},
        {"pending_count": -1},
        {"free_disk_bytes": 1.5},
        {"battery_percent": 101},
        {"clock_offset_s": None},
        {"app_version": "0.1\x00"},
    ],
)
def test_malformed_heartbeat(kiosk: KioskDriver, changes: dict) -> None:
    response = kiosk.post_json(PATH_HEARTBEAT, {**HEARTBEAT, **changes})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed"


def test_missing_heartbeat_field(kiosk: KioskDriver) -> None:
    body = {k: v for k, v in HEARTBEAT.items() if k != "pending_count"}
    response = kiosk.post_json(PATH_HEARTBEAT, body)
    assert response.status_code == 400
    assert "pending_count" in response.json()["error"]["message"]
