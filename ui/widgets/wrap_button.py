"""A touch button whose text wraps onto several lines, with an optional icon.

``QPushButton`` draws its text on one line, which clips long Georgian service names on a
portrait tablet. This button lays out an icon and a word-wrapped label inside itself and
reports the height its text needs for a given width.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget


class WrapButton(QPushButton):
    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAutoRepeat(False)
        self._icon = QLabel(self)
        self._icon.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._icon.hide()
        self._label = QLabel(self)
        self._label.setWordWrap(True)
        self._label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(16, 10, 16, 10)
        self._layout.setSpacing(16)
        self._layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignVCenter)
        self._layout.addWidget(self._label, 1)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.toggled.connect(self._mark_checked)

    def set_text(self, text: str) -> None:
        """Show ``text`` and make it the accessible name, so a screen reader says the same."""
        self._label.setText(text)
        self.setAccessibleName(text)
        self.updateGeometry()

    def text_shown(self) -> str:
        return self._label.text()

    def set_icon(self, icon: QIcon, size: int) -> None:
        self._icon.setPixmap(icon.pixmap(QSize(size, size)))
        self._icon.setFixedSize(size, size)
        self._icon.show()

    def set_alignment(self, alignment: Qt.AlignmentFlag) -> None:
        self._label.setAlignment(alignment)

    def _mark_checked(self, checked: bool) -> None:
        # Style sheets don't re-match children when the button's state changes; a property does.
        self._label.setProperty("checked", checked)
        self._label.style().unpolish(self._label)
        self._label.style().polish(self._label)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max(self.minimumHeight(), self._layout.totalHeightForWidth(width))

    def sizeHint(self) -> QSize:
        hint = self._layout.totalSizeHint()
        return QSize(hint.width(), max(hint.height(), self.minimumHeight()))

    def minimumSizeHint(self) -> QSize:
        return QSize(self.minimumHeight(), self.minimumHeight())
