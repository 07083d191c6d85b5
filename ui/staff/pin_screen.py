"""PIN entry in front of the admin panel, with the lock-out told in plain words."""

from __future__ import annotations

import math
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.pin import PinGuard, pin_matches
from ui.i18n import _, ngettext
from ui.screens.base import label
from ui.staff.layout import Reflow, StaffPage, show_message
from ui.staff.pin_pad import PinPad
from ui.tasks import Tasks


class PinEntry(Reflow):
    """A title and a message beside the pad on a landscape screen, above it on a portrait one;
    whatever else the page adds (a counter, a hint) goes into ``texts`` too."""

    def __init__(self, parent: QWidget | None = None) -> None:
        words = QWidget()
        self.texts = QVBoxLayout(words)
        self.texts.setContentsMargins(0, 0, 0, 0)
        self.title = label("title")
        self.message: QLabel = label("subtitle")
        self.texts.addWidget(self.title)
        self.texts.addWidget(self.message)
        self.texts.addStretch(1)
        self.pad = PinPad()
        super().__init__(words, self.pad, parent)


class PinScreen(StaffPage):
    unlocked = Signal()
    cancelled = Signal()

    def __init__(self, guard: PinGuard, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.guard = guard
        self.tasks = tasks
        self.busy = False
        """True while the PIN's slow hash is being compared on a worker."""
        self.entry = PinEntry()
        self.title = self.entry.title
        self.message = self.entry.message
        self.pad = self.entry.pad
        self.pad.submitted.connect(self._check)
        self.cancel = QPushButton()
        self.cancel.setObjectName("secondary")
        self.cancel.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel.clicked.connect(self._cancel)
        self.column.addWidget(self.entry)
        self.footer.addWidget(self.cancel)
        self.finish()
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Staff PIN"))
        self.cancel.setText(_("Cancel"))
        self.cancel.setAccessibleName(_("Cancel"))
        self.pad.retranslate()

    def reset(self) -> None:
        """Ready for staff: empty pad, texts in the language Welcome was showing."""
        self.retranslate()
        self.pad.clear()
        locked = self.guard.locked_for()
        if locked:
            show_message(self.message, self._locked_text(locked), error=True)
        else:
            show_message(self.message, _("Enter the staff PIN."))

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
            show_message(self.message, self._locked_text(locked), error=True)
            return
        stored = self.guard.stored_hash() or ""
        self.busy = True
        self.pad.setEnabled(False)
        show_message(self.message, _("Checking…"))
        self.tasks.run(partial(pin_matches, pin, stored), self._compared)

    def _compared(self, result: object) -> None:
        self.busy = False
        self.pad.setEnabled(True)
        attempt = self.guard.record(result is True)
        if attempt.ok:
            show_message(self.message, "")
            self.unlocked.emit()
        elif attempt.locked_for_s:
            show_message(self.message, self._locked_text(attempt.locked_for_s), error=True)
        else:
            show_message(self.message, _("Wrong PIN. Try again."), error=True)

    def _cancel(self) -> None:
        self.pad.clear()
        self.cancelled.emit()
