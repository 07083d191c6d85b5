"""Two server processes on one database take overlapping batches of one kiosk at the same
moment (as ``serve --workers N`` or two hosts behind a proxy would): every record is stored
once and answered ``stored`` exactly once, the replayed batch is counted once, and the chain
ends where it should, with no gap and no break."""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from common.protocol import PATH_SYNC_STATE
from tests.server.kiosk_driver import KioskDriver
from tests.server.live import BACKENDS, PG_ENV, LiveServer

CENTER = "tbilisi"
RECORDS = 800


@pytest.fixture(params=BACKENDS)
def servers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[LiveServer]]:
    """Two running server processes on one database."""
    pg_url = None
    if request.param == "postgres":
        pg_url = os.environ.get(PG_ENV)
        if not pg_url:
            pytest.skip(f"{PG_ENV} is not set")
    first = LiveServer(tmp_path / "a", pg_url=pg_url)
    try:
        second = LiveServer(tmp_path / "b", db_url=first.db_url)
        with first, second:
            first.add_center(CENTER)
            yield [first, second]
    finally:
        first.close()


def at_once(sends: list[tuple[LiveServer, KioskDriver, list[dict[str, Any]], str]]) -> list[Any]:
    """Post each batch to its server, all released together; the answers' bodies in order."""
    barrier = threading.Barrier(len(sends))
    answers: list[requests.Response | None] = [None] * len(sends)

    def post(index: int) -> None:
        server, kiosk, batch, batch_id = sends[index]
        driver = KioskDriver(server.url, kiosk.device_id)
        driver.key = kiosk.key
        body = driver.batch_body(batch, batch_id)
        barrier.wait()
        answers[index] = driver.post_json(
            "/api/v1/batches", body, headers={"Idempotency-Key": batch_id}
        )

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(sends))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    bodies = []
    for answer in answers:
        assert answer is not None and answer.status_code == 200, answer and answer.text
        bodies.append(answer.json())
    return bodies


def test_overlapping_batches_of_one_kiosk_on_two_processes(servers: list[LiveServer]) -> None:
    a, b = servers
    kiosk = KioskDriver(a.url)
    assert kiosk.enroll(a.add_kiosk("racer", CENTER)).status_code == 201
    chain = kiosk.chain(RECORDS)
    ids = [str(uuid.uuid4()) for _ in range(6)]
    rounds = [
        # the same batch to both processes, and one overlapping it by 100 records
        [(a, kiosk, chain[0:300], ids[0]), (b, kiosk, chain[0:300], ids[0]),
         (b, kiosk, chain[200:450], ids[1])],
        # two adjacent batches, one to each process: whichever is stored second must see the
        # other, or the chain would end before it
        [(a, kiosk, chain[450:600], ids[2]), (b, kiosk, chain[600:800], ids[3])],
        # records already stored, again
        [(a, kiosk, chain[300:500], ids[4]), (b, kiosk, chain[550:700], ids[5])],
    ]  # fmt: skip
    bodies = []
    for sends in rounds:
        done = at_once(sends)
        bodies.append(done)
        sent_seqs = [[r["seq"] for r in batch] for _, _, batch, _ in sends]
        for body, seqs in zip(done, sent_seqs, strict=True):
            assert [r["uuid"] for r in body["results"]] == [chain[s - 1]["uuid"] for s in seqs]
    assert [max(body["high_water_mark"] for body in done) for done in bodies] == [450, 800, 800]
    assert all(body["chain"] == {"intact": True, "missing": []} for body in bodies[2])

    # Each record answered "stored" exactly once; every other answer for it is "duplicate".
    answers = [r for done in bodies for body in done for r in body["results"]]
    stored = Counter(r["uuid"] for r in answers if r["status"] == "stored")
    assert {r["status"] for r in answers} == {"stored", "duplicate"}
    assert stored == Counter(r["uuid"] for r in chain)

    rows = a.query("SELECT seq, uuid FROM records WHERE device_id = :d", d=kiosk.device_id)
    assert sorted(row.seq for row in rows) == list(range(1, RECORDS + 1))
    assert {row.uuid for row in rows} == {r["uuid"] for r in chain}
    kept = a.query(
        "SELECT batch_id, times_received, stored, duplicate FROM batches WHERE device_id = :d",
        d=kiosk.device_id,
    )
    assert sorted(row.times_received for row in kept) == [1, 1, 1, 1, 1, 2]
    assert sum(row.stored for row in kept) == RECORDS
    assert a.query("SELECT count(*) FROM chain_breaks")[0][0] == 0
    assert a.query("SELECT count(*) FROM rejected_records")[0][0] == 0
    chain_row = a.query(
        "SELECT high_water_mark, max_seq FROM chains WHERE device_id = :d", d=kiosk.device_id
    )
    assert [tuple(row) for row in chain_row] == [(RECORDS, RECORDS)]
    for server in servers:
        state = KioskDriver(server.url, kiosk.device_id)
        state.key = kiosk.key
        assert state.get(PATH_SYNC_STATE).json()["missing"] == []
        assert state.get(PATH_SYNC_STATE).json()["high_water_mark"] == RECORDS
