"""The audit log: who did what to accounts, kiosks, catalogs and comments, and when."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from server.db import audit_log, utc_now


def audit(
    conn: Connection,
    user_id: int | None,
    action: str,
    detail: dict[str, Any],
    *,
    at: datetime | None = None,
) -> None:
    """Record who (``user_id``; None for the command line) did what, in ``conn``'s
    transaction, so the action and its record stand or fall together.

    ``action`` is a short name (``kiosk.revoke``, ``hide_comment``); ``detail`` a JSON object
    that must hold no secret (no password, no enrollment code).
    """
    conn.execute(
        audit_log.insert().values(
            at=at or utc_now(),
            user_id=user_id,
            action=action,
            detail=json.dumps(detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
        )
    )
