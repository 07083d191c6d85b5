"""The server's benches run in CI at a tiny size, so they keep working; their figures are
printed, never judged here (timing on a shared CI machine says nothing). What is checked is
what they check themselves: every record uploaded, stored once, their floor measured in the
run. (The results bench once stopped importing, and a small run of the fault bench waited for
more records than its whole backlog, both unnoticed until they ran here.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.server.live import BACKENDS, PG_ENV

REPO = Path(__file__).resolve().parents[2]


def bench_output(script: str, backend: str, *args: str) -> str:
    """What the bench printed, after a successful run on ``backend`` ("sqlite" or
    "postgres"; the PostgreSQL runs are skipped without ``$UKUK_PG_URL``)."""
    env = dict(os.environ)
    if backend == "postgres":
        if not env.get(PG_ENV):
            pytest.skip(f"{PG_ENV} is not set")
        backend_args = ["--pg-url", env[PG_ENV]]
    else:
        backend_args = ["--sqlite"]
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), *args, *backend_args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def bench_figures(script: str, backend: str, *args: str) -> dict[str, Any]:
    """The bench's JSON figures (its last line with ``--json``)."""
    out = bench_output(script, backend, *args, "--json")
    return dict(json.loads(out.strip().splitlines()[-1]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_sync_backlog_bench(backend: str) -> None:
    figures = bench_figures(
        "sync_backlog.py", backend,
        "--records", "120", "--naive", "4", "--ceiling", "--workers", "2",
    )  # fmt: skip
    assert figures["workers"] == 2
    assert (figures["uploaded"], figures["naive_uploaded"]) == (120, 4)
    assert figures["stored"] == 3 * 120 + 4  # the catch-up, the server alone twice, naive
    assert figures["floor_per_s"] > 0 and figures["naive_per_s"] > 0
    assert figures["alone_1_per_s"] > 0 and figures["alone_2_per_s"] > 0
    assert figures["floor_ratio"] == pytest.approx(
        figures["catch_up_per_s"] / figures["floor_per_s"]
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_ingest_concurrency_bench(backend: str) -> None:
    figures = bench_figures(
        "ingest_concurrency.py", backend,
        "--kiosks", "3", "--batches", "2", "--records", "20", "--workers", "1", "2",
    )  # fmt: skip
    assert [r["workers"] for r in figures["rounds"]] == [1, 2]
    for done in figures["rounds"]:
        assert done["records"] == done["stored"] == 3 * 2 * 20
        assert done["failures"] == 0
        assert done["floor_per_s"] > 0
        assert done["p50_s"] <= done["p99_s"] <= done["max_s"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_results_bench_runs_at_a_small_size(backend: str) -> None:
    out = bench_output(
        "results.py", backend, "--ratings", "1500", "--repeat", "1", "--download-repeat", "1"
    )
    pages = [line for line in out.splitlines() if line.startswith("| `/")]
    assert any("/results?period=" in line for line in pages), out
    assert any("/staff/ratings/download?format=xlsx" in line for line in pages), out


def test_fault_bench_loses_and_doubles_nothing_at_a_small_size() -> None:
    figures = bench_figures(
        "faults.py", "postgres",
        "--ratings", "80", "--kills", "1", "--backlog", "40", "--pace-ms", "10",
    )  # fmt: skip
    assert figures["ok"] is True
    assert (figures["lost"], figures["duplicated"], figures["unexpected"]) == (0, 0, 0)
    assert figures["on_server"] == figures["records"] >= 80
    assert [f["fault"] for f in figures["faults"]][-1] == "PostgreSQL restart (relay)"


def test_web_load_bench_stores_the_phones_ratings() -> None:
    out = bench_output(
        "web_load.py", "postgres",
        "--workers", "1", "--phones", "2", "--clients", "2", "--seconds", "2", "--warmup", "1",
    )  # fmt: skip
    assert "open rating (GET /rate, POST /rate/answer)" in out
    stored = next(line for line in out.splitlines() if "ratings stored:" in line)
    assert "'web-open': " in stored and "'web-verified': " in stored
