"""``python -m kiosk``: the same as the ``kiosk`` command (the touch UI lives in ``ui``, a layer
above this core, so it is started by name rather than imported)."""

from __future__ import annotations

import sys

from common.entry import run

if __name__ == "__main__":
    sys.exit(run("ui.entry:main", "kiosk", "kiosk"))
