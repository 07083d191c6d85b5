"""The ``kiosk`` command (it needs the ``kiosk`` extra: Qt and the sync client)."""

from __future__ import annotations

import sys

from common.entry import run

KIOSK_NEEDS = ("PySide6",)
"""Qt is imported once the arguments are read; a server install has none."""


def main() -> int:
    return run("ui.main:main", "kiosk", "kiosk", needs=KIOSK_NEEDS)


if __name__ == "__main__":
    sys.exit(main())
