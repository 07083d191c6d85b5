"""Console commands that name the missing extra instead of showing a traceback.

One distribution carries the kiosk and the server; a municipal server installs it with the
``server`` extra and a tablet with ``kiosk`` (README, "Installing"). Every command is
installed either way, so a command whose role was not installed says what to install. The
tablet's built program (``kiosk.spec``) has no pip to run: a package missing there means the
build left it out, and it says so.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Sequence


def run(target: str, extra: str, prog: str, needs: Sequence[str] = ()) -> int:
    """Call ``module:function`` in ``target``; exit 2 naming ``extra`` if a package is missing.

    ``needs``: packages the command imports only later (the kiosk loads Qt after parsing its
    arguments, to start sooner), looked for without importing them.
    """
    module_name, _, function = target.partition(":")
    missing = next((name for name in needs if importlib.util.find_spec(name) is None), None)
    try:
        if missing is not None:
            raise ModuleNotFoundError(name=missing)
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if getattr(sys, "frozen", False):
            advice = "this build left it out: build the program again from kiosk.spec"
        else:
            advice = f"this command needs the {extra} extra: pip install 'ukukavshiri[{extra}]'"
        print(f"{prog}: the {exc.name!r} package is missing; {advice}", file=sys.stderr)
        return 2
    main: Callable[[], int] = getattr(module, function)
    return main()
