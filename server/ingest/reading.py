"""One received item judged on its own, before the database is asked anything about it.

What a record may name is the server's to decide, not the kiosk's: its kiosk's center
(``wrong_center``), a service of that center's catalog, and a language and reason ids of the
catalog version the record names (``catalog_versions``; a version the server never had is
judged by the center's current catalog). The checks run in the order ``docs/protocol.md``
lists the reasons; whether a record is new, a duplicate or a conflict is for
:mod:`server.ingest.receive` to find out, with the rest of its batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, NamedTuple

from pydantic import ValidationError
from sqlalchemy.engine import Connection

from common.catalog import LANGUAGES
from common.messages import RecordIn, first_error
from common.protocol import (
    REASON_BAD_HASH,
    REASON_MALFORMED,
    REASON_SCORE_RANGE,
    REASON_UNKNOWN_LANGUAGE,
    REASON_UNKNOWN_REASON,
    REASON_UNKNOWN_SERVICE,
    REASON_WRONG_CENTER,
    REASON_WRONG_DEVICE,
)
from common.records import Record, canonical_bytes
from server.catalogs import CatalogRules, center_rules, version_rules
from server.ingest.wire import quick_wire

Refusal = tuple[str, str]
"""(reason, message) of a refused record."""


class Catalogs:
    """The catalogs one sender's records are judged by, each looked up once per call."""

    def __init__(self, conn: Connection, center_id: str) -> None:
        self.conn = conn
        self.current = center_rules(conn, center_id)
        self._named: dict[str, CatalogRules | None] = {}

    def named(self, version: str) -> CatalogRules | None:
        """The catalog version the server had under this name, or None."""
        if version not in self._named:
            self._named[version] = version_rules(self.conn, version)
        return self._named[version]


class Reading(NamedTuple):
    """One item as received and what its own content says about it.

    ``wire`` is set when the item is a well-formed record of the sender with a correct hash:
    only such a record can be stored, or answered as a duplicate of a stored one. ``refusal``
    is why the item cannot be stored; with ``wire`` set it is a policy refusal, which a stored
    identical record overrides (the record is then a duplicate). A named tuple: a batch makes
    hundreds, and a frozen dataclass takes about three times as long to make.
    """

    raw: Any
    uuid: str | None
    """The item's uuid when it has a printable string one, for the answer."""
    wire: dict[str, Any] | None = None
    """The record's fields as validated (lists as lists): what is stored and hashed."""
    refusal: Refusal | None = None
    canonical: bytes | None = None
    """The record's canonical JSON (``common.records.canonical_bytes``), when its fields were
    taken by the quick check: then they are the item's own, key for key and value for value
    (``server.batches.content_hash`` builds on that)."""


def read_record(raw: Any, device_id: str, center_id: str | None, catalogs: Catalogs) -> Reading:
    """Judge one received item against the protocol's rules and the catalogs.

    The fields are checked by :func:`server.ingest.wire.quick_wire` first; what it does not
    take is judged by ``RecordIn``, the rules' own form, which words any refusal.
    """
    wire = quick_wire(raw)
    quick = wire is not None
    if wire is None:
        try:
            wire = RecordIn.model_validate(raw).model_dump()
        except ValidationError as exc:
            message = f"The record is malformed: {first_error(exc)}"
            return Reading(raw, _uuid_hint(raw), refusal=(REASON_MALFORMED, message))
    if wire["device_id"] != device_id:
        message = "The record names another device than the sender."
        return Reading(raw, _uuid_hint(raw), refusal=(REASON_WRONG_DEVICE, message))
    canonical = canonical_bytes(wire)
    if hashlib.sha256(canonical).hexdigest() != wire["hash"]:
        message = "The record hash does not match its content."
        return Reading(raw, _uuid_hint(raw), refusal=(REASON_BAD_HASH, message))
    problem = policy_problem(
        wire, center_id, catalogs.current, catalogs.named(wire["catalog_version"])
    )
    return Reading(raw, wire["uuid"], wire, problem, canonical if quick else None)


def _uuid_hint(raw: Any) -> str | None:
    """The item's uuid for the answer, when it has a printable string one."""
    hint = raw.get("uuid") if isinstance(raw, dict) else None
    return hint if isinstance(hint, str) and hint.isprintable() else None


def policy_problem(
    record: Record | Mapping[str, Any],
    center_id: str | None,
    current: CatalogRules | None,
    named: CatalogRules | None,
) -> Refusal | None:
    """(reason, message) when the server refuses a well-formed, correctly hashed record.

    ``center_id`` is the center the sender belongs to (None: any center is accepted);
    ``current`` the rules of that center's catalog (None: it has none, so any service and any
    reason is accepted); ``named`` the rules of the catalog version the record names, or None
    when the server never had that version: then ``current`` judges its language and reasons.
    The checks run in the order ``docs/protocol.md`` lists them. ``record``: a record, or its
    validated wire fields (as uploads are judged, without making a :class:`Record`).
    """
    fields = record.to_wire() if isinstance(record, Record) else record
    if center_id is not None and fields["center_id"] != center_id:
        return (
            REASON_WRONG_CENTER,
            f"The record names center {fields['center_id']!r}; "
            f"this kiosk belongs to {center_id!r}.",
        )
    score = fields["score"]
    if fields["kind"] == "rating":
        if score is None or not 1 <= score <= 5:
            return REASON_SCORE_RANGE, "A rating's score must be 1 to 5."
    elif score is not None:
        return REASON_SCORE_RANGE, f"A {fields['kind']} record carries no score."
    if current is not None and fields["service_id"] not in current.services:
        return (
            REASON_UNKNOWN_SERVICE,
            f"Service {fields['service_id']!r} is not in this center's catalog.",
        )
    catalog = named or current
    languages = catalog.languages if catalog is not None else frozenset(LANGUAGES)
    if fields["language"] not in languages:
        return (
            REASON_UNKNOWN_LANGUAGE,
            f"Language {fields['language']!r} is not one of the catalog's "
            f"({', '.join(sorted(languages))}).",
        )
    if catalog is not None:
        unknown = [reason for reason in fields["reasons"] if reason not in catalog.reasons]
        if unknown:
            return (
                REASON_UNKNOWN_REASON,
                f"Reason {unknown[0]!r} is not in catalog version {catalog.version!r}.",
            )
    return None
