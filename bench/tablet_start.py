"""How fast the tablet build starts, beside the same app run from source, in the same run.

Each round runs, one after the other: a bare interpreter (``python -c pass``, the floor of any
start from source), ``kiosk --version`` from source and from the bundle, and ``kiosk
--self-test`` from source and from the bundle. ``--self-test`` reports its first frame
counted from the process start (``ui.first_frame.process_age_s``: before Python, and before the
bundle's bootloader); the wall time of each whole process is measured here. Rounds alternate
the commands so that load from other work falls on both alike; medians and the fastest run
are printed, with the bundle/source ratio, and the CPU time each process used (user + system),
which load from other work disturbs far less than wall time.

    python bench/tablet_start.py dist/ukukavshiri-<version>/ukukavshiri [--rounds 10]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_FIRST_FRAME_S = 3.0
"""A kiosk restarted after a crash (systemd waits 3 s) shows its window within this long."""
FIRST_FRAME = re.compile(r"first frame ([0-9.]+) s after start")


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, float | None]:
    """Wall and CPU seconds of the whole process, and its self-reported first frame."""
    cpu = cpu_of_children()
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{command} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    found = FIRST_FRAME.search(result.stdout)
    return wall, cpu_of_children() - cpu, float(found.group(1)) if found else None


def line(name: str, values: list[float]) -> str:
    return f"{name:<28} median {statistics.median(values):6.3f} s   fastest {min(values):6.3f} s"


def ratio(bundled: list[float], from_source: list[float]) -> float:
    return statistics.median(bundled) / statistics.median(from_source)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="the built program (dist/…/ukukavshiri)")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    env = {name: value for name, value in os.environ.items() if name != "QT_QPA_PLATFORM"}
    source = [sys.executable, "-m", "kiosk"]
    bundle = [str(args.bundle.resolve())]
    commands = {
        "floor: python -c pass": [sys.executable, "-c", "pass"],
        "source --version": [*source, "--version"],
        "bundle --version": [*bundle, "--version"],
        "source --self-test": [*source, "--self-test"],
        "bundle --self-test": [*bundle, "--self-test"],
    }
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    frames: dict[str, list[float]] = {"source": [], "bundle": []}
    load_before = os.getloadavg()[0]
    for command in commands.values():  # warm the file cache; not counted
        timed(command, env)
    for _round in range(args.rounds):
        for name, command in commands.items():
            wall, cpu, frame = timed(command, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
            if frame is not None:
                frames[name.split()[0]].append(frame)
    print(
        f"{args.rounds} rounds on {os.cpu_count()} cores; load average {load_before:.1f} "
        f"before, {os.getloadavg()[0]:.1f} after"
    )
    print("whole process (wall):")
    for name, values in walls.items():
        print("  " + line(name, values))
    print("whole process (CPU, user + system):")
    for name, values in cpus.items():
        print("  " + line(name, values))
    print("process start → first frame painted (--self-test):")
    for name, values in frames.items():
        print("  " + line(name, values))

    print("bundle/source, medians:")
    pairs = {
        "first frame": (frames["bundle"], frames["source"]),
        "--self-test wall": (walls["bundle --self-test"], walls["source --self-test"]),
        "--self-test CPU": (cpus["bundle --self-test"], cpus["source --self-test"]),
        "--version wall": (walls["bundle --version"], walls["source --version"]),
        "--version CPU": (cpus["bundle --version"], cpus["source --version"]),
    }
    for name, (bundled, from_source) in pairs.items():
        print(f"  {name:<18} {ratio(bundled, from_source):.2f}")
    verdict = "ok" if statistics.median(frames["bundle"]) <= TARGET_FIRST_FRAME_S else "MISS"
    print(f"target: bundle first frame ≤ {TARGET_FIRST_FRAME_S:g} s (median): {verdict}")


if __name__ == "__main__":
    main()
