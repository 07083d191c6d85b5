from __future__ import annotations

from common.records import GENESIS_HASH, canonical_bytes, record_hash, verify_chain
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
