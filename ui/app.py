"""The kiosk window: one header, a stack of screens, and the "Still there?" overlay.

It re-renders from the :class:`~kiosk.flow.Flow` whenever the flow changes, drives the flow's
timers from a ``QTimer``, and counts every touch or click anywhere as activity.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QEvent, QMargins, QObject, QRect, QSize, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QApplication, QFrame, QStackedWidget, QVBoxLayout, QWidget

from common.theme import Theme
from kiosk.flow import Flow, Step
from ui import i18n
from ui.first_frame import FirstFrame
from ui.header import Header
from ui.lockdown import KeyGuard
from ui.metrics import Metrics
from ui.qt_names import set_by_name
from ui.screens.base import Screen
from ui.screens.still_there import StillThereOverlay
from ui.screens.welcome import WelcomeScreen
from ui.tasks import Tasks
from ui.theme import DEMO_THEME, high_contrast, style_sheet

if TYPE_CHECKING:
    from ui.guide import Guide
    from ui.speech import SpeechSink
    from ui.staff.admin import AdminPanel
    from ui.staff.pin_screen import PinScreen
    from ui.staff.services import StaffServices

log = logging.getLogger("ui.app")

TICK_MS = 250
STAFF_IDLE_S = 120
WINDOWED_SIZE = QSize(1280, 800)
"""What ``--windowed`` asks for, when the screen has room for it."""
KEY_PRESS = QEvent.Type.KeyPress
MOUSE_PRESS = QEvent.Type.MouseButtonPress
DOUBLE_CLICK = QEvent.Type.MouseButtonDblClick
FINGERTIP_MM = 6.0
"""How far apart the presses of one double tap may land at least: a fingertip's width (an
unsteady hand's second tap rarely lands where the platform's few pixels allow)."""
KIOSK_WINDOW_FLAGS = "Window|FramelessWindowHint|WindowStaysOnTopHint"
"""The fullscreen kiosk's window flags, as Qt names them."""
ACTIVITY_EVENTS = (
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
    KEY_PRESS,
)


SCREEN_TYPES: dict[Step, str] = {
    Step.WELCOME: "ui.screens.welcome:WelcomeScreen",
    Step.CHOOSE: "ui.screens.choose:ChooseScreen",
    Step.RATE: "ui.screens.rate:RateScreen",
    Step.REASONS: "ui.screens.reasons:ReasonsScreen",
    Step.COMMENT: "ui.screens.comment:CommentScreen",
    Step.THANKS: "ui.screens.thanks:ThanksScreen",
    Step.ERROR: "ui.screens.thanks:ErrorScreen",
}
"""Each step's screen, by module and class: a module is imported when its screen is made, so
the kiosk's start imports Welcome's alone (the others load icons, the keyboard, the faces)."""


def screen_type(step: Step) -> Callable[[Flow], Screen]:
    module, name = SCREEN_TYPES[step].split(":")
    made: Callable[[Flow], Screen] = getattr(importlib.import_module(module), name)
    return made


class Screens(Mapping[Step, Screen]):
    """The citizen screens by step, each made on first use: asking for one makes it, while
    going over them (to restyle or translate) sees only those made so far."""

    def __init__(self, make: Callable[[Step], Screen]) -> None:
        self._make = make
        self.made: dict[Step, Screen] = {}
        self._hooks: list[Callable[[Step, Screen], None]] = []

    def when_made(self, hook: Callable[[Step, Screen], None]) -> None:
        """Call ``hook`` with each screen made (and its step), those made already first."""
        self._hooks.append(hook)
        for step, screen in list(self.made.items()):
            hook(step, screen)

    def __getitem__(self, step: Step) -> Screen:
        screen = self.made.get(step)
        if screen is None:
            screen = self.made[step] = self._make(step)
            for hook in self._hooks:
                hook(step, screen)
        return screen

    def __iter__(self) -> Iterator[Step]:
        return iter(list(self.made))

    def __len__(self) -> int:
        return len(self.made)


