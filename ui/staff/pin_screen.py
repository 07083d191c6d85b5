"""PIN entry in front of the admin panel, with the lock-out told in plain words."""

from __future__ import annotations

import math
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from kiosk.pin import PinGuard, pin_matches
from ui.i18n import _, ngettext
from ui.screens.base import label
from ui.staff.pin_pad import PinPad
from ui.tasks import Tasks


class PinScreen(QWidget):
    unlocked = Signal()
    cancelled = Signal()

    def __init__(self, guard: PinGuard, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.guard = guard
        self.tasks = tasks
        self.busy = False
        """True while the PIN's slow hash is being compared on a worker."""
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        self.title = label("title", center=True)
        self.message = label("subtitle", center=True)
        self.pad = PinPad()
        self.pad.submitted.connect(self._check)
        self.cancel = QPushButton()
        self.cancel.setObjectName("secondary")
        self.cancel.clicked.connect(self._cancel)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addWidget(self.pad, 1, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.cancel)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Staff PIN"))
        self.cancel.setText(_("Cancel"))
        self.cancel.setAccessibleName(_("Cancel"))
        self.pad.retranslate()

    def reset(self) -> None:
        self.pad.clear()
        locked = self.guard.locked_for()
        self.message.setText(self._locked_text(locked) if locked else _("Enter the staff PIN."))

    @staticmethod
    def _locked_text(seconds: float) -> str:
        n = max(1, math.ceil(seconds))
        return ngettext(
            "Too many wrong PINs. Try again in {n} second.",
            "Too many wrong PINs. Try again in {n} seconds.",
            n,
        ).format(n=n)

    def _check(self, pin: str) -> None:
        locked = self.guard.locked_for()
        if locked:
            self.message.setText(self._locked_text(locked))
            return
        stored = self.guard.stored_hash() or ""
        self.busy = True
        self.pad.setEnabled(False)
        self.tasks.run(partial(pin_matches, pin, stored), self._compared)

    def _compared(self, result: object) -> None:
        self.busy = False
        self.pad.setEnabled(True)
        attempt = self.guard.record(result is True)
        if attempt.ok:
            self.message.setText("")
            self.unlocked.emit()
        elif attempt.locked_for_s:
            self.message.setText(self._locked_text(attempt.locked_for_s))
        else:
            self.message.setText(_("Wrong PIN. Try again."))

    def _cancel(self) -> None:
        self.pad.clear()
        self.cancelled.emit()
