"""Comment: an optional free text typed on the on-screen keyboard (kiosks have no keyboard).

The keyboard gets the room it asks for first and runs from edge to edge; the comment box takes
what is left (a line or two is enough to see what one is typing), so keys stay large for
elderly hands.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from common.theme import Theme
from kiosk.flow import Flow
from ui.i18n import _
from ui.metrics import Metrics
from ui.screens.base import Screen, label
from ui.screens.reasons import action_button, keep_text_whole
from ui.widgets.keyboard import OnScreenKeyboard

BOX_CHROME = 30
"""The box's border and padding (style sheet), top and bottom together."""


class CommentBox(QPlainTextEdit):
    """A comment box that asks for one line, not the default's half a screen: it gets what
    the keyboard leaves (the layout stretches it), so the keys never shrink for it."""

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint()

    def minimumSizeHint(self) -> QSize:
        line = QFontMetrics(self.font()).lineSpacing()
        return QSize(super().minimumSizeHint().width(), line + BOX_CHROME)


class CommentScreen(Screen):
    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(flow, parent)
        self._for_session: object = None
        self._language = flow.language
        self._landscape: bool | None = None
        self._button_floor = 0
        self.max_length = flow.config.comment_max_len
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.content = QWidget()
        self._layout = QVBoxLayout(self.content)
        self._layout.setContentsMargins(24, 16, 24, 8)
        self._layout.setSpacing(12)
        self.title = label("title")
        self.counter = label("counter", wrap=False)
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.editor = CommentBox()
        self.editor.setObjectName("comment")
        self.editor.setTabChangesFocus(True)
        self.editor.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.editor.textChanged.connect(self._text_changed)
        self.keyboard = OnScreenKeyboard(key_size=Metrics(target=56, body=22).key)
        self.keyboard.set_target(self.editor)
        self.keyboard.set_max_length(self.max_length)
        self.skip = action_button("secondary")
        self.skip.clicked.connect(flow.skip)
        self.send = action_button("primary")
        self.send.clicked.connect(self._send)
        self._head = QHBoxLayout()
        self._head.addWidget(self.title, 1)
        self._middle = QGridLayout()
        self._middle.setContentsMargins(0, 0, 0, 0)
        self._layout.addLayout(self._head)
        self._layout.addLayout(self._middle, 1)
        outer.addWidget(self.content, 1)
        outer.addWidget(self.keyboard)  # edge to edge: the keys get every pixel of the width
        self._arrange(landscape=False)
        self.retranslate()

    def _arrange(self, landscape: bool) -> None:
        """Portrait: the counter and the buttons under the box. Landscape, where height is
        short: the buttons beside the box and the counter beside the title, so the keyboard
        keeps its height."""
        if landscape == self._landscape:
            return
        self._landscape = landscape
        grid = self._middle
        for widget in (self.editor, self.counter, self.skip, self.send):
            grid.removeWidget(widget)
        self._head.removeWidget(self.counter)
        for index in range(3):
            grid.setColumnStretch(index, 0)
            grid.setRowStretch(index, 0)
        if landscape:
            self._head.addWidget(self.counter, 0, Qt.AlignmentFlag.AlignBottom)
            grid.addWidget(self.editor, 0, 0)
            grid.addWidget(self.skip, 0, 1, Qt.AlignmentFlag.AlignBottom)
            grid.addWidget(self.send, 0, 2, Qt.AlignmentFlag.AlignBottom)
            grid.setColumnStretch(0, 1)
        else:
            grid.addWidget(self.editor, 0, 0, 1, 2)
            grid.addWidget(self.counter, 1, 0, 1, 2)
            grid.addWidget(self.skip, 2, 0)
            grid.addWidget(self.send, 2, 1)
            grid.setColumnStretch(0, 1)
            grid.setColumnStretch(1, 2)
            grid.setRowStretch(0, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        size = event.size()
        self._arrange(landscape=size.width() > size.height())

    def retranslate(self) -> None:
        self.title.setText(_("Would you like to add a comment?"))
        self.editor.setPlaceholderText(_("Type here (optional)"))
        self.editor.setAccessibleName(_("Your comment"))
        self.skip.setText(_("Skip"))
        self.skip.setAccessibleName(_("Skip"))
        self.send.setText(_("Send"))
        self.send.setAccessibleName(_("Send"))
        self.keyboard.retranslate()
        self._text_changed()

    def apply_theme(self, theme: Theme, metrics: Metrics) -> None:
        margin = metrics.margin
        self._layout.setContentsMargins(margin, metrics.gap, margin, metrics.gap // 2)
        self._layout.setSpacing(metrics.gap)
        self._middle.setSpacing(metrics.gap)
        self._button_floor = metrics.button * 2
        self.keyboard.set_key_size(metrics.key, round(metrics.target * 0.75), metrics.key_letter)

    def _text_changed(self) -> None:
        text = self.editor.toPlainText()
        if len(text) > self.max_length:
            self.editor.setPlainText(text[: self.max_length])
            return
        self.counter.setText(
            _("{count} of {limit} characters").format(count=len(text), limit=self.max_length)
        )

    def _send(self) -> None:
        self.flow.submit_comment(self.editor.toPlainText())

    def show_state(self, flow: Flow) -> None:
        if flow.session is not self._for_session:  # a new citizen, not a commit landing
            self._for_session = flow.session
            self.editor.clear()
            self.keyboard.reset(flow.language)
        if flow.language != self._language:
            self._language = flow.language
            self.keyboard.set_layout(flow.language)
        self.send.setEnabled(not flow.saving)
        self.skip.setEnabled(not flow.saving)
        keep_text_whole(self.skip, self.send, floor=self._button_floor)

    def reset(self) -> None:
        self.editor.clear()
        self._language = self.flow.language
        self.keyboard.reset(self.flow.language)
