"""The immutable records a kiosk writes: their fields (declared once, here), the vocabularies
they use, and the canonical encoding that chains them.

A rating session produces up to three append-only records: the ``rating`` (written the moment
the citizen taps a face), then optionally ``reasons`` and ``comment`` records that point back
to it through ``rating_uuid``. No record is edited after it is written, so sync never re-sends
a changed record and every record can be chained and signed.

Each field of :class:`Record` carries a :class:`Rule`: what the server accepts in it. The
kiosk's storage columns, the server's table, the server's validation of uploads and the
export files are all derived from this one declaration (``docs/records.md`` states it).

Each kiosk's records form a hash chain: ``hash = sha256(canonical_bytes(record))`` where the
canonical bytes cover every field except ``hash`` itself (``prev_hash`` included).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Any, Literal, NamedTuple


class Kind(StrEnum):
    """What a record carries: the score, the reasons chosen, or the comment."""

    RATING = "rating"
    REASONS = "reasons"
    COMMENT = "comment"


class Channel(StrEnum):
    """How a rating reached the server."""

    KIOSK = "kiosk"
    WEB_VERIFIED = "web-verified"
    """The municipal website, opened with a one-time code handed out with the service."""
    WEB_OPEN = "web-open"
    """The municipal website, opened by anyone with the link."""


class SyncState(StrEnum):
    """Where a record stands on the kiosk, from its own point of view."""

    PENDING = "pending"
    SYNCED = "synced"
    QUARANTINED = "quarantined"
    """The server refused it; kept, with the reason, for staff."""


class Flag(StrEnum):
    """Markers set on a record (by a kiosk, or by the server's web channel); they never cause
    a record to be dropped."""

    BURST = "burst"
    """More ratings than the kiosk's burst limit arrived within its burst window."""
    UNVERIFIED = "unverified"
    """Set by the server on a web answer that failed a soft check (``docs/web.md``)."""


HELD_APART = frozenset({Flag.BURST, Flag.UNVERIFIED})
"""Flags that keep a rating out of the results' figures by default; it is counted apart
(``docs/results.md``)."""


GENESIS_HASH = "0" * 64
"""``prev_hash`` of a kiosk's first record."""

MAX_SEQ = 2**63 - 1
"""The largest ``seq`` (a signed 64-bit integer, as both databases store it)."""

SCORES = range(1, 6)


class Rule(NamedTuple):
    """What the server accepts in one field (``docs/records.md`` states each one).

    ``type``: ``uuid`` (36-character form), ``text`` (valid Unicode, no NUL), ``int``,
    ``hex64`` (64 lowercase hex digits), ``time`` (ISO 8601, UTC), ``enum`` (the field's
    vocabulary in ``values``) or ``list`` (of texts of at most ``item_max`` characters, or of
    ``values`` when given). ``low``/``high`` are the length bounds of a text or list and the
    value bounds of an int.
    """

    type: Literal["uuid", "text", "int", "hex64", "time", "enum", "list"]
    low: int | None = None
    high: int | None = None
    nullable: bool = False
    item_max: int | None = None
    values: tuple[str, ...] = ()


def describe(rule: Rule) -> str:
    """The rule in the words of ``docs/records.md`` (a test holds the doc to it)."""
    null = "`null` or " if rule.nullable else ""
    if rule.type == "uuid":
        text = "a UUID in its 36-character form"
    elif rule.type == "hex64":
        text = "64 lowercase hex digits"
    elif rule.type == "time":
        text = "an ISO 8601 time with a `Z` or `±HH:MM` offset"
    elif rule.type == "enum":
        text = "one of " + ", ".join(f"`{value}`" for value in rule.values)
    elif rule.type == "int":
        bounds = [
            f"≥ {rule.low}" if rule.low is not None else "",
            f"≤ {rule.high}" if rule.high is not None else "",
        ]
        text = "an integer" + (" " + " and ".join(b for b in bounds if b) if any(bounds) else "")
    elif rule.type == "text":
        text = f"text of {rule.low} to {rule.high} characters, no NUL"
    else:
        items = (
            "each one of " + ", ".join(f"`{value}`" for value in rule.values)
            if rule.values
            else f"each text of at most {rule.item_max} characters"
        )
        text = f"a list of at most {rule.high} items, {items}"
    return null + text


def _rule(rule: Rule, **kwargs: Any) -> Any:
    return field(metadata={"rule": rule}, **kwargs)


@dataclass(frozen=True)
class Record:
    """One append-only record, exactly as it is stored, hashed and uploaded."""

    uuid: str = _rule(Rule("uuid"))
    seq: int = _rule(Rule("int", 1, MAX_SEQ))
    kind: str = _rule(Rule("enum", values=tuple(Kind)))
    rating_uuid: str = _rule(Rule("uuid"))
    device_id: str = _rule(Rule("uuid"))
    center_id: str = _rule(Rule("text", 1, 200))
    service_id: str = _rule(Rule("text", 1, 200))
    catalog_version: str = _rule(Rule("text", 0, 200))
    score: int | None = _rule(Rule("int", nullable=True))
    """1–5 on a rating, ``None`` otherwise (a wrong score is refused as ``score_out_of_range``)."""
    reasons: tuple[str, ...] = _rule(Rule("list", 0, 100, item_max=200))
    comment: str | None = _rule(Rule("text", 0, 20000, nullable=True))
    language: str = _rule(Rule("text", 1, 35))
    created_at: str = _rule(Rule("time"))
    """Device wall-clock time in UTC, ISO 8601 with microseconds and a ``Z``."""
    utc_offset_min: int = _rule(Rule("int", -1440, 1440))
    """The device's UTC offset at ``created_at``, in minutes (Georgia: 240)."""
    flags: tuple[str, ...] = _rule(Rule("list", 0, 10, values=tuple(Flag)), default=())
    """Markers from :class:`Flag`; any other value is refused as malformed."""
    prev_hash: str = _rule(Rule("hex64"), default=GENESIS_HASH)
    hash: str = _rule(Rule("hex64"), default="")

    def to_wire(self) -> dict[str, Any]:
        """The JSON object uploaded to the server (lists instead of tuples).

        Read field by field rather than with ``dataclasses.asdict``, which deep-copies every
        value and cost a quarter of a kiosk's catch-up upload; the fields hold only texts,
        integers, None and tuples of texts, so nothing needs copying.
        """
        data = {name: getattr(self, name) for name in FIELDS}
        for name in LIST_FIELDS:
            data[name] = list(data[name])
        return data

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Record:
        """A record from its wire form (or any mapping holding every field).

        The fields are put in place as the frozen ``__init__`` would put them, one
        ``object.__setattr__`` each, but in one step: a kiosk reads hundreds of records per
        batch it uploads, and the generated ``__init__`` was most of that reading's cost.
        """
        values = {name: data[name] for name in FIELDS}
        for name in LIST_FIELDS:
            values[name] = tuple(values[name])
        record = cls.__new__(cls)
        record.__dict__.update(values)
        return record


RULES: dict[str, Rule] = {f.name: f.metadata["rule"] for f in fields(Record)}
FIELDS: tuple[str, ...] = tuple(RULES)
"""Every field of a record, in declaration order."""
HASHED_FIELDS: tuple[str, ...] = tuple(name for name in FIELDS if name != "hash")
LIST_FIELDS: tuple[str, ...] = tuple(name for name, rule in RULES.items() if rule.type == "list")


_SORTED_HASHED_FIELDS: tuple[str, ...] = tuple(sorted(HASHED_FIELDS))
_CANONICAL_JSON = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
"""The encoder of :func:`canonical_bytes`, made once: ``json.dumps`` with these arguments
builds a new one per call."""
_PLAIN = frozenset({str, int, bool, type(None)})
"""Value types that ``pydantic_core.to_json`` writes byte for byte as ``json.dumps`` does
(floats it writes otherwise: ``1e-7`` for ``1e-07``)."""


def canonical_bytes(data: dict[str, Any]) -> bytes:
    """UTF-8 JSON of the hashed fields: sorted keys, no spaces, non-ASCII kept as is.

    This is ``json.dumps(subset, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False).encode("utf-8")`` exactly (``tests/common/test_records.py`` holds it to
    that over every character and many generated records). A record holds only texts,
    integers, None and lists of texts, which pydantic-core's serializer writes the same way
    at a quarter of the cost (a server hashes every record it receives); anything else, and a
    text it cannot write (a lone surrogate), goes through ``json`` itself.
    """
    subset = _hashed_subset(data)
    if _plain(subset.values()):
        try:
            return _to_json()(subset)
        except ValueError:  # a lone surrogate: no UTF-8 form, json's own error follows
            pass
    return _CANONICAL_JSON.encode(subset).encode("utf-8")


def canonical_text(data: dict[str, Any]) -> str:
    """:func:`canonical_bytes` before its UTF-8 encoding (``json`` only)."""
    return _CANONICAL_JSON.encode(_hashed_subset(data))


def _hashed_subset(data: dict[str, Any]) -> dict[str, Any]:
    """The hashed fields in sorted order (so sorting them again costs little); tuples left as
    they are, which JSON writes as lists anyway."""
    subset = {name: data[name] for name in _SORTED_HASHED_FIELDS}
    for name in LIST_FIELDS:
        items = subset[name]
        if type(items) is not list and type(items) is not tuple:
            subset[name] = list(items)
    return subset


def _plain(values: Iterable[Any]) -> bool:
    """Whether every value, or every item of a list value, is a text (enum members included:
    both write their text) or of a :data:`_PLAIN` type."""
    for value in values:
        kind = type(value)
        if kind is list or kind is tuple:
            if not all(type(item) in _PLAIN or isinstance(item, str) for item in value):
                return False
        elif kind not in _PLAIN and not isinstance(value, str):
            return False
    return True


@cache
def _to_json() -> Callable[[Any], bytes]:
    """pydantic-core's JSON writer, imported on first use: a kiosk hashes its first record
    after its first screen is up, and the import takes longer than that screen."""
    from pydantic_core import to_json

    return to_json


def record_hash(data: dict[str, Any]) -> str:
    """Hex SHA-256 of the canonical encoding; ``data`` may be a wire dict or ``asdict``."""
    import hashlib  # here: a kiosk hashes its first record after its first screen is up

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


def format_utc(moment: datetime) -> str:
    """The time form records carry: UTC, microseconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
