"""``kiosk --self-test``: the real app, offscreen, in a fresh folder, records one rating the way
a tap does, reads it back from the file and checks its chain, then exits 0 (or 1, saying why).

Why: an installed copy or a frozen bundle (``kiosk.spec``) can lack a module, a Qt plugin or a
data file that only shows once the window is painted or a rating is saved. This runs those
paths headless, on the tablet or in CI, without touching a real kiosk's data: the folder is a
new one, its database is marked as the demo's, and a temporary folder is removed afterwards.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QSize, QTimer
from PySide6.QtGui import QFontDatabase, QIcon
from PySide6.QtWidgets import QAbstractButton

from common import __version__
from common.records import Record, verify_chain
from kiosk.errors import StorageError
from kiosk.flow import Step
from kiosk.storage import Store
from ui.first_frame import FirstFrame, process_age_s
from ui.fonts import FAMILIES
from ui.screens.choose import ChooseScreen
from ui.screens.rate import RateScreen
from ui.screens.welcome import WelcomeScreen

if TYPE_CHECKING:
    from ui.kiosk_app import KioskApp

log = logging.getLogger("ui.self_test")

SCORE = 5
"""The score the scripted citizen gives."""
WAIT_S = 30.0
"""How long each step may take (a slow tablet opening its first window)."""
POLL_MS = 10


class SelfTestError(Exception):
    """What the self-test found wrong, in a sentence for whoever installed the app."""


def check_database(path: Path, saved: Record) -> None:
    """Read the file back as a new connection would: it must hold exactly the rating just
    saved, intact (``quick_check``), with its hash and link right and the chain head on it."""
    try:
        with Store(path, read_only=True, quick_check=True) as store:
            records = store.records()
            head = store.head()
    except StorageError as exc:
        raise SelfTestError(f"the database cannot be read back: {exc}") from exc
    if [record.uuid for record in records] != [saved.uuid]:
        raise SelfTestError(
            f"{path} holds {len(records)} record(s), not just the rating {saved.uuid} saved"
        )
    if verify_chain([record.to_wire() for record in records]) is not None:
        raise SelfTestError(f"record {saved.seq} in {path} does not match its hash")
    if records[0] != saved:
        raise SelfTestError(f"the rating read back from {path} is not the one saved")
    if head != (saved.seq, saved.hash):
        raise SelfTestError(f"the chain head in {path} is {head}, not the rating's hash")


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    """Run the event loop until ``condition`` holds (checked every few milliseconds), so the
    window paints and the writer's answer arrives meanwhile; fail naming ``what``."""
    if condition():
        return
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(POLL_MS)

    def check() -> None:
        if condition():
            loop.quit()

    poll.timeout.connect(check)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    deadline.start(round(timeout_s * 1000))
    poll.start()
    loop.exec()
    poll.stop()
    deadline.stop()
    if not condition():
        raise SelfTestError(f"{what} did not happen within {timeout_s:g} s")


def tap(button: QAbstractButton, what: str) -> None:
    """Tap a control as a citizen can: only when it is on screen and enabled."""
    if not (button.isVisible() and button.isEnabled()):
        raise SelfTestError(f"{what} is not on screen to be tapped")
    button.click()