class PageStack(QStackedWidget):
    """A stack whose size hints are its current page's, not the largest of all its pages.

    ``QStackedWidget`` asks for the largest minimum of every page it holds, so one page that
    needs much room (a staff page, or a citizen screen in a layout it will not show) would make
    the window taller than the screen even while another page is shown.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentChanged.connect(self.updateGeometry)

    def add_page(self, page: QWidget) -> int:
        """Add ``page`` sized for the stack and, while the stack is shown, arranged for that
        size at once: a hidden widget gets its resize event only when shown, after the stack
        has taken its minimum size, and a page laid out for its default size would stretch
        the window, which never shrinks back by itself."""
        size = self.size()
        page.resize(size)
        if self.isVisible():
            QApplication.sendEvent(page, QResizeEvent(size, QSize()))
        return self.addWidget(page)

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        if page is None:
            return super().minimumSizeHint()
        return page.minimumSizeHint().expandedTo(page.minimumSize())


class KioskWindow(QFrame):
    setup_requested = Signal()
    """Staff asked for the setup wizard (or opened the staff screens with no PIN set)."""

    def __init__(
        self,
        flow: Flow,
        theme: Theme = DEMO_THEME,
        staff: Callable[[], StaffServices] | None = None,
    ) -> None:
        """``staff``: gives what the staff screens need when staff first open them (None: no
        staff screens)."""
        super().__init__()
        self.flow = flow
        self.base_theme = theme
        self._staff = staff
        self.allow_close = False
        self.sticky_page: QWidget | None = None
        """A staff page that does not time out (the first-run setup)."""
        """Only the staff panel's "Exit" sets this; citizens cannot close the kiosk."""
        self.setWindowTitle("Ukukavshiri")
        # A frame, not a QMainWindow: a main window moves its central widget through a
        # (zero-length) animation, and the first animation's private timer object, passed
        # to the application's event filters, makes Qt for Python set up every QtCore and
        # QtGui class at once, a good part of the kiosk's start (docs/performance.md). A
        # frame paints its style-sheet background without an attribute from Qt's namespace.
        self.setObjectName("kiosk")
        self._language = ""
        self._look: tuple[object, ...] = ()
        self._sized = False
        """The window has had its first resize event (:meth:`_apply_look`)."""
        self._staff_activity = 0.0
        self._step: Step | None = None
        self.metrics = Metrics(target=56, body=22)
        self.tasks = Tasks(self)
        self.pages = PageStack()
        central = QWidget()
        self.citizen_page = central
        self.pages.addWidget(central)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header = Header(flow)
        self.stack = PageStack()
        layout.addWidget(self.header)
        layout.addWidget(self.stack, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.pages)
        self.screens = Screens(self._make_screen)
        self.overlay = StillThereOverlay(flow, central)
        self.pin_screen: PinScreen | None = None
        """Made when staff first ask for it (not part of the kiosk's start)."""
        self.admin: AdminPanel | None = None
        welcome = self.screens[Step.WELCOME]
        assert isinstance(welcome, WelcomeScreen)
        welcome.staff_requested.connect(self.open_staff)
        flow.subscribe(self.refresh)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self.key_guard = KeyGuard(self.citizens_at_screen, self)
        self.watching = False
        """The application-wide filters are installed (:meth:`watch_application`)."""
        self.taps = TapSeries(self._on_screen)
        FirstFrame(self, lambda _at: self.watch_application())
        self._guide: Guide | None = None
        self.refresh()

    def watch_application(self) -> None:
        """Install the activity filter and the lockdown's, once the first frame is shown (no
        touch or key reaches a window not yet on the screen): an application-wide filter is
        handed every object and event as a Python object, and before the first frame that
        would set up classes (the style's, with its many enum types) the start can do without.
        """
        app = QApplication.instance()
        if self.watching or app is None:
            return
        self.watching = True
        # The filter installed last sees an event first: this window's (activity, and keys
        # for the guide) before the lockdown's, so the guide may use a key the lockdown
        # would refuse.
        app.installEventFilter(self.key_guard)
        app.installEventFilter(self)

    # -- look ---------------------------------------------------------------------------------

    def theme(self) -> Theme:
        return high_contrast(self.base_theme) if self.flow.large_text else self.base_theme

    def _apply_look(self) -> None:
        """Rebuild the style sheet when the size class, DPI or "Aa" changes; not before the
        window's first resize event (a hidden window gets it as it is shown, with the size it
        was given): a style sheet costs a good part of the start, and one for the size a
        window has before it is placed on its screen would only be thrown away."""
        if not self._sized:
            return
        screen = self.screen()
        dpi = screen.physicalDotsPerInch() if screen else 96.0
        metrics = Metrics.for_window(self.width(), self.height(), dpi, self.flow.large_text)
        look = (metrics, self.flow.large_text)
        if look == self._look:
            return
        self._look = look
        self.metrics = metrics
        theme = self.theme()
        self.setStyleSheet(style_sheet(theme, metrics))
        self.header.municipality = theme.municipality
        self.header.apply_theme(theme, metrics)
        self.overlay.apply_metrics(metrics)
        if self._guide is not None:
            self._guide.apply_metrics(metrics)
        for screen_widget in self.screens.values():
            screen_widget.apply_theme(theme, metrics)

    # -- rendering ----------------------------------------------------------------------------

    def refresh(self) -> None:
        flow = self.flow
        if flow.language != self._language:
            self._language = flow.language
            i18n.set_language(flow.language)
            self.header.retranslate()
            self.overlay.retranslate()
            for screen in self.screens.values():
                screen.retranslate()
        self._apply_look()
        if flow.step is Step.WELCOME and self._step is not Step.WELCOME:
            for each in self.screens.values():  # the next citizen starts at the top
                each.reset()
        self._step = flow.step
        screen = self.screens[flow.step]
        screen.show_state(flow)
        if self.stack.currentWidget() is not screen:
            self.stack.setCurrentWidget(screen)
        self.header.show_state(flow)
        self.overlay.show_state(flow)
        if self._guide is not None:
            self._guide.show_state(flow)

    def _make_screen(self, step: Step) -> Screen:
        """A citizen screen, made when first needed (or after the first frame, see
        :meth:`make_screens`) in the look and language of the moment."""
        screen = screen_type(step)(self.flow)
        # Sized, styled and translated before it joins the stack (``PageStack.add_page``).
        screen.resize(self.stack.size())
        if self._look:
            screen.apply_theme(self.theme(), self.metrics)
        if self._language:
            screen.retranslate()
        self.stack.add_page(screen)
        return screen

    def make_screens(self) -> None:
        """Make the screens not yet made, one per turn of the event loop, so a tap that
        comes meanwhile is answered first. Called once the first frame is shown: Welcome
        alone is made before it, which is what the kiosk's start waits for."""
        missing = [step for step in SCREEN_TYPES if step not in self.screens.made]
        if missing:
            self.screens[missing[0]]
            QTimer.singleShot(0, self, self.make_screens)  # not once the window is gone

    def current_screen(self) -> Screen:
        return self.screens[self.flow.step]

    @property
    def guide(self) -> Guide:
        """Keys and Listen (:meth:`make_guide`)."""
        return self.make_guide()

    def make_guide(self) -> Guide:
        """The guide, made on first use: the kiosk makes it once the first frame is shown
        (Listen is off at Welcome until a citizen turns it on), or earlier the first key or
        Listen's offer makes it; its modules are imported then."""
        if self._guide is None:
            from ui.guide import Guide

            self._guide = Guide(self, self)
            self._guide.apply_metrics(self.metrics)
            self._guide.show_state(self.flow)
        return self._guide

    def set_speech(self, sink: SpeechSink | None, default_volume: int = 6) -> None:
        """Offer Listen (speaking through ``sink``), or with ``None`` hide it."""
        self.guide.set_speech(sink, default_volume)
        self.refresh()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._sized = True
        self._apply_look()
        if self.overlay.isVisible():
            self.overlay.setGeometry(self.citizen_page.rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Every touch, click or key anywhere is activity; keys go on to the guide; the
        later presses of a double tap whose first tap changed the screen are dropped
        (:class:`TapSeries`)."""
        kind = event.type()
        if kind not in ACTIVITY_EVENTS and kind is not DOUBLE_CLICK:
            return False
        self.flow.touch()
        self._staff_activity = self.flow.clock()
        if kind is MOUSE_PRESS or kind is DOUBLE_CLICK:
            assert isinstance(event, QMouseEvent)
            return self.taps.drops(event)
        if kind is KEY_PRESS:
            assert isinstance(event, QKeyEvent)
            return self.guide.key(event)
        return False

    def _on_screen(self) -> tuple[QWidget | None, ...]:
        """The page and the citizen screen now shown."""
        return self.pages.currentWidget(), self.stack.currentWidget()

    # -- staff -------------------------------------------------------------------------------

    def citizens_at_screen(self) -> bool:
        return self.pages.currentWidget() is self.citizen_page

    @property
    def staff(self) -> StaffServices | None:
        return self._staff() if self._staff is not None else None

    def open_staff(self) -> None:
        """The hidden gesture on Welcome: ask for the PIN (or set the kiosk up if none)."""
        if self.staff is None or self.flow.step is not Step.WELCOME:
            return
        if not self.staff.pin.is_set():
            self.setup_requested.emit()
            return
        if self.pin_screen is None:
            from ui.staff.pin_screen import PinScreen

            self.pin_screen = PinScreen(self.staff.pin, self.tasks)
            self.pin_screen.unlocked.connect(self.open_admin)
            self.pin_screen.cancelled.connect(self.close_staff)
            self.pages.add_page(self.pin_screen)
        self.pin_screen.reset()
        if self._guide is not None:
            self._guide.stop()
        self._staff_activity = self.flow.clock()
        self.pages.setCurrentWidget(self.pin_screen)

    def open_admin(self) -> None:
        from ui.staff.admin import AdminPanel  # staff only: not part of the kiosk's start

        assert self.staff is not None
        self.staff.store.audit("admin opened")
        self._drop_admin()
        self.admin = AdminPanel(self.staff, self.tasks)
        self.admin.leave.connect(self.close_staff)
        self.admin.rerun_setup.connect(self.setup_requested)
        self.pages.add_page(self.admin)
        self.pages.setCurrentWidget(self.admin)
        self._staff_activity = self.flow.clock()

    def show_staff_page(self, page: QWidget) -> None:
        """Show a staff page (the setup wizard) in place of the citizen screens."""
        self._drop_admin()
        self.pages.add_page(page)
        self.pages.setCurrentWidget(page)
        self._staff_activity = self.flow.clock()

    def close_staff(self) -> None:
        if self.admin is not None:
            assert self.staff is not None
            self.staff.store.audit("admin closed")
        self.pages.setCurrentWidget(self.citizen_page)
        self._drop_admin()
        if self.flow.step is Step.WELCOME:  # the next citizen meets the (new) default language
            self.flow.language = self.flow.config.default_language
        self.refresh()

    def _drop_admin(self) -> None:
        if self.admin is not None:
            self.pages.removeWidget(self.admin)
            self.admin.deleteLater()
            self.admin = None

    def _tick(self) -> None:
        self.flow.tick()
        idle = self.flow.clock() - self._staff_activity
        sticky = self.sticky_page is not None and self.pages.currentWidget() is self.sticky_page
        if not self.citizens_at_screen() and not sticky and idle >= STAFF_IDLE_S:
            log.info("staff screens left idle; back to the kiosk")
            self.close_staff()

    def set_theme(self, theme: Theme) -> None:
        self.base_theme = theme
        self._look = ()
        self._apply_look()
        self.refresh()

    def shutdown(self) -> None:
        """Stop timers and the global event filters (the app may outlive this window in tests)."""
        self.timer.stop()
        if self._guide is not None:
            self._guide.shutdown()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
            app.removeEventFilter(self.key_guard)
        self.tasks.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Citizens cannot close the kiosk; only "Exit" in the staff panel allows it."""
        if not self.allow_close:
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)


