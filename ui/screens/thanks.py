"""Thank you (and, if a save failed, an apology that sends the citizen to staff)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from common.theme import Theme
from kiosk.flow import Flow
from ui.i18n import _
from ui.icons import icon
from ui.screens.base import Screen, label


class MessageScreen(Screen):
    """A big icon, a title and a line of text; no buttons, it returns to Welcome by itself."""

    ICON = "mdi6.check-circle"

    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(flow, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 40, 40, 40)
        layout.setSpacing(24)
        self.icon = QLabel()
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = label("title", center=True)
        self.text = label("subtitle", center=True)
        layout.addStretch(1)
        layout.addWidget(self.icon)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addStretch(2)
        self.retranslate()

    def apply_theme(self, theme: Theme, icon_size: int) -> None:
        self.icon.setPixmap(icon(self.ICON, theme.primary).pixmap(icon_size * 3))


class ThanksScreen(MessageScreen):
    def retranslate(self) -> None:
        self.title.setText(_("Thank you!"))
        self.text.setText(
            _("Your answer is saved. It helps the municipality plan next year's programs.")
        )


class ErrorScreen(MessageScreen):
    ICON = "mdi6.alert-circle"

    def retranslate(self) -> None:
        self.title.setText(_("Sorry, something went wrong"))
        self.text.setText(
            _("Your answer could not be saved. Please tell a member of staff. Thank you!")
        )
