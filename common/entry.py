"""Console commands that name the missing extra instead of showing a traceback.

One distribution carries the kiosk and the server; a municipal server installs it with the
``server`` extra and a tablet with ``kiosk`` (README, "Installing"). Every command is
installed either way, so a command whose role was not installed says what to install.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def run(target: str, extra: str, prog: str) -> int:
    """Call ``module:function`` in ``target``; exit 2 naming ``extra`` if a package is missing."""
    module_name, _, function = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        print(
            f"{prog}: the {exc.name!r} package is missing; this command needs the {extra} "
            f"extra: pip install 'ukukavshiri[{extra}]'",
            file=sys.stderr,
        )
        return 2
    main: Callable[[], int] = getattr(module, function)
    return main()
