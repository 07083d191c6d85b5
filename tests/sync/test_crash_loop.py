"""The crash loop (``bench/crash_loop.py``) in CI: 100 kiosk processes SIGKILLed at random
moments while citizens rate and the background sync runs; nothing lost, nothing twice,
nothing unexpected, an intact database and chain. The bench itself runs 1 000 and more."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.sync.helpers import REPO_ROOT, subprocess_env

CYCLES = 100


def test_a_hundred_random_kills_lose_nothing_and_double_nothing(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "crash_loop.py"), "--cycles", str(CYCLES),
         "--seed", "11", "--json"],
        cwd=tmp_path,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=240,
    )  # fmt: skip
    assert result.stdout, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["cycles"] == CYCLES
    assert (figures["lost"], figures["duplicated"], figures["unexpected"]) == (0, 0, 0)
    assert figures["integrity"] == "ok"
    assert figures["chain_intact"]
    assert figures["server_mark"] == figures["records"] == figures["on_server"]
    assert figures["records"] >= figures["acknowledged"] > CYCLES
    assert (figures["pending"], figures["set_aside"], figures["save_failures"]) == (0, 0, 0)
    assert figures["kiosk_tracebacks"] == 0
    # The kills hit the sync too, not only the taps: batches were in flight when killed.
    assert figures["kills_with_batch_in_flight"] > 0
    assert result.returncode == 0, result.stdout
