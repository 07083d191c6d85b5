"""Fixtures of the browser tests: one seeded server and one chromium for the whole run, and a
fresh browser context (no cookies, no cache) for every test.

- ``web_site``: :class:`tests.web.seed.WebSite`, the real ``kiosk-server`` on SQLite,
  seeded, ``serve --insecure-cookies`` (plain HTTP on 127.0.0.1);
- ``browser``: Debian's ``/usr/bin/chromium`` (``UKUK_CHROMIUM`` names another), headless;
  missing, it skips locally and errors where required (see :mod:`tests.web.browser`);
- ``page``: a new page in a new context, 1440×900 until the test says otherwise;
- ``staff_cookies(who)``: the session cookies of a staff account with role ``who``, got once
  per run by logging in through ``/login`` as staff do; a test adds them to its own context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.web.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    SUMMARY,
    TIMEOUT_MS,
    log_in,
    unavailable,
)
from tests.web.pages import DEFAULT_LANGUAGE, Who
from tests.web.seed import WebSite, start_site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        unavailable(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[test]')")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def web_site(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSite]:
    # Asks for the browser first: without one, no server is started only to be skipped.
    site = start_site(tmp_path_factory.mktemp("web-server"))
    SUMMARY.append(f"server seeded by: {site.seeded_by}; screenshots in {SCREENSHOTS}")
    try:
        yield site
    finally:
        site.server.close()


@pytest.fixture(scope="session")
def staff_cookies(browser: Browser, web_site: WebSite) -> Callable[[Who], list[Any]]:
    signed_in: dict[str, list[Any]] = {}

    def cookies(who: Who) -> list[Any]:
        if who not in signed_in:
            context = browser.new_context()
            context.set_default_timeout(TIMEOUT_MS)
            try:
                log_in(context.new_page(), web_site.url, *web_site.account(who), DEFAULT_LANGUAGE)
                # The language chosen on the login page is not part of the session.
                signed_in[who] = [c for c in context.cookies() if c["name"] != "lang"]
            finally:
                context.close()
        return signed_in[who]

    return cookies


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY:
        terminalreporter.write_sep("-", "web pages")
        for line in SUMMARY:
            terminalreporter.write_line(line)
