"""What the staff screens need from the rest of the app, in one place."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from common.catalog import Catalog
from common.theme import Theme
from kiosk.database import KioskDatabase
from kiosk.pin import PinGuard
from kiosk.settings import Settings

if TYPE_CHECKING:
    from ui.speech import SpeechSupport  # Listen's modules load after the first frame

Enroller = Callable[[Path, str, str], object]
"""``enroll(data_dir, server_url, code)``; returns an enrollment with ``center_id``."""


def default_enroller(data_dir: Path, url: str, code: str) -> object:
    from sync.enrollment import enroll

    return enroll(data_dir, url, code)


def removable_media() -> list[Path]:
    """Mounted USB sticks and cards where a desktop mounts them (Debian, Ubuntu, Fedora)."""
    found: list[Path] = []
    for root in (Path("/media"), Path("/run/media")):
        if not root.is_dir():
            continue
        for user_dir in root.iterdir():
            try:
                found.extend(p for p in user_dir.iterdir() if p.is_dir())
            except OSError:
                continue
    return sorted(found)


@dataclass
class StaffServices:
    data_dir: Path
    store: KioskDatabase
    """Writes (audit entries, PIN counters) are handed to the database thread; reads go
    through ``store.read`` on a worker, never on the GUI thread."""
    catalog: Callable[[], Catalog]
    settings: Callable[[], Settings]
    apply_settings: Callable[[Settings, str], None]
    """Save, record in the audit log (with the given description) and apply at once."""
    pin: PinGuard
    sync_now: Callable[[], None] | None = None
    sync_status: Callable[[], object] | None = None
    export_folders: Callable[[], list[Path]] = field(default=removable_media)
    exit_app: Callable[[], None] = field(default=lambda: None)
    themes: tuple[str, ...] = ("demo", "seaside")
    theme_looks: Mapping[str, Theme] = field(default_factory=dict)
    """The themes of ``themes``, read at start-up, so choosing one shows a preview without
    reading files on the GUI thread."""
    demo: bool = False
    """The demo kiosk (``kiosk --demo``): its ratings never leave the tablet."""
    speech: Callable[[], SpeechSupport | None] = field(default=lambda: None)
    """Whether this tablet can speak for Listen; None while that is being found out."""
    try_speech: Callable[[], None] | None = None
    """Say a sentence as citizens will hear it (to set up headphones or a speaker)."""
