"""A ring that fills around the emblem while staff hold it, so they see the hidden gesture
counting and know when to let go (a full, thicker ring) instead of guessing three seconds.

It watches the Welcome screen's presses from outside (an event filter), draws over it without
taking any touch, and measures time with the flow's clock, as the gesture itself does.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QLabel, QWidget

from ui.screens.welcome import STAFF_HOLD_S

SLOP_PX = 40
"""A finger that moves further than this is swiping, not holding (as on Welcome)."""
FRAME_MS = 40


class HoldHint(QWidget):
    """Shown over ``logo`` (a child of ``screen``) from a press on it until the release."""

    def __init__(
        self,
        screen: QWidget,
        logo: QLabel,
        clock: Callable[[], float],
        color: Callable[[], str],
        hold_s: float = STAFF_HOLD_S,
    ) -> None:
        super().__init__(screen)
        self.screen_widget = screen
        self.logo = logo
        self.clock = clock
        self.color = color
        self.hold_s = hold_s
        self._press: tuple[QPointF, float] | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.hide()
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.update)
        screen.installEventFilter(self)

    def progress(self) -> float:
        """0 at the press, 1 once the hold is long enough; 0 when nothing is held."""
        if self._press is None:
            return 0.0
        return max(0.0, min(1.0, (self.clock() - self._press[1]) / self.hold_s))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            assert isinstance(event, QMouseEvent)
            self._pressed(event.position())
        elif kind == QEvent.Type.MouseMove and self._press is not None:
            assert isinstance(event, QMouseEvent)
            if (event.position() - self._press[0]).manhattanLength() > SLOP_PX:
                self._stop()
        elif kind in (QEvent.Type.MouseButtonRelease, QEvent.Type.Hide):
            self._stop()
        return False

    def _pressed(self, position: QPointF) -> None:
        logo = self.logo
        if not logo.isVisible() or not logo.geometry().contains(position.toPoint()):
            return
        self._press = (position, self.clock())
        self.setGeometry(self._ring_area())
        self.show()
        self.raise_()
        self.timer.start()

    def _stop(self) -> None:
        self._press = None
        self.timer.stop()
        self.hide()

    def _ring_area(self) -> QRect:
        """A square around the emblem's picture, a little larger than it."""
        pixmap = self.logo.pixmap()
        picture = max(pixmap.width(), pixmap.height()) if not pixmap.isNull() else 0
        side = min(picture or self.logo.height(), self.logo.width()) + 40
        area = QRect(0, 0, side, side)
        area.moveCenter(self.logo.geometry().center())
        return area

    def paintEvent(self, event: QPaintEvent) -> None:
        done = self.progress()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = 12.0 if done >= 1.0 else 8.0
        ring = QRectF(self.rect()).adjusted(width, width, -width, -width)
        track = QColor(self.color())
        track.setAlpha(60)
        painter.setPen(QPen(track, 8.0))
        painter.drawEllipse(ring)
        pen = QPen(QColor(self.color()), width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        # Qt angles are in 1/16 degree, counter-clockwise from 3 o'clock: start at 12, go clockwise.
        painter.drawArc(ring, 90 * 16, -round(360 * 16 * done))
        painter.end()
