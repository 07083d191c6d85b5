"""Every declared page (``pages.py``) × language × viewport, opened as its visitors open it:
status, language (declared and spoken), one h1, nothing wider than the screen, no text cut
off or drawn as boxes, no browser console errors (a CSP refusal shows there), and no axe-core
violation. A full-page screenshot of each is saved for people to look at, whatever the outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from tests.web import checks
from tests.web.browser import screenshot_path
from tests.web.pages import (
    LANGUAGES,
    LOGIN_PATH,
    PAGES,
    VIEWPORTS,
    WebPage,
    Who,
    url_in,
)

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page

    from tests.web.seed import WebSite

FAVICON = "/favicon.ico"

CASES = [
    pytest.param(web_page, lang, viewport, id=f"{web_page.name}-{lang}-{viewport[0]}x{viewport[1]}")
    for web_page in PAGES
    for lang in LANGUAGES
    for viewport in VIEWPORTS
]


@pytest.mark.parametrize(("web_page", "lang", "viewport"), CASES)
def test_page(
    page: Page,
    web_site: WebSite,
    staff_cookies: Callable[[Who], list[Any]],
    web_page: WebPage,
    lang: str,
    viewport: tuple[int, int],
) -> None:
    if web_page.needs_login_page and (login := web_site.login_status()) != 200:
        pytest.skip(f"GET {LOGIN_PATH} answers {login}, not 200: staff pages wait for the login")
    width, height = viewport
    page.set_viewport_size({"width": width, "height": height})
    if web_page.who != "anonymous":
        page.context.add_cookies(staff_cookies(web_page.who))

    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # The browser's own /favicon.ico request comes and goes with timing: not the page's.
        source = message.location.get("url", "")
        if message.type == "error" and not source.endswith(FAVICON):
            console.append(f"{message.text} ({source})" if source else message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: console.append(str(error)))
    response = page.goto(web_site.url + url_in(lang, web_page.path))
    page.evaluate("document.fonts.ready.then(() => true)")
    page.screenshot(path=screenshot_path(web_page.name, lang, width, height), full_page=True)

    problems: list[str] = []
    status = response.status if response is not None else None
    if status != 200:
        problems.append(f"status {status}")
    if web_page.who != "anonymous" and urlsplit(page.url).path == LOGIN_PATH:
        problems.append(f"sent back to {LOGIN_PATH} although logged in as {web_page.who}")
    problems += checks.html_lang(page, lang)
    problems += checks.headings(page)
    problems += checks.speaks(page, lang)
    problems += checks.horizontal_overflow(page, width)
    problems += checks.clipped_text(page)
    problems += checks.missing_glyphs(page)
    problems += [f"browser: {text}" for text in console]
    problems += checks.accessibility(page)
    checks.fail_if(problems, f"{page.url} at {width}×{height}")
