"""Page shapes shared by the staff screens, so that each fits every screen it may meet.

A staff page never asks for more room than a 7" tablet has: its content scrolls between a
fixed top and a fixed row of buttons, and a pair of blocks (the PIN pad and its texts) stands
side by side on a landscape screen and one above the other on a portrait one. Were a page to
ask for more, the kiosk window would grow past the screen and its buttons fall off the edge.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from ui.widgets.swipe import SwipeArea

MARGIN = 16
SPACING = 12


class StaffPage(QWidget):
    """``top`` (fixed), ``column`` (scrolls), ``dock`` (fixed) and ``footer`` (fixed buttons).
    Call :meth:`finish` once the column is filled.

    A ``side`` widget (an on-screen keyboard) stays in view beside the scrolling column on a
    landscape screen and under it on a portrait one, never scrolled away from the fields it
    types into.
    """

    def __init__(self, parent: QWidget | None = None, *, side: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        outer.setSpacing(SPACING)
        self.top = QVBoxLayout()
        self.top.setSpacing(SPACING)
        self.area = SwipeArea()
        self.body = QWidget()
        self.column = QVBoxLayout(self.body)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(SPACING)
        self.dock = QVBoxLayout()
        self.footer = QHBoxLayout()
        self.footer.setSpacing(SPACING)
        outer.addLayout(self.top)
        if side is None:
            outer.addWidget(self.area, 1)
        else:
            outer.addWidget(Reflow(self.area, side, stretch=(2, 3)), 1)
        outer.addLayout(self.dock)
        outer.addLayout(self.footer)

    def finish(self) -> None:
        """Put the filled column into the scrolling area (its buttons become swipeable)."""
        self.column.addStretch(1)
        self.area.set_body(self.body)


class Reflow(QWidget):
    """Two blocks side by side when the window is wider than tall, else stacked.

    The window's shape decides, not this widget's own size: a choice made from its own size
    would change the room it asks for, and with it its size, back and forth.
    """

    def __init__(
        self,
        first: QWidget,
        second: QWidget,
        parent: QWidget | None = None,
        *,
        stretch: tuple[int, int] = (1, 0),
    ) -> None:
        """``stretch`` shares the width when side by side; a second block without stretch keeps
        its own size, centred (the PIN pad), one with stretch fills its share (a keyboard).
        Stacked, the first block takes whatever height the second leaves."""
        super().__init__(parent)
        self.stretch = stretch
        self.box = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(SPACING * 2)
        self.box.addWidget(first, 1)
        if stretch[1]:
            self.box.addWidget(second, 0, Qt.AlignmentFlag.AlignTop)
        else:
            centred = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
            self.box.addWidget(second, 0, centred)
        self._watched: QWidget | None = None

    def wide(self) -> bool:
        window = self.window()
        return window.width() > window.height() * 1.15

    def arrange(self) -> None:
        wanted = (
            QBoxLayout.Direction.LeftToRight if self.wide() else QBoxLayout.Direction.TopToBottom
        )
        if self.box.direction() != wanted:
            self.box.setDirection(wanted)
            wide = wanted == QBoxLayout.Direction.LeftToRight
            self.box.setStretch(0, self.stretch[0] if wide else 1)
            self.box.setStretch(1, self.stretch[1] if wide else 0)

    def event(self, event: QEvent) -> bool:
        """Choose the direction when first polished, which Qt does just before it lays out and
        shows a page (choosing it when shown would lay the page out twice), and follow the
        window's resizes from then on, shown or hidden."""
        if event.type() in (QEvent.Type.Polish, QEvent.Type.Show):
            window = self.window()
            if window is not self and window is not self._watched:
                if self._watched is not None:
                    self._watched.removeEventFilter(self)
                window.installEventFilter(self)
                self._watched = window
            self.arrange()
        return super().event(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.arrange()
        return False


def show_message(widget: QLabel, text: str, error: bool = False) -> None:
    """Show ``text`` in ``widget``; an error is styled as one (colour, bar and weight), so staff
    see at a glance that something needs fixing and not just an explanation."""
    widget.setText(text)
    if bool(widget.property("error")) != error:
        widget.setProperty("error", error)
        # Re-reads the style sheet rules for the label; a re-polish alone would change its
        # colours but not its padding, and the error bar would cover the first letters.
        widget.setStyleSheet(widget.styleSheet())
    keeper = widget.findChild(_KeepInView)
    if error and keeper is None:
        _KeepInView(widget)
    elif not error and keeper is not None:
        keeper.stop()
    if error:
        QTimer.singleShot(0, widget, partial(_scroll_into_view, widget))


class _KeepInView(QObject):
    """Scrolls an error message back into view whenever the layout moves or resizes it: a new
    text is laid out over a few turns of the event loop, and a scroll bar appearing makes the
    texts above it wrap anew. Scrolling by hand does not move it within its list, so this never
    fights the finger."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.widget = widget
        widget.installEventFilter(self)

    def stop(self) -> None:
        self.widget.removeEventFilter(self)
        self.setParent(None)
        self.deleteLater()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move):
            QTimer.singleShot(0, self.widget, partial(_scroll_into_view, self.widget))
        return False


def _scroll_into_view(widget: QWidget) -> None:
    """Scroll the list holding ``widget`` (if any) so it is seen: an error out of sight is as
    good as none."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            parent.ensureWidgetVisible(widget)
            return
        parent = parent.parentWidget()
