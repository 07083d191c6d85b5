"""Staff accounts, sessions, CSRF protection and roles for the server's pages.

How a page declares who may see it (once, on the route)::

    from server.web.auth import Admin, Analyst, csrf_field, page_router

    def routes(site: Site, templates: Templates) -> APIRouter:
        router = page_router(site, templates)  # refusals become HTML pages, not JSON

        @router.get("/staff/results", response_class=HTMLResponse)
        def results(request: Request, user: Analyst) -> HTMLResponse:
            page = Page.of(request)
            return templates.render(page, "staff/results.html", title=..., user=user)

        @router.post("/staff/comments/hide")
        def hide(request: Request, user: Analyst, uuid: Annotated[str, Form()] = "") -> ...:
            ...  # the role and the form's csrf_token were already checked

    # Analyst is Annotated[User, Depends(require("analyst"))]; Admin likewise with "admin".

What ``require(role)`` does, before the handler runs:

- an anonymous visitor of a GET page is sent (303) to ``/login?next=<the page>``;
- an anonymous POST, a signed-in user without the role, and a POST whose ``csrf_token``
  form field is not the session's answer 403 (an HTML page);
- roles are ranked ``analyst`` < ``admin``: an admin may do everything an analyst may.

Why this shape:

- Sessions are rows in ``sessions``; the cookie holds a random 32-byte token (URL-safe
  base64) and the table only its SHA-256, so a copy of the database opens no session. The
  cookie is HttpOnly, SameSite=Lax, Path=/ and Secure (unless ``secure_cookies`` is off for
  local trials). A session ends after 8 idle hours (renewed on use, at most every few
  minutes, so a page view is usually a read) and at the latest 24 hours after sign-in; a
  disabled user's sessions stop working at once (OWASP Session Management Cheat Sheet).
- CSRF: the synchronizer token pattern. Each session has its own ``csrf_token``; every POST
  form carries it in a hidden field (:func:`csrf_field`, or the ``csrf_input`` macro of
  ``auth/forms.html``) and it is compared in constant time. The login form has no session
  yet, so it uses a double-submit token: a short-lived cookie and the same value in the form.
- Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher`` defaults, RFC 9106's
  low-memory profile); a hash made with older parameters is replaced at the next sign-in.
- Failed sign-ins are counted per client address in ``login_failures``; after 5 within 15
  minutes that address may not sign in (even with the right password) until the oldest of
  them leaves the window: 429 with ``Retry-After``. Refused attempts are not counted, so the
  lock cannot be stretched by hammering.
- Refusals are raised as :class:`Refused` and turned into pages by the route class of
  :func:`page_router`: the app's own exception handlers answer kiosks in JSON and stay so.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import APIRouter, Depends, Form
from fastapi.routing import APIRoute
from markupsafe import Markup, escape
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from server.audit import audit
from server.db import login_failures, sessions, users, utc_now
from server.enrollment import AdminError
from server.web.site import Site
from server.web.templating import N_, Page, Templates

log = logging.getLogger("server.web.auth")

# -- settings -------------------------------------------------------------------------------

ROLES = ("analyst", "admin")
"""From least to most allowed: an admin may do everything an analyst may."""
_RANK = {role: rank for rank, role in enumerate(ROLES, start=1)}

SESSION_COOKIE = "session"
LOGIN_CSRF_COOKIE = "login_csrf"
CSRF_FIELD = "csrf_token"
"""The name of the hidden form field that carries the CSRF token."""

IDLE_TIMEOUT = timedelta(hours=8)
RENEW_AFTER = timedelta(minutes=5)
"""A session's expiry moves forward on use, but at most this often (a write)."""
ABSOLUTE_TIMEOUT = timedelta(hours=24)
LOGIN_CSRF_MAX_AGE = 3600
"""Seconds the login form's double-submit cookie lives."""

LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW = timedelta(minutes=15)

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
"""Longer inputs are refused before hashing: hashing is deliberately expensive."""
NAME_PATTERN = re.compile(r"^[\w.@-]{1,64}$")

HOME = "/staff/results"
"""Where a sign-in without ``next`` leads."""

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

