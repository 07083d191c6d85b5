"""An analyst's visit in a real browser: sign in, filter, read priorities, moderate a comment,
download the table as CSV and XLSX and read them back, sign out."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from playwright.sync_api import Page

from tests.web.browser import log_in
from tests.web.seed import WebSite


def test_an_analyst_signs_in_filters_moderates_downloads_and_signs_out(
    page: Page, web_site: WebSite, tmp_path: Path
) -> None:
    name, password = web_site.account("analyst")
    log_in(page, web_site.url, name, password, "en")
    assert page.url.endswith("/staff/results") or "/staff/results" in page.url

    # Filter: the first period of the menu and the first program, through the GET form.
    period = page.locator("#f-period option").nth(0).get_attribute("value")
    program = page.locator("#f-service option").nth(1).get_attribute("value")
    assert period and program
    page.select_option("#f-period", period)
    page.select_option("#f-service", program)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(lambda url: f"service={program}" in url)
    assert page.locator("h1").inner_text() == "Results"
    # programs, then the program by center, then the programs by channel
    assert page.locator("table caption").count() == 3

    page.get_by_role("link", name="Priorities").click()
    page.wait_for_url(lambda url: "/staff/priorities" in url)
    assert page.locator("svg.chart title").count() == 1

    page.get_by_role("link", name="Comments").click()
    page.wait_for_url(lambda url: "/staff/comments" in url)
    first = page.locator("li.comment").first
    first.locator("input[name=reason]").fill("insulting")
    first.get_by_role("button", name="Hide").click()
    page.wait_for_load_state()
    page.check("#f-hidden")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(lambda url: "hidden=1" in url)
    assert page.get_by_text("insulting").count() >= 1

    page.get_by_role("link", name="Results").first.click()
    page.wait_for_url(lambda url: "/staff/results" in url)
    with page.expect_download() as got_csv:
        page.get_by_role("link", name="This table as CSV").click()
    csv_path = tmp_path / "table.csv"
    got_csv.value.save_as(csv_path)
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    shown = page.locator("table").first.locator("tbody tr").count()
    assert rows[0][0] == "Program or service"
    assert len(rows) == 1 + shown

    with page.expect_download() as got_xlsx:
        page.get_by_role("link", name="This table as XLSX").click()
    xlsx_path = tmp_path / "table.xlsx"
    got_xlsx.value.save_as(xlsx_path)
    with zipfile.ZipFile(xlsx_path) as book:
        assert book.testzip() is None
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert sheet.count("<row ") == 1 + shown

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    page.goto(f"{web_site.url}/staff/results")
    assert "/login" in page.url
