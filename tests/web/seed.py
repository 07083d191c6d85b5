"""The server the browser tests visit: a real ``kiosk-server`` on SQLite with data in it.

When the server has a ``demo-data`` command it fills the database (with a small
``--ratings``); otherwise the existing commands do: both demo centers, the demo catalog, two
kiosks, and a year of ratings (with reasons and comments) uploaded by :class:`KioskDriver`
the way kiosks upload them. Staff accounts are added (``server.web.auth.add_user``) the
first time a staff page is visited.
"""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from common.catalog import demo_catalog
from common.records import GENESIS_HASH
from tests.server.kiosk_driver import KioskDriver, make_record
from tests.server.live import REPO, LiveServer, LiveServerError
from tests.web.pages import ANALYST, LOGIN_PATH, SEEDED_KIOSK, Who

DEMO_CATALOG = REPO / "common" / "data" / "demo_catalog.json"
DEMO_RATINGS = 400
"""How many ratings ``demo-data --ratings`` makes: enough for published cells, still quick."""

KIOSKS = {
    SEEDED_KIOSK: "central-service-hall",
    "demo-social-service-agency-1": "social-service-agency",
}
ACCOUNTS: dict[Who, str] = {"analyst": ANALYST, "admin": "web-admin"}
RATINGS_PER_KIOSK = 120
COMMENTS = (
    "რიგში ძალიან დიდხანს ვიდექი, მაგრამ თანამშრომელი თავაზიანი იყო.",
    "Quick and friendly, thank you.",
    "საბუთები ბევრი იყო და ინფორმაცია ვერ ვიპოვე ვებგვერდზე.",
)


@dataclass
class WebSite:
    """The running server, what seeded it, and the staff accounts made for the tests."""

    server: LiveServer
    seeded_by: str
    accounts: dict[str, tuple[str, str]] = field(default_factory=dict)
    _login_status: int | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def login_status(self) -> int:
        """The status of ``GET /login`` (asked once per run: staff pages wait for it)."""
        if self._login_status is None:
            response = requests.get(self.url + LOGIN_PATH, timeout=10, allow_redirects=False)
            self._login_status = response.status_code
        return self._login_status

    def account(self, who: Who) -> tuple[str, str]:
        """(name, password) of the staff account with role ``who``.

        Every account in :data:`ACCOUNTS` is added on the first call, so pages about a user
        (``/admin/users/password?name=web-analyst``) find it whichever test runs first.
        """
        if not self.accounts:
            for role, name in ACCOUNTS.items():
                password = secrets.token_urlsafe(16)
                _add_user(self.server, name, role, password)
                self.accounts[role] = (name, password)
        return self.accounts[who]


def has_command(server: LiveServer, command: str) -> bool:
    """Whether ``kiosk-server --help`` lists ``command`` (others are adding commands)."""
    listing = server.cli("--help").stdout
    return re.search(rf"^\s+{re.escape(command)}\s", listing, re.MULTILINE) is not None


def serve_options(server: LiveServer) -> tuple[str, ...]:
    """``--insecure-cookies`` when ``serve`` has it: the tests speak plain HTTP to 127.0.0.1."""
    help_text = server.cli("serve", "--help").stdout
    return ("--insecure-cookies",) if "--insecure-cookies" in help_text else ()


def start_site(workdir: Path) -> WebSite:
    """A started, seeded server; the caller closes ``.server``."""
    server = LiveServer(workdir)
    try:
        server.serve_args = serve_options(server)
        if has_command(server, "demo-data"):
            server.cli("demo-data", "--ratings", str(DEMO_RATINGS))
            server.start()
            return WebSite(server, f"kiosk-server demo-data --ratings {DEMO_RATINGS}")
        codes = _setup_with_cli(server)
        server.start()
        for name, code in codes.items():
            _upload_year(server.url, name, code)
        return WebSite(server, "add-center, load-catalog, add-kiosk and kiosk uploads")
    except BaseException:
        server.close()
        raise


def _setup_with_cli(server: LiveServer) -> dict[str, str]:
    for center in demo_catalog().centers:
        server.add_center(center.id, center.name.ka, center.name.en)
    server.load_catalog(DEMO_CATALOG)
    return {name: server.add_kiosk(name, center) for name, center in KIOSKS.items()}


def _upload_year(base_url: str, name: str, code: str) -> None:
    """About a year of one kiosk's ratings, some with reasons and comments, in a few batches."""
    catalog = demo_catalog()
    services = [s for s in catalog.services if s.reasons_low and s.reasons_high][:6]
    rnd = random.Random(name)
    driver = KioskDriver(base_url)
    enrolled = driver.enroll(code)
    if enrolled.status_code != 201:
        raise LiveServerError(f"enrolling {name}: {enrolled.status_code} {enrolled.text}")
    now = datetime.now(UTC)
    records: list[dict[str, Any]] = []
    prev_hash = GENESIS_HASH

    def add(**kwargs: Any) -> dict[str, Any]:
        nonlocal prev_hash
        record = make_record(
            driver.device_id, len(records) + 1, prev_hash, center_id=KIOSKS[name], **kwargs
        )
        records.append(record)
        prev_hash = record["hash"]
        return record

    for i in range(RATINGS_PER_KIOSK):
        service = services[i % len(services)]
        score = rnd.choices(range(1, 6), weights=(2, 2, 3, 5, 6))[0]
        when = now - timedelta(days=3 + (RATINGS_PER_KIOSK - i) * 3, minutes=rnd.randrange(600))
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rating = add(service_id=service.id, score=score, created_at=stamp)
        pool = service.reasons_low if score <= catalog.low_max else service.reasons_high
        if rnd.random() < 0.5:
            add(
                kind="reasons", rating_uuid=rating["uuid"], service_id=service.id,
                reasons=tuple(rnd.sample(list(pool), min(2, len(pool)))), created_at=stamp,
            )  # fmt: skip
        if rnd.random() < 0.1:
            add(
                kind="comment", rating_uuid=rating["uuid"], service_id=service.id,
                comment=rnd.choice(COMMENTS), created_at=stamp,
            )  # fmt: skip
    for start in range(0, len(records), 200):
        response = driver.post_batch(records[start : start + 200])
        refused = [r for r in response.json().get("results", []) if r["status"] == "rejected"]
        if response.status_code != 200 or refused:
            raise LiveServerError(f"uploading {name}'s ratings: {response.status_code} {refused}")


def _add_user(server: LiveServer, name: str, role: str, password: str) -> None:
    """A staff account, added as the server adds one (``server.web.auth.add_user``)."""
    from sqlalchemy import create_engine

    from server.web.auth import add_user

    engine = create_engine(server.db_url)
    try:
        add_user(engine, name, role, password)
    finally:
        engine.dispose()
