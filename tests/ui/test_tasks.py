"""Background tasks hand results back on the GUI thread, and not to a screen already closed."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtCore import QObject

from ui.tasks import Tasks


class Receiver(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.results: list[object] = []
        self.thread_ok: list[bool] = []

    def take(self, result: object) -> None:
        self.setObjectName("answered")  # touches Qt, as a screen showing the result would
        self.results.append(result)
        self.thread_ok.append(threading.current_thread() is threading.main_thread())


def test_results_and_errors_arrive_on_the_gui_thread(qtbot):
    tasks = Tasks()
    receiver = Receiver()
    tasks.run(lambda: 6 * 7, receiver.take)
    tasks.run(lambda: 1 / 0, receiver.take)
    qtbot.waitUntil(lambda: tasks.pending == 0)
    tasks.shutdown()
    assert receiver.results[0] == 42
    assert isinstance(receiver.results[1], ZeroDivisionError)
    assert receiver.thread_ok == [True, True]


def test_a_result_for_a_closed_screen_is_dropped(qtbot, caplog):
    tasks = Tasks()
    receiver = Receiver()
    release = threading.Event()
    tasks.run(release.wait, receiver.take)
    shiboken6.delete(receiver)  # the staff panel was closed while the task ran
    release.set()
    qtbot.waitUntil(lambda: tasks.pending == 0)
    tasks.shutdown()
    assert "could not be shown" not in caplog.text