HASHER = PasswordHasher()
"""argon2id with argon2-cffi's default parameters."""

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
"""``secrets.token_urlsafe(32)``: 32 random bytes in URL-safe base64 without padding."""
_SITE_KEY = "ukukavshiri.site"
_USER_KEY = "ukukavshiri.user"


# -- accounts -------------------------------------------------------------------------------


class AccountError(AdminError):
    """A staff-account change that cannot be made; ``code`` names the reason for the pages."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


ACCOUNT_ERRORS = {
    "name_invalid": N_("Enter a name of 1 to 64 letters, digits, dots, hyphens, underscores or @"),
    "name_taken": N_("There is already a user with this name"),
    "role_invalid": N_("Choose a role"),
    "password_short": N_("Enter a password of at least 12 characters"),
    "password_long": N_("Enter a password of at most 1024 characters"),
    "password_mismatch": N_("Enter the same password twice"),
    "no_user": N_("There is no user with this name"),
    "already_disabled": N_("This user is already disabled"),
}
"""What each :class:`AccountError` code says on a page (translated where it is shown)."""


@dataclass(frozen=True)
class Account:
    """A staff account as listed to admins (never with its hash)."""

    id: int
    name: str
    role: str
    created_at: datetime
    disabled_at: datetime | None


def check_name(name: str) -> None:
    if not NAME_PATTERN.match(name):
        raise AccountError(
            "name_invalid",
            f"user name {name!r} is not valid: use 1-64 letters, digits, '.', '_', '-' or '@'",
        )


def check_role(role: str) -> None:
    if role not in _RANK:
        raise AccountError("role_invalid", f"role {role!r} is not one of {', '.join(ROLES)}")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "password_short", f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(
            "password_long", f"the password must have at most {MAX_PASSWORD_LENGTH} characters"
        )


def hash_password(password: str) -> str:
    check_password(password)
    return HASHER.hash(password)


def add_user(engine: Engine, name: str, role: str, password: str, by: int | None = None) -> int:
    """Add a staff account; ``by`` is the admin doing it (None: the command line)."""
    check_name(name)
    check_role(role)
    password_hash = hash_password(password)
    try:
        with engine.begin() as conn:
            user_id = int(
                conn.execute(
                    users.insert()
                    .values(name=name, role=role, password_hash=password_hash, created_at=utc_now())
                    .returning(users.c.id)
                ).scalar_one()
            )
            audit(conn, by, "user.add", {"name": name, "role": role})
    except IntegrityError:
        raise AccountError("name_taken", f"a user named {name!r} already exists") from None
    log.info("user %s added as %s", name, role)
    return user_id


def _user_id(conn: Connection, name: str) -> tuple[int, datetime | None]:
    row = conn.execute(
        select(users.c.id, users.c.disabled_at).where(users.c.name == name).with_for_update()
    ).first()
    if row is None:
        raise AccountError("no_user", f"there is no user named {name!r}")
    return int(row.id), row.disabled_at


def set_password(engine: Engine, name: str, password: str, by: int | None = None) -> None:
    """Give ``name`` a new password; every session of that user ends."""
    password_hash = hash_password(password)
    with engine.begin() as conn:
        user_id, _disabled = _user_id(conn, name)
        conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))
        conn.execute(delete(sessions).where(sessions.c.user_id == user_id))
        audit(conn, by, "user.password", {"name": name})
    log.info("password of user %s set", name)


def disable_user(engine: Engine, name: str, by: int | None = None) -> None:
    """Refuse every further sign-in of ``name`` and end its sessions; the row stays (audit)."""
    with engine.begin() as conn:
        user_id, disabled = _user_id(conn, name)
        if disabled is not None:
            raise AccountError("already_disabled", f"user {name!r} is already disabled")
        conn.execute(update(users).where(users.c.id == user_id).values(disabled_at=utc_now()))
        conn.execute(delete(sessions).where(sessions.c.user_id == user_id))
        audit(conn, by, "user.disable", {"name": name})
    log.info("user %s disabled", name)


def list_users(engine: Engine) -> list[Account]:
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        rows = conn.execute(
            select(
                users.c.id, users.c.name, users.c.role, users.c.created_at, users.c.disabled_at
            ).order_by(users.c.name)
        ).all()
    return [Account(r.id, r.name, r.role, r.created_at, r.disabled_at) for r in rows]


# -- audit ----------------------------------------------------------------------------------


# -- signing in -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginOutcome:
    """What a sign-in attempt came to: a user id, a refusal, or a wait."""

    user_id: int | None = None
    retry_after: int | None = None
    """Seconds until this address may try again (too many failures)."""


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the name is unknown, so both take the same time."""
    return HASHER.hash(secrets.token_urlsafe(16))


