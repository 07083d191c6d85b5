"""Catalog loading (CLI) and serving (ETag, 304, per-center and default catalogs)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from common.catalog import demo_catalog_bytes
from common.protocol import PATH_CATALOG
from server.catalogs import CatalogError, catalog_for, etag_of, store_catalog
from server.db import catalog_versions
from server.enrollment import add_center
from tests.server.conftest import CENTER, OPEN_CENTER
from tests.server.inprocess import fresh_engine
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


# -- every loaded version is kept (in-process) -------------------------------------------------


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with fresh_engine(request.param, tmp_path) as made:
        add_center(made, CENTER, "თბილისი", "Tbilisi")
        add_center(made, OPEN_CENTER, "ქუთაისი", "Kutaisi")
        yield made


def versions(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(catalog_versions.c.version, catalog_versions.c.etag))
        return {row.version: row.etag for row in rows}


def test_every_loaded_version_is_kept(engine: Engine, tmp_path: Path) -> None:
    first = changed_catalog(tmp_path / "a.json", "2025.1", ["free-canteen"]).read_bytes()
    second = changed_catalog(tmp_path / "b.json", "2026.1", ["civic-budget"]).read_bytes()
    store_catalog(engine, first, CENTER)
    store_catalog(engine, second, CENTER)
    store_catalog(engine, second, None)  # the same version and body again: fine
    store_catalog(engine, first, OPEN_CENTER)  # an older version for another center: fine
    assert versions(engine) == {"2025.1": etag_of(first), "2026.1": etag_of(second)}
    with engine.connect() as conn:
        body = conn.execute(
            select(catalog_versions.c.body).where(catalog_versions.c.version == "2025.1")
        ).scalar_one()
    assert body.encode("utf-8") == first


def test_a_different_body_under_a_known_version_is_refused(engine: Engine, tmp_path: Path) -> None:
    original = changed_catalog(tmp_path / "a.json", "2026.1", ["free-canteen"]).read_bytes()
    store_catalog(engine, original, CENTER)
    edited = changed_catalog(tmp_path / "b.json", "2026.1", ["civic-budget"]).read_bytes()
    for center in (CENTER, OPEN_CENTER, None):
        with pytest.raises(CatalogError, match="bump the version"):
            store_catalog(engine, edited, center)
    # Nothing changed: the center keeps its catalog, the version its body.
    assert versions(engine) == {"2026.1": etag_of(original)}
    with engine.connect() as conn:
        current = catalog_for(conn, CENTER)
        assert current is not None and current.body == original
        assert catalog_for(conn, OPEN_CENTER) is None


def test_load_catalog_cli_says_to_bump_the_version(own_server: LiveServer, tmp_path: Path) -> None:
    own_server.load_catalog(changed_catalog(tmp_path / "a.json", "v-1", ["free-canteen"]), CENTER)
    edited = changed_catalog(tmp_path / "b.json", "v-1", ["civic-budget"])
    result = own_server.cli("load-catalog", str(edited), check=False)
    assert result.returncode == 1
    assert "bump the version" in result.stderr
    assert "Traceback" not in result.stderr
