from __future__ import annotations

import hashlib
import json
from dataclasses import FrozenInstanceError, asdict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.records import (
    FIELDS,
    GENESIS_HASH,
    HASHED_FIELDS,
    LIST_FIELDS,
    Record,
    canonical_bytes,
    canonical_text,
    record_hash,
    verify_chain,
)
from kiosk.storage import Store
from tests.helpers import draft


def test_canonical_encoding_is_sorted_compact_utf8(tmp_path):
    store = Store(tmp_path / "k.db")
    record = store.append(draft(kind="comment", score=None, comment="კარგი"))
    encoded = canonical_bytes(record.to_wire())
    assert encoded.startswith(
        b'{"catalog_version":"2026.1","center_id":"central-service-hall","comment":"'
    )
    assert "კარგი".encode() in encoded
    assert b" " not in encoded
    assert b'"hash"' not in encoded
    assert record_hash(record.to_wire()) == record.hash


def test_chain_links_each_record_to_the_previous(tmp_path):
    store = Store(tmp_path / "k.db")
    records = [store.append(draft(score=s)) for s in (1, 2, 3)]
    assert records[0].prev_hash == GENESIS_HASH
    assert [r.prev_hash for r in records[1:]] == [r.hash for r in records[:-1]]
    assert verify_chain([r.to_wire() for r in records]) is None


def test_chain_check_finds_an_edited_record(tmp_path):
    store = Store(tmp_path / "k.db")
    wires = [store.append(draft(score=s)).to_wire() for s in (1, 2, 3)]
    wires[1]["score"] = 5
    assert verify_chain(wires) == 1


def test_chain_check_finds_a_missing_record(tmp_path):
    store = Store(tmp_path / "k.db")
    wires = [store.append(draft(score=s)).to_wire() for s in (1, 2, 3)]
    assert verify_chain([wires[0], wires[2]]) == 1


def test_canonical_escaping_is_the_documented_one(tmp_path):
    store = Store(tmp_path / "k.db")
    text = '\x08\t\n\x0c\r\x01\x7f\u2028/"\\ა'
    record = store.append(draft(kind="comment", score=None, comment=text))
    encoded = canonical_bytes(record.to_wire())
    documented = '"comment":"\\b\\t\\n\\f\\r\\u0001\x7f\u2028/\\"\\\\ა"'.encode()
    assert documented in encoded
    assert b'"score":null' in encoded
    assert b'"utc_offset_min":' in encoded


# -- the canonical encoding is exactly the documented json.dumps --------------------------------

TEXTS = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ['"\\/', "\x00\x01\x1f\x7f", "\b\t\n\f\r", "ქართული ✓ \u2028 😀", "", "\ud800"]
)
ITEMS = st.lists(TEXTS, max_size=4)
RECORDS = st.fixed_dictionaries(
    {
        "uuid": TEXTS, "seq": st.integers(-(2**70), 2**70), "kind": TEXTS, "rating_uuid": TEXTS,
        "device_id": TEXTS, "center_id": TEXTS, "service_id": TEXTS, "catalog_version": TEXTS,
        "score": st.none() | st.integers(-(2**70), 2**70) | st.booleans(),
        "reasons": ITEMS | ITEMS.map(tuple), "comment": st.none() | TEXTS, "language": TEXTS,
        "created_at": TEXTS, "utc_offset_min": st.integers(-1440, 1440) | st.floats(-1e9, 1e9),
        "flags": ITEMS | ITEMS.map(tuple) | TEXTS, "prev_hash": TEXTS, "hash": TEXTS,
        "extra": TEXTS,
    }
)  # fmt: skip


def documented_canonical_bytes(data: dict[str, Any]) -> bytes:
    """docs/records.md's definition, as the reference implementation first wrote it."""
    subset = {name: data[name] for name in HASHED_FIELDS}
    for name in LIST_FIELDS:
        subset[name] = list(subset[name])
    return json.dumps(
        subset, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


@settings(max_examples=2000, deadline=None)
@given(RECORDS)
def test_canonical_bytes_are_the_documented_json_dumps(record: dict[str, Any]) -> None:
    try:
        expected = documented_canonical_bytes(record)
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            canonical_bytes(record)
        return
    assert canonical_bytes(record) == expected
    assert record_hash(record) == hashlib.sha256(expected).hexdigest()
    assert canonical_text(record).encode("utf-8") == expected


def test_every_character_is_written_as_json_dumps_writes_it() -> None:
    """Each character but the surrogates, alone and in a list, through the same encoding."""
    record: dict[str, Any] = dict.fromkeys(HASHED_FIELDS, "x") | {"reasons": [], "flags": []}
    characters = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(characters), 4096):
        text = "".join(characters[start : start + 4096])
        record |= {"comment": text, "reasons": [text, "y"], "seq": 2**64 + start}
        assert canonical_bytes(record) == documented_canonical_bytes(record), hex(start)
    for character in characters[:0x800]:
        record["comment"] = character
        assert canonical_bytes(record) == documented_canonical_bytes(record), hex(ord(character))


def test_canonical_bytes_of_nested_values_are_the_documented_json_dumps() -> None:
    """Not a record's shape, but the encoding still matches (keys of inner objects sorted)."""
    record = dict.fromkeys(HASHED_FIELDS, "x") | {
        "comment": {"b": 1, "a": [2.5, None, {"d": 1, "c": 2}]},
        "reasons": "ab",
        "flags": {"z": 1, "y": 2},
    }
    assert canonical_bytes(record) == documented_canonical_bytes(record)


@settings(max_examples=300, deadline=None)
@given(RECORDS)
def test_a_record_goes_on_the_wire_as_dataclasses_asdict_made_it(record: dict[str, Any]) -> None:
    fields = {name: record[name] for name in FIELDS}
    fields["reasons"], fields["flags"] = tuple(fields["reasons"]), tuple(fields["flags"])
    made = Record(**fields)
    expected = asdict(made)
    for name in LIST_FIELDS:
        expected[name] = list(expected[name])
    wire = made.to_wire()
    assert wire == expected
    assert list(wire) == list(expected)
    assert all(type(wire[name]) is list for name in LIST_FIELDS)
    again = Record.from_wire(wire)
    assert again == made and hash(again) == hash(made) and repr(again) == repr(made)
    assert vars(again) == vars(made)
    with pytest.raises(FrozenInstanceError):
        again.seq = 1  # type: ignore[misc]
