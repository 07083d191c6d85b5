"""Welcome: who is asking and why, in the citizen's language; a tap anywhere starts."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Signal
from PySide6.QtGui import QIcon, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from common.catalog import Text
from common.contrast import relative_luminance
from common.theme import Theme
from kiosk.flow import Flow
from ui.i18n import _
from ui.metrics import Metrics
from ui.qt_names import take_tab_focus
from ui.screens.base import PICTURE_SHARE, Screen, fit_column, label
from ui.widgets.picture import Picture

STAFF_HOLD_S = 3.0
TITLES = {"ka": "მოქალაქეთა უკუკავშირი", "en": "Citizens feedback"}
PLATE = "#FFFFFF"
"""Behind the emblem on a dark background, so its own (often dark) colours stay visible."""
DARK_BACKGROUND = 0.18
"""Relative luminance below which a background counts as dark."""


class ListenHint(QWidget):
    """The line that tells of Listen, behind the speaker symbol the Listen button shows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.icon = QLabel()
        self.text = label("subtitle")
        layout.addStretch(1)
        layout.addWidget(self.icon, 0)  # a label draws its picture centred top to bottom
        layout.addWidget(self.text, 0)
        layout.addStretch(1)

    def set_icon(self, icon: QIcon, side: int) -> None:
        self.icon.setPixmap(icon.pixmap(QSize(side, side), self.devicePixelRatioF()))


class WelcomeScreen(Screen):
    staff_requested = Signal()
    """The logo was held for :data:`STAFF_HOLD_S` seconds."""

    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(flow, parent)
        self._pressed: tuple[QPointF, float] | None = None
        self._municipality: Text | None = None
        self._target = 56
        self._layout = QVBoxLayout(self)
        layout = self._layout
        layout.setContentsMargins(40, 40, 40, 40)
        layout.setSpacing(24)
        self.logo = Picture()
        self.logo.setAccessibleName("logo")
        self.municipality = label("subtitle", center=True)
        self.title = label("title", center=True)
        self.other_title = label("subtitle", center=True)
        self.invite = label("subtitle", center=True)
        self.start = QPushButton()
        self.start.setObjectName("primary")
        take_tab_focus(self.start)
        self.start.clicked.connect(flow.start)
        self.listen_hint = ListenHint()
        self.listen_hint.hide()
        self._listen_available = False
        self._hint_look: tuple[str, int] = ("#000000", 30)
        self._hint_painted: tuple[str, int] | None = None
        layout.addStretch(2)
        layout.addWidget(self.logo)
        layout.addWidget(self.municipality)
        layout.addWidget(self.title)
        layout.addWidget(self.other_title)
        layout.addStretch(1)
        layout.addWidget(self.invite)
        start_row = QHBoxLayout()  # centred between stretches: no alignment flag needed
        start_row.addStretch(1)
        start_row.addWidget(self.start)
        start_row.addStretch(1)
        layout.addLayout(start_row)
        layout.addWidget(self.listen_hint)
        layout.addStretch(2)
        self.retranslate()

    def retranslate(self) -> None:
        self.invite.setText(
            _("Did you use a municipal program or service this year? Tell us how it went.")
        )
        self.start.setText(_("Tap to start"))
        self.start.setAccessibleName(_("Start"))
        self.listen_hint.text.setText(_("To hear the screen read aloud, tap “Listen” at the top."))

    def set_listen_available(self, available: bool) -> None:
        """Tell of Listen only where the tablet can speak (and staff offer it)."""
        self._listen_available = available
        if available:
            self._paint_hint()
        self.show_state(self.flow)

    def _tells_of_listen(self, flow: Flow) -> bool:
        """Not to a citizen who has found the header's buttons already: Listen is on, or "Aa"
        (beside it), whose larger look needs the room."""
        return self._listen_available and not flow.listen and not flow.large_text

    def show_state(self, flow: Flow) -> None:
        name = self._municipality or flow.catalog.municipality
        self.municipality.setText(name.get(flow.language))
        self.title.setText(TITLES[flow.language])
        other = "en" if flow.language == "ka" else "ka"
        self.other_title.setText(TITLES[other])
        self.listen_hint.setVisible(self._tells_of_listen(flow))
        self._fit()

    def apply_theme(self, theme: Theme, metrics: Metrics) -> None:
        margin = metrics.margin
        self._layout.setContentsMargins(margin, metrics.gap, margin, metrics.gap)
        self._layout.setSpacing(metrics.gap)
        self.logo.setVisible(theme.logo is not None)
        if theme.logo is not None:
            dark = relative_luminance(theme.background) < DARK_BACKGROUND
            self.logo.set_plate(PLATE if dark else None)
            self.logo.set_icon(QIcon(str(theme.logo)), metrics.target * 3, metrics.target)
        self._target = metrics.target
        self._municipality = theme.municipality
        self._hint_look = (theme.muted_text, round(metrics.body * 1.4))
        if self._listen_available:
            self._paint_hint()
        self._fit()

    def _paint_hint(self) -> None:
        """The speaker beside the line about Listen, drawn once Listen is offered (after the
        first frame) and again when the look changes."""
        if self._hint_painted != self._hint_look:
            from ui.widgets.speaker import speaker_icon  # with Listen's offer

            colour, side = self._hint_painted = self._hint_look
            self.listen_hint.set_icon(speaker_icon(colour, colour, side), side)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """The emblem grows with the screen; on a small screen the other language's title
        goes first, then the municipality's name (the header shows it too), then the line
        about Listen (the button itself stays in the header)."""
        self.logo.set_preferred(max(self._target * 3, round(self.height() * PICTURE_SHARE)))
        optional: list[QWidget] = [self.other_title, self.municipality]
        if self._tells_of_listen(self.flow):
            optional.append(self.listen_hint)
        fit_column(self._layout, self.width(), self.height(), optional)

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
        on_logo = self.logo.isVisible() and self.logo.picture_rect().contains(
            self.logo.mapFrom(self, start.toPoint())
        )
        if on_logo and held >= STAFF_HOLD_S and moved <= 40:
            self.staff_requested.emit()
        else:
            self.flow.start()
