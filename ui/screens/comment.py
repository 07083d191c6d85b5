"""Comment: an optional free text typed on the on-screen keyboard (kiosks have no keyboard)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QVBoxLayout, QWidget

from kiosk.flow import Flow
from ui.i18n import _
from ui.metrics import touch_target_px
from ui.screens.base import Screen, label
from ui.screens.reasons import skip_and_go_row
from ui.widgets.keyboard import OnScreenKeyboard


class CommentScreen(Screen):
    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(flow, parent)
        self._for_rating: object = None
        self._language = flow.language
        self.max_length = flow.config.comment_max_len
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(12)
        self.title = label("title")
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("comment")
        self.editor.setTabChangesFocus(True)
        self.editor.textChanged.connect(self._text_changed)
        self.counter = label("counter")
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight)
        screen = QApplication.primaryScreen()
        self.keyboard = OnScreenKeyboard(
            key_size=touch_target_px(screen.physicalDotsPerInch() if screen else 0)
        )
        self.keyboard.set_target(self.editor)
        self.keyboard.set_max_length(self.max_length)
        buttons, self.skip, self.send = skip_and_go_row(flow.skip, self._send)
        layout.addWidget(self.title)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.counter)
        layout.addLayout(buttons)
        layout.addWidget(self.keyboard)
        self.retranslate()

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
        if flow.rating is not self._for_rating:
            self._for_rating = flow.rating
            self.editor.clear()
            self.keyboard.set_layout(flow.language)
        if flow.language != self._language:
            self._language = flow.language
            self.keyboard.set_layout(flow.language)
        self.send.setEnabled(not flow.saving)
        self.skip.setEnabled(not flow.saving)
