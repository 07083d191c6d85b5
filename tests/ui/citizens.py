"""Citizens rating one after another on a real kiosk window, by its real controls.

Shared by the memory test (``tests/ui/test_memory.py``) and ``bench/memory_sessions.py``, so
the bench measures the sessions the test checks. A control is found by its accessible name in
the language on screen and clicked as a button is (``click()``: its ``clicked`` signal, what a
tap ends in); the flow's clock is fake, so timeouts pass at once. A save is waited for by
running Qt's event loop until its result arrives (it comes as a queued signal from the
writer thread), not by polling every 10 ms as ``qtbot.waitUntil`` does, which would double
the time of a long run. Sessions vary with their number: every service and face in turn,
some in English, some with reasons, some with a typed comment.
"""

from __future__ import annotations

import gc
import os
import time

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from kiosk.flow import Flow, Step
from tests.conftest import FakeClock
from ui import i18n

SAVE_TIMEOUT_S = 30


def resident_mib() -> float:
    """This process's resident memory (RSS) in MiB, after a garbage collection (Linux)."""
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


FACES = ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied")
COMMENTS = {"ka": "კი", "en": "ok"}


class Citizens:
    def __init__(self, window: QWidget, flow: Flow, clock: FakeClock) -> None:
        self.window = window
        self.flow = flow
        self.clock = clock
        self.services = flow.services()

    def button(self, name: str) -> QAbstractButton:
        for widget in self.window.findChildren(QAbstractButton):
            if widget.accessibleName() == name and widget.isVisible():
                return widget
        raise LookupError(f"no visible control named {name!r} on {self.flow.step}")

    def tap(self, name: str) -> None:
        self.clock.advance(0.7)
        self.button(name).click()

    def tap_saving(self, name: str) -> None:
        """Tap a control that saves a record, and wait until the flow has its result."""
        self.tap(name)
        deadline = time.monotonic() + SAVE_TIMEOUT_S
        while self.flow.saving or self.flow.in_flight:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer to a save at {self.flow.step}")
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 100)

    def expect(self, step: Step) -> None:
        if self.flow.step is not step:
            raise AssertionError(f"at {self.flow.step}, expected {step}")

    def session(self, number: int) -> None:
        """One citizen, from Welcome back to Welcome past the cooldown."""
        flow = self.flow
        if number % 4 == 1:
            self.tap("English")
        language = flow.language
        self.tap(i18n._("Start"))
        self.expect(Step.CHOOSE)
        service = self.services[number % len(self.services)]
        self.tap(service.name.get(language))
        self.expect(Step.RATE)
        self.tap_saving(i18n._(FACES[number % 5]))
        if flow.step is Step.REASONS:
            if number % 3 == 0:
                self.tap(flow.reasons()[0].text.get(language))
                self.tap_saving(i18n._("Next"))
            else:
                self.tap(i18n._("Skip"))
        self.expect(Step.COMMENT)
        if number % 10 == 0:
            for letter in COMMENTS[language]:
                self.tap(letter)
            self.tap_saving(i18n._("Send"))
        else:
            self.tap(i18n._("Skip"))
        self.expect(Step.THANKS)
        self.clock.advance(flow.config.thanks_s + 1)
        flow.tick()
        self.expect(Step.WELCOME)
        self.clock.advance(flow.config.cooldown_s + 1)

    def run(self, count: int, first: int = 0) -> None:
        for number in range(first, first + count):
            self.session(number)
