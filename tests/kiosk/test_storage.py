from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from common.records import GENESIS_HASH, record_hash, verify_chain
from kiosk import layout
from kiosk.pin import PinGuard
from kiosk.schema import MIGRATIONS, SCHEMA_VERSION
from kiosk.storage import StorageError, Store, forget_checked, mark_checked
from kiosk.texts import META_TEXTS, from_mirror
from tests.helpers import draft


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "kiosk.db", clock=clock.utc) as opened:
        yield opened


def test_database_uses_wal_full_sync_and_current_schema(store):
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_record_holds_everything_a_rating_needs(store, clock):
    record = store.append(draft(score=2, flags=("burst",)))
    assert len(record.uuid) == 36
    assert record.seq == 1
    assert record.device_id == store.device_id
    assert (record.center_id, record.service_id, record.catalog_version) == (
        "central-service-hall",
        "free-canteen",
        "2026.1",
    )
    assert record.score == 2
    assert record.language == "ka"
    assert record.created_at == "2026-03-14T09:30:00.000000Z"
    assert isinstance(record.utc_offset_min, int)
    assert record.flags == ("burst",)
    assert store.pending_count() == 1


def test_records_survive_reopening(tmp_path, clock):
    path = tmp_path / "kiosk.db"
    with Store(path, clock=clock.utc) as first:
        written = [first.append(draft(score=s)) for s in (1, 5)]
        device = first.device_id
    with Store(path, clock=clock.utc) as again:
        assert again.records() == written
        assert again.device_id == device
        assert again.append(draft()).prev_hash == written[-1].hash


def test_sequence_numbers_are_never_reused_after_pruning(store):
    first = [store.append(draft()) for _ in range(3)]
    store.mark_synced([r.uuid for r in first])
    assert store.prune_synced_through(3) == 3
    assert store.count() == 0
    later = store.append(draft())
    assert later.seq == 4
    assert later.prev_hash == first[-1].hash


def test_pruning_deletes_only_synced_records_up_to_the_seq_given(store):
    pending = store.append(draft())
    synced = [store.append(draft()) for _ in range(3)]
    aside = store.append(draft())
    store.mark_synced([r.uuid for r in synced])
    store.quarantine({aside.uuid: "unknown_service"})
    assert store.prune_synced_through(3) == 2
    assert [r.seq for r in store.records()] == [pending.seq, synced[-1].seq, aside.seq]
    assert store.prune_synced_through(10) == 1
    assert [r.uuid for r in store.records()] == [pending.uuid, aside.uuid]


def test_sync_bookkeeping(store):
    records = [store.append(draft(score=s)) for s in (1, 2, 3, 4)]
    store.mark_synced([records[0].uuid, records[1].uuid])
    store.quarantine({records[2].uuid: "unknown_service"})
    assert [r.uuid for r in store.pending()] == [records[3].uuid]
    assert [(r.uuid, why) for r, why in store.quarantined()] == [
        (records[2].uuid, "unknown_service")
    ]
    # The server was restored from a backup that holds only seq 1.
    assert store.resend_after(1) == 1
    assert [r.seq for r in store.pending()] == [2, 4]
    assert store.pending(limit=1) == [records[1]]
    assert store.pending(after_seq=2) == [records[3]]


