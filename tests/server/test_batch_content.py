"""A batch's idempotency fingerprint and its answer, written the quick way, are what the plain
way writes: the fingerprint of a batch stored before must match its replay's."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.messages import BatchEnvelope, BatchResponse
from server.batches import batch_answer, content_hash
from server.ingest import Outcome, Received
from server.ingest.reading import Catalogs, read_record
from tests.server.kiosk_driver import make_chain, make_record

DEVICE = str(uuid.uuid4())
TEXTS = st.text(max_size=20) | st.sampled_from(
    ['"\\/', "\x00\x01\x1f\x7f", "\b\t\n\f\r", ',"kind":"x', "ქართული \u2028 😀", "~ "]
)


def envelope(records: list[Any], head_hash: str = "a" * 64) -> BatchEnvelope:
    return BatchEnvelope.model_validate(
        {
            "batch_id": str(uuid.uuid4()),
            "device_id": DEVICE,
            "records": records,
            "head": {"seq": 7, "hash": head_hash},
            "head_signature": "x",
        }
    )


def documented_content_hash(batch: BatchEnvelope) -> str:
    """The fingerprint as batches already stored were given it."""
    content = {"head": batch.head.model_dump(), "records": batch.records}
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(encoded.encode("ascii")).hexdigest()


class NoCatalogs(Catalogs):
    def __init__(self) -> None:
        self.current = None
        self._named = {}

    def named(self, version: str) -> None:
        return None


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {"comment": st.none() | TEXTS, "reasons": st.lists(TEXTS, max_size=3)}
        ),
        max_size=6,
    ),
    st.lists(st.sampled_from([None, 5, "x", {"seq": 1}, [1]]), max_size=2),
)
def test_the_fingerprint_is_the_documented_one(changes, odd):
    records: list[Any] = [
        make_record(DEVICE, seq, kind="comment", score=None, **change)
        for seq, change in enumerate(changes, start=1)
    ]
    records += odd
    batch = envelope(records)
    readings = [read_record(raw, DEVICE, None, NoCatalogs()) for raw in records]
    canonical = [reading.canonical for reading in readings]
    assert content_hash(batch, canonical) == documented_content_hash(batch)
    assert content_hash(batch) == documented_content_hash(batch)


@pytest.mark.parametrize(
    "comment",
    [None, "plain", "del \x7f", "ctl \x01\x1f\n\t", ',"kind":"rating"', 'q"\\/', "ქ", "\u2028"],
)
def test_every_kind_of_character_gets_the_documented_fingerprint(comment):
    records = make_chain(DEVICE, 2, kind="comment", score=None, comment=comment)
    readings = [read_record(raw, DEVICE, None, NoCatalogs()) for raw in records]
    assert all(reading.canonical is not None for reading in readings)
    batch = envelope(records)
    canonical = [reading.canonical for reading in readings]
    assert content_hash(batch, canonical) == documented_content_hash(batch)


def test_ascii_records_take_the_quick_fingerprint():
    records = make_chain(DEVICE, 3)
    readings = [read_record(raw, DEVICE, None, NoCatalogs()) for raw in records]
    assert all(reading.canonical is not None for reading in readings)
    batch = envelope(records, head_hash="b" * 64 + "\n")
    canonical = [reading.canonical for reading in readings]
    assert content_hash(batch, canonical) == documented_content_hash(batch)


def test_the_answer_is_the_documented_batch_response():
    received = Received(
        outcomes=[
            Outcome("0e7c1f52-7d7b-4a0e-8b5e-3f1c2d4a5b6c", "stored"),
            Outcome(None, "rejected", "malformed", "The record is malformed: ქ \u2028"),
            Outcome("a3d9b6c1-52e4-4f8a-9c0d-7e1b2f3a4c5d", "duplicate"),
        ],
        high_water_mark=3,
        missing=[(5, 6), (9, 9)],
        intact=False,
    )
    body = batch_answer("7b1e9d4c-0f3a-4e2b-8c6d-5a9f1b3e7d20", received)
    model = BatchResponse.model_validate_json(body)
    assert json.loads(body) == json.loads(model.model_dump_json())
    assert list(json.loads(body)) == list(BatchResponse.model_fields)
    assert model.chain.missing == [(5, 6), (9, 9)]
