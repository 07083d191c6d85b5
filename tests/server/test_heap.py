"""A server process's app, built as each ``serve`` worker builds it, is out of the garbage
collector's sight afterwards (``common.heap``): no full collection walks it again."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from server.cli import SERVE_ENV, _serve_options, build_parser
from tests.server.live import REPO, LiveServer, _env

PROBE = """
import gc
from server.cli import app_from_environment
app = app_from_environment()
tracked = gc.get_objects()
print(gc.get_freeze_count(), any(o is app.router for o in tracked), len(tracked))
"""


def test_a_worker_freezes_the_app_it_built(tmp_path: Path) -> None:
    database = LiveServer(tmp_path)  # a migrated database; its server is not started
    options = _serve_options(build_parser().parse_args(["serve", "--db", database.db_url]))
    env = {**_env(), SERVE_ENV: json.dumps(options)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    frozen, router_tracked, tracked = int(out[0]), out[1] == "True", int(out[2])
    assert not router_tracked  # the app's own objects are frozen
    assert frozen > 10 * tracked  # and so is nearly everything else alive
