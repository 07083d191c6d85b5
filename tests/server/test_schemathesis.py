"""The API against its own OpenAPI schema (schemathesis): whatever a client sends, valid or
not, the answer is never a server error (5xx).

Most endpoints answer only signed requests, and a request that fails authentication never
reaches the code behind it. So a ``before_call`` hook signs every request to a signed endpoint
as an enrolled kiosk: the ``X-Kiosk-*`` headers over the body's exact bytes (through a
``requests`` auth object, since the signature covers the bytes as sent) and, for a batch, the
head signature, the kiosk's device id and the ``Idempotency-Key``. Valid (positive) requests
are also given what the schema cannot say (ids that are UUIDs, a correctly hashed chain), so
that the records themselves are judged; invalid (negative) ones are sent as generated, signed.

Every operation of the schema is exercised, on SQLite and PostgreSQL. Examples are bounded
(``EXAMPLES`` per operation and kind) to keep the run short; Hypothesis' deadline is off, since
a request's time depends on the machine, not on the code.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

from common.catalog import demo_catalog_bytes
from common.messages import EnrollRequest
from common.protocol import (
    HEADER_IDEMPOTENCY,
    PATH_BATCHES,
    PATH_CATALOG,
    PATH_ENROLL,
    PATH_HEALTH,
    PATH_HEARTBEAT,
    PATH_SYNC_STATE,
    head_message,
    public_key_b64,
    sign,
    signed_headers,
)
from common.records import GENESIS_HASH, record_hash
from server.app import create_app
from server.catalogs import store_catalog
from server.enrollment import RateLimit, add_center, add_kiosks, enroll
from tests.server.inprocess import fresh_engine
from tests.server.live import BACKENDS

EXAMPLES = 40
"""Examples per operation."""
SIGNED = {PATH_BATCHES, PATH_SYNC_STATE, PATH_CATALOG, PATH_HEARTBEAT}
CENTER = "central-service-hall"
DEVICE = "5f0c2a8e-3b1d-4c6e-9a7f-2d8b1e4c6a90"


class KioskSignature(requests.auth.AuthBase):
    """Signs a prepared request as the kiosk: method, path with query, time, body digest."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        raw = body.encode("utf-8") if isinstance(body, str) else body
        assert isinstance(raw, bytes)
        path = str(request.path_url)
        headers = signed_headers(self.key, DEVICE, str(request.method), path, int(time.time()), raw)
        request.headers.update(headers)
        return request


def sign_batch(body: Any, key: Ed25519PrivateKey) -> dict[str, str]:
    """As the kiosk signs a batch (in place): its device id and the signature of the head the
    body names, when it names one that can be signed; returns the ``Idempotency-Key`` header
    (the batch id, or a UUID when the body has none that a header can carry)."""
    key_header = str(uuid.uuid4())
    if not isinstance(body, dict):
        return {HEADER_IDEMPOTENCY: key_header}
    body["device_id"] = DEVICE
    head = body.get("head")
    if (
        isinstance(head, dict)
        and type(head.get("seq")) is int
        and isinstance(head.get("hash"), str)
    ):
        with contextlib.suppress(UnicodeEncodeError):  # a hash that is not ASCII is unsigned
            body["head_signature"] = sign(key, head_message(DEVICE, head["seq"], head["hash"]))
    batch_id = body.get("batch_id")
    if isinstance(batch_id, str) and batch_id.isascii() and batch_id.isprintable():
        key_header = batch_id
    return {HEADER_IDEMPOTENCY: key_header}


