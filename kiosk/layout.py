"""How a record sits in a row of the kiosk's ``records`` table: its compact forms on disk.

Why: a kiosk keeps every rating until the server has held it long enough, on a tablet's small
disk, and the bytes written per tap are bytes fsynced before the citizen is thanked. The wire
form of a record (``common.records``: hex, 36-character uuids, repeated names) is what is
hashed, signed and uploaded, and it is never changed here; the storage converts at its
boundary. Every compact form gives back exactly the text it came from, and a value that has
none (a uuid not in its canonical form, say, in a database written by an older kiosk) is kept
as it is, so a row always reads back as the record that was written. ``docs/records.md``
("The kiosk's local storage") states each form.

Reading is driven by each value's SQLite type (bytes, integer, text, NULL), so one decoder
reads rows of this layout, rows of the layout before it (text throughout) and rows salvaged
from a damaged file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from common.records import FIELDS, Kind, SyncState

BOOKKEEPING: tuple[str, ...] = ("sync_state", "quarantine_reason")
"""Columns after the record's fields: where the record stands in sync, not hashed."""
COLUMNS: tuple[str, ...] = ("seq", *(name for name in FIELDS if name != "seq"), *BOOKKEEPING)
"""The records table's columns in their order on disk: ``seq`` (the rowid), one column per
record field under the field's name, then the bookkeeping. Layouts before schema 3 had the
same field columns in the same order (their bookkeeping differed)."""
FIELD_COLUMNS = len(COLUMNS) - len(BOOKKEEPING)
"""How many leading columns hold the record's fields, in every layout."""

CODED: tuple[str, ...] = ("device_id", "center_id", "service_id", "catalog_version", "language")
"""Fields that hold one of a few texts repeated on every row: stored as ids into ``texts``."""

KIND_CODES: dict[str, int] = {Kind.RATING: 0, Kind.REASONS: 1, Kind.COMMENT: 2}
"""On disk for good: never renumbered. 0 and 1 take no bytes in SQLite's record format."""
STATE_CODES: dict[str, int] = {SyncState.PENDING: 0, SyncState.SYNCED: 1, SyncState.QUARANTINED: 2}
"""On disk for good, like :data:`KIND_CODES`; the partial index holds rows whose state is 0."""
KINDS = {code: Kind(kind) for kind, code in KIND_CODES.items()}
STATES = {code: SyncState(state) for state, code in STATE_CODES.items()}

PENDING = STATE_CODES[SyncState.PENDING]
SYNCED = STATE_CODES[SyncState.SYNCED]
QUARANTINED = STATE_CODES[SyncState.QUARANTINED]

EPOCH = datetime(1970, 1, 1)
"""In UTC; naive, as are the times parsed from the ``Z`` form."""
_MICROSECOND = timedelta(microseconds=1)

Coder = Callable[[str], int]
"""Gives the ``texts`` id of a text, adding it if it is new."""


# -- one value each way ---------------------------------------------------------------------


def uuid_in(text: str) -> bytes | str:
    """A uuid's 16 bytes, when they give back exactly ``text``."""
    if isinstance(text, str) and len(text) == 36:
        try:
            raw = bytes.fromhex(text.replace("-", ""))
        except ValueError:
            return text
        if len(raw) == 16 and uuid_out(raw) == text:
            return raw
    return text


def uuid_out(value: bytes | str) -> str:
    if isinstance(value, bytes):
        h = value.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return _text(value)


def hash_in(text: str) -> bytes | str:
    """A hash's 32 bytes, when ``text`` is 64 lowercase hex digits."""
    if isinstance(text, str) and len(text) == 64:
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            return text
        if raw.hex() == text:
            return raw
    return text


def hash_out(value: bytes | str) -> str:
    return value.hex() if isinstance(value, bytes) else _text(value)


def time_in(text: str) -> int | str:
    """Microseconds since 1970-01-01 UTC, when ``text`` is in the form the kiosk writes
    (``YYYY-MM-DDTHH:MM:SS.ffffffZ``) and comes back from them unchanged."""
    if not (isinstance(text, str) and len(text) == 27 and text.endswith("Z")):
        return text
    try:
        moment = datetime.fromisoformat(text[:-1])
        micros = (moment - EPOCH) // _MICROSECOND
    except (ValueError, TypeError):  # not a time, or one with an offset of its own
        return text
    return micros if time_out(micros) == text else text


def time_out(value: int | str) -> str:
    if isinstance(value, int):
        return (EPOCH + value * _MICROSECOND).isoformat(timespec="microseconds") + "Z"
    return _text(value)


def list_in(items: list[str] | tuple[str, ...]) -> str | None:
    """NULL for an empty list, else compact JSON."""
    if not items:
        return None
    return json.dumps(list(items), ensure_ascii=False, separators=(",", ":"))


def list_out(value: str | None) -> list[Any]:
    if value is None:
        return []
    items = json.loads(_text(value))
    if not isinstance(items, list):
        raise ValueError("a stored list is not a list")
    return items


def kind_in(kind: str) -> int | str:
    return KIND_CODES.get(kind, kind)


def kind_out(value: int | str) -> str:
    return KINDS[value] if isinstance(value, int) else _text(value)


def state_out(value: int | str) -> SyncState:
    """A stored sync state; one that cannot be read counts as pending (sending a record again
    is harmless: the server keeps one)."""
    if isinstance(value, int):
        return STATES.get(value, SyncState.PENDING)
    return SyncState(value) if value in STATE_CODES else SyncState.PENDING


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value


# -- whole rows -----------------------------------------------------------------------------


def encode(wire: Mapping[str, Any], code: Coder) -> dict[str, Any]:
    """The field columns of a record given in its wire form (lists may be tuples), keyed by
    column, ``seq`` included."""
    row = {
        "seq": wire["seq"],
        "uuid": uuid_in(wire["uuid"]),
        "kind": kind_in(wire["kind"]),
        "rating_uuid": None
        if wire["rating_uuid"] == wire["uuid"]
        else uuid_in(wire["rating_uuid"]),
        "score": wire["score"],
        "reasons": list_in(wire["reasons"]),
        "comment": wire["comment"],
        "created_at": time_in(wire["created_at"]),
        "utc_offset_min": wire["utc_offset_min"],
        "flags": list_in(wire["flags"]),
        "prev_hash": hash_in(wire["prev_hash"]),
        "hash": hash_in(wire["hash"]),
    }
    for name in CODED:
        row[name] = code(wire[name])
    return row


def decode(values: Mapping[str, Any], texts: Mapping[int, str]) -> dict[str, Any]:
    """The wire form of a record from its field columns (keyed by column) in any layout.

    Raises ``KeyError`` for a text id ``texts`` lacks and ``TypeError``/``ValueError`` for a
    value no layout writes."""
    uuid = uuid_out(values["uuid"])
    rating_uuid = values["rating_uuid"]
    wire = {
        "uuid": uuid,
        "seq": values["seq"],
        "kind": kind_out(values["kind"]),
        "rating_uuid": uuid if rating_uuid is None else uuid_out(rating_uuid),
        "score": values["score"],
        "reasons": list_out(values["reasons"]),
        "comment": values["comment"],
        "created_at": time_out(values["created_at"]),
        "utc_offset_min": values["utc_offset_min"],
        "flags": list_out(values["flags"]),
        "prev_hash": hash_out(values["prev_hash"]),
        "hash": hash_out(values["hash"]),
    }
    for name in CODED:
        value = values[name]
        wire[name] = texts[value] if isinstance(value, int) else _text(value)
    return wire
