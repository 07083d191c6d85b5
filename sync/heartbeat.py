"""The heartbeat: the kiosk's state as the server's fleet overview shows it.

Readings the server would refuse must not fail a whole sync (the ratings are already up):
free disk space that cannot be read is sent as 0 (the kiosk then needs a look anyway), a
battery reading outside 0-100 as unknown, and the last error is cut to its documented length.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from common.messages import HeartbeatRequest, first_error
from kiosk.storage import Store
from sync.battery import battery_percent
from sync.catalog_fetch import META_CATALOG_VERSION
from sync.client import PermanentError

log = logging.getLogger("sync.heartbeat")

MAX_ERROR_CHARS = 2000
"""The longest ``last_sync_error`` the server accepts."""


def free_disk_bytes(path: Path) -> int | None:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def heartbeat_report(
    store: Store,
    *,
    data_dir: Path,
    app_version: str,
    clock_offset: float,
    last_error: str | None,
    now: datetime,
) -> HeartbeatRequest:
    """This kiosk's state, as a heartbeat body the server accepts.

    Anything invalid besides the readings above is a :class:`PermanentError`, as the server's
    400 ``malformed`` would be.
    """
    oldest = store.oldest_pending_at()
    age: int | None = None
    if oldest:
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(oldest.replace("Z", "+00:00"))
            age = max(0, int((now - moment).total_seconds()))
    free = free_disk_bytes(data_dir)
    if free is None:
        log.warning("free disk space could not be read; the heartbeat says 0")
    battery = battery_percent()
    try:
        return HeartbeatRequest(
            app_version=app_version,
            catalog_version=store.get_meta(META_CATALOG_VERSION) or None,
            pending_count=store.pending_count(),
            oldest_pending_age_s=age,
            last_sync_error=(
                last_error.replace("\x00", "")[:MAX_ERROR_CHARS] if last_error else None
            ),
            free_disk_bytes=free or 0,
            battery_percent=battery if battery is not None and 0 <= battery <= 100 else None,
            clock_offset_s=round(clock_offset, 3),
        )
    except ValidationError as exc:
        raise PermanentError(
            f"The kiosk's heartbeat could not be made ({first_error(exc)}).", code="malformed"
        ) from exc
