"""The bar on top of every citizen screen: back, the municipality, "Aa", and the language
switch, which is always visible so a citizen can change language at any step."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from common.catalog import Text
from kiosk.flow import Flow, Step
from ui.i18n import _
from ui.metrics import Metrics

LANGUAGE_NAMES = {"ka": "ქართული", "en": "English"}
"""Each language is named in itself, so a citizen finds their own."""


def _header_button(text: str = "", checkable: bool = False) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName("headerButton")
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setCheckable(checkable)
    return button


class Header(QWidget):
    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = flow
        self.municipality: Text | None = None
        """The theme's municipality name, when it has one."""
        self.setObjectName("header")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._layout = QHBoxLayout(self)
        layout = self._layout
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(10)
        self.back = _header_button()
        self.back.clicked.connect(flow.back)
        self.title = QLabel()
        self.title.setObjectName("headerTitle")
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.large_text = _header_button("Aa", checkable=True)
        self.large_text.clicked.connect(flow.toggle_large_text)
        self.languages: dict[str, QPushButton] = {}
        layout.addWidget(self.back)
        layout.addWidget(self.title, 1)
        layout.addWidget(self.large_text)
        for code, name in LANGUAGE_NAMES.items():
            button = _header_button(name, checkable=True)
            button.setAccessibleName(name)
            button.clicked.connect(partial(flow.set_language, code))
            self.languages[code] = button
            layout.addWidget(button)
        self.retranslate()

    def apply_metrics(self, metrics: Metrics) -> None:
        edge = max(6, metrics.gap // 2 + 2)
        self._layout.setContentsMargins(metrics.gap, edge, metrics.gap, edge)
        self._layout.setSpacing(metrics.gap)
        self.back.setIconSize(QSize(metrics.small, metrics.small))

    def _fit_title(self) -> None:
        """Show the municipality only where its longest word fits; Welcome always shows it."""
        text = getattr(self, "_title_text", "")
        metrics = self.title.fontMetrics()
        longest = max((metrics.horizontalAdvance(word) for word in text.split()), default=0)
        self.title.setText(text if longest <= self.title.width() else "")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_title()

    def retranslate(self) -> None:
        self.back.setText(_("Back"))
        self.back.setAccessibleName(_("Back"))
        self.large_text.setAccessibleName(_("Larger text and high contrast"))
        self.large_text.setToolTip(_("Larger text and high contrast"))

    def show_state(self, flow: Flow) -> None:
        self.back.setVisible(flow.step in (Step.CHOOSE, Step.RATE) and not flow.saving)
        name = self.municipality or flow.catalog.municipality
        self._title_text = name.get(flow.language)
        self._fit_title()
        self.large_text.setChecked(flow.large_text)
        for code, button in self.languages.items():
            button.setChecked(code == flow.language)
