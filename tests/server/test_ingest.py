"""``receive_records`` judges a whole batch with a few statements, yet answers every record as
if each had been stored alone, in the order sent: repeats inside one batch, uuids and seqs taken
by earlier or later records, chain links across batches and at the ends of the seq range. On
SQLite and PostgreSQL, in-process against a fresh migrated database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from common.protocol import DUPLICATE, REJECTED, STORED
from common.records import GENESIS_HASH, MAX_SEQ
from server.batches import receive_records
from server.db import chain_breaks, kiosks, records, rejected_records
from server.enrollment import add_center, add_kiosks
from server.ingest import Received
from server.ingest.chain import received_above
from tests.server.inprocess import fresh_engine
from tests.server.kiosk_driver import make_chain, make_record
from tests.server.live import BACKENDS

CENTER = "tbilisi"
UUID_TAKEN = "A different record with this uuid is already stored."


@dataclass(frozen=True)
class Sender:
    id: int
    name: str
    center_id: str
    device_id: str


@dataclass
class Device:
    engine: Engine
    sender: Sender

    def record(self, seq: int, prev_hash: str = GENESIS_HASH, **kwargs: Any) -> dict[str, Any]:
        return make_record(self.sender.device_id, seq, prev_hash, center_id=CENTER, **kwargs)

    def chain(self, count: int, **kwargs: Any) -> list[dict[str, Any]]:
        return make_chain(self.sender.device_id, count, center_id=CENTER, **kwargs)

    def send(self, *batch: Any) -> Received:
        with self.engine.begin() as conn:
            return receive_records(
                conn, self.sender, list(batch), str(uuid.uuid4()), datetime.now(UTC),
                center_id=CENTER,
            )  # fmt: skip

    def stored(self) -> list[tuple[int, str, str]]:
        """(seq, uuid, hash) of every stored record of the device, by seq."""
        query = (
            select(records.c.seq, records.c.uuid, records.c.hash)
            .where(records.c.device_id == self.sender.device_id)
            .order_by(records.c.seq)
        )
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(query)]

    def breaks(self) -> set[tuple[int, str, str]]:
        query = select(
            chain_breaks.c.seq, chain_breaks.c.expected_prev_hash, chain_breaks.c.actual_prev_hash
        ).where(chain_breaks.c.device_id == self.sender.device_id)
        with self.engine.connect() as conn:
            return {tuple(row) for row in conn.execute(query)}


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with fresh_engine(request.param, tmp_path) as made:
        add_center(made, CENTER, "თბილისი", "Tbilisi")
        yield made


@pytest.fixture
def device(engine: Engine) -> Device:
    name = add_kiosks(engine, [f"kiosk-{uuid.uuid4().hex[:8]}"], CENTER)[0].kiosk_name
    with engine.connect() as conn:
        kiosk_id = conn.execute(select(kiosks.c.id).where(kiosks.c.name == name)).scalar_one()
    return Device(engine, Sender(int(kiosk_id), name, CENTER, str(uuid.uuid4())))


def answers(received: Received) -> list[tuple[str, str | None, str | None]]:
    return [(o.status, o.reason, o.message) for o in received.outcomes]


def test_repeats_inside_one_batch_are_judged_in_order(device: Device) -> None:
    first = device.record(1)
    same_uuid = device.record(2, first["hash"], uuid=first["uuid"])
    same_seq = device.record(1, score=1)
    last = device.record(2, first["hash"])
    received = device.send(first, dict(first), same_uuid, same_seq, last)
    assert answers(received) == [
        (STORED, None, None),
        (DUPLICATE, None, None),
        (REJECTED, "conflict", UUID_TAKEN),
        (REJECTED, "conflict", "Another record is already stored as seq 1 of this device."),
        (STORED, None, None),
    ]
    assert device.stored() == [(1, first["uuid"], first["hash"]), (2, last["uuid"], last["hash"])]
    assert (received.high_water_mark, received.missing, received.intact) == (2, [], True)


def test_a_uuid_stored_later_in_the_batch_does_not_decide_an_earlier_record(
    device: Device,
) -> None:
    """Seq 5 is taken; a record for seq 5 is refused for its seq even though its uuid is
    stored by a later record of the same batch (which comes after it)."""
    taken = device.record(5)
    assert answers(device.send(taken)) == [(STORED, None, None)]
    shared = str(uuid.uuid4())
    refused = device.record(5, uuid=shared, score=2)
    later = device.record(6, taken["hash"], uuid=shared, score=3)
    received = device.send(refused, later)
    assert answers(received) == [
        (REJECTED, "conflict", "Another record is already stored as seq 5 of this device."),
        (STORED, None, None),
    ]
    assert [seq for seq, _, _ in device.stored()] == [5, 6]


def test_a_refused_record_identical_to_a_stored_one_is_a_duplicate(device: Device) -> None:
    """The center check refuses it now, but the very same record is already stored."""
    record = device.record(1)
    assert answers(device.send(record)) == [(STORED, None, None)]
    with device.engine.begin() as conn:
        again = receive_records(
            conn, device.sender, [record], "b", datetime.now(UTC), center_id="elsewhere"
        )
        moved = receive_records(
            conn, device.sender, [device.record(2, record["hash"])], "b", datetime.now(UTC),
            center_id="elsewhere",
        )  # fmt: skip
    assert answers(again) == [(DUPLICATE, None, None)]
    assert [o.reason for o in moved.outcomes] == ["wrong_center"]


def test_refused_records_are_kept_once_in_the_order_sent(device: Device) -> None:
    bad = [device.record(1, score=9), "not an object", device.record(3, language="fr")]
    for _ in range(2):
        received = device.send(*bad, bad[0])
        assert [o.reason for o in received.outcomes] == [
            "score_out_of_range", "malformed", "unknown_language", "score_out_of_range",
        ]  # fmt: skip
    query = (
        select(rejected_records.c.reason, rejected_records.c.seq)
        .where(rejected_records.c.device_id == device.sender.device_id)
        .order_by(rejected_records.c.id)
    )
    with device.engine.connect() as conn:
        kept = [tuple(row) for row in conn.execute(query)]
    assert kept == [("score_out_of_range", 1), ("malformed", None), ("unknown_language", 3)]
    assert device.send().high_water_mark == 1  # seq 2 never came; 1 and 3 were set aside


def test_links_are_checked_within_and_across_batches_in_any_order(device: Device) -> None:
    wrong, other = "ab" * 32, "cd" * 32
    chain = device.chain(6)
    seventh = device.record(7, wrong)  # does not follow seq 6
    eighth = device.record(8, seventh["hash"])
    ninth = device.record(9, other)  # does not follow seq 8
    chain += [seventh, eighth, ninth, device.record(10, ninth["hash"])]
    middle = device.send(*chain[3:6])  # seqs 4-6
    assert (middle.high_water_mark, middle.missing, middle.intact) == (0, [(1, 3)], True)
    rest = device.send(*chain[:3], *chain[6:])  # both ends of the middle, in one batch
    assert [o.status for o in rest.outcomes] == [STORED] * 7
    assert (rest.high_water_mark, rest.missing, rest.intact) == (10, [], False)
    assert device.breaks() == {(7, chain[5]["hash"], wrong), (9, eighth["hash"], other)}


def test_a_first_record_off_the_genesis_and_a_late_earlier_record_break_the_chain(
    device: Device,
) -> None:
    second = device.record(2, "cd" * 32)
    third = device.record(3, second["hash"])
    assert device.send(second, third).intact is True  # seq 1 is not there yet
    first = device.record(1, "ef" * 32)
    assert device.send(first).intact is False
    assert device.breaks() == {(1, GENESIS_HASH, "ef" * 32), (2, first["hash"], "cd" * 32)}


def test_an_unbroken_chain_sent_backwards_has_no_breaks(device: Device) -> None:
    chain = device.chain(6)
    for start in (4, 2, 0):
        device.send(*chain[start : start + 2])
    assert device.breaks() == set()
    assert device.send().high_water_mark == 6


def test_the_highest_seq_is_stored_and_linked(device: Device) -> None:
    before = device.record(MAX_SEQ - 1)
    top = device.record(MAX_SEQ, before["hash"])
    assert [o.status for o in device.send(top).outcomes] == [STORED]
    received = device.send(before)
    assert [o.status for o in received.outcomes] == [STORED]
    assert received.intact is True
    assert [seq for seq, _, _ in device.stored()] == [MAX_SEQ - 1, MAX_SEQ]


def test_repeats_split_across_insert_statements_are_judged_in_order(
    device: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With few parameters per statement a batch takes several inserts; a repeat of a record
    inserted by an earlier statement is still a duplicate, a taken seq still a conflict."""
    dialect = device.engine.dialect
    monkeypatch.setattr(dialect, "insertmanyvalues_max_parameters", 3 * len(records.c))
    chain = device.chain(7)
    taken_seq = device.record(5, chain[3]["hash"], score=1)
    received = device.send(*chain[:5], chain[1], taken_seq, *chain[5:], chain[6])
    assert [status for status, _reason, _message in answers(received)] == [
        STORED, STORED, STORED, STORED, STORED, DUPLICATE, REJECTED, STORED, STORED, DUPLICATE,
    ]  # fmt: skip
    assert device.stored() == [(r["seq"], r["uuid"], r["hash"]) for r in chain]
    assert (received.high_water_mark, received.intact) == (7, True)


def test_what_was_received_is_read_back_as_runs_of_seqs(device: Device) -> None:
    """Stored and set-aside seqs together, as runs: a batch after a lasting gap reads a few
    rows, and the mark and the gaps come out as from every seq."""
    chain = device.chain(3)
    far = device.record(MAX_SEQ, score=2)
    received = device.send(*chain, device.record(5), device.record(6, score=9), far)
    assert [status for status, _reason, _message in answers(received)] == [
        STORED, STORED, STORED, STORED, REJECTED, STORED,
    ]  # fmt: skip
    with device.engine.connect() as conn:
        runs = received_above(conn, device.sender.device_id, 0)
        assert received_above(conn, device.sender.device_id, 5) == [(6, 6), (MAX_SEQ, MAX_SEQ)]
    assert runs == [(1, 3), (5, 6), (MAX_SEQ, MAX_SEQ)]
    assert (received.high_water_mark, received.missing) == (3, [(4, 4), (7, MAX_SEQ - 1)])