def windowed_geometry(available: QRect, wanted: QSize = WINDOWED_SIZE) -> QRect:
    """A window of ``wanted`` size, shrunk to fit ``available`` and centred on it."""
    size = wanted.boundedTo(available.size())
    rect = QRect(available.topLeft(), size)
    rect.moveCenter(available.center())
    return rect


def show_kiosk(window: KioskWindow, windowed: bool) -> None:
    """Show the kiosk fullscreen (or in a window that fits the screen, frame included, for
    development); the window can never be made larger than the screen it is on."""
    screen = window.screen()
    if windowed:
        if screen is None:
            window.resize(WINDOWED_SIZE)
            window.show()
            return
        available = screen.availableGeometry()
        window.setMaximumSize(available.size())
        window.setGeometry(windowed_geometry(available))
        window.show()
        # The frame is known once the window is shown; the whole window must fit.
        frame, inner = window.frameGeometry(), window.geometry()
        room = available.marginsRemoved(
            QMargins(
                inner.left() - frame.left(),
                inner.top() - frame.top(),
                frame.right() - inner.right(),
                frame.bottom() - inner.bottom(),
            )
        )
        window.setMaximumSize(room.size())
        window.setGeometry(windowed_geometry(room))
        return
    # No frame to drag or close it by, and above whatever else opens on the tablet. Given by
    # name to the window system's window: the widget's own copy of its flags takes them only
    # as Qt enum values, whose first use sets up Qt's namespace (docs/performance.md), so it
    # is told in the turn of the event loop after the first frame (without telling the window
    # system again).
    window.winId()  # makes the window system's window, to give it the flags before it shows
    handle = window.windowHandle()
    set_by_name(handle, "flags", KIOSK_WINDOW_FLAGS)

    def agree() -> None:
        window.overrideWindowFlags(handle.flags())

    FirstFrame(window, lambda _at: QTimer.singleShot(0, window, agree))
    if screen is not None:
        window.setMaximumSize(screen.geometry().size())
        window.setGeometry(screen.geometry())  # without a window manager, fullscreen alone won't
    window.showFullScreen()


