"""How long a citizen's tap waits for its rating to be durably on disk.

Appends ratings through the same ``Store.append`` the writer thread uses (WAL,
synchronous=FULL, a transaction per record) and prints latency percentiles, so a slow tablet
disk can be judged against the one-frame (16 ms) budget of the GUI thread — which never waits
for it anyway, since the writer thread commits.

    python bench/commit_latency.py [--count 2000] [--dir /path/on/the/tablet/disk]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from kiosk.storage import Draft, Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--dir", type=Path, default=None, help="folder for the test database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        store = Store(Path(folder) / "bench.db")
        draft = Draft(
            kind="rating",
            rating_uuid=None,
            center_id="central-service-hall",
            service_id="free-canteen",
            catalog_version="2026.1",
            language="ka",
            score=4,
        )
        timings = []
        for _ in range(args.count):
            start = time.perf_counter()
            store.append(draft)
            timings.append((time.perf_counter() - start) * 1000)
        size = (Path(folder) / "bench.db").stat().st_size
        store.close()
    timings.sort()

    def pct(p: float) -> float:
        return timings[min(len(timings) - 1, int(p / 100 * len(timings)))]

    print(f"records appended: {args.count}")
    print(
        f"commit latency ms: mean {statistics.mean(timings):.2f}  p50 {pct(50):.2f}  "
        f"p95 {pct(95):.2f}  p99 {pct(99):.2f}  max {timings[-1]:.2f}"
    )
    print(f"database size after checkpoint: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
