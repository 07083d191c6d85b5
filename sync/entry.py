"""The ``kiosk-sync`` command (it needs the ``kiosk`` extra)."""

from __future__ import annotations

import sys

from common.entry import run


def main() -> int:
    return run("sync.cli:main", "kiosk", "kiosk-sync")


if __name__ == "__main__":
    sys.exit(main())
