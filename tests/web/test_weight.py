"""What the public page costs a visitor on a phone plan: every byte of its first load (HTML,
styles, images; fonts left out, the visitor's system may already have them), recorded in
``artifacts/web/`` and held under a budget."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from tests.web.browser import ARTIFACTS, SUMMARY
from tests.web.pages import LANGUAGES, url_in

if TYPE_CHECKING:
    from playwright.sync_api import Page, Request

    from tests.web.seed import WebSite

BUDGET_BYTES = 100_000
"""100 KB for the first load of /results, fonts excluded."""


@pytest.mark.parametrize("lang", LANGUAGES)
def test_results_first_load_is_under_budget(
    page: Page, web_site: WebSite, lang: str, record_property: Callable[[str, object], None]
) -> None:
    finished: list[Request] = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(web_site.url + url_in(lang, "/results"))
    page.wait_for_load_state("networkidle")

    rows: list[tuple[str, str, int]] = []  # (resource type, URL, bytes transferred)
    for request in finished:
        sizes = request.sizes()
        rows.append(
            (
                request.resource_type,
                request.url,
                sizes["responseHeadersSize"] + sizes["responseBodySize"],
            )
        )
    counted = sum(size for kind, _, size in rows if kind != "font")
    fonts = sum(size for kind, _, size in rows if kind == "font")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = {"page": "/results", "lang": lang, "bytes_without_fonts": counted,
              "font_bytes": fonts, "budget": BUDGET_BYTES,
              "requests": [{"type": k, "url": u, "bytes": n} for k, u, n in rows]}  # fmt: skip
    (ARTIFACTS / f"results-weight-{lang}.json").write_text(json.dumps(report, indent=2) + "\n")
    record_property("results_bytes_without_fonts", counted)
    SUMMARY.append(
        f"/results first load ({lang}): {counted} bytes without fonts ({fonts} in fonts), "
        f"{len(rows)} requests; budget {BUDGET_BYTES}"
    )

    table = "\n".join(f"  {size:>8}  {kind:<10} {url}" for kind, url, size in rows)
    assert counted < BUDGET_BYTES, f"/results: {counted} bytes, over {BUDGET_BYTES}:\n{table}"
