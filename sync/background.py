"""The app's sync: :class:`sync.job.SyncJob` in a daemon thread, with no Qt in here.

Why a thread of its own: an upload may wait a minute on a slow network, and the citizen's
screen must never wait with it. The thread owns its own database connection; it reports each
new status through ``on_status``, called on the sync thread, which a UI must hand to its own
thread (for Qt: emit a signal from the callback).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sync.job import SyncJob
from sync.status import SyncStatus, read_status

log = logging.getLogger("sync.background")


class BackgroundSync:
    """Runs :class:`SyncJob` in a daemon thread for the app."""

    def __init__(
        self,
        data_dir: Path | str,
        on_status: Callable[[SyncStatus], None] | None = None,
        **job_options: Any,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.on_status = on_status
        self.job_options = job_options
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.ended: str | None = None
        """Why the last thread ended: ``"stopped"``, ``"auth"`` or ``"crashed"``."""

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            self._stop.clear()
            self._wake.clear()
            self.ended = None
            self._thread = threading.Thread(target=self._run, name="kiosk-sync", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        job = SyncJob(self.data_dir, on_status=self.on_status, **self.job_options)
        try:
            self.ended = job.run_forever(self._stop, self._wake)
        except Exception:
            log.exception("sync thread ended unexpectedly")
            self.ended = "crashed"

    def sync_now(self) -> None:
        """Sync as soon as possible; restarts the thread if it stopped (e.g. after re-enroll)."""
        if not self.running:
            self.start()
        self._wake.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end by itself (e.g. after a refusal); True if it has."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.running

    def stop(self, timeout: float | None = 30.0) -> bool:
        """Ask the thread to end and wait; False if it is still busy (e.g. in a request)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def status(self) -> SyncStatus:
        return read_status(self.data_dir)
