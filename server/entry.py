"""The ``kiosk-server`` command (it needs the ``server`` extra)."""

from __future__ import annotations

import sys

from common.entry import run


def main() -> int:
    return run("server.cli:main", "server", "kiosk-server")


if __name__ == "__main__":
    sys.exit(main())
