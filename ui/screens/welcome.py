"""Welcome: who is asking and why, in the citizen's language; a tap anywhere starts."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QMouseEvent
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from common.catalog import Text
from common.theme import Theme
from kiosk.flow import Flow
from ui.i18n import _
from ui.screens.base import Screen, label

STAFF_HOLD_S = 3.0
TITLES = {"ka": "მოქალაქეთა უკუკავშირი", "en": "Citizens feedback"}


class WelcomeScreen(Screen):
    staff_requested = Signal()
    """The logo was held for :data:`STAFF_HOLD_S` seconds."""

    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(flow, parent)
        self._pressed: tuple[QPointF, float] | None = None
        self._municipality: Text | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 40, 40, 40)
        layout.setSpacing(24)
        self.logo = QLabel()
        self.logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo.setAccessibleName("logo")
        self.municipality = label("subtitle", center=True)
        self.title = label("title", center=True)
        self.other_title = label("subtitle", center=True)
        self.invite = label("subtitle", center=True)
        self.start = QPushButton()
        self.start.setObjectName("primary")
        self.start.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.start.clicked.connect(flow.start)
        layout.addStretch(2)
        layout.addWidget(self.logo)
        layout.addWidget(self.municipality)
        layout.addWidget(self.title)
        layout.addWidget(self.other_title)
        layout.addStretch(1)
        layout.addWidget(self.invite)
        layout.addWidget(self.start, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.retranslate()

    def retranslate(self) -> None:
        self.invite.setText(
            _("Did you use a municipal program or service this year? Tell us how it went.")
        )
        self.start.setText(_("Tap to start"))
        self.start.setAccessibleName(_("Start"))

    def show_state(self, flow: Flow) -> None:
        name = self._municipality or flow.catalog.municipality
        self.municipality.setText(name.get(flow.language))
        self.title.setText(TITLES[flow.language])
        other = "en" if flow.language == "ka" else "ka"
        self.other_title.setText(TITLES[other])

    def apply_theme(self, theme: Theme, icon_size: int) -> None:
        size = icon_size * 3
        self.logo.setVisible(theme.logo is not None)
        if theme.logo is not None:
            self.logo.setPixmap(QIcon(str(theme.logo)).pixmap(QSize(size, size)))
        self._municipality = theme.municipality

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pressed = (event.position(), self.flow.clock())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """A tap anywhere starts; holding the logo for three seconds is the staff's way in."""
        event.accept()
        if self._pressed is None:
            return
        (start, since), self._pressed = self._pressed, None
        held = self.flow.clock() - since
        moved = (event.position() - start).manhattanLength()
        on_logo = self.logo.isVisible() and self.logo.geometry().contains(start.toPoint())
        if on_logo and held >= STAFF_HOLD_S and moved <= 40:
            self.staff_requested.emit()
        else:
            self.flow.start()