def _lock_logins(conn: Connection) -> None:
    """Serialise sign-ins so concurrent guesses cannot slip past the failure count (SQLite
    already holds its write lock: every transaction begins IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(727073)"))


def login_retry_after(conn: Connection, client_ip: str, now: datetime) -> int | None:
    """Seconds until ``client_ip`` may sign in again, or None when it is under the limit."""
    recent = (
        conn.execute(
            select(login_failures.c.at)
            .where(
                login_failures.c.client_ip == client_ip, login_failures.c.at > now - LOGIN_WINDOW
            )
            .order_by(login_failures.c.at.desc())
            .limit(LOGIN_MAX_FAILURES)
        )
        .scalars()
        .all()
    )
    if len(recent) < LOGIN_MAX_FAILURES:
        return None
    frees_at = recent[-1] + LOGIN_WINDOW
    return max(1, int((frees_at - now).total_seconds() + 0.999))


def attempt_login(engine: Engine, name: str, password: str, client_ip: str) -> LoginOutcome:
    """Check a name and password from ``client_ip``: never says which of the two was wrong."""
    now = utc_now()
    with engine.begin() as conn:
        _lock_logins(conn)
        wait = login_retry_after(conn, client_ip, now)
        if wait is not None:
            return LoginOutcome(retry_after=wait)
        row = conn.execute(
            select(users.c.id, users.c.password_hash, users.c.disabled_at).where(
                users.c.name == name
            )
        ).first()
        usable = len(password) <= MAX_PASSWORD_LENGTH
        stored = row.password_hash if row is not None else _dummy_hash()
        try:
            matches = usable and HASHER.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            matches = False
        if row is None or row.disabled_at is not None or not matches:
            conn.execute(
                login_failures.insert().values(client_ip=client_ip, user_name=name[:64], at=now)
            )
            conn.execute(delete(login_failures).where(login_failures.c.at < now - LOGIN_WINDOW))
            log.info("sign-in failed from %s", client_ip)
            return LoginOutcome()
        if HASHER.check_needs_rehash(stored):
            conn.execute(
                update(users)
                .where(users.c.id == row.id)
                .values(password_hash=HASHER.hash(password))
            )
        audit(conn, row.id, "login", {})
    return LoginOutcome(user_id=int(row.id))


# -- sessions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewSession:
    token: str
    """For the cookie only; the database keeps its SHA-256."""
    csrf_token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start_session(engine: Engine, user_id: int) -> NewSession:
    """A new session of ``user_id`` (expired rows of anyone are cleared on the way)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utc_now()
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.expires_at <= now))
        conn.execute(
            sessions.insert().values(
                token_hash=token_hash(token),
                user_id=user_id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + IDLE_TIMEOUT,
            )
        )
    return NewSession(token, csrf)


def end_session(engine: Engine, token: str | None) -> None:
    if token and _TOKEN.match(token):
        with engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash(token)))


@dataclass(frozen=True)
class User:
    """The signed-in staff member of a request, with the CSRF token of their session."""

    id: int
    name: str
    role: str
    csrf_token: str

    def has_role(self, role: str) -> bool:
        """True when this user may do what ``role`` may (admins may do all analysts may)."""
        return _RANK.get(self.role, 0) >= _RANK[role]

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")


def session_user(engine: Engine, token: str | None, now: datetime | None = None) -> User | None:
    """The user of a session token, renewing the session's idle expiry when it is due."""
    if not token or not _TOKEN.match(token):
        return None
    now = now or utc_now()
    digest = token_hash(token)
    query = (
        select(
            sessions.c.csrf_token,
            sessions.c.created_at,
            sessions.c.expires_at,
            users.c.id,
            users.c.name,
            users.c.role,
        )
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.token_hash == digest, users.c.disabled_at.is_(None))
    )
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        row = conn.execute(query).first()
    if row is None or row.expires_at <= now:
        return None
    if row.expires_at - now < IDLE_TIMEOUT - RENEW_AFTER:
        renewed = min(now + IDLE_TIMEOUT, row.created_at + ABSOLUTE_TIMEOUT)
        if renewed <= now:
            return None
        with engine.begin() as conn:
            conn.execute(
                update(sessions).where(sessions.c.token_hash == digest).values(expires_at=renewed)
            )
    return User(int(row.id), row.name, row.role, row.csrf_token)


