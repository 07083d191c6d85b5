"""Thank you (and, if a save failed, an apology that sends the citizen to staff)."""

from __future__ import annotations

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from common.theme import Theme
from kiosk.flow import Flow
from ui.i18n import _
from ui.icons import icon
from ui.metrics import Metrics
from ui.screens.base import PICTURE_SHARE, Screen, label
from ui.widgets.picture import Picture


class MessageScreen(Screen):
    """A big icon, a title and a line of text; no buttons, it returns to Welcome by itself."""

    ICON = "mdi6.check-circle"

    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(flow, parent)
        self._target = 56
        self._layout = QVBoxLayout(self)
        layout = self._layout
        layout.setContentsMargins(40, 40, 40, 40)
        layout.setSpacing(24)
        self.icon = Picture()
        self.title = label("title", center=True)
        self.text = label("subtitle", center=True)
        layout.addStretch(1)
        layout.addWidget(self.icon)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addStretch(2)
        self.retranslate()

    def apply_theme(self, theme: Theme, metrics: Metrics) -> None:
        margin = metrics.margin
        self._layout.setContentsMargins(margin, margin, margin, margin)
        self._layout.setSpacing(metrics.gap * 2)
        self._target = metrics.target
        self.icon.set_icon(icon(self.ICON, theme.primary), self._preferred_icon())

    def _preferred_icon(self) -> int:
        """Larger on a larger screen."""
        return max(self._target * 3, round(self.height() * PICTURE_SHARE))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.icon.set_preferred(self._preferred_icon())


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
