"""A number pad for PINs: large keys, masked display, no physical keyboard needed."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.i18n import N_, _

MAX_DIGITS = 12

PIN_PROBLEMS = (
    N_("The PIN must be digits only."),
    N_("The PIN must have at least 6 digits."),
    N_("The PIN is too easy to guess."),
    N_("The two PINs are not the same."),
)
"""The core's :class:`~kiosk.pin.PinError` messages, marked here so staff read them translated."""


class PinPad(QWidget):
    """Digits, "Delete" and "OK"; emits ``submitted`` with the digits typed."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._digits = ""
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        self.display = QLabel()
        self.display.setObjectName("title")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.display)
        grid = QGridLayout()
        grid.setSpacing(10)
        for index, digit in enumerate("123456789"):
            grid.addWidget(self._key(digit), index // 3, index % 3)
        self.delete = self._button("secondary", self.backspace)
        self.ok = self._button("primary", self.submit)
        grid.addWidget(self.delete, 3, 0)
        grid.addWidget(self._key("0"), 3, 1)
        grid.addWidget(self.ok, 3, 2)
        layout.addLayout(grid)
        self.retranslate()
        self._show()

    def _button(self, name: str, slot: object) -> QPushButton:
        button = QPushButton()
        button.setObjectName(name)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        return button

    def _key(self, digit: str) -> QPushButton:
        button = self._button("secondary", partial(self.type_digit, digit))
        button.setText(digit)
        button.setAccessibleName(digit)
        return button

    def retranslate(self) -> None:
        self.delete.setText(_("Delete"))
        self.delete.setAccessibleName(_("Delete"))
        self.ok.setText(_("OK"))
        self.ok.setAccessibleName(_("OK"))

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
