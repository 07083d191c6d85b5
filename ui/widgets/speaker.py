"""The speaker symbol of the Listen button and the volume buttons, drawn as vector paths.

Drawn here rather than taken from an icon font so that nothing heavy is loaded before the
first screen, and so the volume buttons can carry a plain minus or plus beside the speaker.
Qt's namespace is read as they are drawn, not as this module is imported (``ui.qt_names``).
"""

from __future__ import annotations

from PySide6 import QtCore
from PySide6.QtCore import QPointF, QRectF, QSize
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

MARKS = ("waves", "minus", "plus")


def paint_speaker(painter: QPainter, box: QRectF, color: QColor, mark: str = "waves") -> None:
    """A speaker in the left half of the square ``box``; sound waves, a minus or a plus in
    the right half."""
    if mark not in MARKS:
        raise ValueError(f"mark must be one of {MARKS}, got {mark!r}")
    s = box.width()

    def pt(x: float, y: float) -> QPointF:
        return QPointF(box.left() + x * s, box.top() + y * s)

    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    body = QPainterPath(pt(0.06, 0.36))
    for x, y in ((0.24, 0.36), (0.48, 0.14), (0.48, 0.86), (0.24, 0.64), (0.06, 0.64)):
        body.lineTo(pt(x, y))
    body.closeSubpath()
    painter.setPen(QtCore.Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawPath(body)
    pen = QPen(color, max(1.5, s * 0.08))
    pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
    if mark == "waves":
        for radius in (0.16, 0.3):
            arc = QRectF(0, 0, 2 * radius * s, 2 * radius * s)
            arc.moveCenter(pt(0.5, 0.5))
            painter.drawArc(arc, -50 * 16, 100 * 16)
    else:
        painter.drawLine(pt(0.64, 0.5), pt(0.94, 0.5))
        if mark == "plus":
            painter.drawLine(pt(0.79, 0.35), pt(0.79, 0.65))
    painter.restore()


def speaker_icon(color: str, checked_color: str, side: int, mark: str = "waves") -> QIcon:
    """The symbol in ``color``, and in ``checked_color`` while its button is checked (the
    header turns a checked button's colours around)."""
    icon = QIcon()
    for state, colour in ((QIcon.State.Off, color), (QIcon.State.On, checked_color)):
        pixmap = QPixmap(QSize(side, side))
        pixmap.fill(QtCore.Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        paint_speaker(painter, QRectF(0, 0, side, side), QColor(colour), mark)
        painter.end()
        icon.addPixmap(pixmap, QIcon.Mode.Normal, state)
    return icon
