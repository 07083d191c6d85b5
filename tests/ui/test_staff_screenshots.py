"""Every staff screen at every tablet size the kiosk meets, saved under
``artifacts/screenshots/staff/`` and checked: no text clipped, no control off the screen, and the
window never larger than the screen, also after the setup wizard has been open.

Each size is shot in one language, and in both at 1280×800, 720×1280 and 1920×1080, which keeps
the suite's time reasonable while every screen meets every size.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QPushButton, QScrollArea, QWidget

from kiosk.flow import Step
from kiosk.settings import Settings
from kiosk.storage import Store
from tests.helpers import draft
from tests.kiosk.damage import build, flip_page, records_leaves
from tests.ui.conftest import StaffKiosk
from tests.ui.screenshots import CONTROLS, Screenshots
from ui import i18n

LANGUAGES_BY_SIZE = {
    (1280, 800): ("ka", "en"),
    (720, 1280): ("ka", "en"),
    (1920, 1080): ("ka", "en"),
    (1024, 600): ("ka",),  # Georgian where room is tightest: its words are the longest
    (600, 1024): ("ka",),
    (800, 1280): ("en",),
    (1366, 768): ("en",),
    (1080, 1920): ("ka",),
}
CASES = [
    pytest.param(size, language, id=f"{language}-{size[0]}x{size[1]}")
    for size, languages in LANGUAGES_BY_SIZE.items()
    for language in languages
]


def sideways(window: QWidget) -> list[str]:
    """Visible controls that stick out of the side of the scroll area holding them: the staff
    pages scroll up and down only, so what lies beyond an edge can never be seen."""
    bad = []
    for area in window.findChildren(QAbstractScrollArea):
        body = area.widget() if isinstance(area, QScrollArea) else None
        if body is None or not area.isVisible():
            continue
        viewport = area.viewport()
        left = viewport.mapTo(window, QPoint(0, 0)).x()
        right = left + viewport.width()
        for control in body.findChildren(QWidget):
            if isinstance(control, CONTROLS) and control.isVisible():
                x = control.mapTo(window, QPoint(0, 0)).x()
                if x < left or x + control.width() > right + 1:
                    name = getattr(control, "text", lambda: "")() or type(control).__name__
                    bad.append(f"{name!r} spans x {x}..{x + control.width()}, room {left}..{right}")
    return bad


def in_view(widget: QWidget) -> bool:
    """Whether ``widget`` has the height its text needs and is wholly inside the visible part
    of the list holding it."""
    area = widget.parentWidget()
    while not isinstance(area, QScrollArea):
        assert area is not None, "not in a scrolling list"
        area = area.parentWidget()
    viewport = area.viewport()
    top = widget.mapTo(viewport, QPoint(0, 0)).y()
    laid_out = widget.height() >= widget.heightForWidth(widget.width())
    return laid_out and top >= 0 and top + widget.height() <= viewport.height()


class StaffShots(Screenshots):
    def problems(self) -> list[str]:
        return super().problems() + sideways(self.window)


def some_ratings(kiosk: StaffKiosk) -> None:
    """A few ratings today, so statistics have bars to draw."""
    with Store(kiosk.app.store.path, clock=kiosk.clock.utc) as store:
        for score in (1, 3, 4, 4, 5, 5, 5):
            store.append(draft(score=score, service_id="homeless-shelter"))


@pytest.mark.parametrize(("size", "language"), CASES)
def test_staff_screenshots(make_app, artifacts_dir, qtbot, size, language):
    folder = artifacts_dir("screenshots/staff")
    kiosk = make_app(Settings(default_language=language), size=size)
    screen = QSize(*size)
    shot = StaffShots(folder, f"{language}-{size[0]}x{size[1]}", kiosk.window, qtbot, screen)
    some_ratings(kiosk)

    welcome = kiosk.window.screens[Step.WELCOME]
    logo = welcome.logo.geometry().center()
    qtbot.mousePress(welcome, Qt.MouseButton.LeftButton, pos=logo)
    kiosk.clock.advance(2.0)
    shot("hold")  # the ring two thirds round
    kiosk.clock.advance(1.1)
    qtbot.mouseRelease(welcome, Qt.MouseButton.LeftButton, pos=logo)
    shot("pin")
    kiosk.type_pin("000000")
    shot("pin-wrong")
    kiosk.type_pin("482913")
    admin = kiosk.window.admin
    counting = i18n._("Counting…")
    qtbot.waitUntil(lambda: counting not in admin.stats_text.text() + admin.sync_text.text())
    shot("admin")
    scroll = admin.swipe_area.verticalScrollBar()
    scroll.setValue(scroll.maximum() // 2)
    shot("admin-middle")
    scroll.setValue(scroll.maximum())
    shot("admin-bottom")
    admin._show_services()
    shot("services")
    editor = admin.services_page
    for choice in editor.findChildren(QPushButton):
        if choice.isChecked():
            choice.click()  # hide every service: Save must refuse
    editor._save()
    shot("services-error")
    admin.show_main()
    admin._show_change_pin()
    shot("change-pin")
    admin.show_main()
    admin._show_touch_test()
    shot("touch-test")
    admin.show_main()
    kiosk.app.show_wizard(can_cancel=True)
    wizard = kiosk.app.wizard
    for step in wizard.step_names:
        wizard.go(step)
        shot(f"setup-{step}")
        if step == "connection":
            wizard._connect()
            qtbot.waitUntil(lambda: not shot.problems() and in_view(wizard.connection_message))
            shot("setup-connection-error")
    assert len(shot.names) == 10 + len(wizard.step_names) + 1
    wizard.go("language")
    wizard.cancelled.emit()
    assert kiosk.page() is kiosk.window.citizen_page
    assert kiosk.window.width() <= size[0] and kiosk.window.height() <= size[1]


def test_the_wizard_opened_by_the_staff_gesture_never_grows_the_window(make_app, qtbot):
    """On a 10" tablet the first-run wizard used to need 911 px of height: the window grew past
    the screen and stayed that tall, hiding the citizens' buttons below its edge."""
    kiosk = make_app(Settings(), pin=False, size=(1280, 800))
    kiosk.hold_logo(3.1)  # no PIN yet: the gesture opens the setup wizard
    wizard = kiosk.app.wizard
    assert kiosk.page() is wizard
    for step in wizard.step_names:
        wizard.go(step)
        qtbot.waitUntil(lambda: wizard.stack.currentWidget().isVisible())
        assert kiosk.window.size() == QSize(1280, 800), step
    wizard.go("language")
    kiosk.tap(i18n._("Cancel"))
    assert kiosk.window.citizens_at_screen()
    assert kiosk.window.size() == QSize(1280, 800)
    assert kiosk.window.minimumSizeHint().height() <= 800


@pytest.mark.parametrize(
    ("size", "language"),
    [((1024, 600), "ka"), ((600, 1024), "ka"), ((1280, 800), "en")],
    ids=["ka-1024x600", "ka-600x1024", "en-1280x800"],
)
def test_the_salvage_notice_fits(make_app, artifacts_dir, qtbot, tmp_path, clock, size, language):
    """The panel after a damaged database was salvaged at start, where room is tightest."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    built = build(data_dir / "kiosk.db", clock, count=120)
    flip_page(built.path, records_leaves(built.path)[5])
    kiosk = make_app(Settings(default_language=language), pin=False, size=size)
    shot = StaffShots(
        artifacts_dir("screenshots/staff"),
        f"{language}-{size[0]}x{size[1]}",
        kiosk.window,
        qtbot,
        QSize(*size),
    )
    kiosk.enter_admin()
    notice = kiosk.window.admin.notice_text
    assert notice.isVisible() and in_view(notice)
    shot("admin-salvage")
    assert shot.names == ["admin-salvage"]
