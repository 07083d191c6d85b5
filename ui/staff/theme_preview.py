"""A small picture of a theme (the kiosk in miniature: header with the emblem, text, a button
and a card in the theme's colours and corners), so staff choose a look they can see rather than
a name."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

from common.theme import Theme


def theme_preview(theme: Theme, side: int) -> QPixmap:
    """A ``side`` × ``side`` picture of ``theme``."""
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    unit = side / 20
    radius = min(theme.radius, 24) * side / 160
    frame = QRectF(1, 1, side - 2, side - 2)
    painter.setPen(QPen(QColor(theme.border), 2))
    painter.setBrush(QColor(theme.background))
    painter.drawRoundedRect(frame, radius, radius)

    painter.setPen(Qt.PenStyle.NoPen)
    header = QRectF(2, 2, side - 4, unit * 5)
    painter.setBrush(QColor(theme.primary))
    painter.drawRect(header.adjusted(0, radius / 2, 0, 0))
    painter.drawRoundedRect(header, radius, radius)
    if theme.logo is not None:
        logo = QIcon(str(theme.logo)).pixmap(QSize(round(unit * 4), round(unit * 4)))
        painter.drawPixmap(round(unit), round(unit * 0.5 + 2), logo)
    painter.setBrush(QColor(theme.on_primary))
    painter.drawRoundedRect(QRectF(unit * 6, unit * 2, unit * 10, unit * 1.2), unit / 2, unit / 2)

    painter.setBrush(QColor(theme.text))
    painter.drawRoundedRect(QRectF(unit * 2, unit * 7, unit * 12, unit * 1.4), unit / 2, unit / 2)
    painter.setBrush(QColor(theme.muted_text))
    painter.drawRoundedRect(QRectF(unit * 2, unit * 9.5, unit * 16, unit), unit / 2, unit / 2)

    card = QRectF(unit * 2, unit * 11.5, unit * 16, unit * 3)
    painter.setPen(QPen(QColor(theme.primary), max(1.0, unit / 3)))
    painter.setBrush(QColor(theme.surface))
    painter.drawRoundedRect(card, radius, radius)

    button = QRectF(unit * 4, unit * 15.5, unit * 12, unit * 3)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(theme.primary))
    painter.drawRoundedRect(button, radius, radius)
    painter.setBrush(QColor(theme.on_primary))
    painter.drawRoundedRect(QRectF(unit * 7, unit * 16.6, unit * 6, unit * 0.8), unit / 3, unit / 3)
    painter.end()
    return pixmap
