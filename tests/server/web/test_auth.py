"""Who may use which page, sessions, signing in and out, CSRF, and the staff-account commands.

``ROUTES`` declares, for every route of the app outside the kiosk API, the static files and
the API docs, what an anonymous visitor, an analyst and an admin get. A route that is not in
the table fails ``test_every_route_is_declared``: a new page must say who may use it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import Engine, func, select, update

from server import cli
from server.db import audit_log, login_failures, sessions, users, utc_now
from server.enrollment import add_center, add_kiosks
from server.web.auth import (
    ABSOLUTE_TIMEOUT,
    HASHER,
    HOME,
    IDLE_TIMEOUT,
    LOGIN_WINDOW,
    User,
    csrf_field,
    disable_user,
    require,
    safe_next,
    session_user,
    start_session,
    token_hash,
)
from server.web.site import ResultsSettings
from tests.server.inprocess import TestClient
from tests.server.web.conftest import PASSWORD, StaffClient, StaffUser

# -- the route table ------------------------------------------------------------------------

OK = "200"
LOGIN = "to login"
FORBIDDEN = "403"
REDIRECT = "redirect elsewhere"
DONE = "not refused"
"""A POST that got past the role and CSRF checks (an empty form: any answer but a refusal)."""
NOT_FOUND = "404"

PERSONAS = ("anonymous", "analyst", "admin")


@dataclass(frozen=True)
class Expect:
    anonymous: str
    analyst: str
    admin: str
    url: str | None = None
    """What to request when the path alone is not enough (a query naming a thing)."""

    def of(self, persona: str) -> str:
        return str(getattr(self, persona))


def public(outcome: str = OK) -> Expect:
    return Expect(outcome, outcome, outcome)


def needs(role: str, method: str, url: str | None = None) -> Expect:
    """What ``require(role)`` promises for a route of ``method``."""
    allowed = OK if method == "GET" else DONE
    anonymous = LOGIN if method == "GET" else FORBIDDEN
    return Expect(anonymous, FORBIDDEN if role == "admin" else allowed, allowed, url)


WALK_KIOSK = "walk-kiosk"
WALK_USER = "walk-user"
REVOKE = "/admin/kiosks/revoke"
PASSWORD_PAGE = "/admin/users/password"
DISABLE = "/admin/users/disable"
CODES_REVOKE = "/admin/codes/revoke"
POSTER = "/admin/posters/download"

ROUTES: dict[tuple[str, str], Expect] = {
    ("GET", "/"): public(REDIRECT),
    ("GET", "/results"): public(OK),
    # The walk's database has published no period.
    ("GET", "/results/{period}/open-data.zip"): Expect(
        NOT_FOUND, NOT_FOUND, NOT_FOUND, "/results/2025/open-data.zip"
    ),
    ("GET", "/login"): Expect(OK, REDIRECT, REDIRECT),
    # An empty form carries no double-submit token.
    ("POST", "/login"): public(FORBIDDEN),
    ("POST", "/logout"): needs("analyst", "POST"),
    ("GET", "/staff/results"): needs("analyst", "GET"),
    ("GET", "/staff/results/download"): needs("analyst", "GET"),
    ("GET", "/staff/ratings/download"): needs("analyst", "GET"),
    ("GET", "/staff/priorities"): needs("analyst", "GET"),
    ("GET", "/staff/priorities/download"): needs("analyst", "GET"),
    ("GET", "/staff/trends"): needs("analyst", "GET"),
    ("GET", "/staff/trends/download"): needs("analyst", "GET"),
    ("GET", "/staff/comments"): needs("analyst", "GET"),
    ("POST", "/staff/comments/moderate"): needs("analyst", "POST"),
    ("GET", "/admin"): needs("admin", "GET"),
    ("GET", "/admin/kiosks"): needs("admin", "GET"),
    ("GET", "/admin/kiosks/new"): needs("admin", "GET"),
    ("POST", "/admin/kiosks/new"): needs("admin", "POST"),
    ("GET", "/admin/kiosks/revoke"): needs("admin", "GET", f"{REVOKE}?name={WALK_KIOSK}"),
    ("POST", "/admin/kiosks/revoke"): needs("admin", "POST"),
    ("GET", "/admin/users"): needs("admin", "GET"),
    ("GET", "/admin/users/new"): needs("admin", "GET"),
    ("POST", "/admin/users/new"): needs("admin", "POST"),
    ("GET", "/admin/users/password"): needs("admin", "GET", f"{PASSWORD_PAGE}?name={WALK_USER}"),
    ("POST", "/admin/users/password"): needs("admin", "POST"),
    ("GET", "/admin/users/disable"): needs("admin", "GET", f"{DISABLE}?name={WALK_USER}"),
    ("POST", "/admin/users/disable"): needs("admin", "POST"),
    ("GET", "/admin/catalogs"): needs("admin", "GET"),
    ("POST", "/admin/catalogs"): needs("admin", "POST"),
    # The citizens' rating pages: open to everyone; the walk's database has no catalog, and
    # a form without its signed token is refused (400) before anything else.
    ("GET", "/rate"): public(OK),
    ("GET", "/r/{short}"): Expect(NOT_FOUND, NOT_FOUND, NOT_FOUND, "/r/abcdefgh"),
    ("GET", "/v"): public(OK),
    ("GET", "/v/{code}"): Expect(NOT_FOUND, NOT_FOUND, NOT_FOUND, "/v/ABCD-EFGH-JKMN"),
    ("POST", "/rate/answer"): public("status 400"),
    ("GET", "/rate/reasons"): public("status 400"),
    ("POST", "/rate/reasons"): public("status 400"),
    ("GET", "/rate/comment"): public("status 400"),
    ("POST", "/rate/comment"): public("status 400"),
    ("GET", "/rate/thanks"): public(OK),
    ("GET", "/privacy"): public(OK),
    # The web channel's admin pages: the walk's database has a center but no code batch.
    ("GET", "/admin/codes"): needs("admin", "GET"),
    ("GET", "/admin/codes/new"): needs("admin", "GET"),
    ("POST", "/admin/codes/new"): needs("admin", "POST"),
    ("GET", "/admin/codes/revoke"): Expect(LOGIN, FORBIDDEN, NOT_FOUND, f"{CODES_REVOKE}?batch=1"),
    ("POST", "/admin/codes/revoke"): needs("admin", "POST"),
    ("GET", "/admin/posters"): needs("admin", "GET"),
    ("GET", "/admin/posters/download"): needs("admin", "GET", f"{POSTER}?center=hall"),
}  # fmt: skip

NOT_PAGES = ("/api/", "/static/")
API_DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def page_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route of the app but the kiosk API, static files and docs.

    ``iter_route_contexts`` sees through included routers (``app.routes`` no longer lists
    their routes one by one).
    """
    found = set()
    for route in iter_route_contexts(app.routes):
        path = route.path_format or route.path or ""
        if path.startswith(NOT_PAGES) or path in API_DOCS:
            continue
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, path))
    return found


