"""Slow work (disk, network) off the GUI thread, with the result delivered back on it.

The worker never touches a widget: ``done`` runs on the GUI thread, carried there by a queued
signal, with either the function's result or the exception it raised. The workers (and
``concurrent.futures``) come with the first task, which the kiosk hands over only after its
first frame.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger("ui.tasks")


class Tasks(QObject):
    delivered = Signal(object, object)

    def __init__(self, parent: QObject | None = None, workers: int = 2) -> None:
        super().__init__(parent)
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self.delivered.connect(self._deliver)
        self.pending = 0

    def run(self, work: Callable[[], Any], done: Callable[[Any], None]) -> Future[Any]:
        """Run ``work()`` on a worker; call ``done(result_or_exception)`` on this thread."""
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="ui-task")
        self.pending += 1
        future = self._pool.submit(work)
        future.add_done_callback(partial(self._finished, done))
        return future

    def _finished(self, done: Callable[[Any], None], future: Future[Any]) -> None:
        error = future.exception()
        self.delivered.emit(done, error if error is not None else future.result())

    def _deliver(self, done: Callable[[Any], None], result: Any) -> None:
        self.pending -= 1
        owner = getattr(done, "__self__", None)
        if isinstance(owner, QObject) and not shiboken6.isValid(owner):
            return  # the screen that asked was closed meanwhile (e.g. the staff panel)
        try:
            done(result)
        except Exception:
            log.exception("a background task's result could not be shown")

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=False)
