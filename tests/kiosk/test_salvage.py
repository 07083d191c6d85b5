"""A damaged kiosk database is healed at start: a real kiosk.db is built, bytes on disk are
damaged the way disks and power cuts damage them, and the kiosk's database is opened."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from common.records import GENESIS_HASH, verify_chain
from kiosk.checkup import problem, sound
from kiosk.database import KioskDatabase
from kiosk.pin import PinGuard
from kiosk.salvage import AUDIT_ACTION, META_LOST, META_NOTICE, SalvageReport, heal
from kiosk.storage import Store
from tests.helpers import draft
from tests.kiosk.damage import (
    INDEX_LEAF,
    PAGE,
    TABLE_INTERIOR,
    TABLE_LEAF,
    Built,
    build,
    flip_page,
    pages_of,
    ranges,
    records_leaves,
    roots,
)


def kept_intact(built: Built, store: Store, report: SalvageReport) -> set[int]:
    """Check what every salvage must give, and return the seqs it kept."""
    salvaged = {r.seq: r for r in store.records()}
    assert all(built.records[seq] == record for seq, record in salvaged.items())
    lost = set(built.records) - set(salvaged)
    assert report.records == len(salvaged)
    assert report.lost == ranges(lost)
    for run in ranges(set(salvaged)):  # each unbroken run still chains, hash by hash
        wire = [salvaged[seq].to_wire() for seq in range(run[0], run[1] + 1)]
        start = GENESIS_HASH if run[0] == 1 else built.records[run[0] - 1].hash
        assert verify_chain(wire, start) is None
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.device_id == built.device_id
    actions = [action for _at, action, _detail in store.audit_log()]
    assert actions[-1] == AUDIT_ACTION
    assert SalvageReport.from_json(store.get_meta(META_NOTICE)) == report
    return set(salvaged)


@pytest.fixture
def built(tmp_path, clock) -> Built:
    return build(tmp_path / "kiosk.db", clock)


def test_a_sound_database_is_only_checked(built, clock):
    before = built.path.read_bytes()
    assert sound(built.path)  # what the start asks, without the salvage's code
    assert heal(built.path, clock.utc) is None
    assert built.path.read_bytes() == before
    assert not [p for p in built.path.parent.iterdir() if "damaged" in p.name]
    assert sound(built.path.with_name("new.db"))  # a first start
    assert heal(built.path.with_name("new.db"), clock.utc) is None


def test_the_start_salvages_a_damaged_database_through_the_salvage_code(built, clock, monkeypatch):
    flip_page(built.path, records_leaves(built.path)[10])
    assert not sound(built.path)
    checked: list[Path] = []

    def counted(path: Path) -> str | None:
        checked.append(path)
        return problem(path)

    # The start's look and the salvage's code share one check, which reads the whole file.
    monkeypatch.setattr("kiosk.checkup.problem", counted)
    database = KioskDatabase(built.path, clock.utc)
    try:
        assert database.salvaged is not None and database.salvaged.lost != []
        assert database.notice == database.salvaged
    finally:
        database.close()
    assert checked == [built.path]  # checked once, by the start's look
    assert sound(built.path)


def test_a_flipped_page_loses_only_its_own_records(built, clock):
    leaf = records_leaves(built.path)[10]
    flip_page(built.path, leaf)
    damaged = built.path.read_bytes()

    database = KioskDatabase(built.path, clock.utc)
    report = database.salvaged
    database.close()

    assert report is not None
    (kept,) = [name for name in report.kept_aside if name.endswith(".db")]
    assert kept == "kiosk-damaged-20260314T103640Z.db"  # the wall clock at start, UTC
    assert (built.path.parent / kept).read_bytes() == damaged  # never deleted, never changed
    with Store(built.path, clock=clock.utc) as store:
        salvaged = kept_intact(built, store, report)
        assert len(report.lost) == 1 and 0 < report.lost_count < 40  # one page of records
        assert report.from_pages == 0
        by_uuid = store.sync_states()
        states = {r.seq: by_uuid[r.uuid] for r in store.records()}
        assert states == {seq: built.states[seq] for seq in salvaged}  # sync state kept
        assert store.quarantined()[0][1] == "unknown_service"
        assert store.get_meta(PinGuard.HASH_KEY) == built.pin_hash
        assert ("settings", "idle_timeout_s=45") in [a[1:] for a in store.audit_log()]
        assert store.get_meta(META_LOST) == f"[[{report.lost[0][0]}, {report.lost[0][1]}]]"
        # The chain goes on from the head the kiosk kept, as if nothing happened there.
        assert report.head_known and store.head() == built.head
        new = store.append(draft())
        assert (new.seq, new.prev_hash) == (built.head[0] + 1, built.head[1])


def test_a_broken_interior_page_is_read_around_page_by_page(built, clock):
    root = roots(built.path)["records"]
    assert pages_of(built.path)[root] == TABLE_INTERIOR
    flip_page(built.path, root)

    report = heal(built.path, clock.utc)

    assert report is not None
    with Store(built.path, clock=clock.utc) as store:
        assert kept_intact(built, store, report) == set(built.records)  # nothing lost
        assert report.lost == [] and report.from_pages == len(built.records)
        # Their sync state could not be read: they are sent again (the server keeps one).
        assert store.pending_count() == len(built.records)
        assert store.head() == built.head


def test_a_broken_file_header(built, clock):
    data = bytearray(built.path.read_bytes())
    data[:100] = os.urandom(100)
    built.path.write_bytes(bytes(data))

    report = heal(built.path, clock.utc)

    assert report is not None and report.lost == []
    with Store(built.path, clock=clock.utc) as store:
        assert kept_intact(built, store, report) == set(built.records)
        assert store.pending_count() == len(built.records) - 101
        assert store.head() == built.head


def test_a_truncated_file_keeps_what_is_left_and_never_reuses_a_seq(built, clock):
    data = built.path.read_bytes()
    built.path.write_bytes(data[: len(data) * 6 // 10 + 123])

    report = heal(built.path, clock.utc)

    assert report is not None
    with Store(built.path, clock=clock.utc) as store:
        salvaged = kept_intact(built, store, report)
        assert len(salvaged) > len(built.records) // 3
        assert report.lost_count > 0
        assert report.head_known and store.head() == built.head
        new = store.append(draft())
        assert (new.seq, new.prev_hash) == (401, built.head[1])


def test_a_damaged_index_loses_nothing(built, clock):
    index = [n for n, kind in pages_of(built.path).items() if kind == INDEX_LEAF][-1]
    flip_page(built.path, index)

    report = heal(built.path, clock.utc)

    assert report is not None and report.lost == [] and report.from_pages == 0
    with Store(built.path, clock=clock.utc) as store:
        assert kept_intact(built, store, report) == set(built.records)
        assert store.pending_count() == len(built.records) - 101
        assert store.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"


def test_a_damaged_meta_page_keeps_the_identity_and_the_chain_from_the_records(built, clock):
    meta = roots(built.path)["meta"]
    assert pages_of(built.path)[meta] == TABLE_LEAF
    flip_page(built.path, meta)

    report = heal(built.path, clock.utc)

    assert report is not None and report.lost == [] and report.meta_keys == 0
    assert report.head_known  # sqlite_sequence says the newest record found is the newest
    with Store(built.path, clock=clock.utc) as store:
        assert kept_intact(built, store, report) == set(built.records)
        assert store.head() == built.head
        assert store.get_meta(PinGuard.HASH_KEY) is None  # lost with the page: set up again
        new = store.append(draft())
        assert (new.seq, new.prev_hash, new.device_id) == (
            built.head[0] + 1,
            built.head[1],
            built.device_id,
        )


def test_records_still_in_the_write_ahead_log_are_salvaged_with_it(tmp_path, clock):
    """The tablet lost power with the last records only in ``kiosk.db-wal``; then a page of
    the main file turned out damaged."""
    live = tmp_path / "live" / "kiosk.db"
    live.parent.mkdir()
    built = build(live, clock, checkpoint=True)
    store = Store(live, clock=clock.utc)
    store.conn.execute("PRAGMA wal_autocheckpoint = 0")
    late = [store.append(draft(score=3)) for _ in range(30)]
    path = tmp_path / "kiosk.db"
    shutil.copyfile(live, path)  # the files as the power cut left them
    shutil.copyfile(f"{live}-wal", f"{path}-wal")
    store.close()
    assert len(Path(f"{path}-wal").read_bytes()) > 30 * PAGE
    flip_page(path, records_leaves(path)[3])
    damaged_wal = Path(f"{path}-wal").read_bytes()

    report = heal(path, clock.utc)

    assert report is not None
    assert any(name.endswith(".db-wal") for name in report.kept_aside)
    kept_wal = path.parent / next(n for n in report.kept_aside if n.endswith("-wal"))
    assert kept_wal.read_bytes() == damaged_wal
    built.records.update({r.seq: r for r in late})
    with Store(path, clock=clock.utc) as again:
        salvaged = kept_intact(built, again, report)
        assert {r.seq for r in late} <= salvaged
        assert again.head() == (late[-1].seq, late[-1].hash)


def test_pruned_records_stay_pruned(tmp_path, clock):
    built = build(tmp_path / "kiosk.db", clock)
    with Store(built.path, clock=clock.utc) as store:
        assert store.prune_synced_through(200) == 100  # the first hundred were synced
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    flip_page(built.path, records_leaves(built.path)[-5])

    report = heal(built.path, clock.utc)

    assert report is not None
    with Store(built.path, clock=clock.utc) as store:
        seqs = {r.seq for r in store.records()}
    assert not seqs & set(range(1, 101))  # deleted by pruning, not brought back
    lost = {seq for low, high in report.lost for seq in range(low, high + 1)}
    assert lost and min(lost) > 100  # and not counted as lost either
    assert seqs | lost == set(range(101, 401))


def test_a_file_with_nothing_readable_is_kept_and_the_kiosk_starts_afresh(tmp_path, clock):
    path = tmp_path / "kiosk.db"
    path.write_bytes(b"garbage" * 1000)

    database = KioskDatabase(path, clock.utc)
    try:
        report = database.salvaged
        assert report is not None
        assert report.records == 0 and not report.head_known and not report.device_id_found
        assert (tmp_path / report.kept_aside[0]).read_bytes() == b"garbage" * 1000
        assert database.notice == report
        database.set_meta("x", "1")
        assert database.get_meta("x") == "1"  # a working database
    finally:
        database.close()


@pytest.mark.parametrize(
    "cut_at",
    ["kiosk.db-wal", "kiosk.db.salvaged"],
    ids=["keeping-the-log-aside", "putting-the-fresh-file-in-place"],
)
def test_a_salvage_cut_off_by_a_power_cut_is_finished_at_the_next_start(
    built, clock, monkeypatch, cut_at
):
    flip_page(built.path, records_leaves(built.path)[10])
    real_replace = os.replace

    def power_cut(source, target):
        if Path(source).name == cut_at:
            raise OSError("power cut")
        real_replace(source, target)

    monkeypatch.setattr("kiosk.salvage.os.replace", power_cut)
    with pytest.raises(OSError, match="power cut"):
        heal(built.path, clock.utc)
    assert not built.path.exists()  # the damaged file is aside, the fresh one not yet in place
    monkeypatch.undo()
    assert not sound(built.path)  # the start hands it to the salvage's code

    assert heal(built.path, clock.utc) is None  # finished, and the result is sound
    kept = sorted(p.name for p in built.path.parent.iterdir() if "damaged" in p.name)
    stem = "kiosk-damaged-20260314T103640Z.db"
    assert kept == [stem, f"{stem}-shm", f"{stem}-wal"]  # once, not twice; its log with it
    assert not Path(f"{built.path}-wal").exists() or Path(f"{built.path}-wal").stat().st_size == 0
    assert sorted(p.name for p in built.path.parent.iterdir() if ".salvag" in p.name) == []
    with Store(built.path, clock=clock.utc) as store:
        assert store.head() == built.head
        report = SalvageReport.from_json(store.get_meta(META_NOTICE))
        assert report is not None and report.records > 360  # one page lost


def test_a_damaged_page_of_names_is_read_from_its_copy_in_meta(built, clock):
    texts = roots(built.path)["texts"]
    assert pages_of(built.path)[texts] == TABLE_LEAF
    flip_page(built.path, texts)

    report = heal(built.path, clock.utc)

    assert report is not None and report.lost == [] and report.from_pages == 0
    with Store(built.path, clock=clock.utc) as store:
        assert kept_intact(built, store, report) == set(built.records)
        assert store.head() == built.head


def test_a_damaged_schema_page_leaves_records_and_names_found_page_by_page(built, clock):
    flip_page(built.path, 1)

    report = heal(built.path, clock.utc)

    assert report is not None and report.lost == []
    assert report.from_pages == report.records == len(built.records)
    with Store(built.path, clock=clock.utc) as store:
        assert kept_intact(built, store, report) == set(built.records)
        assert store.pending_count() == len(built.records)  # sync states were not readable
        new = store.append(draft())
        assert (new.seq, new.prev_hash) == (built.head[0] + 1, built.head[1])
