"""The JSON bodies of the protocol as strict pydantic models (see ``docs/protocol.md``).

Requests are validated in strict mode: no silent coercion of ``"3"`` to ``3`` or ``true`` to 1,
because every record field is covered by the hash and must reach the database exactly as the
kiosk wrote it. Batch envelopes and records refuse unknown keys (a key we do not store would be
lost); enrollment and heartbeat bodies ignore them, so a newer kiosk can talk to an older server.

Answers (:class:`ServerAnswer`) are strict in their types too, and ignore unknown keys: the
kiosk validates the server's answers with these same models, and a newer server may add fields.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid as uuidlib
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

from common.records import MAX_SEQ, RULES, Rule

HEX64 = re.compile(r"^[0-9a-f]{64}$")
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")


def _clean_text(value: str) -> str:
    """No NUL (PostgreSQL text cannot hold it) and no lone surrogates (not UTF-8)."""
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("is not valid Unicode text") from exc
    return value


def _uuid_text(value: str) -> str:
    try:
        uuidlib.UUID(value)
    except ValueError as exc:
        raise ValueError("not a UUID") from exc
    if len(value) != 36:
        raise ValueError("not a UUID in its 36-character form")
    return value


def _hex64(value: str) -> str:
    if not HEX64.match(value):
        raise ValueError("not 64 lower-case hex digits")
    return value


def _iso_time(value: str) -> str:
    if not ISO_UTC.match(value):
        raise ValueError("not an ISO 8601 time such as 2025-03-01T09:30:00.000000Z")
    try:
        datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"not a valid time: {exc}") from exc
    return value


def _ed25519_key(value: str) -> str:
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("not base64") from exc
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return value


UuidText = Annotated[str, AfterValidator(_uuid_text)]
Hex64 = Annotated[str, AfterValidator(_hex64)]
IsoTime = Annotated[str, AfterValidator(_iso_time)]
Ed25519Key = Annotated[str, AfterValidator(_ed25519_key)]
Text = Annotated[str, AfterValidator(_clean_text)]
ShortText = Annotated[Text, Field(min_length=1, max_length=200)]
Tag = Annotated[Text, Field(max_length=200)]


class Strict(BaseModel):
    """Strict types, unknown keys refused."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Lenient(BaseModel):
    """Strict types, unknown keys ignored (forward compatible)."""

    model_config = ConfigDict(strict=True, extra="ignore")


class ServerAnswer(Lenient):
    """An answer of the server: strict types, unknown keys ignored.

    The server builds its answers from these models and the kiosk's sync client validates them
    with the same models (``model_validate_json``). Why unknown keys are ignored rather than
    refused: a newer server may add a field to an answer, and an older kiosk must keep working
    with the fields it knows. This never changes what the server sends, because the setting
    only applies when reading: the server constructs its answers by keyword and pydantic
    serialises only the declared fields (error bodies are made in ``server/errors.py``), and
    ``tests/server/test_protocol_docs.py`` compares them with the docs. Types stay strict:
    ``"high_water_mark": "5"`` or ``"status": "ok"`` is a broken answer, not a guess.

    Why on the model and not per call (``model_validate_json(body, extra="ignore")``): that
    argument only exists since pydantic 2.12 while this project accepts 2.6, and a model that
    says what it accepts cannot be validated the wrong way by a forgetful caller.
    """


# -- errors ------------------------------------------------------------------------------------


class ErrorDetail(ServerAnswer):
    code: str
    message: str


class ErrorBody(ServerAnswer):
    error: ErrorDetail
    server_time: int | None = Field(default=None, description="Only with code clock_skew.")


# -- health ------------------------------------------------------------------------------------


class HealthResponse(ServerAnswer):
    status: Literal["ok"]
    version: str


# -- enrollment --------------------------------------------------------------------------------


class EnrollRequest(Lenient):
    code: Annotated[str, Field(min_length=1, max_length=32)]
    device_id: UuidText
    public_key: Ed25519Key
    app_version: Annotated[Text, Field(max_length=64)]


class EnrollResponse(ServerAnswer):
    device_id: str
    kiosk_name: str
    center_id: str
    server_time: int