def test_migrates_a_version_1_database_keeping_its_records(tmp_path, clock):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    version_1 = MIGRATIONS[1]
    assert isinstance(version_1, str)
    conn.executescript(version_1)
    conn.execute(
        "INSERT INTO records (uuid, kind, rating_uuid, device_id, center_id, service_id, "
        "catalog_version, score, language, created_at, utc_offset_min, prev_hash, hash) "
        "VALUES ('u1', 'rating', 'u1', 'd', 'c', 's', '1', 3, 'en', 't', 240, 'p', 'h')"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Store(path, clock=clock.utc) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [r.uuid for r in store.records()] == ["u1"]
        store.audit("settings", "idle_timeout_s=45")
        assert store.audit_log()[0][1:] == ("settings", "idle_timeout_s=45")


KIOSK_V1 = Path(__file__).parent / "data" / "kiosk-v1.db"
"""A kiosk database at schema version 1 (``MIGRATIONS[1]`` only), committed as a kiosk left it:
six chained records of one device (four synced, two pending, with reasons, a comment in
Georgian and a burst flag) and meta rows (device id, chain head, staff PIN 482913, sync)."""


def test_a_committed_version_1_database_is_migrated_and_its_chain_goes_on(tmp_path, clock):
    path = tmp_path / "kiosk.db"
    shutil.copyfile(KIOSK_V1, path)
    old = sqlite3.connect(path)
    old.row_factory = sqlite3.Row
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    old_rows = [dict(row) for row in old.execute("SELECT * FROM records ORDER BY seq")]
    old_meta = dict(old.execute("SELECT key, value FROM meta").fetchall())
    old.close()
    assert len(old_rows) == 6

    with Store(path, clock=clock.utc) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        records = store.records()
        assert [(r.uuid, r.seq, r.hash) for r in records] == [
            (row["uuid"], row["seq"], row["hash"]) for row in old_rows
        ]
        wire = [record.to_wire() for record in records]
        assert all(record_hash(data) == data["hash"] for data in wire)
        assert verify_chain(wire, GENESIS_HASH) is None
        assert store.device_id == old_meta["device_id"]
        assert store.head() == (6, old_meta["chain_head"]) == (6, records[-1].hash)
        assert [r.seq for r in store.pending()] == [5, 6]
        assert store.quarantined() == []
        assert {key: store.get_meta(key) for key in old_meta} == old_meta
        assert PinGuard(store).check("482913").ok

        new = store.append(draft(score=3))
        assert (new.seq, new.prev_hash, new.device_id) == (7, records[-1].hash, store.device_id)
        store.audit("settings", "idle_timeout_s=45")

    with Store(path, clock=clock.utc) as again:
        wire = [record.to_wire() for record in again.records()]
        assert [data["seq"] for data in wire] == list(range(1, 8))
        assert verify_chain(wire, GENESIS_HASH) is None
        assert again.audit_log()[0][1:] == ("settings", "idle_timeout_s=45")


def test_a_file_that_is_not_a_database_is_reported_as_corrupt(tmp_path):
    path = tmp_path / "kiosk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError) as caught:
        Store(path)
    assert caught.value.kind == "corrupt"
    assert str(path) in str(caught.value)


def test_a_damaged_page_is_caught_by_quick_check(tmp_path, clock):
    path = tmp_path / "kiosk.db"
    with Store(path, clock=clock.utc) as store:
        for _ in range(200):
            store.append(draft(comment="x" * 200, kind="comment", score=None))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 3 : page * 3 + 200] = b"\xff" * 200
    path.write_bytes(bytes(data))
    with pytest.raises(StorageError) as caught:
        Store(path)
    assert caught.value.kind == "corrupt"


def test_a_full_disk_is_a_clear_error_and_loses_nothing_written(store):
    kept = store.append(draft())
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")
    big = draft(kind="comment", score=None, comment="y" * 100_000)
    with pytest.raises(StorageError) as caught:
        store.append(big)
    assert caught.value.kind == "full"
    assert store.get(kept.uuid) == kept
    assert store.conn.in_transaction is False


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "kiosk.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StorageError, match="newer"):
        Store(path)


def test_settling_an_answer_is_all_or_nothing(store):
    first, second = store.append(draft(score=1)), store.append(draft(score=2))
    store.set_meta("sync.inflight", "batch-1")
    # A real full disk, met halfway through the answer: setting a record aside writes a
    # megabyte the capped file has no room for.
    store.conn.execute("CREATE TABLE ballast (b BLOB)")
    store.conn.execute(
        "CREATE TRIGGER fill AFTER UPDATE OF sync_state ON records "
        f"WHEN NEW.sync_state = {layout.QUARANTINED} "
        "BEGIN INSERT INTO ballast VALUES (zeroblob(1000000)); END"
    )
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages + 5}")
    with pytest.raises(StorageError) as caught:
        store.settle([first.uuid], {second.uuid: "conflict"}, {"sync.inflight": ""})
    assert caught.value.kind == "full"
    assert store.pending_count() == 2  # the synced mark was rolled back with the rest
    assert store.get_meta("sync.inflight") == "batch-1"
    store.conn.execute("DROP TRIGGER fill")
    store.settle([first.uuid], {second.uuid: "conflict"}, {"sync.inflight": ""})
    assert store.pending_count() == 0
    assert [why for _, why in store.quarantined()] == ["conflict"]
    assert store.get_meta("sync.inflight") == ""


