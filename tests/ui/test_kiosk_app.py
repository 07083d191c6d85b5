"""The app as a whole: a catalog fetched by sync is swapped in only between citizens; the demo
kiosk keeps its made-up ratings to itself."""

from __future__ import annotations

import json

from common.catalog import demo_catalog_bytes
from kiosk.flow import Step
from kiosk.settings import Settings
from sync.status import SyncStatus


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


def test_the_demo_kiosk_never_syncs_or_exports(make_app, tmp_path):
    from sync.keys import KioskFiles
    from tests.sync.helpers import fake_enrollment
    from ui.i18n import _
    from ui.staff.messages import problem_text

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    fake_enrollment(data_dir, "https://feedback.example.ge")  # as if someone enrolled it
    kiosk = make_app(Settings(), demo=True)
    assert kiosk.app.store.is_demo()
    assert KioskFiles(data_dir).enrollment() is not None
    kiosk.app.start_sync()
    kiosk.app.sync_now()
    assert kiosk.app.sync is None

    kiosk.enter_admin()
    admin = kiosk.window.admin
    demo = _("Demo kiosk: its ratings are made up and never leave this tablet.")
    kiosk.qtbot.waitUntil(lambda: demo in admin.sync_text.text())
    assert not admin.sync_button.isEnabled()
    assert admin.export_box.count() == 0  # no "Export to …" button
    assert admin.export_text.text() == _(
        "The demo kiosk's ratings are made up; they are never exported."
    )

    kiosk.app.show_wizard(can_cancel=True)
    wizard = kiosk.app.wizard
    wizard.go("connection")
    assert not wizard.connect_button.isEnabled()
    assert wizard.connection_message.text() == problem_text("demo", "")


def test_a_window_grown_by_the_wizard_gets_its_size_back(make_app):
    from PySide6.QtCore import QSize

    kiosk = make_app(Settings(), size=(1024, 600))
    kiosk.app.show_wizard(can_cancel=True)
    kiosk.app.wizard.setMinimumHeight(900)  # whatever might make a page too tall
    kiosk.qtbot.waitUntil(lambda: kiosk.window.height() >= 900)
    kiosk.app.wizard.cancelled.emit()
    assert kiosk.window.citizens_at_screen()
    assert kiosk.window.size() == QSize(1024, 600)


def test_closing_while_a_rating_commits_saves_what_was_held_for_it(make_app, tmp_path):
    """Reasons and a comment wait for their rating's uuid; closing the kiosk in that moment
    waits for the rating's commit and hands them over before the writer stops."""
    import threading

    from kiosk.storage import Store

    kiosk = make_app(Settings(ask_comment=True))
    app, flow = kiosk.app, kiosk.app.flow
    disk = threading.Event()
    app.store.submit(lambda _store: disk.wait(10))  # a slow disk: the rating queues behind
    kiosk.clock.advance(3)
    flow.start()
    kiosk.clock.advance(1)
    flow.choose(flow.services()[0].id)
    kiosk.clock.advance(1)
    flow.rate(1)
    reason = flow.reasons()[0].id
    kiosk.clock.advance(1)
    flow.toggle_reason(reason)
    kiosk.clock.advance(1)
    flow.submit_reasons()
    kiosk.clock.advance(1)
    flow.submit_comment("The queue was long")
    assert [draft.kind for draft in flow.session.held] == ["reasons", "comment"]
    disk.set()
    app.close()
    with Store(tmp_path / "data" / "kiosk.db") as store:
        records = {record.kind: record for record in store.records()}
    assert set(records) == {"rating", "reasons", "comment"}
    rating = records["rating"]
    assert records["reasons"].rating_uuid == rating.uuid
    assert records["reasons"].reasons == (reason,)
    assert records["comment"].rating_uuid == rating.uuid
    assert records["comment"].comment == "The queue was long"
    assert flow.unreported == 0
