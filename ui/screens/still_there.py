"""The "Still there?" prompt: a countdown and one large Continue button (WCAG 2.2.1)."""

from __future__ import annotations

from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from kiosk.flow import Flow
from ui.i18n import _, ngettext
from ui.metrics import Metrics
from ui.screens.base import action_button, label

CARD_BODIES = 32
"""The prompt's card is at most this many body-text sizes wide, so it reads as one message
on a wide screen."""


class StillThereOverlay(QFrame):
    """Covers the screen while the flow's prompt runs; any tap on it means "I'm here". A frame
    for its style-sheet background, as :class:`~ui.screens.base.Screen`."""

    def __init__(self, flow: Flow, parent: QWidget) -> None:
        super().__init__(parent)
        self.flow = flow
        self.setObjectName("overlay")
        self._edge = 32
        self._widest = 800
        self._outer = QVBoxLayout(self)
        outer = self._outer
        outer.setContentsMargins(32, 32, 32, 32)
        self.card = QFrame()
        self.card.setObjectName("card")
        self._card_layout = QVBoxLayout(self.card)
        card_layout = self._card_layout
        card_layout.setContentsMargins(32, 32, 32, 32)
        card_layout.setSpacing(24)
        self.title = label("title", center=True)
        self.countdown = label("subtitle", center=True)
        self.resume = action_button("primary")
        self.resume.clicked.connect(flow.keep_alive)
        card_layout.addWidget(self.title)
        card_layout.addWidget(self.countdown)
        card_layout.addWidget(self.resume)
        outer.addStretch(1)
        outer.addWidget(self.card)
        outer.addStretch(1)
        self.hide()
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Are you still there?"))
        self.resume.setText(_("Continue"))
        self.resume.setAccessibleName(_("Continue"))

    def apply_metrics(self, metrics: Metrics) -> None:
        self._edge = metrics.gap * 2
        self._widest = metrics.body * CARD_BODIES
        self._card_layout.setContentsMargins(self._edge, self._edge, self._edge, self._edge)
        self._card_layout.setSpacing(metrics.gap * 2)
        self._fit_card()

    def _fit_card(self) -> None:
        """Centre the card, no wider than it reads well."""
        side = max(self._edge, (self.width() - self._widest) // 2)
        self._outer.setContentsMargins(side, self._edge, side, self._edge)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_card()

    def show_state(self, flow: Flow) -> None:
        remaining = flow.still_there_remaining()
        if remaining is None:
            self.hide()
            return
        self.countdown.setText(
            ngettext(
                "The kiosk will start over in {n} second.",
                "The kiosk will start over in {n} seconds.",
                remaining,
            ).format(n=remaining)
        )
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.flow.keep_alive()
        event.accept()
