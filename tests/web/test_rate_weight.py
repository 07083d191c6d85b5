"""What the rating pages cost on a phone plan: every byte of the first page's load (HTML,
styles, script, logo), fonts counted apart, held under 100 KB; the fonts are subsets of
what the catalog and the words use. Recorded in ``artifacts/web/``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from tests.web.browser import ARTIFACTS, SUMMARY
from tests.web.pages import LANGUAGES, RATE_CENTER, RATE_SERVICE, url_in

if TYPE_CHECKING:
    from playwright.sync_api import Page, Request

    from tests.web.seed import WebSite

BUDGET_BYTES = 100_000
"""100 KB for a first page, fonts excluded."""
FONT_BUDGET_BYTES = 60_000
"""The subset fonts a page fetches (the full ones are about 1.1 MB)."""
FIRST_PAGES = {
    "rate": "/rate",
    "rate-faces": f"/rate?center={RATE_CENTER}&service={RATE_SERVICE}",
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(FIRST_PAGES))
def test_first_page_is_under_budget(
    page: Page,
    web_site: WebSite,
    lang: str,
    name: str,
    record_property: Callable[[str, object], None],
) -> None:
    path = FIRST_PAGES[name]
    page.set_viewport_size({"width": 360, "height": 740})
    finished: list[Request] = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(web_site.url + url_in(lang, path))
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_load_state("networkidle")

    rows: list[tuple[str, str, int]] = []
    for request in finished:
        sizes = request.sizes()
        size = sizes["responseHeadersSize"] + sizes["responseBodySize"]
        rows.append((request.resource_type, request.url, size))
    counted = sum(size for kind, _, size in rows if kind != "font")
    fonts = sum(size for kind, _, size in rows if kind == "font")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = {"page": path, "lang": lang, "bytes_without_fonts": counted, "font_bytes": fonts,
              "budget": BUDGET_BYTES,
              "requests": [{"type": k, "url": u, "bytes": n} for k, u, n in rows]}  # fmt: skip
    (ARTIFACTS / f"{name}-weight-{lang}.json").write_text(json.dumps(report, indent=2) + "\n")
    record_property(f"{name}_bytes_without_fonts", counted)
    SUMMARY.append(
        f"{path} first load ({lang}, 360×740): {counted} bytes without fonts "
        f"({fonts} in {sum(k == 'font' for k, _, _ in rows)} fonts), {len(rows)} requests; "
        f"budget {BUDGET_BYTES}"
    )
    table = "\n".join(f"  {size:>8}  {kind:<10} {url}" for kind, url, size in rows)
    assert counted < BUDGET_BYTES, f"{path}: {counted} bytes, over {BUDGET_BYTES}:\n{table}"
    assert 0 < fonts < FONT_BUDGET_BYTES, f"{path}: {fonts} bytes of fonts:\n{table}"
    assert all(".woff" in url for kind, url, _ in rows if kind == "font"), table
