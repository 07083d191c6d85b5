"""Memory over many citizen sessions: does the kiosk app grow as ratings pile up?

Runs the whole kiosk app (``ui.kiosk_app.KioskApp``: its window offscreen, the writer thread,
the read connection, the staff services; no sync, as on a kiosk not yet enrolled) and lets
citizens rate through the window's real controls, one after another, with a fake clock
(``tests/ui/citizens.py``, the sessions the memory test runs). The process's resident memory
(RSS) is read after a warm-up and then every ``--every`` sessions, after a garbage
collection; the growth is printed per 10 000 sessions beside the target, with Python objects,
widgets and the database's size for scale. ``--trace`` also compares tracemalloc snapshots
taken after the warm-up and at the end and prints the top lines (it slows the run down).

    python bench/memory_sessions.py [--sessions 8000] [--warmup 500] [--trace] [--no-freeze]

The kiosk's heap is frozen once its start is over, as ``ui.main`` starts it; ``--no-freeze``
leaves it as it is, to compare.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

from PySide6.QtGui import QFont  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from common.catalog import demo_catalog  # noqa: E402
from common.heap import freeze_startup  # noqa: E402
from kiosk.settings import Settings  # noqa: E402
from tests.conftest import FakeClock  # noqa: E402
from tests.ui.citizens import Citizens, resident_mib  # noqa: E402
from ui.fonts import FAMILIES, load_fonts  # noqa: E402
from ui.kiosk_app import KioskApp  # noqa: E402

TARGET_MIB_PER_10K = 5.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8000, help="sessions after the warm-up")
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--every", type=int, default=1000, help="print RSS this often")
    parser.add_argument("--trace", action="store_true", help="compare tracemalloc snapshots")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--frames", type=int, default=1, help="frames tracemalloc keeps")
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="leave the heap unfrozen after the start (the kiosk freezes it: common.heap)",
    )
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    load_fonts()
    font = QFont()
    font.setFamilies(FAMILIES)
    app.setFont(font)
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        kiosk = KioskApp(
            data_dir,
            demo_catalog(),
            Settings(),
            clock=clock,
            wall_clock=clock.utc,
            pin_clock=clock,
            export_folders=lambda: [],
            after_start=None if args.no_freeze else freeze_startup,  # as ui.main starts it
        )
        kiosk.window.resize(1280, 800)
        kiosk.window.show()
        citizens = Citizens(kiosk.window, kiosk.flow, clock)
        try:
            started = time.monotonic()
            citizens.run(args.warmup)
            base = resident_mib()
            objects = len(gc.get_objects())
            widgets = len(QApplication.allWidgets())
            print(
                f"after {args.warmup} warm-up sessions ({time.monotonic() - started:.0f} s): "
                f"RSS {base:.1f} MiB, {objects} Python objects, {widgets} widgets",
                flush=True,
            )
            if args.trace:
                tracemalloc.start(args.frames)
                before = tracemalloc.take_snapshot()
            done = 0
            while done < args.sessions:
                step = min(args.every, args.sessions - done)
                citizens.run(step, first=args.warmup + done)
                done += step
                rss = resident_mib()
                db = sum(p.stat().st_size for p in data_dir.glob("kiosk.db*")) / 2**20
                print(
                    f"{done:>6} sessions: RSS +{rss - base:.2f} MiB, "
                    f"{len(gc.get_objects()) - objects:+d} objects, "
                    f"{len(QApplication.allWidgets()) - widgets:+d} widgets, "
                    f"database {db:.1f} MiB ({time.monotonic() - started:.0f} s)",
                    flush=True,
                )
            growth = resident_mib() - base
            per_10k = growth * 10_000 / max(args.sessions, 1)
            verdict = "PASS" if per_10k <= TARGET_MIB_PER_10K else "MISS"
            print(
                f"RSS growth: {growth:.2f} MiB over {args.sessions} sessions = "
                f"{per_10k:.2f} MiB per 10 000 (target ≤ {TARGET_MIB_PER_10K:.0f}: "
                f"{per_10k / TARGET_MIB_PER_10K:.2f} of it, {verdict})"
            )
            if args.trace:
                after = tracemalloc.take_snapshot()
                tracemalloc.stop()
                print(f"tracemalloc, top {args.top} growths since the warm-up:")
                for stat in after.compare_to(before, "lineno")[: args.top]:
                    print(f"  {stat}")
        finally:
            kiosk.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
