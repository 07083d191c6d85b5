"""Reasons: "What was the main reason?" — chips to pick one or more, and a clear Skip."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.flow import Flow
from ui.i18n import _
from ui.screens.base import Screen, label
from ui.widgets.swipe import SwipeArea
from ui.widgets.wrap_button import WrapButton

CHIP_MIN_WIDTH = 420


def action_button(object_name: str) -> QPushButton:
    button = QPushButton()
    button.setObjectName(object_name)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


def skip_and_go_row(
    skip: Callable[[], None], go: Callable[[], None]
) -> tuple[QHBoxLayout, QPushButton, QPushButton]:
    """The optional steps' bottom row: a clear "Skip" and a larger button that goes on."""
    row = QHBoxLayout()
    row.setSpacing(16)
    skip_button = action_button("secondary")
    skip_button.clicked.connect(skip)
    go_button = action_button("primary")
    go_button.clicked.connect(go)
    row.addWidget(skip_button, 1)
    row.addWidget(go_button, 2)
    return row, skip_button, go_button


class ReasonsScreen(Screen):
    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(flow, parent)
        self.chips: dict[str, WrapButton] = {}
        self._shown: tuple[object, ...] = ()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.setSpacing(16)
        self.title = label("title")
        self.hint = label("subtitle")
        self.swipe_area = SwipeArea()
        buttons, self.skip, self.next = skip_and_go_row(flow.skip, flow.submit_reasons)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(self.swipe_area, 1)
        layout.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.skip.setText(_("Skip"))
        self.skip.setAccessibleName(_("Skip"))
        self.next.setText(_("Next"))
        self.next.setAccessibleName(_("Next"))

    def _build(self, flow: Flow) -> None:
        body = QWidget()
        grid = QGridLayout(body)
        grid.setSpacing(12)
        grid.setContentsMargins(0, 0, 8, 0)
        columns = max(1, min(3, self.width() // CHIP_MIN_WIDTH))
        self.chips = {}
        for index, reason in enumerate(flow.reasons()):
            chip = WrapButton("chip")
            chip.setCheckable(True)
            chip.clicked.connect(partial(flow.toggle_reason, reason.id))
            self.chips[reason.id] = chip
            grid.addWidget(chip, index // columns, index % columns)
        for column in range(columns):
            grid.setColumnStretch(column, 1)
        grid.setRowStretch(grid.rowCount(), 1)
        self.swipe_area.set_body(body)

    def show_state(self, flow: Flow) -> None:
        key = (flow.rating, flow.catalog, max(1, self.width() // CHIP_MIN_WIDTH))
        if key != self._shown:
            self._shown = key
            self._build(flow)
        low = flow.score is not None and flow.score <= flow.catalog.low_max
        self.title.setText(_("What was the main reason?") if low else _("What did you like most?"))
        self.hint.setText(_("Choose one or more, or skip."))
        for reason in flow.reasons():
            chip = self.chips[reason.id]
            chip.set_text(reason.text.get(flow.language))
            chip.setChecked(reason.id in flow.selected)
            chip.setEnabled(not flow.saving)
        self.next.setEnabled(not flow.saving)
        self.skip.setEnabled(not flow.saving)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.flow.reasons():
            self.show_state(self.flow)
