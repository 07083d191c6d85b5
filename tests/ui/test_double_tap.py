"""A double tap is one tap. When its first tap opens the next screen, its second press lands
on whatever that screen holds under the finger - at 1280 x 800 the tile of the free canteen
lies over the face "very dissatisfied" - and must not use it. The presses go through the
window as the platform delivers them, so Qt itself tells a double tap from two taps."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from kiosk.flow import Step
from ui.app import _fingertip_px

CANTEEN = "უფასო სასადილო"
VERY_DISSATISFIED = "ძალიან უკმაყოფილო"
LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
NO_BUTTON = Qt.MouseButton.NoButton


def centre(widget: QWidget) -> QPoint:
    return widget.mapTo(widget.window(), widget.rect().center())


def button_at(window: QWidget, point: QPoint) -> QAbstractButton | None:
    widget = window.childAt(point)
    while widget is not None and not isinstance(widget, QAbstractButton):
        widget = widget.parentWidget()
    return widget


def click(window: QWidget, point: QPoint) -> None:
    """A tap at ``point`` of the window, through the platform's path (QTest leaves more than
    the double-tap time between two of these)."""
    QTest.mouseClick(window.windowHandle(), LEFT, NONE, point)


def double_tap(window: QWidget, point: QPoint) -> None:
    """Two taps at ``point`` a millisecond apart: Qt sends the second press, then a
    double click."""
    QTest.mouseDClick(window.windowHandle(), LEFT, NONE, point)


def tap_at(window: QWidget, point: QPoint, stamp: int) -> None:
    """A press and a release at ``point`` at the time ``stamp`` (ms), sent to the window as
    the platform would (QTest puts the double-tap time between its taps)."""
    handle = window.windowHandle()
    where = QPointF(point)
    for kind, buttons in (
        (QEvent.Type.MouseButtonPress, LEFT),
        (QEvent.Type.MouseButtonRelease, NO_BUTTON),
    ):
        event = QMouseEvent(kind, where, QPointF(window.mapToGlobal(point)), LEFT, buttons, NONE)
        event.setTimestamp(stamp)
        QApplication.sendEvent(handle, event)


def choose_screen(make_kiosk):
    kiosk = make_kiosk(size=(1280, 800))
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    return kiosk


def test_the_second_press_of_a_double_tap_does_not_rate(make_kiosk):
    kiosk = choose_screen(make_kiosk)
    point = centre(kiosk.visible_widget(CANTEEN))
    double_tap(kiosk.window, point)
    assert kiosk.flow.step is Step.RATE
    face = button_at(kiosk.window, point)
    assert face is not None and face.accessibleName() == VERY_DISSATISFIED and face.isEnabled()
    assert not face.isDown()
    kiosk.qtbot.waitUntil(lambda: not kiosk.flow.in_flight)
    assert kiosk.flow.step is Step.RATE and kiosk.flow.score is None
    assert kiosk.records() == []
    # A tap after the double-tap time, at the same spot, is a tap of its own.
    kiosk.clock.advance(1)
    click(kiosk.window, point)
    kiosk.wait_for(Step.REASONS)
    assert [r.score for r in kiosk.records()] == [1]


def test_a_triple_tap_is_one_tap_too(make_kiosk):
    kiosk = choose_screen(make_kiosk)
    point = centre(kiosk.visible_widget(CANTEEN))
    for stamp in (10_000, 10_150, 10_300):  # each within 400 ms of the one before
        tap_at(kiosk.window, point, stamp)
    kiosk.qtbot.waitUntil(lambda: not kiosk.flow.in_flight)
    assert kiosk.flow.step is Step.RATE and kiosk.records() == []


def test_a_quick_tap_elsewhere_on_the_new_screen_counts(make_kiosk):
    kiosk = choose_screen(make_kiosk)
    tap_at(kiosk.window, centre(kiosk.visible_widget(CANTEEN)), 10_000)
    assert kiosk.flow.step is Step.RATE
    tap_at(kiosk.window, centre(kiosk.visible_widget("კმაყოფილი")), 10_050)
    kiosk.wait_for(Step.REASONS)
    assert [r.score for r in kiosk.records()] == [4]


def test_a_double_tap_on_one_screen_still_reaches_it(make_kiosk):
    """With Listen on, a first tap reads a tile out and a second one chooses it: a double tap
    whose first press does not change the screen goes on whole."""
    kiosk = make_kiosk(size=(1280, 800))
    kiosk.tap("მოსმენა")
    kiosk.tap("დაწყება")
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    kiosk.clock.advance(1)
    double_tap(kiosk.window, centre(kiosk.visible_widget(CANTEEN)))
    assert kiosk.flow.step is Step.RATE
    assert kiosk.flow.service is not None and kiosk.flow.service.id == "free-canteen"


def test_an_unsteady_second_tap_a_little_off_is_still_the_same_tap(make_kiosk):
    """Farther off than the platform's double-tap distance, within a fingertip's width."""
    kiosk = choose_screen(make_kiosk)
    point = centre(kiosk.visible_widget(CANTEEN))
    hints = QApplication.styleHints()
    off = max(hints.mouseDoubleClickDistance(), hints.touchDoubleTapDistance()) + 5
    assert off < _fingertip_px()
    tap_at(kiosk.window, point, 10_000)
    assert kiosk.flow.step is Step.RATE
    beside = point + QPoint(off, 0)
    button = button_at(kiosk.window, beside)
    assert button is not None
    assert button.accessibleName() == VERY_DISSATISFIED
    tap_at(kiosk.window, beside, 10_200)
    kiosk.qtbot.waitUntil(lambda: not kiosk.flow.in_flight)
    assert kiosk.flow.step is Step.RATE and kiosk.records() == []
