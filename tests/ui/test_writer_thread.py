"""One writer: once the kiosk has started, the GUI thread runs no SQL at all. Ratings, audit
entries, PIN counters and the panel's reads all happen on other threads, so a slow disk or a
long read never freezes the touch screen. Every connection the process opens is traced."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from PySide6.QtCore import Qt

from kiosk.flow import Step
from kiosk.settings import Settings
from tests.ui.conftest import PIN
from ui.i18n import _

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN", "COMMIT", "CREATE", "ALTER")


@pytest.fixture
def traced(monkeypatch) -> list[tuple[str, str]]:
    """(thread name, statement) of every SQL statement run from now on, on any connection."""
    statements: list[tuple[str, str]] = []
    real_connect = sqlite3.connect

    def connect(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(
            lambda sql: statements.append((threading.current_thread().name, sql))
        )
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    return statements


def test_after_start_the_gui_thread_runs_no_sql(make_app, traced, usb):
    kiosk = make_app(Settings())
    kiosk.app.writer.flush()
    started = len(traced)
    gui = threading.current_thread().name

    kiosk.rate_and_leave("homeless-shelter", 2)
    kiosk.hold_logo(3.2)
    for _attempt in range(3):
        kiosk.type_pin("000000")  # counted, then locked out
    kiosk.clock.advance(30)
    kiosk.type_pin(PIN)
    admin = kiosk.window.admin
    kiosk.qtbot.waitUntil(lambda: _("Counting…") not in admin.sync_text.text())
    kiosk.qtbot.waitUntil(lambda: _("Counting…") not in admin.stats_text.text())
    kiosk.tap(_("Longer idle time"))
    target = admin.export_box.itemAt(0).widget()
    kiosk.qtbot.mouseClick(target, Qt.MouseButton.LeftButton)
    kiosk.qtbot.waitUntil(lambda: admin.export_text.text() != _("Exporting…"))
    kiosk.tap(_("Back to the kiosk"))
    kiosk.app.writer.flush()
    after_start = traced[started:]

    assert [sql for thread, sql in after_start if thread == gui] == []
    writes = [(thread, sql) for thread, sql in after_start if sql.startswith(WRITES)]
    assert {thread for thread, _sql in writes} == {"record-writer"}
    written = " ".join(sql for _thread, sql in writes)
    for what in ("INSERT INTO records", "INSERT INTO audit_log", "admin_pin_failures"):
        assert what in written
    actions = [action for _at, action, _detail in kiosk.app.store.audit_log()]
    assert actions[-4:] == ["admin opened", "settings", "export", "admin closed"]


def test_a_full_disk_is_told_to_citizen_and_staff_in_words_not_tracebacks(make_app, caplog):
    kiosk = make_app(Settings(default_language="en"))

    def fill_the_disk(store) -> None:
        """A real SQLITE_FULL: every record written needs a megabyte the file cannot grow by."""
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.executescript(
            f"""CREATE TABLE ballast (b BLOB);
            CREATE TRIGGER fill AFTER INSERT ON records
            BEGIN INSERT INTO ballast VALUES (zeroblob(1000000)); END;
            PRAGMA max_page_count = {pages + 10};"""
        )

    kiosk.app.writer.call(fill_the_disk)
    flow = kiosk.app.flow
    kiosk.clock.advance(3)
    flow.start()
    kiosk.clock.advance(1)
    flow.choose("homeless-shelter")
    kiosk.clock.advance(1)
    flow.rate(4)
    kiosk.qtbot.waitUntil(lambda: not flow.in_flight)
    assert flow.step is Step.ERROR
    assert flow.error.kind == "full"
    lines = [r for r in caplog.records if r.name.startswith(("kiosk", "ui"))]
    assert "the rating just given could not be saved" in caplog.text
    assert all(r.exc_info is None for r in lines)  # an expected condition: no traceback

    kiosk.app.writer.call(lambda store: store.conn.execute("DROP TRIGGER fill"))
    kiosk.clock.advance(flow.config.error_s)
    flow.tick()
    assert flow.step is Step.WELCOME
    kiosk.enter_admin()
    shown = kiosk.window.admin.device_text
    assert "Last storage problem: The tablet's storage is full." in shown.text()
    assert shown.property("error") is True
