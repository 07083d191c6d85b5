"""Bundled fonts, loaded at start so rendering never depends on the tablet's own fonts.

Noto Sans Georgian has no Latin letters and Noto Sans no Georgian ones, so Qt gets both
families in order and picks per character (``QFont.setFamilies``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase

log = logging.getLogger("ui.fonts")

FONT_DIR = Path(__file__).with_name("fonts")
FAMILIES = ["Noto Sans", "Noto Sans Georgian"]


def load_fonts() -> list[str]:
    """Register every bundled TTF once; returns the family names Qt now knows from them."""
    loaded: list[str] = []
    for path in sorted(FONT_DIR.glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.error("could not load bundled font %s", path)
            continue
        loaded.extend(QFontDatabase.applicationFontFamilies(font_id))
    return sorted(set(loaded))


def kiosk_font(pixel_size: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(FAMILIES)
    font.setPixelSize(pixel_size)
    font.setBold(bold)
    return font
