"""``docs/protocol.md`` cannot drift: every example is validated and replayed on a live server.

Each ```` ```json example=NAME ```` block is parsed with the strict model for NAME; the request
examples are then sent (signed with the documented example key) to a real server, and its
answers must equal the documented responses (times aside).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel

from common.catalog import demo_catalog_bytes
from common.messages import (
    BatchRequest,
    BatchResponse,
    EnrollRequest,
    EnrollResponse,
    ErrorBody,
    HealthResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    SyncStateResponse,
)
from common.protocol import (
    HEADER_IDEMPOTENCY,
    MAX_CLOCK_SKEW_S,
    PATH_BATCHES,
    PATH_ENROLL,
    PATH_HEALTH,
    PATH_HEARTBEAT,
    PATH_SYNC_STATE,
    gzip_body,
    head_message,
    public_key_b64,
    signed_headers,
    signing_message,
    verify,
)
from common.records import record_hash
from tests.server.live import BACKENDS, REPO, LiveServer, make_server

DOC = REPO / "docs" / "protocol.md"
EXAMPLE = re.compile(r"^```json example=(?P<name>[a-z0-9-]+)\n(?P<body>.*?)^```$", re.M | re.S)
EXAMPLE_KEY = Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32)
"""The documented example key: 32 seed bytes of 0x01."""

MODELS: dict[str, type[BaseModel]] = {
    "error-response": ErrorBody,
    "error-clock-skew": ErrorBody,
    "health-response": HealthResponse,
    "enroll-request": EnrollRequest,
    "enroll-response": EnrollResponse,
    "batch-request": BatchRequest,
    "batch-response": BatchResponse,
    "batch-response-mixed": BatchResponse,
    "sync-state-response": SyncStateResponse,
    "heartbeat-request": HeartbeatRequest,
    "heartbeat-response": HeartbeatResponse,
}


def examples() -> dict[str, str]:
    found: dict[str, str] = {}
    for match in EXAMPLE.finditer(DOC.read_text(encoding="utf-8")):
        assert match["name"] not in found, f"example {match['name']} appears twice"
        found[match["name"]] = match["body"]
    return found


def example(name: str) -> Any:
    return json.loads(examples()[name])


def test_every_example_is_known_and_valid() -> None:
    found = examples()
    assert set(found) == set(MODELS)
    for name, body in found.items():
        MODELS[name].model_validate_json(body)


def test_batch_example_is_a_real_chain_signed_by_the_example_key() -> None:
    enroll = example("enroll-request")
    batch = example("batch-request")
    assert enroll["public_key"] == public_key_b64(EXAMPLE_KEY)
    assert batch["device_id"] == enroll["device_id"]
    previous = "0" * 64
    for record in batch["records"]:
        assert record["prev_hash"] == previous
        assert record["hash"] == record_hash(record)
        previous = record["hash"]
    head = batch["head"]
    assert (head["seq"], head["hash"]) == (batch["records"][-1]["seq"], previous)
    message = head_message(batch["device_id"], head["seq"], head["hash"])
    assert verify(enroll["public_key"], message, batch["head_signature"])


def test_signing_message_example_matches_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    message = signing_message("GET", PATH_SYNC_STATE, 1773480625, b"").decode("ascii")
    assert f"```text\n{message}\n```" in text
    batch = example("batch-request")
    head = head_message(batch["device_id"], batch["head"]["seq"], batch["head"]["hash"])
    assert f"```text\n{head.decode('ascii')}\n```" in text


def shape(value: Any) -> Any:
    """Keys and value types, for comparing a documented body with a live one."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def without_times(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "server_time"}


@pytest.fixture(params=BACKENDS)
def docs_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    live = make_server(request.param, tmp_path / "server")
    try:
        catalog = tmp_path / "catalog.json"
        catalog.write_bytes(demo_catalog_bytes())
        center = example("enroll-response")["center_id"]
        live.add_center(center)
        live.load_catalog(catalog, center)
        yield live
    finally:
        live.close()


def signed(
    server: LiveServer, method: str, path: str, body: bytes = b"", **extra: str
) -> requests.Response:
    device = example("enroll-request")["device_id"]
    stamp = int(extra.pop("timestamp", time.time()))
    headers = {**signed_headers(EXAMPLE_KEY, device, method, path, stamp, body), **extra}
    return requests.request(method, server.url + path, data=body, headers=headers, timeout=10)


def test_examples_replayed_on_a_live_server(docs_server: LiveServer) -> None:
    server = docs_server
    documented_enroll = example("enroll-response")
    code = server.add_kiosk(documented_enroll["kiosk_name"], documented_enroll["center_id"])

    health = requests.get(server.url + PATH_HEALTH, timeout=5)
    assert shape(health.json()) == shape(example("health-response"))

    enroll = requests.post(
        server.url + PATH_ENROLL, json={**example("enroll-request"), "code": code}, timeout=10
    )
    assert enroll.status_code == 201
    assert without_times(enroll.json()) == without_times(documented_enroll)
    assert shape(enroll.json()) == shape(documented_enroll)

    batch = example("batch-request")
    raw = gzip_body(json.dumps(batch, ensure_ascii=False).encode("utf-8"))
    answer = signed(
        server,
        "POST",
        PATH_BATCHES,
        raw,
        **{"Content-Encoding": "gzip", HEADER_IDEMPOTENCY: batch["batch_id"]},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == example("batch-response")
    assert shape(answer.json()) == shape(example("batch-response-mixed")) | {
        "chain": {"intact": "bool", "missing": []}
    }

    state = signed(server, "GET", PATH_SYNC_STATE)
    assert without_times(state.json()) == without_times(example("sync-state-response"))
    assert shape(state.json()) == shape(example("sync-state-response"))

    heartbeat = json.dumps(example("heartbeat-request")).encode()
    beat = signed(server, "POST", PATH_HEARTBEAT, heartbeat)
    assert beat.status_code == 200
    assert shape(beat.json()) == shape(example("heartbeat-response"))

    skewed = signed(
        server, "GET", PATH_SYNC_STATE, timestamp=str(int(time.time()) - MAX_CLOCK_SKEW_S - 900)
    )
    assert skewed.status_code == 401
    assert shape(skewed.json()) == shape(example("error-clock-skew"))
    assert skewed.json()["error"]["code"] == example("error-clock-skew")["error"]["code"]

    stranger = requests.get(
        server.url + PATH_SYNC_STATE, headers={"X-Kiosk-Device": "nobody"}, timeout=5
    )
    assert stranger.json() == example("error-response")
