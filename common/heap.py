"""Telling Python's garbage collector that what a process built to start will stay.

Once started, a kiosk holds about 95 000 objects and a server process about 150 000 that live
as long as it does: modules, classes, templates, Qt's wrappers. Every full collection of the
cyclic garbage collector walked all of them again, whichever thread's allocations set it off:
36 ms in a kiosk, where it stops the GUI thread too, and 70–90 ms in a server process
(docs/performance.md, "The garbage collector"). Moved to the permanent generation
(:func:`gc.freeze`), they are never walked again; what the process makes afterwards is
collected as before.
"""

from __future__ import annotations

import gc


def freeze_startup() -> int:
    """Collect once, then freeze every object still alive; how many are frozen in all.

    Collecting first frees what the start left behind instead of keeping it for good.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
