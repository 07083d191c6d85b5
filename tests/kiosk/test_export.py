from __future__ import annotations

import json

import pytest

from kiosk.export import ExportError, read_export, write_export
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
