"""Administration pages (admin role): the kiosk fleet, enrollment codes, revoking kiosks,
staff accounts, catalogs, one-time codes and posters for the web channel, and what admins did
recently.

Each page does what the matching ``kiosk-server`` command does, through the same functions
(:mod:`server.enrollment`, :mod:`server.kiosks`, :mod:`server.catalogs`, the accounts of
:mod:`server.web.auth`), so the command line and the pages cannot disagree. Every change
writes ``audit_log`` (who, what, when). Changes are POSTs followed by a redirect to the list
(no double submission on reload), except "add a kiosk": its one-time code is shown on the
answer to the POST itself, because only its hash is kept. A batch of one-time codes is
likewise answered with its slips PDF (:mod:`server.web.codes_admin` says why).

Things are named in forms and query strings, never in paths: a kiosk name may hold a ``/``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import segno
from fastapi import APIRouter, File, Form, Request, UploadFile
from markupsafe import Markup
from sqlalchemy import select
from starlette.responses import HTMLResponse, RedirectResponse, Response

from server.audit import audit
from server.catalogs import MAX_CATALOG_BYTES, CatalogError, store_catalog
from server.db import DEFAULT_CATALOG_SCOPE, audit_log, catalog_versions, catalogs, centers, kiosks
from server.db import users as users_table
from server.enrollment import AdminError, IssuedCode, add_kiosks, revoke_kiosk
from server.kiosks import KioskStatus, list_kiosks
from server.local_time import local_time_text
from server.web import codes_admin
from server.web.admin_pages import AdminPages, Errors
from server.web.auth import (
    ACCOUNT_ERRORS,
    SESSION_COOKIE,
    Account,
    AccountError,
    Admin,
    User,
    add_user,
    check_password,
    disable_user,
    end_session,
    list_users,
    page_router,
    set_password,
    set_session_cookie,
    start_session,
)
from server.web.site import Site
from server.web.templating import N_, Page, Templates
from server.web_channel.names import WEB_STATUS

log = logging.getLogger("server.web.admin")

STATUSES = {
    "pending": N_("Waiting for enrollment"),
    "active": N_("Active"),
    "revoked": N_("Revoked"),
    "offline": N_("Known from export files only"),
}
FLAGS = {
    "silent": N_("Silent"),
    "behind": N_("Behind"),
    "clock_off": N_("Clock off"),
}
ROLE_NAMES = {"analyst": N_("Analyst"), "admin": N_("Admin")}
ACTIONS = {
    "login": N_("Signed in"),
    "logout": N_("Signed out"),
    "user.add": N_("Added a user"),
    "user.password": N_("Set a password"),
    "user.disable": N_("Disabled a user"),
    "kiosk.add": N_("Added a kiosk"),
    "kiosk.revoke": N_("Revoked a kiosk"),
    "catalog.load": N_("Loaded a catalog"),
    "web_codes.issue": N_("Made one-time codes"),
    "web_codes.revoke": N_("Revoked one-time codes"),
}
RECENT_ACTIVITY = 20


def when(page: Page, moment: datetime | None) -> str:
    """A time as staff read it in a table (Georgia's time, to the minute)."""
    if moment is None:
        return page._("never")
    return local_time_text(moment)


def duration(page: Page, seconds: float | None) -> str:
    """A rough age: minutes, hours or days."""
    if seconds is None:
        return "–"
    minutes = int(seconds // 60)
    if minutes < 120:
        return page.ngettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes}
    hours = minutes // 60
    if hours < 48:
        return page.ngettext("%(num)d hour", "%(num)d hours", hours) % {"num": hours}
    days = hours // 24
    return page.ngettext("%(num)d day", "%(num)d days", days) % {"num": days}


def qr_svg(code: str, title: str) -> Markup:
    """The code as a QR code in inline SVG, named by its ``<title>`` (escaped by segno)."""
    qr = segno.make(code, micro=False, error="m")
    svg = qr.svg_inline(
        scale=8, border=4, dark="#000000", light="#ffffff", title=title, svgclass="qr",
        omitsize=True,
    )  # fmt: skip
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


@dataclass(frozen=True)
class KioskRow:
    name: str
    center_id: str
    status: str
    status_text: str
    last_seen: str
    pending: str
    oldest_pending: str
    flags: list[str]
    app_version: str
    catalog_version: str


def _fleet(site: Site, page: Page) -> list[KioskRow]:
    """What ``kiosk-server kiosks`` lists, with the app and catalog versions."""
    listed: list[KioskStatus] = list_kiosks(site.engine)
    with site.engine.connect() as conn:
        conn.execution_options(read_only=True)
        app_versions = {
            row.name: row.app_version
            for row in conn.execute(select(kiosks.c.name, kiosks.c.app_version))
        }
    rows = []
    for kiosk in listed:
        heartbeat: dict[str, Any] = kiosk.heartbeat or {}
        oldest = heartbeat.get("oldest_pending_age_s")
        app_version = heartbeat.get("app_version") or app_versions.get(kiosk.name)
        rows.append(
            KioskRow(
                name=kiosk.name,
                center_id=kiosk.center_id,
                status=kiosk.status,
                status_text=page._(STATUSES.get(kiosk.status, kiosk.status)),
                last_seen=when(page, kiosk.last_seen_at),
                pending="–" if kiosk.pending_count is None else str(kiosk.pending_count),
                oldest_pending=duration(page, oldest if isinstance(oldest, int | float) else None),
                flags=[page._(FLAGS.get(flag, flag)) for flag in kiosk.flags],
                app_version=str(app_version) if app_version else "–",
                catalog_version=str(heartbeat.get("catalog_version") or "–"),
            )
        )
    return rows


def _centers(site: Site, page: Page) -> list[tuple[str, str]]:
    """(id, name in the page's language) of every service center."""
    with site.engine.connect() as conn:
        conn.execution_options(read_only=True)
        rows = conn.execute(
            select(centers.c.id, centers.c.name_ka, centers.c.name_en).order_by(centers.c.id)
        ).all()
    return [(row.id, row.name_ka if page.language == "ka" else row.name_en) for row in rows]


def _kiosk_status(site: Site, name: str) -> str | None:
    """The kiosk's status; None when no kiosk has the name (a web chain's row is no kiosk)."""
    with site.engine.connect() as conn:
        conn.execution_options(read_only=True)
        status = conn.execute(select(kiosks.c.status).where(kiosks.c.name == name)).scalar()
    return None if status in (None, WEB_STATUS) else str(status)


def _record(site: Site, user: User, action: str, detail: dict[str, Any]) -> None:
    with site.engine.begin() as conn:
        audit(conn, user.id, action, detail)


@dataclass(frozen=True)
class Activity:
    at: str
    who: str
    action: str
    detail: str


def _activity(site: Site, page: Page) -> list[Activity]:
    with site.engine.connect() as conn:
        conn.execution_options(read_only=True)
        rows = conn.execute(
            select(audit_log.c.at, audit_log.c.action, audit_log.c.detail, users_table.c.name)
            .select_from(audit_log.outerjoin(users_table, users_table.c.id == audit_log.c.user_id))
            .order_by(audit_log.c.id.desc())
            .limit(RECENT_ACTIVITY)
        ).all()
    result = []
    for row in rows:
        try:
            detail = json.loads(row.detail)
        except ValueError:
            detail = {}
        text = ", ".join(f"{key}: {value}" for key, value in detail.items()) if detail else ""
        result.append(
            Activity(
                at=when(page, row.at),
                who=row.name or page._("command line"),
                action=page._(ACTIONS[row.action]) if row.action in ACTIONS else row.action,
                detail=text,
            )
        )
    return result


@dataclass(frozen=True)
class VersionRow:
    version: str
    loaded_at: str
    used_by: list[str]


def _catalog_versions(site: Site, page: Page) -> list[VersionRow]:
    with site.engine.connect() as conn:
        conn.execution_options(read_only=True)
        versions = conn.execute(
            select(catalog_versions.c.version, catalog_versions.c.loaded_at).order_by(
                catalog_versions.c.loaded_at.desc(), catalog_versions.c.version
            )
        ).all()
        current = conn.execute(select(catalogs.c.scope, catalogs.c.version)).all()
    used: dict[str, list[str]] = {}
    for row in current:
        label = (
            page._("every center without its own")
            if row.scope == DEFAULT_CATALOG_SCOPE
            else row.scope
        )
        used.setdefault(row.version or "", []).append(label)
    return [
        VersionRow(row.version, when(page, row.loaded_at), sorted(used.get(row.version, [])))
        for row in versions
    ]


def routes(site: Site, templates: Templates) -> APIRouter:
    router = page_router(site, templates)

    pages = AdminPages(templates)
    render = pages.render

    def missing(page: Page, user: User, section: str, what: str) -> HTMLResponse:
        title = (
            page._("There is no such kiosk") if what == "kiosk" else page._("There is no such user")
        )
        back = "/admin/kiosks" if what == "kiosk" else "/admin/users"
        return pages.missing(page, user, section, title, back)

    # -- overview ------------------------------------------------------------------------------

    @router.get("/admin", response_class=HTMLResponse)
    def overview(request: Request, user: Admin) -> HTMLResponse:
        page = Page.of(request)
        return render(
            page,
            "admin/index.html",
            user,
            "overview",
            title=page._("Administration"),
            activity=_activity(site, page),
        )

    # -- kiosks --------------------------------------------------------------------------------

    @router.get("/admin/kiosks", response_class=HTMLResponse)
    def fleet(request: Request, user: Admin) -> HTMLResponse:
        page = Page.of(request)
        rows = _fleet(site, page)
        revoked = request.query_params.get("revoked")
        notice = None
        if revoked and any(row.name == revoked and row.status == "revoked" for row in rows):
            notice = page._("Kiosk %(name)s was revoked.") % {"name": revoked}
        return render(
            page, "admin/kiosks.html", user, "kiosks", title=page._("Kiosks"), rows=rows,
            notice=notice,
        )  # fmt: skip

    def kiosk_form(
        page: Page, user: User, errors: Errors, name: str = "", center: str = ""
    ) -> HTMLResponse:
        return pages.form(
            page, "admin/kiosk_new.html", user, "kiosks", errors, title=page._("Add a kiosk"),
            kiosk_name=name, center=center, centers=_centers(site, page),
        )  # fmt: skip

    @router.get("/admin/kiosks/new", response_class=HTMLResponse)
    def new_kiosk(request: Request, user: Admin) -> HTMLResponse:
        return kiosk_form(Page.of(request), user, [])

    @router.post("/admin/kiosks/new", response_class=HTMLResponse)
    def add_kiosk(
        request: Request,
        user: Admin,
        name: Annotated[str, Form()] = "",
        center: Annotated[str, Form()] = "",
    ) -> HTMLResponse:
        page = Page.of(request)
        name = name.strip()
        errors: Errors = []
        if not name or len(name) > 100 or not name.isprintable():
            errors.append(("name", page._("Enter a kiosk name of 1 to 100 characters")))
        elif _kiosk_status(site, name) is not None:
            errors.append(("name", page._("There is already a kiosk with this name")))
        if center not in {center_id for center_id, _ in _centers(site, page)}:
            errors.append(("center", page._("Choose a service center")))
        issued: IssuedCode | None = None
        if not errors:
            try:
                issued = add_kiosks(site.engine, [name], center)[0]
            except AdminError as exc:
                errors.append(("name", str(exc)))
        if issued is None:
            return kiosk_form(page, user, errors, name, center)
        _record(site, user, "kiosk.add", {"name": name, "center": center})
        log.info("kiosk %s added by %s", name, user.name)
        return render(
            page,
            "admin/kiosk_code.html",
            user,
            "kiosks",
            title=page._("Enrollment code for kiosk %(name)s") % {"name": name},
            issued=issued,
            expires=when(page, issued.expires_at),
            qr=qr_svg(
                issued.code,
                page._("QR code of the enrollment code %(code)s") % {"code": issued.code},
            ),
        )

    @router.get("/admin/kiosks/revoke", response_class=HTMLResponse)
    def confirm_revoke(request: Request, user: Admin) -> HTMLResponse:
        page = Page.of(request)
        name = request.query_params.get("name", "")
        status = _kiosk_status(site, name)
        if status is None:
            return missing(page, user, "kiosks", "kiosk")
        return render(
            page, "admin/kiosk_revoke.html", user, "kiosks",
            title=page._("Revoke kiosk %(name)s?") % {"name": name}, kiosk_name=name,
            errors=[("", page._("This kiosk is already revoked"))] if status == "revoked" else [],
        )  # fmt: skip

    @router.post("/admin/kiosks/revoke", response_class=HTMLResponse)
    def revoke(request: Request, user: Admin, name: Annotated[str, Form()] = "") -> Response:
        page = Page.of(request)
        status = _kiosk_status(site, name)
        if status is None:
            return missing(page, user, "kiosks", "kiosk")
        try:
            revoke_kiosk(site.engine, name)
        except AdminError:
            return render(
                page, "admin/kiosk_revoke.html", user, "kiosks", 400,
                title=page._("Revoke kiosk %(name)s?") % {"name": name}, kiosk_name=name,
                errors=[("", page._("This kiosk is already revoked"))],
            )  # fmt: skip
        _record(site, user, "kiosk.revoke", {"name": name})
        log.info("kiosk %s revoked by %s", name, user.name)
        return RedirectResponse(page.url("/admin/kiosks", revoked=name), status_code=303)

    # -- users ---------------------------------------------------------------------------------

    def account_error(page: Page, exc: AccountError) -> str:
        return page._(ACCOUNT_ERRORS[exc.code]) if exc.code in ACCOUNT_ERRORS else str(exc)

    @router.get("/admin/users", response_class=HTMLResponse)
    def accounts(request: Request, user: Admin) -> HTMLResponse:
        page = Page.of(request)
        listed = list_users(site.engine)
        names = {account.name for account in listed}
        notice = None
        for key, message in (
            ("added", N_("User %(name)s was added.")),
            ("password", N_("The password of %(name)s was set; their sessions ended.")),
            ("disabled", N_("User %(name)s was disabled; their sessions ended.")),
        ):
            named = request.query_params.get(key)
            if named and named in names:
                notice = page._(message) % {"name": named}
        return render(
            page, "admin/users.html", user, "users", title=page._("Users"), accounts=listed,
            notice=notice, roles=ROLE_NAMES, when=lambda moment: when(page, moment),
        )  # fmt: skip

    def user_form(
        page: Page, user: User, errors: Errors, name: str = "", role: str = ""
    ) -> HTMLResponse:
        return pages.form(
            page, "admin/user_new.html", user, "users", errors, title=page._("Add a user"),
            user_name=name, role=role,
        )  # fmt: skip

    @router.get("/admin/users/new", response_class=HTMLResponse)
    def new_user(request: Request, user: Admin) -> HTMLResponse:
        return user_form(Page.of(request), user, [])

    def password_errors(page: Page, password: str, again: str) -> Errors:
        try:
            check_password(password)
        except AccountError as exc:
            return [("password", account_error(page, exc))]
        if password != again:
            return [("password_again", page._(ACCOUNT_ERRORS["password_mismatch"]))]
        return []

    @router.post("/admin/users/new", response_class=HTMLResponse)
    def create_user(
        request: Request,
        user: Admin,
        name: Annotated[str, Form()] = "",
        role: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        password_again: Annotated[str, Form()] = "",
    ) -> Response:
        page = Page.of(request)
        name = name.strip()
        errors: Errors = []
        if not name:
            errors.append(("name", page._(ACCOUNT_ERRORS["name_invalid"])))
        if role not in ROLE_NAMES:
            errors.append(("role", page._(ACCOUNT_ERRORS["role_invalid"])))
        errors += password_errors(page, password, password_again)
        if not errors:
            try:
                add_user(site.engine, name, role, password, by=user.id)
            except AccountError as exc:
                errors.append(("name", account_error(page, exc)))
        if errors:
            return user_form(page, user, errors, name, role)
        return RedirectResponse(page.url("/admin/users", added=name), status_code=303)

    def named_account(name: str) -> Account | None:
        return next((a for a in list_users(site.engine) if a.name == name), None)

    def password_form(page: Page, user: User, name: str, errors: Errors) -> HTMLResponse:
        return pages.form(
            page, "admin/user_password.html", user, "users", errors,
            title=page._("Set a new password for %(name)s") % {"name": name}, user_name=name,
        )  # fmt: skip

    @router.get("/admin/users/password", response_class=HTMLResponse)
    def new_password(request: Request, user: Admin) -> HTMLResponse:
        page = Page.of(request)
        name = request.query_params.get("name", "")
        if named_account(name) is None:
            return missing(page, user, "users", "user")
        return password_form(page, user, name, [])

    @router.post("/admin/users/password", response_class=HTMLResponse)
    def change_password(
        request: Request,
        user: Admin,
        name: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        password_again: Annotated[str, Form()] = "",
    ) -> Response:
        page = Page.of(request)
        if named_account(name) is None:
            return missing(page, user, "users", "user")
        errors = password_errors(page, password, password_again)
        if errors:
            return password_form(page, user, name, errors)
        set_password(site.engine, name, password, by=user.id)
        response = RedirectResponse(page.url("/admin/users", password=name), status_code=303)
        if name == user.name:
            # Setting one's own password ends one's sessions too; carry on in a new one.
            end_session(site.engine, request.cookies.get(SESSION_COOKIE))
            set_session_cookie(site, response, start_session(site.engine, user.id).token)
        return response

    def disable_form(
        page: Page, user: User, name: str, errors: Errors, status_code: int | None = None
    ) -> HTMLResponse:
        return render(
            page, "admin/user_disable.html", user, "users",
            status_code or (400 if errors else 200),
            title=page._("Disable user %(name)s?") % {"name": name}, user_name=name,
            errors=errors,
        )  # fmt: skip

    def disable_errors(page: Page, user: User, account: Account) -> Errors:
        if account.name == user.name:
            return [("", page._("You cannot disable your own account"))]
        if account.disabled_at is not None:
            return [("", page._(ACCOUNT_ERRORS["already_disabled"]))]
        return []

    @router.get("/admin/users/disable", response_class=HTMLResponse)
    def confirm_disable(request: Request, user: Admin) -> HTMLResponse:
        page = Page.of(request)
        account = named_account(request.query_params.get("name", ""))
        if account is None:
            return missing(page, user, "users", "user")
        errors = disable_errors(page, user, account)
        return disable_form(page, user, account.name, errors, status_code=200)

    @router.post("/admin/users/disable", response_class=HTMLResponse)
    def disable(request: Request, user: Admin, name: Annotated[str, Form()] = "") -> Response:
        page = Page.of(request)
        account = named_account(name)
        if account is None:
            return missing(page, user, "users", "user")
        errors = disable_errors(page, user, account)
        if not errors:
            try:
                disable_user(site.engine, name, by=user.id)
            except AccountError as exc:
                errors = [("", account_error(page, exc))]
        if errors:
            return disable_form(page, user, name, errors)
        return RedirectResponse(page.url("/admin/users", disabled=name), status_code=303)

    # -- catalogs ------------------------------------------------------------------------------

    def catalogs_page(
        request: Request, user: User, errors: Errors, center: str = ""
    ) -> HTMLResponse:
        page = Page.of(request)
        versions = _catalog_versions(site, page)
        loaded = request.query_params.get("loaded")
        notice = None
        if not errors and loaded and any(row.version == loaded for row in versions):
            notice = page._("Catalog version %(version)s was loaded.") % {"version": loaded}
        return render(
            page, "admin/catalogs.html", user, "catalogs", 400 if errors else 200,
            title=page._("Catalogs"), errors=errors, versions=versions, notice=notice,
            centers=_centers(site, page), center=center,
        )  # fmt: skip

    @router.get("/admin/catalogs", response_class=HTMLResponse)
    def catalog_list(request: Request, user: Admin) -> HTMLResponse:
        return catalogs_page(request, user, [])

    @router.post("/admin/catalogs", response_class=HTMLResponse)
    def load_catalog(
        request: Request,
        user: Admin,
        catalog: Annotated[UploadFile | None, File()] = None,
        center: Annotated[str, Form()] = "",
    ) -> Response:
        page = Page.of(request)
        if catalog is None or not catalog.filename:
            return catalogs_page(request, user, [("catalog", page._("Choose a catalog file"))])
        data = catalog.file.read(MAX_CATALOG_BYTES + 1)
        try:
            stored = store_catalog(site.engine, data, center or None)
        except CatalogError as exc:
            # The very words of ``kiosk-server load-catalog``.
            return catalogs_page(request, user, [("catalog", str(exc))], center)
        _record(
            site, user, "catalog.load",
            {"version": stored.version, "center": center or DEFAULT_CATALOG_SCOPE,
             "file": catalog.filename, "etag": stored.etag},
        )  # fmt: skip
        log.info("catalog %s loaded by %s", stored.version, user.name)
        return RedirectResponse(page.url("/admin/catalogs", loaded=stored.version), status_code=303)

    router.include_router(codes_admin.routes(site, templates))
    return router