def test_a_programming_error_is_not_passed_off_as_a_disk_problem(store):
    kept = store.append(draft())
    store.conn.execute("ALTER TABLE audit_log RENAME TO audit_log_gone")
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        store.audit("settings")
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        store.audit_log()
    store.conn.execute(
        "CREATE TRIGGER refuse BEFORE UPDATE OF sync_state ON records "
        "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):  # a broken rule, whatever its words say
        store.mark_synced([kept.uuid])
    assert store.conn.in_transaction is False
    assert store.pending_count() == 1


def test_quick_check_runs_once_per_process_when_the_app_checked_at_start(
    tmp_path, clock, monkeypatch
):
    path = tmp_path / "kiosk.db"
    with Store(path, clock=clock.utc) as store:
        store.append(draft())
    statements: list[str] = []
    real_connect = sqlite3.connect

    def traced(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", traced)
    Store(path).close()
    assert "PRAGMA quick_check" in statements
    statements.clear()
    mark_checked(path)
    try:
        Store(path).close()
        assert "PRAGMA quick_check" not in statements
        Store(path, quick_check=True).close()
        assert "PRAGMA quick_check" in statements
    finally:
        forget_checked(path)


def test_a_read_only_connection_refuses_writes_and_may_change_threads(store, tmp_path):
    store.append(draft())
    reader = Store(store.path, quick_check=False, read_only=True)
    try:
        with pytest.raises(StorageError) as caught:
            reader.set_meta("x", "y")
        assert caught.value.kind == "readonly"
        counted: list[int] = []
        worker = threading.Thread(target=lambda: counted.append(reader.count()))
        worker.start()
        worker.join()
        assert counted == [1]
    finally:
        reader.close()


def test_waiting_ratings_count_a_rating_and_its_answers_once(store):
    first = store.append(draft(score=2))
    store.append(draft(kind="reasons", rating_uuid=first.uuid, score=None, reasons=("x",)))
    store.append(draft(kind="comment", rating_uuid=first.uuid, score=None, comment="ok"))
    second = store.append(draft(score=5))
    assert (store.pending_count(), store.pending_ratings()) == (4, 2)
    store.mark_synced([first.uuid, second.uuid])  # the ratings went, their answers wait
    assert (store.pending_count(), store.pending_ratings()) == (2, 1)


def test_a_demo_database_stays_marked(tmp_path, clock):
    path = tmp_path / "kiosk.db"
    with Store(path, clock=clock.utc) as first:
        assert not first.is_demo()
        first.mark_demo()
    with Store(path, clock=clock.utc) as again:
        assert again.is_demo()


KIOSK_V2 = Path(__file__).parent / "data" / "kiosk-v2.db"
"""A kiosk database at schema version 2, made by the schema 2 kiosk code (text throughout),
committed as it left it: seqs 21–85 of one device (60 ratings, their reasons and comments in
Georgian and English with quotes, a backslash and a line break, burst flags, two catalog
versions); seqs 1–20 and 86–89 synced and pruned, so ``sqlite_sequence`` (89) is above the
newest record kept and the chain head's record is gone; 11 pending, one set aside with its
reason, the rest synced; an audit entry, the staff PIN 482913, sync bookkeeping in ``meta``."""


def _old_rows(path: Path) -> tuple[list[dict], dict[str, str], int, list[tuple]]:
    old = sqlite3.connect(path)
    old.row_factory = sqlite3.Row
    try:
        rows = [dict(row) for row in old.execute("SELECT * FROM records ORDER BY seq")]
        meta = dict(old.execute("SELECT key, value FROM meta").fetchall())
        sequence = old.execute("SELECT seq FROM sqlite_sequence WHERE name = 'records'")
        audit = old.execute("SELECT at, action, detail FROM audit_log ORDER BY id").fetchall()
        return rows, meta, sequence.fetchone()[0], [tuple(entry) for entry in audit]
    finally:
        old.close()


def test_a_version_2_database_is_compacted_in_place_losing_nothing(tmp_path, clock):
    path = tmp_path / "kiosk.db"
    shutil.copyfile(KIOSK_V2, path)
    rows, meta, sequence, audit = _old_rows(path)
    size_before = path.stat().st_size
    assert (len(rows), sequence, rows[-1]["seq"]) == (65, 89, 85)

    with Store(path, clock=clock.utc) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        records = store.records()
        wire = [record.to_wire() for record in records]
        for data, row in zip(wire, rows, strict=True):
            for name in ("reasons", "flags"):
                row[name] = json.loads(row[name])
            assert data == {name: row[name] for name in data}  # every field, byte for byte
            assert record_hash(data) == data["hash"]
        assert verify_chain(wire, rows[0]["prev_hash"]) is None
        states = store.sync_states()
        assert {r["uuid"]: r["sync_state"] for r in rows} == states
        assert [(r.uuid, why) for r, why in store.quarantined()] == [
            (r["uuid"], r["quarantine_reason"]) for r in rows if r["sync_state"] == "quarantined"
        ]
        assert store.head() == (89, meta["chain_head"])
        assert {key: store.get_meta(key) for key in meta} == meta
        assert store.audit_log() == audit
        assert PinGuard(store).check("482913").ok
        new = store.append(draft(score=3))
        assert (new.seq, new.prev_hash) == (90, meta["chain_head"])  # never a seq used before
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert path.stat().st_size < size_before * 0.7  # the old layout's pages given back

    with Store(path, clock=clock.utc) as again:  # opening again changes nothing
        assert again.records() == [*records, new]


def test_every_tap_is_one_transaction_with_no_read_but_the_change_check(store):
    store.append(draft())  # the first one also reads the chain head and the device id
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    store.append(draft(score=5))
    assert [" ".join(s.split()[:3]) for s in statements] == [
        "BEGIN IMMEDIATE",
        "PRAGMA data_version",
        "INSERT INTO records",
        "INSERT INTO meta",
        "COMMIT",
    ]


def test_two_connections_writing_in_turn_keep_one_chain(tmp_path, clock):
    path = tmp_path / "kiosk.db"
    with Store(path, clock=clock.utc) as first, Store(path, clock=clock.utc) as second:
        written = []
        for turn in range(6):
            writer = first if turn % 3 else second
            written.append(writer.append(draft(service_id=f"service-{turn}")))
        assert [r.seq for r in written] == list(range(1, 7))
        assert verify_chain([r.to_wire() for r in first.records()]) is None
        assert second.records() == written == first.records()


def test_a_new_name_in_a_rolled_back_write_is_written_again_with_the_next(store):
    store.conn.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON records WHEN NEW.score = 1 "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        store.append(draft(service_id="new-service", score=1))
    kept = store.append(draft(service_id="new-service", score=2))
    with Store(store.path, read_only=True) as reader:
        assert reader.records() == [kept]
        found = reader.get(kept.uuid)
        assert found is not None and found.service_id == "new-service"


def test_a_reader_finds_names_written_after_it_first_read(store):
    reader = Store(store.path, quick_check=False, read_only=True)
    try:
        first = store.append(draft())
        assert reader.records() == [first]
        later = store.append(draft(service_id="another-service", language="en"))
        assert reader.records() == [first, later]
    finally:
        reader.close()


def test_the_names_are_mirrored_in_meta_for_a_salvage(store):
    store.append(draft())
    store.append(draft(service_id="another-service"))
    table = dict(store.conn.execute("SELECT id, text FROM texts").fetchall())
    assert from_mirror(store.get_meta(META_TEXTS)) == table
    assert set(table.values()) >= {store.device_id, "another-service", "free-canteen"}
