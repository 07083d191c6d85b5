"""Staff using the real kiosk: the hidden gesture, the PIN, every admin action, lockdown."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.export import read_export
from kiosk.flow import Step
from kiosk.settings import SETTINGS_FILE, Settings, load_settings
from kiosk.storage import Store
from sync.status import META_STATUS, SyncStatus
from tests.helpers import draft
from tests.ui.conftest import PIN, touch_tap
from ui.i18n import _
from ui.staff.admin import breakable


def test_holding_the_logo_three_seconds_asks_for_the_pin(make_app):
    kiosk = make_app(Settings())
    kiosk.hold_logo(1.0)
    assert kiosk.app.flow.step is Step.CHOOSE  # a short press is a citizen's tap
    kiosk.tap("უკან")
    kiosk.hold_logo(3.0)
    assert kiosk.page() is kiosk.window.pin_screen
    kiosk.tap(_("Cancel"))
    assert kiosk.window.citizens_at_screen()


def test_wrong_pins_lock_out_then_the_right_one_opens_the_panel(make_app):
    kiosk = make_app(Settings())
    kiosk.hold_logo(3.5)
    for _attempt in range(3):
        kiosk.type_pin("000000")
    message = kiosk.window.pin_screen.message.text()
    assert "30" in message
    kiosk.type_pin(PIN)
    assert kiosk.page() is kiosk.window.pin_screen  # still locked
    kiosk.clock.advance(30)
    kiosk.type_pin(PIN)
    assert kiosk.page() is kiosk.window.admin
    actions = [a for _at, a, _detail in kiosk.app.store.audit_log()]
    assert "admin opened" in actions


def test_the_panel_shows_sync_state_and_statistics(make_app):
    kiosk = make_app(Settings())
    for score in (2, 5):
        kiosk.rate_and_leave("homeless-shelter", score)
    kiosk.enter_admin()
    admin = kiosk.window.admin
    waiting = _("Ratings waiting to be sent: {n}").format(n=2)
    kiosk.qtbot.waitUntil(lambda: waiting in admin.sync_text.text())
    assert not admin.sync_button.isEnabled()  # offline only: nothing to sync with
    kiosk.qtbot.waitUntil(lambda: "3,50" in admin.today_text.text())  # a Georgian decimal comma
    assert "3,50" in admin.month_text.text()
    assert admin.today_bars.counts == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert admin.month_bars.counts == admin.today_bars.counts
    assert "★" not in admin.stats_text.text() + admin.today_text.text()
    assert "უსახლკარო" in admin.stats_text.text()
    assert kiosk.app.store.device_id in admin.device_text.text()


def test_waiting_counts_ratings_not_the_records_of_their_answers(make_app):
    kiosk = make_app(Settings())
    with Store(kiosk.app.store.path) as store:
        for score in (2, 4):
            rating = store.append(draft(score=score))
            store.append(draft(kind="reasons", rating_uuid=rating.uuid, score=None, reasons=("x",)))
            store.append(draft(kind="comment", rating_uuid=rating.uuid, score=None, comment="ok"))
        assert store.pending_count() == 6
    kiosk.enter_admin()
    admin = kiosk.window.admin
    kiosk.qtbot.waitUntil(lambda: _("Counting…") not in admin.sync_text.text())
    assert _("Ratings waiting to be sent: {n}").format(n=2) in admin.sync_text.text()


@pytest.fixture
def tbilisi_time(monkeypatch):
    """The tablet's clock set to Georgia (UTC+4, no daylight saving)."""
    monkeypatch.setenv("TZ", "Asia/Tbilisi")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_are_local_and_in_the_staff_language(make_app, tbilisi_time):
    kiosk = make_app(Settings())  # the clock says 2026-03-14 09:30 UTC
    with Store(kiosk.app.store.path, clock=kiosk.clock.utc) as store:
        store.append(draft(score=3))
        status = SyncStatus(state="ok", last_success_at="2026-03-13T20:05:00.000Z")
        store.set_meta(META_STATUS, status.to_json())
    kiosk.enter_admin()
    admin = kiosk.window.admin
    kiosk.qtbot.waitUntil(lambda: _("Counting…") not in admin.sync_text.text())
    shown = admin.sync_text.text()
    assert "14 მარტი 2026, 00:05" in shown  # 20:05 UTC is past midnight in Tbilisi
    assert "14 მარტი 2026, 13:30" in shown
    assert "Z" not in shown and "2026-03" not in shown

    kiosk.tap(_("Back to the kiosk"))
    kiosk.app.flow.set_language("en")
    kiosk.enter_admin()
    admin = kiosk.window.admin
    kiosk.qtbot.waitUntil(lambda: "Counting…" not in admin.sync_text.text())
    assert "Oldest waiting since: 14 March 2026, 13:30" in admin.sync_text.text()