def outcome(response: httpx.Response) -> str:
    location = response.headers.get("location", "")
    if response.status_code == 303 and location.startswith("/login?next="):
        return LOGIN
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 404:
        return NOT_FOUND
    if response.status_code >= 500:
        return f"failure {response.status_code}"
    if response.status_code == 200:
        return OK
    if 300 <= response.status_code < 400:
        return REDIRECT
    return f"status {response.status_code}"


def matches(expected: str, got: str) -> bool:
    if expected == DONE:
        return got in (OK, REDIRECT, NOT_FOUND) or got.startswith("status 4")
    return got == expected


def test_every_route_is_declared(app: FastAPI) -> None:
    served = page_routes(app)
    assert served - ROUTES.keys() == set(), "declare who may use these routes in ROUTES"
    assert ROUTES.keys() - served == set(), "ROUTES names routes the app does not serve"


@pytest.fixture
def walk_data(engine: Engine, make_user: Callable[..., StaffUser]) -> None:
    """What the pages that name a thing need: a kiosk and a user."""
    add_center(engine, "hall", "დარბაზი", "Hall")
    add_kiosks(engine, [WALK_KIOSK], "hall")
    make_user("analyst", WALK_USER)


@pytest.mark.usefixtures("walk_data")
def test_every_route_answers_each_persona_as_declared(
    app: FastAPI,
    anonymous: TestClient,
    make_user: Callable[..., StaffUser],
    login_as: Callable[..., StaffClient],
) -> None:
    people = {"analyst": make_user("analyst"), "admin": make_user("admin")}
    wrong = []
    for (method, path), expect in sorted(ROUTES.items()):
        for persona in PERSONAS:
            url = expect.url or path
            if persona == "anonymous":
                response = anonymous.request(method, url, data={} if method == "POST" else None)
            else:
                # A fresh session each time: a POST may be /logout.
                client = login_as(people[persona])
                post = method == "POST"
                response = client.submit(url) if post else client.request(method, url)
            got = outcome(response)
            if not matches(expect.of(persona), got):
                wrong.append(f"{method} {url} as {persona}: {got}, expected {expect.of(persona)}")
    assert wrong == []


