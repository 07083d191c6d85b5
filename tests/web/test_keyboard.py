"""The public page with a keyboard alone: the skip link comes first and leads into the
content, and every link shows clearly where the focus is."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.web import checks
from tests.web.browser import screenshot_path
from tests.web.pages import LANGUAGES, url_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.web.seed import WebSite

PUBLIC_PATH = "/results"
MAX_TABS = 60
MIN_OUTLINE_PX = 2.0
MIN_FOCUS_CONTRAST = 3.0
"""WCAG 1.4.11: a focus indicator needs 3:1 against what surrounds it."""


@pytest.mark.parametrize("lang", LANGUAGES)
def test_skip_link_is_first_and_moves_focus_to_main(
    page: Page, web_site: WebSite, lang: str
) -> None:
    page.goto(web_site.url + url_in(lang, PUBLIC_PATH))
    page.keyboard.press("Tab")
    first = page.evaluate(
        """() => { const el = document.activeElement, r = el.getBoundingClientRect();
            return {tag: el.tagName.toLowerCase(), href: el.getAttribute('href'),
                    text: el.innerText.trim(), left: r.left, top: r.top, right: r.right,
                    bottom: r.bottom}; }"""
    )
    page.screenshot(path=screenshot_path("results-skip-link", lang, 1440, 900))
    assert first["tag"] == "a" and first["href"] == "#main", f"Tab reached {first} first"
    on_screen = first["left"] >= 0 and first["top"] >= 0 and first["right"] <= 1440
    assert on_screen and first["right"] - first["left"] > 1, f"the skip link is off-screen: {first}"

    page.keyboard.press("Enter")
    focused = page.evaluate("document.activeElement.id || document.activeElement.tagName")
    assert focused == "main", f"the skip link moved focus to {focused!r}, not to main"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_focus_is_visible_on_every_link(page: Page, web_site: WebSite, lang: str) -> None:
    page.goto(web_site.url + url_in(lang, PUBLIC_PATH))
    problems: list[str] = []
    seen: list[str] = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        key = page.evaluate(
            "(() => { const el = document.activeElement; return el === document.body ? '' :"
            " el.tagName + '|' + (el.getAttribute('href') || '') + '|' + el.innerText; })()"
        )
        if not key or key in seen:
            break
        seen.append(key)
        style = checks.focus_style(page)
        if style["tag"] != "a":
            continue
        name = f"link {style['text']!r}"
        if style["outlineStyle"] == "none" or style["outlineWidth"] < MIN_OUTLINE_PX:
            problems.append(f"{name}: no visible outline ({style})")
            continue
        for background in style["backgrounds"]:
            ratio = checks.contrast(style["outlineColor"], background)
            if ratio < MIN_FOCUS_CONTRAST:
                problems.append(
                    f"{name}: outline {style['outlineColor']} on {background} is "
                    f"{ratio:.2f}:1, under {MIN_FOCUS_CONTRAST}:1"
                )
    assert len(seen) > 1, f"Tab reached only {seen}"
    checks.fail_if(problems, f"focus is not visible enough on {page.url}")
