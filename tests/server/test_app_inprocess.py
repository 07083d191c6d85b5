"""Request-level trust checks against ``create_app`` in the test's process (``TestClient``).

One database per backend for the module (SQLite; PostgreSQL with ``UKUK_PG_URL``); each test
enrolls kiosks of its own. The center ``tbilisi`` has had two catalogs: ``2025.1`` (with the
reason ``retired-reason``, without ``late-payment``) and now the demo catalog ``2026.1``.
``kutaisi`` has none, and there is no default catalog.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import pytest
from sqlalchemy import Engine, select, update

from common.catalog import demo_catalog_bytes
from common.protocol import (
    HEADER_IDEMPOTENCY,
    MAX_JSON_DEPTH,
    PATH_BATCHES,
    PATH_ENROLL,
    PATH_HEARTBEAT,
    PATH_SYNC_STATE,
    b64,
    gzip_body,
    head_message,
    sign,
    signed_headers,
    signing_message,
    verify,
)
from common.records import MAX_SEQ
from server.app import create_app
from server.catalogs import store_catalog
from server.db import batches, kiosks, records, rejected_records
from server.enrollment import RateLimit, add_center, add_kiosks
from tests.server.inprocess import LocalKiosk, TestClient, enroll_kiosk, fresh_engine
from tests.server.live import BACKENDS

CENTER = "tbilisi"
OPEN_CENTER = "kutaisi"
OLD_VERSION = "2025.1"
CURRENT_VERSION = "2026.1"

IDENTITY_KEY = b"\x01" + bytes(31)
"""The identity point of edwards25519: [k]A is the identity for every k."""
ZERO_KEY = bytes(32)
"""y = 0: a point of order 4."""


def old_catalog() -> bytes:
    """The demo catalog as it was in 2025: ``retired-reason`` instead of ``late-payment``."""
    data = json.loads(demo_catalog_bytes())
    data["version"] = OLD_VERSION
    data["reasons"] = [r for r in data["reasons"] if r["id"] != "late-payment"]
    data["reasons"].append({"id": "retired-reason", "text": {"ka": "ძველი", "en": "Old"}})
    for service in data["services"]:
        for band, ids in service.get("reasons", {}).items():
            service["reasons"][band] = [i for i in ids if i != "late-payment"]
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


@pytest.fixture(scope="module", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    with fresh_engine(request.param, tmp_path_factory.mktemp("inprocess")) as made:
        add_center(made, CENTER, "თბილისი", "Tbilisi")
        add_center(made, OPEN_CENTER, "ქუთაისი", "Kutaisi")
        store_catalog(made, old_catalog(), CENTER)
        store_catalog(made, demo_catalog_bytes(), CENTER)
        yield made


@pytest.fixture(scope="module")
def client(engine: Engine) -> Iterator[TestClient]:
    app = create_app(engine, RateLimit(max_failures=100_000))
    with TestClient(app, raise_server_exceptions=False) as made:
        yield made


@pytest.fixture
def enrolled(engine: Engine, client: TestClient) -> Callable[..., LocalKiosk]:
    def make(center: str = CENTER) -> LocalKiosk:
        return enroll_kiosk(engine, client, center)

    return make


@pytest.fixture
def kiosk(enrolled: Callable[..., LocalKiosk]) -> LocalKiosk:
    return enrolled()


class JsonResponse(Protocol):
    """What the helpers read of an answer. In-process answers are ``httpx.Response`` objects
    (``TestClient``), though ``KioskDriver`` annotates its methods with ``requests.Response``;
    both have these."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self, **kwargs: Any) -> Any: ...


def statuses(response: JsonResponse) -> list[tuple[str, str | None]]:
    assert response.status_code == 200, response.text
    return [(r["status"], r["reason"]) for r in response.json()["results"]]


def error_code(response: JsonResponse) -> str:
    return str(response.json()["error"]["code"])


def stored_seqs(engine: Engine, kiosk: LocalKiosk) -> list[int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(records.c.seq).where(records.c.device_id == kiosk.device_id)
        ).scalars()
        return sorted(rows)


# -- 1. the server decides a record's center -------------------------------------------------


def test_record_naming_another_center_is_rejected_wrong_center(kiosk: LocalKiosk) -> None:
    own = kiosk.record(1)
    other = kiosk.record(2, own["hash"], center_id=OPEN_CENTER)
    unknown = kiosk.record(3, other["hash"], center_id="somewhere-else")
    response = kiosk.post_batch([own, other, unknown])
    assert statuses(response) == [
        ("stored", None),
        ("rejected", "wrong_center"),
        ("rejected", "wrong_center"),
    ]
    assert all(r["message"] for r in response.json()["results"][1:])
    # Rejected records are received: they do not hold the mark back.
    assert response.json()["high_water_mark"] == 3