class SelfTest:
    """One run: :meth:`prepare` before the app starts, :meth:`run` once its window is shown,
    :meth:`report` after it closed (every write committed)."""

    def __init__(self, folder: Path, temporary: bool) -> None:
        self.folder = folder
        self.temporary = temporary
        self.began = time.monotonic()
        self.started_ago = process_age_s()
        self.first_frame_s: float | None = None
        self.saved: Record | None = None
        self.database: Path | None = None
        self.failure: str | None = None

    @classmethod
    def prepare(cls, args: argparse.Namespace) -> SelfTest:
        """Point the app at a new folder, offscreen (unless a platform is set), as the demo
        kiosk (its database is marked so its rating is never synced or exported) in a
        window. ``--self-test DIR`` uses DIR, which must be new or empty."""
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        if args.self_test:
            folder = Path(args.self_test)
            if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
                raise SelfTestError(f"self-test: {folder} must be a new or empty folder")
            temporary = False
        else:
            folder = Path(tempfile.mkdtemp(prefix="ukukavshiri-self-test-"))
            temporary = True
        args.data_dir, args.demo, args.windowed = folder, True, True
        return cls(folder, temporary)

    def run(self, kiosk: KioskApp) -> int:
        """Wait for the first frame, check what the bundle must carry, rate once."""
        self.database = kiosk.store.path
        try:
            frame = FirstFrame(kiosk.window)
            wait_until(lambda: frame.at is not None, "the first frame of the window")
            assert frame.at is not None
            self.first_frame_s = frame.at - self.began
            check_assets(kiosk)
            self.saved = rate_once(kiosk)
        except SelfTestError as exc:
            self.failure = str(exc)
            return 1
        return 0

    def report(self, code: int) -> int:
        """Read the rating back, say the result in one line, exit status 0 or 1."""
        if self.failure is None and code != 0:
            self.failure = f"the app ended with status {code}"
        if self.failure is None:
            assert self.saved is not None and self.database is not None
            try:
                check_database(self.database, self.saved)
            except SelfTestError as exc:
                self.failure = str(exc)
        if self.failure is not None:
            log.error("self-test failed: %s (its files are kept in %s)", self.failure, self.folder)
            return 1
        line = self.result_line()
        log.info("%s", line)
        print(line, flush=True)
        if self.temporary:
            remove_folder(self.folder)
        return 0

    def result_line(self) -> str:
        assert self.saved is not None and self.first_frame_s is not None
        if self.started_ago is None:
            frame = f"first frame {self.first_frame_s:.2f} s after the self-test began"
        else:
            frame = f"first frame {self.started_ago + self.first_frame_s:.2f} s after start"
        kept = "removed" if self.temporary else "kept"
        return (
            f"kiosk {__version__} self-test passed: {frame}; rating {self.saved.score} for "
            f"{self.saved.service_id} saved as record {self.saved.seq} in {self.database}, "
            f"chain intact; folder {kept}"
        )


def check_assets(kiosk: KioskApp) -> None:
    """What a bundle most easily lacks and the window would hide: the bundled fonts (Qt falls
    back to others) and an image plugin for the theme's logo (it is left blank)."""
    missing = set(FAMILIES) - set(QFontDatabase.families())
    if missing:
        raise SelfTestError(f"the bundled fonts {sorted(missing)} are not loaded")
    logo = kiosk.window.theme().logo
    if logo is not None and QIcon(str(logo)).pixmap(QSize(64, 64)).isNull():
        raise SelfTestError(f"the theme's logo {logo} cannot be drawn (no {logo.suffix} plugin?)")


def rate_once(kiosk: KioskApp) -> Record:
    """One citizen: Start, the first service, a face; the tap's rating goes through the flow
    to the writer thread and back, as on a real kiosk."""
    window, flow = kiosk.window, kiosk.flow
    welcome, choose, rate = (window.screens[s] for s in (Step.WELCOME, Step.CHOOSE, Step.RATE))
    assert isinstance(welcome, WelcomeScreen)
    assert isinstance(choose, ChooseScreen)
    assert isinstance(rate, RateScreen)
    tap(welcome.start, "Start on the welcome screen")
    wait_until(lambda: window.stack.currentWidget() is choose, "the list of services")
    service = flow.services()[0]
    tap(choose.tiles[service.id], f"the tile of {service.id}")
    wait_until(lambda: window.stack.currentWidget() is rate, "the rating faces")
    tap(rate.faces[SCORE], f"face {SCORE}")
    wait_until(lambda: not flow.in_flight, "saving the rating")
    if flow.rating is None:
        raise SelfTestError(f"the rating was not saved: {flow.error}")
    if flow.step not in (Step.REASONS, Step.COMMENT, Step.THANKS):
        raise SelfTestError(f"after the rating the kiosk shows {flow.step}")
    return flow.rating


def remove_folder(folder: Path) -> None:
    """Close the log file in ``folder`` (Windows cannot delete an open file), then remove it."""
    root = logging.getLogger()
    files = [h for h in root.handlers if isinstance(h, logging.FileHandler)]
    for handler in files:
        if Path(handler.baseFilename).is_relative_to(folder):
            root.removeHandler(handler)
            handler.close()
    shutil.rmtree(folder, ignore_errors=True)
    if folder.exists():
        log.warning("the self-test's folder %s could not be removed", folder)
