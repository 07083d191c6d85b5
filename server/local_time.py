"""Georgia's time, in which city hall, councils and citizens read the server's moments.

The server keeps every moment in UTC; pages show them here. Georgia keeps UTC+4 all year (no
summer time since 2005), so a fixed offset is exact and needs no time-zone database.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

MUNICIPAL_TIME = timezone(timedelta(hours=4), "UTC+4")


def local_time_text(moment: datetime) -> str:
    """A moment as people there read it, to the minute, e.g. ``2026-01-14 13:30 (UTC+4)``."""
    return f"{moment.astimezone(MUNICIPAL_TIME):%Y-%m-%d %H:%M} (UTC+4)"
