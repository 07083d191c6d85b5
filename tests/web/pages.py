"""Every web page the browser tests visit, declared once: adding a page is one line here.

Each entry is (path, who, name): the path a visitor opens, who opens it (``anonymous``, or
the staff role ``analyst`` / ``admin`` the test logs in as first) and the name its screenshots
carry (``artifacts/screenshots/web/<name>-<lang>-<width>x<height>.png``). ``test_pages``
opens each one in both languages at both viewports and runs every check on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Who = Literal["anonymous", "analyst", "admin"]

LANGUAGES = ("ka", "en")
DEFAULT_LANGUAGE = "ka"
"""The language a visitor without a choice gets; that page is opened with no ``?lang=``."""

VIEWPORTS = ((360, 740), (1440, 900))
"""A small phone held upright and a desktop screen, in CSS pixels."""

SEEDED_KIOSK = "demo-central-service-hall-1"
"""A kiosk the seeded server has (``demo-data`` names its kiosks so; the fallback too)."""

ANALYST = "web-analyst"
"""The analyst account the tests add (``seed.ACCOUNTS``); admin pages about a user name it."""

RATE_CENTER = "central-service-hall"
RATE_SERVICE = "vulnerable-families"
"""A center and one of its services in the demo catalog (the rating pages ask about them)."""

LOGIN_PATH = "/login"
"""Staff log in here (fields ``name`` and ``password``); staff pages wait for it to exist."""


def url_in(lang: str, path: str) -> str:
    """The default language as a first visit meets it (no choice made); the other one chosen."""
    if lang == DEFAULT_LANGUAGE:
        return path
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


@dataclass(frozen=True)
class WebPage:
    path: str
    who: Who
    name: str

    @property
    def needs_login_page(self) -> bool:
        """Staff pages, and the login page itself, are skipped while /login does not answer."""
        return self.who != "anonymous" or self.path == LOGIN_PATH


PAGES: tuple[WebPage, ...] = (
    WebPage("/results", "anonymous", "results"),
    WebPage(LOGIN_PATH, "anonymous", "login"),
    WebPage("/staff/results", "analyst", "staff-results"),
    WebPage("/staff/priorities", "analyst", "staff-priorities"),
    WebPage("/staff/trends", "analyst", "staff-trends"),
    WebPage("/staff/comments", "analyst", "staff-comments"),
    WebPage("/admin", "admin", "admin"),
    WebPage("/admin/kiosks", "admin", "admin-kiosks"),
    WebPage("/admin/kiosks/new", "admin", "admin-kiosk-new"),
    WebPage(f"/admin/kiosks/revoke?name={SEEDED_KIOSK}", "admin", "admin-kiosk-revoke"),
    WebPage("/admin/users", "admin", "admin-users"),
    WebPage("/admin/users/new", "admin", "admin-user-new"),
    WebPage(f"/admin/users/password?name={ANALYST}", "admin", "admin-user-password"),
    WebPage(f"/admin/users/disable?name={ANALYST}", "admin", "admin-user-disable"),
    WebPage("/admin/catalogs", "admin", "admin-catalogs"),
    WebPage("/admin/codes", "admin", "admin-codes"),
    WebPage("/admin/codes/new", "admin", "admin-code-new"),
    WebPage("/admin/posters", "admin", "admin-posters"),
    # The citizens' rating pages (the demo data has two centers, so /rate asks which first).
    WebPage("/rate", "anonymous", "rate-center"),
    WebPage(f"/rate?center={RATE_CENTER}", "anonymous", "rate-service"),
    WebPage(f"/rate?center={RATE_CENTER}&service={RATE_SERVICE}", "anonymous", "rate-faces"),
    WebPage("/v", "anonymous", "rate-code"),
    WebPage(f"/rate/thanks?center={RATE_CENTER}", "anonymous", "rate-thanks"),
    WebPage("/privacy", "anonymous", "privacy"),
)
