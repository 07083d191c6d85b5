"""Synced records are pruned by sequence and by an age the server and the tablet agree on.

The tablet's clock is injected (``clock=``); the server's is injected through the fault
proxy, which answers the sync state with a ``server_time`` of the test's choosing (and the
real high-water mark). A clock jump on either side alone deletes nothing.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from common import protocol
from kiosk.storage import Store
from sync.client import TransientError
from sync.keys import KioskFiles
from sync.pruning import MARK_EVERY_S, forget_after, load_marks, note_confirmed, prune
from tests.sync.faultproxy import STATUS, Fault, FaultProxy
from tests.sync.helpers import (
    backup_server_db,
    draft,
    enroll_new_kiosk,
    job,
    restore_server_db,
    states,
    tap,
)

DAY = 24 * 3600.0
RETENTION = timedelta(days=90)


def server_clock_at(proxy: FaultProxy, high_water_mark: int, server_time: float) -> None:
    """The next sync state answers as the real server would, but at ``server_time``."""
    body = {"high_water_mark": high_water_mark, "server_time": int(server_time), "missing": []}
    proxy.add(
        Fault(STATUS, path=protocol.PATH_SYNC_STATE, status=200, body=json.dumps(body).encode())
    )


def synced_and_confirmed(db, data_dir, proxy, count: int) -> tuple[str, list[str]]:
    """A kiosk whose ``count`` records the server holds and has confirmed holding (a mark)."""
    device = enroll_new_kiosk(db, data_dir, proxy.url)
    uuids = tap(data_dir, count)
    assert job(data_dir).run_once().stored == count
    job(data_dir).run_once()  # its sync state confirms them
    return device, uuids


def test_pruned_once_both_clocks_passed_the_retention_and_pending_ones_never(
    live_sqlite, clean_proxy, data_dir
):
    _live, db = live_sqlite
    device, old = synced_and_confirmed(db, data_dir, clean_proxy, 3)
    later = job(data_dir, clock=lambda: time.time() + 91 * DAY)
    waiting = set(tap(data_dir, 2))
    with clean_proxy.refusing(), pytest.raises(TransientError):
        later.run_once()  # the server unreachable: nothing is pruned
    assert set(states(data_dir)) == set(old) | waiting

    server_clock_at(clean_proxy, 3, time.time() + 91 * DAY)
    report = later.run_once()
    later.close()

    assert report.pruned == 3
    assert states(data_dir) == dict.fromkeys(waiting, "synced")
    assert set(db.uuids(device)) == set(old) | waiting


@pytest.mark.parametrize("days", [100, 1000])
def test_a_jump_of_the_tablet_clock_deletes_nothing(live_sqlite, clean_proxy, data_dir, days):
    _live, db = live_sqlite
    _device, old = synced_and_confirmed(db, data_dir, clean_proxy, 3)
    jumped = job(data_dir, clock=lambda: time.time() + days * DAY)
    assert jumped.run_once().pruned == 0
    assert jumped.run_once().pruned == 0
    jumped.close()
    assert states(data_dir) == dict.fromkeys(old, "synced")


def test_a_jump_of_the_server_clock_deletes_nothing(live_sqlite, clean_proxy, data_dir):
    _live, db = live_sqlite
    _device, old = synced_and_confirmed(db, data_dir, clean_proxy, 3)
    server_clock_at(clean_proxy, 3, time.time() + 100 * DAY)
    assert job(data_dir).run_once().pruned == 0
    assert states(data_dir) == dict.fromkeys(old, "synced")


def test_records_sent_again_after_a_restore_are_kept_as_new(live_sqlite, clean_proxy, data_dir):
    """The server lost them: the old confirmation no longer counts for them."""
    live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, clean_proxy.url)
    backup = data_dir.parent / "server-backup"
    backup_server_db(live, backup)  # before any record arrived
    uuids = tap(data_dir, 3)
    job(data_dir).run_once()
    job(data_dir).run_once()  # confirmed: a mark
    restore_server_db(live, backup)
    assert job(data_dir).run_once().resent == 3
    assert set(db.uuids(device)) == set(uuids)

    server_clock_at(clean_proxy, 3, time.time() + 91 * DAY)
    report = job(data_dir, clock=lambda: time.time() + 91 * DAY).run_once()

    assert report.pruned == 0
    assert states(data_dir) == dict.fromkeys(uuids, "synced")


def test_a_mark_deletes_only_synced_records_up_to_its_seq(data_dir):
    with Store(KioskFiles(data_dir).db_path) as store:
        records = [store.append(draft()) for _ in range(6)]
        store.mark_synced([r.uuid for r in records[:4]] + [records[5].uuid])
        store.quarantine({records[1].uuid: "unknown_service"})
        note_confirmed(store, 5, server_time=0.0, device_time=0.0)

        assert prune(store, RETENTION, server_now=89 * DAY, device_now=400 * DAY) == 0
        assert prune(store, RETENTION, server_now=400 * DAY, device_now=89 * DAY) == 0
        assert prune(store, RETENTION, server_now=90 * DAY, device_now=90 * DAY) == 3
        # Set aside, pending, and synced above the mark: kept.
        assert [r.seq for r in store.records()] == [2, 5, 6]
        assert load_marks(store) == []


def test_marks_are_hourly_and_cut_back_when_the_server_lacks_records(data_dir):
    with Store(KioskFiles(data_dir).db_path) as store:
        note_confirmed(store, 10, server_time=0.0, device_time=0.0)
        note_confirmed(store, 20, server_time=MARK_EVERY_S - 1, device_time=0.0)
        note_confirmed(store, 30, server_time=MARK_EVERY_S, device_time=5.0)
        note_confirmed(store, 25, server_time=3 * MARK_EVERY_S, device_time=9.0)
        assert [(m.seq, m.server_time) for m in load_marks(store)] == [
            (10, 0.0),
            (30, MARK_EVERY_S),
        ]
        forget_after(store, 12)
        assert [m.seq for m in load_marks(store)] == [10, 12]
