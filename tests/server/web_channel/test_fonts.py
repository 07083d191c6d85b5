"""The pages' fonts are the kiosk's, cut down to the characters the pages can show."""

from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont

from server.web_channel import fonts
from server.web_channel.fonts import ALWAYS, GEORGIAN_RANGE, WebFonts, fonts_dir


def cmap(data: bytes) -> set[str]:
    return {chr(code) for code in TTFont(io.BytesIO(data)).getBestCmap()}


def test_subsets_hold_the_text_and_little_else() -> None:
    assert fonts_dir() is not None
    made = WebFonts().for_text("ქართული ენა — Café")
    assert made is not None
    georgian = cmap(made.files["georgian-400"])
    latin = cmap(made.files["latin-700"])
    assert set("ქართულიენა") <= georgian and "ბ" not in georgian
    assert set("Café") | set(ALWAYS) <= latin
    assert not any("\u10a0" <= ch <= "\u10ff" for ch in latin)
    assert all(len(data) < 20_000 for data in made.files.values())


def test_the_set_is_named_by_its_characters_and_made_once() -> None:
    made = WebFonts()
    first = made.for_text("აბგ")
    assert first is made.for_text("გბა")  # the same characters: the same set
    assert first is not None and made.get(first.digest) is first
    other = made.for_text("აბგდ")
    assert other is not None and other.digest != first.digest
    assert f"/static/fonts/{first.digest}/georgian-700.woff" in first.css
    assert f"unicode-range: {GEORGIAN_RANGE};" in first.css
    assert first.css.count("@font-face") == 4 and "font-display: swap" in first.css


def test_without_the_font_files_there_are_no_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "fonts_dir", lambda: None)  # an install without ui/fonts
    missing = WebFonts()
    assert missing.folder is None
    assert missing.for_text("ა") is None and missing.get("x") is None