def test_every_role_checked_post_refuses_a_missing_or_wrong_csrf_token(
    login_as: Callable[..., StaffClient],
) -> None:
    admin = login_as("admin")
    for (method, path), expect in sorted(ROUTES.items()):
        if method != "POST" or expect.admin != DONE:
            continue
        missing = admin.post(path, data={"name": "x"})
        assert missing.status_code == 403, path
        assert "This form has expired" in missing.text
        last = "B" if admin.csrf_token.endswith("A") else "A"  # a token that is surely wrong
        wrong = admin.post(path, data={"name": "x", "csrf_token": admin.csrf_token[:-1] + last})
        assert wrong.status_code == 403, path
        odd = admin.post(path, data={"csrf_token": "ქართული"})  # not ASCII: still a plain 403
        assert odd.status_code == 403, path
    assert admin.get("/admin").status_code == 200  # refusals do not end the session


def test_refusals_are_pages_and_staff_nav_follows_the_role(
    analyst: StaffClient, admin: StaffClient, check_page: Callable[[httpx.Response], None]
) -> None:
    refused = analyst.get("/admin/kiosks")
    assert refused.status_code == 403
    check_page(refused)
    assert "does not have the role" in refused.text
    nav = refused.text[refused.text.index("<nav") : refused.text.index("</nav>")]
    for item in ("/staff/results", "/staff/priorities", "/staff/comments", 'action="/logout"'):
        assert item in nav
    assert 'href="/admin"' not in nav
    assert f'name="csrf_token" value="{analyst.csrf_token}"' in nav
    assert refused.headers["cache-control"] == "no-store"
    assert 'href="/admin"' in admin.get("/admin").text


def test_anonymous_get_goes_to_login_and_back_with_its_query(anonymous: TestClient) -> None:
    response = anonymous.get("/admin/kiosks/revoke?name=hall 1&x=%2F%2F")
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/admin/kiosks/revoke?name=hall%201&x=%2F%2F"]


def test_require_knows_only_the_two_roles() -> None:
    assert require("admin") is require("admin")
    with pytest.raises(ValueError, match="unknown role"):
        require("mayor")


def test_csrf_field_is_a_hidden_input_with_the_session_token() -> None:
    user = User(1, "nino", "analyst", "tok<en>")
    assert str(csrf_field(user)) == '<input type="hidden" name="csrf_token" value="tok&lt;en&gt;">'
    assert user.has_role("analyst") and not user.has_role("admin")
    assert User(2, "eka", "admin", "t").has_role("analyst")


# -- signing in -----------------------------------------------------------------------------


