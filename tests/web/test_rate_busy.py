"""When the open channel's limits have tripped: in Chromium the pages' own script does the
proof of work and the answer goes through (marked); without JavaScript the 429 page says
why and when to send again, and is as accessible as every other page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.web.browser import TIMEOUT_MS, screenshot_path
from tests.web.pages import LANGUAGES, RATE_CENTER, RATE_SERVICE, VIEWPORTS, url_in
from tests.web.rate_site import RateSite, start_rate_site
from tests.web.test_rate_flow import inspect

if TYPE_CHECKING:
    from playwright.sync_api import Browser

FACES = f"/rate?center={RATE_CENTER}&service={RATE_SERVICE}"


@pytest.fixture(scope="module")
def busy_site(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RateSite]:
    """Every open answer needs proof of work here (a limit of 0 per address)."""
    site = start_rate_site(
        tmp_path_factory.mktemp("busy-server"),
        UKUK_WEB_ADDRESS_LIMIT="0",
        UKUK_WEB_POW_MAX_NUMBER="20000",
    )
    try:
        yield site
    finally:
        site.server.close()


def test_the_page_does_the_work_itself(browser: Browser, busy_site: RateSite) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        before = len(busy_site.records())
        page.goto(busy_site.url + url_in("en", FACES))
        assert page.locator("input[name=altcha]").count() == 1
        page.locator("label[for=score-3]").click()
        page.locator("main form button[type=submit]").click()  # at once: it waits for the work
        page.wait_for_url("**/rate/reasons?*")
        rows = busy_site.records()[before:]
        assert [(r.kind, r.score, r.flags) for r in rows] == [("rating", 3, '["unverified"]')]
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_without_javascript_the_limit_is_a_clear_page(
    browser: Browser, busy_site: RateSite, lang: str
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        before = len(busy_site.records())
        page.goto(busy_site.url + url_in(lang, FACES))
        page.locator("label[for=score-4]").click()
        with page.expect_response(lambda r: r.url.endswith("/rate/answer")) as answer:
            page.locator("main form button[type=submit]").click()
        assert answer.value.status == 429
        assert int(answer.value.headers["retry-after"]) > 0
        assert page.locator("noscript").count() == 1
        said = page.locator("main").inner_text()
        assert ("JavaScript" in said) and (
            "ჯერ არ შენახულა" if lang == "ka" else "not been saved"
        ) in said
        refused_html = page.content()
        for width, height in VIEWPORTS:
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(
                path=screenshot_path("rate-too-many", lang, width, height), full_page=True
            )
        assert busy_site.records()[before:] == []
    finally:
        context.close()
    # The checks run scripts in the page; show them the very page the browser got.
    checked = browser.new_context(viewport={"width": 360, "height": 740})
    checked.set_default_timeout(TIMEOUT_MS)
    try:
        page = checked.new_page()
        url = busy_site.url + "/rate/answer"
        html_type = "text/html; charset=utf-8"
        page.route(
            url, lambda route: route.fulfill(status=429, body=refused_html, content_type=html_type)
        )
        page.goto(url)
        inspect(page, "rate-too-many-js", lang)
    finally:
        checked.close()
