"""A kiosk with no network delivers its ratings by USB: staff export from the panel, city hall
imports the file (twice, by mistake), the kiosk later gets a network and syncs — every rating
is counted once on the real server."""

from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk.settings import Settings
from sync.enrollment import enroll
from tests.server.live import LiveServer
from ui.i18n import _

CENTER = "central-service-hall"


def test_export_imported_twice_then_synced_counts_each_rating_once(make_app, usb, tmp_path):
    kiosk = make_app(Settings(center_id=CENTER))
    for service, score in (("free-canteen", 2), ("civic-budget", 5), ("homeless-shelter", 3)):
        kiosk.rate_and_leave(service, score)
    tapped = {r.uuid for r in kiosk.app.store.records() if r.kind == "rating"}
    assert len(tapped) == 3

    kiosk.enter_admin()
    admin = kiosk.window.admin
    kiosk.qtbot.mouseClick(admin.export_box.itemAt(0).widget(), Qt.MouseButton.LeftButton)
    kiosk.qtbot.waitUntil(lambda: admin.export_text.text() != _("Exporting…"))
    (exported,) = usb.iterdir()

    server = LiveServer(tmp_path / "server")
    try:
        server.add_center(CENTER, name_ka="ცენტრალური დარბაზი", name_en="Central hall")
        first = server.cli("import", str(exported))
        assert "stored 3, duplicates 0, rejected 0" in first.stdout
        second = server.cli("import", str(exported))
        assert "stored 0, duplicates 3, rejected 0" in second.stdout
        assert {row[0] for row in server.query("SELECT uuid FROM records")} == tapped

        server.start()
        (name,) = [row[0] for row in server.query("SELECT name FROM kiosks")]
        assert name.startswith("offline-")
        enroll(tmp_path / "data", server.url, server.reenroll_kiosk(name))
        kiosk.app.restart_sync()
        kiosk.qtbot.waitUntil(lambda: kiosk.app.store.pending_count() == 0, timeout=20000)
        assert server.query("SELECT count(*) FROM records")[0][0] == 3
        assert {row[0] for row in server.query("SELECT uuid FROM records")} == tapped
    finally:
        server.close()
