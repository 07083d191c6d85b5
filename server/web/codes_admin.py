"""Administration pages of the web channel (admin role): batches of one-time codes with their
printable slips, and a poster per service center with its open link.

Why the slips come back as the answer to the POST that makes the batch: the server keeps only
a keyed hash of each code (``server.web_channel.codes``), so the plaintext codes exist in that
one response and nowhere else. Holding them in memory for a later download would lose them on
a restart, and with several server processes (``serve --workers``) the download could reach a
process that never saw them; a page showing them would put them in the browser's history. So
the browser downloads the PDF at once, the form page stays as it was, and a lost file is
replaced by revoking the batch and making a new one.

The QR codes open the address the admin reached this server by (``request.base_url``, which
the TLS proxy's ``X-Forwarded-Proto`` makes ``https``); the form shows it before anything is
printed, so a slip never carries an internal address by mistake.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from common.catalog import Text
from server.catalogs import center_rules
from server.local_time import MUNICIPAL_TIME, local_time_text
from server.slips import SlipBatch, poster_pdf, slips_pdf
from server.web.admin_pages import AdminPages, Errors
from server.web.auth import Admin, User, list_users, page_router
from server.web.results_view import Names, load_names
from server.web.site import Site
from server.web.templating import SECURITY_HEADERS, Page, Templates
from server.web_channel.codes import (
    CodeBatch,
    code_path,
    issue_batch,
    list_batches,
    open_path,
    revoke_batch,
)

log = logging.getLogger("server.web.codes_admin")

MAX_SLIPS = 1000
"""Codes per batch made on this page: 125 pages of slips, about ten seconds to draw."""
DEFAULT_VALIDITY = timedelta(days=90)
MAX_VALIDITY = timedelta(days=730)
"""An expiry further away than this is taken for a typing mistake."""


def expiry_of(last_day: date) -> datetime:
    """The moment a code whose last day is ``last_day`` stops working (UTC)."""
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=MUNICIPAL_TIME)
    return end.astimezone(UTC)


def last_day_of(expires_at: datetime) -> date:
    """The last day a code works, in municipal time (the inverse of :func:`expiry_of`)."""
    return (expires_at.astimezone(MUNICIPAL_TIME) - timedelta(microseconds=1)).date()


def today() -> date:
    return datetime.now(MUNICIPAL_TIME).date()


def _file_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:40] or "x"


def _pdf(data: bytes, filename: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            **SECURITY_HEADERS,
            "Cache-Control": "no-store",
        },
    )


@dataclass(frozen=True)
class BatchRow:
    """A batch as the list shows it."""

    id: int
    program: str
    center: str
    count: int
    used: int
    created: str
    created_by: str
    last_day: str
    state: str
    """``active``, ``expired`` or ``revoked``."""


@dataclass(frozen=True)
class CodeForm:
    """What the admin typed (kept as typed, to show the form again with its errors)."""

    center: str = ""
    service: str = ""
    count: str = ""
    last_day: str = ""


def routes(site: Site, templates: Templates) -> APIRouter:
    router = page_router(site, templates)

    def names() -> Names:
        with site.engine.connect() as conn:
            conn.execution_options(read_only=True)
            return load_names(conn)

    pages = AdminPages(templates)
    render, missing = pages.render, pages.missing

    # -- one-time codes ------------------------------------------------------------------------

    def rows(page: Page, known: Names) -> list[BatchRow]:
        users = {account.id: account.name for account in list_users(site.engine)}
        now = datetime.now(UTC)
        out = []
        for batch in list_batches(site.engine):
            state = "revoked" if batch.revoked_at else "expired" if batch.expires_at <= now else (
                "active"
            )  # fmt: skip
            out.append(
                BatchRow(
                    id=batch.id,
                    program=known.service(batch.service_id, page.language),
                    center=known.center(batch.center_id, page.language),
                    count=batch.count,
                    used=batch.used,
                    created=local_time_text(batch.created_at),
                    created_by=users.get(batch.created_by, page._("command line"))
                    if batch.created_by is not None
                    else page._("command line"),
                    last_day=last_day_of(batch.expires_at).isoformat(),
                    state=state,
                )
            )
        return out

    @router.get("/admin/codes", response_class=HTMLResponse)
    def batches(request: Request, user: Admin) -> HTMLResponse:
        page = Page.of(request)
        listed = rows(page, names())
        revoked = request.query_params.get("revoked")
        notice = None
        if revoked and any(str(row.id) == revoked and row.state == "revoked" for row in listed):
            notice = page._("Batch {id} was revoked: its unused codes no longer work.").format(
                id=revoked
            )
        return render(
            page, "admin/codes.html", user, "codes", title=page._("One-time codes"),
            rows=listed, notice=notice,
        )  # fmt: skip

    def code_form(page: Page, user: User, errors: Errors, form: CodeForm) -> HTMLResponse:
        known = names()
        lang = page.language
        return pages.form(
            page, "admin/code_new.html", user, "codes", errors,
            title=page._("Make one-time codes"), form=form,
            centers=[(cid, known.center(cid, lang)) for cid in sorted(known.centers)],
            services=[(sid, known.service(sid, lang)) for sid in known.service_order],
            example=str(page.request.base_url).rstrip("/") + code_path("ABCD-EFGH-JKMN"),
            max_count=MAX_SLIPS,
        )  # fmt: skip

    @router.get("/admin/codes/new", response_class=HTMLResponse)
    def new_codes(request: Request, user: Admin) -> HTMLResponse:
        default = (today() + DEFAULT_VALIDITY).isoformat()
        return code_form(Page.of(request), user, [], CodeForm(last_day=default))

    def check(page: Page, form: CodeForm) -> tuple[Errors, int, date | None]:
        """Errors in the admin's words (the codes module's own messages are English)."""
        errors: Errors = []
        known = names()
        if form.center not in known.centers:
            errors.append(("center", page._("Choose a service center")))
        if not form.service:
            errors.append(("service", page._("Choose a program or service")))
        elif form.center in known.centers:
            with site.engine.connect() as conn:
                rules = center_rules(conn, form.center)
            if rules is None or form.service not in rules.services:
                errors.append(
                    ("service", page._("This program or service is not offered at that center"))
                )
        count = int(form.count) if form.count.strip().isdigit() else 0
        if not 1 <= count <= MAX_SLIPS:
            errors.append(
                ("count", page._("Enter a number of codes from 1 to {n}").format(n=MAX_SLIPS))
            )
        try:
            last_day: date | None = date.fromisoformat(form.last_day.strip())
        except ValueError:
            last_day = None
            errors.append(("last_day", page._("Enter the last day as a date, e.g. 2026-12-31")))
        if last_day is not None and not today() <= last_day <= today() + MAX_VALIDITY:
            errors.append(
                ("last_day", page._("Choose a last day from today to two years from now"))
            )
        return errors, count, last_day

    @router.post("/admin/codes/new", response_model=None)
    def make_codes(
        request: Request,
        user: Admin,
        center: Annotated[str, Form()] = "",
        service: Annotated[str, Form()] = "",
        count: Annotated[str, Form()] = "",
        last_day: Annotated[str, Form()] = "",
    ) -> Response:
        page = Page.of(request)
        form = CodeForm(center, service, count, last_day)
        errors, number, day = check(page, form)
        if errors or day is None:
            return code_form(page, user, errors, form)
        try:
            batch, codes = issue_batch(
                site.engine, center_id=center, service_id=service, count=number,
                expires_at=expiry_of(day), user_id=user.id,
            )  # fmt: skip
        except ValueError as exc:
            return code_form(page, user, [("service", str(exc))], form)
        log.info("batch %d of %d codes made by %s", batch.id, len(codes), user.name)
        pdf = slips_pdf(_slip_batch(site, names(), batch), codes, str(request.base_url))
        filename = f"codes-{batch.id}-{_file_part(service)}-{_file_part(center)}.pdf"
        return _pdf(pdf, filename)

    def batch_of(text: str) -> CodeBatch | None:
        wanted = int(text) if text.isdigit() else None
        return next((b for b in list_batches(site.engine) if b.id == wanted), None)

    def revoke_form(
        page: Page, user: User, batch: CodeBatch, errors: Errors, status_code: int = 200
    ) -> HTMLResponse:
        known = names()
        return render(
            page, "admin/code_revoke.html", user, "codes", status_code,
            title=page._("Revoke batch {id}?").format(id=batch.id), batch=batch,
            program=known.service(batch.service_id, page.language),
            center=known.center(batch.center_id, page.language), errors=errors,
        )  # fmt: skip

    def no_batch(page: Page, user: User) -> HTMLResponse:
        return missing(page, user, "codes", page._("There is no such batch"), "/admin/codes")

    @router.get("/admin/codes/revoke", response_class=HTMLResponse)
    def confirm_revoke(request: Request, user: Admin) -> HTMLResponse:
        page = Page.of(request)
        batch = batch_of(request.query_params.get("batch", ""))
        if batch is None:
            return no_batch(page, user)
        errors = [("", page._("This batch is already revoked"))] if batch.revoked_at else []
        return revoke_form(page, user, batch, errors)

    @router.post("/admin/codes/revoke", response_model=None)
    def revoke(request: Request, user: Admin, batch: Annotated[str, Form()] = "") -> Response:
        page = Page.of(request)
        found = batch_of(batch)
        if found is None:
            return no_batch(page, user)
        try:
            revoke_batch(site.engine, found.id, user.id)
        except ValueError:
            errors = [("", page._("This batch is already revoked"))]
            return revoke_form(page, user, found, errors, 400)
        log.info("batch %d revoked by %s", found.id, user.name)
        return RedirectResponse(page.url("/admin/codes", revoked=found.id), status_code=303)

    # -- posters -------------------------------------------------------------------------------

    @router.get("/admin/posters", response_class=HTMLResponse)
    def posters(request: Request, user: Admin) -> HTMLResponse:
        page = Page.of(request)
        known = names()
        base = str(request.base_url).rstrip("/")
        centers = [
            (cid, known.center(cid, page.language), base + open_path(cid))
            for cid in sorted(known.centers)
        ]
        return render(
            page, "admin/posters.html", user, "posters", title=page._("Posters"), centers=centers
        )

    @router.get("/admin/posters/download", response_model=None)
    def poster(request: Request, user: Admin) -> Response:
        page = Page.of(request)
        known = names()
        center = request.query_params.get("center", "")
        if center not in known.centers:
            return missing(
                page, user, "posters", page._("There is no such service center"), "/admin/posters"
            )
        pdf = poster_pdf(
            site.theme.municipality, _text(known.centers, center), str(request.base_url),
            open_path(center),
        )  # fmt: skip
        return _pdf(pdf, f"poster-{_file_part(center)}.pdf")

    return router


def _text(named: Any, ident: str) -> Text:
    found = named.get(ident)
    return found if isinstance(found, Text) else Text(ident, ident)


def _slip_batch(site: Site, known: Names, batch: CodeBatch) -> SlipBatch:
    return SlipBatch(
        municipality=site.theme.municipality,
        program=_text(known.services, batch.service_id),
        center=_text(known.centers, batch.center_id),
        valid_until=last_day_of(batch.expires_at),
    )
