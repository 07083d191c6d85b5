"""Brings results from the writer thread back to the GUI thread.

The writer calls ``done`` on its own thread; Qt widgets and the :class:`~kiosk.flow.Flow` may
only be touched from the GUI thread, so the result travels through a queued signal.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, Signal

from kiosk.flow import SaveResult
from kiosk.storage import Draft
from kiosk.writer import RecordWriter


class QtSaver(QObject):
    """A :class:`~kiosk.flow.Saver` whose callbacks arrive on the thread this object lives in."""

    delivered = Signal(object, object)

    def __init__(self, writer: RecordWriter, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.writer = writer
        self.delivered.connect(self._deliver)

    def save(self, draft: Draft, done: Callable[[SaveResult], None]) -> None:
        self.writer.save(draft, partial(self.delivered.emit, done))

    @staticmethod
    def _deliver(done: Callable[[SaveResult], None], result: SaveResult) -> None:
        done(result)
