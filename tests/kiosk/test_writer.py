"""The database thread: writes in order, never blocks the caller, survives what it meets."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import pytest

from common.records import Record
from kiosk.errors import StorageError
from kiosk.flow import SaveResult
from kiosk.writer import CHECKPOINT_AFTER, RecordWriter
from tests.helpers import draft


@pytest.fixture
def writer(tmp_path, clock):
    opened = RecordWriter(tmp_path / "kiosk.db", clock=clock.utc)
    yield opened
    opened.close()


def collect() -> tuple[list[SaveResult], threading.Event, Callable[[SaveResult], None]]:
    results: list[SaveResult] = []
    done = threading.Event()

    def keep(result: SaveResult) -> None:
        results.append(result)
        done.set()

    return results, done, keep


def test_writes_run_in_order_on_one_thread_other_than_the_callers(writer):
    threads: list[str] = []
    results, _done, keep = collect()
    writer.save(draft(score=1), keep)
    writer.audit("settings", "idle_timeout_s=45")
    writer.set_meta("k", "v")
    writer.submit(lambda store: threads.append(threading.current_thread().name))
    writer.save(draft(score=2), keep)
    assert writer.flush()
    assert [r.seq for r in results if isinstance(r, Record)] == [1, 2]
    assert threads == ["record-writer"]
    assert writer.call(lambda store: store.get_meta("k")) == "v"
    assert writer.call(lambda store: store.audit_log()[0][1:]) == ("settings", "idle_timeout_s=45")


def test_a_call_raises_what_its_work_raised(writer):
    with pytest.raises(KeyError, match="nothing"):
        writer.call(lambda store: dict[str, int]()["nothing"])
    assert writer.call(lambda store: store.count()) == 0  # and the thread goes on


def test_a_full_disk_is_reported_in_one_line_and_the_next_write_works(writer, caplog):
    kept: list[Record] = writer.call(lambda store: [store.append(draft())])
    pages = writer.call(lambda store: store.conn.execute("PRAGMA page_count").fetchone()[0])
    writer.call(lambda store: store.conn.execute(f"PRAGMA max_page_count = {pages}"))
    results, done, keep = collect()
    writer.save(draft(kind="comment", score=None, comment="y" * 100_000), keep)
    assert done.wait(10)
    (failed,) = results
    assert isinstance(failed, StorageError) and failed.kind == "full"
    assert writer.last_error is failed
    (line,) = [r for r in caplog.records if r.name == "kiosk.writer"]
    assert line.levelno == logging.WARNING and line.exc_info is None  # no traceback
    assert "saving a comment failed: The tablet's storage is full." in line.getMessage()

    writer.call(lambda store: store.conn.execute("PRAGMA max_page_count = 1000000"))
    results, done, keep = collect()
    writer.save(draft(), keep)
    assert done.wait(10)
    assert isinstance(results[0], Record) and results[0].seq == kept[0].seq + 1


def test_a_fault_in_the_program_is_logged_with_its_traceback_and_the_thread_survives(
    writer, caplog
):
    results, done, keep = collect()
    writer.submit(lambda store: store.conn.execute("SELEC 1"), keep, "a broken query")
    assert done.wait(10)
    assert isinstance(results[0], StorageError) and results[0].kind == "unexpected"
    (line,) = [r for r in caplog.records if r.name == "kiosk.writer"]
    assert line.levelno == logging.ERROR and line.exc_info is not None
    assert writer.last_error is None  # not a condition of the tablet
    results, done, keep = collect()
    writer.save(draft(), keep)
    assert done.wait(10)
    assert isinstance(results[0], Record) and results[0].seq == 1


def test_closing_finishes_every_queued_write(tmp_path, clock):
    writer = RecordWriter(tmp_path / "kiosk.db", clock=clock.utc)
    for _ in range(50):
        writer.audit("admin opened")
    writer.close()
    again = RecordWriter(tmp_path / "kiosk.db", clock=clock.utc)
    try:
        assert len(again.call(lambda store: store.audit_log())) == 50
    finally:
        again.close()


def test_the_log_is_copied_into_the_file_between_taps_not_inside_one(writer, tmp_path):
    statements: list[str] = []
    writer.call(lambda store: store.conn.set_trace_callback(statements.append))
    for _ in range(2 * CHECKPOINT_AFTER):
        writer.save(draft(), lambda _result: None)
        writer.flush()  # the next citizen comes later: the thread is idle in between
    assert statements.count("PRAGMA wal_checkpoint(PASSIVE)") >= 2
    # SQLite copies the log itself once it passes 1000 pages, inside the commit that filled
    # it, which a tap would wait for; the copies between taps keep it well below that.
    assert (tmp_path / "kiosk.db-wal").stat().st_size < 600 * (4096 + 24)
