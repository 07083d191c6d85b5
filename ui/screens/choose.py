"""Choose the program or service: large tiles with icon and name, grouped by category,
scrolled by swiping when they do not fit."""

from __future__ import annotations

from functools import partial

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QVBoxLayout,
    QWidget,
)

from common.theme import Theme
from kiosk.flow import Flow
from ui.i18n import _
from ui.icons import icon
from ui.screens.base import Screen, label
from ui.widgets.swipe import SwipeArea
from ui.widgets.wrap_button import WrapButton

TILE_MIN_WIDTH = 420


class ChooseScreen(Screen):
    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(flow, parent)
        self.tiles: dict[str, WrapButton] = {}
        self._columns = 0
        self._catalog_shown: object = None
        self._theme: Theme | None = None
        self._icon_size = 48
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 8)
        self.title = label("title")
        layout.addWidget(self.title)
        self.swipe_area = SwipeArea()
        layout.addWidget(self.swipe_area, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Which program or service did you use?"))

    def _columns_for(self, width: int) -> int:
        return max(1, min(3, width // TILE_MIN_WIDTH))

    def _build(self) -> None:
        """(Re)create the tiles for the current catalog and column count."""
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 8, 0)
        grid.setSpacing(12)
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
                tile.clicked.connect(partial(self.flow.choose, service.id))
                tile.setProperty("service", service.id)
                self.tiles[service.id] = tile
                grid.addWidget(tile, row + index // self._columns, index % self._columns)
            row += -(-len(services) // self._columns)
        for column in range(self._columns):
            grid.setColumnStretch(column, 1)
        grid.setRowStretch(row, 1)
        self.swipe_area.set_body(body)
        self._catalog_shown = self.flow.catalog
        self._paint_icons()

    def _paint_icons(self) -> None:
        if self._theme is None:
            return
        for service in self.flow.services():
            if service.id in self.tiles:
                self.tiles[service.id].set_icon(
                    icon(service.icon, self._theme.primary), self._icon_size
                )

    def show_state(self, flow: Flow) -> None:
        columns = self._columns_for(self.width())
        if columns != self._columns or self._catalog_shown is not flow.catalog:
            self._columns = columns
            self._build()
        for service in flow.services():
            self.tiles[service.id].set_text(service.name.get(flow.language))
        for heading, category in self.category_labels:
            heading.setText(category.name.get(flow.language))

    def apply_theme(self, theme: Theme, icon_size: int) -> None:
        self._theme = theme
        self._icon_size = icon_size
        self._paint_icons()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._columns and self._columns_for(event.size().width()) != self._columns:
            self.show_state(self.flow)
