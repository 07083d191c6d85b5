"""The demo kiosk (``kiosk --demo``) never syncs: its ratings are made up.

Kept apart so that enrollment, the sync job and the status all refuse it the same way.
"""

from __future__ import annotations

from kiosk.storage import Store
from sync.client import SyncError

DEMO_MESSAGE = "This is the demo kiosk's data; its ratings are never sent to a server."


class DemoData(SyncError):
    """The data directory is the demo kiosk's (``kiosk --demo``): its made-up ratings never go
    to a server, so it is neither enrolled nor synced."""


def refuse_demo(store: Store) -> None:
    """Raise :class:`DemoData` when ``store`` is the demo kiosk's database."""
    if store.is_demo():
        raise DemoData(DEMO_MESSAGE, code="demo")
