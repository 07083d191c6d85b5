"""When the kiosk's window first showed something: the process's age at its first frame.

Why: start-up time is what staff notice after every power cut and what a crashed kiosk's
citizens wait through; counting from the process start as the operating system records it
(before Python, before a bundle's bootloader) measures all of it. The kiosk logs the figure
at every start; ``kiosk --self-test`` reports it, and with ``UKUK_EXIT_AT_FIRST_FRAME`` set
the kiosk prints it and exits (``bench/cold_start.py``).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

PAINT = QEvent.Type.Paint
EXIT_AT_FIRST_FRAME = "UKUK_EXIT_AT_FIRST_FRAME"
"""When set (to anything but ""), the kiosk prints ``first-frame SECONDS`` and exits 0."""


def process_age_s() -> float | None:
    """Seconds since the operating system started this process (before Python, and before a
    bundle's bootloader), or None where that is not known."""
    if sys.platform == "linux":
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start, since boot
        return time.clock_gettime(time.CLOCK_BOOTTIME) - started
    if sys.platform == "win32":
        import ctypes
        from ctypes import wintypes

        kernel32 = ctypes.windll.kernel32
        created, ended, kernel, user, now = (wintypes.FILETIME() for _ in range(5))
        times = (ctypes.byref(each) for each in (created, ended, kernel, user))
        if not kernel32.GetProcessTimes(kernel32.GetCurrentProcess(), *times):
            return None
        kernel32.GetSystemTimePreciseAsFileTime(ctypes.byref(now))

        def ticks(moment: wintypes.FILETIME) -> int:  # 100 ns units
            return (moment.dwHighDateTime << 32) | moment.dwLowDateTime

        return (ticks(now) - ticks(created)) / 1e7
    return None


class FirstFrame(QObject):
    """Notes when the window's first frame is done: just after the first paint event reaches
    the window (a repaint paints the window first, then its children; a zero timer fires once
    the whole repaint has been flushed), then calls ``then`` (if any) with the monotonic
    moment.

    It watches the window alone, not the application: Qt for Python hands an application-wide
    filter every object and event as a Python object, and sets up the class of each it has
    not met before (the style's, with its many enum types, among them) before the first frame.
    """

    def __init__(self, window: QWidget, then: Callable[[float], None] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.then = then
        self.at: float | None = None
        self._seen = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._seen and event.type() == PAINT:
            self._seen = True
            self.window.removeEventFilter(self)
            QTimer.singleShot(0, self._done)
        return False

    def _done(self) -> None:
        self.at = time.monotonic()
        if self.then is not None:
            self.then(self.at)


def exit_at_first_frame() -> bool:
    return bool(os.environ.get(EXIT_AT_FIRST_FRAME))
