"""The server restored from a backup, then the kiosk enrolled again: the kiosk compares what
the server holds with the records it marked synced (which enrolling does not clear) and sends
again whatever the server lacks.
"""

from __future__ import annotations

import json
import time

from common import protocol
from sync.enrollment import enroll
from sync.status import read_status
from tests.sync.faultproxy import STATUS, Fault
from tests.sync.helpers import (
    FAST_CLIENT,
    backup_server_db,
    check_invariants,
    enroll_new_kiosk,
    job,
    poison,
    restore_server_db,
    states,
    tap,
)

DAY = 24 * 3600


def test_restored_server_and_re_enrolled_kiosk_end_with_every_record(live_sqlite, data_dir):
    live, db = live_sqlite
    name, code = db.issue_code()
    device = enroll(data_dir, live.url, code, client_options=FAST_CLIENT).device_id
    early = set(tap(data_dir, 10))
    assert job(data_dir).run_once().stored == 10
    backup = data_dir.parent / "server-backup"
    backup_server_db(live, backup)
    late = set(tap(data_dir, 10))
    assert job(data_dir).run_once().stored == 10

    restore_server_db(live, backup)
    enroll(data_dir, live.url, live.reenroll_kiosk(name), client_options=FAST_CLIENT)
    assert set(db.uuids(device)) == early
    assert set(states(data_dir).values()) == {"synced"}  # the kiosk still believes it

    report = job(data_dir).run_once()

    assert (report.resent, report.stored, report.duplicates) == (10, 10, 0)
    assert set(db.uuids(device)) == early | late
    check_invariants(db, data_dir, device, early | late)
    status = read_status(data_dir)
    assert (status.state, status.pending_count) == ("ok", 0)


def test_restored_server_with_a_gap_is_probed_and_gets_what_it_lacks(live_sqlite, data_dir):
    """With a seq the server never got (set aside), its chain's end is unknown: the newest
    synced record goes again alone, and the answer's gaps show the rest."""
    live, db = live_sqlite
    name, code = db.issue_code()
    device = enroll(data_dir, live.url, code, client_options=FAST_CLIENT).device_id
    early = tap(data_dir, 5)
    poison(data_dir, early[2])
    assert job(data_dir).run_once().rejected == 1
    backup = data_dir.parent / "server-backup"
    backup_server_db(live, backup)
    late = set(tap(data_dir, 5))
    assert job(data_dir).run_once().stored == 5

    restore_server_db(live, backup)
    enroll(data_dir, live.url, live.reenroll_kiosk(name), client_options=FAST_CLIENT)
    report = job(data_dir).run_once()

    expected = (set(early) - {early[2]}) | late
    assert set(db.uuids(device)) == expected
    # The probe (seq 10) is stored, then seqs 6-9 and 10 again as a duplicate.
    assert (report.stored, report.duplicates) == (5, 1)
    assert {u for u, s in states(data_dir).items() if s == "synced"} == expected
    assert job(data_dir).run_once().uploaded == 0  # converged: no probe again


def test_a_kiosk_with_a_gap_checks_where_the_servers_chain_ends_once_a_day(
    live_sqlite, clean_proxy, data_dir
):
    """So a server restored without the kiosk enrolling again is found out within a day."""
    _live, db = live_sqlite
    enroll_new_kiosk(db, data_dir, clean_proxy.url)
    taps = tap(data_dir, 5)
    poison(data_dir, taps[2])
    assert job(data_dir).run_once().rejected == 1  # seq 3 set aside: the server has 1-2, 4-5
    assert job(data_dir).run_once().uploaded == 0  # the same day: the chain's end is known

    state = {"high_water_mark": 2, "server_time": int(time.time() + 2 * DAY), "missing": [[3, 3]]}
    clean_proxy.add(
        Fault(STATUS, path=protocol.PATH_SYNC_STATE, status=200, body=json.dumps(state).encode())
    )
    report = job(data_dir).run_once()  # two days later by the server's clock

    assert (report.resent, report.duplicates, report.stored) == (1, 1, 0)
    assert set(states(data_dir).values()) == {"synced", "quarantined"}
