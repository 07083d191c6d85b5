"""The kiosk's start: Welcome first, everything else after it is on the screen."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.database import DB_FILE, Opening
from kiosk.errors import StorageError
from kiosk.flow import Step
from kiosk.keys import KEY_FILE
from kiosk.schema import SCHEMA_VERSION
from tests.sync.helpers import REPO_ROOT, subprocess_env
from ui.app import SCREEN_TYPES, PageStack
from ui.first_frame import EXIT_AT_FIRST_FRAME
from ui.speech import NO_SOUND, SpeechSupport

NOT_BEFORE_THE_FIRST_FRAME = (
    "qtawesome",  # icons: the first one is on the services screen
    "cryptography",  # the device key is made on a worker afterwards
    "requests",  # the sync starts afterwards
    "ui.staff.admin",
    "ui.staff.wizard",
    "ui.staff.pin_screen",
    "ui.staff.services",  # what the staff screens need: made when staff first open them
    "kiosk.pin",  # the PIN's guard, and its lock-out's saving, start after the first frame
    "ui.screens.comment",
    "ui.screens.rate",
    "ui.screens.reasons",  # the "Still there?" prompt no longer pulls these in
    "ui.screens.choose",
    "ui.guide",  # keys and Listen: made after the first frame
    "ui.narration",
    "ui.focus",
    "ui.keypad",
    "ui.widgets.smiley",
    "logging.handlers",  # the kiosk's log rotates by itself
    "concurrent.futures",  # the workers come with the first task
    "platformdirs",  # --data-dir is given, as on a tablet set up by docs/deploy.md
    "ui.speech",  # Listen's probe and voice come half a second later
    "ui.widgets.speaker",  # the speaker symbols are drawn when Listen is offered
    "ui.staff.hold_hint",  # the ring around a held emblem
    "importlib.resources",  # the demo catalog is read beside its module
    "kiosk.salvage",  # a sound database needs only kiosk.checkup
    "hashlib",  # the first record is hashed, and a PIN checked, after Welcome is up
    "hmac",
    "secrets",
    "uuid",  # a record's uuid is made with it; it loads ``platform``
    "platform",
)
NOT_SET_UP_BEFORE_THE_FIRST_FRAME = (
    ("PySide6.QtCore", "Qt"),  # Qt's namespace: ≈ 95 enum types (ui.qt_names)
    ("PySide6.QtWidgets", "QStyle"),  # an application-wide filter would meet the style
)


def start_kiosk(
    script: str, args: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``script`` (which starts the kiosk with ``args``) run offscreen from the checkout."""
    environment = subprocess_env()
    environment.update({"QT_QPA_PLATFORM": "offscreen", **(env or {})})
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True, text=True, env=environment, cwd=REPO_ROOT, timeout=120,
    )  # fmt: skip


PROBE = """
import sys
before = set(sys.modules)  # what the interpreter brought (coverage, when the suite measures it)
from ui.main import main
code = main(sys.argv[1:])
made = [f"{{m}}.{{t}}" for m, t in {types} if t in vars(sys.modules[m])]
print("set up:", " ".join(made))
print("loaded:", " ".join(sorted(m for m in {names} if m in sys.modules and m not in before)))
sys.exit(code)
"""


@pytest.mark.parametrize("shown", [["--windowed"], []], ids=["windowed", "fullscreen"])
def test_the_first_frame_waits_for_nothing_but_welcome(tmp_path, shown):
    """Fullscreen, as tablets run, too: its window flags and hidden pointer are Qt enum values,
    given by name or after the first frame."""
    probe = PROBE.format(
        names=repr(set(NOT_BEFORE_THE_FIRST_FRAME)), types=repr(NOT_SET_UP_BEFORE_THE_FIRST_FRAME)
    )
    args = ["--demo", *shown, "--data-dir", str(tmp_path)]
    # Started twice: the first start makes the device's id and key; the second is every
    # start after it (a restart, a power cut).
    for _start in range(2):
        result = start_kiosk(probe, args, {EXIT_AT_FIRST_FRAME: "1"})
        assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert any(line.startswith("first-frame ") for line in lines), result.stdout
    assert "loaded: " in lines[-1] + " "
    assert lines[-1].removeprefix("loaded:").split() == []
    assert lines[-2].removeprefix("set up:").split() == []  # Qt for Python sets types up lazily
    log = (tmp_path / "demo" / "kiosk.log").read_text(encoding="utf-8")
    assert "first frame" in log and "after the process started" in log


