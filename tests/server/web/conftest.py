"""Fixtures for the web pages' tests: the app in this process on a fresh, migrated SQLite
database, staff users, and clients signed in as them. Everything is per test and fast (no
subprocess; sessions of the signed-in fixtures are opened directly, without argon2's cost).

Fixtures:

- ``engine``: a fresh SQLite database migrated to the head revision;
- ``site_settings``: the :class:`ResultsSettings` of the site; override it in a test module
  (``@pytest.fixture def site_settings(): return ResultsSettings(staff_min_n=3)``);
- ``site``, ``app``: the :class:`Site` (demo theme) and the FastAPI app on ``engine``;
- ``make_client(address="testclient")``: a new client with its own cookie jar (HTTPS, so
  Secure cookies travel; redirects are not followed, so tests see them);
- ``anonymous``: a client that is not signed in;
- ``make_user(role="analyst", name=None, password=PASSWORD, disabled=False)``: a
  :class:`StaffUser` stored in ``users`` (argon2id hash, computed once per password);
- ``login_as(role_or_user, address="testclient")``: a :class:`StaffClient` signed in as a new
  user of that role, or as the given :class:`StaffUser`;
- ``analyst``, ``admin``: :class:`StaffClient` signed in as a new analyst / admin;
- ``log_in(client, name, password, next=None)``: sign in through the real form (GET the
  form, POST it with its double-submit token); returns the POST's response;
- ``check_page(response)``: asserts what every page promises: HTML, one ``h1``, a label for
  every field, tables inside ``.table-wrap``.

Password hashing is made cheap for every test here (argon2id with minimal cost, autouse
``cheap_password_hashing``): the real parameters cost about 0.1 s per hash or check. A test
about the real parameters asks for ``real_password_hashing``.

A :class:`StaffClient` is a ``TestClient`` with ``.user`` and ``.csrf_token``; its
``submit(url, data=None, files=None)`` POSTs a form with the session's CSRF token added.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import Engine

from server.app import create_app
from server.db import users, utc_now
from server.web import auth
from server.web.auth import start_session
from server.web.site import ResultsSettings, Site
from tests.server.inprocess import TestClient, fresh_engine

PASSWORD = "correct horse battery staple"
"""The password of users made by ``make_user`` unless one is given."""
BASE_URL = "https://testserver"

CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
REAL_HASHER = auth.HASHER


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "HASHER", CHEAP_HASHER)


@pytest.fixture
def real_password_hashing(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """argon2-cffi's default parameters, as in production, for this test."""
    monkeypatch.setattr(auth, "HASHER", REAL_HASHER)
    return REAL_HASHER


def password_hash(password: str) -> str:
    """An argon2id hash of ``password`` made with whatever hasher the test uses."""
    return auth.HASHER.hash(password)


@dataclass(frozen=True)
class StaffUser:
    id: int
    name: str
    role: str
    password: str


class StaffClient(TestClient):
    """A client signed in as ``user``; ``csrf_token`` is its session's token."""

    user: StaffUser
    csrf_token: str

    def submit(
        self, url: str, data: dict[str, Any] | None = None, files: Any = None
    ) -> httpx.Response:
        """POST a form as the page would: with the session's CSRF token."""
        return self.post(url, data={"csrf_token": self.csrf_token, **(data or {})}, files=files)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with fresh_engine("sqlite", tmp_path) as made:
        yield made


@pytest.fixture
def site_settings() -> ResultsSettings:
    return ResultsSettings()


@pytest.fixture
def site(engine: Engine, site_settings: ResultsSettings) -> Site:
    return Site.make(engine, "demo", site_settings)


@pytest.fixture
def app(site: Site) -> FastAPI:
    return create_app(site.engine, site=site)


