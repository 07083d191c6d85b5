"""A real kiosk window over a real SQLite file, driven by taps; the flow's clock is fake."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPointingDevice
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from common.catalog import Catalog
from kiosk.flow import Flow, FlowConfig, Step
from kiosk.settings import Settings
from kiosk.storage import Store
from kiosk.writer import RecordWriter
from tests.conftest import FakeClock
from ui import i18n
from ui.app import KioskWindow
from ui.bridge import QtSaver
from ui.fonts import FAMILIES, load_fonts
from ui.kiosk_app import KioskApp
from ui.screens.welcome import WelcomeScreen
from ui.speech import NO_SOUND, SpeechSupport
from ui.theme import DEMO_THEME


@pytest.fixture(scope="session", autouse=True)
def kiosk_fonts(qapp: QApplication) -> None:
    load_fonts()
    font = QFont()
    font.setFamilies(FAMILIES)
    qapp.setFont(font)


@contextlib.contextmanager
def app_font_size(qapp: QApplication, pixel_size: int) -> Iterator[None]:
    """Render with the bundled families at the kiosk's large default size, then restore."""
    previous = QFont(qapp.font())
    font = QFont(previous)
    font.setFamilies(FAMILIES)
    font.setPixelSize(pixel_size)
    qapp.setFont(font)
    yield
    qapp.setFont(previous)


@pytest.fixture
def ui_language() -> Iterator[None]:
    """Tests may switch the UI language; put it back afterwards."""
    previous = i18n.language()
    yield
    i18n.set_language(previous)


class FakeSink:
    """A speech sink that records what would be said, and when it was told to be silent."""

    def __init__(self) -> None:
        self.volume = 6
        self.rate = 150
        self.said: list[tuple[str, str]] = []
        """(language, text) of every utterance, in order."""
        self.stops = 0
        self.closed = False

    def speak(self, text: str, language: str) -> None:
        self.said.append((language, text))

    def stop(self) -> None:
        self.stops += 1

    def close(self) -> None:
        self.closed = True

    def last(self) -> str:
        assert self.said, "nothing was said"
        return self.said[-1][1]

    def texts(self) -> list[str]:
        return [text for _language, text in self.said]

    def clear(self) -> None:
        self.said.clear()


