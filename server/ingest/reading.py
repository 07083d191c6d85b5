"""One received item judged on its own, before the database is asked anything about it.

What a record may name is the server's to decide, not the kiosk's: its kiosk's center
(``wrong_center``), a service of that center's catalog, and a language and reason ids of the
catalog version the record names (``catalog_versions``; a version the server never had is
judged by the center's current catalog). The checks run in the order ``docs/protocol.md``
lists the reasons; whether a record is new, a duplicate or a conflict is for
:mod:`server.ingest.receive` to find out, with the rest of its batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
from common.records import Record, record_hash
from server.catalogs import CatalogRules, center_rules, version_rules

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


@dataclass(frozen=True)
class Reading:
    """One item as received and what its own content says about it.

    ``record`` is set when the item is a well-formed record of the sender with a correct hash:
    only such a record can be stored, or answered as a duplicate of a stored one. ``refusal``
    is why the item cannot be stored; with ``record`` set it is a policy refusal, which a stored
    identical record overrides (the record is then a duplicate).
    """

    raw: Any
    uuid: str | None
    """The item's uuid when it has a printable string one, for the answer."""
    record: Record | None = None
    wire: dict[str, Any] | None = None
    """The record's fields as validated (lists as lists), with ``record``."""
    refusal: Refusal | None = None


def read_record(raw: Any, device_id: str, center_id: str | None, catalogs: Catalogs) -> Reading:
    """Judge one received item against the protocol's rules and the catalogs."""
    uuid_hint = raw.get("uuid") if isinstance(raw, dict) else None
    uuid_hint = uuid_hint if isinstance(uuid_hint, str) and uuid_hint.isprintable() else None
    try:
        wire = RecordIn.model_validate(raw).model_dump()
    except ValidationError as exc:
        message = f"The record is malformed: {first_error(exc)}"
        return Reading(raw, uuid_hint, refusal=(REASON_MALFORMED, message))
    record = Record.from_wire(wire)
    if record.device_id != device_id:
        message = "The record names another device than the sender."
        return Reading(raw, uuid_hint, refusal=(REASON_WRONG_DEVICE, message))
    if record_hash(wire) != record.hash:
        message = "The record hash does not match its content."
        return Reading(raw, uuid_hint, refusal=(REASON_BAD_HASH, message))
    problem = policy_problem(
        record, center_id, catalogs.current, catalogs.named(record.catalog_version)
    )
    return Reading(raw, record.uuid, record, wire, problem)


def policy_problem(
    record: Record,
    center_id: str | None,
    current: CatalogRules | None,
    named: CatalogRules | None,
) -> Refusal | None:
    """(reason, message) when the server refuses a well-formed, correctly hashed record.

    ``center_id`` is the center the sender belongs to (None: any center is accepted);
    ``current`` the rules of that center's catalog (None: it has none, so any service and any
    reason is accepted); ``named`` the rules of the catalog version the record names, or None
    when the server never had that version: then ``current`` judges its language and reasons.
    The checks run in the order ``docs/protocol.md`` lists them.
    """
    if center_id is not None and record.center_id != center_id:
        return (
            REASON_WRONG_CENTER,
            f"The record names center {record.center_id!r}; this kiosk belongs to {center_id!r}.",
        )
    if record.kind == "rating":
        if record.score is None or not 1 <= record.score <= 5:
            return REASON_SCORE_RANGE, "A rating's score must be 1 to 5."
    elif record.score is not None:
        return REASON_SCORE_RANGE, f"A {record.kind} record carries no score."
    if current is not None and record.service_id not in current.services:
        return (
            REASON_UNKNOWN_SERVICE,
            f"Service {record.service_id!r} is not in this center's catalog.",
        )
    catalog = named or current
    languages = catalog.languages if catalog is not None else frozenset(LANGUAGES)
    if record.language not in languages:
        return (
            REASON_UNKNOWN_LANGUAGE,
            f"Language {record.language!r} is not one of the catalog's "
            f"({', '.join(sorted(languages))}).",
        )
    if catalog is not None:
        unknown = [reason for reason in record.reasons if reason not in catalog.reasons]
        if unknown:
            return (
                REASON_UNKNOWN_REASON,
                f"Reason {unknown[0]!r} is not in catalog version {catalog.version!r}.",
            )
    return None
