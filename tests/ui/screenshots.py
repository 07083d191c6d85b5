"""Saving screenshots people look at, and the check that no visible text is cut off."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.exceptions import TimeoutError as QtBotTimeout


def clipped_labels(window) -> list[str]:
    """Visible labels and buttons whose text needs more room than they were given."""
    bad = []
    for push in window.findChildren(QPushButton):
        if push.isVisible() and push.text() and push.objectName() != "keyboardKey":
            needed = push.fontMetrics().horizontalAdvance(push.text().replace("&&", "&"))
            if needed > push.width() - 8:
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


class Screenshots:
    """``shots("name")`` saves ``<prefix>-NN-name.png`` once no text is clipped, or fails."""

    def __init__(self, folder: Path, prefix: str, window: QWidget, qtbot) -> None:
        self.folder = folder
        self.prefix = prefix
        self.window = window
        self.qtbot = qtbot
        self.names: list[str] = []

    def __call__(self, name: str) -> None:
        # Layouts settle over a few event-loop turns; text still clipped after that fails.
        with contextlib.suppress(QtBotTimeout):
            self.qtbot.waitUntil(lambda: not clipped_labels(self.window), timeout=2000)
        path = self.folder / f"{self.prefix}-{len(self.names) + 1:02d}-{name}.png"
        assert self.window.grab().save(str(path))
        assert clipped_labels(self.window) == [], name
        self.names.append(name)
