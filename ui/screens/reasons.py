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

from common.theme import Theme
from kiosk.flow import Flow
from ui.i18n import _
from ui.icons import icon
from ui.metrics import Metrics
from ui.screens.base import Screen, label
from ui.screens.choose import SCROLLBAR_ROOM, columns_for, longest_word_px
from ui.widgets.swipe import SwipeArea
from ui.widgets.wrap_button import BORDER_PX, WrapButton

CHIP_MIN_BODIES = 14
"""A chip column is at least this many body-text sizes wide."""
UNCHECKED_MARK = "mdi6.checkbox-blank-outline"
CHECKED_MARK = "mdi6.checkbox-marked"


def action_button(object_name: str) -> QPushButton:
    button = QPushButton()
    button.setObjectName(object_name)
    button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    return button


def keep_text_whole(*buttons: QPushButton, floor: int = 0) -> None:
    """Never let a layout squeeze these buttons below their text's width (a style sheet's
    ``min-width`` would otherwise be the limit, and it knows nothing of the text), nor below
    ``floor`` pixels."""
    for button in buttons:
        button.setMinimumWidth(max(floor, button.sizeHint().width()))


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
        self._theme: Theme | None = None
        self.metrics = Metrics(target=56, body=22)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(24, 24, 24, 24)
        self._layout.setSpacing(16)
        self.title = label("title")
        self.hint = label("subtitle")
        self.swipe_area = SwipeArea()
        self.buttons, self.skip, self.next = skip_and_go_row(flow.skip, flow.submit_reasons)
        self._layout.addWidget(self.title)
        self._layout.addWidget(self.hint)
        self._layout.addWidget(self.swipe_area, 1)
        self._layout.addLayout(self.buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.skip.setText(_("Skip"))
        self.skip.setAccessibleName(_("Skip"))
        self.next.setText(_("Next"))
        self.next.setAccessibleName(_("Next"))

    def _columns(self, width: int, flow: Flow) -> int:
        """As many columns as fit with every word of every reason whole on one line."""
        m = self.metrics
        texts = [reason.text.get(flow.language) for reason in flow.reasons()]
        chrome = 2 * (m.pad + BORDER_PX) + m.body + m.pad
        cell = max(longest_word_px(texts, m.body) + 2, m.body * CHIP_MIN_BODIES - chrome) + chrome
        margins = self._layout.contentsMargins()
        room = width - margins.left() - margins.right() - SCROLLBAR_ROOM - m.target // 3
        return columns_for(room, cell, m.gap)

    def _build(self, flow: Flow, columns: int) -> None:
        body = QWidget()
        grid = QGridLayout(body)
        grid.setSpacing(self.metrics.gap)
        grid.setContentsMargins(0, 0, SCROLLBAR_ROOM, 0)
        self.chips = {}
        for index, reason in enumerate(flow.reasons()):
            chip = WrapButton("chip")
            chip.setCheckable(True)
            chip.set_padding(self.metrics.pad)
            chip.clicked.connect(partial(flow.toggle_reason, reason.id))
            self.chips[reason.id] = chip
            grid.addWidget(chip, index // columns, index % columns)
        for column in range(columns):
            grid.setColumnStretch(column, 1)
        grid.setRowStretch(grid.rowCount(), 1)
        self.swipe_area.set_body(body)
        self._paint_marks()

    def _paint_marks(self) -> None:
        """The check box beside each chip: its state is shown by a shape, not colour alone."""
        theme = self._theme
        if theme is None:
            return
        size = round(self.metrics.body * 1.4)
        for chip in self.chips.values():
            chip.set_check_marks(
                icon(UNCHECKED_MARK, theme.text), icon(CHECKED_MARK, theme.on_primary), size
            )

    def show_state(self, flow: Flow) -> None:
        columns = self._columns(self.width(), flow)
        # The chips depend on the reasons offered, not on the rating: the next citizen who
        # gives a low score to the same service finds them made already.
        offered = tuple(reason.id for reason in flow.reasons())
        key = (offered, flow.catalog, flow.language, columns, self.metrics, self._theme)
        if key != self._shown:
            self._shown = key
            self._build(flow, columns)
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
        keep_text_whole(self.skip, self.next)

    def apply_theme(self, theme: Theme, metrics: Metrics) -> None:
        self._theme = theme
        self.metrics = metrics
        margin = metrics.margin
        self._layout.setContentsMargins(margin, metrics.gap, margin, metrics.gap)
        self._layout.setSpacing(metrics.gap)
        self.buttons.setSpacing(metrics.gap * 2)
        if self.flow.reasons():
            self.show_state(self.flow)

    def reset(self) -> None:
        self.swipe_area.verticalScrollBar().setValue(0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.flow.reasons():
            self.show_state(self.flow)
