"""What staff and ``kiosk-sync --status`` see about sync: the status model and its words.

The status is saved in the kiosk database's ``meta`` table by the sync job after every step,
so another process (the staff panel, the command line) can read it while a sync runs. The
counts (waiting, set aside) are not trusted from the saved copy: they are read fresh from the
records each time, so they are right even when the last sync was long ago.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from kiosk.storage import Store
from sync.demo import DEMO_MESSAGE
from sync.keys import KioskFiles

META_STATUS = "sync.status"

STATE_WORDS = {
    "never": "Not synced yet.",
    "syncing": "Syncing now.",
    "ok": "Synced.",
    "retrying": "Could not sync; will try again by itself.",
    "stopped": "Sync stopped: the server refused this kiosk. Enroll it again.",
    "not_enrolled": "This kiosk is not enrolled with a server yet.",
    "demo": DEMO_MESSAGE,
    "error": "Sync needs attention.",
}


@dataclass(frozen=True)
class SyncStatus:
    """What staff and the admin panel see about sync; persisted in the store's meta table.

    ``state`` is one of: ``never`` (no sync tried yet), ``syncing``, ``ok``, ``retrying``
    (temporary problem, will try again by itself), ``stopped`` (the server refused this kiosk:
    enroll again), ``not_enrolled``, ``demo`` (the demo kiosk: never synced), ``error`` (a
    problem that needs a person). ``pending_count`` counts records, ``pending_ratings`` the
    ratings they belong to (a rating, its reasons and its comment are three records).
    """

    state: str = "never"
    pending_count: int = 0
    pending_ratings: int = 0
    oldest_pending_at: str | None = None
    quarantined_count: int = 0
    last_attempt_at: str | None = None
    last_success_at: str | None = None
    last_error: str | None = None
    last_error_code: str | None = None
    consecutive_failures: int = 0
    next_attempt_at: str | None = None
    server_url: str | None = None
    kiosk_name: str | None = None
    catalog_version: str | None = None
    catalog_error: str | None = None
    last_run_uploaded: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> SyncStatus:
        """The saved status; a missing or damaged one reads as "never synced"."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def describe(self) -> str:
        """A few lines in plain words, for ``kiosk-sync --status``."""
        lines = [STATE_WORDS.get(self.state, self.state)]
        if self.kiosk_name or self.server_url:
            lines.append(f"Kiosk: {self.kiosk_name or '?'} at {self.server_url or '?'}")
        lines.append(
            f"Waiting to be sent: {self.pending_ratings} ratings ({self.pending_count} records)"
        )
        if self.oldest_pending_at:
            lines.append(f"Oldest waiting since: {self.oldest_pending_at}")
        lines.append(f"Set aside (refused by the server): {self.quarantined_count}")
        lines.append(f"Last successful sync: {self.last_success_at or 'never'}")
        if self.last_error:
            lines.append(f"Last problem: {self.last_error}")
        if self.next_attempt_at:
            lines.append(f"Next try: {self.next_attempt_at}")
        if self.catalog_version:
            lines.append(f"Catalog version: {self.catalog_version}")
        if self.catalog_error:
            lines.append(f"Catalog problem: {self.catalog_error}")
        return "\n".join(lines)


def saved_status(store: Store) -> SyncStatus:
    """The status as last saved, counts as they were then."""
    return SyncStatus.from_json(store.get_meta(META_STATUS))


def with_counts(store: Store, status: SyncStatus) -> SyncStatus:
    """``status`` with the waiting and set-aside counts read from the records now."""
    return replace(
        status,
        pending_count=store.pending_count(),
        pending_ratings=store.pending_ratings(),
        oldest_pending_at=store.oldest_pending_at(),
        quarantined_count=len(store.quarantined()),
    )


def read_status(data_dir: Path | str) -> SyncStatus:
    """The persisted status with fresh counts; safe to call while a sync runs elsewhere."""
    files = KioskFiles(data_dir)
    enrolled = files.enrollment() is not None
    if not files.db_path.exists():
        return SyncStatus(state="never" if enrolled else "not_enrolled")
    with Store(files.db_path) as store:
        status = with_counts(store, saved_status(store))
        if store.is_demo():
            return replace(status, state="demo")
    return status if enrolled else replace(status, state="not_enrolled")
