"""``python -m kiosk``: the same as the ``kiosk`` command."""

from __future__ import annotations

import sys

from ui.main import main

if __name__ == "__main__":
    sys.exit(main())
