"""The web-load and fault benches run in CI at a tiny size, so they keep working (a small run
of the fault bench once waited for more records than its whole backlog); their timings are
printed, never judged here. What is checked is what they check themselves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.server.live import PG_ENV

REPO = Path(__file__).resolve().parents[2]


def run_bench(script: str, *args: str) -> str:
    env = dict(os.environ)
    if not env.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set")
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), "--pg-url", env[PG_ENV], *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_fault_bench_loses_and_doubles_nothing_at_a_small_size() -> None:
    out = run_bench(
        "faults.py", "--ratings", "80", "--kills", "1", "--backlog", "40", "--pace-ms", "10",
        "--json",
    )  # fmt: skip
    figures = json.loads(out.strip().splitlines()[-1])
    assert figures["ok"] is True
    assert (figures["lost"], figures["duplicated"], figures["unexpected"]) == (0, 0, 0)
    assert figures["on_server"] == figures["records"] >= 80
    assert [f["fault"] for f in figures["faults"]][-1] == "PostgreSQL restart (relay)"


def test_web_load_bench_stores_the_phones_ratings() -> None:
    out = run_bench(
        "web_load.py", "--workers", "1", "--phones", "2", "--clients", "2", "--seconds", "2",
        "--warmup", "1",
    )  # fmt: skip
    assert "open rating (GET /rate, POST /rate/answer)" in out
    stored = next(line for line in out.splitlines() if "ratings stored:" in line)
    assert "'web-open': " in stored and "'web-verified': " in stored
