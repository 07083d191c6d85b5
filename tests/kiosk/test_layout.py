"""The compact forms a record takes in a row give back exactly the record that was written."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from common.records import GENESIS_HASH, Record, record_hash
from kiosk import layout
from kiosk.storage import Store
from tests.helpers import draft


def wire(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "uuid": "7d3f0c2a-9b1e-4c55-8a0d-2f6e4b1c9a77",
        "seq": 12,
        "kind": "reasons",
        "rating_uuid": "0b8e5a41-3c2d-4f6e-9a17-5d4c3b2a1f00",
        "device_id": "5b7ca4f0-1b21-4328-9d45-b7e3cde0d818",
        "center_id": "central-service-hall",
        "service_id": "free-canteen",
        "catalog_version": "2026.1",
        "score": None,
        "reasons": ["food-quality", "long-wait"],
        "comment": None,
        "language": "ka",
        "created_at": "2026-03-14T09:30:00.123456Z",
        "utc_offset_min": 240,
        "flags": [],
        "prev_hash": "ab" * 32,
    }
    base.update(values)
    base["hash"] = record_hash(base)
    return base


class Names:
    """A ``texts`` table in a dict."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def code(self, text: str) -> int:
        return self.ids.setdefault(text, len(self.ids) + 1)

    def texts(self) -> dict[int, str]:
        return {text_id: text for text, text_id in self.ids.items()}


def round_trip(data: dict[str, object]) -> tuple[dict[str, Any], dict[str, Any]]:
    names = Names()
    row = layout.encode(data, names.code)
    return row, layout.decode(row, names.texts())


def test_a_record_is_stored_compactly_and_read_back_as_written():
    data = wire()
    row, back = round_trip(data)
    assert back == data
    assert row["uuid"] == bytes.fromhex("7d3f0c2a9b1e4c558a0d2f6e4b1c9a77")
    assert isinstance(row["rating_uuid"], bytes) and len(row["rating_uuid"]) == 16
    assert row["prev_hash"] == b"\xab" * 32 and len(row["hash"]) == 32
    assert row["created_at"] == 1773480600123456  # microseconds since 1970-01-01 UTC
    assert row["kind"] == 1 and row["flags"] is None
    assert row["reasons"] == '["food-quality","long-wait"]'
    assert {row[name] for name in layout.CODED} == {1, 2, 3, 4, 5}


def test_a_rating_points_to_itself_without_storing_its_uuid_twice():
    data = wire(kind="rating", score=5, reasons=[], flags=["burst"])
    data = wire(**{**data, "rating_uuid": data["uuid"]})
    row, back = round_trip(data)
    assert row["rating_uuid"] is None and row["reasons"] is None
    assert row["flags"] == '["burst"]'
    assert back == data


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("uuid", "7D3F0C2A-9B1E-4C55-8A0D-2F6E4B1C9A77"),  # upper case
        ("uuid", "{7d3f0c2a-9b1e-4c55-8a0d-2f6e4b1c9a77}"),
        ("uuid", "u1"),
        ("rating_uuid", "7d3f0c2a9b1e4c558a0d2f6e4b1c9a77"),  # no dashes
        ("prev_hash", "AB" * 32),
        ("prev_hash", "p"),
        ("created_at", "2026-03-14T09:30:00Z"),  # no microseconds
        ("created_at", "2026-03-14T13:30:00.123456+04:00"),
        ("created_at", "2026-02-30T09:30:00.123456Z"),  # no such day
        ("created_at", "t"),
        ("kind", "unknown"),
        ("comment", ""),
        ("catalog_version", ""),
    ],
)
def test_a_value_without_a_compact_form_is_kept_as_it_is(field, value):
    data = wire(**{field: value})
    row, back = round_trip(data)
    assert back == data
    stored = row[field] if field not in layout.CODED else None
    if stored is not None and field not in ("comment", "kind"):
        assert stored == value  # as text, not in a compact form that would change it


def test_rows_of_the_layout_before_decode_to_the_same_record():
    data = wire()
    old = {**data, "reasons": '["food-quality","long-wait"]', "flags": "[]"}
    assert layout.decode(old, {}) == data


def test_an_unknown_text_id_is_an_error_not_a_guess():
    row = layout.encode(wire(), Names().code)
    with pytest.raises(KeyError):
        layout.decode(row, {})


def test_genesis_and_the_rows_of_a_store(tmp_path, clock):
    with Store(tmp_path / "kiosk.db", clock=clock.utc) as store:
        first = store.append(draft(reasons=("x",), kind="reasons", score=None))
        assert first.prev_hash == GENESIS_HASH
        conn = sqlite3.connect(tmp_path / "kiosk.db")
        types = conn.execute(
            "SELECT typeof(uuid), length(uuid), typeof(rating_uuid), typeof(device_id), "
            "typeof(created_at), typeof(prev_hash), length(hash), sync_state FROM records"
        ).fetchone()
        conn.close()
        assert types == ("blob", 16, "null", "integer", "integer", "blob", 32, 0)
        assert store.records() == [first]
        assert Record.from_wire(first.to_wire()) == first