AFTER_THE_FIRST_FRAME = """
import sys
import ui.main

shown = ui.main.watch_first_frame


def watch(app, window, then=None):
    def then_and_report():
        if then is not None:
            then()
        from PySide6.QtWidgets import QApplication

        cursor = QApplication.overrideCursor()
        print("pointer:", cursor.shape().name if cursor is not None else "shown", flush=True)
        app.exit(0)

    shown(app, window, then_and_report)


ui.main.watch_first_frame = watch
sys.exit(ui.main.main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    ("shown", "pointer"),
    [(["--windowed"], "shown"), ([], "BlankCursor")],
    ids=["windowed", "fullscreen"],
)
def test_a_fullscreen_kiosk_hides_the_pointer_once_its_first_frame_is_shown(
    tmp_path, shown, pointer
):
    """Its shape is a Qt enum value, so the pointer is hidden just after the first frame
    rather than before it; a windowed kiosk (development) keeps it."""
    result = start_kiosk(AFTER_THE_FIRST_FRAME, ["--demo", *shown, "--data-dir", str(tmp_path)])
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"pointer: {pointer}" in result.stdout.splitlines(), result.stdout


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


def test_the_database_opened_while_qt_loads_is_the_one_the_kiosk_uses(make_app, tmp_path, clock):
    (tmp_path / "data").mkdir()
    opening = Opening(tmp_path / "data" / DB_FILE, clock.utc, demo=True)
    kiosk = make_app(None, pin=False, demo=True, database=opening.result)
    assert kiosk.app.store is opening.result()
    assert kiosk.app.demo
    kiosk.app.store.audit("opened early")
    assert ("opened early", "") in [entry[1:] for entry in kiosk.app.store.audit_log()]


def test_what_salvage_cannot_mend_is_raised_where_the_database_is_asked_for(tmp_path):
    path = tmp_path / DB_FILE
    newer = sqlite3.connect(path)
    newer.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    newer.close()
    opening = Opening(path)  # fails on its own thread
    with pytest.raises(StorageError, match="newer"):
        opening.result()  # and says so here, as the kiosk's start asks for it


def test_the_guide_is_made_after_the_first_frame(make_app, qtbot):
    answer = threading.Event()

    def speech_probe() -> SpeechSupport:  # Listen's offer would make the guide too
        answer.wait(10)
        return SpeechSupport(None, NO_SOUND)

    kiosk = make_app(None, pin=False, demo=True, speech_probe=speech_probe)
    try:
        qtbot.waitUntil(lambda: kiosk.window._guide is not None, timeout=10_000)
        assert kiosk.app.started
        assert kiosk.app.speech_support is None
    finally:
        answer.set()


def test_a_key_before_the_guide_is_made_makes_it_and_moves_the_focus(make_kiosk):
    kiosk = make_kiosk(listen=False)  # a window alone: nothing makes the guide but the key
    window = kiosk.window
    assert window._guide is None
    kiosk.qtbot.keyClick(window, Qt.Key.Key_Tab)
    assert window._guide is not None
    assert QApplication.focusWidget() is window.screens[Step.WELCOME].start


class Arranged(QWidget):
    """Notes the sizes it was told to arrange itself for."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[QSize] = []

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.sizes.append(event.size())


def test_a_page_added_to_a_shown_stack_is_arranged_for_its_size_at_once(qtbot):
    stack = PageStack()
    qtbot.addWidget(stack)
    stack.addWidget(QWidget())  # the page shown
    stack.resize(700, 500)
    with qtbot.waitExposed(stack):
        stack.show()
    page = Arranged()
    stack.add_page(page)
    assert page.isHidden()  # not shown, and yet arranged for the stack's size
    assert page.sizes == [QSize(700, 500)]
    hidden = PageStack()
    qtbot.addWidget(hidden)
    hidden.addWidget(QWidget())
    later = Arranged()
    hidden.add_page(later)
    assert later.sizes == []  # a stack not shown arranges its pages as it is shown


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


@pytest.mark.parametrize("shown", [[], ["--fullscreen"]], ids=["windowed", "fullscreen"])
def test_the_start_bench_prints_the_kiosk_beside_a_bare_window(shown):
    out = run_bench("cold_start.py", "--rounds", "1", *shown)
    assert re.search(r"kiosk / bare window: first frame \d+\.\d\d × .*CPU \d+\.\d\d ×", out), out
    assert ("kiosk --demo --windowed " in out) is not bool(shown), out


def test_the_screen_bench_times_every_step_beside_a_bare_stack():
    out = run_bench("screen_changes.py", "--sessions", "2", "--no-busy")
    for step in ("peer: bare stack", "start", "service", "face (commit)", "all kiosk steps"):
        assert re.search(rf"^{re.escape(step)}\s+\d+\.\d\s+\d+\.\d", out, re.MULTILINE), out
    assert "kiosk / peer:" in out


def test_the_bench_of_taps_during_a_catch_up_ends_once_the_backlog_is_on_the_server():
    # The citizen's own ratings keep some records pending; the bench once waited for none.
    out = run_bench("ui_during_sync.py", "--records", "300", "--baseline", "0.5")
    assert re.search(r"caught up in \d+\.\d s \((\d[\d,]*) records on the server", out), out
    match = re.search(r"\(([\d,]+) records on the server", out)
    assert match is not None, out
    stored = int(match[1].replace(",", ""))
    assert stored >= 300
    assert re.search(r"tap -> next screen ms: p50 \d+\.\d", out), out
    assert re.search(r"objects tracked; a full collection took \d+\.\d ms; heap frozen", out), out


AFTER_THE_START = """
import gc
import sys

import ui.kiosk_app
import ui.main

finish = ui.kiosk_app.KioskApp._finish_start


def finish_and_report(kiosk):
    finish(kiosk)
    tracked = gc.get_objects()
    window = any(o is kiosk.window for o in tracked)
    print(f"frozen {gc.get_freeze_count()} tracked {len(tracked)} window {window}", flush=True)
    kiosk.exit()


ui.kiosk_app.KioskApp._finish_start = finish_and_report
sys.exit(ui.main.main(sys.argv[1:]))
"""


def test_once_started_the_kiosk_is_out_of_the_garbage_collectors_sight(tmp_path):
    """Its screens and modules stay as long as it runs: no full collection walks them while
    citizens tap (``common.heap``)."""
    result = start_kiosk(AFTER_THE_START, ["--demo", "--windowed", "--data-dir", str(tmp_path)])
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r"frozen (\d+) tracked (\d+) window (\w+)", result.stdout)
    assert found, result.stdout
    frozen, tracked = int(found[1]), int(found[2])
    assert found[3] == "False"  # the window's wrapper is frozen
    assert frozen > 10 * tracked, (frozen, tracked)
