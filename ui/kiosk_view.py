"""What the Listen guide and its narration see of the kiosk window.

Why a protocol: the window makes the guide, and the guide reads the window's parts (the
header, the screens, the "Still there?" prompt); naming those parts here, rather than
importing the window's class, keeps ``ui.app`` → ``ui.guide`` → ``ui.narration`` one way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtWidgets import QWidget

from kiosk.flow import Flow, Step
from ui.header import Header
from ui.screens.base import Screen
from ui.screens.still_there import StillThereOverlay


class ScreenSet(Protocol):
    """The citizen screens by step, each made when first asked for (``ui.app.Screens``)."""

    def __getitem__(self, step: Step, /) -> Screen: ...

    def when_made(self, hook: Callable[[Step, Screen], None]) -> None: ...


class KioskView(Protocol):
    """The kiosk window as the guide and the narrator use it."""

    @property
    def flow(self) -> Flow: ...

    @property
    def header(self) -> Header: ...

    @property
    def overlay(self) -> StillThereOverlay: ...

    @property
    def citizen_page(self) -> QWidget: ...

    @property
    def screens(self) -> ScreenSet: ...

    def current_screen(self) -> Screen: ...

    def citizens_at_screen(self) -> bool: ...

    def isVisible(self) -> bool: ...
