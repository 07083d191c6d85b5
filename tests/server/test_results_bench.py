"""The results pages' bench runs in CI at a tiny size, so it keeps working (it had stopped
importing once, unnoticed); its figures are printed, never judged here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.server.live import BACKENDS, PG_ENV

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("backend", BACKENDS)
def test_results_bench_runs_at_a_small_size(backend: str) -> None:
    env = dict(os.environ)
    if backend == "postgres":
        if not env.get(PG_ENV):
            pytest.skip(f"{PG_ENV} is not set")
        backend_args = ["--pg-url", env[PG_ENV]]
    else:
        backend_args = ["--sqlite"]
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "results.py"), "--ratings", "1500",
         "--repeat", "1", "--download-repeat", "1", *backend_args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    pages = [line for line in result.stdout.splitlines() if line.startswith("| `/")]
    assert any("/results?period=" in line for line in pages), result.stdout
    assert any("/staff/ratings/download?format=xlsx" in line for line in pages), result.stdout
