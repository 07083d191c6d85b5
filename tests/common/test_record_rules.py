"""The record's fields are declared once; storage, server table and upload checks follow them."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import fields

import pytest
from pydantic import ValidationError

from common.messages import RecordIn
from common.records import (
    FIELDS,
    HASHED_FIELDS,
    MAX_SEQ,
    Channel,
    Flag,
    Kind,
    Record,
    record_hash,
)
from kiosk.storage import Store
from server.db import records as server_records
from tests.helpers import draft


def _wire(tmp_path) -> dict:
    store = Store(tmp_path / "k.db")
    return store.append(draft(score=4)).to_wire()


def test_every_field_is_stored_on_the_kiosk_under_its_name(tmp_path):
    Store(tmp_path / "k.db").close()
    with sqlite3.connect(tmp_path / "k.db") as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(records)")]
    assert set(FIELDS) <= set(columns)
    assert tuple(f.name for f in fields(Record)) == FIELDS
    assert tuple(name for name in FIELDS if name != "hash") == HASHED_FIELDS


def test_every_field_has_a_server_column(tmp_path):
    assert set(FIELDS) <= set(server_records.c.keys())
    assert server_records.c.uuid.unique
    assert server_records.c.score.nullable  # reasons and comments carry no score


def test_a_stored_record_passes_the_upload_check_and_comes_back_equal(tmp_path):
    wire = _wire(tmp_path)
    checked = Record.from_wire(RecordIn.model_validate(wire).model_dump())
    assert checked.to_wire() == wire
    assert record_hash(checked.to_wire()) == wire["hash"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "vote"),
        ("seq", 0),
        ("seq", MAX_SEQ + 1),
        ("seq", "3"),
        ("flags", ["stuffed"]),
        ("uuid", "not-a-uuid"),
        ("device_id", "kiosk-1"),
        ("prev_hash", "A" * 64),
        ("created_at", "yesterday"),
        ("utc_offset_min", 2000),
        ("comment", "a\x00b"),
        ("reasons", ["x" * 201]),
    ],
)
def test_a_field_outside_its_rule_is_refused(tmp_path, field, value):
    wire = _wire(tmp_path)
    wire[field] = value
    with pytest.raises(ValidationError):
        RecordIn.model_validate(wire)


def test_unknown_keys_are_refused(tmp_path):
    wire = _wire(tmp_path)
    wire["channel"] = "kiosk"
    with pytest.raises(ValidationError):
        RecordIn.model_validate(wire)


def test_the_vocabularies_are_the_documented_ones():
    assert [k.value for k in Kind] == ["rating", "reasons", "comment"]
    assert [f.value for f in Flag] == ["burst", "unverified"]
    assert [c.value for c in Channel] == ["kiosk", "web-verified", "web-open"]


def test_the_documented_rules_are_the_rules():
    from pathlib import Path

    from common.records import RULES, describe

    doc = (Path(__file__).resolve().parents[2] / "docs" / "records.md").read_text("utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|$", doc, re.M))
    assert {name: rows.get(name) for name in RULES} == {
        name: describe(rule) for name, rule in RULES.items()
    }
