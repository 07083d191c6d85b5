"""The public results page: closed periods, published from frozen snapshots, no login."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse

from server.web.site import Site
from server.web.templating import Page, Templates


def routes(site: Site, templates: Templates) -> APIRouter:
    router = APIRouter()

    @router.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse("/results", status_code=303)

    @router.get("/results", response_class=HTMLResponse)
    def results(request: Request) -> HTMLResponse:
        page = Page.of(request)
        return templates.render(page, "public/results.html", title=page._("Results"), nav="results")

    return router
