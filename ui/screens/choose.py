"""Choose the program or service: large tiles with icon and name, grouped by category,
scrolled by swiping when they do not fit."""

from __future__ import annotations

from functools import partial

from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from common.catalog import Category
from common.theme import Theme
from kiosk.flow import Flow
from ui.fonts import kiosk_font
from ui.i18n import _
from ui.icons import icon
from ui.metrics import Metrics
from ui.screens.base import Screen, label
from ui.widgets.swipe import SwipeArea
from ui.widgets.wrap_button import BORDER_PX, WrapButton

MAX_COLUMNS = 3
TILE_MIN_BODIES = 14
"""A column is at least this many body-text sizes wide, so names wrap onto few lines."""
SCROLLBAR_ROOM = 8


def columns_for(width: int, cell_width: int, spacing: int, most: int = MAX_COLUMNS) -> int:
    """How many cells ``cell_width`` wide fit side by side in ``width`` (at least one)."""
    return max(1, min(most, (width + spacing) // max(1, cell_width + spacing)))


def longest_word_px(texts: list[str], pixel_size: int) -> int:
    """The widest word of ``texts`` in the kiosk font at ``pixel_size``: a tile narrower than
    that would cut it."""
    metrics = QFontMetrics(kiosk_font(pixel_size))
    return max(
        (metrics.horizontalAdvance(word) for text in texts for word in text.split()), default=0
    )


class ChooseScreen(Screen):
    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(flow, parent)
        self.tiles: dict[str, WrapButton] = {}
        self.category_labels: list[tuple[QLabel, Category]] = []
        self._shown: tuple[object, ...] = ()
        self._columns = 0
        self._theme: Theme | None = None
        self.metrics = Metrics(target=56, body=22)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(24, 16, 24, 8)
        self.title = label("title")
        self._layout.addWidget(self.title)
        self.swipe_area = SwipeArea()
        self._layout.addWidget(self.swipe_area, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Which program or service did you use?"))

    def _columns_for(self, width: int) -> int:
        """As many columns as fit with every word of every name whole on one line."""
        m = self.metrics
        names = [service.name.get(self.flow.language) for service in self.flow.services()]
        text = longest_word_px(names, m.body) + 2
        chrome = 2 * (m.pad + BORDER_PX) + m.target + m.pad
        cell = max(text, m.body * TILE_MIN_BODIES - chrome) + chrome
        margins = self._layout.contentsMargins()
        room = width - margins.left() - margins.right() - SCROLLBAR_ROOM - m.target // 3
        return columns_for(room, cell, m.gap)

    def _build(self) -> None:
        """(Re)create the tiles for the current catalog and column count."""
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, SCROLLBAR_ROOM, 0)
        grid.setSpacing(self.metrics.gap)
        self.tiles.clear()
        self.category_labels = []
        groups = self.flow.groups()
        row = 0
        for category, services in groups:
            if len(groups) > 1:
                heading = label("categoryTitle")
                self.category_labels.append((heading, category))
                grid.addWidget(heading, row, 0, 1, self._columns)
                row += 1
            for index, service in enumerate(services):
                tile = WrapButton("tile")
                tile.set_padding(self.metrics.pad)
                tile.clicked.connect(partial(self.flow.choose, service.id))
                tile.setProperty("service", service.id)
                self.tiles[service.id] = tile
                grid.addWidget(tile, row + index // self._columns, index % self._columns)
            row += -(-len(services) // self._columns)
        for column in range(self._columns):
            grid.setColumnStretch(column, 1)
        grid.setRowStretch(row, 1)
        self.swipe_area.set_body(body)
        self._paint_icons()

    def _paint_icons(self) -> None:
        if self._theme is None:
            return
        for service in self.flow.services():
            if service.id in self.tiles:
                self.tiles[service.id].set_icon(
                    icon(service.icon, self._theme.primary), self.metrics.target
                )

    def show_state(self, flow: Flow) -> None:
        columns = self._columns_for(self.width())
        shown = (flow.catalog, tuple(flow.config.services), self.metrics)
        if columns != self._columns or shown != self._shown:
            self._columns = columns
            self._shown = shown
            self._build()
        for service in flow.services():
            self.tiles[service.id].set_text(service.name.get(flow.language))
        for heading, category in self.category_labels:
            heading.setText(category.name.get(flow.language))

    def apply_theme(self, theme: Theme, metrics: Metrics) -> None:
        self._theme = theme
        self.metrics = metrics
        margin = metrics.margin
        self._layout.setContentsMargins(margin, metrics.gap, margin, metrics.gap // 2)
        self._layout.setSpacing(metrics.gap)
        self.show_state(self.flow)

    def reset(self) -> None:
        self.swipe_area.verticalScrollBar().setValue(0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._columns and self._columns_for(event.size().width()) != self._columns:
            self.show_state(self.flow)
