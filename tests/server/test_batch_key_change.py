"""A batch checked with a kiosk's key is stored only if that key is still the kiosk's once the
kiosk's row is locked: a re-enrollment or a revocation that came in between refuses it (401)
and stores nothing, so every stored batch is dated while its key was in force. In-process on
both backends, with the request's authentication and its storing pulled apart on purpose."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, select

from common.messages import EnrollRequest
from common.protocol import head_message, public_key_b64, sign
from server.auth import Kiosk
from server.batches import parse_envelope, receive_batch
from server.db import batches, kiosk_keys, kiosks, records
from server.enrollment import add_kiosks, enroll, reenroll_kiosk, revoke_kiosk
from server.errors import ApiError
from tests.server.kiosk_driver import make_chain

CENTER = "tbilisi"
NAME = "hall-1"


def enroll_with(engine: Engine, code: str, device_id: str, key: Ed25519PrivateKey) -> None:
    request = EnrollRequest(
        code=code, device_id=device_id, public_key=public_key_b64(key), app_version="0.1.0"
    )
    enroll(engine, request, "127.0.0.1")


def as_checked(engine: Engine, device_id: str) -> Kiosk:
    """The kiosk as authentication saw it, with the key in force at that moment."""
    with engine.connect() as conn:
        row = conn.execute(select(kiosks).where(kiosks.c.device_id == device_id)).one()
    return Kiosk(row.id, row.name, row.center_id, device_id, row.public_key)


def send(engine: Engine, kiosk: Kiosk, key: Ed25519PrivateKey) -> None:
    chain = make_chain(kiosk.device_id, 3, center_id=CENTER)
    head = chain[-1]
    body: dict[str, Any] = {
        "batch_id": str(uuid.uuid4()),
        "device_id": kiosk.device_id,
        "records": chain,
        "head": {"seq": head["seq"], "hash": head["hash"]},
        "head_signature": sign(key, head_message(kiosk.device_id, head["seq"], head["hash"])),
    }
    envelope = parse_envelope(body, kiosk, body["batch_id"])
    with engine.connect() as conn:
        receive_batch(conn, kiosk, envelope)


def stored(engine: Engine, device_id: str) -> tuple[int, int]:
    with engine.connect() as conn:
        kept = conn.execute(
            select(func.count()).select_from(records).where(records.c.device_id == device_id)
        ).scalar_one()
        noted = conn.execute(
            select(func.count()).select_from(batches).where(batches.c.device_id == device_id)
        ).scalar_one()
    return kept, noted


@pytest.fixture
def device(engine: Engine) -> tuple[str, Ed25519PrivateKey]:
    device_id, key = str(uuid.uuid4()), Ed25519PrivateKey.generate()
    enroll_with(engine, add_kiosks(engine, [NAME], CENTER)[0].code, device_id, key)
    return device_id, key


def test_a_batch_whose_key_is_still_in_force_is_stored(engine, device) -> None:
    device_id, key = device
    send(engine, as_checked(engine, device_id), key)
    assert stored(engine, device_id) == (3, 1)


def test_a_reenrollment_between_check_and_store_refuses_the_batch(engine, device) -> None:
    device_id, old = device
    checked = as_checked(engine, device_id)
    enroll_with(engine, reenroll_kiosk(engine, NAME).code, device_id, Ed25519PrivateKey.generate())
    with pytest.raises(ApiError) as refused:
        send(engine, checked, old)
    assert (refused.value.status, refused.value.code) == (401, "bad_signature")
    assert stored(engine, device_id) == (0, 0)


def test_a_revocation_between_check_and_store_refuses_the_batch(engine, device) -> None:
    device_id, key = device
    checked = as_checked(engine, device_id)
    revoke_kiosk(engine, NAME)
    with pytest.raises(ApiError) as refused:
        send(engine, checked, key)
    assert (refused.value.status, refused.value.code) == (401, "revoked")
    assert stored(engine, device_id) == (0, 0)


def test_a_stored_batch_is_dated_within_its_keys_time(engine, device) -> None:
    device_id, old = device
    send(engine, as_checked(engine, device_id), old)
    new = Ed25519PrivateKey.generate()
    enroll_with(engine, reenroll_kiosk(engine, NAME).code, device_id, new)
    with engine.connect() as conn:
        received_at = conn.execute(
            select(batches.c.received_at).where(batches.c.device_id == device_id)
        ).scalar_one()
        old_until = conn.execute(
            select(kiosk_keys.c.valid_until).where(
                kiosk_keys.c.device_id == device_id,
                kiosk_keys.c.public_key == public_key_b64(old),
            )
        ).scalar_one()
    assert received_at < old_until
