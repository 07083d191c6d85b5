"""Five-step satisfaction scale drawn as faces: face, colour and words, never colour alone.

Faces are vector paths so they stay crisp from a 40 px thumbnail to a 300 px tile. The
colours run red to green and are chosen light enough that the dark ink of the face and of the
label keeps a WCAG contrast of at least 4.5:1 on them (the tests check this).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontInfo,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractButton, QSizePolicy, QWidget

from ui.i18n import N_, _

__all__ = [
    "INK",
    "LABEL_MIN_PX",
    "SCALE",
    "LabelFit",
    "ScaleStep",
    "SmileyButton",
    "label_inset",
    "paint_face",
    "scale_step",
    "tile_height",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScaleStep:
    score: int
    color: str
    label: str  # English source text; translate with _() where shown


SCALE: tuple[ScaleStep, ...] = (
    ScaleStep(1, "#EF5350", N_("Very dissatisfied")),
    ScaleStep(2, "#FF8A3D", N_("Dissatisfied")),
    ScaleStep(3, "#FFCA28", N_("Neutral")),
    ScaleStep(4, "#9CCC65", N_("Satisfied")),
    ScaleStep(5, "#4CAF50", N_("Very satisfied")),
)

INK = "#141414"
"""Colour of the face's lines and of the label text on every tile."""

LABEL_MIN_PX = 11
"""The label font never shrinks below this pixel size; it wraps onto two lines first."""

_LABEL_MAX_LINES = 2

LABEL_SHARE = 0.45
"""Share of a tall tile's inner height its two label lines may take; the face gets the rest."""
PADDING_SHARE = 0.09
"""The padding as a share of the tile's shorter side."""

PADDING_MIN_PX = 8.0
"""The face keeps at least this far from the tile's edge."""
LABEL_INSET_MIN_PX = 12.0
"""The words keep at least this far from the tile's left and right edges."""


def scale_step(score: int) -> ScaleStep:
    """The scale entry for ``score`` (1..5); ``ValueError`` otherwise."""
    for step in SCALE:
        if step.score == score:
            return step
    raise ValueError(f"score must be 1..5, got {score!r}")


def paint_face(painter: QPainter, rect: QRectF, score: int, fill: QColor, ink: QColor) -> None:
    """Draw the face for ``score`` (1..5) centred in ``rect``: a ``fill`` disc, ``ink`` lines.

    1: deep frown and angled brows; 2: frown; 3: straight mouth; 4: smile; 5: open smile.
    """
    scale_step(score)  # validates
    side = min(rect.width(), rect.height())
    if side <= 0:
        return
    box = QRectF(0, 0, side, side)
    box.moveCenter(rect.center())

    def pt(x: float, y: float) -> QPointF:
        return QPointF(box.left() + x * side, box.top() + y * side)

    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    line = max(1.5, side * 0.055)
    pen = QPen(QColor(ink), line)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)

    # Head: a disc with an ink ring, inset so the ring stays inside rect.
    head = QPainterPath()
    radius = side / 2 - line / 2
    head.addEllipse(box.center(), radius, radius)
    painter.setPen(pen)
    painter.setBrush(QColor(fill))
    painter.drawPath(head)

    # Eyes: solid ovals; on the happiest face they sit a little higher, squeezed by the smile.
    eye_y = 0.38 if score < 5 else 0.36
    eyes = QPainterPath()
    for x in (0.35, 0.65):
        eyes.addEllipse(pt(x, eye_y), side * 0.055, side * 0.075)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(ink))
    painter.drawPath(eyes)

    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if score == 1:
        # Brows slanting down towards the nose: clearly upset, even at thumbnail size.
        brows = QPainterPath(pt(0.24, 0.22))
        brows.lineTo(pt(0.43, 0.29))
        brows.moveTo(pt(0.76, 0.22))
        brows.lineTo(pt(0.57, 0.29))
        painter.drawPath(brows)

    mouth = QPainterPath()
    if score == 5:
        # Open smile: a filled half-moon.
        mouth.moveTo(pt(0.27, 0.58))
        mouth.lineTo(pt(0.73, 0.58))
        mouth.cubicTo(pt(0.72, 0.86), pt(0.28, 0.86), pt(0.27, 0.58))
        mouth.closeSubpath()
        painter.setBrush(QColor(ink))
    else:
        # Quadratic curves: the control point's offset from the chord sets the curvature
        # (the curve's apex is half way between chord and control point).
        left_x, right_x, chord_y, control_y = {
            1: (0.29, 0.71, 0.76, 0.50),
            2: (0.32, 0.68, 0.73, 0.59),
            3: (0.32, 0.68, 0.68, 0.68),
            4: (0.30, 0.70, 0.62, 0.80),
        }[score]
        mouth.moveTo(pt(left_x, chord_y))
        mouth.quadTo(pt(0.5, control_y), pt(right_x, chord_y))
    painter.drawPath(mouth)
    painter.restore()


@dataclass(frozen=True)
class LabelFit:
    """Where and how a button draws its label."""

    font: QFont
    rect: QRectF  # where the lines are drawn
    lines: tuple[str, ...]
    area: QRectF  # the space kept for the label: always two lines high


