"""The ``kiosk`` command as staff start it: clear messages instead of tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from common.catalog import demo_catalog_bytes
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


def test_a_damaged_database_is_reported_not_replaced(tmp_path):
    data_dir = tmp_path / "d"
    data_dir.mkdir()
    (data_dir / "kiosk.db").write_bytes(b"garbage" * 1000)
    result = run_kiosk("--data-dir", str(data_dir))
    assert result.returncode == 3
    assert "damaged" in result.stderr
    assert "Traceback" not in result.stderr
    assert (data_dir / "kiosk.db").read_bytes() == b"garbage" * 1000


def test_the_demo_keeps_its_data_in_a_folder_of_its_own(tmp_path):
    """``--demo`` opens ``DATA_DIR/demo/kiosk.db`` (here a damaged one, so the kiosk stops
    at once) and never the real kiosk's database beside it."""
    data_dir = tmp_path / "d"
    (data_dir / "demo").mkdir(parents=True)
    (data_dir / "demo" / "kiosk.db").write_bytes(b"garbage" * 1000)
    result = run_kiosk("--demo", "--data-dir", str(data_dir))
    assert result.returncode == 3
    assert str(data_dir / "demo" / "kiosk.db") in result.stderr
    assert not (data_dir / "kiosk.db").exists()
    assert data_folder(parse_args(["--demo", "--data-dir", "/x"])) == Path("/x/demo")
    assert data_folder(parse_args(["--data-dir", "/x"])) == Path("/x")


def test_version_and_help():
    result = run_kiosk("--help")
    assert result.returncode == 0
    for option in ("--demo", "--windowed", "--data-dir", "--catalog"):
        assert option in result.stdout
