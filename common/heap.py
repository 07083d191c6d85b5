"""Telling Python's garbage collector that what a process built to start will stay.

A server process or a kiosk holds, once started, about 100 000 objects that live as long as
it does: modules, classes, compiled templates, Qt's wrappers. Every full collection of the
cyclic garbage collector walked all of them again: 36 ms in a kiosk, on the GUI thread and
while a citizen taps; 87 ms in a server process, twice in a catch-up of 30 000 ratings (a
tenth of the server's CPU with the collections of the younger generations, docs/performance.md,
"The garbage collector"). Moved to the permanent generation (:func:`gc.freeze`), they are
never walked again; what the process makes afterwards is collected as before.
"""

from __future__ import annotations

import gc


def freeze_startup() -> int:
    """Collect once, then freeze every object still alive; how many were frozen in all.

    Collecting first frees what the start left behind instead of keeping it for good.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
