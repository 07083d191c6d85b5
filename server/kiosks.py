"""Heartbeats and the staff overview of kiosks, with flags for the ones that need a visit.

Flags (computed when listed, from the last contact and the last heartbeat):
- ``silent``: an enrolled kiosk with no contact for more than 24 hours;
- ``behind``: more than 1000 records waiting on the kiosk, or the oldest waiting for more than
  3 days;
- ``clock_off``: the kiosk's clock is more than 10 minutes off the server's.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from common.messages import HeartbeatRequest
from server.auth import Kiosk
from server.db import kiosks, utc_now
from server.web_channel.names import WEB_STATUS

log = logging.getLogger("server.kiosks")

SILENT_AFTER = timedelta(hours=24)
BEHIND_PENDING = 1000
BEHIND_OLDEST = timedelta(days=3)
CLOCK_OFF_S = 600.0


def record_heartbeat(engine: Engine, kiosk: Kiosk, heartbeat: HeartbeatRequest) -> None:
    now = utc_now()
    with engine.begin() as conn:
        conn.execute(
            update(kiosks)
            .where(kiosks.c.id == kiosk.id)
            .values(
                last_heartbeat=heartbeat.model_dump_json(),
                last_heartbeat_at=now,
                last_seen_at=now,
                app_version=heartbeat.app_version,
            )
        )


@dataclass(frozen=True)
class KioskStatus:
    name: str
    center_id: str
    device_id: str | None
    status: str
    last_seen_at: datetime | None
    pending_count: int | None
    flags: list[str] = field(default_factory=list)
    heartbeat: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "center_id": self.center_id,
            "device_id": self.device_id,
            "status": self.status,
            "last_seen_at": self.last_seen_at.isoformat() if self.last_seen_at else None,
            "pending_count": self.pending_count,
            "flags": self.flags,
            "last_heartbeat": self.heartbeat,
        }


def flags_for(
    status: str, last_seen_at: datetime | None, heartbeat: dict[str, Any] | None, now: datetime
) -> list[str]:
    flags: list[str] = []
    if status == "active" and (last_seen_at is None or now - last_seen_at > SILENT_AFTER):
        flags.append("silent")
    if heartbeat:
        pending = _number(heartbeat.get("pending_count"))
        oldest = _number(heartbeat.get("oldest_pending_age_s"))
        if pending > BEHIND_PENDING or oldest > BEHIND_OLDEST.total_seconds():
            flags.append("behind")
        if abs(_number(heartbeat.get("clock_offset_s"))) > CLOCK_OFF_S:
            flags.append("clock_off")
    return flags


def _number(value: Any) -> float:
    """A stored heartbeat number; 0 when absent or null (an infinite value was kept as null
    before such numbers were refused)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value  # an int may be too large for a float; it compares all the same
    return 0.0


def list_kiosks(engine: Engine, now: datetime | None = None) -> list[KioskStatus]:
    now = now or utc_now()
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        rows = conn.execute(
            select(
                kiosks.c.name,
                kiosks.c.center_id,
                kiosks.c.device_id,
                kiosks.c.status,
                kiosks.c.last_seen_at,
                kiosks.c.last_heartbeat,
            )
            .where(kiosks.c.status != WEB_STATUS)  # the web channel's chains are no kiosks
            .order_by(kiosks.c.center_id, kiosks.c.name)
        ).all()
    result = []
    for row in rows:
        heartbeat = json.loads(row.last_heartbeat) if row.last_heartbeat else None
        result.append(
            KioskStatus(
                name=row.name,
                center_id=row.center_id,
                device_id=row.device_id,
                status=row.status,
                last_seen_at=row.last_seen_at,
                pending_count=heartbeat.get("pending_count") if heartbeat else None,
                flags=flags_for(row.status, row.last_seen_at, heartbeat, now),
                heartbeat=heartbeat,
            )
        )
    return result
