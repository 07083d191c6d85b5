"""A citizen rating on a phone in real Chromium: the whole answer with JavaScript on and off,
with the keyboard alone, in Georgian and English, from the open link and with a code; every
step checked like every other page (axe-core, overflow, clipping, glyphs, one h1 in the
page's language) and photographed at 360×740 and 1440×900; and the page embedded in the
municipality's site, sizing its iframe."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.web import checks
from tests.web.browser import TIMEOUT_MS, screenshot_path
from tests.web.pages import LANGUAGES, RATE_CENTER, RATE_SERVICE, VIEWPORTS, url_in
from tests.web.rate_site import HostSite, RateSite, start_rate_site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

PHONE: ViewportSize = {"width": 360, "height": 740}
MAX_TABS = 40


@pytest.fixture(scope="module")
def host_site() -> Iterator[HostSite]:
    host = HostSite()
    try:
        yield host
    finally:
        host.close()


@pytest.fixture(scope="module")
def rate_site(
    browser: Browser, host_site: HostSite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RateSite]:
    site = start_rate_site(
        tmp_path_factory.mktemp("rate-server"),
        UKUK_WEB_ADDRESS_LIMIT="100000",
        UKUK_WEB_EMBED_ORIGINS=host_site.origin,
    )
    try:
        yield site
    finally:
        site.server.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Callable[..., Page]]:
    """``phone(javascript=True)``: a page in a fresh 360×740 context."""
    contexts: list[BrowserContext] = []

    def open_page(javascript: bool = True) -> Page:
        context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def inspect(page: Page, name: str, lang: str) -> None:
    """Every check of ``test_pages`` on the page as it is, and its screenshots at both sizes."""
    page.evaluate("document.fonts.ready.then(() => true)")
    problems: list[str] = []
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=screenshot_path(name, lang, width, height), full_page=True)
        problems += [f"{width}px: {p}" for p in checks.horizontal_overflow(page, width)]
        problems += [f"{width}px: {p}" for p in checks.clipped_text(page)]
    page.set_viewport_size(PHONE)
    problems += checks.html_lang(page, lang)
    problems += checks.headings(page)
    problems += checks.speaks(page, lang)
    problems += checks.missing_glyphs(page)
    problems += checks.accessibility(page)
    checks.fail_if(problems, f"{page.url} ({name})")


def next_button(page: Page) -> Any:
    return page.locator("main form button[type=submit]").first


def stored_since(site: RateSite, before: int) -> list[Any]:
    return site.records()[before:]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_whole_rating_on_a_phone(
    phone: Callable[..., Page], rate_site: RateSite, lang: str, javascript: bool
) -> None:
    page = phone(javascript)
    before = len(rate_site.records())
    shoot = javascript  # the steps look the same without JavaScript; photograph them once
    page.goto(rate_site.url + url_in(lang, "/rate"))
    page.locator("label[for=center-0]").click()
    next_button(page).click()
    page.locator("input[name=service]").first.wait_for(state="attached")
    service = page.locator(f"input[name=service][value={RATE_SERVICE}]").get_attribute("id")
    page.locator(f"label[for={service}]").click()  # the whole tile is the label
    next_button(page).click()
    page.wait_for_url("**/rate?*service=*")
    next_button(page).click()  # no face chosen yet
    assert page.locator(".error-summary").is_visible()
    if shoot:
        inspect(page, "rate-faces-error", lang)
    page.locator("label[for=score-2]").click()
    next_button(page).click()
    page.wait_for_url("**/rate/reasons?*")
    if shoot:
        inspect(page, "rate-reasons", lang)
    page.locator(".choice label").nth(0).click()
    page.locator(".choice label").nth(2).click()
    page.locator("button[value=next]").click()
    page.wait_for_url("**/rate/comment?*")
    box = page.locator("#comment")
    box.fill("რიგი გრძელი იყო / the queue was long")
    if javascript:
        assert page.locator("#comment-count").inner_text().startswith("36")
    if shoot:
        inspect(page, "rate-comment", lang)
    page.locator("button[value=send]").click()
    page.wait_for_url("**/rate/thanks?*")
    assert page.locator("h1").inner_text() == ("გმადლობთ!" if lang == "ka" else "Thank you!")
    assert page.context.cookies() == []
    rows = stored_since(rate_site, before)
    assert [(r.kind, r.channel, r.language) for r in rows] == [
        ("rating", "web-open", lang),
        ("reasons", "web-open", lang),
        ("comment", "web-open", lang),
    ]
    assert rows[0].score == 2 and len(json.loads(rows[1].reasons)) == 2
    assert rows[2].comment == "რიგი გრძელი იყო / the queue was long"


def focus_on(page: Page, selector: str) -> None:
    """Press Tab until ``selector`` has the focus (as a keyboard user moves through a page)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def focus_ring(page: Page, selector: str) -> dict[str, Any]:
    return dict(
        page.locator(selector).evaluate(
            "(el) => { const cs = getComputedStyle(el); return {style: cs.outlineStyle,"
            " width: parseFloat(cs.outlineWidth), color: cs.outlineColor}; }"
        )
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_whole_rating_with_the_keyboard_alone(
    phone: Callable[..., Page], rate_site: RateSite, lang: str
) -> None:
    page = phone()
    before = len(rate_site.records())
    page.goto(rate_site.url + url_in(lang, f"/rate?center={RATE_CENTER}&service={RATE_SERVICE}"))
    focus_on(page, "input[name=score]")
    page.keyboard.press("Space")  # the first face
    for _ in range(3):
        page.keyboard.press("ArrowDown")  # arrows move within the faces: to the fourth
    assert page.evaluate("document.activeElement.id") == "score-4"
    assert page.locator("#score-4").is_checked()
    ring = focus_ring(page, "label[for=score-4]")
    assert ring["style"] != "none" and ring["width"] >= 3, ring
    page.screenshot(
        path=screenshot_path("rate-faces-keyboard", lang, PHONE["width"], PHONE["height"])
    )
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"  # the honeypot is skipped
    page.keyboard.press("Enter")
    page.wait_for_url("**/rate/reasons?*")
    focus_on(page, "input[name=reason]")
    page.keyboard.press("Space")
    focus_on(page, "button[value=next]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/rate/comment?*")
    focus_on(page, "#comment")
    page.keyboard.type("Keyboard only")
    focus_on(page, "button[value=send]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/rate/thanks?*")
    rows = stored_since(rate_site, before)
    assert [(r.kind, r.score) for r in rows] == [
        ("rating", 4),
        ("reasons", None),
        ("comment", None),
    ]
    assert rows[2].comment == "Keyboard only" and rows[0].language == lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_slip_code_opens_the_service_and_works_once(
    phone: Callable[..., Page], rate_site: RateSite, lang: str
) -> None:
    page = phone()
    code = rate_site.codes()[0]
    before = len(rate_site.records())
    page.goto(rate_site.url + url_in(lang, "/v"))
    page.locator("#code").fill(code.lower().replace("-", " "))
    next_button(page).click()
    page.wait_for_url(f"**/v/{code}?*")
    inspect(page, "rate-faces-verified", lang)
    page.locator("label[for=score-5]").click()
    next_button(page).click()
    page.wait_for_url("**/rate/reasons?*")
    page.locator("button[value=skip]").click()
    page.locator("button[value=skip]").click()
    page.wait_for_url("**/rate/thanks?*")
    assert [(r.kind, r.channel) for r in stored_since(rate_site, before)] == [
        ("rating", "web-verified")
    ]
    response = page.goto(rate_site.url + url_in(lang, f"/v/{code}"))
    assert response is not None and response.status == 410
    inspect(page, "rate-code-spent", lang)
    response = page.goto(rate_site.url + url_in(lang, "/r/zzzzzzzz"))
    assert response is not None and response.status == 404
    inspect(page, "rate-link-unknown", lang)


def test_the_embedded_page_sizes_its_iframe(
    browser: Browser, rate_site: RateSite, host_site: HostSite
) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 700})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        host_site.page = (
            "<!DOCTYPE html><html lang='en'><head><title>City</title></head><body>"
            "<h1>City of Example</h1>"
            f"<iframe src='{rate_site.url}/rate?lang=en&embed=1' title='Citizens feedback' "
            "style='width:100%;height:150px;border:0' data-ukukavshiri></iframe>"
            f"<script src='{rate_site.url}/static/embed.js' async></script></body></html>"
        ).encode()
        page.goto(f"{host_site.origin}/")
        frame = page.frame_locator("iframe[data-ukukavshiri]")
        frame.locator("h1").wait_for()
        page.wait_for_function(
            "() => parseInt(document.querySelector('iframe').style.height) > 300"
        )
        inner = page.frames[1].evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
        outer = page.evaluate("document.querySelector('iframe').getBoundingClientRect().height")
        assert abs(outer - inner) <= 2, (outer, inner)
        assert frame.locator("body.rate--embed").count() == 1
        page.screenshot(path=screenshot_path("rate-embedded", "en", 1024, 700), full_page=True)
    finally:
        context.close()
