"""Rate: the question and five large faces. The tap is the rating and is saved at once."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from common.theme import Theme
from kiosk.flow import Flow
from ui.i18n import _
from ui.icons import icon
from ui.screens.base import Screen, label
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
        self.scale = QGridLayout()
        self.scale.setSpacing(12)
        self._portrait: bool | None = None
        self.faces: dict[int, SmileyButton] = {}
        for score in range(1, 6):
            face = SmileyButton(score)
            face.clicked.connect(partial(flow.rate, score))
            self.faces[score] = face

        layout.addStretch(1)
        layout.addWidget(self.service_icon)
        layout.addWidget(self.question)
        layout.addWidget(self.hint)
        layout.addSpacing(16)
        layout.addLayout(self.scale, 3)
        self._arrange(portrait=False)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.hint.setText(_("Tap the face that matches your experience."))
        for face in self.faces.values():
            face.retranslate()

    def show_state(self, flow: Flow) -> None:
        if flow.service is None:
            return
        self.question.setText(flow.question())
        if self._theme is not None:
            self.service_icon.setPixmap(
                icon(flow.service.icon, self._theme.primary).pixmap(self._icon_size * 2)
            )
        for score, face in self.faces.items():
            face.setEnabled(not flow.saving or flow.score == score)

    def _arrange(self, portrait: bool) -> None:
        """A row of five on landscape screens; a column on portrait ones, where five abreast
        would leave the words under the faces too small to read."""
        if portrait == self._portrait:
            return
        self._portrait = portrait
        for face in self.faces.values():
            self.scale.removeWidget(face)
        for index, face in enumerate(self.faces.values()):
            if portrait:
                self.scale.addWidget(face, index, 0)
            else:
                self.scale.addWidget(face, 0, index)
        for index in range(len(self.faces)):
            self.scale.setColumnStretch(index, 0 if portrait else 1)
            self.scale.setRowStretch(index, 1 if portrait else 0)
        self.scale.setColumnStretch(0, 1)
        self.scale.setRowStretch(0, 1)
        self._set_minimum_sizes()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        size = event.size()
        self._arrange(portrait=size.height() > size.width() * 1.2)
        if self._portrait:
            tallest = round(size.height() / 8)
        else:
            tallest = round(size.width() / len(self.faces) * 1.7)
        for face in self.faces.values():
            face.setMaximumHeight(max(tallest, face.minimumHeight()))

    def apply_theme(self, theme: Theme, icon_size: int) -> None:
        self._theme = theme
        self._icon_size = icon_size
        self._set_minimum_sizes()

    def _set_minimum_sizes(self) -> None:
        tall = 1.3 if self._portrait else 2.6
        for face in self.faces.values():
            face.setMinimumSize(self._icon_size * 2, round(self._icon_size * tall))
