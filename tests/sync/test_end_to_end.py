"""Kiosk → real server, end to end: enroll, tap, sync, and the server holds exactly the taps."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import threading
from datetime import timedelta

import pytest

from common.catalog import demo_catalog_bytes
from kiosk.storage import Store
from sync.background import BackgroundSync
from sync.backoff import Backoff
from sync.client import AuthError, EnrollmentError
from sync.enrollment import enroll
from sync.keys import KioskFiles
from sync.status import SyncStatus, read_status
from tests.sync.helpers import (
    CENTER,
    REPO_ROOT,
    backup_server_db,
    check_invariants,
    enroll_new_kiosk,
    job,
    restore_server_db,
    states,
    subprocess_env,
    sync_cli,
    tap,
)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        sync_cli(*args),
        cwd=REPO_ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_enroll_tap_and_sync_with_the_cli(live_any, data_dir):
    live, db = live_any
    code = live.add_kiosk(f"cli-{data_dir.parent.name[-20:]}", CENTER)
    sloppy = code.replace("-", "").lower()  # typed on a tablet: no dash, lower case
    enrolled = _cli("--data-dir", str(data_dir), "--enroll", live.url, sloppy)
    assert enrolled.returncode == 0, enrolled.stderr
    assert "Enrolled as" in enrolled.stdout
    files = KioskFiles(data_dir)
    enrollment = files.enrollment()
    assert enrollment is not None and enrollment.center_id == CENTER
    assert (files.key_path.stat().st_mode & 0o777) == 0o600

    taps = set(tap(data_dir, 1203))
    synced = _cli("--data-dir", str(data_dir), "--once")
    assert synced.returncode == 0, synced.stderr
    assert "1203 stored" in synced.stdout
    assert "in 3 batches" in synced.stdout

    assert sorted(db.uuids(enrollment.device_id)) == sorted(taps)
    assert db.batch_count(enrollment.device_id) == 3
    exported = csv.DictReader(io.StringIO(live.cli("export").stdout.lstrip("\ufeff")))
    mine = [row["rating_uuid"] for row in exported if row["device_id"] == enrollment.device_id]
    assert sorted(mine) == sorted(taps)
    assert set(states(data_dir).values()) == {"synced"}

    # The catalog arrived and is the one the server has; the heartbeat reached the server.
    assert (data_dir / "catalog.json").read_bytes() == demo_catalog_bytes()
    kiosks = json.loads(live.cli("kiosks", "--json").stdout)
    (me,) = [k for k in kiosks if k.get("device_id") == enrollment.device_id]
    assert me["last_heartbeat"]["pending_count"] == 0

    status = _cli("--data-dir", str(data_dir), "--status", "--json")
    assert status.returncode == 0
    shown = SyncStatus(**json.loads(status.stdout))
    assert shown.state == "ok"
    assert shown.pending_count == 0
    assert shown.catalog_version == "2026.1"
    assert shown.last_success_at is not None


def test_a_second_sync_sends_only_new_records_and_the_catalog_is_not_refetched(
    live_sqlite, data_dir
):
    live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, live.url)
    first = set(tap(data_dir, 7))
    report = job(data_dir).run_once()
    assert (report.stored, report.catalog_updated) == (7, True)
    more = set(tap(data_dir, 5))
    sync = job(data_dir)
    report = sync.run_once()
    sync.close()
    assert (report.stored, report.duplicates, report.catalog_updated) == (5, 0, False)
    check_invariants(db, data_dir, device, first | more)


def test_a_wrong_tablet_clock_does_not_lock_the_kiosk_out(live_sqlite, data_dir):
    live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, live.url)
    taps = set(tap(data_dir, 3))
    import time

    sync = job(data_dir, clock=lambda: time.time() - 6 * 3600)  # six hours behind
    report = sync.run_once()
    sync.close()
    assert report.stored == 3
    check_invariants(db, data_dir, device, taps)
    assert abs(read_status(data_dir).consecutive_failures) == 0


def test_records_the_server_refuses_are_set_aside_with_the_reason(live_sqlite, data_dir):
    live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, live.url)
    good = set(tap(data_dir, 2))
    bad = set(tap(data_dir, 1, service_id="not-in-the-catalog"))
    report = job(data_dir).run_once()
    assert (report.stored, report.rejected) == (2, 1)
    with Store(KioskFiles(data_dir).db_path) as store:
        aside = {r.uuid: why for r, why in store.quarantined()}
    assert set(aside) == bad
    assert next(iter(aside.values())).startswith("unknown_service")
    assert set(db.uuids(device)) == good
    assert read_status(data_dir).quarantined_count == 1


def test_revoked_kiosk_stops_keeps_its_data_and_works_again_after_re_enrolling(
    live_sqlite, data_dir
):
    live, db = live_sqlite
    name, code = db.issue_code()
    device = enroll(data_dir, live.url, code).device_id
    taps = set(tap(data_dir, 4))
    live.cli("revoke-kiosk", name)
    with pytest.raises(AuthError) as caught:
        job(data_dir).run_once()
    assert caught.value.code == "revoked"
    assert set(states(data_dir).values()) == {"pending"}
    assert read_status(data_dir).state == "stopped"

    code = live.reenroll_kiosk(name)
    enroll(data_dir, live.url, code)
    assert job(data_dir).run_once().stored == 4
    check_invariants(db, data_dir, device, taps)


def test_enrollment_refusals_are_plain_and_change_nothing(live_sqlite, data_dir):
    live, _db = live_sqlite
    with pytest.raises(EnrollmentError) as caught:
        enroll(data_dir, live.url, "AAAA-AAAA")
    assert caught.value.code == "code_invalid"
    assert KioskFiles(data_dir).enrollment() is None
    refused = _cli("--data-dir", str(data_dir), "--enroll", live.url, "BBBB-BBBB")
    assert refused.returncode == 3
    assert "not valid" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_server_restored_from_a_backup_gets_the_lost_records_again(live_sqlite, data_dir):
    live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, live.url)
    early = set(tap(data_dir, 10))
    job(data_dir).run_once()
    backup = data_dir.parent / "server-backup"
    backup_server_db(live, backup)
    late = set(tap(data_dir, 10))
    job(data_dir).run_once()
    assert set(db.uuids(device)) == early | late

    restore_server_db(live, backup)
    assert set(db.uuids(device)) == early  # the server lost the late ones

    report = job(data_dir).run_once()
    assert report.resent == 10
    assert report.stored == 10
    check_invariants(db, data_dir, device, early | late)


def test_background_sync_runs_reports_status_and_stops(live_sqlite, data_dir):
    live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, live.url)
    taps = set(tap(data_dir, 25))
    seen: list[SyncStatus] = []
    changed = threading.Condition()

    def on_status(status: SyncStatus) -> None:
        with changed:
            seen.append(status)
            changed.notify_all()

    def synced(uploaded: int) -> bool:
        """Wait for a finished run that uploaded ``uploaded`` records."""
        with changed:
            return changed.wait_for(
                lambda: any(s.state == "ok" and s.last_run_uploaded == uploaded for s in seen),
                timeout=30,
            )

    background = BackgroundSync(data_dir, on_status=on_status, interval_s=3600)
    background.start()
    try:
        assert synced(25), [s.state for s in seen]
        taps |= set(tap(data_dir, 5))
        background.sync_now()  # cuts the hour-long wait short
        assert synced(5), [s.state for s in seen]
    finally:
        assert background.stop(timeout=30)
    assert not background.running
    assert background.ended == "stopped"
    assert "syncing" in [s.state for s in seen]
    check_invariants(db, data_dir, device, taps)
    assert background.status().pending_count == 0


def test_success_resets_the_backoff(live_sqlite, data_dir):
    live, db = live_sqlite
    enroll_new_kiosk(db, data_dir, live.url)
    backoff = Backoff(rand=lambda: 1.0)
    for _ in range(5):
        backoff.next_delay()
    stop = threading.Event()
    delays: list[float] = []

    def sleep(delay: float) -> None:
        delays.append(delay)
        stop.set()

    job(data_dir, backoff=backoff, sleep=sleep, interval_s=120).run_forever(stop)
    assert delays == [120]
    assert backoff.attempt == 0


def test_retention_default_is_ninety_days(data_dir):
    assert job(data_dir).retention == timedelta(days=90)


def test_background_sync_stops_on_revocation_and_resumes_after_re_enrolling(live_sqlite, data_dir):
    live, db = live_sqlite
    name, code = db.issue_code()
    device = enroll(data_dir, live.url, code).device_id
    live.cli("revoke-kiosk", name)
    taps = set(tap(data_dir, 6))
    states_seen: list[str] = []
    ok = threading.Event()

    def on_status(status: SyncStatus) -> None:
        states_seen.append(status.state)
        if status.state == "ok":
            ok.set()

    background = BackgroundSync(data_dir, on_status=on_status, interval_s=3600)
    background.start()
    try:
        assert background.join(30)
        assert background.ended == "auth"
        assert states_seen[-1] == "stopped"
        assert background.status().pending_count == 6

        enroll(data_dir, live.url, live.reenroll_kiosk(name))
        background.sync_now()  # the admin panel's button after re-enrolling
        assert ok.wait(30)
    finally:
        assert background.stop(timeout=30)
    check_invariants(db, data_dir, device, taps)