def test_wrong_center_applies_to_centers_without_a_catalog(
    enrolled: Callable[..., LocalKiosk],
) -> None:
    kiosk = enrolled(OPEN_CENTER)
    response = kiosk.post_batch([kiosk.record(1, center_id=CENTER)])
    assert statuses(response) == [("rejected", "wrong_center")]


# -- 2. language, reasons and flags from the catalog the record names ----------------------


@pytest.mark.parametrize("language", ["fr", "KA", "ka-GE", "=1+1"])
def test_language_outside_the_catalog_is_unknown_language(
    enrolled: Callable[..., LocalKiosk], language: str
) -> None:
    for center in (CENTER, OPEN_CENTER):  # with and without a catalog
        kiosk = enrolled(center)
        response = kiosk.post_batch([kiosk.record(1, language=language)])
        assert statuses(response) == [("rejected", "unknown_language")]


def test_catalog_languages_are_accepted(kiosk: LocalKiosk) -> None:
    first = kiosk.record(1, language="ka")
    second = kiosk.record(2, first["hash"], language="en")
    assert statuses(kiosk.post_batch([first, second])) == [("stored", None)] * 2


def reasons_record(kiosk: LocalKiosk, seq: int, version: str, reasons: list[str]) -> dict:
    return kiosk.record(
        seq,
        kind="reasons",
        rating_uuid=str(uuid.uuid4()),
        reasons=tuple(reasons),
        catalog_version=version,
    )


@pytest.mark.parametrize(
    ("version", "reasons", "outcome"),
    [
        (OLD_VERSION, ["retired-reason", "long-wait"], ("stored", None)),
        (CURRENT_VERSION, ["long-wait", "late-payment"], ("stored", None)),
        (CURRENT_VERSION, [], ("stored", None)),
        (CURRENT_VERSION, ["retired-reason"], ("rejected", "unknown_reason")),
        (OLD_VERSION, ["late-payment"], ("rejected", "unknown_reason")),
        (CURRENT_VERSION, ["long-wait", "no-such-reason"], ("rejected", "unknown_reason")),
        # A version the server never had: judged against the center's current catalog.
        ("2099.9", ["late-payment"], ("stored", None)),
        ("2099.9", ["retired-reason"], ("rejected", "unknown_reason")),
    ],
)
def test_reasons_are_judged_by_the_catalog_version_the_record_names(
    kiosk: LocalKiosk, version: str, reasons: list[str], outcome: tuple[str, str | None]
) -> None:
    response = kiosk.post_batch([reasons_record(kiosk, 1, version, reasons)])
    assert statuses(response) == [outcome]


def test_center_without_catalog_judges_reasons_only_by_a_known_version(
    enrolled: Callable[..., LocalKiosk],
) -> None:
    kiosk = enrolled(OPEN_CENTER)
    batch = [
        reasons_record(kiosk, 1, "2099.9", ["anything-at-all"]),
        reasons_record(kiosk, 2, OLD_VERSION, ["retired-reason"]),
        reasons_record(kiosk, 3, OLD_VERSION, ["anything-at-all"]),
    ]
    assert statuses(kiosk.post_batch(batch)) == [
        ("stored", None),
        ("stored", None),
        ("rejected", "unknown_reason"),
    ]


def test_unknown_flag_is_malformed(kiosk: LocalKiosk) -> None:
    burst = kiosk.record(1, flags=["burst"])
    odd = kiosk.record(2, burst["hash"], flags=["test"])
    assert statuses(kiosk.post_batch([burst, odd])) == [
        ("stored", None),
        ("rejected", "malformed"),
    ]


def test_reason_check_order_and_a_stored_record_stays_a_duplicate(kiosk: LocalKiosk) -> None:
    record = reasons_record(kiosk, 1, CURRENT_VERSION, ["long-wait"])
    assert statuses(kiosk.post_batch([record])) == [("stored", None)]
    assert statuses(kiosk.post_batch([record])) == [("duplicate", None)]
    both = kiosk.record(2, record["hash"], center_id=OPEN_CENTER, language="fr")
    assert statuses(kiosk.post_batch([both])) == [("rejected", "wrong_center")]


# -- 3. enrollment refuses keys anyone could sign for -----------------------------------------


def test_a_small_order_key_lets_anyone_sign_without_a_private_key() -> None:
    """Why enrollment must refuse these keys: the forgery verifies with OpenSSL's Ed25519."""
    forged = b64(IDENTITY_KEY + bytes(32))  # R = identity, S = 0
    for message in (b"anything", signing_message("GET", PATH_SYNC_STATE, 1, b"")):
        assert verify(b64(IDENTITY_KEY), message, forged)
    # The all-zero key has order 4: R = identity, S = 0 verifies for 1 message in 4.
    hits = sum(verify(b64(ZERO_KEY), b"m%d" % i, forged) for i in range(64))
    assert hits > 0


