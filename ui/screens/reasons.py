"""Reasons: "What was the main reason?" — chips to pick one or more, and a clear Skip."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

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
from ui.screens.base import Screen, action_button, label
from ui.screens.choose import SCROLLBAR_ROOM, columns_for, longest_word_px
from ui.widgets.swipe import SwipeArea
from ui.widgets.wrap_button import BORDER_PX, WrapButton

CHIP_MIN_BODIES = 14
"""A chip column is at least this many body-text sizes wide."""
UNCHECKED_MARK = "mdi6.checkbox-blank-outline"
CHECKED_MARK = "mdi6.checkbox-marked"


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
        """The chips of the reasons offered now, by reason id."""
        self._pool: list[WrapButton] = []
        """Every chip made so far; those beyond the reasons offered now are hidden."""
        self._shown: tuple[object, ...] = ()
        self._marked: tuple[object, ...] = ()
        self._theme: Theme | None = None
        self.metrics = Metrics(target=56, body=22)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(24, 24, 24, 24)
        self._layout.setSpacing(16)
        self.title = label("title")
        self.hint = label("subtitle")
        self.swipe_area = SwipeArea()
        self._grid = QGridLayout(self._body())
        self._grid.setContentsMargins(0, 0, SCROLLBAR_ROOM, 0)
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

    def _body(self) -> QWidget:
        body = QWidget()
        self.swipe_area.set_body(body)
        return body

    def _place(self, flow: Flow, columns: int) -> None:
        """Lay the offered reasons out in ``columns``, reusing the chips made for earlier
        ones: a face with other reasons, or another service, costs no new widgets (a chip is
        made only when more reasons are offered than ever before)."""
        reasons = flow.reasons()
        while len(self._pool) < len(reasons):
            chip = WrapButton("chip")
            chip.setCheckable(True)
            chip.clicked.connect(partial(self._chip_tapped, len(self._pool)))
            self.swipe_area.swipe.watch(chip)
            self._pool.append(chip)
            self._marked = ()
        grid = self._grid
        grid.setSpacing(self.metrics.gap)
        for chip in self._pool:
            grid.removeWidget(chip)
        self.chips = {}
        for index, reason in enumerate(reasons):
            chip = self._pool[index]
            chip.set_padding(self.metrics.pad)
            grid.addWidget(chip, index // columns, index % columns)
            self.chips[reason.id] = chip
        for index, chip in enumerate(self._pool):
            chip.setVisible(index < len(reasons))
        for column in range(max(columns, grid.columnCount())):
            grid.setColumnStretch(column, 1 if column < columns else 0)
        rows = -(-len(reasons) // columns)
        for row in range(max(rows + 1, grid.rowCount())):
            grid.setRowStretch(row, 1 if row == rows else 0)
        self._paint_marks()

    def _chip_tapped(self, index: int) -> None:
        reasons = self.flow.reasons()
        if index < len(reasons):
            self.flow.toggle_reason(reasons[index].id)

    def _paint_marks(self) -> None:
        """The check box beside each chip: its state is shown by a shape, not colour alone."""
        theme = self._theme
        size = round(self.metrics.body * 1.4)
        if theme is None or self._marked == (theme, size):
            return
        self._marked = (theme, size)
        unchecked, checked = icon(UNCHECKED_MARK, theme.text), icon(CHECKED_MARK, theme.on_primary)
        for chip in self._pool:
            chip.set_check_marks(unchecked, checked, size)

    def show_state(self, flow: Flow) -> None:
        columns = self._columns(self.width(), flow)
        # Laid out again only when the reasons offered (or the look) change, never for the
        # rating alone; and the chips themselves are kept for the next reasons (:meth:`_place`).
        offered = tuple(reason.id for reason in flow.reasons())
        key = (offered, flow.catalog, flow.language, columns, self.metrics, self._theme)
        if key != self._shown:
            self._shown = key
            self._place(flow, columns)
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
