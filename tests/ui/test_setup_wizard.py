"""First-run setup driven through the touch screen: offline, and enrolled against the real
municipal server running as a separate process."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from kiosk.settings import load_settings
from sync.keys import KioskFiles
from tests.server.live import LiveServer
from tests.ui.conftest import PIN, StaffKiosk
from tests.ui.screenshots import Screenshots
from ui.i18n import _
from ui.widgets.wrap_button import WrapButton

CENTER = "social-service-agency"
CENTER_NAME_EN = "Social services office"
OTHER_CENTER_NAME_EN = "Central service hall"


@pytest.fixture
def first_run(make_app):
    def start() -> StaffKiosk:
        kiosk = make_app(None, pin=False)
        assert kiosk.app.first_run
        kiosk.app.show_wizard()
        assert kiosk.page() is kiosk.app.wizard
        return kiosk

    return start


def type_on_keyboard(kiosk: StaffKiosk, text: str) -> None:
    """Type as staff would: letters on the English page, the rest on the digits page."""
    wizard = kiosk.app.wizard
    assert wizard is not None
    keyboard = wizard.keyboard
    for char in text:
        wanted = "en" if char.isalpha() else "digits"
        if keyboard.layout() != wanted:
            keyboard.set_layout(wanted)
        kiosk.tap(char)


def centers_offered(kiosk: StaffKiosk) -> dict[str, bool]:
    """The center choices on screen, by name, and whether each is the one chosen."""
    wizard = kiosk.app.wizard
    assert wizard is not None
    assert wizard.current_step() == "center"
    return {
        choice.accessibleName(): choice.isChecked()
        for choice in kiosk.page().findChildren(WrapButton)
        if choice.isVisible() and choice.isCheckable()
    }


def answer_after_connection(kiosk: StaffKiosk) -> None:
    wizard = kiosk.app.wizard
    assert wizard is not None
    assert wizard.current_step() == "center"
    kiosk.tap(_("Next"))
    assert wizard.current_step() == "services"
    kiosk.tap(_("Save"))
    assert wizard.current_step() == "pin"
    kiosk.type_pin("1234")
    kiosk.type_pin("1234")
    assert "6" in wizard.pin_message.text()  # too short, said in plain words
    assert wizard.pin_message.property("error") is True  # said as an error
    kiosk.type_pin(PIN)
    kiosk.type_pin(PIN)  # hashed on a worker; type_pin waits for it
    assert wizard.current_step() == "idle"
    kiosk.tap(_("Longer idle time"))
    kiosk.tap(_("Next"))
    assert wizard.current_step() == "theme"
    kiosk.tap(wizard.theme_buttons["seaside"].accessibleName())
    kiosk.tap(_("Next"))
    assert wizard.current_step() == "done"
    name = wizard._center_name(wizard.answers.center_id)
    assert _("Service center: {center}").format(center=name) in wizard.summary.text()
    if name != wizard.answers.center_id:  # the center by its name; by its id only if unknown
        assert wizard.answers.center_id not in wizard.summary.text()
    kiosk.tap(_("Start the kiosk"))


def test_offline_setup_in_english(first_run, tmp_path):
    kiosk = first_run()
    labels = [w.text() for w in kiosk.page().findChildren(QLabel) if w.isVisible()]
    assert _("Setup, step {n} of {total}").format(n=1, total=8) in labels
    visible = [w.accessibleName() for w in kiosk.page().findChildren(QWidget) if w.isVisible()]
    assert _("Back") not in visible  # nothing before the first step
    kiosk.tap("English")
    labels = [w.text() for w in kiosk.page().findChildren(QLabel) if w.isVisible()]
    assert "Setup, step 2 of 8" in labels
    wizard = kiosk.app.wizard
    assert wizard.current_step() == "connection"
    kiosk.tap("Offline only")
    assert set(centers_offered(kiosk)) == {CENTER_NAME_EN, OTHER_CENTER_NAME_EN}
    kiosk.tap("Social services office")
    assert centers_offered(kiosk)[CENTER_NAME_EN]
    answer_after_connection(kiosk)
    assert kiosk.window.citizens_at_screen()
    assert kiosk.app.store.writer.flush()  # the file is written on the database thread
    settings = load_settings(tmp_path / "data")
    assert settings is not None
    assert settings.default_language == "en"
    assert settings.center_id == CENTER
    assert settings.idle_timeout_s == 40
    assert settings.theme == "seaside"
    assert kiosk.app.flow.language == "en"
    assert kiosk.app.flow.config.center_id == CENTER
    assert kiosk.app.staff.pin.check(PIN).ok
    assert kiosk.app.sync is None
    assert "setup completed" in [d for _at, a, d in kiosk.app.store.audit_log() if a == "settings"]


def test_setup_is_not_abandoned_on_idle(first_run):
    kiosk = first_run()
    kiosk.clock.advance(3600)
    kiosk.window._tick()
    assert kiosk.page() is kiosk.app.wizard


@pytest.fixture
def server(tmp_path, demo_catalog_path):
    with LiveServer(tmp_path / "server") as live:
        live.add_center(CENTER, name_ka="სოციალური სამსახური", name_en="Social services office")
        live.load_catalog(demo_catalog_path)
        yield live


@pytest.fixture
def demo_catalog_path(tmp_path):
    from common.catalog import demo_catalog_bytes

    path = tmp_path / "catalog.json"
    path.write_bytes(demo_catalog_bytes())
    return path


def test_enrolling_against_the_real_server_then_ratings_arrive(first_run, server, tmp_path):
    code = server.add_kiosk("hall-kiosk-1", CENTER)
    kiosk = first_run()
    kiosk.tap("ქართული")
    wizard = kiosk.app.wizard
    wizard.url.clear()
    type_on_keyboard(kiosk, server.url)
    assert wizard.url.text() == server.url
    kiosk.qtbot.mouseClick(wizard.code, Qt.MouseButton.LeftButton)
    type_on_keyboard(kiosk, "zzzz-zzzz")
    kiosk.tap(_("Connect"))
    kiosk.qtbot.waitUntil(lambda: "არასწორია" in wizard.connection_message.text(), timeout=15000)
    wizard.code.clear()
    type_on_keyboard(kiosk, code.lower())
    kiosk.tap(_("Connect"))
    kiosk.qtbot.waitUntil(lambda: wizard.current_step() == "center", timeout=15000)
    assert wizard.answers.center_id == CENTER
    answer_after_connection(kiosk)
    enrollment = KioskFiles(tmp_path / "data").enrollment()
    assert enrollment is not None
    assert enrollment.kiosk_name == "hall-kiosk-1"
    assert kiosk.app.sync is not None
    kiosk.rate_and_leave("free-canteen", 4)
    kiosk.enter_admin()
    kiosk.tap(_("Sync now"))
    kiosk.qtbot.waitUntil(
        lambda: server.query("SELECT count(*) FROM records")[0][0] == 1, timeout=20000
    )
    uuid = kiosk.app.store.records()[0].uuid
    assert server.query("SELECT uuid FROM records")[0][0] == uuid
    kiosk.qtbot.waitUntil(lambda: kiosk.app.sync_status().state == "ok", timeout=20000)
    assert kiosk.app.store.pending_count() == 0
    admin = kiosk.window.admin
    admin.refresh()
    kiosk.qtbot.waitUntil(lambda: admin.sync_text.text() != _("Counting…"))
    shown = admin.sync_text.text()  # the background sync may have started again
    assert _("Ratings waiting to be sent: {n}").format(n=0) in shown
    assert _("Last successful sync: {at}").format(at=_("never")) not in shown


def connect_on_screen(kiosk: StaffKiosk, url: str, code: str) -> None:
    """Type the server address and code on the on-screen keyboard, tap Connect, and wait for
    the wizard to move on to the center step."""
    wizard = kiosk.app.wizard
    assert wizard is not None
    wizard.url.clear()
    type_on_keyboard(kiosk, url)
    kiosk.qtbot.mouseClick(wizard.code, Qt.MouseButton.LeftButton)
    type_on_keyboard(kiosk, code)
    kiosk.tap(_("Connect"))
    kiosk.qtbot.waitUntil(lambda: wizard.current_step() == "center", timeout=15000)


def test_an_enrolled_kiosk_is_offered_only_the_center_the_server_assigned(
    first_run, server, tmp_path, artifacts_dir
):
    code = server.add_kiosk("hall-kiosk-2", CENTER)
    kiosk = first_run()
    kiosk.window.resize(720, 1280)
    shot = Screenshots(
        artifacts_dir("screenshots/staff"), "assigned-720x1280", kiosk.window, kiosk.qtbot
    )
    kiosk.tap("English")
    connect_on_screen(kiosk, server.url, code.lower())
    wizard = kiosk.app.wizard
    assert wizard.answers.assigned_center_id == CENTER
    assert centers_offered(kiosk) == {CENTER_NAME_EN: True}  # the other catalog center is gone
    assert "assigned this kiosk" in kiosk.texts()
    shot("en-setup-center")
    kiosk.tap(CENTER_NAME_EN)  # tapping the only choice again leaves it chosen
    assert centers_offered(kiosk) == {CENTER_NAME_EN: True}
    answer_after_connection(kiosk)
    assert kiosk.app.store.writer.flush()
    settings = load_settings(tmp_path / "data")
    assert settings is not None
    assert settings.center_id == CENTER
    assert kiosk.app.flow.config.center_id == CENTER
    enrollment = KioskFiles(tmp_path / "data").enrollment()
    assert enrollment is not None
    assert enrollment.center_id == CENTER

    # Run again from the staff panel: the kiosk still holds its enrollment, so even "Offline
    # only" cannot move it to another center (its records would still go to the server).
    kiosk.app.show_wizard(can_cancel=True)
    kiosk.tap("ქართული")
    kiosk.tap(_("Offline only"))
    assert centers_offered(kiosk) == {"სოციალური სამსახური": True}
    shot("ka-setup-center-rerun")
    kiosk.tap(_("Next"))
    assert kiosk.app.wizard.current_step() == "services"
    assert kiosk.app.wizard.answers.center_id == CENTER


def test_an_assigned_center_missing_from_the_catalog_is_shown_by_its_id(make_app, tmp_path):
    def enroller(data_dir: Path, url: str, code: str) -> SimpleNamespace:
        return SimpleNamespace(center_id="mobile-office-7", kiosk_name="van-1")

    kiosk = make_app(None, pin=False, enroller=enroller)
    kiosk.app.show_wizard()
    kiosk.tap("English")
    wizard = kiosk.app.wizard
    wizard.url.setText("https://feedback.example.ge")
    wizard.code.setText("K7QM-2XPA")
    kiosk.tap("Connect")
    kiosk.qtbot.waitUntil(lambda: wizard.current_step() == "center", timeout=5000)
    assert centers_offered(kiosk) == {"mobile-office-7": True}
    answer_after_connection(kiosk)
    assert kiosk.app.store.writer.flush()
    settings = load_settings(tmp_path / "data")
    assert settings is not None
    assert settings.center_id == "mobile-office-7"


def test_every_field_has_a_visible_label_and_mistakes_are_shown_as_errors(first_run):
    kiosk = first_run()
    kiosk.tap("English")
    wizard = kiosk.app.wizard
    fields = [w for w in kiosk.page().findChildren(QLineEdit) if w.isVisible()]
    assert len(fields) == 2
    labels = [w for w in kiosk.page().findChildren(QLabel) if w.isVisible()]
    for field in fields:
        (caption,) = [w for w in labels if w.buddy() is field]
        assert caption.text() == field.accessibleName()
        assert caption.geometry().bottom() < field.geometry().top()  # above its field
    wizard.url.setText("https://feedback.example.ge")
    wizard.code.setText("K7")
    kiosk.tap(_("Connect"))
    assert wizard.connection_message.text() == _("Type the enrollment code.")
    assert wizard.connection_message.property("error") is True