def pixel(widget: QWidget, x: int, y: int) -> str:
    return widget.grab().toImage().pixelColor(x, y).name().upper()


def test_a_disabled_button_looks_disabled(make_app):
    kiosk = make_app(Settings())
    kiosk.enter_admin()
    admin = kiosk.window.admin
    button = admin.sync_button
    kiosk.qtbot.waitUntil(lambda: not button.isEnabled())  # offline only
    theme = kiosk.window.theme()
    inside = (12, button.height() // 2)  # within the border, left of the words
    assert pixel(button, *inside) == theme.background.upper()
    assert button._label.palette().color(QPalette.ColorRole.WindowText).name().upper() == (
        theme.muted_text.upper()
    )
    button.setEnabled(True)
    assert pixel(button, *inside) == theme.primary.upper()


def test_a_wrong_pin_is_shown_as_an_error(make_app):
    kiosk = make_app(Settings())
    kiosk.hold_logo(3.1)
    message = kiosk.window.pin_screen.message
    assert message.property("error") is not True
    kiosk.type_pin("000000")
    assert message.text() == _("Wrong PIN. Try again.")
    assert message.property("error") is True
    assert pixel(message, 2, message.height() // 2) == "#B3261E"  # the error bar


def test_pin_pad_keys_stand_in_even_columns_and_speak_georgian(make_app):
    kiosk = make_app(Settings())
    kiosk.hold_logo(3.1)
    pad = kiosk.window.pin_screen.pad
    assert pad.ok.text() == "დადასტურება"
    assert pad.delete.text() == "წაშლა"
    keys = [key for key in pad.keys if key is not pad.ok]
    assert len({key.width() for key in keys}) == 1
    lefts = sorted({key.x() for key in keys})
    assert len(lefts) == 3
    assert lefts[1] - lefts[0] == lefts[2] - lefts[1]
    assert pad.ok.x() == lefts[0]  # "Confirm" spans the three columns below them
    assert pad.ok.geometry().right() == max(key.geometry().right() for key in keys)
    assert pad.ok.y() > max(key.y() for key in keys)


def test_holding_the_emblem_shows_the_hold_filling_up(make_app):
    kiosk = make_app(Settings())
    welcome = kiosk.window.screens[Step.WELCOME]
    hint = kiosk.app.hold_hint
    logo = welcome.logo.geometry().center()
    kiosk.qtbot.mousePress(welcome, Qt.MouseButton.LeftButton, pos=logo)
    assert hint.isVisible()
    assert hint.geometry().contains(logo)
    kiosk.clock.advance(1.5)
    assert hint.progress() == pytest.approx(0.5)
    half = hint.grab().toImage()
    kiosk.clock.advance(2.0)
    assert hint.progress() == 1.0
    assert hint.grab().toImage() != half  # the ring goes on filling
    kiosk.qtbot.mouseRelease(welcome, Qt.MouseButton.LeftButton, pos=logo)
    assert not hint.isVisible()
    assert kiosk.page() is kiosk.window.pin_screen

    kiosk.tap(_("Cancel"))
    corner = QPoint(5, welcome.height() - 5)  # a citizen's tap away from the emblem
    kiosk.qtbot.mousePress(welcome, Qt.MouseButton.LeftButton, pos=corner)
    assert not hint.isVisible()
    kiosk.qtbot.mouseRelease(welcome, Qt.MouseButton.LeftButton, pos=corner)


def test_themes_are_chosen_by_their_preview_and_name(make_app):
    kiosk = make_app(Settings(default_language="en"))
    kiosk.enter_admin()
    choice = kiosk.window.admin.theme_buttons["seaside"]
    assert choice.accessibleName() == "Theme: Seaside Municipality"
    preview = choice._icon.pixmap().toImage()
    assert choice._icon.isVisible()
    header = preview.pixelColor(preview.width() // 2, round(preview.height() * 0.08))
    assert header.name().upper() == kiosk.app.staff.theme_looks["seaside"].primary.upper()


def test_settings_changes_apply_at_once_and_are_audited(make_app, tmp_path):
    kiosk = make_app(Settings(idle_timeout_s=30))
    kiosk.enter_admin()
    kiosk.tap("English")
    kiosk.tap(kiosk.window.admin.theme_buttons["seaside"].accessibleName())
    kiosk.tap(_("Longer idle time"))
    assert kiosk.app.store.writer.flush()  # the file is written on the database thread
    saved = load_settings(tmp_path / "data")
    assert saved is not None
    assert saved.default_language == "en"
    assert saved.theme == "seaside"
    assert saved.idle_timeout_s == 40
    assert kiosk.app.flow.config.idle_timeout_s == 40
    kiosk.tap(_("Back to the kiosk"))
    assert kiosk.app.flow.language == "en"
    assert "#00695C" in kiosk.window.styleSheet()
    details = [d for _at, a, d in kiosk.app.store.audit_log() if a == "settings"]
    assert details == ["default_language=en", "theme=seaside", "idle_timeout_s=40"]


def test_choosing_and_ordering_services(make_app):
    kiosk = make_app(Settings())
    kiosk.enter_admin()
    admin = kiosk.window.admin
    admin._show_services()
    editor = admin.services_page
    for service_id in list(editor.order):
        if service_id not in ("free-canteen", "civic-budget"):
            editor._toggle(service_id)
    index = editor.order.index("civic-budget")
    kiosk.tap(_("Move up: {name}").format(name=editor.names["civic-budget"].get("ka")))
    assert editor.order.index("civic-budget") == index - 1
    for _step in range(len(editor.order)):
        position = editor.order.index("civic-budget")
        if position == 0:
            break
        editor._move(position, -1)
    editor._save()
    assert kiosk.app.settings.services == ["civic-budget", "free-canteen"]
    assert [s.id for s in kiosk.app.flow.services()] == ["civic-budget", "free-canteen"]


def test_changing_the_pin(make_app):
    kiosk = make_app(Settings())
    kiosk.enter_admin()
    admin = kiosk.window.admin
    admin._show_change_pin()
    kiosk.type_pin("111111")
    kiosk.type_pin("111111")
    assert admin.pin_page.message.property("error") is True  # too easy, said as an error
    kiosk.type_pin("135792")
    kiosk.type_pin("135792")
    assert admin.pages.currentWidget() is admin.main
    assert kiosk.app.staff.pin.check("135792").ok


def test_export_to_a_usb_stick(make_app, usb):
    kiosk = make_app(Settings())
    with Store(kiosk.app.store.path) as store:
        rating = store.append(draft(score=3))
        store.append(draft(kind="comment", rating_uuid=rating.uuid, score=None, comment="ok"))
    kiosk.enter_admin()
    admin = kiosk.window.admin
    target = admin.export_box.itemAt(0).widget()
    kiosk.qtbot.mouseClick(target, Qt.MouseButton.LeftButton)
    kiosk.qtbot.waitUntil(lambda: admin.export_text.text() != _("Exporting…"))
    (exported,) = usb.iterdir()
    saved = _("Saved {n} ratings to {path}. Take the file to city hall.")
    assert admin.export_text.text() == saved.format(n=1, path=breakable(str(exported)))
    assert len(read_export(exported)["records"]) == 2  # the rating and its comment
    assert any(a == "export" for _at, a, _detail in kiosk.app.store.audit_log())


def test_touch_test_marks_where_taps_land(make_app):
    kiosk = make_app(Settings())
    kiosk.enter_admin()
    kiosk.window.admin._show_touch_test()
    canvas = kiosk.window.admin.touch_test.canvas
    kiosk.qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(100, 120))
    touch_tap(canvas)
    assert len(canvas.points) == 2
    assert canvas.points[0].toPoint() == QPoint(100, 120)
    kiosk.tap(_("Finish touch test"))
    assert kiosk.window.admin.pages.currentWidget() is kiosk.window.admin.main


def test_the_panel_leaves_by_itself_when_idle(make_app):
    kiosk = make_app(Settings())
    kiosk.enter_admin()
    kiosk.clock.advance(119)
    kiosk.window._tick()
    assert kiosk.page() is kiosk.window.admin
    kiosk.clock.advance(1)
    kiosk.window._tick()
    assert kiosk.window.citizens_at_screen()
    assert kiosk.window.admin is None


def test_a_touch_or_a_key_in_the_panel_keeps_it_open(make_app):
    kiosk = make_app(Settings())
    kiosk.enter_admin()
    panel = kiosk.window.admin
    kiosk.clock.advance(100)
    kiosk.qtbot.mouseClick(panel, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    kiosk.clock.advance(100)
    kiosk.window._tick()
    assert kiosk.page() is panel
    kiosk.qtbot.keyClick(panel, Qt.Key.Key_Shift)
    kiosk.clock.advance(119)
    kiosk.window._tick()
    assert kiosk.page() is panel
    kiosk.clock.advance(1)
    kiosk.window._tick()
    assert kiosk.window.citizens_at_screen()


def test_citizens_cannot_close_or_leave(make_app):
    kiosk = make_app(Settings())
    window = kiosk.window
    assert not window.close()
    assert window.isVisible()
    for key, modifiers in [
        (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_Tab, Qt.KeyboardModifier.AltModifier),
    ]:
        event = QKeyEvent(QKeyEvent.Type.KeyPress, key, modifiers)
        assert window.key_guard.eventFilter(window, event) is True
    plain = QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier)
    assert window.key_guard.eventFilter(window, plain) is False
    QApplication.sendEvent(
        window, QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    )
    assert window.isVisible()


def test_exit_only_from_the_panel(make_app):
    kiosk = make_app(Settings())
    kiosk.enter_admin()
    assert kiosk.window.key_guard.locked() is False  # staff get their keys back
    kiosk.tap(_("Exit the kiosk to the desktop"))
    kiosk.qtbot.waitUntil(lambda: not kiosk.window.isVisible())
    assert "exit to desktop" in [action for _at, action, _detail in kiosk.app.store.audit_log()]


def test_the_pointer_can_be_hidden_on_a_fullscreen_kiosk(make_app):
    kiosk = make_app(Settings(hide_cursor=False))
    kiosk.app.fullscreen = True
    kiosk.app.apply_cursor()
    assert QApplication.overrideCursor() is None
    kiosk.enter_admin()
    kiosk.tap(_("Hide the mouse pointer"))
    assert kiosk.app.settings.hide_cursor is True
    cursor = QApplication.overrideCursor()
    assert cursor is not None
    assert cursor.shape() == Qt.CursorShape.BlankCursor
    kiosk.tap(_("Hide the mouse pointer"))
    assert QApplication.overrideCursor() is None


def test_the_slow_pin_hash_is_compared_off_the_gui_thread(make_app):
    kiosk = make_app(Settings())
    kiosk.hold_logo(3.1)
    screen = kiosk.window.pin_screen
    for digit in PIN:
        kiosk.tap(digit)
    kiosk.tap(_("Confirm"))
    assert screen.busy  # the tap returned before the scrypt comparison finished
    assert not screen.pad.isEnabled()
    kiosk.qtbot.waitUntil(lambda: kiosk.page() is kiosk.window.admin)


def test_sync_problems_are_told_in_the_staff_language(ui_language):
    from ui import i18n
    from ui.staff.messages import problem_text

    i18n.set_language("ka")
    assert problem_text("clock_skew", "clock off") == (
        "პლანშეტის საათი სერვერის საათს ძალიან შორდება. დააყენეთ თარიღი და დრო."
    )
    assert problem_text("something_new", "The server said no.") == "The server said no."


def test_settings_are_written_off_the_gui_thread(make_app, tmp_path, monkeypatch):
    import ui.kiosk_app

    writers: list[str] = []
    real_save = ui.kiosk_app.save_settings

    def save(data_dir, settings):
        writers.append(threading.current_thread().name)
        real_save(data_dir, settings)

    monkeypatch.setattr(ui.kiosk_app, "save_settings", save)
    kiosk = make_app(Settings(idle_timeout_s=30))
    kiosk.enter_admin()
    kiosk.tap(_("Longer idle time"))
    assert kiosk.app.store.writer.flush()
    assert writers == ["record-writer"]
    saved = load_settings(tmp_path / "data")
    assert saved is not None
    assert saved.idle_timeout_s == 40


def test_a_settings_file_that_cannot_be_written_is_a_storage_condition(make_app, tmp_path):
    kiosk = make_app(Settings(idle_timeout_s=30))
    path = tmp_path / "data" / SETTINGS_FILE
    path.unlink(missing_ok=True)
    path.mkdir()  # nothing can replace a folder with a file
    kiosk.enter_admin()
    kiosk.tap(_("Longer idle time"))
    assert kiosk.app.store.writer.flush()
    assert kiosk.app.flow.config.idle_timeout_s == 40  # the change holds until a restart
    error = kiosk.app.store.last_error()
    assert error is not None
    assert error.kind == "io"
    assert SETTINGS_FILE in error.path
    assert "idle_timeout_s=40" not in [d for _at, _a, d in kiosk.app.store.audit_log()]
