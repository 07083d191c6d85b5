"""The ``kiosk-server`` command, which says what to install when the server extra is missing
(a kiosk installs the package without FastAPI, SQLAlchemy and the database drivers)."""

from __future__ import annotations

import sys


def main() -> int:
    try:
        from server.cli import main as run
    except ModuleNotFoundError as exc:
        print(
            f"kiosk-server: the {exc.name!r} package is missing; the server needs the server "
            "extra: pip install 'ukukavshiri[server]'",
            file=sys.stderr,
        )
        return 2
    return run()


if __name__ == "__main__":
    sys.exit(main())
