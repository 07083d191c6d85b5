"""Random sequences of taps, faulty syncs, crashes, restarts and server restores.

After every step: every tap is on the server or still pending on the kiosk, no record is on
the server twice, and nothing is marked synced that the server does not hold. Each example is
a new kiosk (fresh data directory and enrollment) on one shared server, so examples do not see
each other's records.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from common import protocol
from sync.client import SyncError
from sync.job import SyncJob
from tests.server.live import LiveServer
from tests.sync.faultproxy import (
    DROP_RESPONSE,
    GARBAGE,
    RESET_BEFORE,
    SLOW,
    STATUS,
    TRUNCATE,
    Fault,
    FaultProxy,
)
from tests.sync.helpers import (
    ServerDB,
    backup_server_db,
    check_invariants,
    enroll_new_kiosk,
    job,
    restore_server_db,
    tap,
)
from tests.sync.test_crash import kill_sync_at_hold

BATCHES = protocol.PATH_BATCHES
MACHINE_CLIENT = {"connect_timeout": 2.0, "read_timeout": 0.5, "deadline": 10.0}
FAULTS = [
    None,
    Fault(RESET_BEFORE),
    Fault(DROP_RESPONSE),
    Fault(SLOW, delay=10),
    Fault(STATUS, status=500, forward=True),
    Fault(STATUS, status=503, headers={"Retry-After": "1"}),
    Fault(STATUS, status=401),
    Fault(STATUS, status=413),
    Fault(TRUNCATE),
    Fault(GARBAGE),
]
MAX_CRASHES = 2


class KioskSync(RuleBasedStateMachine):
    live: LiveServer
    db: ServerDB
    proxy: FaultProxy
    workdir: Path

    def __init__(self) -> None:
        super().__init__()
        self.data_dir = Path(tempfile.mkdtemp(dir=self.workdir))
        self.proxy.clear()
        self.proxy.exchanges.clear()
        self.proxy.arm_hold()
        self.device = enroll_new_kiosk(self.db, self.data_dir, self.proxy.url)
        self.taps: set[str] = set()
        self.job: SyncJob | None = None
        self.backup: Path | None = None
        self.restored = False
        self.crashes = 0

    def _job(self) -> SyncJob:
        if self.job is None:
            self.job = job(self.data_dir, max_batch_records=7, client_options=MACHINE_CLIENT)
        return self.job

    def _close_job(self) -> None:
        if self.job is not None:
            self.job.close()
            self.job = None

    @rule(count=st.integers(min_value=1, max_value=20))
    def tap(self, count: int) -> None:
        self.taps |= set(tap(self.data_dir, count))

    @rule(fault=st.sampled_from(FAULTS), after=st.integers(min_value=0, max_value=2))
    def sync(self, fault: Fault | None, after: int) -> None:
        if fault is not None:
            self.proxy.add(replace(fault, path=BATCHES, after=after))
        try:
            self._job().run_once()
        except SyncError:
            pass
        finally:
            self.proxy.clear()

    @precondition(lambda self: self.crashes < MAX_CRASHES)
    @rule(stage=st.sampled_from(["before", "after"]))
    def crash(self, stage: str) -> None:
        """Another process syncs and is killed while its first batch is on the wire."""
        self._close_job()
        self.crashes += 1
        self.proxy.arm_hold()
        self.proxy.add(Fault("hold", path=BATCHES, stage=stage, delay=60))
        kill_sync_at_hold(self.proxy, self.data_dir)

    @rule()
    def restart(self) -> None:
        """The app closes and starts again: a new job reads everything from disk."""
        self._close_job()

    @precondition(lambda self: self.backup is None)
    @rule()
    def back_up_server(self) -> None:
        self.backup = Path(tempfile.mkdtemp(dir=self.workdir))
        backup_server_db(self.live, self.backup)

    @precondition(lambda self: self.backup is not None and not self.restored)
    @rule()
    def restore_server_from_backup(self) -> None:
        """The server loses everything since the backup; the next clean sync must repair it."""
        assert self.backup is not None
        self.restored = True
        restore_server_db(self.live, self.backup)
        self._close_job()
        repair = job(self.data_dir, max_batch_records=7)  # generous timeouts: must succeed
        try:
            repair.run_once()
        finally:
            repair.close()

    @invariant()
    def nothing_lost_nothing_twice(self) -> None:
        check_invariants(self.db, self.data_dir, self.device, self.taps)

    def teardown(self) -> None:
        self._close_job()
        self.proxy.clear()


def test_sync_survives_any_sequence_of_faults(live_sqlite, proxy, tmp_path):
    live, db = live_sqlite
    KioskSync.live = live
    KioskSync.db = db
    KioskSync.proxy = proxy
    KioskSync.workdir = tmp_path
    run_state_machine_as_test(
        KioskSync,
        settings=settings(
            max_examples=15,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
