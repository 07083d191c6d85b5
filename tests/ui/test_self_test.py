"""``kiosk --self-test`` finds what it is there to find, and never uses a folder holding data.

The passing runs, from source and from the tablet build, are in ``tests/test_bundle.py``.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from common.records import Record
from kiosk.storage import Draft, Store
from ui.self_test import SelfTestError, check_database

DRAFT = Draft(
    kind="rating",
    rating_uuid=None,
    center_id="central-service-hall",
    service_id="free-canteen",
    catalog_version="2026.1",
    language="ka",
    score=5,
)


def saved_rating(path: Path, clock) -> Record:
    with Store(path, clock.utc) as store:
        return store.append(DRAFT)


def test_the_rating_just_saved_passes(tmp_path, clock):
    path = tmp_path / "kiosk.db"
    check_database(path, saved_rating(path, clock))


def test_a_rating_changed_in_the_file_fails_on_its_hash(tmp_path, clock):
    path = tmp_path / "kiosk.db"
    rating = saved_rating(path, clock)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE records SET service_id = 'other' WHERE seq = 1")
    with pytest.raises(SelfTestError, match=r"record 1 in .* does not match its hash"):
        check_database(path, rating)


def test_a_rating_other_than_the_one_saved_fails(tmp_path, clock):
    """The file is intact, but the flow was told something else was saved."""
    path = tmp_path / "kiosk.db"
    rating = saved_rating(path, clock)
    told = Record(**{**rating.__dict__, "score": 4})
    with pytest.raises(SelfTestError, match="not the one saved"):
        check_database(path, told)


def test_any_other_record_in_the_file_fails(tmp_path, clock):
    path = tmp_path / "kiosk.db"
    rating = saved_rating(path, clock)
    with Store(path, clock.utc) as store:
        store.append(DRAFT)
    with pytest.raises(SelfTestError, match="holds 2 record"):
        check_database(path, rating)


def test_a_chain_head_elsewhere_fails(tmp_path, clock):
    path = tmp_path / "kiosk.db"
    rating = saved_rating(path, clock)
    with Store(path, clock.utc) as store:
        store.set_meta("chain_head", "f" * 64)
    with pytest.raises(SelfTestError, match="chain head"):
        check_database(path, rating)


def test_a_file_that_is_no_database_fails_with_the_reason(tmp_path, clock):
    path = tmp_path / "kiosk.db"
    rating = saved_rating(path, clock)
    path.write_bytes(b"garbage" * 1000)
    with pytest.raises(SelfTestError, match="cannot be read back"):
        check_database(path, rating)


def test_a_folder_with_anything_in_it_is_refused_and_left_alone(tmp_path):
    folder = tmp_path / "kiosk-data"
    folder.mkdir()
    (folder / "kiosk.db").write_bytes(b"a real kiosk's ratings")
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--self-test", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == f"kiosk: self-test: {folder} must be a new or empty folder\n"
    assert [p.name for p in folder.iterdir()] == ["kiosk.db"]
    assert (folder / "kiosk.db").read_bytes() == b"a real kiosk's ratings"


@pytest.mark.skipif(sys.platform not in ("linux", "win32"), reason="no process start time")
def test_the_process_age_is_counted_from_the_process_start():
    """Less than the whole run as seen from outside, and more than the Qt import it follows."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", "from ui.first_frame import process_age_s; print(process_age_s())"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    outside = time.monotonic() - started
    age = float(result.stdout)
    tick = 0.02  # the start time is kept in clock ticks of 10 ms
    assert 0.01 < age <= outside + tick
