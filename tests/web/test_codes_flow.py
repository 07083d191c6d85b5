"""An admin's round of the web channel in a real browser: make a batch of one-time codes, get
the slips PDF as a download and read the codes back, open a slip's address, see the batch
counted, revoke it, and download a center's poster. The pages a batch brings (the list with
one, the revoke question) are checked like every other page, in both languages and sizes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from pypdf import PdfReader

from tests.web import checks
from tests.web.browser import log_in, screenshot_path
from tests.web.pages import LANGUAGES, VIEWPORTS

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.web.seed import WebSite

CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def check_everywhere(page: Page, url: str, name: str) -> None:
    """Every check of ``test_pages`` on ``url``, in both languages at both sizes."""
    for lang in LANGUAGES:
        for width, height in VIEWPORTS:
            page.set_viewport_size({"width": width, "height": height})
            # Explicitly, both: this visitor chose English earlier (the choice is remembered).
            response = page.goto(f"{url}{'&' if '?' in url else '?'}lang={lang}")
            page.evaluate("document.fonts.ready.then(() => true)")
            page.screenshot(path=screenshot_path(name, lang, width, height), full_page=True)
            problems = [] if response and response.status == 200 else [f"status {response}"]
            problems += checks.html_lang(page, lang)
            problems += checks.headings(page)
            problems += checks.speaks(page, lang)
            problems += checks.horizontal_overflow(page, width)
            problems += checks.clipped_text(page)
            problems += checks.missing_glyphs(page)
            problems += checks.accessibility(page)
            checks.fail_if(problems, f"{page.url} at {width}×{height}")
    page.set_viewport_size({"width": 1440, "height": 900})


def test_an_admin_makes_codes_prints_them_and_revokes_the_batch(
    page: Page, web_site: WebSite, tmp_path: Path
) -> None:
    name, password = web_site.account("admin")
    log_in(page, web_site.url, name, password, "en")
    page.goto(f"{web_site.url}/admin/codes/new?lang=en")
    page.select_option("#center", index=1)
    page.select_option("#service", index=1)
    page.fill("#count", "3")
    with page.expect_download() as got:
        page.get_by_role("button", name="Make the codes and download the slips (PDF)").click()
    slips = tmp_path / "slips.pdf"
    got.value.save_as(slips)
    assert got.value.suggested_filename.startswith("codes-")
    codes = CODE.findall(pdf_text(slips))
    assert len(set(codes)) == 3
    assert page.url.endswith("/admin/codes/new?lang=en")  # the form stays; nothing to re-post

    # The address a slip's QR code opens leads to the rating page.
    opened = page.goto(f"{web_site.url}/v/{codes[0]}?lang=en")
    assert opened is not None and opened.status == 200

    page.goto(f"{web_site.url}/admin/codes?lang=en")
    row = page.locator("tbody tr").first
    assert "0 of 3" in row.inner_text() and "Active" in row.inner_text()
    batch = row.locator("th").inner_text().split()[-1]  # "Batch 1"
    check_everywhere(page, f"{web_site.url}/admin/codes", "admin-codes-batch")
    revoke = f"{web_site.url}/admin/codes/revoke?batch={batch}"
    check_everywhere(page, revoke, "admin-code-revoke")

    page.goto(f"{revoke}&lang=en")
    page.get_by_role("button", name="Revoke the batch").click()
    page.wait_for_url(lambda url: "revoked=" in url)
    assert page.get_by_role("status").inner_text().startswith(f"Batch {batch} was revoked")
    assert "Revoked" in page.locator("tbody tr").first.inner_text()

    page.goto(f"{web_site.url}/admin/posters?lang=en")
    with page.expect_download() as got_poster:
        page.get_by_role("link", name=re.compile(r"^Poster \(PDF\)")).first.click()
    poster = tmp_path / "poster.pdf"
    got_poster.value.save_as(poster)
    text = " ".join(pdf_text(poster).split())
    assert f"{web_site.url}/r/" in text and "Rate our service" in text
