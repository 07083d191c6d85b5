"""A number pad for PINs: large keys in even columns, masked display, no physical keyboard
needed."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ui.i18n import N_, _

MAX_DIGITS = 12
KEY_ASPECT = 1.5
"""Width of a key against its height: wide enough for a thumb, narrow enough to aim."""

PIN_PROBLEMS = (
    N_("The PIN must be digits only."),
    N_("The PIN must have at least 6 digits."),
    N_("The PIN is too easy to guess."),
    N_("The two PINs are not the same."),
)
"""The core's :class:`~kiosk.pin.PinError` messages, marked here so staff read them translated."""


class PinPad(QWidget):
    """Digits and "Delete" as on a phone, "Confirm" as wide as the pad below them; emits
    ``submitted`` with the digits typed."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._digits = ""
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        self.display = QLabel()
        self.display.setObjectName("pinDisplay")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.display)
        self.grid = QGridLayout()
        self.grid.setSpacing(10)
        self.keys: list[QPushButton] = []
        for index, digit in enumerate("123456789"):
            self.grid.addWidget(self._key(digit), index // 3, index % 3)
        self.delete = self._button("secondary", self.backspace)
        self.ok = self._button("primary", self.submit)
        self.grid.addWidget(self._key("0"), 3, 1)
        self.grid.addWidget(self.delete, 3, 2)
        self.grid.addWidget(self.ok, 4, 0, 1, 3)
        for column in range(3):
            self.grid.setColumnStretch(column, 1)
        layout.addLayout(self.grid)
        self.retranslate()
        self._show()

    def _button(self, name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton()
        button.setObjectName(name)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        button.clicked.connect(slot)
        button.installEventFilter(self)
        self.keys.append(button)
        return button

    def _key(self, digit: str) -> QPushButton:
        button = self._button("secondary", partial(self.type_digit, digit))
        button.setText(digit)
        button.setAccessibleName(digit)
        return button

    def retranslate(self) -> None:
        self.delete.setText(_("Delete"))
        self.delete.setAccessibleName(_("Delete"))
        self.ok.setText(_("Confirm"))
        self.ok.setAccessibleName(_("Confirm"))
        self._even_columns()

    def _even_columns(self) -> None:
        """Every column as wide as the widest key needs, so the keys line up in a grid."""
        for key in self.keys:
            key.ensurePolished()
        height = max(key.minimumHeight() for key in self.keys)
        widest = max(
            key.fontMetrics().horizontalAdvance(key.text()) + key.fontMetrics().height()
            for key in self.keys
            if key is not self.ok  # it spans all three columns
        )
        widest = max(widest, self.ok.fontMetrics().horizontalAdvance(self.ok.text()) // 3)
        width = max(round(height * KEY_ASPECT), widest)
        for column in range(3):
            self.grid.setColumnMinimumWidth(column, width)
        self.display.setMinimumWidth(3 * width + 2 * self.grid.horizontalSpacing())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A key restyled (the window's size class changed): widen the columns to match."""
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._even_columns()
        return False

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Polish:
            self._even_columns()
        return super().event(event)

    def type_digit(self, digit: str) -> None:
        if len(self._digits) < MAX_DIGITS:
            self._digits += digit
            self._show()

    def backspace(self) -> None:
        self._digits = self._digits[:-1]
        self._show()

    def clear(self) -> None:
        self._digits = ""
        self._show()

    def submit(self) -> None:
        digits, self._digits = self._digits, ""
        self._show()
        self.submitted.emit(digits)

    def _show(self) -> None:
        self.display.setText("● " * len(self._digits) or "—")
        self.display.setAccessibleName(
            _("Digits typed: {n}").format(n=len(self._digits)) if self._digits else ""
        )