# -- records and batches -----------------------------------------------------------------------


def _wire_type(rule: Rule) -> Any:
    """The pydantic type of a record field, from its :class:`~common.records.Rule`."""
    kind: Any
    if rule.type == "uuid":
        kind = UuidText
    elif rule.type == "hex64":
        kind = Hex64
    elif rule.type == "time":
        kind = IsoTime
    elif rule.type == "enum":
        kind = Literal.__getitem__(rule.values)
    elif rule.type == "int":
        kind = Annotated[int, Field(ge=rule.low, le=rule.high)]
    elif rule.type == "text":
        kind = Annotated[Text, Field(min_length=rule.low, max_length=rule.high)]
    else:
        item: Any = (
            Literal.__getitem__(rule.values)
            if rule.values
            else Annotated[Text, Field(max_length=rule.item_max)]
        )
        kind = Annotated[list[item], Field(min_length=rule.low, max_length=rule.high)]
    return kind | None if rule.nullable else kind


if TYPE_CHECKING:  # the checker's view: a model whose fields it cannot know

    class RecordIn(Strict):
        """One uploaded record, checked field by field against :mod:`common.records`' rules."""

else:
    RecordIn = create_model(
        "RecordIn",
        __base__=Strict,
        __doc__="One record as uploaded: ``common.records.Record.to_wire()``.",
        **{name: (_wire_type(rule), ...) for name, rule in RULES.items()},
    )
    """One uploaded record, checked field by field against the rules of
    :mod:`common.records`."""


class Head(Strict):
    seq: Annotated[int, Field(ge=0, le=MAX_SEQ)]
    hash: Hex64


class BatchEnvelope(Strict):
    """A batch with its records still raw: each record is judged on its own."""

    batch_id: UuidText
    device_id: ShortText
    records: list[Any]
    head: Head
    head_signature: Annotated[str, Field(min_length=1, max_length=200)]


class BatchRequest(BatchEnvelope):
    """The documented shape of a batch (for OpenAPI and the docs check)."""

    records: list[RecordIn]


class RecordResult(ServerAnswer):
    uuid: str | None
    status: Literal["stored", "duplicate", "rejected"]
    reason: str | None
    message: str | None


class ChainState(ServerAnswer):
    intact: bool
    missing: list[tuple[int, int]]


class BatchResponse(ServerAnswer):
    batch_id: str
    results: list[RecordResult]
    high_water_mark: int
    chain: ChainState


class SyncStateResponse(ServerAnswer):
    high_water_mark: int
    server_time: int
    missing: list[tuple[int, int]]


# -- export files ------------------------------------------------------------------------------


class ExportHeader(Lenient):
    """The header of an export file (``docs/export.md``); its records are judged one by one.

    The device id must be a UUID like any enrolling device's, so the kiosk can later be
    enrolled under the same id and its chain continues.
    """

    device_id: UuidText
    center_id: ShortText
    app_version: Annotated[Text, Field(max_length=64)] | None = None
    exported_at: IsoTime
    records_sha256: Hex64


# -- heartbeat ---------------------------------------------------------------------------------


class HeartbeatRequest(Lenient):
    app_version: Annotated[Text, Field(max_length=64)]
    catalog_version: Annotated[Text, Field(max_length=200)] | None
    pending_count: Annotated[int, Field(ge=0)]
    oldest_pending_age_s: Annotated[float, Field(ge=0)] | None = None
    last_sync_error: Annotated[Text, Field(max_length=2000)] | None = None
    free_disk_bytes: Annotated[int, Field(ge=0)]
    battery_percent: Annotated[float, Field(ge=0, le=100)] | None = None
    clock_offset_s: float


class HeartbeatResponse(ServerAnswer):
    server_time: int


def first_error(exc: Any) -> str:
    """A one-line, plain description of a pydantic ``ValidationError``, safe to store and send.

    Field names come from the client, so anything unprintable in them is escaped.
    """
    errors = exc.errors(include_url=False)
    if not errors:
        return "invalid body"
    err = errors[0]
    where = ".".join(str(part) for part in err.get("loc", ())) or "body"
    text = f"{where}: {err.get('msg', 'invalid')}"
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)[:300]