class TapSeries:
    """Quick presses at one spot are one tap, used on the screen where it began.

    A citizen who double-taps a tile opens the next screen with the first tap, and the second
    lands on whatever that screen holds under the finger (at 1280 x 800, the free canteen's
    tile lies over the face "very dissatisfied"). A press within the platform's double-tap
    time of the one before, and within its double-tap distance or a fingertip's width
    (:data:`FINGERTIP_MM`) of it, continues that tap: if the screen has changed since the tap
    began, the press is dropped, and so is the double-click event Qt sends after it (which a
    button takes as a press). On the screen where it began, the press goes on, and the flow's
    own guard makes a double tap on one control one tap.
    """

    def __init__(self, on_screen: Callable[[], object]) -> None:
        self.on_screen = on_screen
        self._last: _Press | None = None

    def drops(self, event: QMouseEvent) -> bool:
        """Whether to drop this press (or double click); each delivery of one press (to the
        window, the widget, its parents) gets the same answer."""
        stamp, where, last = event.timestamp(), event.globalPosition(), self._last
        if event.type() is DOUBLE_CLICK:
            return last is not None and last.stamp == stamp and last.dropped
        if last is not None and (last.stamp, last.x, last.y) == (stamp, where.x(), where.y()):
            return last.dropped
        hints = QGuiApplication.styleHints()
        reach = max(
            hints.mouseDoubleClickDistance(), hints.touchDoubleTapDistance(), _fingertip_px()
        )
        screen = self.on_screen()
        began_on = screen
        if (
            last is not None
            and 0 <= stamp - last.stamp < hints.mouseDoubleClickInterval()
            and abs(where.x() - last.x) <= reach
            and abs(where.y() - last.y) <= reach
        ):
            began_on = last.began_on
        self._last = _Press(stamp, where.x(), where.y(), began_on, began_on != screen)
        return self._last.dropped


class _Press(NamedTuple):
    """A press seen by :class:`TapSeries`: when (ms) and where, the screen its tap began on,
    and whether it was dropped."""

    stamp: int
    x: float
    y: float
    began_on: object
    dropped: bool


def _fingertip_px() -> float:
    """:data:`FINGERTIP_MM` in the window's pixels, on the primary screen."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return 0.0
    return FINGERTIP_MM / 25.4 * screen.physicalDotsPerInch() / screen.devicePixelRatio()
