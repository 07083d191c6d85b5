"""The rating pages as a citizen meets them: choosing, the five faces, reasons, comment and
thanks in both languages; what is stored; errors as pages; no cookies; headers."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select

from server.db import utc_now, web_codes
from server.web_channel import links
from server.web_channel.codes import issue_batch
from server.web_channel.quiet_log import CitizenLogFilter, mask_path
from tests.server.inprocess import TestClient
from tests.server.web_channel.citizen import Citizen, heading, stored, token_of
from tests.server.web_channel.conftest import CENTER, FAST, OTHER_CENTER, SERVICE, Clock

LOW = ["long-wait", "too-many-documents", "amount-too-small", "hard-to-qualify",
       "late-payment", "staff-attitude"]  # fmt: skip


@pytest.fixture
def app(make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app(**FAST)


@pytest.fixture
def citizen(app: FastAPI, make_client: Callable[..., TestClient]) -> Citizen:
    return Citizen(make_client(app))


def test_a_whole_answer_in_english(citizen: Citizen, db: Engine) -> None:
    faces = citizen.open_faces()
    assert heading(faces) == "How satisfied are you with: Support for socially vulnerable families?"
    for words in ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"):
        assert f'<span class="face-tile__words">{words}</span>' in faces.text
    assert faces.text.count('type="radio" name="score"') == 5
    reasons = citizen.follow(citizen.rate(token_of(faces), 2))
    assert heading(reasons) == "What was the main reason?"
    assert reasons.text.count('type="checkbox" name="reason"') == len(LOW)
    comment = citizen.follow(citizen.reasons(token_of(reasons), ["staff-attitude", "long-wait"]))
    assert heading(comment) == "Would you like to add a comment?"
    assert "0 of 500 characters" in comment.text
    thanks = citizen.follow(citizen.comment(token_of(comment), "  Kind staff,\r\nlong queue. \x07"))
    assert heading(thanks) == "Thank you!"
    rows = stored(db)
    assert [(r["kind"], r["channel"], r["language"], r["flags"]) for r in rows] == [
        ("rating", "web-open", "en", []),
        ("reasons", "web-open", "en", []),
        ("comment", "web-open", "en", []),
    ]
    rating = rows[0]
    assert (rating["score"], rating["center_id"], rating["service_id"]) == (2, CENTER, SERVICE)
    assert rating["catalog_version"] == "2026.1" and rating["utc_offset_min"] == 240
    assert rows[1]["reasons"] == ["long-wait", "staff-attitude"]  # catalog order
    assert rows[2]["comment"] == "Kind staff,\nlong queue."
    assert {r["rating_uuid"] for r in rows} == {rating["uuid"]}


def test_georgian_is_the_default_and_speaks_the_kiosks_words(
    app: FastAPI, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(app)
    faces = client.get("/rate", params={"center": CENTER, "service": SERVICE})
    assert '<html lang="ka">' in faces.text
    assert "რამდენად კმაყოფილი ხართ: სოციალურად დაუცველი ოჯახების დახმარება?" in faces.text
    assert "ძალიან კმაყოფილი" in faces.text  # the kiosk's own word
    assert 'name="lang" value="ka"' in faces.text
    assert 'hreflang="en"' in faces.text and "lang=en" in faces.text


def test_high_scores_get_the_high_reasons(citizen: Citizen) -> None:
    reasons = citizen.follow(citizen.rate(token_of(citizen.open_faces()), 5))
    assert heading(reasons) == "What did you like most?"
    assert re.findall(r'name="reason" id="reason-([\w-]+)"', reasons.text) == [
        "quick-service", "polite-staff", "real-help", "simple-process",
    ]  # fmt: skip


def test_skipping_stores_only_the_rating(citizen: Citizen, db: Engine) -> None:
    citizen.answer(citizen.open_faces(), 4, chosen=None, text="")
    assert [r["kind"] for r in stored(db)] == ["rating"]


def test_choosing_a_center_then_a_service(citizen: Citizen) -> None:
    first = citizen.get("/rate")
    assert heading(first) == "Which service center did you visit?"
    assert (
        'value="central-service-hall"' in first.text
        and 'value="social-service-agency"' in first.text
    )
    assert 'href="/v?lang=en"' in first.text
    nothing = citizen.get("/rate", center="")
    assert nothing.status_code == 400 and "Choose the service center you visited" in nothing.text
    assert 'class="error-summary"' in nothing.text and 'href="#center-0"' in nothing.text
    unknown = citizen.get("/rate", center="nowhere")
    assert unknown.status_code == 400
    services = citizen.get("/rate", center=OTHER_CENTER)
    assert heading(services) == "Which program or service did you use?"
    assert '<h2 class="choices-group">Social assistance</h2>' in services.text
    assert 'name="center" value="social-service-agency"' in services.text
    empty = citizen.get("/rate", center=OTHER_CENTER, service="")
    assert empty.status_code == 400 and "Choose the program or service you used" in empty.text
    wrong = citizen.get("/rate", center=OTHER_CENTER, service="moon-landing")
    assert wrong.status_code == 400


def test_short_links_open_their_center_and_service(citizen: Citizen) -> None:
    to_service = citizen.get(links.open_path(CENTER, SERVICE))
    assert to_service.status_code == 303
    assert to_service.headers["location"] == (f"/rate?center={CENTER}&service={SERVICE}&lang=en")
    to_center = citizen.get(links.open_path(OTHER_CENTER).upper().replace("/R/", "/r/"))
    assert to_center.headers["location"] == f"/rate?center={OTHER_CENTER}&lang=en"
    unknown = citizen.get("/r/zzzzzzzz")
    assert unknown.status_code == 404 and heading(unknown) == "We do not know this link"


def test_missing_face_is_an_error_summary_and_the_form_still_works(
    citizen: Citizen, db: Engine
) -> None:
    token = token_of(citizen.open_faces())
    missing = citizen.rate(token, "")
    assert missing.status_code == 400
    assert "There is a problem" in missing.text and 'href="#score-1">Choose a face' in missing.text
    assert "<title>Error:" in missing.text
    assert token_of(missing) == token
    assert citizen.rate(token, 9).status_code == 400
    assert stored(db) == []
    assert citizen.rate(token, 3).status_code == 303


def test_a_long_comment_is_refused_and_kept_in_the_box(citizen: Citizen, db: Engine) -> None:
    step = citizen.follow(citizen.rate(token_of(citizen.open_faces()), 4))
    comment = citizen.follow(citizen.reasons(token_of(step), [], "skip"))
    too_long = citizen.comment(token_of(comment), "ა" * 501)
    assert too_long.status_code == 400
    assert "The comment can be at most 500 characters long" in too_long.text
    assert "ა" * 501 in too_long.text
    assert [r["kind"] for r in stored(db)] == ["rating"]
    assert citizen.comment(token_of(comment), "ა" * 500).status_code == 303
    assert stored(db)[-1]["comment"] == "ა" * 500


def test_a_reason_not_offered_is_refused(citizen: Citizen, db: Engine) -> None:
    step = citizen.follow(citizen.rate(token_of(citizen.open_faces()), 5))
    refused = citizen.reasons(token_of(step), ["long-wait"])  # a low reason, for a 5
    assert refused.status_code == 400 and "Choose reasons from the list" in refused.text
    assert [r["kind"] for r in stored(db)] == ["rating"]


def test_bad_and_old_tokens_are_pages_not_failures(citizen: Citizen, clock: Clock) -> None:
    token = token_of(citizen.open_faces())
    forged = citizen.rate(token[:-3] + "abc", 3)
    assert forged.status_code == 400 and heading(forged) == "This form could not be read"
    assert 'href="/rate?lang=ka" lang="ka"' in forged.text  # not the POST's own address
    assert citizen.get("/rate/reasons", t="nonsense").status_code == 400
    assert citizen.post("/rate/comment", {}).status_code == 400
    clock.advance(2 * 3600 + 5)
    expired = citizen.rate(token, 3)
    assert expired.status_code == 410 and heading(expired) == "This page has expired"
    assert "valid for 2 hours" in expired.text
    huge = citizen.post("/rate/comment", {"token": token, "comment": "x" * 40_000})
    assert huge.status_code == 413


def test_the_verified_path_spends_the_code_and_forgets_it(citizen: Citizen, db: Engine) -> None:
    _batch, codes = issue_batch(
        db, center_id=CENTER, service_id=SERVICE, count=1,
        expires_at=utc_now() + timedelta(days=7), user_id=None,
    )  # fmt: skip
    code = codes[0]
    typed = citizen.get("/v", code=f" {code.lower().replace('-', ' ')} ")
    assert typed.status_code == 303 and typed.headers["location"] == f"/v/{code}?lang=en"
    faces = citizen.follow(typed)
    assert "Your code is valid. It is not stored with your answer." in faces.text
    assert heading(faces).endswith("Support for socially vulnerable families?")
    citizen.answer(faces, 5, chosen=["real-help"], text="Thanks")
    rows = stored(db)
    assert {r["channel"] for r in rows} == {"web-verified"}
    everything = repr(rows)
    with db.connect() as conn:
        (code_hash, spent) = conn.execute(select(web_codes.c.code_hash, web_codes.c.spent)).one()
    assert spent == 1
    for secret in (code, code.replace("-", ""), code_hash):
        assert secret not in everything


def test_the_code_form_explains_a_bad_code(citizen: Citizen) -> None:
    form = citizen.get("/v")
    assert heading(form) == "Enter the code from your slip"
    bad = citizen.get("/v", code="12345")
    assert bad.status_code == 400
    assert "Enter the code as it is printed: 12 letters and digits" in bad.text
    assert 'value="12345"' in bad.text


def test_the_pages_set_no_cookie_and_may_be_framed_only_where_allowed(
    make_app: Callable[..., FastAPI], make_client: Callable[..., TestClient]
) -> None:
    plain = Citizen(make_client(make_app(**FAST)))
    allowed = Citizen(make_client(make_app(UKUK_WEB_EMBED_ORIGINS="https://city.example.ge")))
    for path in ("/rate", "/v", "/privacy", f"/rate?center={CENTER}&service={SERVICE}"):
        response = plain.client.get(path + ("&" if "?" in path else "?") + "lang=en")
        assert "set-cookie" not in response.headers, path
        assert "frame-ancestors 'self';" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "SAMEORIGIN"
        assert response.headers["cache-control"] == "no-store"
    framed = allowed.get("/rate")
    policy = framed.headers["content-security-policy"]
    assert "frame-ancestors 'self' https://city.example.ge;" in policy
    assert "x-frame-options" not in framed.headers


def test_embedded_pages_keep_their_look_through_the_answer(citizen: Citizen) -> None:
    faces = citizen.get("/rate", center=CENTER, service=SERVICE, embed="1")
    assert 'class="rate rate--embed"' in faces.text
    assert '<input type="hidden" name="embed" value="1">' in faces.text
    step = citizen.client.post(
        "/rate/answer",
        data={"token": token_of(faces), "score": "4", "lang": "en", "embed": "1"},
    )
    assert step.headers["location"].endswith("&lang=en&embed=1")


def test_the_privacy_page_says_what_is_kept(citizen: Citizen) -> None:
    english = citizen.get("/privacy")
    assert heading(english) == "Privacy: what is kept when you rate"
    for words in ("What is not kept", "Cookies: these pages set none.", "per 10 minutes",
                  "valid for 2 hours", "groups of at least 10 answers"):  # fmt: skip
        assert words in english.text
    georgian = Citizen(citizen.client, "ka").get("/privacy")
    assert heading(georgian) == "კონფიდენციალურობა: რა ინახება შეფასებისას"


def test_static_files_and_fonts(citizen: Citizen) -> None:
    for path, kind in (("/static/rate.css", "text/css"), ("/static/rate.js", "text/javascript"),
                       ("/static/embed.js", "text/javascript")):  # fmt: skip
        response = citizen.client.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind)
    assert citizen.client.get("/static/rate-custom.css").status_code == 404
    page = citizen.open_faces()
    found = re.search(r'href="(/static/fonts/(\w+)\.css)"', page.text)
    assert found is not None
    css = citizen.client.get(found.group(1))
    assert css.status_code == 200 and "unicode-range: U+10A0-10FF" in css.text
    files = re.findall(r'url\("([^"]+)"\)', css.text)
    assert len(files) == 4
    for url in files:
        font = citizen.client.get(url)
        assert font.status_code == 200 and font.content[:4] == b"wOFF"
        assert len(font.content) < 30_000
    assert citizen.client.get("/static/fonts/0000000000000000.css").status_code == 404


def test_custom_css_is_served_when_configured(
    make_app: Callable[..., FastAPI], make_client: Callable[..., TestClient], tmp_path
) -> None:
    sheet = tmp_path / "city.css"
    sheet.write_text(":root { --primary: #003366; }\n")
    citizen = Citizen(make_client(make_app(UKUK_WEB_CUSTOM_CSS=str(sheet))))
    assert '<link rel="stylesheet" href="/static/rate-custom.css">' in citizen.get("/rate").text
    assert "--primary: #003366" in citizen.client.get("/static/rate-custom.css").text


def test_the_access_log_keeps_no_address_code_or_token() -> None:
    assert mask_path("/v/ABCD-EFGH-JKMN?lang=en") == "/v/…?lang=en"
    assert mask_path("/rate/reasons?t=secret&lang=ka") == "/rate/reasons?t=…&lang=ka"
    assert mask_path("/v?lang=en&code=ABCD") == "/v?lang=en&code=…"
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.9:5123", "GET", "/v/ABCD-EFGH-JKMN", "1.1", 200), None,
    )  # fmt: skip
    assert CitizenLogFilter().filter(record)
    assert record.getMessage() == '- - "GET /v/… HTTP/1.1" 200'
    staff = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.9:5123", "GET", "/results", "1.1", 200), None,
    )  # fmt: skip
    CitizenLogFilter().filter(staff)
    assert "203.0.113.9" in staff.getMessage()