_MISSING = object()


def current_user(site: Site, request: Request) -> User | None:
    """The signed-in user of ``request``, or None; looked up once per request."""
    cached = request.scope.get(_USER_KEY, _MISSING)
    if cached is _MISSING:
        cached = session_user(site.engine, request.cookies.get(SESSION_COOKIE))
        request.scope[_USER_KEY] = cached
    assert cached is None or isinstance(cached, User)
    return cached


def set_session_cookie(site: Site, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=site.settings.secure_cookies,
    )


def clear_session_cookie(site: Site, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=site.settings.secure_cookies,
    )


# -- CSRF -----------------------------------------------------------------------------------


def _same_token(expected: str, given: object) -> bool:
    """Constant-time comparison of a token with a form value of any type."""
    if not expected or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def check_csrf(user: User | None, form_value: object) -> None:
    """Raise :class:`Refused` (403) unless ``form_value`` is the session's CSRF token.

    ``require`` already does this for every POST; call it yourself only in a route that
    checks a form without ``require``.
    """
    if user is None or not _same_token(user.csrf_token, form_value):
        raise Refused(Refused.CSRF)


def csrf_field(user: User) -> Markup:
    """The hidden form field a POST form needs: ``{{ csrf_field(user) }}`` when passed in, or
    ``{% from "auth/forms.html" import csrf_input %}{{ csrf_input(user) }}`` in a template."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        CSRF_FIELD, escape(user.csrf_token)
    )


# -- roles and refusals ---------------------------------------------------------------------


class Refused(Exception):
    """The request may not go on; :func:`page_router`'s routes answer it with a page."""

    LOGIN = "login"
    """Anonymous GET: send to the sign-in page, then back."""
    FORBIDDEN = "forbidden"
    """Anonymous POST, or signed in without the role: 403."""
    CSRF = "csrf"
    """A POST without the right CSRF token: 403."""

    def __init__(self, kind: str, next_path: str | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.next_path = next_path


def safe_next(value: str | None) -> str | None:
    """``value`` when it is a path on this site (``/…``), else None: no open redirect.

    Refused: other schemes and hosts, ``//host`` and ``/\\host`` (browsers read both as a
    host), and any control character or space (browsers drop tabs and newlines in URLs).
    """
    if not value or len(value) > 2000 or not value.startswith("/"):
        return None
    if value.startswith("//") or "\\" in value:
        return None
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def _site_of(request: Request) -> Site:
    site = request.scope.get(_SITE_KEY)
    if not isinstance(site, Site):
        raise RuntimeError(
            "require() is used on a route that was not made by server.web.auth.page_router()"
        )
    return site


@cache
def require(role: str) -> Callable[[Request], Awaitable[User]]:
    """A FastAPI dependency that lets only users with ``role`` (or a higher one) through.

    For a POST it also checks the form's ``csrf_token``. Declare it once per route, as the
    type of a parameter (``user: Analyst`` / ``user: Admin``) or in ``dependencies=``.
    """
    if role not in _RANK:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")

    async def dependency(request: Request) -> User:
        site = _site_of(request)
        user = await run_in_threadpool(current_user, site, request)
        unsafe = request.method not in SAFE_METHODS
        if user is None:
            if unsafe:
                raise Refused(Refused.FORBIDDEN)
            wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise Refused(Refused.LOGIN, wanted)
        if not user.has_role(role):
            raise Refused(Refused.FORBIDDEN)
        if unsafe:
            form = await request.form()
            check_csrf(user, form.get(CSRF_FIELD))
        return user

    dependency.__name__ = f"require_{role}"
    return dependency


Analyst = Annotated[User, Depends(require("analyst"))]
"""A route parameter of this type admits analysts and admins."""
Admin = Annotated[User, Depends(require("admin"))]
"""A route parameter of this type admits admins only."""


def _refusal(site: Site, templates: Templates, request: Request, refusal: Refused) -> Response:
    page = Page.of(request)
    if refusal.kind == Refused.LOGIN:
        return RedirectResponse(page.url("/login", next=refusal.next_path), status_code=303)
    user = current_user(site, request)
    title = page._("This form has expired") if refusal.kind == Refused.CSRF else None
    return templates.render(
        page,
        "auth/refused.html",
        status_code=403,
        title=title or page._("You cannot use this page"),
        user=user,
        reason=refusal.kind,
    )


def page_router(site: Site, templates: Templates) -> APIRouter:
    """A router for pages: ``require`` works on its routes, refusals become pages, and no
    answer is kept in a shared cache (``Cache-Control: no-store`` unless the route sets one)."""

    class PageRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Any]:
            handler = super().get_route_handler()

            async def guarded(request: Request) -> Response:
                request.scope[_SITE_KEY] = site
                try:
                    response: Response = await handler(request)
                except Refused as refusal:
                    response = await run_in_threadpool(_refusal, site, templates, request, refusal)
                response.headers.setdefault("Cache-Control", "no-store")
                return response

            return guarded

    return APIRouter(route_class=PageRoute, include_in_schema=False)