@pytest.mark.parametrize(
    "raw",
    [
        ZERO_KEY,
        IDENTITY_KEY,
        bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
        bytes.fromhex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    ],
    ids=["all-zero", "identity", "order-2", "order-8", "non-canonical-p"],
)
def test_enroll_refuses_small_order_and_non_canonical_keys(
    engine: Engine, client: TestClient, raw: bytes
) -> None:
    code = add_kiosks(engine, [f"k-{uuid.uuid4().hex[:8]}"], CENTER)[0].code
    body = {
        "code": code,
        "device_id": str(uuid.uuid4()),
        "public_key": b64(raw),
        "app_version": "0.1.0",
    }
    response = client.post(PATH_ENROLL, json=body)
    assert response.status_code == 400, response.text
    assert error_code(response) == "bad_public_key"
    # The code is not used up: the same kiosk enrolls with a real key.
    assert LocalKiosk(client).enroll(code).status_code == 201


def test_a_kiosk_holding_a_small_order_key_cannot_be_impersonated(
    engine: Engine, kiosk: LocalKiosk, client: TestClient
) -> None:
    """A kiosk enrolled with such a key before the check existed is refused, not trusted."""
    with engine.begin() as conn:
        conn.execute(
            update(kiosks)
            .where(kiosks.c.device_id == kiosk.device_id)
            .values(public_key=b64(IDENTITY_KEY))
        )
    stamp = int(time.time())
    headers = {
        "X-Kiosk-Device": kiosk.device_id,
        "X-Kiosk-Timestamp": str(stamp),
        "X-Kiosk-Signature": b64(IDENTITY_KEY + bytes(32)),
    }
    response = client.get(PATH_SYNC_STATE, headers=headers)
    assert response.status_code == 401
    assert error_code(response) == "bad_signature"


# -- 4. idempotency keys -----------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, ""], ids=["absent", "empty"])
def test_batch_without_idempotency_key_is_refused(
    engine: Engine, kiosk: LocalKiosk, key: str | None
) -> None:
    body = kiosk.batch_body(kiosk.chain(1))
    headers = {} if key is None else {HEADER_IDEMPOTENCY: key}
    response = kiosk.post_json(PATH_BATCHES, body, headers=headers)
    assert response.status_code == 400, response.text
    assert error_code(response) == "missing_idempotency_key"
    assert stored_seqs(engine, kiosk) == []


def batch_row(engine: Engine, kiosk: LocalKiosk, batch_id: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            select(batches.c.times_received, batches.c.record_count, batches.c.head_seq).where(
                batches.c.device_id == kiosk.device_id, batches.c.batch_id == batch_id
            )
        ).one()


def test_idempotency_key_reused_for_other_content_is_a_conflict(
    engine: Engine, kiosk: LocalKiosk
) -> None:
    chain = kiosk.chain(3)
    batch_id = str(uuid.uuid4())
    assert statuses(kiosk.post_batch(chain[:2], batch_id)) == [("stored", None)] * 2
    assert statuses(kiosk.post_batch(chain[:2], batch_id)) == [("duplicate", None)] * 2

    further = kiosk.post_batch(chain, batch_id)  # another head
    assert further.status_code == 409, further.text
    assert error_code(further) == "idempotency_conflict"
    fewer = kiosk.post_batch(chain[1:2], batch_id)  # same head, another record count
    assert fewer.status_code == 409
    assert error_code(fewer) == "idempotency_conflict"

    assert stored_seqs(engine, kiosk) == [1, 2]  # nothing of the refused bodies was kept
    assert tuple(batch_row(engine, kiosk, batch_id)) == (2, 2, 2)
    # The kiosk's next batch, under its own key, goes through.
    assert statuses(kiosk.post_batch(chain[2:])) == [("stored", None)]


def test_batch_id_must_be_a_uuid(kiosk: LocalKiosk) -> None:
    response = kiosk.post_batch(kiosk.chain(1), batch_id="batch-1")
    assert response.status_code == 400
    assert error_code(response) == "malformed"
    assert "batch_id" in response.json()["error"]["message"]


# -- 5. bodies that used to make a 500 ---------------------------------------------------------


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("path", [PATH_BATCHES, PATH_ENROLL, PATH_HEARTBEAT])
@pytest.mark.parametrize(
    "body",
    [
        nested(10_000),
        b'{"records": ' + nested(10_000) + b"}",
        b'{"a": ' * 5000 + b"1" + b"}" * 5000,
        b'{"records": ' + nested(MAX_JSON_DEPTH) + b"}",
    ],
    ids=["arrays", "inside-object", "objects", "just-past-the-limit"],
)
def test_deeply_nested_json_is_malformed(kiosk: LocalKiosk, path: str, body: bytes) -> None:
    for raw, headers in ((body, {}), (gzip_body(body), {"Content-Encoding": "gzip"})):
        if path == PATH_BATCHES:
            headers[HEADER_IDEMPOTENCY] = str(uuid.uuid4())
        response = kiosk.request("POST", path, raw, headers=headers)  # enroll ignores signing
        assert response.status_code == 400, response.text
        assert error_code(response) == "malformed"


