"""The app as a whole: a catalog fetched by sync is swapped in only between citizens."""

from __future__ import annotations

import json

from common.catalog import demo_catalog_bytes
from kiosk.flow import Step
from kiosk.settings import Settings
from sync.job import SyncStatus


def test_a_new_catalog_from_sync_waits_for_the_citizen_to_finish(make_app, tmp_path):
    kiosk = make_app(Settings())
    flow = kiosk.app.flow
    data = json.loads(demo_catalog_bytes())
    data["version"] = "2026.2"
    data["services"][0]["name"]["en"] = "Family support (renamed)"
    (tmp_path / "data" / "catalog.json").write_text(json.dumps(data), encoding="utf-8")
    kiosk.clock.advance(3)
    flow.start()
    assert flow.step is Step.CHOOSE
    kiosk.app.status_arrived.emit(SyncStatus(state="ok", catalog_version="2026.2"))
    assert flow.catalog.version == "2026.1"  # not while a citizen is choosing
    kiosk.clock.advance(1)
    flow.back()
    assert flow.step is Step.WELCOME
    assert flow.catalog.version == "2026.2"
    assert flow.services()[0].name.en == "Family support (renamed)"


def test_an_unusable_catalog_from_sync_keeps_the_current_one(make_app, tmp_path, caplog):
    kiosk = make_app(Settings())
    (tmp_path / "data" / "catalog.json").write_text("{broken", encoding="utf-8")
    kiosk.app.status_arrived.emit(SyncStatus(state="ok", catalog_version="2026.9"))
    assert "the new catalog could not be used" in caplog.text
    assert kiosk.app.flow.catalog.version == "2026.1"