# -- the sign-in pages ----------------------------------------------------------------------


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def routes(site: Site, templates: Templates) -> APIRouter:
    router = page_router(site, templates)

    def login_page(
        request: Request,
        *,
        next_path: str | None,
        status_code: int = 200,
        name: str = "",
        failed: bool = False,
        expired: bool = False,
    ) -> HTMLResponse:
        page = Page.of(request)
        token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not _TOKEN.match(token):
            token = secrets.token_urlsafe(32)
        errors = []
        if failed:
            errors.append(("name", page._("The name or password is not right")))
        if expired:
            errors.append(("name", page._("The sign-in form had expired. Try again.")))
        response = templates.render(
            page,
            "auth/login.html",
            status_code=status_code,
            title=page._("Sign in"),
            errors=errors,
            entered_name=name,
            next_path=next_path,
            login_token=token,
            nav="login",
        )
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            max_age=LOGIN_CSRF_MAX_AGE,
            path="/login",
            httponly=True,
            samesite="strict",
            secure=site.settings.secure_cookies,
        )
        return response

    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request) -> Response:
        next_path = safe_next(request.query_params.get("next"))
        if current_user(site, request) is not None:
            return RedirectResponse(next_path or HOME, status_code=303)
        return login_page(request, next_path=next_path)

    @router.post("/login", response_class=HTMLResponse)
    def login(
        request: Request,
        name: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form()] = "",
        next_value: Annotated[str, Form(alias="next")] = "",
    ) -> Response:
        next_path = safe_next(next_value)
        if not _same_token(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token):
            return login_page(request, next_path=next_path, status_code=403, expired=True)
        outcome = attempt_login(site.engine, name.strip(), password, client_address(request))
        if outcome.retry_after is not None:
            page = Page.of(request)
            wait = templates.render(
                page,
                "auth/too_many.html",
                status_code=429,
                title=page._("Too many attempts to sign in"),
                minutes=max(1, (outcome.retry_after + 59) // 60),
            )
            wait.headers["Retry-After"] = str(outcome.retry_after)
            return wait
        if outcome.user_id is None:
            return login_page(request, next_path=next_path, status_code=400, name=name, failed=True)
        end_session(site.engine, request.cookies.get(SESSION_COOKIE))  # no session fixation
        new = start_session(site.engine, outcome.user_id)
        response = RedirectResponse(next_path or HOME, status_code=303)
        set_session_cookie(site, response, new.token)
        response.delete_cookie(
            LOGIN_CSRF_COOKIE,
            path="/login",
            httponly=True,
            samesite="strict",
            secure=site.settings.secure_cookies,
        )
        return response

    @router.post("/logout")
    def logout(request: Request, user: Analyst) -> Response:
        end_session(site.engine, request.cookies.get(SESSION_COOKIE))
        with site.engine.begin() as conn:
            audit(conn, user.id, "logout", {})
        response = RedirectResponse("/login", status_code=303)
        clear_session_cookie(site, response)
        return response

    return router
