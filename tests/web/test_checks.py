"""The in-page checks themselves, on small pages made to fail them (and on ones that must
pass), so a check that silently stopped seeing anything cannot go unnoticed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.web import checks

if TYPE_CHECKING:
    from playwright.sync_api import Page

STYLE = """<style>
  body { margin: 0; font-family: sans-serif; }
  .sr { position: absolute !important; width: 1px; height: 1px; overflow: hidden;
        clip: rect(0 0 0 0); white-space: nowrap; }
  .skip { position: absolute; left: -999px; }
  .box { width: 120px; overflow: hidden; white-space: nowrap; }
  .ellipsis { width: 120px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
  .short { height: 1.2em; overflow: hidden; width: 120px; }
  .left { margin-left: -40px; }
  .wrap { overflow-x: auto; width: 200px; }
</style>"""


def test_clipped_text_passes_hidden_on_purpose_and_scrollable(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.set_content(
        f"""<html lang="en">{STYLE}<body><a class="skip" href="#m">Skip to the content</a>
        <h1>One heading</h1><span class="sr">for screen readers only</span>
        <table><caption class="sr">a caption for screen readers only</caption>
        <tr><td>cell</td></tr></table>
        <div class="box">fits</div>
        <div class="wrap"><table><tr><td>a very wide table cell that scrolls sideways
        inside its own box</td><td>another</td></tr></table></div></body></html>"""
    )
    assert checks.clipped_text(page) == []
    assert checks.horizontal_overflow(page, 360) == []
    assert checks.headings(page) == []
    assert checks.missing_glyphs(page) == []


def test_clipped_text_finds_cut_text(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.set_content(
        f"""<html lang="en">{STYLE}<body>
        <div class="box" id="a">a label far too long for its narrow box</div>
        <div class="ellipsis" id="b">an ellipsis hides the end of this label</div>
        <div class="short" id="c">two lines of text in a box one line high, cut below</div>
        <p class="left" id="d">starts left of the screen</p></body></html>"""
    )
    found = "\n".join(checks.clipped_text(page))
    for element in ("div#a", "div#b", "div#c", "p#d"):
        assert element in found, found


def test_overflow_headings_glyphs_and_lang_fail_when_they_should(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.set_content(
        """<html lang="en"><body style="margin:0"><h1>One</h1><h1>Two</h1>
        <div style="width:500px">wide</div><p>\U00011a01</p></body></html>"""
    )
    assert checks.horizontal_overflow(page, 360)
    assert checks.headings(page) == ["2 h1 elements (one is expected)"]
    assert "U+11A01" in checks.missing_glyphs(page)[0]
    assert checks.html_lang(page, "ka")
    assert checks.speaks(page, "ka")
    assert checks.speaks(page, "en") == []


def test_georgian_is_drawn_with_real_glyphs(page: Page) -> None:
    """The machine has a font for Mkhedruli (DejaVu Sans on Debian), so pages are not boxes."""
    page.set_content(
        '<html lang="ka"><body><h1>მოქალაქეთა უკუკავშირი — აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ'
        "</h1></body></html>"
    )
    assert checks.missing_glyphs(page) == []
    assert checks.speaks(page, "ka") == []


def test_contrast() -> None:
    assert round(checks.contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    assert checks.contrast("rgb(11, 79, 138)", "rgba(11, 79, 138, 1)") == 1.0


def test_focus_style_sees_what_lies_behind_the_outline(page: Page) -> None:
    page.set_content(
        """<html lang="en"><body style="margin:0;background:#fff">
        <style>a:focus-visible { outline: 3px solid #0b4f8a; outline-offset: 2px; }</style>
        <header style="background:#0b4f8a;padding:20px"><a href="#a" style="color:#fff">In</a>
        </header><p style="padding:20px"><a href="#b">Out</a></p></body></html>"""
    )
    page.keyboard.press("Tab")
    inside = checks.focus_style(page)
    assert inside["outlineStyle"] == "solid" and inside["outlineWidth"] == 3
    assert inside["backgrounds"] == ["rgb(11, 79, 138)"]
    assert checks.contrast(inside["outlineColor"], inside["backgrounds"][0]) == 1.0
    page.keyboard.press("Tab")
    outside = checks.focus_style(page)
    assert outside["backgrounds"] == ["rgb(255, 255, 255)"]
