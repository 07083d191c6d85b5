"""Kiosk lockdown: what keeps a citizen inside the app and the tablet awake.

- :class:`KeyGuard` swallows the usual ways out (Alt+F4, Ctrl+W/Q, Escape, F11 …) while the
  citizen screens are shown; staff screens get their keys back.
- :func:`inhibit_screensaver` asks the desktop not to blank the screen while the app runs
  (the freedesktop ScreenSaver D-Bus service on Linux, ``SetThreadExecutionState`` on Windows).
OS-level settings that complete the lockdown are in ``docs/deploy.md``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import cache

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent

log = logging.getLogger("ui.lockdown")

GUARDED_EVENTS = (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
"""What the guard looks at; every other event (there is one for each paint, each move of
the pointer …) passes at once."""


@cache
def escapes() -> tuple[frozenset[QtCore.Qt.Key], QtCore.Qt.KeyboardModifier]:
    """The keys, and the modifiers, that could close, switch away from, or reconfigure the
    app; read from Qt's namespace at the first key, not at import (``ui.qt_names``)."""
    qt = QtCore.Qt
    keys = frozenset(
        {
            qt.Key.Key_Escape,
            qt.Key.Key_F4,
            qt.Key.Key_F11,
            qt.Key.Key_Close,
            qt.Key.Key_Super_L,
            qt.Key.Key_Super_R,
            qt.Key.Key_Meta,
        }
    )
    modifiers = (
        qt.KeyboardModifier.ControlModifier
        | qt.KeyboardModifier.AltModifier
        | qt.KeyboardModifier.MetaModifier
    )
    return keys, modifiers


def is_escape_key(event: QKeyEvent) -> bool:
    """Keys and shortcuts that could close, switch away from, or reconfigure the app."""
    keys, modifiers = escapes()
    return event.key() in keys or bool(event.modifiers() & modifiers)


class KeyGuard(QObject):
    """An application-wide filter; ``locked()`` says whether citizens are at the screen."""

    def __init__(self, locked: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.locked = locked
        self.refused = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in GUARDED_EVENTS or not self.locked():
            return False
        assert isinstance(event, QKeyEvent)
        if is_escape_key(event):
            self.refused += 1
            event.accept()
            return True
        return False


class ScreensaverInhibitor:
    """Keeps the screen on while the kiosk runs; ``release`` lets it sleep again."""

    def __init__(self) -> None:
        self._cookie: int | None = None
        self._windows = False

    def inhibit(self) -> bool:
        if sys.platform == "win32":
            import ctypes

            es_continuous, es_display_required = 0x80000000, 0x00000002
            ctypes.windll.kernel32.SetThreadExecutionState(  # type: ignore[attr-defined]
                es_continuous | es_display_required
            )
            self._windows = True
            return True
        try:
            from PySide6.QtDBus import QDBusConnection, QDBusInterface
        except ImportError:  # pragma: no cover - QtDBus ships with PySide6-Essentials
            return False
        bus = QDBusConnection.sessionBus()
        if not bus.isConnected():
            log.info("no D-Bus session; the screen saver is not inhibited (see docs/deploy.md)")
            return False
        iface = QDBusInterface(
            "org.freedesktop.ScreenSaver",
            "/org/freedesktop/ScreenSaver",
            "org.freedesktop.ScreenSaver",
            bus,
        )
        reply = iface.call("Inhibit", "Ukukavshiri", "Citizens feedback kiosk is running")
        arguments = reply.arguments()
        if not arguments:
            log.info("the desktop has no screen saver service; nothing to inhibit")
            return False
        self._cookie = int(arguments[0])
        return True

    def release(self) -> None:
        if self._windows:
            import ctypes

            ctypes.windll.kernel32.SetThreadExecutionState(0x80000000)  # type: ignore[attr-defined]
            self._windows = False
        if self._cookie is None:
            return
        from PySide6.QtDBus import QDBusConnection, QDBusInterface

        iface = QDBusInterface(
            "org.freedesktop.ScreenSaver",
            "/org/freedesktop/ScreenSaver",
            "org.freedesktop.ScreenSaver",
            QDBusConnection.sessionBus(),
        )
        iface.call("UnInhibit", self._cookie)
        self._cookie = None
