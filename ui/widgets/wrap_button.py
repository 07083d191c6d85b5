"""A touch button whose text wraps onto several lines, with an optional icon or check mark.

``QPushButton`` draws its text on one line, which clips long Georgian service names on a
portrait tablet. This button lays out an icon and a word-wrapped label inside itself and
reports the height its text needs for a given width. A checkable one shows an empty box or a
check mark, so its state is never told by colour alone.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

BORDER_PX = 2
"""The style sheet's border; the text's padding is counted inside it."""


class WrapButton(QPushButton):
    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # keys reach it; a tap leaves focus alone
        self.setAutoRepeat(False)
        self._icon = QLabel(self)
        self._icon.setObjectName("buttonIcon")
        self._icon.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._icon.hide()
        self._marks: tuple[QPixmap, QPixmap, int] | None = None
        """The empty box and the check mark, drawn once: a chip shows one or the other at
        every tap."""
        self._label = QLabel(self)
        self._label.setWordWrap(True)
        self._label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._layout = QHBoxLayout(self)
        self.set_padding(16)
        self._layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignVCenter)
        self._layout.addWidget(self._label, 1)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.toggled.connect(self._mark_checked)

    def set_padding(self, pad: int) -> None:
        """Keep ``pad`` pixels between the border and the text on every side."""
        inside = pad + BORDER_PX
        self._layout.setContentsMargins(inside, inside, inside, inside)
        self._layout.setSpacing(pad)
        self.updateGeometry()

    def set_text(self, text: str) -> None:
        """Show ``text`` and make it the accessible name, so a screen reader says the same."""
        self._label.setText(text)
        self.setAccessibleName(text)
        self.updateGeometry()

    def text_shown(self) -> str:
        return self._label.text()

    def text_label(self) -> QLabel:
        return self._label

    def indicator(self) -> QLabel:
        """The icon or check mark beside the text."""
        return self._icon

    def set_icon(self, icon: QIcon, size: int) -> None:
        self._show_pixmap(self._drawn(icon, size), size)

    def _drawn(self, icon: QIcon, size: int) -> QPixmap:
        return icon.pixmap(QSize(size, size), self.devicePixelRatioF())

    def _show_pixmap(self, pixmap: QPixmap, size: int) -> None:
        self._icon.setPixmap(pixmap)
        self._icon.setFixedSize(size, size)
        self._icon.show()
        self.updateGeometry()

    def set_check_marks(self, unchecked: QIcon, checked: QIcon, size: int) -> None:
        """Show ``unchecked`` (an empty box) or ``checked`` (a check mark) beside the text."""
        self._marks = (self._drawn(unchecked, size), self._drawn(checked, size), size)
        self._show_mark()

    def set_alignment(self, alignment: Qt.AlignmentFlag) -> None:
        self._label.setAlignment(alignment)

    def longest_word(self, text: str) -> int:
        """Pixels the widest word of ``text`` needs in this button's label font."""
        metrics = QFontMetrics(self._label.font())
        return max((metrics.horizontalAdvance(word) for word in text.split()), default=0)

    def chrome_width(self) -> int:
        """Width the button takes besides its text: padding, border, icon."""
        margins = self._layout.contentsMargins()
        width = margins.left() + margins.right()
        if not self._icon.isHidden():
            width += self._icon.width() + self._layout.spacing()
        return width

    def _show_mark(self) -> None:
        if self._marks is None:
            return
        unchecked, checked, size = self._marks
        self._show_pixmap(checked if self.isChecked() else unchecked, size)
        self._icon.setProperty("mark", "check" if self.isChecked() else "box")

    def _mark_checked(self, checked: bool) -> None:
        # Style sheets don't re-match children when the button's state changes; a property does.
        self._label.setProperty("checked", checked)
        self._label.style().unpolish(self._label)
        self._label.style().polish(self._label)
        self._show_mark()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max(self.minimumHeight(), self._layout.totalHeightForWidth(width))

    def sizeHint(self) -> QSize:
        hint = self._layout.totalSizeHint()
        return QSize(hint.width(), max(hint.height(), self.minimumHeight()))

    def minimumSizeHint(self) -> QSize:
        return QSize(self.minimumHeight(), self.minimumHeight())
