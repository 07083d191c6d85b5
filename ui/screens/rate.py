"""Rate: the question and five large faces. The tap is the rating and is saved at once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QFont, QFontMetricsF, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from common.theme import Theme
from kiosk.flow import Flow
from ui.fonts import kiosk_font
from ui.i18n import _
from ui.icons import icon
from ui.metrics import Metrics
from ui.screens.base import Screen, label
from ui.widgets.picture import Picture
from ui.widgets.smiley import (
    LABEL_MIN_PX,
    PADDING_MIN_PX,
    PADDING_SHARE,
    SmileyButton,
    label_inset,
    tile_height,
)

ARRANGEMENTS: tuple[tuple[int, ...], ...] = ((5,), (3, 2), (1, 1, 1, 1, 1))
"""Faces per row: a row of five, three over two, or a column of wide tiles."""
FACE_PER_BODY = {False: 4.5, True: 4.0}
"""Preferred face diameter in body-text sizes, for tall tiles and for wide (column) ones."""
WIDE_TILE_MAX_BODIES = 24
"""A column's tiles are at most this many body-text sizes wide, so the words stay near."""


@dataclass(frozen=True)
class Arrangement:
    rows: tuple[int, ...]
    tile: QSize
    face: float
    """The face diameter these tiles allow (the score: bigger is better)."""

    @property
    def wide(self) -> bool:
        return max(self.rows) == 1