def post_body(kiosk: LocalKiosk, body: dict[str, Any]) -> JsonResponse:
    return kiosk.post_json(PATH_BATCHES, body, headers={HEADER_IDEMPOTENCY: body["batch_id"]})


def test_nesting_up_to_the_limit_is_judged_normally(kiosk: LocalKiosk) -> None:
    body = kiosk.batch_body([kiosk.record(1)])
    # The envelope, its records list and the record are 3 levels.
    body["records"][0]["comment"] = json.loads(nested(MAX_JSON_DEPTH - 3))
    assert statuses(post_body(kiosk, body)) == [("rejected", "malformed")]
    body["records"][0]["comment"] = json.loads(nested(MAX_JSON_DEPTH - 2))
    too_deep = post_body(kiosk, {**body, "batch_id": str(uuid.uuid4())})
    assert too_deep.status_code == 400
    assert error_code(too_deep) == "malformed"
    assert str(MAX_JSON_DEPTH) in too_deep.json()["error"]["message"]


@pytest.mark.parametrize("seq", [MAX_SEQ + 1, 2**64 + 5, 10**30])
def test_record_seq_beyond_64_bits_is_rejected_and_not_counted(
    engine: Engine, kiosk: LocalKiosk, seq: int
) -> None:
    first = kiosk.record(1)
    body = kiosk.batch_body([first])  # its head is seq 1
    body["records"].append(kiosk.record(seq, first["hash"]))
    response = post_body(kiosk, body)
    assert statuses(response) == [("stored", None), ("rejected", "malformed")]
    assert response.json()["high_water_mark"] == 1
    assert response.json()["chain"]["missing"] == []
    with engine.connect() as conn:
        kept = conn.execute(
            select(rejected_records.c.seq).where(rejected_records.c.device_id == kiosk.device_id)
        ).scalars()
        assert list(kept) == [None]  # no seq the database could not hold


def test_head_seq_beyond_64_bits_is_malformed(kiosk: LocalKiosk) -> None:
    body = kiosk.batch_body([])
    body["head"] = {"seq": MAX_SEQ + 1, "hash": "ab" * 32}
    body["head_signature"] = sign(kiosk.key, head_message(kiosk.device_id, MAX_SEQ + 1, "ab" * 32))
    response = post_body(kiosk, body)
    assert response.status_code == 400
    assert error_code(response) == "malformed"


def test_heartbeat_with_huge_numbers_is_no_server_error(kiosk: LocalKiosk) -> None:
    beat = {
        "app_version": "0.1.0",
        "catalog_version": None,
        "pending_count": 10**40,
        "free_disk_bytes": 2**70,
        "clock_offset_s": 1e308,
    }
    response = kiosk.post_json(PATH_HEARTBEAT, beat)
    assert response.status_code == 200, response.text
    infinite = json.dumps({**beat, "clock_offset_s": 1e999}).encode()  # "Infinity"
    for raw in (infinite, infinite.replace(b"Infinity", b"1e400")):
        refused = kiosk.request("POST", PATH_HEARTBEAT, raw)
        assert refused.status_code == 400
        assert error_code(refused) == "malformed"


def test_signed_request_headers_with_huge_numbers(kiosk: LocalKiosk, client: TestClient) -> None:
    headers = signed_headers(kiosk.key, kiosk.device_id, "GET", PATH_SYNC_STATE, 0, b"")
    headers["X-Kiosk-Timestamp"] = "9" * 5000
    response = client.get(PATH_SYNC_STATE, headers=headers)
    assert response.status_code == 401
    assert error_code(response) == "bad_signature"


def test_a_batch_id_reused_with_other_records_between_the_same_head_is_a_conflict(
    engine: Engine, kiosk: LocalKiosk
) -> None:
    chain = kiosk.chain(3)
    batch_id = str(uuid.uuid4())
    assert statuses(kiosk.post_batch(chain, batch_id)) == [("stored", None)] * 3
    swapped = [chain[1], chain[0], chain[2]]  # same head, same count, other content
    response = kiosk.post_batch(swapped, batch_id)
    assert response.status_code == 409, response.text
    assert error_code(response) == "idempotency_conflict"
    assert statuses(kiosk.post_batch(chain, batch_id)) == [("duplicate", None)] * 3
