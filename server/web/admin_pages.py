"""How the admin section's pages are rendered, declared once for all its routers: each page
belongs to the admin navigation with one section lit, a form shown again with errors answers
400, and a link to something that does not exist answers 404 with a way back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import HTMLResponse

from server.web.auth import User
from server.web.templating import Page, Templates

Errors = list[tuple[str, str]]
"""(field name, message in the reader's language); the field is "" for the form as a whole."""


@dataclass(frozen=True)
class AdminPages:
    templates: Templates

    def render(
        self,
        page: Page,
        template: str,
        user: User,
        section: str,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        return self.templates.render(
            page, template, status_code=status_code, user=user, nav="admin", section=section,
            **context,
        )  # fmt: skip

    def form(
        self, page: Page, template: str, user: User, section: str, errors: Errors, **context: Any
    ) -> HTMLResponse:
        """A form, empty or shown again with what was wrong (then 400)."""
        status_code = 400 if errors else 200
        return self.render(page, template, user, section, status_code, errors=errors, **context)

    def missing(self, page: Page, user: User, section: str, title: str, back: str) -> HTMLResponse:
        return self.render(page, "admin/missing.html", user, section, 404, title=title, back=back)
