"""The web channel's admin pages: batches of one-time codes answered with their slips PDF (the
codes stored nowhere else), used counts, revoking, posters, and form errors as pages."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import segno
from pypdf import PdfReader
from sqlalchemy import Engine, select

from common.catalog import demo_catalog, demo_catalog_bytes
from server import slips
from server.catalogs import store_catalog
from server.db import audit_log
from server.enrollment import add_center
from server.web.codes_admin import MAX_SLIPS, expiry_of, last_day_of, today
from server.web_channel.codes import check_code, normalise_code, open_path, spend_code
from server.web_channel.keys import CODE_KEY, secret_bytes
from tests.server.web.conftest import StaffClient

CENTER = "hall"
CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")


@pytest.fixture
def service(engine: Engine) -> str:
    """A center with the demo catalog; returns one of its services."""
    add_center(engine, CENTER, "დარბაზი", "Central hall")
    store_catalog(engine, demo_catalog_bytes(), None)
    return demo_catalog().services[0].id


@pytest.fixture
def qr_payloads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []
    real = segno.make

    def recording(content: str, **kwargs: object) -> segno.QRCode:
        made.append(content)
        return real(content, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(slips.segno, "make", recording)
    return made


def form(program: str, **changes: str) -> dict[str, str]:
    last_day = (today() + timedelta(days=30)).isoformat()
    return {"center": CENTER, "service": program, "count": "3", "last_day": last_day, **changes}


def codes_in(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return CODE.findall("\n".join(page.extract_text() for page in reader.pages))


def test_the_pages_are_usable(
    service: str, admin: StaffClient, check_page: Callable[[httpx.Response], None]
) -> None:
    for url in ("/admin/codes", "/admin/codes/new", "/admin/posters"):
        response = admin.get(url)
        assert response.status_code == 200, url
        check_page(response)
        assert response.headers["cache-control"] == "no-store"
    new = admin.get("/admin/codes/new").text
    assert "https://testserver/v/ABCD-EFGH-JKMN" in new  # what the QR codes will open
    assert "nowhere else" in new  # why the PDF is the only copy


def test_a_batch_answers_with_its_slips_and_stores_only_hashes(
    engine: Engine, service: str, admin: StaffClient, qr_payloads: list[str]
) -> None:
    response = admin.submit("/admin/codes/new", form(service))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('attachment; filename="codes-1-')
    assert response.headers["cache-control"] == "no-store"
    codes = codes_in(response.content)
    assert len(codes) == len(set(codes)) == 3
    assert qr_payloads == [f"https://testserver/v/{code}" for code in codes]

    key = secret_bytes(engine, CODE_KEY)
    now = datetime.now(UTC)
    with engine.connect() as conn:
        for code in codes:
            normal = normalise_code(code)
            assert normal is not None
            found = check_code(conn, key, normal, now)
            assert (found.state, found.center_id, found.service_id) == ("ok", CENTER, service)
        action, detail, user_id = conn.execute(
            select(audit_log.c.action, audit_log.c.detail, audit_log.c.user_id)
        ).one()
    assert (action, json.loads(detail)["count"], user_id) == ("web_codes.issue", 3, admin.user.id)
    database = Path(str(engine.url.database)).read_bytes()
    for code in codes:  # neither formatted nor bare anywhere in the database file
        assert code.encode() not in database
        assert code.replace("-", "").encode() not in database

    listed = admin.get("/admin/codes").text
    assert "0 of 3" in listed and "Active" in listed


def test_used_codes_are_counted(engine: Engine, service: str, admin: StaffClient) -> None:
    codes = codes_in(admin.submit("/admin/codes/new", form(service)).content)
    normal = normalise_code(codes[0])
    assert normal is not None
    with engine.begin() as conn:
        assert spend_code(conn, secret_bytes(engine, CODE_KEY), normal, datetime.now(UTC))
    assert "1 of 3" in admin.get("/admin/codes").text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"center": ""}, "center", "Choose a service center"),
        ({"center": "atlantis"}, "center", "Choose a service center"),
        ({"service": ""}, "service", "Choose a program or service"),
        ({"service": "no-such-program"}, "service", "not offered at that center"),
        ({"count": "0"}, "count", f"from 1 to {MAX_SLIPS}"),
        ({"count": str(MAX_SLIPS + 1)}, "count", f"from 1 to {MAX_SLIPS}"),
        ({"count": "three"}, "count", f"from 1 to {MAX_SLIPS}"),
        ({"count": "-2"}, "count", f"from 1 to {MAX_SLIPS}"),
        ({"last_day": "31.12.2026"}, "last_day", "as a date"),
        ({"last_day": "2020-01-01"}, "last_day", "from today to two years"),
        ({"last_day": "2999-01-01"}, "last_day", "from today to two years"),
    ],
)
def test_form_errors_are_shown_on_the_form(
    engine: Engine,
    service: str,
    admin: StaffClient,
    check_page: Callable[[httpx.Response], None],
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = admin.submit("/admin/codes/new", form(service, **changes))
    assert response.status_code == 400
    check_page(response)
    assert f'<a href="#{field}">' in response.text and message in response.text
    assert f'id="{field}-error"' in response.text
    assert "No codes have been made yet" in admin.get("/admin/codes").text


def test_a_batch_is_revoked_once_after_a_confirmation(
    engine: Engine, service: str, admin: StaffClient, check_page: Callable[[httpx.Response], None]
) -> None:
    codes = codes_in(admin.submit("/admin/codes/new", form(service)).content)
    confirm = admin.get("/admin/codes/revoke", params={"batch": "1"})
    assert confirm.status_code == 200
    check_page(confirm)
    assert "0 of 3 codes used" in confirm.text
    done = admin.submit("/admin/codes/revoke", {"batch": "1"})
    assert done.status_code == 303
    assert done.headers["location"] == "/admin/codes?revoked=1"
    listed = admin.get(done.headers["location"]).text
    assert "Batch 1 was revoked" in listed and "Revoked" in listed
    normal = normalise_code(codes[0])
    assert normal is not None
    with engine.connect() as conn:
        state = check_code(conn, secret_bytes(engine, CODE_KEY), normal, datetime.now(UTC)).state
        actions = conn.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars()
        assert list(actions) == ["web_codes.issue", "web_codes.revoke"]
    assert state == "revoked"
    again = admin.submit("/admin/codes/revoke", {"batch": "1"})
    assert again.status_code == 400 and "already revoked" in again.text
    for batch in ("2", "x", ""):
        assert admin.get("/admin/codes/revoke", params={"batch": batch}).status_code == 404
        assert admin.submit("/admin/codes/revoke", {"batch": batch}).status_code == 404


def test_a_poster_per_center_opens_its_open_link(
    service: str, admin: StaffClient, qr_payloads: list[str]
) -> None:
    listed = admin.get("/admin/posters").text
    link = "https://testserver" + open_path(CENTER)
    assert link in listed
    poster = admin.get("/admin/posters/download", params={"center": CENTER})
    assert poster.status_code == 200
    assert poster.headers["content-type"] == "application/pdf"
    assert qr_payloads == [link]
    text = " ".join(PdfReader(io.BytesIO(poster.content)).pages[0].extract_text().split())
    assert link in text and "Central hall" in text
    assert admin.get("/admin/posters/download", params={"center": "nope"}).status_code == 404


def test_codes_work_to_the_end_of_their_last_day_in_georgia() -> None:
    assert expiry_of(date(2026, 12, 31)) == datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    assert last_day_of(datetime(2026, 12, 31, 20, 0, tzinfo=UTC)) == date(2026, 12, 31)
    assert last_day_of(datetime(2026, 12, 31, 19, 59, tzinfo=UTC)) == date(2026, 12, 31)
    assert last_day_of(datetime(2026, 12, 31, 20, 1, tzinfo=UTC)) == date(2027, 1, 1)
