"""Ballot-stuffing and mistakes, as the web channel must meet them: spent, forged, expired and
revoked codes refused with a page; a form sent twice stores once; honeypot and haste marked,
never dropped; limits answer 429 and proof of work gets past them; a flood from one address is
kept, marked, and leaves the verified channel alone."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, select

from common.records import verify_chain
from server.db import batches, chain_breaks, records, utc_now
from server.web_channel.codes import issue_batch, revoke_batch
from tests.server.inprocess import TestClient
from tests.server.web_channel.citizen import Citizen, heading, stored, token_of, work_for
from tests.server.web_channel.conftest import CENTER, FAST, SERVICE, Clock

LIMITED = {**FAST, "UKUK_WEB_ADDRESS_LIMIT": "2", "UKUK_WEB_GLOBAL_LIMIT": "1000",
           "UKUK_WEB_POW_MAX_NUMBER": "300"}  # fmt: skip


def codes(db: Engine, count: int = 1, days: float = 7) -> list[str]:
    _batch, plain = issue_batch(
        db, center_id=CENTER, service_id=SERVICE, count=count,
        expires_at=utc_now() + timedelta(days=days), user_id=None,
    )  # fmt: skip
    return plain


@pytest.fixture
def citizen(make_app: Callable[..., FastAPI], make_client: Callable[..., TestClient]) -> Citizen:
    return Citizen(make_client(make_app(**FAST)))


def count_records(db: Engine) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(records)).scalar_one())


# -- codes ------------------------------------------------------------------------------------


def test_a_spent_code_is_refused_with_a_clear_page(citizen: Citizen, db: Engine) -> None:
    code = codes(db)[0]
    faces = citizen.get(f"/v/{code}")
    citizen.answer(faces, 4)
    again = citizen.get(f"/v/{code}")
    assert again.status_code == 410
    assert heading(again) == "This code was already used"
    assert "Each code gives one answer" in again.text
    # A second faces page opened before the first answer was sent cannot use it either.
    other = codes(db)[0]
    first, second = citizen.get(f"/v/{other}"), citizen.get(f"/v/{other}")
    assert citizen.rate(token_of(first), 5).status_code == 303
    late = citizen.rate(token_of(second), 1)
    assert late.status_code == 410 and heading(late) == "This code was already used"
    assert [r["score"] for r in stored(db) if r["kind"] == "rating"] == [4, 5]


def test_forged_expired_and_revoked_codes_are_refused(citizen: Citizen, db: Engine) -> None:
    forged = citizen.get("/v/ABCD-EFGH-JKMN")
    assert forged.status_code == 404 and heading(forged) == "We do not know this code"
    assert citizen.get("/v/not-a-code").status_code == 404
    expiring = codes(db, days=1)[0]
    revoked = codes(db)[0]
    revoke_batch(db, 2, None)
    old = citizen.get(f"/v/{expiring}")  # still fine today
    assert old.status_code == 200
    withdrawn = citizen.get(f"/v/{revoked}")
    assert withdrawn.status_code == 410 and heading(withdrawn) == "This code is no longer valid"
    with db.begin() as conn:  # a day later, as the expiry compares with the server's time
        from server.db import web_code_batches

        conn.execute(
            web_code_batches.update()
            .where(web_code_batches.c.id == 1)
            .values(expires_at=utc_now() - timedelta(seconds=1))
        )
    expired = citizen.get(f"/v/{expiring}")
    assert expired.status_code == 410 and heading(expired) == "This code has expired"
    late = citizen.rate(token_of(old), 3)  # its faces page was opened in time
    assert late.status_code == 410 and heading(late) == "This code has expired"
    assert count_records(db) == 0


def test_guessing_codes_is_stopped(
    make_app: Callable[..., FastAPI], make_client: Callable[..., TestClient], db: Engine
) -> None:
    app = make_app(UKUK_WEB_CODE_FAILURE_LIMIT="3")
    guesser = Citizen(make_client(app, "203.0.113.50"))
    real = codes(db)[0]
    for guess in ("ABCD-EFGH-JKMN", "BBCD-EFGH-JKMN", "CBCD-EFGH-JKMN"):
        assert guesser.get(f"/v/{guess}").status_code == 404
    stopped = guesser.get(f"/v/{real}")
    assert stopped.status_code == 429 and int(stopped.headers["retry-after"]) > 0
    assert heading(stopped) == "Too many codes were tried"
    neighbour = Citizen(make_client(app, "203.0.113.51"))
    assert neighbour.get(f"/v/{real}").status_code == 200


# -- one answer, counted once -----------------------------------------------------------------


def test_a_replayed_form_stores_nothing_new(citizen: Citizen, db: Engine) -> None:
    faces = citizen.open_faces()
    first = citizen.rate(token_of(faces), 2)
    reasons = citizen.follow(first)
    again = citizen.rate(token_of(faces), 5)  # back button, or a double tap, with another face
    assert again.status_code == 303
    assert heading(citizen.follow(again)) == "What was the main reason?"  # the first answer's
    comment = citizen.follow(citizen.reasons(token_of(reasons), ["long-wait"]))
    citizen.reasons(token_of(reasons), ["staff-attitude"])  # resent after the next step
    thanks = citizen.follow(citizen.comment(token_of(comment), "once"))
    resent = citizen.follow(citizen.comment(token_of(comment), "twice"))
    assert heading(thanks) == heading(resent) == "Thank you!"
    rows = stored(db)
    assert [(r["kind"], r["score"], r["reasons"], r["comment"]) for r in rows] == [
        ("rating", 2, [], None),
        ("reasons", None, ["long-wait"], None),
        ("comment", None, [], "once"),
    ]
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(batches)).scalar() == 3


def test_a_verified_form_sent_twice_at_once_stores_once(citizen: Citizen, db: Engine) -> None:
    faces = citizen.get(f"/v/{codes(db)[0]}")
    token = token_of(faces)
    start = threading.Barrier(4)
    answers: list[int] = []

    def send() -> None:
        start.wait()
        answers.append(citizen.rate(token, 4).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [303] * 4  # the same next step for every copy
    assert [r["kind"] for r in stored(db)] == ["rating"]


# -- soft checks: marked, never dropped -------------------------------------------------------


def test_a_filled_honeypot_is_kept_and_marked(citizen: Citizen, db: Engine) -> None:
    faces = citizen.open_faces()
    step = citizen.follow(citizen.rate(token_of(faces), 5, website="http://spam.example"))
    comment = citizen.follow(citizen.reasons(token_of(step), ["real-help"]))
    citizen.comment(token_of(comment), "buy now")
    assert [(r["kind"], r["flags"]) for r in stored(db)] == [
        ("rating", ["unverified"]),
        ("reasons", ["unverified"]),
        ("comment", ["unverified"]),
    ]


def test_a_later_honeypot_marks_only_what_follows(citizen: Citizen, db: Engine) -> None:
    step = citizen.follow(citizen.rate(token_of(citizen.open_faces()), 2))
    comment = citizen.follow(citizen.reasons(token_of(step), ["long-wait"]))
    citizen.post("/rate/comment", {"token": token_of(comment), "comment": "x",
                                   "action": "send", "website": "bot"})  # fmt: skip
    assert [r["flags"] for r in stored(db)] == [[], [], ["unverified"]]


def test_too_fast_is_marked_and_a_person_is_not(
    make_app: Callable[..., FastAPI],
    make_client: Callable[..., TestClient],
    db: Engine,
    clock: Clock,
) -> None:
    citizen = Citizen(make_client(make_app(UKUK_WEB_MIN_FILL_S="2")))
    hasty = citizen.open_faces()
    clock.advance(1.5)
    assert citizen.rate(token_of(hasty), 3).status_code == 303
    calm = citizen.open_faces()
    clock.advance(2.5)
    assert citizen.rate(token_of(calm), 3).status_code == 303
    assert [r["flags"] for r in stored(db)] == [["unverified"], []]


# -- limits -----------------------------------------------------------------------------------


def test_limits_answer_429_and_work_gets_past_them(
    make_app: Callable[..., FastAPI], make_client: Callable[..., TestClient], db: Engine
) -> None:
    app = make_app(**LIMITED)
    citizen = Citizen(make_client(app, "198.51.100.20"))
    for _ in range(2):
        assert citizen.rate(token_of(citizen.open_faces()), 4).status_code == 303
    faces = citizen.open_faces()
    assert 'name="altcha"' in faces.text  # the next page already carries the challenge
    refused = citizen.rate(token_of(faces), 4)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert heading(refused) == "Please wait a moment"
    assert "Your answer has not been saved yet." in refused.text
    assert "<noscript>" in refused.text and 'name="score" value="4"' in refused.text
    assert count_records(db) == 2
    wrong = citizen.rate(token_of(refused), 4, altcha="bm90IGEgc29sdXRpb24=")
    assert wrong.status_code == 429
    passed = citizen.rate(token_of(refused), 4, altcha=work_for(refused))
    assert passed.status_code == 303
    assert [r["flags"] for r in stored(db)] == [[], [], ["unverified"]]
    # A solution is good for its own form only.
    reused = citizen.rate(token_of(citizen.open_faces()), 4, altcha=work_for(refused))
    assert reused.status_code == 429
    neighbour = Citizen(make_client(app, "198.51.100.21"))
    assert neighbour.rate(token_of(neighbour.open_faces()), 5).status_code == 303
    assert stored(db)[-1]["flags"] == []


def test_the_global_limit_asks_everyone_for_work_without_marking(
    make_app: Callable[..., FastAPI], make_client: Callable[..., TestClient], db: Engine
) -> None:
    app = make_app(**{**LIMITED, "UKUK_WEB_ADDRESS_LIMIT": "100", "UKUK_WEB_GLOBAL_LIMIT": "3"})
    for index in range(3):
        citizen = Citizen(make_client(app, f"198.51.100.{index}"))
        assert citizen.rate(token_of(citizen.open_faces()), 3).status_code == 303
    newcomer = Citizen(make_client(app, "198.51.100.99"))
    refused = newcomer.rate(token_of(newcomer.open_faces()), 3)
    assert refused.status_code == 429
    assert newcomer.rate(token_of(refused), 3, altcha=work_for(refused)).status_code == 303
    assert [r["flags"] for r in stored(db)] == [[], [], [], []]


@pytest.mark.slow
def test_a_flood_from_one_address_is_kept_marked_and_leaves_verified_alone(
    make_app: Callable[..., FastAPI],
    make_client: Callable[..., TestClient],
    db: Engine,
    clock: Clock,
) -> None:
    """1 000 open answers from one address, each done the way a script would have to: the
    limit trips after the first five, and every one after that needs its own proof of work.
    All are stored (none lost, none twice) and all marked: sent the moment their page came,
    and past the limit. A citizen with a code, from the same address in the middle of it,
    takes their time and answers as if nothing happened: no 429, no work, no mark."""
    app = make_app(
        UKUK_WEB_MIN_FILL_S="2", UKUK_WEB_ADDRESS_LIMIT="5", UKUK_WEB_GLOBAL_LIMIT="100000",
        UKUK_WEB_POW_MAX_NUMBER="40",
    )  # fmt: skip
    flood = Citizen(make_client(app, "192.0.2.66"))
    verified_codes = codes(db, count=3)
    statuses: dict[int, int] = {}
    for index in range(1000):
        token = token_of(flood.open_faces())
        answer = flood.rate(token, 1)
        if answer.status_code == 429:
            answer = flood.rate(token_of(answer), 1, altcha=work_for(answer))
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        if index in (10, 500, 990):
            faces = flood.get(f"/v/{verified_codes.pop()}")
            assert faces.status_code == 200 and 'name="altcha"' not in faces.text
            clock.advance(5)  # reading the question
            assert flood.rate(token_of(faces), 5).status_code == 303
    assert statuses == {303: 1000}
    rows = stored(db)
    open_rows = [r for r in rows if r["channel"] == "web-open"]
    verified = [r for r in rows if r["channel"] == "web-verified"]
    assert len(open_rows) == 1000 and len({r["uuid"] for r in open_rows}) == 1000
    assert all(r["flags"] == ["unverified"] for r in open_rows)
    assert [(r["score"], r["flags"]) for r in verified] == [(5, [])] * 3
    assert verify_chain(sorted(open_rows, key=lambda r: r["seq"])) is None
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(chain_breaks)).scalar() == 0
