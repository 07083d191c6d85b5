"""The kiosk window: one header, a stack of screens, and the "Still there?" overlay.

It re-renders from the :class:`~kiosk.flow.Flow` whenever the flow changes, drives the flow's
timers from a ``QTimer``, and counts every touch or click anywhere as activity.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QMargins, QObject, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QResizeEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from common.theme import Theme
from kiosk.flow import Flow, Step
from ui import i18n
from ui.guide import Guide
from ui.header import Header
from ui.icons import icon
from ui.lockdown import KeyGuard
from ui.metrics import Metrics
from ui.screens.base import Screen
from ui.screens.choose import ChooseScreen
from ui.screens.comment import CommentScreen
from ui.screens.rate import RateScreen
from ui.screens.reasons import ReasonsScreen
from ui.screens.still_there import StillThereOverlay
from ui.screens.thanks import ErrorScreen, ThanksScreen
from ui.screens.welcome import WelcomeScreen
from ui.speech import SpeechSink
from ui.staff.admin import AdminPanel
from ui.staff.pin_screen import PinScreen
from ui.staff.services import StaffServices
from ui.tasks import Tasks
from ui.theme import DEMO_THEME, high_contrast, style_sheet

log = logging.getLogger("ui.app")

TICK_MS = 250
STAFF_IDLE_S = 120
WINDOWED_SIZE = QSize(1280, 800)
"""What ``--windowed`` asks for, when the screen has room for it."""
ACTIVITY_EVENTS = (
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
    QEvent.Type.KeyPress,
)


class PageStack(QStackedWidget):
    """A stack whose size hints are its current page's, not the largest of all its pages.

    ``QStackedWidget`` asks for the largest minimum of every page it holds, so one page that
    needs much room (a staff page, or a citizen screen in a layout it will not show) would make
    the window taller than the screen even while another page is shown.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentChanged.connect(self.updateGeometry)

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        if page is None:
            return super().minimumSizeHint()
        return page.minimumSizeHint().expandedTo(page.minimumSize())


class KioskWindow(QMainWindow):
    setup_requested = Signal()
    """Staff asked for the setup wizard (or opened the staff screens with no PIN set)."""

    def __init__(
        self, flow: Flow, theme: Theme = DEMO_THEME, staff: StaffServices | None = None
    ) -> None:
        super().__init__()
        self.flow = flow
        self.base_theme = theme
        self.staff = staff
        self.allow_close = False
        self.sticky_page: QWidget | None = None
        """A staff page that does not time out (the first-run setup)."""
        """Only the staff panel's "Exit" sets this; citizens cannot close the kiosk."""
        self.setWindowTitle("Ukukavshiri")
        self._language = ""
        self._look: tuple[object, ...] = ()
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
        self.setCentralWidget(self.pages)
        self.screens: dict[Step, Screen] = {
            Step.WELCOME: WelcomeScreen(flow),
            Step.CHOOSE: ChooseScreen(flow),
            Step.RATE: RateScreen(flow),
            Step.REASONS: ReasonsScreen(flow),
            Step.COMMENT: CommentScreen(flow),
            Step.THANKS: ThanksScreen(flow),
            Step.ERROR: ErrorScreen(flow),
        }
        for screen in self.screens.values():
            self.stack.addWidget(screen)
        self.overlay = StillThereOverlay(flow, central)
        self.pin_screen: PinScreen | None = None
        self.admin: AdminPanel | None = None
        if staff is not None:
            self.pin_screen = PinScreen(staff.pin, self.tasks)
            self.pin_screen.unlocked.connect(self.open_admin)
            self.pin_screen.cancelled.connect(self.close_staff)
            self.pages.addWidget(self.pin_screen)
        welcome = self.screens[Step.WELCOME]
        assert isinstance(welcome, WelcomeScreen)
        welcome.staff_requested.connect(self.open_staff)
        flow.subscribe(self.refresh)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self.key_guard = KeyGuard(self.citizens_at_screen, self)
        app = QApplication.instance()
        if app is None:  # a widget cannot exist without one; this only tells the type checker
            raise RuntimeError("the kiosk window needs a running QApplication")
        app.installEventFilter(self)
        app.installEventFilter(self.key_guard)
        self.guide = Guide(self)
        """Keys and Listen; installed last, so it sees a key before the lockdown does."""
        self.refresh()

    # -- look ---------------------------------------------------------------------------------

    def theme(self) -> Theme:
        return high_contrast(self.base_theme) if self.flow.large_text else self.base_theme

    def _apply_look(self) -> None:
        """Rebuild the style sheet when the size class, DPI or "Aa" changes."""
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
        self.header.back.setIcon(icon("mdi6.arrow-left", theme.on_primary))
        self.header.apply_theme(theme, metrics)
        self.overlay.apply_metrics(metrics)
        self.guide.apply_metrics(metrics)
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
        self.guide.show_state(flow)

    def current_screen(self) -> Screen:
        return self.screens[self.flow.step]

    def set_speech(self, sink: SpeechSink | None, default_volume: int = 6) -> None:
        """Offer Listen (speaking through ``sink``), or with ``None`` hide it."""
        self.guide.set_speech(sink, default_volume)
        self.refresh()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_look()
        central = self.centralWidget()
        if self.overlay.isVisible() and central is not None:
            self.overlay.setGeometry(central.rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY_EVENTS:
            self.flow.touch()
            self._staff_activity = self.flow.clock()
        return False

    # -- staff -------------------------------------------------------------------------------

    def citizens_at_screen(self) -> bool:
        return self.pages.currentWidget() is self.citizen_page

    def open_staff(self) -> None:
        """The hidden gesture on Welcome: ask for the PIN (or set the kiosk up if none)."""
        if self.pin_screen is None or self.flow.step is not Step.WELCOME:
            return
        assert self.staff is not None
        if not self.staff.pin.is_set():
            self.setup_requested.emit()
            return
        self.pin_screen.reset()
        self.guide.stop()
        self._staff_activity = self.flow.clock()
        self.pages.setCurrentWidget(self.pin_screen)

    def open_admin(self) -> None:
        assert self.staff is not None
        self.staff.store.audit("admin opened")
        self._drop_admin()
        self.admin = AdminPanel(self.staff, self.tasks)
        self.admin.leave.connect(self.close_staff)
        self.admin.rerun_setup.connect(self.setup_requested)
        self.pages.addWidget(self.admin)
        self.pages.setCurrentWidget(self.admin)
        self._staff_activity = self.flow.clock()

    def show_staff_page(self, page: QWidget) -> None:
        """Show a staff page (the setup wizard) in place of the citizen screens."""
        self._drop_admin()
        self.pages.addWidget(page)
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
        self.guide.shutdown()
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
    window.setWindowFlags(
        window.windowFlags()
        | Qt.WindowType.FramelessWindowHint
        | Qt.WindowType.WindowStaysOnTopHint
    )
    if screen is not None:
        window.setMaximumSize(screen.geometry().size())
        window.setGeometry(screen.geometry())  # without a window manager, fullscreen alone won't
    window.showFullScreen()
