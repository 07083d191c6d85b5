"""How scores are spread, drawn with the faces citizens tap: one small bar over each face, in
the face's colour, with its count on top, in the rating screen's order (unhappiest first)."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.i18n import _
from ui.widgets.smiley import INK, SCALE, paint_face

FACE_LINES = 1.7
"""A face is this many text lines high."""
BAR_LINES = 2.2
"""The tallest bar is this many text lines high."""


class ScoreBars(QWidget):
    """Counts per score (1-5) as bars over faces; ``set_counts`` shows new ones."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts: dict[int, int] = {}
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.set_counts({})

    def set_counts(self, counts: Mapping[int, int]) -> None:
        self.counts = {step.score: int(counts.get(step.score, 0)) for step in SCALE}
        self.setAccessibleName(
            ", ".join(f"{_(step.label)}: {self.counts[step.score]}" for step in SCALE)
        )
        self.update()

    def _line(self) -> float:
        return QFontMetricsF(self.font()).height()

    def _face(self) -> float:
        return round(self._line() * FACE_LINES)

    def sizeHint(self) -> QSize:
        line, face = self._line(), self._face()
        height = line + line * BAR_LINES + face + line * 0.5
        return QSize(round(5 * face * 1.8), round(height))

    def minimumSizeHint(self) -> QSize:
        return QSize(round(5 * self._face() * 1.2), self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        line, face = self._line(), self._face()
        tallest = max(self.counts.values(), default=0)
        column = self.width() / len(SCALE)
        bar_room = line * BAR_LINES
        bar_bottom = line + bar_room
        text = self.palette().color(QPalette.ColorRole.WindowText)
        for index, step in enumerate(SCALE):
            count = self.counts[step.score]
            left = index * column
            centre = left + column / 2
            bar_width = min(column * 0.6, face)
            height = bar_room * count / tallest if tallest else 0.0
            height = max(height, 2.0)  # a zero still shows as a line at the base
            bar = QRectF(centre - bar_width / 2, bar_bottom - height, bar_width, height)
            painter.setPen(QPen(QColor(INK), 1.5))
            painter.setBrush(QColor(step.color))
            painter.drawRect(bar)
            painter.setPen(text)
            label = QRectF(left, bar.top() - line, column, line)
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, str(count))
            spot = QRectF(centre - face / 2, bar_bottom + line * 0.25, face, face)
            paint_face(painter, spot, step.score, QColor(step.color), QColor(INK))
        painter.end()
