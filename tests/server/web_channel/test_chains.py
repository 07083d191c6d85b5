"""The web chains: records appended in order, linked, signed like a kiosk's batches, stored
once per form, never forked by concurrent answers, and kept out of the kiosk fleet."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from common.messages import EnrollRequest
from common.protocol import head_message, verify
from common.records import Channel, record_hash, verify_chain
from server.db import batches, chain_breaks, chains, kiosks, records, utc_now
from server.enrollment import AdminError, add_kiosks, enroll, reenroll_kiosk, revoke_kiosk
from server.errors import ApiError
from server.kiosks import list_kiosks
from server.web_channel.answers import SoftChecks, WebChannel
from server.web_channel.chains import ChainError, Draft, append, chain_for
from server.web_channel.codes import issue_batch, normalise_code
from server.web_channel.keys import web_keys
from server.web_channel.settings import WebSettings
from tests.server.web_channel.conftest import CENTER, OTHER_CENTER, SERVICE

UNLIMITED = WebSettings(min_fill_s=0, address_limit=10**6, global_limit=10**6)


def rating(score: int = 4) -> Draft:
    return Draft("rating", None, SERVICE, "2026.1", "ka", score=score)


def chain_rows(db: Engine, device_id: str) -> list[dict]:
    with db.connect() as conn:
        rows = conn.execute(
            select(records).where(records.c.device_id == device_id).order_by(records.c.seq)
        ).mappings()
        return [
            {**row, "reasons": json.loads(row["reasons"]), "flags": json.loads(row["flags"])}
            for row in rows
        ]


def test_answers_are_appended_linked_and_signed(db: Engine) -> None:
    keys = web_keys(db)
    now = utc_now()
    with db.begin() as conn:
        chain = chain_for(conn, keys.public_key, Channel.WEB_OPEN, CENTER)
        first = append(conn, keys.signing, chain, "nonce-1", [rating(2)], now, 240).records[0]
    with db.begin() as conn:
        chain = chain_for(conn, keys.public_key, Channel.WEB_OPEN, CENTER)
        reasons = Draft("reasons", first.uuid, SERVICE, "2026.1", "ka", reasons=("long-wait",))
        append(conn, keys.signing, chain, "nonce-2", [reasons], now, 240)
    rows = chain_rows(db, chain.device_id)
    assert [(r["seq"], r["kind"], r["channel"]) for r in rows] == [
        (1, "rating", "web-open"),
        (2, "reasons", "web-open"),
    ]
    assert verify_chain(rows) is None
    assert all(record_hash(r) == r["hash"] for r in rows)
    assert rows[1]["rating_uuid"] == rows[0]["uuid"] == rows[0]["rating_uuid"]
    assert rows[0]["utc_offset_min"] == 240 and rows[0]["center_id"] == CENTER
    with db.connect() as conn:
        row = conn.execute(select(kiosks).where(kiosks.c.id == chain.id)).one()
        heads = conn.execute(select(batches).order_by(batches.c.id)).all()
        mark = conn.execute(select(chains.c.high_water_mark)).scalar_one()
    assert (row.name, row.status, row.center_id) == (f"web-open@{CENTER}", "web", CENTER)
    assert row.public_key == keys.public_key and row.device_id == chain.device_id
    assert [(h.batch_id, h.head_seq) for h in heads] == [("nonce-1", 1), ("nonce-2", 2)]
    for head, record in zip(heads, rows, strict=True):
        assert head.head_hash == record["hash"]
        message = head_message(chain.device_id, head.head_seq, head.head_hash)
        assert verify(row.public_key, message, head.head_signature)
    assert mark == 2


def test_a_nonce_stores_once(db: Engine) -> None:
    keys = web_keys(db)
    now = utc_now()
    with db.begin() as conn:
        chain = chain_for(conn, keys.public_key, Channel.WEB_VERIFIED, CENTER)
        stored = append(conn, keys.signing, chain, "n", [rating(5)], now, 240)
    with db.begin() as conn:
        chain = chain_for(conn, keys.public_key, Channel.WEB_VERIFIED, CENTER)
        again = append(conn, keys.signing, chain, "n", [rating(1)], now, 240)
    assert stored.new and not again.new
    assert again.records == stored.records and again.records[0].score == 5
    assert len(chain_rows(db, chain.device_id)) == 1


def test_each_channel_and_center_has_its_own_chain(db: Engine) -> None:
    keys = web_keys(db)
    with db.begin() as conn:
        made = {
            (channel, center): chain_for(conn, keys.public_key, channel, center)
            for channel in (Channel.WEB_VERIFIED, Channel.WEB_OPEN)
            for center in (CENTER, OTHER_CENTER)
        }
    assert len({chain.device_id for chain in made.values()}) == 4
    with db.begin() as conn:
        again = chain_for(conn, keys.public_key, Channel.WEB_OPEN, CENTER)
    assert again == made[(Channel.WEB_OPEN, CENTER)]
    with pytest.raises(ValueError, match="not a web channel"), db.begin() as conn:
        chain_for(conn, keys.public_key, Channel.KIOSK, CENTER)


def test_a_record_the_checks_refuse_stores_nothing(db: Engine) -> None:
    keys = web_keys(db)
    bad = Draft("rating", None, "moon-landing", "2026.1", "ka", score=3)

    def store() -> None:
        with db.begin() as conn:
            chain = chain_for(conn, keys.public_key, Channel.WEB_OPEN, CENTER)
            append(conn, keys.signing, chain, "n", [bad], utc_now(), 240)

    with pytest.raises(ChainError, match="unknown_service"):
        store()
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(records)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(batches)).scalar() == 0


def test_a_kiosk_holding_the_name_stops_the_chain(db: Engine) -> None:
    with db.begin() as conn:
        conn.execute(
            kiosks.insert().values(
                name=f"web-open@{CENTER}", center_id=CENTER, status="active", created_at=utc_now()
            )
        )
    public_key = web_keys(db).public_key
    with pytest.raises(ChainError, match="taken by a kiosk"), db.begin() as conn:
        chain_for(conn, public_key, Channel.WEB_OPEN, CENTER)


def test_web_chains_are_no_kiosks_to_list_enroll_or_revoke(db: Engine) -> None:
    add_kiosks(db, ["hall-1"], CENTER)
    keys = web_keys(db)
    with db.begin() as conn:
        chain = chain_for(conn, keys.public_key, Channel.WEB_OPEN, CENTER)
    assert [k.name for k in list_kiosks(db)] == ["hall-1"]
    name = f"web-open@{CENTER}"
    for command in (revoke_kiosk, reenroll_kiosk):
        with pytest.raises(AdminError, match="there is no kiosk named"):
            command(db, name)
    with pytest.raises(AdminError, match="reserved for the web channel"):
        add_kiosks(db, [f"web-verified@{OTHER_CENTER}"], OTHER_CENTER)
    code = add_kiosks(db, ["hall-2"], CENTER)[0].code
    request = EnrollRequest(
        code=code, device_id=chain.device_id, public_key=keys.public_key, app_version="1"
    )
    with pytest.raises(ApiError) as refused:
        enroll(db, request, "192.0.2.1")
    assert (refused.value.status, refused.value.code) == (409, "device_conflict")
    with db.connect() as conn:
        status = conn.execute(select(kiosks.c.status).where(kiosks.c.name == name)).scalar()
        device = conn.execute(select(kiosks.c.device_id).where(kiosks.c.name == name)).scalar()
    assert (status, device) == ("web", chain.device_id)


def test_concurrent_answers_never_fork_a_chain(db: Engine) -> None:
    """Answers from many threads at once (as from several uvicorn workers): on PostgreSQL
    they queue on the chain's row lock, on SQLite on the write lock."""
    web = WebChannel(db, UNLIMITED)
    threads_n, each = 8, 6
    # Verified answers: nothing but the chain is shared between them (the open channel's
    # rate-limit counts would queue them as well).
    _batch, plain = issue_batch(
        db, center_id=CENTER, service_id=SERVICE, count=threads_n * each,
        expires_at=utc_now() + timedelta(days=1), user_id=None,
    )  # fmt: skip
    start = threading.Barrier(threads_n)
    failures: list[BaseException] = []

    def answer(index: int) -> None:
        start.wait()
        try:
            for code in plain[index * each : (index + 1) * each]:
                normal = normalise_code(code)
                token = web.tokens.first(Channel.WEB_VERIFIED, CENTER, SERVICE, code=normal)
                web.rate(token, 1 + index % 5, "ka", SoftChecks(), f"198.51.100.{index}")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with db.connect() as conn:
        device = conn.execute(
            select(kiosks.c.device_id).where(kiosks.c.name == f"web-verified@{CENTER}")
        ).scalar_one()
        breaks = conn.execute(select(func.count()).select_from(chain_breaks)).scalar()
        mark = conn.execute(select(chains.c.high_water_mark)).scalar_one()
    rows = chain_rows(db, device)
    assert [r["seq"] for r in rows] == list(range(1, threads_n * each + 1))
    assert verify_chain(rows) is None
    assert breaks == 0 and mark == threads_n * each
    assert len({r["uuid"] for r in rows}) == len(rows)


def test_device_ids_are_uuids(db: Engine) -> None:
    public_key = web_keys(db).public_key
    with db.begin() as conn:
        chain = chain_for(conn, public_key, Channel.WEB_OPEN, CENTER)
    assert str(uuid.UUID(chain.device_id)) == chain.device_id
