from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common import protocol
from common.export_format import parse_export, records_checksum, sign_export, signing_message
from kiosk.export import ExportError, read_export, write_export
from kiosk.keys import device_key
from kiosk.storage import Store
from tests.helpers import draft


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "kiosk.db") as opened:
        yield opened


def test_export_holds_every_pending_record_with_a_checksum(store, tmp_path):
    for score in (1, 2, 3):
        store.append(draft(score=score))
    store.mark_synced([store.records()[0].uuid])
    stick = tmp_path / "usb"
    stick.mkdir()
    result = write_export(store, stick, center_id="central-service-hall")
    assert result.count == 2
    document = read_export(result.path)
    assert document["device_id"] == store.device_id
    assert [r["score"] for r in document["records"]] == [2, 3]
    assert store.pending_count() == 2  # only the server's answer marks records synced
    assert list(stick.iterdir()) == [result.path]


def test_a_damaged_export_is_refused(store, tmp_path):
    store.append(draft(score=4))
    result = write_export(store, tmp_path, center_id="central-service-hall")
    document = json.loads(result.path.read_text())
    document["records"][0]["score"] = 5
    result.path.write_text(json.dumps(document))
    with pytest.raises(ExportError, match="checksum mismatch"):
        read_export(result.path)
    result.path.write_text("{")
    with pytest.raises(ExportError, match="invalid JSON"):
        read_export(result.path)


def test_an_unwritable_folder_is_a_clear_error(store, tmp_path):
    store.append(draft(score=4))
    with pytest.raises(ExportError, match="could not write"):
        write_export(store, tmp_path / "not-mounted", center_id="central-service-hall")


def test_export_is_signed_with_the_device_key_of_the_data_folder(store, tmp_path):
    store.append(draft(score=4))
    first = read_export(write_export(store, tmp_path, center_id="central-service-hall").path)
    key = device_key(tmp_path)  # the folder holding kiosk.db; made by the export
    assert first["version"] == 2
    assert first["public_key"] == protocol.public_key_b64(key)
    key.public_key().verify(base64.b64decode(first["signature"]), signing_message(first))
    assert signing_message(first) == "\n".join(
        [
            "ukukavshiri-export-v2",
            store.device_id,
            "central-service-hall",
            first["exported_at"],
            first["records_sha256"],
        ]
    ).encode("ascii")
    store.append(draft(score=2))
    later = tmp_path / "later"
    later.mkdir()
    second = read_export(write_export(store, later, center_id="central-service-hall").path)
    assert second["public_key"] == first["public_key"]


def _rewrite(path, change) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def _flip_first_byte(document) -> None:
    signature = bytearray(base64.b64decode(document["signature"]))
    signature[0] ^= 1
    document["signature"] = base64.b64encode(bytes(signature)).decode("ascii")


def _edit_record_and_checksum(document) -> None:
    document["records"][0]["score"] = 5
    document["records_sha256"] = records_checksum(document["records"])


def _signature_of_another_key(document) -> None:
    document["signature"] = sign_export(document, Ed25519PrivateKey.generate())["signature"]


def _weak_key_and_forged_signature(document) -> None:
    """The identity point as key: R = identity, S = 0 "verifies" any message under it."""
    identity = bytes([1]) + bytes(31)
    document["public_key"] = base64.b64encode(identity).decode("ascii")
    document["signature"] = base64.b64encode(identity + bytes(32)).decode("ascii")


def _as_version_1(document) -> None:
    """What a kiosk from before signing wrote."""
    del document["signature"], document["public_key"]
    document["version"] = 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.pop("signature"), "not signed"),
        (lambda d: d.pop("public_key"), "not signed"),
        (_as_version_1, "version 1 is not signed"),
        (_flip_first_byte, "signature does not verify"),
        (_edit_record_and_checksum, "signature does not verify"),
        (lambda d: d.update(center_id="elsewhere"), "signature does not verify"),
        (_signature_of_another_key, "signature does not verify"),
        (lambda d: d.update(public_key="AAAA"), "not 32 bytes"),
        (lambda d: d.update(signature="***"), "not base64"),
        (_weak_key_and_forged_signature, "public key is weak"),
    ],
    ids=[
        "no-signature",
        "no-public-key",
        "version-1",
        "bad-signature",
        "edited-record-new-checksum",
        "edited-header",
        "other-key",
        "short-key",
        "garbled-signature",
        "weak-key",
    ],
)
def test_unsigned_or_badly_signed_exports_are_refused(store, tmp_path, change, reason):
    store.append(draft(score=4))
    path = write_export(store, tmp_path, center_id="central-service-hall").path
    _rewrite(path, change)
    with pytest.raises(ExportError, match=reason):
        read_export(path)


def test_a_center_id_with_a_line_break_cannot_be_signed(store, tmp_path):
    store.append(draft(score=4))
    with pytest.raises(ExportError, match="line break"):
        write_export(store, tmp_path, center_id="hall\n2026-03-14T09:30:00Z")
    assert [p.name for p in tmp_path.iterdir() if p.suffix in (".json", ".part")] == []


def _fenced_after(text: str, marker: str) -> str:
    """The first fenced block after ``marker`` in a Markdown text."""
    rest = text[text.index(marker) :]
    match = re.search(r"```\w*\n(.*?)```", rest, re.DOTALL)
    assert match is not None, marker
    return match.group(1)


def test_the_documented_test_vector_is_what_the_code_signs():
    """docs/export.md lets an outside verifier check a file: its example must be exact."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "export.md").read_text(encoding="utf-8")
    secret = re.search(r'"TEST 1"\n\(`([0-9a-f]{64})`', doc)
    assert secret is not None
    document = json.loads(_fenced_after(doc, "**Test vector.**"))
    message = bytes.fromhex("".join(_fenced_after(doc, "signs these 172 bytes").split()))
    assert len(message) == 172
    assert parse_export(json.dumps(document).encode("utf-8"), "docs") == document
    assert signing_message(document) == message
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret.group(1)))
    unsigned = {k: v for k, v in document.items() if k not in ("public_key", "signature")}
    assert sign_export(unsigned, key) == document  # Ed25519 signatures are deterministic


def test_the_result_counts_ratings_apart_from_records(store, tmp_path):
    rating = store.append(draft(score=2))
    store.append(draft(kind="comment", rating_uuid=rating.uuid, score=None, comment="ok"))
    store.append(draft(score=4))
    result = write_export(store, tmp_path, center_id="central-service-hall")
    assert (result.count, result.ratings) == (3, 2)


def test_the_demo_kiosk_is_never_exported(store, tmp_path):
    store.append(draft(score=3))
    store.mark_demo()
    with pytest.raises(ExportError, match="demo"):
        write_export(store, tmp_path, center_id="central-service-hall")
    assert list(tmp_path.glob("ukukavshiri-*")) == []
