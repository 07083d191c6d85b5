"""The kiosk window: one header, a stack of screens, and the "Still there?" overlay.

It re-renders from the :class:`~kiosk.flow.Flow` whenever the flow changes, drives the flow's
timers from a ``QTimer``, and counts every touch or click anywhere as activity.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from kiosk.flow import Flow, Step
from ui import i18n
from ui.header import Header
from ui.icons import icon
from ui.metrics import Metrics
from ui.screens.base import Screen
from ui.screens.choose import ChooseScreen
from ui.screens.comment import CommentScreen
from ui.screens.rate import RateScreen
from ui.screens.reasons import ReasonsScreen
from ui.screens.still_there import StillThereOverlay
from ui.screens.thanks import ErrorScreen, ThanksScreen
from ui.screens.welcome import WelcomeScreen
from ui.theme import DEMO_THEME, Theme, high_contrast, style_sheet

log = logging.getLogger("ui.app")

TICK_MS = 250
ACTIVITY_EVENTS = (
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
    QEvent.Type.KeyPress,
)


class KioskWindow(QMainWindow):
    def __init__(self, flow: Flow, theme: Theme = DEMO_THEME) -> None:
        super().__init__()
        self.flow = flow
        self.base_theme = theme
        self.setWindowTitle("Ukukavshiri")
        self._language = ""
        self._look: tuple[object, ...] = ()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header = Header(flow)
        self.stack = QStackedWidget()
        layout.addWidget(self.header)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
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
        flow.subscribe(self.render)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(flow.tick)
        self.timer.start()
        QApplication.instance().installEventFilter(self)
        self.render()

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
        self.header.back.setIconSize(QSize(metrics.body, metrics.body))
        for screen_widget in self.screens.values():
            screen_widget.apply_theme(theme, metrics.target)

    # -- rendering ----------------------------------------------------------------------------

    def render(self) -> None:
        flow = self.flow
        if flow.language != self._language:
            self._language = flow.language
            i18n.set_language(flow.language)
            self.header.retranslate()
            self.overlay.retranslate()
            for screen in self.screens.values():
                screen.retranslate()
        self._apply_look()
        screen = self.screens[flow.step]
        screen.render(flow)
        if self.stack.currentWidget() is not screen:
            self.stack.setCurrentWidget(screen)
        self.header.render(flow)
        self.overlay.render(flow)

    def current_screen(self) -> Screen:
        return self.screens[self.flow.step]

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_look()
        if self.overlay.isVisible():
            self.overlay.setGeometry(self.centralWidget().rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY_EVENTS:
            self.flow.touch()
        return False

    def shutdown(self) -> None:
        """Stop timers and the global event filter (the app may outlive this window in tests)."""
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def closeEvent(self, event: object) -> None:
        self.shutdown()
        super().closeEvent(event)  # type: ignore[arg-type]


def show_kiosk(window: KioskWindow, windowed: bool) -> None:
    if windowed:
        window.resize(1280, 800)
        window.show()
        return
    window.setWindowFlags(
        window.windowFlags()
        | Qt.WindowType.FramelessWindowHint
        | Qt.WindowType.WindowStaysOnTopHint
    )
    screen = window.screen()
    if screen is not None:
        window.setGeometry(screen.geometry())  # without a window manager, fullscreen alone won't
    window.showFullScreen()
