"""The quick check of uploaded records (``server.ingest.wire``) takes nothing ``RecordIn``
refuses and gives the same fields for what it takes; what it leaves, ``RecordIn`` judges."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from common.messages import RecordIn
from common.records import FIELDS, Flag
from server.ingest.wire import quick_wire
from tests.server.kiosk_driver import make_record

HEX = "0123456789abcdef"

uuids = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.uuids().map(lambda u: "urn:" + u.hex),
    st.uuids().map(lambda u: "{" + u.hex[:8] + "-" + u.hex[8:] + "}-"),
    st.uuids().map(lambda u: str(u) + "\n"),
    st.text(alphabet=HEX + "ABCDEF-{}:urn_ +x\n", max_size=40),
)
hexes = st.one_of(
    st.text(alphabet=HEX, min_size=64, max_size=64),
    st.text(alphabet=HEX, min_size=64, max_size=64).map(lambda h: h + "\n"),
    st.text(alphabet=HEX + "ABCDEF\n g", min_size=62, max_size=66),
)


@st.composite
def times(draw: st.DrawFn) -> str:
    """Times around every edge of the calendar and the clock, valid or not."""
    year = draw(st.integers(0, 9999))
    month = draw(st.integers(0, 13))
    day = draw(st.integers(0, 32))
    hour, minute, second = (
        draw(st.integers(0, 25)),
        draw(st.integers(0, 61)),
        draw(st.integers(0, 61)),
    )
    fraction = draw(st.sampled_from(["", "."])) + draw(st.text(alphabet="0123456789", max_size=7))
    offset = draw(
        st.one_of(
            st.just("Z"),
            st.builds(
                lambda sign, h, m: f"{sign}{h:02d}:{m:02d}",
                st.sampled_from("+-"),
                st.integers(0, 25),
                st.integers(0, 61),
            ),
            st.text(max_size=3),
        )
    )
    return (
        f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}{offset}"
    )


texts = st.one_of(
    st.text(max_size=210),
    st.sampled_from(["", "\x00", "a\x00", "\ud800", "x\udfff", "ქართული", "a" * 200, "a" * 201]),
)
ints = st.one_of(st.integers(-(2**64), 2**64), st.booleans(), st.floats(allow_nan=False), st.none())
values: dict[str, Any] = {
    "uuid": uuids,
    "rating_uuid": uuids,
    "device_id": uuids,
    "prev_hash": hexes,
    "hash": hexes,
    "created_at": st.one_of(times(), st.text(max_size=40)),
    "center_id": texts,
    "service_id": texts,
    "catalog_version": texts,
    "language": st.one_of(texts, st.sampled_from(["ka", "en", "x" * 35, "x" * 36])),
    "comment": st.one_of(st.none(), texts, st.integers(19990, 20010).map(lambda n: "ა" * n)),
    "kind": st.one_of(st.sampled_from(["rating", "reasons", "comment", "Rating"]), texts),
    "seq": ints,
    "score": ints,
    "utc_offset_min": ints,
    "reasons": st.one_of(st.lists(texts, max_size=101), texts, st.none()),
    "flags": st.one_of(
        st.lists(st.sampled_from([*Flag, "other", ""]), max_size=11), st.lists(texts, max_size=2)
    ),
}


def judged(raw: Any) -> dict[str, Any] | None:
    try:
        return RecordIn.model_validate(raw).model_dump()
    except ValidationError:
        return None


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_quick_check_takes_only_what_record_in_takes_with_the_same_fields(data):
    raw = make_record(str(uuid.uuid4()), 1)
    for name in data.draw(st.sets(st.sampled_from(FIELDS), min_size=1, max_size=3)):
        raw[name] = data.draw(values[name])
    quick = quick_wire(raw)
    if quick is not None:
        assert quick == judged(raw)


@settings(max_examples=600, deadline=None)
@given(times())
def test_the_quick_check_of_times_takes_a_subset_of_record_in(moment):
    raw = make_record(str(uuid.uuid4()), 1, created_at=moment)
    quick = quick_wire(raw)
    if quick is not None:
        assert quick == judged(raw)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"comment": "ძალიან კარგი\nმომსახურება", "kind": "comment", "score": None},
        {"reasons": ["long-wait", "unclear-info"], "kind": "reasons", "score": None},
        {"flags": ["burst"], "utc_offset_min": -1440, "seq": 2**63 - 1},
        {"created_at": "2024-02-28T23:59:59Z"},
        {"created_at": "2026-12-31T00:00:00.5+04:00"},
        {"uuid": str(uuid.uuid4()).upper()},
    ],
)
def test_records_a_kiosk_sends_take_the_quick_path(changes):
    changes = dict(changes)
    raw = make_record(str(uuid.uuid4()), changes.pop("seq", 1), **changes)
    assert judged(raw) is not None
    assert quick_wire(raw) == judged(raw)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("uuid", "urn:0e7c1f527d7b4a0e8b5e3f1c2d4a5b6c"),
        ("created_at", "2024-02-29T09:30:00Z"),
        ("prev_hash", "a" * 64 + "\n"),
    ],
)
def test_corners_the_patterns_leave_are_judged_by_record_in(name, value):
    raw = make_record(str(uuid.uuid4()), 1, **{name: value})
    assert quick_wire(raw) is None
    assert judged(raw) is not None


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        "record",
        {"uuid": str(uuid.uuid4())},
        {**make_record(str(uuid.uuid4()), 1), "extra": 1},
        {**make_record(str(uuid.uuid4()), 1), "seq": True},
        {**make_record(str(uuid.uuid4()), 1), "seq": "1"},
        {**make_record(str(uuid.uuid4()), 1), "comment": "a\x00b"},
        {**make_record(str(uuid.uuid4()), 1), "comment": "\ud800"},
        {**make_record(str(uuid.uuid4()), 1), "created_at": "2025-02-29T09:30:00Z"},
        {**make_record(str(uuid.uuid4()), 1), "flags": ["red"]},
    ],
)
def test_what_record_in_refuses_the_quick_check_refuses(raw):
    assert judged(raw) is None
    assert quick_wire(raw) is None
