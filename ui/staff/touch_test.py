"""A touch test for checking a screen after installation: every tap leaves a mark."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QTouchEvent
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from ui.i18n import _


class TouchCanvas(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[QPointF] = []
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAccessibleName(_("Touch test area"))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.points.append(event.position())
        self.update()

    def event(self, event: QEvent) -> bool:
        if isinstance(event, QTouchEvent) and event.type() == QTouchEvent.Type.TouchBegin:
            self.points.extend(p.position() for p in event.points())
            self.update()
            event.accept()
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#FFFFFF"))
        grid = QPen(QColor("#C0C8D0"), 1)
        painter.setPen(grid)
        step = 80
        for x in range(0, self.width(), step):
            painter.drawLine(x, 0, x, self.height())
        for y in range(0, self.height(), step):
            painter.drawLine(0, y, self.width(), y)
        painter.setPen(QPen(QColor("#C62828"), 4))
        for point in self.points[-200:]:
            painter.drawLine(point - QPointF(20, 0), point + QPointF(20, 0))
            painter.drawLine(point - QPointF(0, 20), point + QPointF(0, 20))
            painter.drawEllipse(point, 12, 12)


class TouchTest(QWidget):
    done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.canvas = TouchCanvas()
        finish = QPushButton(_("Finish touch test"))
        finish.setObjectName("primary")
        finish.setAccessibleName(_("Finish touch test"))
        finish.clicked.connect(self.done)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(finish)

    def reset(self) -> None:
        self.canvas.points.clear()
        self.canvas.update()