@dataclass
class Kiosk:
    """What a test needs to use the kiosk as a citizen would."""

    window: KioskWindow
    flow: Flow
    writer: RecordWriter
    db_path: Path
    clock: FakeClock
    qtbot: QtBot
    saver: QtSaver = field(init=False, repr=False, compare=False)
    """Set by ``make_kiosk`` right after the kiosk is made."""
    speech: FakeSink = field(init=False, repr=False, compare=False)
    """What the kiosk would say (set by ``make_kiosk``; given to the window if ``listen``)."""

    def visible_widget(self, name: str) -> QWidget:
        found = [
            w
            for w in self.window.findChildren(QWidget)
            if w.accessibleName() == name and w.isVisible()
        ]
        assert found, f"no visible control named {name!r} on {self.flow.step}"
        assert len(found) == 1, f"{len(found)} visible controls named {name!r}"
        return found[0]

    def tap(self, name: str) -> None:
        """Tap the visible control with this accessible name, as a finger would."""
        widget = self.visible_widget(name)
        self.scroll_to(widget)
        self.clock.advance(0.7)
        if isinstance(widget, QAbstractButton):
            assert widget.isEnabled(), f"{name!r} is disabled"
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())

    @staticmethod
    def scroll_to(widget: QWidget) -> None:
        """Scroll a list the way a citizen swipes until the control is on screen."""
        parent = widget.parentWidget()
        while parent is not None:
            if isinstance(parent, QScrollArea):
                parent.ensureWidgetVisible(widget)
                return
            parent = parent.parentWidget()

    def wait_for(self, step: Step) -> None:
        """Until ``step`` shows and the writer has answered for every record given so far
        (the screen opens before the commit lands)."""
        flow = self.flow
        self.qtbot.waitUntil(lambda: flow.step is step and not flow.saving and not flow.in_flight)

    def records(self) -> list:
        with Store(self.db_path) as store:
            return store.records()

    def idle(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.flow.tick()


_TOUCH_DEVICE: list[QPointingDevice] = []


def touch_tap(widget: QWidget) -> None:
    """A finger on the screen where the widget is: Qt finds the widget under it."""
    if not _TOUCH_DEVICE:
        _TOUCH_DEVICE.append(QTest.createTouchDevice())
    window = widget.window().windowHandle()
    point = widget.mapTo(widget.window(), widget.rect().center())
    QTest.touchEvent(window, _TOUCH_DEVICE[0]).press(0, point, window).commit()
    QTest.touchEvent(window, _TOUCH_DEVICE[0]).release(0, point, window).commit()


@pytest.fixture
def make_kiosk(qtbot, tmp_path, clock, catalog: Catalog) -> Iterator:
    made: list[Kiosk] = []

    def make(
        size: tuple[int, int] = (1280, 800), theme=DEMO_THEME, listen: bool = True, **config
    ) -> Kiosk:
        """``listen``: the tablet can speak (into a :class:`FakeSink`), so Listen is offered."""
        db_path = tmp_path / "kiosk.db"
        writer = RecordWriter(db_path, clock=clock.utc)
        saver = QtSaver(writer)
        flow = Flow(
            catalog, FlowConfig(center_id="central-service-hall", **config), saver, clock=clock
        )
        window = KioskWindow(flow, theme)
        qtbot.addWidget(window)
        window.resize(*size)
        with qtbot.waitExposed(window):
            window.show()
        qtbot.waitUntil(lambda: window.watching)  # taps and keys count from the first frame
        kiosk = Kiosk(window, flow, writer, db_path, clock, qtbot)
        kiosk.saver = saver
        kiosk.speech = FakeSink()
        if listen:
            window.set_speech(kiosk.speech)
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.window.allow_close = True
        kiosk.window.shutdown()
        kiosk.writer.close()
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


PIN = "482913"


class StaffKiosk:
    def __init__(self, app: KioskApp, qtbot, clock) -> None:
        self.app = app
        self.window = app.window
        self.qtbot = qtbot
        self.clock = clock

    def visible(self, name: str) -> QWidget:
        found = [
            w
            for w in self.window.findChildren(QWidget)
            if w.accessibleName() == name and w.isVisible()
        ]
        assert found, f"no visible control named {name!r}"
        return found[0]

    def tap(self, name: str) -> None:
        widget = self.visible(name)
        Kiosk.scroll_to(widget)
        self.clock.advance(0.7)
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())

    def hold_logo(self, seconds: float) -> None:
        welcome = self.window.screens[Step.WELCOME]
        assert isinstance(welcome, WelcomeScreen)
        point = welcome.logo.geometry().center()
        self.qtbot.mousePress(welcome, Qt.MouseButton.LeftButton, pos=point)
        self.clock.advance(seconds)
        self.qtbot.mouseRelease(welcome, Qt.MouseButton.LeftButton, pos=point)

    def type_pin(self, pin: str) -> None:
        for digit in pin:
            self.tap(digit)
        self.tap(i18n._("Confirm"))
        # The PIN is compared (or a new one hashed) on a worker: wait for the answer.
        self.qtbot.waitUntil(lambda: not self.pin_busy())

    def pin_busy(self) -> bool:
        admin = self.window.admin
        holders = (self.window.pin_screen, self.app.wizard, admin and admin.pin_page)
        return any(getattr(holder, "busy", False) for holder in holders)

    def page(self) -> QWidget:
        page = self.window.pages.currentWidget()
        assert page is not None, "the window shows no page"
        return page

    def texts(self) -> str:
        return "\n".join(w.text() for w in self.page().findChildren(QLabel) if w.isVisible())

    def rate_and_leave(self, service: str, score: int) -> None:
        """A citizen rates ``service`` and walks away; "Still there?" runs out; the rating
        stays. Ends on Welcome, past the anti-abuse cooldown."""
        flow = self.app.flow
        self.clock.advance(3)
        flow.start()
        self.clock.advance(1)
        flow.choose(service)
        self.clock.advance(1)
        flow.rate(score)
        self.qtbot.waitUntil(lambda: flow.step is not Step.RATE and not flow.in_flight)
        self.clock.advance(flow.config.idle_timeout_s + 1)
        flow.tick()
        self.clock.advance(flow.config.still_there_s + 1)
        flow.tick()
        assert flow.step is Step.WELCOME
        self.clock.advance(flow.config.cooldown_s + 1)

    def enter_admin(self) -> None:
        self.hold_logo(3.2)
        assert self.page() is self.window.pin_screen
        self.type_pin(PIN)
        assert self.page() is self.window.admin


@pytest.fixture
def usb(tmp_path) -> Path:
    folder = tmp_path / "usb-stick"
    folder.mkdir()
    return folder


@pytest.fixture
def make_app(qtbot, tmp_path, clock, catalog, usb):
    made: list[KioskApp] = []

    def make(settings: Settings | None = None, pin: bool = True, size=(1280, 800), **kw):
        data_dir = tmp_path / "data"
        data_dir.mkdir(exist_ok=True)
        # whether the test machine has a sound card must not change what a test sees
        kw.setdefault("speech_probe", lambda: SpeechSupport(None, NO_SOUND))
        app = KioskApp(
            data_dir,
            catalog,
            settings,
            clock=clock,
            wall_clock=clock.utc,
            pin_clock=clock,
            export_folders=lambda: [usb],
            **kw,
        )
        if pin:
            app.staff.pin.set_pin(PIN, PIN)
        qtbot.addWidget(app.window)
        app.window.resize(*size)
        with qtbot.waitExposed(app.window):
            app.window.show()
        qtbot.waitUntil(lambda: app.window.watching)  # taps and keys count from the first frame
        made.append(app)
        return StaffKiosk(app, qtbot, clock)

    yield make
    for app in made:
        app.close()
    from ui import i18n

    i18n.set_language(i18n.DEFAULT_LANGUAGE)
