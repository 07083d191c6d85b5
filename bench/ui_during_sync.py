"""Benchmark: is the touch screen still responsive while a 50 000-rating backlog uploads?

Starts the real server (subprocess on 127.0.0.1), fills an enrolled kiosk's database offline,
then runs the real kiosk app (Qt offscreen) whose background sync catches up while a scripted
citizen keeps rating. The kiosk is enrolled only once its start is over, so the sync begins
when the bench says, after a baseline of the same citizen without it. Prints figures, asserts
nothing:

- the heap once the kiosk has started: objects the garbage collector tracks and how long a
  full collection of them takes; then frozen, as ``ui.main`` does (``common.heap``), or with
  ``--no-freeze`` left as it is, to compare;
- event-loop gaps: how late a 10 ms GUI timer fires (a frozen screen shows up as a long gap);
- tap → next screen: from tapping a face until the next step shows, i.e. until the rating is
  committed by the writer thread while the sync thread is marking records synced;
- catch-up time and whether every record arrived.

    python bench/ui_during_sync.py [--records 50000] [--no-freeze]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from PySide6.QtCore import QElapsedTimer, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sync_backlog import CENTER, fill  # noqa: E402

from common.catalog import demo_catalog  # noqa: E402
from common.heap import freeze_startup  # noqa: E402
from kiosk.flow import Step  # noqa: E402
from kiosk.settings import Settings  # noqa: E402
from sync.enrollment import enroll  # noqa: E402
from tests.server.live import LiveServer  # noqa: E402
from ui.kiosk_app import KioskApp  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def spread(values: list[float]) -> str:
    """Median, p99 and the largest, or that there were none (a short baseline on a busy
    machine may see no tap at all)."""
    if not values:
        return "none measured"
    return (
        f"p50 {statistics.median(values):.1f}  p99 {percentile(values, 99):.1f}  "
        f"max {max(values):.1f}  (n = {len(values):,})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument(
        "--baseline",
        type=float,
        default=15.0,
        help="seconds of the same load without sync, measured first",
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=None,
        help="override the app's GIL switch interval (seconds) to compare",
    )
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="leave the heap unfrozen after the start (the kiosk freezes it: common.heap)",
    )
    args = parser.parse_args(argv)
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    app = QApplication([])
    with (
        tempfile.TemporaryDirectory(prefix="ukuk-bench-") as tmp,
        LiveServer(Path(tmp) / "server") as live,
    ):
        live.add_center(CENTER)
        data_dir = Path(tmp) / "kiosk"
        data_dir.mkdir()
        fill(data_dir, args.records)
        ready: list[str] = []

        def after_start() -> None:
            tracked = len(gc.get_objects())
            began = time.perf_counter()
            if args.no_freeze:
                gc.collect()
            else:
                freeze_startup()  # one full collection, then the freeze, as ui.main starts it
            took = (time.perf_counter() - began) * 1000
            ready.append(f"{tracked:,} objects tracked; a full collection took {took:.1f} ms")

        kiosk = KioskApp(
            data_dir, demo_catalog(), Settings(center_id=CENTER), after_start=after_start
        )
        flow = kiosk.flow
        flow.config.debounce_s = flow.config.cooldown_s = flow.config.thanks_s = 0
        kiosk.window.resize(1280, 800)
        kiosk.window.show()
        while not ready:  # the start finishes unenrolled, so no sync begins before ours
            app.processEvents()
            time.sleep(0.002)
        enroll(data_dir, live.url, live.add_kiosk("bench-kiosk", CENTER))

        gaps: list[float] = []
        taps: list[float] = []
        clock = QElapsedTimer()
        clock.start()
        last = [clock.elapsed()]

        def beat() -> None:
            now = clock.elapsed()
            gaps.append(now - last[0] - 10)
            last[0] = now

        pending_tap: list[float] = []

        def citizen() -> None:
            if flow.step is Step.WELCOME:
                flow.start()
                flow.choose("homeless-shelter")
                pending_tap.append(time.perf_counter())
                flow.rate(1 + len(taps) % 5)
            elif flow.step is Step.COMMENT and pending_tap:
                taps.append((time.perf_counter() - pending_tap.pop()) * 1000)
                flow.skip()
                flow.tick()

        heart = QTimer(interval=10)
        heart.timeout.connect(beat)
        heart.start()
        person = QTimer(interval=50)
        person.timeout.connect(citizen)
        person.start()

        # Baseline: the same citizen and timer, no sync running.
        until = time.perf_counter() + args.baseline
        while time.perf_counter() < until:
            app.processEvents()
            time.sleep(0.002)
        baseline_gaps, baseline_taps = gaps[:], taps[:]
        gaps.clear()
        taps.clear()
        kiosk.start_sync()
        started = time.perf_counter()
        deadline = started + 600
        look_at = started
        while time.perf_counter() < deadline:
            app.processEvents()
            time.sleep(0.002)
            if time.perf_counter() >= look_at:
                # The backlog is on the server (the citizen's newer ratings go with a later
                # sync, so the kiosk's pending count never falls to nothing while they rate).
                look_at = time.perf_counter() + 0.5
                if on_server(live) >= args.records and len(taps) > 5:
                    break
        elapsed = time.perf_counter() - started
        heart.stop()
        person.stop()
        stored = on_server(live)
        kiosk.close()

    print(f"kiosk once started: {ready[0]}; heap {'left' if args.no_freeze else 'frozen'}")
    print(
        f"backlog: {args.records:,} ratings; caught up in {elapsed:.1f} s "
        f"({stored:,} records on the server, {len(taps)} taps during the catch-up)"
    )
    print(
        f"without sync ({args.baseline:g} s): event-loop gaps ms {spread(baseline_gaps)}; "
        f"tap -> next screen ms {spread(baseline_taps)}"
    )
    print(f"event-loop gaps ms: {spread(gaps)}  (ticks of a 10 ms timer)")
    print(f"tap -> next screen ms: {spread(taps)}")
    return 0


def on_server(live: LiveServer) -> int:
    return int(live.query("SELECT count(*) FROM records")[0][0])


if __name__ == "__main__":
    sys.exit(main())
