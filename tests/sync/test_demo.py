"""The demo kiosk's ratings never reach a server: its database is marked, and neither enrolling
it nor syncing it sends anything, even with a real kiosk's enrollment copied in beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.storage import Store
from sync.background import BackgroundSync
from sync.demo import DemoData
from sync.enrollment import enroll
from sync.keys import KioskFiles
from sync.status import read_status
from tests.sync.helpers import FAST_CLIENT, job, states, tap


def demo_kiosk(data_dir: Path, device_id: str | None = None) -> set[str]:
    """A demo kiosk's database (as ``kiosk --demo`` marks it) with three ratings."""
    with Store(KioskFiles(data_dir).db_path) as store:
        if device_id is not None:
            store.set_meta("device_id", device_id)
        store.mark_demo()
    return set(tap(data_dir, 3))


def test_enrolling_the_demo_is_refused_before_the_server_is_asked(live_sqlite, tmp_path):
    live, db = live_sqlite
    demo = tmp_path / "demo"
    demo_kiosk(demo)
    _name, code = db.issue_code()
    with pytest.raises(DemoData):
        enroll(demo, live.url, code, client_options=FAST_CLIENT)
    assert KioskFiles(demo).enrollment() is None
    real = tmp_path / "real"
    enrollment = enroll(real, live.url, code, client_options=FAST_CLIENT)
    assert enrollment.server_url == live.url  # the code was left unused for a real kiosk


def test_a_demo_rating_never_reaches_the_server(live_sqlite, tmp_path):
    live, db = live_sqlite
    real, demo = tmp_path / "real", tmp_path / "demo"
    _name, code = db.issue_code()
    device_id = enroll(real, live.url, code, client_options=FAST_CLIENT).device_id
    # The worst case: the demo database made to look like the enrolled kiosk's.
    taps = demo_kiosk(demo, device_id)
    real_files, demo_files = KioskFiles(real), KioskFiles(demo)
    shutil.copy(real_files.key_path, demo_files.key_path)
    shutil.copy(real_files.enrollment_path, demo_files.enrollment_path)

    with pytest.raises(DemoData):
        job(demo).run_once()
    assert read_status(demo).state == "demo"
    background = BackgroundSync(demo, client_options=FAST_CLIENT)
    background.start()
    assert background.join(timeout=30)
    assert background.ended == "demo"
    assert db.uuids(device_id) == []
    assert set(states(demo).values()) == {"pending"}

    # Unmarked, the very same files would have been uploaded: the mark is what stops them.
    with Store(demo_files.db_path) as store:
        store.set_meta("demo", "0")
    job(demo).run_once()
    assert set(db.uuids(device_id)) == taps
