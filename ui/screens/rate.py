"""Rate: the question and five large faces. The tap is the rating and is saved at once."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.flow import Flow
from ui.i18n import _
from ui.icons import icon
from ui.screens.base import Screen, label
from ui.theme import Theme
from ui.widgets.smiley import SmileyButton


class RateScreen(Screen):
    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(flow, parent)
        self._theme: Theme | None = None
        self._icon_size = 48
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.setSpacing(24)
        self.service_icon = QLabel()
        self.service_icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.question = label("title", center=True)
        self.hint = label("subtitle", center=True)
        row = QHBoxLayout()
        row.setSpacing(12)
        self.faces: dict[int, SmileyButton] = {}
        for score in range(1, 6):
            face = SmileyButton(score)
            face.clicked.connect(partial(flow.rate, score))
            self.faces[score] = face
            row.addWidget(face, 1)
        layout.addStretch(1)
        layout.addWidget(self.service_icon)
        layout.addWidget(self.question)
        layout.addWidget(self.hint)
        layout.addSpacing(16)
        layout.addLayout(row, 3)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.hint.setText(_("Tap the face that matches your experience."))
        for face in self.faces.values():
            face.retranslate()

    def render(self, flow: Flow) -> None:
        if flow.service is None:
            return
        self.question.setText(flow.question())
        if self._theme is not None:
            self.service_icon.setPixmap(
                icon(flow.service.icon, self._theme.primary).pixmap(self._icon_size * 2)
            )
        for score, face in self.faces.items():
            face.setEnabled(not flow.saving or flow.score == score)

    def apply_theme(self, theme: Theme, icon_size: int) -> None:
        self._theme = theme
        self._icon_size = icon_size
        for face in self.faces.values():
            face.setMinimumSize(icon_size * 2, round(icon_size * 2.6))
