"""Export of not-yet-synced records to a file, for kiosks that never get a network.

The file is one JSON document (format ``ukukavshiri-export``, version 2; see
``docs/export.md``) with a SHA-256 checksum over its records, signed with the kiosk's device
key (:func:`kiosk.keys.device_key` of the folder holding ``kiosk.db``), so city hall can tell
it comes from this kiosk and was not edited on the way. ``kiosk-server import FILE``
stores each record the way an upload would, so importing a file twice, or a file and then a
later sync, counts every rating once. Exported records stay pending on the kiosk: only the
server's answer to a sync marks them synced.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common import __version__
from common.export_format import (
    FORMAT,
    VERSION,
    ExportError,
    read_export,
    records_checksum,
    sign_export,
)
from common.records import Record, format_utc
from kiosk.keys import CredentialsError, device_key
from kiosk.storage import Store, utc_now


@dataclass(frozen=True)
class ExportResult:
    path: Path
    count: int
    """Records in the file."""
    ratings: int = 0
    """Ratings they belong to (a rating's reasons and comment are records of their own)."""


def build_export(
    store: Store, center_id: str, key: Ed25519PrivateKey, now: datetime | None = None
) -> dict[str, Any]:
    """The signed export document of every pending record of ``store``."""
    records = [r.to_wire() for r in _all_pending(store)]
    document = {
        "format": FORMAT,
        "version": VERSION,
        "device_id": store.device_id,
        "center_id": center_id,
        "app_version": __version__,
        "exported_at": format_utc(now or utc_now()),
        "records": records,
        "records_sha256": records_checksum(records),
    }
    try:
        return sign_export(document, key)
    except ValueError as exc:  # a center id with a line break cannot be signed unambiguously
        raise ExportError(f"the export cannot be signed: {exc}") from None


def _all_pending(store: Store) -> list[Record]:
    out: list[Record] = []
    after = 0
    while batch := store.pending(limit=1000, after_seq=after):
        out.extend(batch)
        after = batch[-1].seq
    return out


def write_export(store: Store, folder: Path, center_id: str) -> ExportResult:
    """Write the export into ``folder`` (e.g. a USB stick), flush it and read it back.

    Signed with the device key of the data directory holding the store's database (made
    there if the kiosk has none yet).
    """
    if store.is_demo():
        raise ExportError("the demo kiosk's ratings are made up; they are never exported")
    try:
        key = device_key(store.path.parent)
    except (CredentialsError, OSError) as exc:
        raise ExportError(f"cannot sign the export: {exc}") from exc
    document = build_export(store, center_id, key)
    stamp = document["exported_at"].replace(":", "").replace("-", "")[:15]
    path = Path(folder) / f"ukukavshiri-{document['device_id'][:8]}-{stamp}.json"
    data = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    tmp = path.with_suffix(".part")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        back = read_export(path)  # checks the checksum and the signature too
        if (back["records_sha256"], back["signature"]) != (
            document["records_sha256"],
            document["signature"],
        ):
            raise ExportError(f"{path}: the file read back differs from what was written")
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"could not write to {folder}: {exc.strerror or exc}") from exc
    records = document["records"]
    return ExportResult(path, len(records), len({r["rating_uuid"] for r in records}))
