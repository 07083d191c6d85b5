"""The kiosk's log stays small and quiet: it rotates at its cap, and a disk that cannot take
it is reported once, in one line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kiosk.logs import KioskLogHandler


@pytest.fixture
def logger():
    logger = logging.getLogger("test.kiosk.logs")
    logger.propagate = False
    yield logger
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()


def test_the_log_rotates_at_its_cap(tmp_path, logger):
    handler = KioskLogHandler(tmp_path / "kiosk.log", max_bytes=10_000, backups=3)
    logger.addHandler(handler)
    for n in range(5_000):  # months offline: a retry line every few minutes
        logger.warning("sync failed (network unreachable); next try in 300 s (%d)", n)
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["kiosk.log", "kiosk.log.1", "kiosk.log.2", "kiosk.log.3"]
    assert all(f.stat().st_size <= 10_000 for f in files)
    assert "(4999)" in (tmp_path / "kiosk.log").read_text()  # the newest lines are kept


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_full_disk_is_said_once_without_a_traceback(logger, capsys):
    handler = KioskLogHandler("/dev/full")  # every write fails with "No space left"
    logger.addHandler(handler)
    for _ in range(20):
        logger.warning("sync failed; next try in 300 s")
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cannot be written" in err and "No space left on device" in err
    assert "Traceback" not in err
    assert handler.failing
