"""The ``kiosk`` command (it needs the ``kiosk`` extra: Qt and the sync client)."""

from __future__ import annotations

import sys

from common.entry import run


def main() -> int:
    return run("ui.main:main", "kiosk", "kiosk")


if __name__ == "__main__":
    sys.exit(main())
