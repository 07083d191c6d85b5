"""How long the kiosk takes from process start to its first frame, beside a bare PySide6 window.

Each round starts, one after the other (so load from other work falls on both alike):

- the peer: a bare PySide6 window, the floor of any Qt Widgets app from source: Python, Qt's
  import, a ``QApplication``, one label in a window of the kiosk's size, shown;
- ``kiosk --demo --windowed`` on a data folder made by an earlier run (a restart, as after a
  power cut; the first run, which makes the device key and the database, is a warm-up);
  with ``--fullscreen``, ``kiosk --demo`` as a tablet runs it (frameless, on top, the
  pointer hidden), against the same bare window.

Both report their first frame as the process's age when the window's first repaint is done,
counted from the process start as the operating system records it (``ui.first_frame``), and
exit there (``UKUK_EXIT_AT_FIRST_FRAME``). Both run offscreen (``QT_QPA_PLATFORM``). Prints the
medians, the fastest runs and the ratio kiosk / bare window; the target is a ratio of 1.5.

Both start with compiled modules, as an installed kiosk does (pip compiles them on install, a
PyInstaller bundle carries them): the warm-up runs write them to a temporary folder
(``PYTHONPYCACHEPREFIX``), whatever ``PYTHONDONTWRITEBYTECODE`` says. ``--from-source`` keeps
the caller's setting instead; with ``PYTHONDONTWRITEBYTECODE`` set, every start then compiles
the kiosk's own modules afresh, which a tablet never does.

    python bench/cold_start.py [--rounds 20] [--importtime] [--from-source] [--fullscreen]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.5
FIRST_FRAME = re.compile(r"^first-frame ([0-9.]+)$", re.MULTILINE)

BARE_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
from ui.first_frame import FirstFrame, process_age_s

app = QApplication(sys.argv[:1])
window = QLabel("Welcome")
window.resize(1280, 800)
def shown(_at):
    print(f"first-frame {process_age_s():.4f}", flush=True)
    app.quit()
FirstFrame(window, shown)
window.show()
app.exec()
"""


def first_frame(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from the process start to its first frame, and the CPU seconds (user + system)
    the whole process used: other work on the machine disturbs the second far less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = FIRST_FRAME.search(result.stdout)
    if result.returncode != 0 or found is None:
        sys.exit(f"{command} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(found.group(1)), cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--importtime",
        action="store_true",
        help="after the rounds, print the 15 slowest imports of one kiosk start (-X importtime)",
    )
    parser.add_argument(
        "--from-source",
        action="store_true",
        help="no bytecode cache of the bench's own; PYTHONDONTWRITEBYTECODE is left as it is",
    )
    parser.add_argument(
        "--fullscreen", action="store_true", help="start the kiosk fullscreen, as on a tablet"
    )
    args = parser.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", UKUK_EXIT_AT_FIRST_FRAME="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    bare = [sys.executable, "-c", BARE_WINDOW]
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with (
        tempfile.TemporaryDirectory(prefix="cold-start-") as folder,
        tempfile.TemporaryDirectory(prefix="cold-start-bytecode-") as bytecode,
    ):
        if not args.from_source:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = bytecode
        shown = [] if args.fullscreen else ["--windowed"]
        kiosk = [sys.executable, "-m", "kiosk", "--demo", *shown, "--data-dir", folder]
        first_frame(kiosk, env)  # the first start makes the key and database: not timed
        first_frame(bare, env)
        bare_s: list[tuple[float, float]] = []
        kiosk_s: list[tuple[float, float]] = []
        for _ in range(args.rounds):
            bare_s.append(first_frame(bare, env))
            kiosk_s.append(first_frame(kiosk, env))
        if args.importtime:
            traced = subprocess.run(
                [sys.executable, "-X", "importtime", *kiosk[1:]],
                capture_output=True, text=True, env=env, timeout=120,
            )  # fmt: skip
            rows = [r.split("|") for r in traced.stderr.splitlines() if r.count("|") == 2]
            timed = [(int(r[1]), r[2].rstrip()) for r in rows if r[1].strip().isdigit()]
            print("slowest imports (cumulative µs):")
            for micros, name in sorted(timed, reverse=True)[:15]:
                print(f"  {micros:>8}  {name}")
    compiled = "from source" if args.from_source else "compiled modules"
    window = "fullscreen" if args.fullscreen else "windowed"
    print(f"rounds: {args.rounds}, offscreen, {window}, {compiled}, {os.cpu_count()} cores")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, runs in (
        ("bare PySide6 window", bare_s),
        (" ".join(["kiosk --demo", *shown]), kiosk_s),
    ):
        frames, cpu = [r[0] for r in runs], [r[1] for r in runs]
        print(
            f"{name:<27} first frame median {statistics.median(frames):.3f} s, fastest "
            f"{min(frames):.3f} s; CPU of the whole process median {statistics.median(cpu):.3f} s"
        )
    ratio = statistics.median(r[0] for r in kiosk_s) / statistics.median(r[0] for r in bare_s)
    cpu_ratio = statistics.median(r[1] for r in kiosk_s) / statistics.median(r[1] for r in bare_s)
    verdict = "met" if ratio <= TARGET_RATIO else "missed"
    print(
        f"kiosk / bare window: first frame {ratio:.2f} × (target ≤ {TARGET_RATIO} ×: {verdict}), "
        f"CPU {cpu_ratio:.2f} ×"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
