"""A kiosk exports before it ever has a network, city hall imports the file, then the kiosk is
enrolled and syncs: it enrolls with the key its files were signed with, so the server keeps one
key for the device, later files still import, and every rating is counted once."""

from __future__ import annotations

from pathlib import Path

from common import protocol
from kiosk.export import write_export
from kiosk.keys import device_key
from kiosk.storage import Store
from sync.enrollment import enroll
from sync.keys import KioskFiles
from tests.sync.helpers import CENTER, FAST_CLIENT, check_invariants, job, tap


def _export(data_dir: Path, folder: Path) -> Path:
    folder.mkdir()
    with Store(KioskFiles(data_dir).db_path) as store:
        return write_export(store, folder, CENTER).path


def _key_on_server(live, device_id: str) -> str:
    (row,) = live.query("SELECT public_key FROM kiosks WHERE device_id = :d", d=device_id)
    return row[0]


def test_offline_export_import_then_enroll_and_sync_counts_once(live_sqlite, data_dir, tmp_path):
    live, db = live_sqlite
    key = protocol.public_key_b64(device_key(data_dir))  # what the app does at start-up
    taps = set(tap(data_dir, 4, center_id=CENTER))
    with Store(KioskFiles(data_dir).db_path) as store:
        device = store.device_id

    first = live.cli("import", str(_export(data_dir, tmp_path / "usb-1")))
    assert "stored 4, duplicates 0, rejected 0" in first.stdout
    assert _key_on_server(live, device) == key  # kept on the offline entry

    code = live.reenroll_kiosk(f"offline-{device[:8]}")
    enroll(data_dir, live.url, code, client_options=FAST_CLIENT)
    assert _key_on_server(live, device) == key  # enrolled with the same key
    assert protocol.public_key_b64(KioskFiles(data_dir).private_key()) == key

    taps |= set(tap(data_dir, 2, center_id=CENTER))
    report = job(data_dir).run_once()
    assert report.stored == 2  # the 4 imported ones are known to the server already
    check_invariants(db, data_dir, device, taps)

    # A file exported after enrolling verifies against the key the kiosk enrolled with.
    taps |= set(tap(data_dir, 1, center_id=CENTER))
    later = live.cli("import", str(_export(data_dir, tmp_path / "usb-2")))
    assert "stored 1, duplicates 0, rejected 0" in later.stdout
    check_invariants(db, data_dir, device, taps)
    assert len(db.uuids(device)) == 7