class FaceScale(QWidget):
    """The five faces, placed by hand so they never make the window outgrow a small screen.

    Of a row of five, three over two and a column of wide tiles (face beside the words), it
    takes whichever gives the largest faces with the words at full size in the space it has;
    so "Aa" reflows the faces to fewer columns when a row would make them small. Tiles never
    grow beyond what the metrics ask for, so the larger look always has larger faces.
    """

    def __init__(self, faces: list[SmileyButton], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.faces = faces
        for face in faces:
            face.setParent(self)
        self.metrics = Metrics(target=56, body=22)
        self._labels: list[str] = [face.label() for face in faces]
        self._width_hint = 600
        self.arrangement: Arrangement | None = None
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def set_metrics(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.retranslate()

    def retranslate(self) -> None:
        self._labels = [face.label() for face in self.faces]
        self.updateGeometry()
        self._place()

    def set_width_hint(self, width: int) -> None:
        """The width the screen will give; the preferred height depends on it."""
        if width != self._width_hint:
            self._width_hint = width
            self.updateGeometry()

    # -- sizes ---------------------------------------------------------------------------------

    def _label_font(self) -> QFont:
        return kiosk_font(self.metrics.face_label)

    def preferred_tile_height(self, wide: bool) -> int:
        line = QFontMetricsF(self._label_font()).height()
        face = self.metrics.body * FACE_PER_BODY[wide]
        return tile_height(face, line, wide)

    def _arrange(self, rows: tuple[int, ...], width: int, height: int) -> Arrangement:
        gap = self.metrics.gap
        across = max(rows)
        wide = across == 1
        tile_w = (width - (across - 1) * gap) / across
        if wide:
            tile_w = min(tile_w, self.metrics.body * WIDE_TILE_MAX_BODIES)
        tile_h = min(self.preferred_tile_height(wide), (height - (len(rows) - 1) * gap) / len(rows))
        tile_w, tile_h = max(1.0, tile_w), max(1.0, tile_h)
        pad = max(PADDING_MIN_PX, min(tile_w, tile_h) * PADDING_SHARE)
        metrics = QFontMetricsF(self._label_font())
        line = metrics.height()
        longest = max(
            (metrics.horizontalAdvance(word) for text in self._labels for word in text.split()),
            default=0.0,
        )
        if wide:
            face = tile_h - 2 * pad
            room = tile_w - face - 2 * pad - label_inset(tile_w)
            fits = longest <= room and 2 * line <= 0.8 * (tile_h - 2 * pad)
        else:
            face = min(tile_w - 2 * pad, tile_h - 2.5 * pad - 2 * line)
            fits = longest <= tile_w - 2 * label_inset(tile_w)
        if not fits:  # the words would shrink: count the faces as much smaller
            face /= 2
        return Arrangement(rows, QSize(round(tile_w), round(tile_h)), max(0.0, face))

    def best(self, width: int, height: int) -> Arrangement:
        """The arrangement giving the largest faces in ``width`` × ``height``."""
        options = [self._arrange(rows, width, height) for rows in ARRANGEMENTS]
        return max(options, key=lambda a: a.face)  # first (a row) wins a tie

    def squeezed(self, width: int, height: int) -> bool:
        """True when ``height`` makes the best tiles lower than the metrics ask for."""
        best = self.best(width, height)
        return best.tile.height() < self.preferred_tile_height(best.wide) - 1

    def _needed_height(self, width: int) -> int:
        best = self.best(width, 100_000)
        return len(best.rows) * best.tile.height() + (len(best.rows) - 1) * self.metrics.gap

    def sizeHint(self) -> QSize:
        return QSize(self._width_hint, self._needed_height(self._width_hint))

    def minimumSizeHint(self) -> QSize:
        return QSize(5 * LABEL_MIN_PX, 5 * LABEL_MIN_PX)

    # -- placing -------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        width, height = self.width(), self.height()
        if width < 1 or height < 1:
            return
        best = self.best(width, height)
        self.arrangement = best
        gap = self.metrics.gap
        tile_w, tile_h = best.tile.width(), best.tile.height()
        block_h = len(best.rows) * tile_h + (len(best.rows) - 1) * gap
        y = (height - block_h) // 2
        faces = iter(self.faces)
        for count in best.rows:
            row_w = count * tile_w + (count - 1) * gap
            x = (width - row_w) // 2
            for _column in range(count):
                next(faces).setGeometry(QRect(x, y, tile_w, tile_h))
                x += tile_w + gap
            y += tile_h + gap


class RateScreen(Screen):
    def __init__(self, flow: Flow, parent: QWidget | None = None) -> None:
        super().__init__(flow, parent)
        self._theme: Theme | None = None
        self._icon_drawn: tuple[str, str, int] | None = None
        """The service icon shown: (name, colour, size)."""
        self.metrics = Metrics(target=56, body=22)
        self._layout = QVBoxLayout(self)
        self.service_icon = Picture()
        self.question = label("title", center=True)
        self.hint = label("subtitle", center=True)
        self.faces: dict[int, SmileyButton] = {}
        for score in range(1, 6):
            face = SmileyButton(score)
            face.clicked.connect(partial(flow.rate, score))
            self.faces[score] = face
        self.scale = FaceScale(list(self.faces.values()))
        self._layout.addStretch(1)
        self._layout.addWidget(self.service_icon)
        self._layout.addWidget(self.question)
        self._layout.addWidget(self.hint)
        self._layout.addWidget(self.scale)
        self._layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.hint.setText(_("Tap the face that matches your experience."))
        for face in self.faces.values():
            face.retranslate()
        self.scale.retranslate()
        self._fit()

    def show_state(self, flow: Flow) -> None:
        if flow.service is None:
            return
        self.question.setText(flow.question())
        if self._theme is not None:
            drawn = (flow.service.icon, self._theme.primary, self.metrics.target * 2)
            if drawn != self._icon_drawn:  # not again while the tap's rating is saved
                self._icon_drawn = drawn
                self.service_icon.set_icon(icon(drawn[0], drawn[1]), drawn[2])
        for score, face in self.faces.items():
            face.setEnabled(not flow.saving or flow.score == score)
        self._fit()

    def apply_theme(self, theme: Theme, metrics: Metrics) -> None:
        self._theme = theme
        self.metrics = metrics
        margin = metrics.margin
        self._layout.setContentsMargins(margin, metrics.gap, margin, metrics.gap)
        self._layout.setSpacing(metrics.gap)
        self.scale.set_metrics(metrics)
        if self.flow.service is not None:
            self.show_state(self.flow)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """Give the faces the room they ask for: drop the service's icon first, then the hint
        (the question names the service and the faces explain themselves)."""
        margins = self._layout.contentsMargins()
        spacing = self._layout.spacing()
        width = self.width() - margins.left() - margins.right()
        if width < 1:
            return
        self.scale.set_width_hint(width)
        base = self.height() - margins.top() - margins.bottom()
        base -= self.question.heightForWidth(width) + spacing
        hint = self.hint.heightForWidth(width) + spacing
        icon_h = self.service_icon.preferred() + spacing
        show_icon, show_hint = False, False
        for with_icon, with_hint in ((True, True), (False, True), (False, False)):
            room = base - (icon_h if with_icon else 0) - (hint if with_hint else 0)
            if not self.scale.squeezed(width, room):
                show_icon, show_hint = with_icon, with_hint
                break
        if self.service_icon.isVisibleTo(self) != show_icon:
            self.service_icon.setVisible(show_icon)
        if self.hint.isVisibleTo(self) != show_hint:
            self.hint.setVisible(show_hint)