def sign_kiosk_requests(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """schemathesis' ``before_call`` hook: every request to a signed endpoint is signed as the
    enrolled kiosk (only for the app of this module, which carries the kiosk's key)."""
    key = getattr(getattr(case.operation.app, "state", None), "kiosk_key", None)
    if key is None or case.operation.path not in SIGNED:
        return
    if case.operation.path == PATH_BATCHES:
        case.headers = {**(case.headers or {}), **sign_batch(case.body, key)}
    kwargs["auth"] = KioskSignature(key)


def openable(path: str, body: Any) -> None:
    """A generated valid request made one the server gets past its first checks (in place).

    The schema gives ids, hashes and keys as plain strings (the server checks their form in
    code), so generated ones are nearly always refused at once. Here a batch gets UUIDs, a
    chain of correctly hashed records of the kiosk written at one valid time, and the head they
    reach; an enrollment gets a UUID and a usable key. Every other field stays as generated:
    the checks behind those are what this exercises.
    """
    if not isinstance(body, dict):
        return
    if path == PATH_ENROLL:
        body.update(
            device_id=str(uuid.uuid4()), public_key=public_key_b64(Ed25519PrivateKey.generate())
        )
    if path != PATH_BATCHES:
        return
    body["batch_id"] = str(uuid.uuid4())
    prev_hash, seq = GENESIS_HASH, 0
    for record in body.get("records", []):
        if not isinstance(record, dict) or type(record.get("seq")) is not int:
            continue
        made = str(uuid.uuid4())
        record.update(uuid=made, rating_uuid=made, device_id=DEVICE, center_id=CENTER)
        record.update(prev_hash=prev_hash, created_at="2026-03-14T09:30:00.000000Z")
        with contextlib.suppress(TypeError, ValueError, KeyError):  # not a record's values
            record["hash"] = record_hash(record)
        if isinstance(record.get("hash"), str) and re.fullmatch("[0-9a-f]{64}", record["hash"]):
            prev_hash, seq = record["hash"], record["seq"]
    body["head"] = {"seq": seq, "hash": prev_hash}


@pytest.fixture(scope="module", params=BACKENDS)
def api_schema(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The app on a fresh database with a center, the demo catalog and one enrolled kiosk."""
    workdir = Path(tmp_path_factory.mktemp("schemathesis"))
    with fresh_engine(request.param, workdir) as engine:
        add_center(engine, CENTER, "ცენტრალური დარბაზი", "Central service hall")
        store_catalog(engine, demo_catalog_bytes(), None)
        key = Ed25519PrivateKey.generate()
        code = add_kiosks(engine, ["lobby-1"], CENTER)[0].code
        enrollment = EnrollRequest(
            code=code, device_id=DEVICE, public_key=public_key_b64(key), app_version="0.2.0"
        )
        enroll(engine, enrollment, "127.0.0.1")
        app = create_app(engine, RateLimit(max_failures=10**9))
        app.state.kiosk_key = key
        GLOBAL_HOOK_DISPATCHER.register_hook_with_name(sign_kiosk_requests, "before_call")
        try:
            yield schemathesis.openapi.from_asgi("/openapi.json", app)
        finally:
            GLOBAL_HOOK_DISPATCHER.unregister(sign_kiosk_requests)


OPERATIONS = [
    ("GET", PATH_HEALTH),
    ("POST", PATH_ENROLL),
    ("POST", PATH_BATCHES),
    ("GET", PATH_SYNC_STATE),
    ("GET", PATH_CATALOG),
    ("POST", PATH_HEARTBEAT),
]


def test_every_operation_of_the_schema_is_exercised(api_schema: Any) -> None:
    found = {(method.upper(), path) for path, methods in api_schema.items() for method in methods}
    assert found == set(OPERATIONS)


CASES = [
    (method, path, mode)
    for method, path in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode == GenerationMode.POSITIVE or method == "POST"  # a GET has nothing to get wrong
]


@pytest.mark.parametrize(("method", "path", "mode"), CASES, ids=str)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_no_request_makes_a_server_error(
    api_schema: Any, method: str, path: str, mode: GenerationMode, data: st.DataObject
) -> None:
    case = data.draw(api_schema[path][method].as_strategy(mode), label="request")
    if mode == GenerationMode.POSITIVE:
        openable(path, case.body)
    response = case.call()
    assert response.status_code < 500, (
        f"{case.method} {case.path} answered {response.status_code}: {response.text[:500]}\n"
        f"{case.as_curl_command()}"
    )
