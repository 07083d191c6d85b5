"""The export file: how records of a kiosk without network travel to city hall on removable
media (``docs/export.md``). The kiosk writes it (``kiosk.export``); the server reads it
(``server.imports``) with the same checks, from this one definition."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

FORMAT = "ukukavshiri-export"
VERSION = 1


class ExportError(Exception):
    """The export could not be written or read back intact; the message says why."""


def records_checksum(records: list[dict[str, Any]]) -> str:
    """Hex SHA-256 of the records as compact JSON with sorted keys, non-ASCII kept."""
    encoded = json.dumps(records, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def parse_export(raw: bytes, source: str) -> dict[str, Any]:
    """Check an export document's bytes; :class:`ExportError` says what is wrong with it."""
    try:
        document = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ExportError(f"{source}: not an export file (invalid JSON: {exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ExportError(f"{source}: not an {FORMAT} file")
    if document.get("version") != VERSION:
        raise ExportError(f"{source}: export version {document.get('version')!r} is not supported")
    records = document.get("records")
    if not isinstance(records, list):
        raise ExportError(f"{source}: 'records' is missing")
    if records_checksum(records) != document.get("records_sha256"):
        raise ExportError(f"{source}: checksum mismatch; the file is damaged or was edited")
    return document


def read_export(path: Path) -> dict[str, Any]:
    """Read and check an export file; :class:`ExportError` says what is wrong with it."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ExportError(f"{path}: cannot be read ({exc.strerror})") from exc
    return parse_export(raw, str(path))
