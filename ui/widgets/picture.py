"""A logo or icon drawn as large as its place allows, up to a preferred size, never clipped.

A ``QLabel`` with a fixed pixmap either pushes its minimum size onto the window (which then
outgrows a small screen) or is cut off when the layout squeezes it. This label renders its
icon afresh for whatever square fits its rectangle, and asks the layout for little.
"""

from __future__ import annotations

from PySide6 import QtCore
from PySide6.QtCore import QPoint, QRect, QRectF, QSize
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from ui.qt_names import centre_text

PLATE_MARGIN = 0.1
"""Share of the plate's side left around the picture on it."""


class Picture(QLabel):
    def __init__(self, parent: QWidget | None = None, *, minimum: int = 32) -> None:
        super().__init__(parent)
        centre_text(self)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._icon = QIcon()
        self._preferred = 96
        self._minimum = minimum
        self._plate: QColor | None = None
        self._side = 0

    def set_icon(self, icon: QIcon, preferred: int, minimum: int | None = None) -> None:
        """Show ``icon`` at up to ``preferred`` pixels square (and ask for ``minimum``)."""
        self._icon = icon
        if minimum is not None:
            self._minimum = minimum
        self._preferred = max(self._minimum, preferred)
        self.updateGeometry()
        self._render()

    def set_preferred(self, preferred: int) -> None:
        """Ask for up to ``preferred`` pixels square (more room on a larger screen)."""
        preferred = max(self._minimum, preferred)
        if preferred != self._preferred:
            self._preferred = preferred
            self.updateGeometry()
            self._render()

    def set_plate(self, color: str | None) -> None:
        """Draw the picture on a rounded plate of ``color`` (``None``: on the background).

        A municipal emblem keeps its own colours; on the black high-contrast background its
        dark outline would vanish, so it sits on a light plate there.
        """
        self._plate = QColor(color) if color else None
        self._render()

    def preferred(self) -> int:
        return self._preferred

    def sizeHint(self) -> QSize:
        return QSize(self._preferred, self._preferred)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._minimum, self._minimum)

    def picture_rect(self) -> QRect:
        """Where the picture is drawn, in this widget's coordinates."""
        rect = QRect(QPoint(0, 0), QSize(self._side, self._side))
        rect.moveCenter(self.rect().center())
        return rect

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._render()

    def _render(self) -> None:
        side = max(0, min(self.width(), self.height(), self._preferred))
        self._side = side
        if self._icon.isNull() or side < 1:
            self.clear()
            return
        ratio = self.devicePixelRatioF()
        if self._plate is None:
            self.setPixmap(self._icon.pixmap(QSize(side, side), ratio))
            return
        canvas = QPixmap(round(side * ratio), round(side * ratio))
        canvas.setDevicePixelRatio(ratio)
        canvas.fill(QtCore.Qt.GlobalColor.transparent)
        painter = QPainter(canvas)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(self._plate)
        painter.drawRoundedRect(QRectF(0, 0, side, side), side * 0.18, side * 0.18)
        inner = round(side * (1 - 2 * PLATE_MARGIN))
        offset = (side - inner) // 2
        painter.drawPixmap(offset, offset, self._icon.pixmap(QSize(inner, inner), ratio))
        painter.end()
        self.setPixmap(canvas)
