"""Health, OpenAPI and the error shape of FastAPI's own answers."""

from __future__ import annotations

import requests

from common import __version__
from common.protocol import (
    PATH_BATCHES,
    PATH_CATALOG,
    PATH_ENROLL,
    PATH_HEALTH,
    PATH_HEARTBEAT,
    PATH_SYNC_STATE,
)
from tests.server.live import LiveServer


def test_health_needs_no_auth(server: LiveServer) -> None:
    response = requests.get(server.url + PATH_HEALTH, timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_openapi_lists_every_endpoint_with_its_bodies(server: LiveServer) -> None:
    schema = requests.get(server.url + "/openapi.json", timeout=5).json()
    paths = schema["paths"]
    for path in (PATH_HEALTH, PATH_SYNC_STATE, PATH_CATALOG):
        assert "get" in paths[path]
    for path, model in (
        (PATH_ENROLL, "EnrollRequest"),
        (PATH_BATCHES, "BatchRequest"),
        (PATH_HEARTBEAT, "HeartbeatRequest"),
    ):
        body = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{model}"}
        assert model in schema["components"]["schemas"]
    assert "RecordIn" in schema["components"]["schemas"]


def test_unknown_path_and_method_use_the_error_shape(server: LiveServer) -> None:
    missing = requests.get(server.url + "/api/v1/nothing-here", timeout=5)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong = requests.delete(server.url + PATH_HEALTH, timeout=5)
    assert wrong.status_code == 405
    assert set(wrong.json()) == {"error"}
    assert wrong.json()["error"]["code"] == "method_not_allowed"
