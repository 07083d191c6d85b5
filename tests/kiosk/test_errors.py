"""Storage failures are sorted by SQLite's error codes: the tablet's conditions become a
:class:`StorageError` staff can act on, programming errors stay what they are. Each condition
is produced for real where SQLite allows it; an I/O error, which a test cannot provoke on a
sound disk, is injected with its real code."""

from __future__ import annotations

import sqlite3

import pytest

from kiosk.errors import SQLITE_IOERR, StorageError, storage_errors, storage_kind
from kiosk.storage import Store
from tests.helpers import draft


def kind_of(path, action) -> str | None:
    try:
        with storage_errors(path):
            action()
    except StorageError as exc:
        return exc.kind
    return None


def test_a_full_disk(tmp_path):
    with Store(tmp_path / "k.db") as store:
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")
        big = draft(kind="comment", score=None, comment="y" * 100_000)
        with pytest.raises(StorageError) as caught:
            store.append(big)
    assert caught.value.kind == "full"
    assert str(caught.value).startswith("The tablet's storage is full.")


def test_a_file_that_is_no_database(tmp_path):
    path = tmp_path / "k.db"
    path.write_bytes(b"not a database" * 500)
    conn = sqlite3.connect(path)
    assert kind_of(path, lambda: conn.execute("SELECT * FROM sqlite_schema").fetchall()) == (
        "corrupt"
    )
    conn.close()


def test_read_only_storage(tmp_path):
    with Store(tmp_path / "k.db") as store:
        store.append(draft())
    conn = sqlite3.connect(f"{(tmp_path / 'k.db').as_uri()}?mode=ro", uri=True)
    assert kind_of(tmp_path, lambda: conn.execute("DELETE FROM records")) == "readonly"
    conn.close()


def test_a_database_busy_with_another_writer(tmp_path):
    path = tmp_path / "k.db"
    with Store(path) as holder:
        holder.conn.execute("BEGIN IMMEDIATE")
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        assert kind_of(path, lambda: other.execute("BEGIN IMMEDIATE")) == "busy"
        other.close()
        holder.conn.execute("ROLLBACK")


def test_a_file_that_cannot_be_opened(tmp_path):
    with pytest.raises(StorageError) as caught:
        Store(tmp_path)  # a folder where the file should be
    assert caught.value.kind == "io"


def test_an_io_error_by_its_extended_code():
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = SQLITE_IOERR | 3 << 8  # SQLITE_IOERR_WRITE
    error.sqlite_errorname = "SQLITE_IOERR_WRITE"
    assert storage_kind(error) == "io"


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("SELEC 1", sqlite3.OperationalError),  # a typo
        ("SELECT no_such_column FROM records", sqlite3.OperationalError),
        ("INSERT INTO records (uuid) VALUES (NULL)", sqlite3.IntegrityError),
    ],
)
def test_programming_errors_are_not_disk_problems(tmp_path, sql, error):
    with (
        Store(tmp_path / "k.db") as store,
        pytest.raises(error) as caught,
        storage_errors(store.path),
    ):
        store.conn.execute(sql)
    assert storage_kind(caught.value) is None


def test_misusing_a_closed_connection_is_a_programming_error(tmp_path):
    store = Store(tmp_path / "k.db")
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        store.count()


def test_words_for_staff_are_short_and_true():
    for kind, words in StorageError.MESSAGES.items():
        assert "lost" not in words  # a storage failure cannot promise that
        assert len(words) < 80, kind