@pytest.fixture
def make_client(app: FastAPI) -> Iterator[Callable[..., TestClient]]:
    made: list[TestClient] = []

    def make(address: str = "testclient", cls: type[TestClient] = TestClient) -> TestClient:
        client = cls(app, base_url=BASE_URL, follow_redirects=False, client=(address, 50000))
        # Pages default to Georgian; these tests read the English wording (the Georgian pages
        # are checked by test_translations.py).
        client.cookies.set("lang", "en", domain="testserver.local", path="/")
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def anonymous(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@pytest.fixture
def make_user(engine: Engine) -> Callable[..., StaffUser]:
    def make(
        role: str = "analyst",
        name: str | None = None,
        password: str = PASSWORD,
        disabled: bool = False,
    ) -> StaffUser:
        name = name or f"{role}-{uuid.uuid4().hex[:6]}"
        now = utc_now()
        with engine.begin() as conn:
            user_id = conn.execute(
                users.insert()
                .values(
                    name=name,
                    role=role,
                    password_hash=password_hash(password),
                    created_at=now,
                    disabled_at=now if disabled else None,
                )
                .returning(users.c.id)
            ).scalar_one()
        return StaffUser(int(user_id), name, role, password)

    return make


@pytest.fixture
def login_as(
    engine: Engine,
    make_client: Callable[..., TestClient],
    make_user: Callable[..., StaffUser],
) -> Callable[..., StaffClient]:
    def sign_in(who: str | StaffUser, address: str = "testclient") -> StaffClient:
        user = make_user(who) if isinstance(who, str) else who
        session = start_session(engine, user.id)
        client = make_client(address, StaffClient)
        assert isinstance(client, StaffClient)
        # http.cookiejar files cookies of a dotless host under "<host>.local".
        client.cookies.set("session", session.token, domain="testserver.local", path="/")
        client.user = user
        client.csrf_token = session.csrf_token
        return client

    return sign_in


@pytest.fixture
def analyst(login_as: Callable[..., StaffClient]) -> StaffClient:
    return login_as("analyst")


@pytest.fixture
def admin(login_as: Callable[..., StaffClient]) -> StaffClient:
    return login_as("admin")


LOGIN_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def log_in() -> Callable[..., httpx.Response]:
    def post(
        client: TestClient, name: str, password: str, next: str | None = None
    ) -> httpx.Response:
        form = client.get("/login", params={"next": next} if next else None)
        assert form.status_code == 200, form.text
        match = LOGIN_TOKEN.search(form.text)
        assert match is not None
        data = {"name": name, "password": password, "csrf_token": match.group(1)}
        if next is not None:
            data["next"] = next
        return client.post("/login", data=data)

    return post


class _PageShape(HTMLParser):
    """Collects what :func:`check_page` judges."""

    def __init__(self) -> None:
        super().__init__()
        self.h1 = 0
        self.fields: list[str] = []
        self.labelled: set[str] = set()
        self.tables_outside_wrap = 0
        self.html_lang = ""
        self._open: list[tuple[str, bool]] = []  # (tag, opens a .table-wrap)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "html":
            self.html_lang = found.get("lang", "")
        if tag == "h1":
            self.h1 += 1
        if tag == "label" and found.get("for"):
            self.labelled.add(found["for"])
        if tag in ("select", "textarea") or (
            tag == "input" and found.get("type", "text") not in ("hidden", "submit", "button")
        ):
            self.fields.append(found.get("id", f"<{tag} name={found.get('name')!r} without id>"))
        if tag == "table" and not any(wrap for _tag, wrap in self._open):
            self.tables_outside_wrap += 1
        if tag not in ("input", "br", "img", "meta", "link", "hr", "path"):
            self._open.append((tag, "table-wrap" in found.get("class", "").split()))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break


@pytest.fixture
def check_page() -> Callable[[httpx.Response], None]:
    def check(response: httpx.Response) -> None:
        assert response.headers["content-type"].startswith("text/html")
        shape = _PageShape()
        shape.feed(response.text)
        assert shape.html_lang in ("ka", "en")
        assert shape.h1 == 1, f"{shape.h1} h1 elements"
        unlabelled = [field for field in shape.fields if field not in shape.labelled]
        assert not unlabelled, f"fields without a label: {unlabelled}"
        assert shape.tables_outside_wrap == 0, "a table outside .table-wrap"

    return check
