"""The kiosk's start: Welcome first, everything else after it is on the screen."""

from __future__ import annotations

import re
import subprocess
import sys

from kiosk.flow import Step
from kiosk.keys import KEY_FILE
from tests.sync.helpers import REPO_ROOT, subprocess_env
from ui.app import SCREEN_TYPES
from ui.first_frame import EXIT_AT_FIRST_FRAME

NOT_BEFORE_THE_FIRST_FRAME = (
    "qtawesome",  # icons: the first one is on the services screen
    "cryptography",  # the device key is made on a worker afterwards
    "requests",  # the sync starts afterwards
    "ui.staff.admin",
    "ui.staff.wizard",
    "ui.staff.pin_screen",
    "ui.screens.comment",
    "ui.screens.rate",
)

PROBE = """
import sys
from ui.main import main
code = main(sys.argv[1:])
print("loaded:", " ".join(sorted(m for m in {names} if m in sys.modules)))
sys.exit(code)
"""


def test_the_first_frame_waits_for_nothing_but_welcome(tmp_path):
    env = subprocess_env()
    env.update({"QT_QPA_PLATFORM": "offscreen", EXIT_AT_FIRST_FRAME: "1"})
    probe = PROBE.format(names=repr(set(NOT_BEFORE_THE_FIRST_FRAME)))
    args = ["--demo", "--windowed", "--data-dir", str(tmp_path)]
    result = subprocess.run(
        [sys.executable, "-c", probe, *args],
        capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert any(line.startswith("first-frame ") for line in lines), result.stdout
    assert "loaded: " in lines[-1] + " "
    assert lines[-1].removeprefix("loaded:").split() == []
    log = (tmp_path / "demo" / "kiosk.log").read_text(encoding="utf-8")
    assert "first frame" in log and "after the process started" in log


def test_the_other_screens_are_made_after_the_first_frame(make_app, qtbot):
    kiosk = make_app(None, pin=False, demo=True)
    window = kiosk.app.window
    qtbot.waitUntil(lambda: set(window.screens) == set(SCREEN_TYPES), timeout=10_000)
    assert kiosk.app.started
    for step in SCREEN_TYPES:
        assert window.stack.indexOf(window.screens[step]) >= 0
    qtbot.waitUntil((kiosk.app.data_dir / KEY_FILE).exists, timeout=10_000)  # on a worker


def test_a_screen_asked_for_is_made_at_once_in_the_look_of_the_moment(make_kiosk):
    kiosk = make_kiosk(size=(1024, 600))
    window = kiosk.window
    kiosk.flow.toggle_large_text()
    rate = window.screens[Step.RATE]  # made now if the idle-time making had not reached it
    assert window.stack.indexOf(rate) >= 0
    assert rate.metrics == window.metrics


def run_bench(name: str, *args: str) -> str:
    """A bench at a tiny size: it must keep working and print its ratio (never judged here)."""
    env = subprocess_env()
    env["QT_QPA_PLATFORM"] = "offscreen"
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / name), *args],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_the_start_bench_prints_the_kiosk_beside_a_bare_window():
    out = run_bench("cold_start.py", "--rounds", "1")
    assert re.search(r"kiosk / bare window: first frame \d+\.\d\d × .*CPU \d+\.\d\d ×", out), out


def test_the_screen_bench_times_every_step_beside_a_bare_stack():
    out = run_bench("screen_changes.py", "--sessions", "2", "--no-busy")
    for step in ("peer: bare stack", "start", "service", "face (commit)", "all kiosk steps"):
        assert re.search(rf"^{re.escape(step)}\s+\d+\.\d\s+\d+\.\d", out, re.MULTILINE), out
    assert "kiosk / peer:" in out
