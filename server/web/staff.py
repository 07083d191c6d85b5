"""(being built)"""

from __future__ import annotations

from fastapi import APIRouter

from server.web.site import Site
from server.web.templating import Templates


def routes(site: Site, templates: Templates) -> APIRouter:
    return APIRouter()
