"""Every UI string is translated into Georgian, the compiled catalog matches its source, and
every character the kiosk can show is in the bundled fonts (no tofu boxes)."""

from __future__ import annotations

import gettext
import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from PySide6.QtGui import QRawFont

from kiosk.errors import StorageError
from ui.fonts import FONT_DIR
from ui.i18n import DOMAIN, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
UI_DIR = ROOT / "ui"
STORAGE_WORDS = ROOT / "kiosk" / "errors.py"
PO_PATH = LOCALE_DIR / "ka" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO_PATH = PO_PATH.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def _source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(UI_DIR), keywords=KEYWORDS, comment_tags=()
    ):
        found.add(message if isinstance(message, str) else message[0])
    for _line, message, _comments, _context in extract_from_file(
        "python", str(STORAGE_WORDS), keywords=KEYWORDS, comment_tags=()
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_storage_words_are_extracted_with_the_ui_strings():
    assert set(StorageError.MESSAGES.values()) <= _source_messages()


def _po():
    with PO_PATH.open("rb") as handle:
        return read_po(handle, locale="ka")


def test_every_ui_string_has_a_georgian_translation():
    catalog = _po()
    messages = _source_messages()
    assert len(messages) > 20
    missing = sorted(m for m in messages if m not in catalog or not catalog[m].string)
    assert missing == []


def test_compiled_catalog_matches_its_source():
    buffer = io.BytesIO()
    write_mo(buffer, _po())
    buffer.seek(0)
    fresh = gettext.GNUTranslations(buffer)
    with MO_PATH.open("rb") as handle:
        shipped = gettext.GNUTranslations(handle)
    for message in _source_messages():
        assert shipped.gettext(message) == fresh.gettext(message), (
            "ukukavshiri.mo is stale: run `pybabel compile -d ui/locale -D ukukavshiri`"
        )


@pytest.fixture(scope="module")
def raw_fonts(qapp):
    fonts = [QRawFont(str(path), 20) for path in sorted(FONT_DIR.glob("*.ttf"))]
    assert len(fonts) == 4
    assert all(font.isValid() for font in fonts)
    return fonts


def _uncovered(texts, fonts) -> set[str]:
    chars = {ch for text in texts for ch in text if not ch.isspace()}
    return {ch for ch in chars if not any(font.supportsCharacter(ord(ch)) for font in fonts)}


def test_bundled_fonts_cover_every_ui_and_catalog_character(raw_fonts, catalog):
    translated = [m.string for m in _po() if m.id]
    texts = [
        *catalog.texts(),
        *_source_messages(),
        *(s if isinstance(s, str) else "".join(s) for s in translated),
        "ქართული English Aa ₾",
    ]
    assert _uncovered(texts, raw_fonts) == set()


def test_coverage_check_can_fail(raw_fonts):
    assert _uncovered(["ა", "\U0001f600"], raw_fonts) == {"\U0001f600"}
