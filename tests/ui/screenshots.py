"""Saving screenshots people look at, and the checks that no visible text is cut off and no
visible control lies outside the screen."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextEdit,
    QWidget,
)
from pytestqt.exceptions import TimeoutError as QtBotTimeout


def clipped_labels(window) -> list[str]:
    """Visible labels and buttons whose text needs more room than they were given."""
    bad = []
    for push in window.findChildren(QPushButton):
        if push.isVisible() and push.text():
            # keyboard keys draw their label in a font of their own, fitted to the key, with
            # no padding; other buttons keep a little padding beside their text
            font = getattr(push, "label_font", None)
            metrics = QFontMetrics(font) if font is not None else push.fontMetrics()
            needed = metrics.horizontalAdvance(push.text().replace("&&", "&"))
            if needed > push.width() - (2 if font is not None else 8):
                bad.append(f"button {push.text()!r}: needs {needed}px, has {push.width()}")
    for label in window.findChildren(QLabel):
        if not label.isVisible() or not label.text():
            continue
        room = label.contentsRect()
        if label.wordWrap():
            words = re.split(r"[\s\u200b]+", label.text().strip())
            widest = max(label.fontMetrics().horizontalAdvance(w) for w in words)
            if widest > room.width() + 1:
                bad.append(f"{label.text()!r}: a word needs {widest}px, has {room.width()}")
            needed = label.heightForWidth(label.width())
            if needed > label.height() + 1:
                bad.append(f"{label.text()!r}: needs {needed}px high, has {room.height()}")
        else:
            needed = label.fontMetrics().horizontalAdvance(label.text())
            if needed > room.width() + 1:
                bad.append(f"{label.text()!r}: needs {needed}px wide, has {room.width()}")
    return bad


CONTROLS = (QAbstractButton, QLineEdit, QTextEdit, QLabel)
"""What a person must be able to see or reach."""


def _reachable_rect(widget: QWidget, window: QWidget) -> QRect:
    """Where ``widget`` is in ``window``; inside a scroll area, the area's viewport stands for
    it (it can be scrolled into view, so only the area itself must be on the screen)."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea):
            viewport = parent.viewport()
            return QRect(viewport.mapTo(window, QPoint(0, 0)), viewport.size())
        parent = parent.parentWidget()
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def offscreen_controls(window: QWidget, screen: QSize) -> list[str]:
    """Visible controls not wholly on a ``screen``-sized display showing ``window`` at its
    top-left corner, and the window itself when it grew larger than the screen."""
    bad = []
    if window.width() > screen.width() or window.height() > screen.height():
        bad.append(
            f"window {window.width()}x{window.height()} > screen {screen.width()}x{screen.height()}"
        )
    area = QRect(QPoint(0, 0), screen)
    for control in window.findChildren(QWidget):
        if not isinstance(control, CONTROLS) or not control.isVisible():
            continue
        if isinstance(control, QLabel) and not control.text() and control.pixmap().isNull():
            continue
        rect = _reachable_rect(control, window)
        if not area.contains(rect):
            name = getattr(control, "text", lambda: "")() or control.objectName()
            bad.append(f"{type(control).__name__} {name!r} at {rect.getRect()} is off-screen")
    return bad


def settle(turns: int = 5) -> None:
    """Let pending layout requests and resizes run, as they do before a screen is painted."""
    for _ in range(turns):
        QApplication.sendPostedEvents()
        QApplication.processEvents()


class Screenshots:
    """``shots("name")`` saves ``<prefix>-NN-name.png`` once no text is clipped, or fails."""

    def __init__(
        self, folder: Path, prefix: str, window: QWidget, qtbot, screen: QSize | None = None
    ) -> None:
        self.folder = folder
        self.screen = screen or QSize(window.size())
        self.prefix = prefix
        self.window = window
        self.qtbot = qtbot
        self.names: list[str] = []

    def __call__(self, name: str) -> None:
        # Layouts settle over a few event-loop turns; text still clipped after that fails.
        settle()
        with contextlib.suppress(QtBotTimeout):
            self.qtbot.waitUntil(lambda: not self.problems(), timeout=2000)
        path = self.folder / f"{self.prefix}-{len(self.names) + 1:02d}-{name}.png"
        assert self.window.grab().save(str(path))
        problems = self.problems()
        assert problems == [], f"{name}: {problems}"
        self.names.append(name)

    def problems(self) -> list[str]:
        return clipped_labels(self.window) + offscreen_controls(self.window, self.screen)
