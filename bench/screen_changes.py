"""Tap → next screen painted, for every step a citizen takes, with the other core kept busy.

Runs the real kiosk (``KioskApp``, demo catalog, a real database in a temporary folder,
offscreen) and a scripted citizen who taps a real button on each screen: Start, a service, a
face, a reason and "Next", "Skip" on the comment. Each tap is timed from the click until the
next screen's first paint is done. The steps marked "(commit)" hand a record to the writer
thread, whose commit runs while the next screen is drawn; "thank you" (after "Skip") waits
until every record of the session is committed, so that step includes any commit still
running. A second process spins on the other core the whole time (unless ``--no-busy``), as
a sync or a virus scan would. ``--profile`` runs cProfile during each step's taps only and
prints, per step, where the time went.

The peer, in the same run and under the same load, is the floor of any screen change in Qt
Widgets: a bare ``QStackedWidget`` of two labelled pages switched by a button's click, timed
the same way. Prints p50 / p99 / max per step and for all steps, and the ratio to the peer.
Target (p99 of all steps, other core busy): 50 ms.

    python bench/screen_changes.py [--sessions 200] [--no-busy] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QEvent, QEventLoop, QObject  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from common.catalog import demo_catalog  # noqa: E402
from kiosk.flow import Step  # noqa: E402
from kiosk.settings import Settings  # noqa: E402

TARGET_P99_MS = 50.0
PROFILE_ROWS = 25
SERVICE = "free-canteen"


def spin(stop_at: float) -> None:
    while time.monotonic() < stop_at:
        pass


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Painted(QObject):
    """Waits for the first paint of a widget (or one of its children) after being armed."""

    def __init__(self, app: QApplication) -> None:
        super().__init__()
        self.app = app
        self.target: QWidget | None = None
        self.done = False
        app.installEventFilter(self)

    def arm(self, target: QWidget) -> None:
        self.target, self.done = target, False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        target = self.target
        if (
            target is not None
            and not self.done
            and event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and (watched is target or target.isAncestorOf(watched))
        ):
            self.done = True
        return False


def timed_tap(
    app: QApplication,
    painted: Painted,
    tap: Callable[[], None],
    next_page: Callable[[], QWidget | None],
) -> float:
    """Milliseconds from ``tap()`` until the page ``next_page()`` names has painted."""
    started = time.perf_counter()
    tap()
    loop = QEventLoop()
    deadline = started + 10
    while True:
        page = next_page()
        if page is not None:
            if painted.target is not page:
                painted.arm(page)
                page.update()
            if painted.done:
                break
        if time.perf_counter() > deadline:
            raise RuntimeError("the next screen did not paint within 10 s")
        loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    # The paint event was delivered; the frame is done once the event loop comes back.
    app.processEvents()
    return (time.perf_counter() - started) * 1000


def settle(app: QApplication, seconds: float) -> None:
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        app.processEvents()
        time.sleep(0.001)


def peer(app: QApplication, painted: Painted, switches: int) -> list[float]:
    """A bare QStackedWidget: a button's click shows the other page."""
    stack = QStackedWidget()
    pages = []
    for name in ("first", "second"):
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel(f"The {name} page"))
        button = QPushButton("Next")
        layout.addWidget(button)
        stack.addWidget(page)
        pages.append((page, button))
    for index, (_page, button) in enumerate(pages):
        other = pages[1 - index][0]
        button.clicked.connect(partial(stack.setCurrentWidget, other))
    stack.resize(1280, 800)
    stack.show()
    settle(app, 0.2)
    times = []
    for _ in range(switches):
        current = stack.currentWidget()
        button = next(b for p, b in pages if p is current)
        target = next(p for p, _b in pages if p is not current)

        def shown(page: QWidget = target) -> QWidget | None:
            return page if stack.currentWidget() is page else None

        times.append(timed_tap(app, painted, button.click, shown))
    stack.close()
    return times


