"""A minimal protocol driver for server tests: signs requests like a kiosk and builds records.

It speaks the protocol straight from ``common.protocol`` so the server tests do not depend on
the sync client, and it can also send what a correct kiosk never would (bad hashes, wrong
devices, skewed clocks) to check the server's answers.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.protocol import (
    HEADER_IDEMPOTENCY,
    PATH_BATCHES,
    PATH_ENROLL,
    gzip_body,
    head_message,
    public_key_b64,
    sign,
    signed_headers,
)
from common.records import GENESIS_HASH, Record, record_hash

_DEFAULT: Any = object()

SERVICE = "service-hall-documents"
"""A service of the demo catalog (``common/data/demo_catalog.json``)."""


def make_record(
    device_id: str,
    seq: int,
    prev_hash: str = GENESIS_HASH,
    *,
    kind: str = "rating",
    score: int | None = _DEFAULT,
    rating_uuid: str | None = None,
    center_id: str = "tbilisi",
    service_id: str = SERVICE,
    reasons: tuple[str, ...] = (),
    comment: str | None = None,
    rehash: bool = True,
    **overrides: Any,
) -> dict[str, Any]:
    """A record's wire dict with a correct hash (unless ``rehash`` is False).

    ``score`` defaults to 4 for a rating and None otherwise; ``overrides`` replace wire fields
    (even with wrong types) before hashing.
    """
    if score is _DEFAULT:
        score = 4 if kind == "rating" else None
    record_uuid = overrides.pop("uuid", str(uuid.uuid4()))
    record = Record(
        uuid=record_uuid,
        seq=seq,
        kind=kind,
        rating_uuid=rating_uuid or record_uuid,
        device_id=device_id,
        center_id=center_id,
        service_id=service_id,
        catalog_version="2026.1",
        score=score,
        reasons=reasons,
        comment=comment,
        language="ka",
        created_at="2026-03-14T09:30:00.000000Z",
        utc_offset_min=240,
        flags=(),
        prev_hash=prev_hash,
    )
    wire = {**record.to_wire(), **overrides}
    wire["reasons"] = list(wire["reasons"])
    wire["flags"] = list(wire["flags"])
    if rehash:
        wire["hash"] = record_hash(wire)
    return wire


def make_chain(
    device_id: str, count: int, start: int = 1, prev_hash: str = GENESIS_HASH, **kwargs: Any
) -> list[dict[str, Any]]:
    """``count`` linked rating records from ``start``; ``prev_hash`` is the one before."""
    out = []
    for seq in range(start, start + count):
        record = make_record(device_id, seq, prev_hash, **kwargs)
        out.append(record)
        prev_hash = record["hash"]
    return out


class KioskDriver:
    """One simulated kiosk: its own device id and Ed25519 key, talking to ``base_url``."""

    def __init__(self, base_url: str, device_id: str | None = None) -> None:
        self.base_url = base_url
        self.device_id = device_id or str(uuid.uuid4())
        self.key = Ed25519PrivateKey.generate()
        self.session = requests.Session()
        self.center_id: str | None = None
        self.name: str | None = None

    def new_key(self) -> None:
        self.key = Ed25519PrivateKey.generate()

    def enroll(self, code: str, overrides: dict[str, Any] | None = None) -> requests.Response:
        body = {
            "code": code,
            "device_id": self.device_id,
            "public_key": public_key_b64(self.key),
            "app_version": "0.1.0",
            **(overrides or {}),
        }
        response = self._send("POST", self.base_url + PATH_ENROLL, json_body=body)
        if response.status_code == 201:
            self.center_id = response.json()["center_id"]
        return response

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        key: Ed25519PrivateKey | None = None,
        device_id: str | None = None,
    ) -> requests.Response:
        """A signed request; the signature covers ``body`` exactly as sent."""
        stamp = int(time.time()) if timestamp is None else timestamp
        signed = signed_headers(
            key or self.key, device_id or self.device_id, method, path, stamp, body
        )
        all_headers = {**signed, **(headers or {})}
        return self._send(method, self.base_url + path, content=body, headers=all_headers)

    def _send(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """One HTTP exchange; ``tests.server.inprocess`` sends it to an in-process app instead."""
        return self.session.request(
            method, url, data=content, json=json_body, headers=headers, timeout=30
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post_json(
        self, path: str, payload: Any, *, compress: bool = True, **kwargs: Any
    ) -> requests.Response:
        raw = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
        if compress:
            raw = gzip_body(raw)
            headers["Content-Encoding"] = "gzip"
        return self.request("POST", path, raw, headers=headers, **kwargs)

    def batch_body(self, records: list[Any], batch_id: str | None = None) -> dict[str, Any]:
        """The envelope, its head signed for the last well-formed record (or the genesis).

        ``records`` are usually record dicts, but may hold anything to send as one."""
        wellformed = [r for r in records if isinstance(r, dict) and type(r.get("seq")) is int]
        head_seq = wellformed[-1]["seq"] if wellformed else 0
        head_hash = wellformed[-1]["hash"] if wellformed else GENESIS_HASH
        return {
            "batch_id": batch_id or str(uuid.uuid4()),
            "device_id": self.device_id,
            "records": records,
            "head": {"seq": head_seq, "hash": head_hash},
            "head_signature": sign(self.key, head_message(self.device_id, head_seq, head_hash)),
        }

    def post_batch(
        self, records: list[Any], batch_id: str | None = None, **kwargs: Any
    ) -> requests.Response:
        body = self.batch_body(records, batch_id)
        headers = {HEADER_IDEMPOTENCY: body["batch_id"], **kwargs.pop("headers", {})}
        return self.post_json(PATH_BATCHES, body, headers=headers, **kwargs)

    def chain(self, count: int, start: int = 1, prev_hash: str = GENESIS_HASH, **kwargs: Any):
        """Records of this kiosk (its device and center)."""
        kwargs.setdefault("center_id", self.center_id or "tbilisi")
        return make_chain(self.device_id, count, start, prev_hash, **kwargs)

    def record(self, seq: int, prev_hash: str = GENESIS_HASH, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("center_id", self.center_id or "tbilisi")
        return make_record(self.device_id, seq, prev_hash, **kwargs)
