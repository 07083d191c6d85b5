"""The ``kiosk`` command as staff start it: clear messages instead of tracebacks."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from common.catalog import demo_catalog_bytes
from kiosk.storage import SCHEMA_VERSION, Store
from ui.main import data_folder, parse_args


def run_kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_a_bad_catalog_is_named_with_its_field(tmp_path):
    data = json.loads(demo_catalog_bytes())
    del data["services"][0]["name"]["en"]
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(data), encoding="utf-8")
    result = run_kiosk("--catalog", str(catalog), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2
    assert f"{catalog}: services[0].name.en: is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_damaged_database_is_kept_aside_and_the_kiosk_starts(tmp_path):
    """A file that is no database at all: nothing can be read from it, but the kiosk keeps it
    and starts on a fresh database rather than stopping (and being restarted by systemd for
    ever)."""
    data_dir = tmp_path / "d"
    data_dir.mkdir()
    (data_dir / "kiosk.db").write_bytes(b"garbage" * 1000)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    kiosk = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--windowed", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    log = data_dir / "kiosk.log"
    try:
        deadline = time.monotonic() + 60
        while "started with data in" not in (log.read_text() if log.exists() else ""):
            assert kiosk.poll() is None, kiosk.communicate()[1]
            assert time.monotonic() < deadline, "the kiosk did not start"
            time.sleep(0.1)  # polling another process's log: no Qt event loop to wait on here
    finally:
        kiosk.terminate()
        _out, stderr = kiosk.communicate(timeout=30)
    (kept,) = data_dir.glob("kiosk-damaged-*.db")
    assert kept.read_bytes() == b"garbage" * 1000
    assert "salvage" in log.read_text()
    assert "Traceback" not in stderr
    with Store(data_dir / "kiosk.db") as store:
        assert [action for _at, action, _detail in store.audit_log()] == ["salvage"]


def test_what_salvage_cannot_mend_stops_the_kiosk_with_a_clear_message(tmp_path):
    """A database of a newer app version is not damaged: it is refused, never replaced."""
    data_dir = tmp_path / "d"
    data_dir.mkdir()
    newer(data_dir / "kiosk.db")
    before = (data_dir / "kiosk.db").read_bytes()
    result = run_kiosk("--data-dir", str(data_dir))
    assert result.returncode == 3
    assert "newer than this app knows" in result.stderr
    assert "Traceback" not in result.stderr
    assert (data_dir / "kiosk.db").read_bytes() == before


def test_the_demo_keeps_its_data_in_a_folder_of_its_own(tmp_path):
    """``--demo`` opens ``DATA_DIR/demo/kiosk.db`` (here one the kiosk refuses, so that it
    stops at once) and never the real kiosk's database beside it."""
    data_dir = tmp_path / "d"
    (data_dir / "demo").mkdir(parents=True)
    newer(data_dir / "demo" / "kiosk.db")
    result = run_kiosk("--demo", "--data-dir", str(data_dir))
    assert result.returncode == 3
    assert str(data_dir / "demo" / "kiosk.db") in result.stderr
    assert not (data_dir / "kiosk.db").exists()
    assert data_folder(parse_args(["--demo", "--data-dir", "/x"])) == Path("/x/demo")
    assert data_folder(parse_args(["--data-dir", "/x"])) == Path("/x")


def newer(path: Path) -> None:
    """A kiosk database written by a newer version of the app."""
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()


def test_version_and_help():
    result = run_kiosk("--help")
    assert result.returncode == 0
    for option in ("--demo", "--windowed", "--data-dir", "--catalog"):
        assert option in result.stdout