def kiosk_steps(
    app: QApplication,
    painted: Painted,
    sessions: int,
    unsaved: dict[str, int],
    profiles: dict[str, cProfile.Profile] | None = None,
) -> dict[str, list[float]]:
    """Times per step; ``unsaved`` counts, per step, the next screens that had painted while
    the tap's record was still being committed (the flow did not wait for it). With
    ``profiles``, each step's taps (and only they) are profiled, one profile per step."""
    from ui.kiosk_app import KioskApp

    times: dict[str, list[float]] = {}

    def step(name: str, tap: Callable[[], None], next_page: Callable[[], QWidget | None]) -> None:
        profile = None if profiles is None else profiles.setdefault(name, cProfile.Profile())
        if profile is not None:
            profile.enable()
        try:
            times.setdefault(name, []).append(timed_tap(app, painted, tap, next_page))
        finally:
            if profile is not None:
                profile.disable()

    with tempfile.TemporaryDirectory(prefix="ukuk-screens-") as folder:
        kiosk = KioskApp(Path(folder), demo_catalog(), Settings(), demo=True)
        flow, window = kiosk.flow, kiosk.window
        flow.config.debounce_s = flow.config.cooldown_s = 0
        flow.config.thanks_s = 3600  # "thank you" stays until the script moves on
        window.resize(1280, 800)
        window.show()
        settle(app, 1.0)  # the first frame, then the other screens are made

        def shown(step: Step) -> Callable[[], QWidget | None]:
            def page() -> QWidget | None:
                screen = window.screens[step]
                return (
                    screen if flow.step is step and window.stack.currentWidget() is screen else None
                )

            return page

        from ui.screens.choose import ChooseScreen
        from ui.screens.comment import CommentScreen
        from ui.screens.rate import RateScreen
        from ui.screens.reasons import ReasonsScreen
        from ui.screens.welcome import WelcomeScreen

        for session in range(sessions):
            score = 1 + session % 5  # every face; the reasons screen follows each
            welcome = window.screens[Step.WELCOME]
            assert isinstance(welcome, WelcomeScreen)
            step("start", welcome.start.click, shown(Step.CHOOSE))
            choose = window.screens[Step.CHOOSE]
            assert isinstance(choose, ChooseScreen)
            step("service", choose.tiles[SERVICE].click, shown(Step.RATE))
            rate = window.screens[Step.RATE]
            assert isinstance(rate, RateScreen)
            step("face (commit)", rate.faces[score].click, shown(Step.REASONS))
            unsaved["face (commit)"] += flow.in_flight > 0
            reasons = window.screens[Step.REASONS]
            assert isinstance(reasons, ReasonsScreen)
            next(iter(reasons.chips.values())).click()
            step("reasons (commit)", reasons.next.click, shown(Step.COMMENT))
            unsaved["reasons (commit)"] += flow.in_flight > 0
            comment = window.screens[Step.COMMENT]
            assert isinstance(comment, CommentScreen)
            step("skip comment", comment.skip.click, shown(Step.THANKS))
            flow.config.thanks_s = 0
            flow.tick()  # back to Welcome
            flow.config.thanks_s = 3600
            settle(app, 0.01)
        kiosk.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--no-busy", dest="busy", action="store_false")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile each step's taps with cProfile and print where the time goes "
        "(the times printed are then the profiler's, not figures)",
    )
    args = parser.parse_args()
    app = QApplication([])
    painted = Painted(app)
    busy = None
    if args.busy:
        busy = multiprocessing.Process(target=spin, args=(time.monotonic() + 3600,), daemon=True)
        busy.start()
    try:
        floor = peer(app, painted, args.sessions * 5)
        unsaved = {"face (commit)": 0, "reasons (commit)": 0}
        profiles: dict[str, cProfile.Profile] | None = {} if args.profile else None
        steps = kiosk_steps(app, painted, args.sessions, unsaved, profiles)
    finally:
        if busy is not None:
            busy.terminate()
    every = [t for values in steps.values() for t in values]
    print(
        f"sessions: {args.sessions}, other core {'busy' if args.busy else 'idle'}, "
        f"{os.cpu_count()} cores, offscreen"
    )
    print(f"{'step':<20} {'p50':>7} {'p99':>7} {'max':>7}   (ms, tap → next screen painted)")
    rows = [("peer: bare stack", floor), *steps.items(), ("all kiosk steps", every)]
    for name, values in rows:
        print(
            f"{name:<20} {statistics.median(values):7.1f} {percentile(values, 99):7.1f} "
            f"{max(values):7.1f}"
        )
    print(
        "next screen painted while the tap's record was still being committed: "
        + ", ".join(f"{name} {count} of {args.sessions}" for name, count in unsaved.items())
    )
    for name, profile in (profiles or {}).items():
        print(f"\n-- {name}: cProfile of its {args.sessions} taps, by cumulative time")
        pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(PROFILE_ROWS)
    p99 = percentile(every, 99)
    print(
        f"kiosk / peer: p50 {statistics.median(every) / statistics.median(floor):.1f} ×, "
        f"p99 {p99 / percentile(floor, 99):.1f} ×; "
        f"target p99 ≤ {TARGET_P99_MS:.0f} ms: {'met' if p99 <= TARGET_P99_MS else 'missed'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
