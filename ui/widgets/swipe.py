"""Scroll a list by swiping a finger across it, even when the finger starts on a button.

``QScroller``'s touch gesture swallows taps on the buttons inside a scroll area, and its mouse
gesture loses clicks, so tiles could not be tapped. This filter works on the mouse events Qt
synthesizes from touch: a press starts as a tap; once the finger has moved further than a
threshold it becomes a swipe, the button is released without a click and the list follows the
finger.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QAbstractButton, QScrollArea, QWidget

SWIPE_THRESHOLD_PX = 16


class SwipeScroller(QObject):
    """Install on a scroll area with :func:`make_swipeable`; it watches every child."""

    def __init__(self, area: QScrollArea) -> None:
        super().__init__(area)
        self.area = area
        self._start: QPointF | None = None
        self._start_value = 0
        self.swiping = False

    def watch(self, widget: QWidget) -> None:
        widget.installEventFilter(self)
        for child in widget.findChildren(QWidget):
            child.installEventFilter(self)

    def begin(self, press: QMouseEvent) -> None:
        """A finger went down: it may become a swipe. Also for a press the list's buttons
        never see (Listen mode keeps a first tap from them)."""
        self._start = press.globalPosition()
        self._start_value = self.area.verticalScrollBar().value()
        self.swiping = False

    def cancel(self) -> None:
        """The finger went up without swiping, and the release went elsewhere."""
        self._start = None
        self.swiping = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            assert isinstance(event, QMouseEvent)
            self.begin(event)
            return False
        if kind == QEvent.Type.MouseMove and self._start is not None:
            assert isinstance(event, QMouseEvent)
            if event.buttons() == Qt.MouseButton.NoButton:  # a pointer passing over, no finger
                self.cancel()
                return False
            dy = event.globalPosition().y() - self._start.y()
            if not self.swiping and abs(dy) > SWIPE_THRESHOLD_PX:
                self.swiping = True
                if isinstance(watched, QAbstractButton):
                    watched.setDown(False)
            if self.swiping:
                self.area.verticalScrollBar().setValue(round(self._start_value - dy))
                return True
            return False
        if kind == QEvent.Type.MouseButtonRelease and self._start is not None:
            self._start = None
            if self.swiping:
                self.swiping = False
                return True
        return False


class SwipeArea(QScrollArea):
    """A vertical list for touch: no frame, no horizontal bar, scrolled by swiping."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.swipe = SwipeScroller(self)
        self.swipe.watch(self.viewport())

    def set_body(self, body: QWidget) -> None:
        """Show ``body`` (built afresh or not); its buttons become swipeable too."""
        body.setObjectName("scrollBody")
        self.setWidget(body)
        self.swipe.watch(body)
