"""The ingest benches run in CI at a tiny size, so they keep working; their figures are printed,
never judged here (timing on a shared CI machine says nothing). What is checked is what they
check themselves: every record uploaded, stored once, and their floor measured in the run."""

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


def run_bench(script: str, backend: str, *args: str) -> dict[str, Any]:
    """The bench's JSON figures (its last line) after a successful run."""
    env = dict(os.environ)
    if backend == "postgres":
        if not env.get(PG_ENV):
            pytest.skip(f"{PG_ENV} is not set")
        backend_args = ["--pg-url", env[PG_ENV]]
    else:
        backend_args = ["--sqlite"]
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), *args, *backend_args, "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_sync_backlog_bench(backend: str) -> None:
    figures = run_bench(
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
    figures = run_bench(
        "ingest_concurrency.py", backend,
        "--kiosks", "3", "--batches", "2", "--records", "20", "--workers", "1", "2",
    )  # fmt: skip
    assert [r["workers"] for r in figures["rounds"]] == [1, 2]
    for done in figures["rounds"]:
        assert done["records"] == done["stored"] == 3 * 2 * 20
        assert done["failures"] == 0
        assert done["floor_per_s"] > 0
        assert done["p50_s"] <= done["p99_s"] <= done["max_s"]
