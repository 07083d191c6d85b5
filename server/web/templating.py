"""Jinja2 templates in Georgian and English, with the theme's colours as CSS variables.

Strings are English in the source, marked with ``_()`` in Python and ``{{ _("…") }}`` in
templates; Georgian is in ``server/locale/ka/LC_MESSAGES/server.po`` (compiled to ``.mo``), read
with the standard library's gettext like the kiosk's. Autoescaping is on for every template,
so a comment or a catalog name can never become markup.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

LANGUAGES = ("ka", "en")
DEFAULT_LANGUAGE = "ka"
LANG_COOKIE = "lang"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DOMAIN = "server"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def N_(message: str) -> str:
    """Marks a module-level string for translation; it is translated where it is shown."""
    return message


@cache
def translations(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def language_of(request: Request) -> str:
    """``?lang=`` when given, else the visitor's last choice (cookie), else Georgian."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(LANG_COOKIE)
    return remembered if remembered in LANGUAGES else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Page:
    """What a handler knows about the request it answers: language and translator."""

    request: Request
    language: str

    @classmethod
    def of(cls, request: Request) -> Page:
        return cls(request, language_of(request))

    def _(self, message: str) -> str:
        return translations(self.language).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.language).ngettext(singular, plural, n)

    def url(self, path: str, **params: Any) -> str:
        """``path`` with ``params`` as a query string (values that are None left out)."""
        from urllib.parse import urlencode

        query = {k: v for k, v in params.items() if v is not None and v != ""}
        return f"{path}?{urlencode(query, doseq=True)}" if query else path

    def other_language_url(self) -> str:
        """The same page in the other language (its query kept)."""
        other = "en" if self.language == "ka" else "ka"
        params = [(k, v) for k, v in self.request.query_params.multi_items() if k != "lang"]
        return self.url(self.request.url.path, **dict(params), lang=other)


class Templates:
    """One Jinja2 environment per language, with the i18n extension installed."""

    def __init__(self, globals_: Mapping[str, Any]) -> None:
        self._envs: dict[str, Environment] = {}
        for language in LANGUAGES:
            env = Environment(
                loader=FileSystemLoader(TEMPLATES_DIR),
                autoescape=select_autoescape(default=True, default_for_string=True),
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
            env.globals.update(globals_)
            self._envs[language] = env

    def render(self, page: Page, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        template = self._envs[page.language].get_template(name)
        html = template.render(page=page, lang=page.language, **context)
        response = HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
        if page.request.query_params.get("lang") in LANGUAGES:
            response.set_cookie(
                LANG_COOKIE, page.language, max_age=365 * 86400, httponly=True, samesite="lax"
            )
        return response
