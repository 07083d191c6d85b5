"""The administration pages: the kiosk fleet, enrollment codes with their QR code, revoking,
staff accounts, catalogs, and the audit record every admin action leaves."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import segno
from sqlalchemy import Engine, func, select, update

from common.catalog import demo_catalog_bytes
from common.records import Channel
from server import cli
from server.db import audit_log, catalogs, enrollment_codes, kiosks, sessions, users, utc_now
from server.enrollment import add_center, add_kiosks, hash_code, normalize_code
from server.web.auth import HASHER, start_session
from server.web_channel.chains import chain_for
from server.web_channel.names import WEB_STATUS
from tests.server.web.conftest import PASSWORD, StaffClient, StaffUser

CENTER = "hall"


@pytest.fixture
def hall(engine: Engine) -> str:
    add_center(engine, CENTER, "დარბაზი", "Central hall")
    return CENTER


def audit_rows(engine: Engine) -> list[tuple[Any, str, dict[str, Any]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.user_id, audit_log.c.action, audit_log.c.detail).order_by(
                audit_log.c.id
            )
        ).all()
    return [(row.user_id, row.action, json.loads(row.detail)) for row in rows]


def test_every_admin_page_is_usable(
    engine: Engine,
    hall: str,
    admin: StaffClient,
    make_user: Callable[..., StaffUser],
    check_page: Callable[[httpx.Response], None],
) -> None:
    add_kiosks(engine, ["hall-1"], hall)
    other = make_user("analyst")
    for url in (
        "/admin",
        "/admin/kiosks",
        "/admin/kiosks/new",
        "/admin/kiosks/revoke?name=hall-1",
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/password?name={other.name}",
        f"/admin/users/disable?name={other.name}",
        "/admin/catalogs",
    ):
        response = admin.get(url)
        assert response.status_code == 200, url
        check_page(response)
        assert response.headers["cache-control"] == "no-store"
        assert 'aria-current="page">Administration<' in response.text


def test_an_unknown_name_is_a_404_page(
    admin: StaffClient, check_page: Callable[[httpx.Response], None]
) -> None:
    for url in ("/admin/kiosks/revoke?name=nope", "/admin/users/password?name=nope"):
        response = admin.get(url)
        assert response.status_code == 404
        check_page(response)


def test_a_web_chain_is_no_kiosk_to_revoke(admin: StaffClient, engine: Engine) -> None:
    add_center(engine, "hall", "დარბაზი", "Hall")
    with engine.begin() as conn:
        chain = chain_for(conn, "key", Channel.WEB_OPEN, "hall")
    assert admin.get("/admin/kiosks/revoke", params={"name": chain.name}).status_code == 404
    assert admin.submit("/admin/kiosks/revoke", {"name": chain.name}).status_code == 404
    with engine.connect() as conn:
        status = conn.execute(select(kiosks.c.status).where(kiosks.c.id == chain.id))
        assert status.scalar_one() == WEB_STATUS


# -- kiosks ---------------------------------------------------------------------------------


def test_fleet_shows_what_the_kiosks_command_shows(
    engine: Engine, hall: str, admin: StaffClient
) -> None:
    add_kiosks(engine, ["hall-1", "hall-2"], hall)
    heartbeat = {
        "app_version": "1.4.0",
        "catalog_version": "2026.1",
        "pending_count": 1500,
        "oldest_pending_age_s": 4 * 86400,
        "free_disk_bytes": 10**9,
        "clock_offset_s": 900.0,
    }
    with engine.begin() as conn:
        conn.execute(
            update(kiosks)
            .where(kiosks.c.name == "hall-1")
            .values(
                status="active",
                last_seen_at=utc_now() - timedelta(days=2),
                last_heartbeat=json.dumps(heartbeat),
                last_heartbeat_at=utc_now() - timedelta(days=2),
            )
        )
    page = admin.get("/admin/kiosks").text
    row = page[page.index(">hall-1<") : page.index("</tr>", page.index(">hall-1<"))]
    for shown in ("Active", "1500", "4 days", "Silent", "Behind", "Clock off", "1.4.0", "2026.1"):
        assert shown in row, shown
    assert "/admin/kiosks/revoke?name=hall-1" in row
    pending = page[page.index(">hall-2<") : page.index("</tr>", page.index(">hall-2<"))]
    assert "Waiting for enrollment" in pending
    assert 'class="tag' not in pending
    assert '<div class="table-wrap" role="region" tabindex="0"' in page


def test_adding_a_kiosk_shows_its_code_once_with_a_qr_code(
    engine: Engine, hall: str, admin: StaffClient, check_page: Callable[[httpx.Response], None]
) -> None:
    response = admin.submit("/admin/kiosks/new", {"name": "hall-3", "center": hall})
    assert response.status_code == 200
    check_page(response)
    match = re.search(r'<p class="enrollment-code">([A-Z0-9]{4}-[A-Z0-9]{4})</p>', response.text)
    assert match is not None
    code = match.group(1)
    # The code works: its hash is the one stored for the new kiosk.
    with engine.connect() as conn:
        stored = conn.execute(
            select(enrollment_codes.c.code_hash)
            .join(kiosks, kiosks.c.id == enrollment_codes.c.kiosk_id)
            .where(kiosks.c.name == "hall-3")
        ).scalar_one()
    bare = normalize_code(code)
    assert bare is not None and stored == hash_code(bare)
    # An inline SVG named by its title, encoding exactly the code.
    svg = response.text[response.text.index("<svg") : response.text.index("</svg>") + 6]
    assert svg.startswith('<svg role="img"')
    assert f"<title>QR code of the enrollment code {code}</title>" in svg
    expected = segno.make(code, micro=False, error="m").svg_inline(scale=8, omitsize=True)
    path = re.search(r' d="([^"]+)"', expected)
    assert path is not None and f'd="{path.group(1)}"' in svg
    # Audited, without the code.
    assert audit_rows(engine) == [
        (admin.user.id, "kiosk.add", {"name": "hall-3", "center": hall}),
    ]
    assert code not in str(audit_rows(engine)) and bare not in str(audit_rows(engine))


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "", "center": CENTER}, "Enter a kiosk name of 1 to 100 characters"),
        ({"name": "hall-1", "center": CENTER}, "There is already a kiosk with this name"),
        ({"name": "hall-9", "center": "nowhere"}, "Choose a service center"),
        ({"name": "x" * 101, "center": ""}, "Choose a service center"),
    ],
)
def test_a_kiosk_form_with_mistakes_says_what_to_fix(
    form: dict[str, str],
    message: str,
    engine: Engine,
    hall: str,
    admin: StaffClient,
    check_page: Callable[[httpx.Response], None],
) -> None:
    add_kiosks(engine, ["hall-1"], hall)
    response = admin.submit("/admin/kiosks/new", form)
    assert response.status_code == 400
    check_page(response)
    summary = response.text[response.text.index('class="error-summary"') :]
    assert message in summary[: summary.index("</div>")]
    assert "<title>Error: " in response.text
    assert [action for _, action, _ in audit_rows(engine)] == []


def test_without_centers_the_page_says_to_add_one(admin: StaffClient) -> None:
    response = admin.get("/admin/kiosks/new")
    assert "kiosk-server add-center" in response.text
    assert "<form" not in response.text.split("<main", 1)[1]


def test_revoking_a_kiosk_asks_first_then_revokes_and_audits(
    engine: Engine, hall: str, admin: StaffClient
) -> None:
    add_kiosks(engine, ["hall 1/a"], hall)  # a name no path could hold
    confirm = admin.get("/admin/kiosks/revoke", params={"name": "hall 1/a"})
    assert "Revoke kiosk hall 1/a?" in confirm.text
    assert '<input type="hidden" name="name" value="hall 1/a">' in confirm.text
    assert 'action="/admin/kiosks/revoke"' in confirm.text
    response = admin.submit("/admin/kiosks/revoke", {"name": "hall 1/a"})
    assert response.status_code == 303
    listing = admin.get(response.headers["location"])
    assert "Kiosk hall 1/a was revoked." in listing.text
    with engine.connect() as conn:
        status = conn.execute(select(kiosks.c.status).where(kiosks.c.name == "hall 1/a"))
        assert status.scalar_one() == "revoked"
    assert audit_rows(engine) == [(admin.user.id, "kiosk.revoke", {"name": "hall 1/a"})]
    again = admin.submit("/admin/kiosks/revoke", {"name": "hall 1/a"})
    assert again.status_code == 400
    assert "This kiosk is already revoked" in again.text
    assert len(audit_rows(engine)) == 1


def test_a_notice_names_only_a_kiosk_that_was_revoked(
    engine: Engine, hall: str, admin: StaffClient
) -> None:
    add_kiosks(engine, ["hall-1"], hall)
    page = admin.get("/admin/kiosks", params={"revoked": "hall-1"})
    assert "was revoked" not in page.text


# -- users ----------------------------------------------------------------------------------


def test_users_are_listed_added_and_audited(
    engine: Engine,
    admin: StaffClient,
    make_user: Callable[..., StaffUser],
    anonymous: Any,
    log_in: Callable[..., httpx.Response],
) -> None:
    make_user("analyst", "gone", disabled=True)
    listing = admin.get("/admin/users").text
    assert admin.user.name in listing and "gone" in listing and "Disabled on" in listing
    response = admin.submit(
        "/admin/users/new",
        {"name": "tamar", "role": "admin", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.status_code == 303
    assert "User tamar was added." in admin.get(response.headers["location"]).text
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.name == "tamar")).one()
    assert row.role == "admin"
    assert HASHER.verify(row.password_hash, PASSWORD)
    assert audit_rows(engine) == [(admin.user.id, "user.add", {"name": "tamar", "role": "admin"})]
    assert log_in(anonymous, "tamar", PASSWORD).status_code == 303


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"name": "", "role": "analyst"}, "name", "Enter a name of 1 to 64"),
        ({"name": "a b", "role": "analyst"}, "name", "Enter a name of 1 to 64"),
        ({"name": "taken", "role": "analyst"}, "name", "There is already a user with this name"),
        ({"name": "new", "role": "mayor"}, "role", "Choose a role"),
        (
            {"name": "new", "role": "admin", "password": "short"},
            "password",
            "Enter a password of at least 12",
        ),
        (
            {"name": "new", "role": "admin", "password_again": "something else"},
            "password_again",
            "Enter the same password twice",
        ),
    ],
)
def test_a_user_form_with_mistakes_says_what_to_fix(
    form: dict[str, str],
    field: str,
    message: str,
    engine: Engine,
    admin: StaffClient,
    make_user: Callable[..., StaffUser],
    check_page: Callable[[httpx.Response], None],
) -> None:
    make_user("analyst", "taken")
    data = {"password": PASSWORD, "password_again": PASSWORD, **form}
    response = admin.submit("/admin/users/new", data)
    assert response.status_code == 400
    check_page(response)
    assert f'<a href="#{field}">{message}' in response.text
    assert f'id="{field}-error"' in response.text
    assert PASSWORD not in response.text and "something else" not in response.text
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(users)).scalar_one() == 2


def test_setting_a_password_ends_that_users_sessions(
    engine: Engine,
    admin: StaffClient,
    login_as: Callable[..., StaffClient],
    make_user: Callable[..., StaffUser],
) -> None:
    user = make_user("analyst")
    signed_in = login_as(user)
    new = "another long password"
    short = admin.submit(
        "/admin/users/password", {"name": user.name, "password": "x", "password_again": "x"}
    )
    assert short.status_code == 400
    response = admin.submit(
        "/admin/users/password", {"name": user.name, "password": new, "password_again": new}
    )
    assert response.status_code == 303
    assert "sessions ended" in admin.get(response.headers["location"]).text
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash).where(users.c.id == user.id))
        assert HASHER.verify(stored.scalar_one(), new)
    assert signed_in.get("/staff/results").status_code == 303  # back to the sign-in page
    assert audit_rows(engine) == [(admin.user.id, "user.password", {"name": user.name})]


def test_setting_ones_own_password_keeps_one_signed_in(engine: Engine, admin: StaffClient) -> None:
    new = "my own new password"
    response = admin.submit(
        "/admin/users/password", {"name": admin.user.name, "password": new, "password_again": new}
    )
    assert response.status_code == 303
    assert admin.get("/admin/users").status_code == 200
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sessions)).scalar_one() == 1


def test_disabling_a_user_ends_their_sessions_but_not_ones_own_account(
    engine: Engine,
    admin: StaffClient,
    login_as: Callable[..., StaffClient],
    make_user: Callable[..., StaffUser],
) -> None:
    user = make_user("analyst")
    signed_in = login_as(user)
    assert signed_in.get("/login").status_code == 303  # signed in
    response = admin.submit("/admin/users/disable", {"name": user.name})
    assert response.status_code == 303
    assert f"User {user.name} was disabled" in admin.get(response.headers["location"]).text
    assert signed_in.get("/login").status_code == 200  # no longer
    with engine.connect() as conn:
        row = conn.execute(select(users.c.disabled_at).where(users.c.id == user.id)).one()
        assert row.disabled_at is not None
        left = conn.execute(select(func.count()).where(sessions.c.user_id == user.id))
        assert left.scalar_one() == 0
    assert audit_rows(engine) == [(admin.user.id, "user.disable", {"name": user.name})]

    own = admin.get("/admin/users/disable", params={"name": admin.user.name})
    assert "You cannot disable your own account" in own.text
    assert "<form" not in own.text.split("<main", 1)[1]
    refused = admin.submit("/admin/users/disable", {"name": admin.user.name})
    assert refused.status_code == 400
    assert "disable" not in admin.get("/admin/users").text.split(admin.user.name, 2)[-1][:200]
    assert len(audit_rows(engine)) == 1


# -- catalogs -------------------------------------------------------------------------------


def test_loading_a_catalog_lists_its_version_and_audits(
    engine: Engine, hall: str, admin: StaffClient
) -> None:
    data = demo_catalog_bytes()
    version = json.loads(data)["version"]
    response = admin.submit(
        "/admin/catalogs",
        {"center": hall},
        files={"catalog": ("catalog.json", data, "application/json")},
    )
    assert response.status_code == 303
    page = admin.get(response.headers["location"]).text
    assert f"Catalog version {version} was loaded." in page
    listed = page[page.index("Catalog versions loaded") :]
    assert f'<th scope="row">{version}</th>' in listed and hall in listed
    with engine.connect() as conn:
        assert conn.execute(select(catalogs.c.scope, catalogs.c.version)).all() == [(hall, version)]
    [(who, action, detail)] = audit_rows(engine)
    assert (who, action) == (admin.user.id, "catalog.load")
    assert detail["version"] == version and detail["center"] == hall
    assert detail["file"] == "catalog.json"


def cli_error(engine: Engine, path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    url = engine.url.render_as_string(hide_password=False)
    assert cli.main(["load-catalog", str(path), "--db", url]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ")
    return error.removeprefix("error: ")


@pytest.mark.parametrize(
    "content",
    [
        b"{ not json",
        b"{}",
        json.dumps({**json.loads(demo_catalog_bytes()), "services": "none"}).encode(),
    ],
)
def test_a_bad_catalog_gets_the_same_error_as_the_command_line(
    content: bytes,
    engine: Engine,
    admin: StaffClient,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    check_page: Callable[[httpx.Response], None],
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    expected = cli_error(engine, path, capsys)
    response = admin.submit(
        "/admin/catalogs", files={"catalog": ("bad.json", content, "application/json")}
    )
    assert response.status_code == 400
    check_page(response)
    summary = response.text[response.text.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert f'<a href="#catalog">{html_escape(expected)}</a>' in summary
    assert audit_rows(engine) == []


def html_escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def test_another_body_under_a_loaded_version_is_refused(engine: Engine, admin: StaffClient) -> None:
    data = json.loads(demo_catalog_bytes())
    first = admin.submit(
        "/admin/catalogs", files={"catalog": ("a.json", json.dumps(data).encode(), "text/json")}
    )
    assert first.status_code == 303
    data["services"] = data["services"][:1]
    second = admin.submit(
        "/admin/catalogs", files={"catalog": ("b.json", json.dumps(data).encode(), "text/json")}
    )
    assert second.status_code == 400
    assert "bump the version" in second.text


def test_no_file_chosen_is_an_error(admin: StaffClient) -> None:
    response = admin.submit(
        "/admin/catalogs", files={"catalog": ("", b"", "application/octet-stream")}
    )
    assert response.status_code == 400
    assert '<a href="#catalog">Choose a catalog file</a>' in response.text


# -- the overview ---------------------------------------------------------------------------


def test_the_overview_shows_recent_activity_with_who_did_it(
    engine: Engine, hall: str, admin: StaffClient
) -> None:
    admin.submit("/admin/kiosks/new", {"name": "hall-5", "center": hall})
    start_session(engine, admin.user.id)
    with engine.begin() as conn:
        conn.execute(
            audit_log.insert().values(at=utc_now(), user_id=None, action="user.add", detail="{}")
        )
    page = admin.get("/admin").text
    activity = page[page.index("Recent activity") :]
    assert "Added a kiosk" in activity and "hall-5" in activity
    assert admin.user.name in activity
    assert "command line" in activity
    assert activity.index("Added a user") < activity.index("Added a kiosk")  # newest first