def cookie(response: httpx.Response, name: str) -> str:
    """The Set-Cookie header of ``name``."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no Set-Cookie for {name}")


def test_login_opens_a_session_and_goes_to_next(
    engine: Engine,
    anonymous: TestClient,
    make_user: Callable[..., StaffUser],
    log_in: Callable[..., httpx.Response],
) -> None:
    user = make_user("admin")
    response = log_in(anonymous, user.name, PASSWORD, next="/admin/kiosks?sort=name")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/kiosks?sort=name"
    assert anonymous.get("/admin/kiosks").status_code == 200
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sessions)).scalar_one() == 1
        actions = conn.execute(select(audit_log.c.user_id, audit_log.c.action)).all()
    assert (user.id, "login") in actions


def test_login_without_next_goes_home(
    anonymous: TestClient,
    make_user: Callable[..., StaffUser],
    log_in: Callable[..., httpx.Response],
) -> None:
    user = make_user()
    assert log_in(anonymous, user.name, PASSWORD).headers["location"] == HOME
    # Signed in, the login page sends on.
    assert anonymous.get("/login").headers["location"] == HOME


def test_session_cookie_flags_and_only_the_token_hash_is_stored(
    engine: Engine,
    anonymous: TestClient,
    make_user: Callable[..., StaffUser],
    log_in: Callable[..., httpx.Response],
) -> None:
    user = make_user()
    response = log_in(anonymous, user.name, PASSWORD)
    header = cookie(response, "session")
    parsed = SimpleCookie()
    parsed.load(header)
    morsel = parsed["session"]
    assert morsel["httponly"] is True
    assert morsel["secure"] is True
    assert morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/"
    assert not morsel["max-age"] and not morsel["expires"]  # ends with the browser
    token = morsel.value
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    with engine.connect() as conn:
        row = conn.execute(select(sessions)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in [str(value) for value in row]
    assert row.expires_at - row.created_at == IDLE_TIMEOUT


@pytest.mark.parametrize("site_settings", [ResultsSettings(secure_cookies=False)])
def test_secure_flag_is_off_only_when_the_settings_say_so(
    anonymous: TestClient,
    make_user: Callable[..., StaffUser],
    log_in: Callable[..., httpx.Response],
) -> None:
    user = make_user()
    header = cookie(log_in(anonymous, user.name, PASSWORD), "session")
    assert "secure" not in header.lower()
    assert "httponly" in header.lower()


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(
    engine: Engine,
    anonymous: TestClient,
    make_user: Callable[..., StaffUser],
    log_in: Callable[..., httpx.Response],
    check_page: Callable[[httpx.Response], None],
) -> None:
    user = make_user()
    wrong_password = log_in(anonymous, user.name, "not the password at all")
    unknown_name = log_in(anonymous, "nobody-here", PASSWORD)
    for response in (wrong_password, unknown_name):
        assert response.status_code == 400
        check_page(response)
        assert "The name or password is not right" in response.text
        summary = response.text.index('class="error-summary"')
        assert summary < response.text.index("<h1>")
        assert "session" not in response.headers.get("set-cookie", "")
    assert wrong_password.text.replace(user.name, "nobody-here") == unknown_name.text.replace(
        user.name, "nobody-here"
    )
    assert "<title>Error: " in wrong_password.text
    with engine.connect() as conn:
        stored = conn.execute(select(login_failures.c.client_ip, login_failures.c.user_name)).all()
    assert sorted(stored) == sorted([("testclient", user.name), ("testclient", "nobody-here")])


def test_login_is_refused_for_a_while_after_five_failures_from_one_address(
    engine: Engine,
    make_client: Callable[..., TestClient],
    make_user: Callable[..., StaffUser],
    log_in: Callable[..., httpx.Response],
    check_page: Callable[[httpx.Response], None],
) -> None:
    user = make_user()
    client = make_client("198.51.100.7")
    for _ in range(5):
        assert log_in(client, user.name, "wrong password, again").status_code == 400
    refused = log_in(client, user.name, PASSWORD)  # even the right password
    assert refused.status_code == 429
    check_page(refused)
    assert 1 <= int(refused.headers["retry-after"]) <= LOGIN_WINDOW.total_seconds()
    assert "Try again in 15 minutes." in refused.text
    assert "session" not in refused.headers.get("set-cookie", "")
    # Refused attempts are not counted: the lock cannot be stretched.
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(login_failures)).scalar_one() == 5
    # Another address is not affected.
    assert log_in(make_client("198.51.100.8"), user.name, PASSWORD).status_code == 303
    # Once the failures leave the window, the address may sign in again.
    with engine.begin() as conn:
        conn.execute(update(login_failures).values(at=utc_now() - LOGIN_WINDOW))
    assert log_in(client, user.name, PASSWORD).status_code == 303


def test_a_disabled_user_cannot_sign_in_and_their_sessions_stop(
    engine: Engine,
    anonymous: TestClient,
    make_user: Callable[..., StaffUser],
    login_as: Callable[..., StaffClient],
    log_in: Callable[..., httpx.Response],
) -> None:
    gone = make_user("admin", disabled=True)
    response = log_in(anonymous, gone.name, PASSWORD)
    assert response.status_code == 400
    assert "The name or password is not right" in response.text

    user = make_user("admin")
    client = login_as(user)
    assert client.get("/admin").status_code == 200
    # Disabled behind the session's back (no sessions deleted): the session stops at once.
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == user.id).values(disabled_at=utc_now()))
    assert client.get("/admin").headers["location"] == "/login?next=%2Fadmin"
    assert client.submit("/logout").status_code == 403
    # disable_user also ends the sessions.
    other = make_user("admin")
    login_as(other)
    disable_user(engine, other.name)
    with engine.connect() as conn:
        left = conn.execute(select(func.count()).where(sessions.c.user_id == other.id))
        assert left.scalar_one() == 0


def test_logout_deletes_the_session(engine: Engine, analyst: StaffClient) -> None:
    token = analyst.cookies["session"]
    response = analyst.submit("/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    cleared = cookie(response, "session")
    assert "Max-Age=0" in cleared or "expires=" in cleared.lower()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sessions)).scalar_one() == 0
        actions = conn.execute(select(audit_log.c.user_id, audit_log.c.action)).all()
    assert (analyst.user.id, "logout") in actions
    assert "session" not in analyst.cookies
    # The old token is worthless even if a copy of the cookie was kept.
    analyst.cookies.set("session", token, domain="testserver.local", path="/")
    assert analyst.get("/admin").headers["location"] == "/login?next=%2Fadmin"


def test_login_form_needs_its_double_submit_token(
    make_client: Callable[..., TestClient],
    make_user: Callable[..., StaffUser],
    log_in: Callable[..., httpx.Response],
) -> None:
    user = make_user()
    fresh = make_client()
    data = {"name": user.name, "password": PASSWORD, "csrf_token": "A" * 43}
    no_cookie = fresh.post("/login", data=data)
    assert no_cookie.status_code == 403
    assert "The sign-in form had expired" in no_cookie.text
    # That answer sets a cookie; a token of another form still does not match it.
    mismatch = fresh.post("/login", data=data)
    assert mismatch.status_code == 403
    form_cookie = cookie(fresh.get("/login"), "login_csrf")
    for flag in ("HttpOnly", "Path=/login", "SameSite=strict", "Secure", "Max-Age=3600"):
        assert flag in form_cookie
    assert log_in(fresh, user.name, PASSWORD).status_code == 303


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "/\t/evil.example",
        "/%0a",  # fine as a path: kept (no raw control character)
        "javascript:alert(1)",
        "http:/evil.example",
        "evil.example",
        "",
    ],
)
def test_next_only_ever_leads_to_a_path_on_this_site(
    target: str,
    anonymous: TestClient,
    make_user: Callable[..., StaffUser],
    log_in: Callable[..., httpx.Response],
) -> None:
    user = make_user()
    response = log_in(anonymous, user.name, PASSWORD, next=target)
    expected = target if target == "/%0a" else HOME
    assert response.headers["location"] == expected
    form = anonymous.get("/login", params={"next": target})
    assert form.status_code == 303  # signed in now; sent on, never away
    assert form.headers["location"] == expected


def test_safe_next() -> None:
    assert safe_next("/admin?x=1#top") == "/admin?x=1#top"
    for bad in ("//a", "/\\a", "https://a/", "/a\nb", "a", None, "/" + "a" * 2001):
        assert safe_next(bad) is None


def test_login_page_keeps_a_safe_next_only(
    anonymous: TestClient, check_page: Callable[[httpx.Response], None]
) -> None:
    good = anonymous.get("/login", params={"next": "/admin/users"})
    check_page(good)
    assert '<input type="hidden" name="next" value="/admin/users">' in good.text
    bad = anonymous.get("/login", params={"next": "//evil.example"})
    assert 'name="next"' not in bad.text
    assert bad.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in bad.headers["content-security-policy"]


# -- passwords ------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_hashes_only(
    engine: Engine,
    admin: StaffClient,
    anonymous: TestClient,
    log_in: Callable[..., httpx.Response],
    real_password_hashing: PasswordHasher,
) -> None:
    secret = "a very secret passphrase"
    response = admin.submit(
        "/admin/users/new",
        {"name": "eka", "role": "analyst", "password": secret, "password_again": secret},
    )
    assert response.status_code == 303
    log_in(anonymous, "eka", secret + "!")  # a failure: only the name is kept
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.name == "eka")).one()
        everything = [
            *conn.execute(select(users)).all(),
            *conn.execute(select(audit_log)).all(),
            *conn.execute(select(login_failures)).all(),
            *conn.execute(select(sessions)).all(),
        ]
    defaults = PasswordHasher()  # argon2-cffi's defaults: argon2id, RFC 9106 low memory
    assert row.password_hash.startswith(
        f"$argon2id$v=19$m={defaults.memory_cost},t={defaults.time_cost},p={defaults.parallelism}$"
    )
    assert HASHER.verify(row.password_hash, secret)
    assert not any(secret in str(value) for record in everything for value in record)


def test_a_hash_with_old_parameters_is_replaced_at_sign_in(
    engine: Engine,
    anonymous: TestClient,
    make_user: Callable[..., StaffUser],
    log_in: Callable[..., httpx.Response],
    real_password_hashing: PasswordHasher,
) -> None:
    user = make_user()
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == user.id).values(password_hash=weak))
    assert log_in(anonymous, user.name, PASSWORD).status_code == 303
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash).where(users.c.id == user.id))
        rehashed = stored.scalar_one()
    assert rehashed != weak
    assert not real_password_hashing.check_needs_rehash(rehashed)
    assert real_password_hashing.verify(rehashed, PASSWORD)


# -- session expiry -------------------------------------------------------------------------


def expiry(engine: Engine, token: str) -> Any:
    with engine.connect() as conn:
        query = select(sessions.c.expires_at).where(sessions.c.token_hash == token_hash(token))
        return conn.execute(query).scalar_one()


def test_a_session_ends_after_eight_idle_hours_and_use_renews_it(
    engine: Engine, make_user: Callable[..., StaffUser]
) -> None:
    user = make_user()
    token = start_session(engine, user.id).token
    first = expiry(engine, token)
    start = first - IDLE_TIMEOUT
    assert session_user(engine, token, start + timedelta(minutes=1)) is not None
    assert expiry(engine, token) == first  # not renewed on every request
    later = start + timedelta(hours=2)
    found = session_user(engine, token, later)
    assert found is not None and found.id == user.id
    assert expiry(engine, token) == later + IDLE_TIMEOUT
    assert session_user(engine, token, later + IDLE_TIMEOUT) is None


def test_a_session_ends_a_day_after_sign_in_however_busy(
    engine: Engine, make_user: Callable[..., StaffUser]
) -> None:
    user = make_user()
    token = start_session(engine, user.id).token
    start = expiry(engine, token) - IDLE_TIMEOUT
    moment = start
    while moment < start + ABSOLUTE_TIMEOUT - timedelta(hours=1):
        moment += timedelta(hours=1)
        assert session_user(engine, token, moment) is not None
    assert expiry(engine, token) == start + ABSOLUTE_TIMEOUT
    assert session_user(engine, token, start + ABSOLUTE_TIMEOUT) is None


def test_a_malformed_or_unknown_cookie_is_no_session(engine: Engine) -> None:
    for token in ("", "short", "A" * 43, "é" * 43, None):
        assert session_user(engine, token) is None


# -- the staff-account commands -------------------------------------------------------------


def db_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run_cli(engine: Engine, *args: str) -> int:
    return cli.main([*args, "--db", db_url(engine)])


def test_add_user_reads_the_password_from_stdin(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("twelve chars ok\n"))
    assert run_cli(engine, "add-user", "nino", "--role", "admin", "--password-stdin") == 0
    assert "User 'nino' added as admin." in capsys.readouterr().out
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.name == "nino")).one()
        logged = conn.execute(select(audit_log.c.user_id, audit_log.c.action)).all()
    assert row.role == "admin"
    assert HASHER.verify(row.password_hash, "twelve chars ok")
    assert logged == [(None, "user.add")]  # None: the command line


def test_add_user_asks_twice_and_refuses_what_does_not_do(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import getpass

    answers = iter(["a long password 1", "a long password 2", "short", "short"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    assert run_cli(engine, "add-user", "nino", "--role", "analyst") == 1
    assert "the two passwords are not the same" in capsys.readouterr().err
    assert run_cli(engine, "add-user", "nino", "--role", "analyst") == 1
    assert "at least 12 characters" in capsys.readouterr().err
    assert run_cli(engine, "add-user", "bad name", "--role", "analyst") == 1
    assert "is not valid" in capsys.readouterr().err
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(users)).scalar_one() == 0

    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "a long password 3")
    assert run_cli(engine, "add-user", "nino", "--role", "analyst") == 0
    assert run_cli(engine, "add-user", "nino", "--role", "admin") == 1
    assert "already exists" in capsys.readouterr().err


def test_set_password_and_disable_user_end_sessions(
    engine: Engine,
    make_user: Callable[..., StaffUser],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = make_user("analyst", "eka")
    start_session(engine, user.id)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a brand new password\n"))
    assert run_cli(engine, "set-password", "eka", "--password-stdin") == 0
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash).where(users.c.id == user.id))
        assert HASHER.verify(stored.scalar_one(), "a brand new password")
        assert conn.execute(select(func.count()).select_from(sessions)).scalar_one() == 0

    start_session(engine, user.id)
    assert run_cli(engine, "disable-user", "eka") == 0
    assert "disabled" in capsys.readouterr().out
    assert run_cli(engine, "disable-user", "eka") == 1
    assert "already disabled" in capsys.readouterr().err
    assert run_cli(engine, "disable-user", "nobody") == 1
    assert "there is no user named 'nobody'" in capsys.readouterr().err
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sessions)).scalar_one() == 0
        actions = conn.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars()
        assert list(actions) == ["user.password", "user.disable"]
