"""What every citizen screen has: a background, texts to re-read, and a view of the flow."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QBoxLayout, QFrame, QLabel, QPushButton, QWidget

from common.theme import Theme
from kiosk.flow import Flow
from ui.metrics import Metrics
from ui.qt_names import centre_text, take_tab_focus


class Screen(QFrame):
    """A thin view: shows :class:`Flow` state and feeds it taps, holds no state of its own.

    A frame (without one drawn) because Qt paints a frame's style-sheet background by itself,
    where a plain widget needs an attribute from Qt's namespace (``ui.qt_names``)."""

    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = flow
        self.setObjectName("screen")

    def retranslate(self) -> None:
        """Re-read every text after a language change."""

    def show_state(self, flow: Flow) -> None:
        """Show the flow's current state."""

    def apply_theme(self, theme: Theme, metrics: Metrics) -> None:
        """Recolour and resize what a style sheet cannot reach (icons, hand-placed controls)."""

    def reset(self) -> None:
        """Forget what the last citizen left behind (scroll positions, typed text), so the
        next one starts at the top."""


PICTURE_SHARE = 0.22
"""A screen's big emblem or icon may take this share of its height."""


def label(object_name: str, wrap: bool = True, center: bool = False) -> QLabel:
    widget = QLabel()
    widget.setObjectName(object_name)
    widget.setWordWrap(wrap)
    if center:
        centre_text(widget)
    return widget


def action_button(object_name: str) -> QPushButton:
    """A button that keys reach (a tap leaves the focus where it was), styled by its name."""
    button = QPushButton()
    button.setObjectName(object_name)
    take_tab_focus(button)
    return button


def _least_height(widget: QWidget, width: int) -> int:
    """The least height ``widget`` can be given in a column ``width`` px wide."""
    if widget.hasHeightForWidth():
        return widget.heightForWidth(width)
    return max(widget.minimumSizeHint().height(), widget.minimumHeight())


def column_height(
    layout: QBoxLayout, width: int, shown: Sequence[QWidget] = (), hidden: Sequence[QWidget] = ()
) -> int:
    """The least height a vertical ``layout`` needs, ``width`` px wide, for what it shows (or
    would show with ``shown`` visible and ``hidden`` hidden)."""
    margins = layout.contentsMargins()
    inner = width - margins.left() - margins.right()
    heights = []
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item is None:
            continue
        widget = item.widget()
        if widget is not None:
            visible = widget in shown or (not widget.isHidden() and widget not in hidden)
            if visible:
                heights.append(_least_height(widget, inner))
        elif (inner_layout := item.layout()) is not None:
            heights.append(inner_layout.minimumSize().height())
    spacing = max(0, layout.spacing()) * max(0, len(heights) - 1)
    return margins.top() + margins.bottom() + sum(heights) + spacing


def fit_column(layout: QBoxLayout, width: int, height: int, optional: Sequence[QWidget]) -> None:
    """Hide the ``optional`` widgets, first ones first, until the column fits ``height``, and
    show those that fit. A small screen (or "Aa") drops what can be done without rather than
    cutting text or growing the window past the screen."""
    drop: list[QWidget] = []
    for widget in optional:
        keep = [w for w in optional if w not in drop]
        if column_height(layout, width, shown=keep, hidden=drop) <= height:
            break
        drop.append(widget)
    for widget in optional:
        if widget.isHidden() != (widget in drop):
            widget.setVisible(widget not in drop)
