"""One-time codes: what is stored (only keyed hashes), how codes are typed, and the batch API
staff pages use (issue, list with used counts, revoke), on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from server.db import audit_log, utc_now, web_code_batches, web_codes
from server.web_channel import codes
from server.web_channel.codes import (
    MAX_BATCH_CODES,
    check_code,
    code_path,
    format_code,
    hash_code,
    issue_batch,
    list_batches,
    normalise_code,
    open_path,
    revoke_batch,
    spend_code,
)
from server.web_channel.keys import CODE_KEY, secret_bytes
from tests.server.web_channel.conftest import CENTER, OTHER_CENTER, SERVICE

FORMATTED = re.compile(
    r"^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4}(-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4}){2}$"
)


def issue(engine: Engine, count: int = 3, **changes: object) -> tuple[codes.CodeBatch, list[str]]:
    arguments: dict[str, object] = {
        "center_id": CENTER,
        "service_id": SERVICE,
        "count": count,
        "expires_at": utc_now() + timedelta(days=30),
        "user_id": None,
    }
    arguments.update(changes)
    return issue_batch(engine, **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ABCD-EFGH-JKMN", "ABCDEFGHJKMN"),
        ("abcd efgh jkmn", "ABCDEFGHJKMN"),
        (" abcd–efgh—jkmn\t", "ABCDEFGHJKMN"),  # en and em dashes, as phones type them
        ("ABCDEFGHJKMN", "ABCDEFGHJKMN"),
        ("ABCD-EFGH-JKM", None),  # too short
        ("ABCD-EFGH-JKMNP", None),  # too long
        ("ABCD-EFGH-JKM0", None),  # 0 is not in the alphabet (nor O, 1, I, L)
        ("ABCD-EFGH-JKMO", None),
        ("ABCD-EFGH-JKM1", None),
        ("ABCD-EFGH-JKMI", None),
        ("ABCD-EFGH-JKML", None),
        ("ABCD_EFGH_JKMN", None),
        ("ႠBCD-EFGH-JKMN", None),
        ("", None),
    ],
)
def test_codes_are_normalised_before_hashing(typed: str, expected: str | None) -> None:
    assert normalise_code(typed) == expected


def test_hash_is_hmac_sha256_of_the_normalised_code() -> None:
    key = bytes(range(32))
    expected = hmac.new(key, b"ABCDEFGHJKMN", hashlib.sha256).hexdigest()
    assert hash_code(key, "ABCDEFGHJKMN") == expected
    assert hash_code(bytes(32), "ABCDEFGHJKMN") != expected


def test_paths() -> None:
    assert code_path("abcd efgh jkmn") == "/v/ABCD-EFGH-JKMN"
    with pytest.raises(ValueError, match="not a code"):
        code_path("nope")
    center = open_path(CENTER)
    service = open_path(CENTER, SERVICE)
    assert re.fullmatch(r"/r/[a-z2-9]{8}", center) and re.fullmatch(r"/r/[a-z2-9]{8}", service)
    assert len({center, service, open_path(OTHER_CENTER), open_path(OTHER_CENTER, SERVICE)}) == 4
    assert open_path(CENTER, SERVICE) == service  # stable: printed posters keep working


def test_issued_codes_are_returned_once_and_only_their_hmac_is_stored(db: Engine) -> None:
    batch, plain = issue(db, count=25)
    assert len(plain) == len(set(plain)) == 25
    assert all(FORMATTED.match(code) for code in plain)
    assert (batch.center_id, batch.service_id, batch.count, batch.used) == (CENTER, SERVICE, 25, 0)
    assert batch.revoked_at is None and batch.created_by is None
    key = secret_bytes(db, CODE_KEY)
    with db.connect() as conn:
        stored = {row.code_hash: row for row in conn.execute(select(web_codes))}
        columns = set(web_codes.c.keys())
        dump = json.dumps([list(r) for r in conn.execute(select(web_codes))])
    assert columns == {"code_hash", "batch_id", "spent"}  # no time, no plain code
    assert set(stored) == {hash_code(key, normalise_code(code) or "") for code in plain}
    assert all(row.batch_id == batch.id and row.spent == 0 for row in stored.values())
    for code in plain:
        assert code.replace("-", "") not in dump and code not in dump


def test_issuing_is_audited_without_the_codes(db: Engine) -> None:
    batch, plain = issue(db, count=2)
    with db.connect() as conn:
        row = conn.execute(select(audit_log).order_by(audit_log.c.id.desc())).first()
    assert row is not None and row.action == "web_codes.issue" and row.user_id is None
    detail = json.loads(row.detail)
    assert detail["batch_id"] == batch.id and detail["count"] == 2
    assert detail["center_id"] == CENTER and detail["service_id"] == SERVICE
    assert not any(code in row.detail or code.replace("-", "") in row.detail for code in plain)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"center_id": "nowhere"}, "there is no center 'nowhere'"),
        ({"service_id": "moon-landing"}, "'moon-landing' is not a program or service"),
        ({"count": 0}, "must be 1 to 5000"),
        ({"count": MAX_BATCH_CODES + 1}, "must be 1 to 5000"),
        ({"expires_at": utc_now() - timedelta(seconds=1)}, "expiry must be in the future"),
    ],
)
def test_bad_batches_are_refused_with_a_message_and_store_nothing(
    db: Engine, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        issue(db, **changes)
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(web_code_batches)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(web_codes)).scalar() == 0


def test_batches_are_listed_newest_first_with_used_counts(db: Engine) -> None:
    first, first_codes = issue(db, count=3)
    second, _ = issue(db, count=2, center_id=OTHER_CENTER)
    key = secret_bytes(db, CODE_KEY)
    now = utc_now()
    with db.begin() as conn:
        assert spend_code(conn, key, normalise_code(first_codes[0]) or "", now)
        assert spend_code(conn, key, normalise_code(first_codes[2]) or "", now)
    listed = list_batches(db)
    assert [b.id for b in listed] == [second.id, first.id]
    assert [b.used for b in listed] == [0, 2]
    assert listed[1].center_id == CENTER and listed[0].center_id == OTHER_CENTER


def test_a_code_is_spent_once(db: Engine) -> None:
    _batch, plain = issue(db, count=1)
    key = secret_bytes(db, CODE_KEY)
    code = normalise_code(plain[0]) or ""
    now = utc_now()
    with db.begin() as conn:
        assert check_code(conn, key, code, now).state == "ok"
        assert check_code(conn, key, code, now).service_id == SERVICE
        assert spend_code(conn, key, code, now)
        assert not spend_code(conn, key, code, now)
        assert check_code(conn, key, code, now).state == "spent"


def test_revoked_and_expired_codes_are_refused(db: Engine) -> None:
    batch, plain = issue(db, count=2)
    key = secret_bytes(db, CODE_KEY)
    code = normalise_code(plain[0]) or ""
    later = utc_now() + timedelta(days=31)
    with db.begin() as conn:
        assert check_code(conn, key, code, later).state == "expired"
        assert not spend_code(conn, key, code, later)
    revoke_batch(db, batch.id, None)
    now = utc_now()
    with db.begin() as conn:
        assert check_code(conn, key, code, now).state == "revoked"
        assert not spend_code(conn, key, code, now)
        assert check_code(conn, key, "ABCDEFGHJKMN", now).state == "unknown"
    assert list_batches(db)[0].revoked_at is not None
    with db.connect() as conn:
        row = conn.execute(select(audit_log).order_by(audit_log.c.id.desc())).first()
    assert row is not None and row.action == "web_codes.revoke"
    assert json.loads(row.detail) == {"batch_id": batch.id}


def test_revoking_twice_or_a_missing_batch_says_so(db: Engine) -> None:
    batch, _ = issue(db, count=1)
    revoke_batch(db, batch.id, None)
    with pytest.raises(ValueError, match="already revoked"):
        revoke_batch(db, batch.id, None)
    with pytest.raises(ValueError, match="there is no code batch 999"):
        revoke_batch(db, 999, None)


def test_issuing_by_a_user_is_kept(db: Engine) -> None:
    from server.db import users

    with db.begin() as conn:
        user_id = conn.execute(
            users.insert()
            .values(name="ana", role="admin", password_hash="x", created_at=utc_now())
            .returning(users.c.id)
        ).scalar_one()
    batch, _ = issue(db, count=1, user_id=int(user_id))
    assert batch.created_by == user_id
    assert list_batches(db)[0].created_by == user_id


def test_format_code_groups_by_four() -> None:
    assert format_code("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"
