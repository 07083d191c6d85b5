"""What every citizen screen has: a background, texts to re-read, and a view of the flow."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from common.theme import Theme
from kiosk.flow import Flow


class Screen(QWidget):
    """A thin view: shows :class:`Flow` state and feeds it taps, holds no state of its own."""

    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = flow
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)

    def retranslate(self) -> None:
        """Re-read every text after a language change."""

    def show_state(self, flow: Flow) -> None:
        """Show the flow's current state."""

    def apply_theme(self, theme: Theme, icon_size: int) -> None:
        """Recolour what a style sheet cannot reach (icons)."""


def label(object_name: str, wrap: bool = True, center: bool = False) -> QLabel:
    widget = QLabel()
    widget.setObjectName(object_name)
    widget.setWordWrap(wrap)
    if center:
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return widget
