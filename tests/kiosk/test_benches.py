"""The kiosk storage benches run in CI at a tiny size: they must keep working and print their
ratios. Timings are never judged here (``bench/`` prints PASS or MISS); the bytes on disk
are not timings, and the compact layout must beat the old one."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from tests.sync.helpers import REPO_ROOT, subprocess_env


def run_bench(name: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / name), *args],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_commit_latency_prints_each_percentile_beside_the_floor():
    out = run_bench("commit_latency.py", "--count", "30", "--warmup", "5")
    for p in (50, 99):
        line = next(line for line in out.splitlines() if line.startswith(f"p{p}:"))
        assert re.search(r"tap / floor = \d+\.\d\d \(target ≤ [\d.]+: (PASS|MISS)\)", line)


def test_disk_per_session_stores_sessions_in_fewer_bytes_than_the_old_layout():
    out = run_bench("disk_per_session.py", "--sessions", "60", "--json")
    figures = json.loads(out.strip().splitlines()[-1])
    assert figures["sessions"] == 60 and figures["records"] >= 60
    for state in ("pending", "synced"):
        assert figures[f"current, {state}"] < figures[f"schema 2, {state}"]
    assert "current / schema 2 =" in out
