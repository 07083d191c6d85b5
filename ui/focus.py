"""Moving between controls by keys: the visual reading order, the control above or below, and
a focus ring that shows where one is on any background.

The order is taken from where the controls are on the screen, not from the order they were
made in, so it stays the visual order however a screen reflows (a row of five faces or a
column, buttons beside or under the comment box, the header on one row or two).
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QAbstractButton, QPlainTextEdit, QScrollArea, QWidget

RING_DARK = "#000000"
RING_LIGHT = "#FFDD00"
"""The ring's colours, as three bands: black, yellow, black. Drawn inside the control, each
band meets the control's own colour or the one beside it, and whatever those are (a light or
dark theme, "Aa"'s black and yellow, a chosen reason filled yellow, a red or green rating
tile) one band stands out against its neighbours (after WCAG technique C40, with a band more
because the ring lies inside the control, not on the page)."""


def can_take_focus(widget: QWidget) -> bool:
    """A control the keys can reach: a button or the comment box, shown and enabled."""
    return (
        isinstance(widget, QAbstractButton | QPlainTextEdit)
        and widget.isVisible()
        and widget.isEnabled()
        and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
    )


def controls_in(root: QWidget) -> list[QWidget]:
    return [w for w in root.findChildren(QWidget) if can_take_focus(w)]


def place_of(widget: QWidget, frame: QWidget) -> QRect:
    """Where ``widget`` is in ``frame`` as laid out, a list being scrolled to its top: a tile
    scrolled up out of view still reads after the title above the list."""
    parent = widget.parentWidget()
    while parent is not None and parent is not frame:
        if isinstance(parent, QScrollArea):
            body = parent.widget()
            if body is not None and body.isAncestorOf(widget):
                origin = parent.viewport().mapTo(frame, QPoint(0, 0))
                return QRect(origin + widget.mapTo(body, QPoint(0, 0)), widget.size())
        parent = parent.parentWidget()
    return QRect(widget.mapTo(frame, QPoint(0, 0)), widget.size())


def reading_order(widgets: list[QWidget], frame: QWidget) -> list[QWidget]:
    """Rows top to bottom, each left to right. A control joins a row when its middle lies
    within the height of the row's first control (a button aligned to the bottom of a tall
    box is beside it, not under it)."""
    places = {id(w): place_of(w, frame) for w in widgets}
    rows: list[list[QWidget]] = []
    for widget in sorted(widgets, key=lambda w: (places[id(w)].top(), places[id(w)].left())):
        place = places[id(widget)]
        if rows:
            first = places[id(rows[-1][0])]
            if first.top() <= place.center().y() <= first.bottom():
                rows[-1].append(widget)
                continue
        rows.append([widget])
    return [w for row in rows for w in sorted(row, key=lambda w: places[id(w)].left())]


def neighbour(current: QWidget, widgets: list[QWidget], frame: QWidget, down: bool) -> QWidget:
    """The control in the nearest row below (or above), nearest across; ``current`` when
    there is none."""
    here = place_of(current, frame)
    places = [(w, place_of(w, frame)) for w in widgets if w is not current]
    slack = here.height() // 4  # what lies beside a tall control is not below it
    if down:
        beyond = [(w, p) for w, p in places if p.top() >= here.bottom() - slack]
        edge = min((p.top() for _w, p in beyond), default=None)
        row = [(w, p) for w, p in beyond if edge is not None and p.top() <= edge + p.height() // 2]
    else:
        beyond = [(w, p) for w, p in places if p.bottom() <= here.top() + slack]
        edge = max((p.bottom() for _w, p in beyond), default=None)
        row = [
            (w, p) for w, p in beyond if edge is not None and p.bottom() >= edge - p.height() // 2
        ]
    if not row:
        return current
    return min(row, key=lambda wp: abs(wp[1].center().x() - here.center().x()))[0]


class FocusRing(QWidget):
    """Drawn on top of the control that has the focus, inside its edges (so no layout moves
    and no neighbour covers it); it follows the control as it moves or resizes."""

    def __init__(self, home: QWidget) -> None:
        super().__init__(home)
        self.home = home
        """Where the ring waits, hidden, while no control has the focus."""
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setObjectName("focusRing")
        self.width_px = 4
        self._target: QWidget | None = None
        self._follower = _Follower(self)
        self.hide()

    def target(self) -> QWidget | None:
        if self._target is not None and not shiboken6.isValid(self._target):
            self._target = None
        return self._target

    def set_width(self, width_px: int) -> None:
        self.width_px = width_px
        self.update()

    def follow(self, widget: QWidget | None) -> None:
        """Ring ``widget`` (``None``: hide)."""
        old = self.target()
        if old is not None and old is not widget:
            old.removeEventFilter(self._follower)
        self._target = widget
        if widget is None:
            self.hide()
            if self.parentWidget() is not self.home:
                self.setParent(self.home)
            return
        if self.parentWidget() is not widget:
            self.setParent(widget)
            widget.installEventFilter(self._follower)
        self.fit()
        self.show()
        self.raise_()

    def fit(self) -> None:
        target = self.target()
        if target is not None:
            self.setGeometry(target.rect())

    def band(self) -> float:
        """Each band's width: thinner on a small control (a key), so the ring never covers
        the letter on it."""
        return max(2.0, min(float(self.width_px), min(self.width(), self.height()) / 24))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        band = self.band()
        area = QRectF(self.rect())
        radius = min(area.width(), area.height()) * 0.12
        bands = ((RING_DARK, band / 2), (RING_LIGHT, band * 1.5), (RING_DARK, band * 2.5))
        for colour, inset in bands:
            painter.setPen(QPen(QColor(colour), band))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            edge = area.adjusted(inset, inset, -inset, -inset)
            painter.drawRoundedRect(edge, max(0.0, radius - inset), max(0.0, radius - inset))
        painter.end()


class _Follower(QObject):
    """Keeps the ring on its control's size and on top of the control's own children."""

    def __init__(self, ring: FocusRing) -> None:
        super().__init__(ring)
        self.ring = ring

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.ring.target():
            if event.type() == QEvent.Type.Resize:
                self.ring.fit()
            elif event.type() == QEvent.Type.ChildAdded:
                self.ring.raise_()
        return False
