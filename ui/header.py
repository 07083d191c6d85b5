"""The bar on top of every citizen screen: back, the municipality, Listen (with its volume while
it is on), "Aa", and the language switch, which is always visible so a citizen can change
language at any step.

Where one row cannot hold every button (a narrow portrait tablet, "Aa", long Georgian words),
"Aa" and the languages move to a second row instead of being squeezed or pushing the window
wider than the screen.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from common.catalog import Text
from common.theme import Theme
from kiosk.flow import Flow, Step
from ui.i18n import _
from ui.metrics import Metrics
from ui.qt_names import take_tab_focus

LANGUAGE_NAMES = {"ka": "ქართული", "en": "English"}
"""Each language is named in itself, so a citizen finds their own."""


def _header_button(text: str = "", checkable: bool = False) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName("headerButton")
    take_tab_focus(button)
    button.setCheckable(checkable)
    return button


class Header(QFrame):
    """A frame for its style-sheet background, as :class:`~ui.screens.base.Screen`."""

    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = flow
        self.municipality: Text | None = None
        """The theme's municipality name, when it has one."""
        self.listen_available = False
        """Set when this tablet can speak and staff offer Listen."""
        self.two_rows = False
        self.setObjectName("header")
        self._layout = QVBoxLayout(self)
        self._top = QHBoxLayout()
        self._bottom = QHBoxLayout()
        self._layout.addLayout(self._top)
        self._layout.addLayout(self._bottom)
        self.back = _header_button()
        self._back_colour = "#ffffff"
        self._back_arrow: str | None = None
        """The colour the arrow on "Back" was drawn in, or None before it was first shown."""
        self._speaker_look: tuple[str, str, int] = ("#ffffff", "#000000", 28)
        self._speakers: tuple[str, str, int] | None = None
        """The look the speaker symbols were drawn in, or None before Listen was offered."""
        self.back.clicked.connect(flow.back)
        self.title = QLabel()
        self.title.setObjectName("headerTitle")
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.listen = _header_button(checkable=True)
        self.listen.clicked.connect(flow.toggle_listen)
        self.quieter = _header_button()
        self.louder = _header_button()
        self.large_text = _header_button("Aa", checkable=True)
        self.large_text.clicked.connect(flow.toggle_large_text)
        self.languages: dict[str, QPushButton] = {}
        for code, name in LANGUAGE_NAMES.items():
            button = _header_button(name, checkable=True)
            button.setAccessibleName(name)
            button.clicked.connect(partial(flow.set_language, code))
            self.languages[code] = button
        for widget in (self.back, self.title, self.listen, self.quieter, self.louder):
            self._top.addWidget(widget, 1 if widget is self.title else 0)
        self._place_movable(two_rows=False)
        self.apply_metrics(Metrics(target=56, body=22))
        self.retranslate()

    def movable(self) -> list[QPushButton]:
        """What goes to the second row when one row is too narrow, in order."""
        return [self.large_text, *self.languages.values()]

    def _place_movable(self, two_rows: bool) -> None:
        self.two_rows = two_rows
        for button in self.movable():
            self._top.removeWidget(button)
            self._bottom.removeWidget(button)
        while self._bottom.count():  # the stretch that right-aligns the second row
            self._bottom.takeAt(0)
        row = self._bottom if two_rows else self._top
        if two_rows:
            row.addStretch(1)
        for button in self.movable():
            row.addWidget(button)

    def apply_metrics(self, metrics: Metrics) -> None:
        edge = max(6, metrics.gap // 2 + 2)
        self._layout.setContentsMargins(metrics.gap, edge, metrics.gap, edge)
        self._layout.setSpacing(edge)
        for row in (self._top, self._bottom):
            row.setSpacing(metrics.gap)
        self.back.setIconSize(QSize(metrics.small, metrics.small))
        for button in (self.listen, self.quieter, self.louder):
            button.setIconSize(QSize(metrics.small + 4, metrics.small + 4))
        self._reflow()

    def apply_theme(self, theme: Theme, metrics: Metrics) -> None:
        """The speaker symbols in the header's colours (turned around while Listen is on)."""
        self._back_colour = theme.on_primary
        if not self.back.isHidden():
            self._paint_back_arrow()
        self._speaker_look = (theme.on_primary, theme.primary, metrics.small + 4)
        if self.listen_available:
            self._paint_speakers()
        self.apply_metrics(metrics)

    def _paint_speakers(self) -> None:
        """The speaker symbols, drawn when Listen is first offered (the speech probe answers
        after the first frame) and again when the look changes: Welcome starts without them."""
        if self._speakers == self._speaker_look:
            return
        from ui.widgets.speaker import speaker_icon  # with Listen's offer, after the first frame

        fore, back, side = self._speakers = self._speaker_look
        self.listen.setIcon(speaker_icon(fore, back, side))
        self.quieter.setIcon(speaker_icon(fore, back, side, "minus"))
        self.louder.setIcon(speaker_icon(fore, back, side, "plus"))

    def _one_row_width(self, shown: list[QPushButton]) -> int:
        """The width ``shown`` buttons need side by side on one row."""
        widths = sum(max(b.sizeHint().width(), b.minimumWidth()) for b in shown)
        margins = self._layout.contentsMargins()
        return widths + self._top.spacing() * len(shown) + margins.left() + margins.right()

    def _reflow(self, shown: list[QPushButton] | None = None) -> None:
        """One row or two, for the buttons ``shown`` (by default those shown now)."""
        if shown is None:
            buttons = (self.back, self.listen, self.quieter, self.louder, *self.movable())
            shown = [b for b in buttons if not b.isHidden()]
        two_rows = self._one_row_width(shown) > self.width()
        if two_rows != self.two_rows:
            self._place_movable(two_rows)
            self._fit_title()

    def _fit_title(self) -> None:
        """Show the municipality only where its longest word fits; Welcome always shows it."""
        text = getattr(self, "_title_text", "")
        metrics = self.title.fontMetrics()
        longest = max((metrics.horizontalAdvance(word) for word in text.split()), default=0)
        self.title.setText(text if longest <= self.title.width() else "")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._reflow()
        self._fit_title()

    def retranslate(self) -> None:
        self.back.setText(_("Back"))
        self.back.setAccessibleName(_("Back"))
        self.large_text.setAccessibleName(_("Larger text and high contrast"))
        self.large_text.setToolTip(_("Larger text and high contrast"))
        self.listen.setText(_("Listen"))
        self.listen.setAccessibleName(_("Listen"))
        self.listen.setToolTip(_("Hear the screen read aloud"))
        for button, name in ((self.quieter, _("Quieter")), (self.louder, _("Louder"))):
            button.setAccessibleName(name)
            button.setToolTip(name)
        self._reflow()

    def _paint_back_arrow(self) -> None:
        """The arrow on "Back", made when first shown: icons load QtAwesome, which Welcome,
        the first screen, can start without."""
        if self._back_arrow != self._back_colour:
            from ui.icons import icon

            self.back.setIcon(icon("mdi6.arrow-left", self._back_colour))
            self._back_arrow = self._back_colour

    def show_state(self, flow: Flow) -> None:
        back = flow.step in (Step.CHOOSE, Step.RATE) and not flow.saving
        if back:
            self._paint_back_arrow()
        if self.listen_available:
            self._paint_speakers()
        visible = {
            self.back: back,
            self.listen: self.listen_available,
            self.quieter: self.listen_available and flow.listen,
            self.louder: self.listen_available and flow.listen,
        }
        # Rows first: showing a button lays the window out at once, and a window that grew
        # for a moment to hold one row too many never shrinks back by itself.
        self._reflow([b for b, shown in visible.items() if shown] + self.movable())
        for button, shown in visible.items():
            if button.isHidden() == shown:
                button.setVisible(shown)
        self.listen.setChecked(flow.listen)
        name = self.municipality or flow.catalog.municipality
        self._title_text = name.get(flow.language)
        self.large_text.setChecked(flow.large_text)
        for code, button in self.languages.items():
            button.setChecked(code == flow.language)
        self._reflow()
        self._fit_title()
