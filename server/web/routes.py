"""The web pages' routes, gathered into one router that ``server.app`` mounts."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.responses import FileResponse, Response

from common.contrast import AA_NORMAL_TEXT, contrast_ratio
from common.theme import Theme
from server.web import admin, auth, public, rate, staff
from server.web.site import Site
from server.web.templating import SECURITY_HEADERS, Templates

STATIC_DIR = Path(__file__).resolve().parent / "static"
CACHE = {"Cache-Control": "public, max-age=3600"}
DANGER = "#B00020"


def theme_css(theme: Theme) -> str:
    """The theme's colours as CSS custom properties, with readable link and error colours."""

    def readable(candidate: str, fallback: str) -> str:
        ok = all(
            contrast_ratio(candidate, back) >= AA_NORMAL_TEXT
            for back in (theme.background, theme.surface)
        )
        return candidate if ok else fallback

    return (
        ":root {\n"
        f"  --primary: {theme.primary};\n"
        f"  --on-primary: {theme.on_primary};\n"
        f"  --background: {theme.background};\n"
        f"  --surface: {theme.surface};\n"
        f"  --text: {theme.text};\n"
        f"  --muted-text: {theme.muted_text};\n"
        f"  --border: {theme.border};\n"
        f"  --radius: {min(theme.radius, 12)}px;\n"
        f"  --link: {readable(theme.primary, theme.text)};\n"
        f"  --focus: {readable(theme.primary, theme.text)};\n"
        f"  --danger: {readable(DANGER, theme.text)};\n"
        "}\n"
    )


def router(site: Site) -> APIRouter:
    templates = Templates(
        {
            "municipality": lambda lang: (
                site.theme.municipality.get(lang) if site.theme.municipality else ""
            ),
            "has_logo": site.theme.logo is not None,
        }
    )
    pages = APIRouter(include_in_schema=False)
    css = theme_css(site.theme)

    @pages.get("/static/theme.css")
    def theme_stylesheet() -> Response:
        return Response(css, media_type="text/css", headers={**CACHE, **SECURITY_HEADERS})

    @pages.get("/static/site.css")
    def site_stylesheet() -> FileResponse:
        return FileResponse(STATIC_DIR / "site.css", media_type="text/css", headers=CACHE)

    @pages.get("/static/logo")
    def logo() -> Response:
        if site.theme.logo is None:
            return Response(status_code=404)
        media = "image/svg+xml" if site.theme.logo.suffix.lower() == ".svg" else "image/png"
        return FileResponse(site.theme.logo, media_type=media, headers=CACHE)

    for module in (public, auth, staff, admin, rate):
        pages.include_router(module.routes(site, templates))
    return pages
