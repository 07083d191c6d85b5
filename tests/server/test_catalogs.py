"""Catalog loading (CLI) and serving (ETag, 304, per-center and default catalogs)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from common.catalog import demo_catalog_bytes
from common.protocol import PATH_CATALOG
from tests.server.conftest import CENTER, OPEN_CENTER
from tests.server.kiosk_driver import KioskDriver
from tests.server.live import BACKENDS, LiveServer, make_server


def test_catalog_with_etag_and_304(kiosk: KioskDriver) -> None:
    response = kiosk.get(PATH_CATALOG)
    assert response.status_code == 200
    assert response.content == demo_catalog_bytes()
    assert response.headers["Content-Type"].startswith("application/json")
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')

    cached = kiosk.get(PATH_CATALOG, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["ETag"] == etag
    listed = kiosk.get(PATH_CATALOG, headers={"If-None-Match": f'"other", {etag}'})
    assert listed.status_code == 304
    stale = kiosk.get(PATH_CATALOG, headers={"If-None-Match": '"something-older"'})
    assert stale.status_code == 200


def test_no_catalog(enrolled: Callable[..., KioskDriver]) -> None:
    response = enrolled(OPEN_CENTER).get(PATH_CATALOG)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_catalog"


def changed_catalog(path: Path, version: str, services: list[str]) -> Path:
    data = json.loads(demo_catalog_bytes())
    data["version"] = version
    data["services"] = [s for s in data["services"] if s["id"] in services]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(params=BACKENDS)
def own_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """A server of its own: a default catalog would change what other tests' centers accept."""
    live = make_server(request.param, tmp_path / "server")
    try:
        live.add_center(CENTER)
        live.add_center(OPEN_CENTER)
        yield live
    finally:
        live.close()


def test_default_and_center_catalogs(own_server: LiveServer, tmp_path: Path) -> None:
    tbilisi = KioskDriver(own_server.url)
    assert tbilisi.enroll(own_server.add_kiosk("t-1", CENTER)).status_code == 201
    kutaisi = KioskDriver(own_server.url)
    assert kutaisi.enroll(own_server.add_kiosk("k-1", OPEN_CENTER)).status_code == 201

    default = changed_catalog(tmp_path / "default.json", "d-1", ["free-canteen"])
    own_server.load_catalog(default)
    for driver in (tbilisi, kutaisi):
        assert driver.get(PATH_CATALOG).json()["version"] == "d-1"

    special = changed_catalog(tmp_path / "tbilisi.json", "t-1", ["civic-budget"])
    own_server.load_catalog(special, CENTER)
    first = tbilisi.get(PATH_CATALOG)
    assert first.json()["version"] == "t-1"
    assert kutaisi.get(PATH_CATALOG).json()["version"] == "d-1"

    # Records are judged against the catalog of the kiosk's center.
    results = tbilisi.post_batch(
        [
            tbilisi.record(1, service_id="civic-budget"),
            tbilisi.record(2, service_id="free-canteen"),
        ]
    ).json()["results"]
    assert [(r["status"], r["reason"]) for r in results] == [
        ("stored", None),
        ("rejected", "unknown_service"),
    ]
    results = kutaisi.post_batch([kutaisi.record(1, service_id="civic-budget")]).json()["results"]
    assert results[0]["reason"] == "unknown_service"

    # Reloading changes the ETag, so kiosks fetch the new catalog.
    special = changed_catalog(tmp_path / "tbilisi.json", "t-2", ["civic-budget", "free-canteen"])
    own_server.load_catalog(special, CENTER)
    again = tbilisi.get(PATH_CATALOG, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert again.json()["version"] == "t-2"
    assert again.headers["ETag"] != first.headers["ETag"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid"),
        (b'{"format": 1}', "not valid"),
        (b"[]", "not valid"),
    ],
)
def test_load_catalog_refuses_bad_files(
    server: LiveServer, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "catalog.json"
    path.write_bytes(content)
    result = server.cli("load-catalog", str(path), check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_load_catalog_needs_a_known_center_and_a_file(
    server: LiveServer, demo_catalog_file: Path, tmp_path: Path
) -> None:
    unknown = server.cli("load-catalog", str(demo_catalog_file), "--center", "nowhere", check=False)
    assert unknown.returncode == 1
    assert "no center 'nowhere'" in unknown.stderr
    missing = server.cli("load-catalog", str(tmp_path / "absent.json"), check=False)
    assert missing.returncode == 1
    assert "cannot read" in missing.stderr
