"""The browser the web tests drive: Debian's chromium through Playwright, never a download.

Locally a missing chromium (or Playwright) skips the web tests with the reason; where the
browser is required (``.ci/run`` exports ``UKUK_WEB_BROWSER_REQUIRED=1``; ``CI`` set to a
true value does the same) the fixtures error instead, so CI cannot pass without running them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

import pytest

from tests.server.live import REPO
from tests.web.pages import LOGIN_PATH

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path(os.environ.get("UKUK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
)  # fmt: skip
REQUIRED_ENV = "UKUK_WEB_BROWSER_REQUIRED"
TIMEOUT_MS = 15_000
SCREENSHOTS = REPO / "artifacts" / "screenshots" / "web"
ARTIFACTS = REPO / "artifacts" / "web"
SUMMARY: list[str] = []
"""Lines the run prints at its end (how the server was seeded, what the pages weigh)."""


def browser_required() -> bool:
    flags = (os.environ.get(REQUIRED_ENV, ""), os.environ.get("CI", ""))
    return any(flag.strip().lower() not in ("", "0", "false", "no") for flag in flags)


def unavailable(reason: str) -> NoReturn:
    """Skip locally; error where the browser tests are required."""
    if browser_required():
        pytest.fail(
            f"{reason}; the browser tests are required here ({REQUIRED_ENV} or CI is set)",
            pytrace=False,
        )
    pytest.skip(reason)


def screenshot_path(name: str, lang: str, width: int, height: int) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}-{lang}-{width}x{height}.png"


def log_in(page: Page, base_url: str, name: str, password: str, lang: str) -> None:
    """Log in on the staff login page the way staff do: type, press Enter, land elsewhere."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(f"{base_url}{LOGIN_PATH}?lang={lang}")
    page.locator("input[name=name]").fill(name)
    password_field = page.locator("input[name=password]")
    password_field.fill(password)
    password_field.press("Enter")
    try:
        page.wait_for_url(lambda url: urlsplit(url).path != LOGIN_PATH, timeout=TIMEOUT_MS)
    except PlaywrightTimeout as exc:
        said = page.locator("main").inner_text(timeout=1000)
        raise AssertionError(f"logging in as {name} stayed on {page.url}:\n{said}") from exc
