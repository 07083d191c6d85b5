"""A sync process killed mid-upload: the next run sends the same batch under the same key."""

from __future__ import annotations

import json
import subprocess

import pytest

from common import protocol
from kiosk.storage import Store
from sync.keys import KioskFiles
from sync.outbox import META_INFLIGHT
from tests.sync.faultproxy import HOLD, Fault
from tests.sync.helpers import (
    REPO_ROOT,
    check_invariants,
    enroll_new_kiosk,
    job,
    states,
    subprocess_env,
    sync_cli,
    tap,
)

BATCHES = protocol.PATH_BATCHES


def kill_sync_at_hold(proxy, data_dir) -> bool:
    """Run ``kiosk-sync --once`` and SIGKILL it once the proxy holds its request; True if held."""
    process = subprocess.Popen(
        sync_cli("--data-dir", str(data_dir), "--once"),
        cwd=REPO_ROOT,
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while process.poll() is None and not proxy.held.wait(0.02):
            pass
        held = proxy.held.is_set()
    finally:
        process.kill()
        process.wait(30)
        proxy.clear()  # releases the held connection
    return held


@pytest.mark.parametrize("stage", ["before", "after"])
def test_killed_during_an_upload_the_same_batch_is_sent_again(
    live_sqlite, clean_proxy, data_dir, stage
):
    _live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, clean_proxy.url)
    taps = set(tap(data_dir, 1100))  # batches of 500, 500, 100
    clean_proxy.add(Fault(HOLD, path=BATCHES, stage=stage, after=1, delay=60))

    assert kill_sync_at_hold(clean_proxy, data_dir)
    check_invariants(db, data_dir, device, taps)
    assert len(db.uuids(device)) == (1000 if stage == "after" else 500)
    assert list(states(data_dir).values()).count("synced") == 500
    with Store(KioskFiles(data_dir).db_path) as store:
        inflight = json.loads(store.get_meta(META_INFLIGHT) or "{}")
    first_keys = [e.headers["idempotency-key"] for e in clean_proxy.requests_to(BATCHES)]
    assert inflight["batch_id"] == first_keys[1]
    assert len(inflight["uuids"]) == 500

    sync = job(data_dir)
    report = sync.run_once()
    sync.close()
    keys = [e.headers["idempotency-key"] for e in clean_proxy.requests_to(BATCHES)]
    assert keys[2] == keys[1]
    assert (report.stored, report.duplicates) == ((100, 500) if stage == "after" else (600, 0))
    check_invariants(db, data_dir, device, taps)
    assert set(db.uuids(device)) == taps
