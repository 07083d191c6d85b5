"""The kiosk runs for months without a restart: its memory must not grow with the citizens.

Two thousand citizens rate through the real window (``tests/ui/citizens.py``), writing to a
real SQLite file through the writer thread; after a warm-up (caches filling, SQLite's page
cache reaching its bound, Qt's glyph and pixmap caches) the process's resident memory may
move by allocator noise, not by a leak of a few hundred bytes per citizen, which would show
here as megabytes. The bound is generous so that a busy machine cannot fail it; how much the
app grows per 10 000 citizens is measured by ``bench/memory_sessions.py``.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from kiosk.settings import Settings
from tests.sync.helpers import REPO_ROOT, subprocess_env
from tests.ui.citizens import Citizens, resident_mib

WARMUP = 400
SESSIONS = 1600
GROWTH_LIMIT_MIB = 4.0
"""A leak of 2.5 KiB per citizen crosses it; allocator noise after the warm-up stays below
1 MiB."""


@pytest.mark.slow  # each session shows six screens: about 50–100 ms apiece on 2 cores
@pytest.mark.no_qt_log  # Qt's offscreen messages, kept per test, would grow the memory measured
def test_memory_stays_flat_over_two_thousand_citizens(make_app):
    kiosk = make_app(Settings(default_language="ka"))
    citizens = Citizens(kiosk.window, kiosk.app.flow, kiosk.clock)
    citizens.run(WARMUP)
    before = resident_mib()
    citizens.run(SESSIONS, first=WARMUP)
    grown = resident_mib() - before
    ratings = [r for r in kiosk.app.store.records() if r.kind == "rating"]
    assert len(ratings) == WARMUP + SESSIONS  # every citizen was heard
    assert grown < GROWTH_LIMIT_MIB, f"resident memory grew by {grown:.1f} MiB"


def test_the_memory_bench_runs_and_prints_growth_per_ten_thousand():
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "memory_sessions.py"),
         "--sessions", "12", "--warmup", "4", "--every", "6", "--trace", "--top", "3"],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert re.search(r"MiB per 10 000 \(target ≤ 5: \d+\.\d\d of it, (PASS|MISS)\)", result.stdout)
    assert "tracemalloc, top 3" in result.stdout
