"""The immutable records a kiosk writes, and their canonical encoding for the hash chain.

A rating session produces up to three append-only records: the ``rating`` (written the moment
the citizen taps a face), then optionally ``reasons`` and ``comment`` records that point back
to it through ``rating_uuid``. No record is edited after it is written, so sync never re-sends
a changed record and every record can be chained and signed.

Each kiosk's records form a hash chain: ``hash = sha256(canonical_bytes(record))`` where the
canonical bytes cover every field except ``hash`` itself (``prev_hash`` included). See
``docs/records.md`` for the encoding, which the server re-computes to verify the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

RecordKind = Literal["rating", "reasons", "comment"]
KINDS: tuple[str, ...] = ("rating", "reasons", "comment")

GENESIS_HASH = "0" * 64
"""``prev_hash`` of a kiosk's first record."""

HASHED_FIELDS: tuple[str, ...] = (
    "uuid",
    "seq",
    "kind",
    "rating_uuid",
    "device_id",
    "center_id",
    "service_id",
    "catalog_version",
    "score",
    "reasons",
    "comment",
    "language",
    "created_at",
    "utc_offset_min",
    "flags",
    "prev_hash",
)


@dataclass(frozen=True)
class Record:
    """One append-only record, exactly as it is stored, hashed and uploaded."""

    uuid: str
    seq: int
    kind: str
    rating_uuid: str
    device_id: str
    center_id: str
    service_id: str
    catalog_version: str
    score: int | None
    reasons: tuple[str, ...]
    comment: str | None
    language: str
    created_at: str
    """Device wall-clock time in UTC, ISO 8601 with microseconds and a ``Z``."""
    utc_offset_min: int
    """The device's UTC offset at ``created_at``, in minutes (Georgia: 240)."""
    flags: tuple[str, ...] = field(default_factory=tuple)
    prev_hash: str = GENESIS_HASH
    hash: str = ""

    def to_wire(self) -> dict[str, Any]:
        """The JSON object uploaded to the server (lists instead of tuples)."""
        data = asdict(self)
        data["reasons"] = list(self.reasons)
        data["flags"] = list(self.flags)
        return data

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Record:
        values = {name: data[name] for name in (*HASHED_FIELDS, "hash")}
        values["reasons"] = tuple(values["reasons"])
        values["flags"] = tuple(values["flags"])
        return cls(**values)


def canonical_bytes(data: dict[str, Any]) -> bytes:
    """UTF-8 JSON of the hashed fields: sorted keys, no spaces, non-ASCII kept as is."""
    subset = {name: data[name] for name in HASHED_FIELDS}
    subset["reasons"] = list(subset["reasons"])
    subset["flags"] = list(subset["flags"])
    return json.dumps(
        subset, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def record_hash(data: dict[str, Any]) -> str:
    """Hex SHA-256 of the canonical encoding; ``data`` may be a wire dict or ``asdict``."""
    return hashlib.sha256(canonical_bytes(data)).hexdigest()


def verify_chain(records: list[dict[str, Any]], prev_hash: str = GENESIS_HASH) -> int | None:
    """Index of the first record whose hash or link is wrong, or None if the run is intact.

    ``records`` must be consecutive by ``seq``; ``prev_hash`` is the hash before the first.
    """
    expected_prev = prev_hash
    for index, data in enumerate(records):
        if data["prev_hash"] != expected_prev or record_hash(data) != data["hash"]:
            return index
        expected_prev = data["hash"]
    return None