def _wrap_lines(text: str, metrics: QFontMetricsF, width: float) -> list[str] | None:
    """Greedy word wrap; ``None`` if a single word is wider than ``width``."""
    lines: list[str] = []
    for word in text.split():
        if metrics.horizontalAdvance(word) > width:
            return None
        if lines and metrics.horizontalAdvance(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


class SmileyButton(QAbstractButton):
    """A rating tile: rounded tile in the score's colour, the face, and the label under it.

    The label is translated at paint time and shrinks (down to ``LABEL_MIN_PX``) and wraps
    onto at most two lines so it never clips, even five abreast in a 720 px wide window.
    ``min_size`` (pixels, square) lets the caller enforce a touch-target minimum.
    """

    def __init__(self, score: int, parent: QWidget | None = None, *, min_size: int = 0) -> None:
        super().__init__(parent)
        self._step = scale_step(score)
        self._label_px_cache: tuple[tuple[int, int, str, str], int] | None = None
        self._fit_cache: tuple[tuple[int, int, str, str, int], LabelFit] | None = None
        self._drawn: tuple[tuple[object, ...], QPixmap] | None = None
        """The tile as last drawn, and what it was drawn for: the rate screen shows five at
        once, and copying a tile costs a small part of drawing it."""
        self.setObjectName("smileyButton")
        self.setProperty("score", score)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        if min_size:
            self.setMinimumSize(min_size, min_size)
        self.retranslate()

    def score(self) -> int:
        return self._step.score

    def fill_color(self) -> QColor:
        return QColor(self._step.color)

    def ink_color(self) -> QColor:
        """Colour of the face lines and the label text."""
        return QColor(INK)

    def label(self) -> str:
        """The label in the current UI language."""
        return _(self._step.label)

    def retranslate(self) -> None:
        """Re-read the label for the current UI language."""
        text = self.label()
        self.setText(text.replace("&", "&&"))
        self.setAccessibleName(text)
        self.setToolTip(text)
        self.updateGeometry()
        self.update()

    # -- geometry ------------------------------------------------------------------------

    def _padding(self) -> float:
        """Room between the tile's edge and the face or words: they never touch it."""
        return max(PADDING_MIN_PX, min(self.width(), self.height()) * PADDING_SHARE)

    def sizeHint(self) -> QSize:
        line = QFontMetricsF(self.font()).height()
        width = max(round(line * 6), self.minimumWidth())
        return QSize(width, max(round(width * 1.2), self.minimumHeight()))

    def minimumSizeHint(self) -> QSize:
        return QSize(64, 80)

    def wide(self) -> bool:
        """A wide, low tile (a portrait screen's column) puts the words beside the face."""
        return self.width() >= 2.5 * self.height()

    def _label_area(self) -> QRectF:
        pad = self._padding()
        side = label_inset(self.width())
        if self.wide():
            face = self.height() - 2 * pad
            return QRectF(self.rect()).adjusted(face + 2 * pad, pad, -side, -pad)
        return QRectF(self.rect()).adjusted(side, pad, -side, -pad)

    def _shrink(self, start_px: int) -> tuple[QFont, list[str] | None]:
        """Largest font from ``start_px`` down whose wrapped label fits; the floor otherwise."""
        inner = self._label_area()
        text = self.label()
        font = QFont(self.font())
        size = max(start_px, LABEL_MIN_PX)
        while True:
            font.setPixelSize(size)
            metrics = QFontMetricsF(font)
            lines = _wrap_lines(text, metrics, inner.width())
            fits = (
                lines is not None
                and len(lines) <= _LABEL_MAX_LINES
                and metrics.height() * (len(lines) if self.wide() else _LABEL_MAX_LINES)
                <= inner.height() * (0.8 if self.wide() else LABEL_SHARE)
            )
            if fits or size <= LABEL_MIN_PX:
                return font, lines
            size -= 1

    def _own_label_px(self) -> int:
        """The label pixel size this button alone would use (cached per size and text)."""
        key = (self.width(), self.height(), self.label(), self.font().key())
        if self._label_px_cache is None or self._label_px_cache[0] != key:
            start = QFontInfo(self.font()).pixelSize()
            font, _lines = self._shrink(start)
            self._label_px_cache = (key, font.pixelSize())
        return self._label_px_cache[1]

    def _siblings(self) -> list[SmileyButton]:
        parent = self.parentWidget()
        if parent is None:
            return []
        return [
            w
            for w in parent.children()
            if isinstance(w, SmileyButton) and w is not self and w.isVisibleTo(parent)
        ]

    def label_fit(self) -> LabelFit:
        """Choose the label font, lines and rectangle for the current size and language.

        Starts from the widget font (the app sets a large one) and shrinks until every line
        fits the tile width in at most two lines. Buttons that share a parent use the same,
        smallest, size so a row of them reads evenly, and all reserve two lines so their faces
        line up. Cached per size, text, font and shared size: every paint asks for it.
        """
        px = min([self._own_label_px(), *(b._own_label_px() for b in self._siblings())])
        key = (self.width(), self.height(), self.label(), self.font().key(), px)
        if self._fit_cache is None or self._fit_cache[0] != key:
            self._fit_cache = (key, self._fit(px))
        return self._fit_cache[1]

    def _fit(self, px: int) -> LabelFit:
        font, lines = self._shrink(px)
        metrics = QFontMetricsF(font)
        inner = self._label_area()
        if lines is None:
            log.warning("label %r is too wide for a %d px tile", self.label(), self.width())
            lines = [metrics.elidedText(self.label(), Qt.TextElideMode.ElideRight, inner.width())]
        area_height = metrics.height() * _LABEL_MAX_LINES
        if self.wide():
            area = QRectF(inner)
            area_height = inner.height()
        else:
            area = QRectF(inner.left(), inner.bottom() - area_height, inner.width(), area_height)
        height = metrics.height() * len(lines)
        top = area.top() + (area_height - height) / 2
        rect = QRectF(inner.left(), top, inner.width(), height)
        return LabelFit(font=font, rect=rect, lines=tuple(lines), area=area)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        for sibling in self._siblings():  # their shared label size may change
            sibling.update()

    # -- painting ------------------------------------------------------------------------

    def _tile_rect(self) -> QRectF:
        """The rounded tile, inset by half its border (and a little more while pressed)."""
        tile = QRectF(self.rect())
        short = min(tile.width(), tile.height())
        inset = self._border() / 2
        if self.isDown():
            inset += max(1.0, short * 0.02)  # the tile sinks a little while pressed
        return tile.adjusted(inset, inset, -inset, -inset)

    def _border(self) -> float:
        short = min(self.width(), self.height())
        return max(3.0, short * 0.035) if self.isChecked() else max(1.0, short * 0.012)

    def face_rect(self, fit: LabelFit | None = None) -> QRectF:
        """The square the face is drawn in, inside the tile's padding."""
        fit = fit or self.label_fit()
        tile = self._tile_rect()
        pad = self._padding()
        if self.wide():
            side = tile.height() - 2 * pad
            area = QRectF(tile.left() + pad, tile.top() + pad, side, side)
        else:
            area = QRectF(
                tile.left() + pad,
                tile.top() + pad,
                tile.width() - 2 * pad,
                fit.area.top() - tile.top() - pad - pad / 2,
            )
        side = max(0.0, min(area.width(), area.height()))
        square = QRectF(0, 0, side, side)
        square.moveCenter(area.center())
        return square

    def paintEvent(self, event: QPaintEvent) -> None:
        fit = self.label_fit()
        ratio = self.devicePixelRatioF()
        look = (self.size(), ratio, self.isDown(), self.isChecked(), self.isEnabled(), fit)
        if self._drawn is None or self._drawn[0] != look:
            drawing = QPixmap(self.size() * ratio)
            drawing.setDevicePixelRatio(ratio)
            drawing.fill(Qt.GlobalColor.transparent)
            self._draw(QPainter(drawing), fit)
            self._drawn = (look, drawing)
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._drawn[1])
        painter.end()

    def _draw(self, painter: QPainter, fit: LabelFit) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        if not self.isEnabled():
            painter.setOpacity(0.45)
        ink = self.ink_color()
        fill = self.fill_color()
        tile = self._tile_rect()
        radius = min(tile.width(), tile.height()) * 0.1
        painter.setPen(QPen(ink, self._border()))
        painter.setBrush(fill)
        painter.drawRoundedRect(tile, radius, radius)

        paint_face(painter, self.face_rect(fit), self._step.score, fill, ink)

        painter.setFont(fit.font)
        painter.setPen(ink)
        line_height = QFontMetricsF(fit.font).height()
        for i, line in enumerate(fit.lines):
            line_rect = QRectF(
                fit.rect.left(), fit.rect.top() + i * line_height, fit.rect.width(), line_height
            )
            horizontal = (
                Qt.AlignmentFlag.AlignLeft if self.wide() else Qt.AlignmentFlag.AlignHCenter
            )
            painter.drawText(line_rect, horizontal | Qt.AlignmentFlag.AlignTop, line)
        painter.end()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.updateGeometry()


def label_inset(width: float) -> float:
    """Room left and right of the words in a tile ``width`` px wide (less than the face's
    padding: long Georgian words need the width more than the face does)."""
    return max(LABEL_INSET_MIN_PX, width * 0.05)


def tile_height(face: float, line: float, wide: bool) -> int:
    """How tall a tile must be to show a face ``face`` px across and two label lines ``line``
    px high each, laid out as :class:`SmileyButton` does (its height being its shorter side,
    which sets the padding)."""
    inner_share = 1 - 2 * PADDING_SHARE
    label = 2 * line
    face += 4  # the tile's border, drawn inside it
    if wide:
        return math.ceil(max(face, label / 0.8) / inner_share)
    return math.ceil(
        max((face + label) / (1 - 2.5 * PADDING_SHARE), label / (LABEL_SHARE * inner_share))
    )
