"""The export file: how records of a kiosk without network travel to city hall on removable
media (``docs/export.md``). The kiosk writes it (``kiosk.export``); the server reads it
(``server.imports``) with the same checks, from this one definition.

Version 2 files are signed with the kiosk's Ed25519 device key over :func:`signing_message`;
:func:`parse_export` checks that the signature verifies with the file's own ``public_key``.
Whether that key is the device's key is for the reader to decide (the server compares it with
the key it holds for the device).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from common.protocol import is_safe_ed25519_public_key

FORMAT = "ukukavshiri-export"
VERSION = 2
SIGNATURE_CONTEXT = "ukukavshiri-export-v2"
"""First line of the signed message: no signature of another message can pass for one."""
SIGNED_FIELDS = ("device_id", "center_id", "exported_at", "records_sha256")
"""The header fields the signature covers, in the order of their lines."""


class ExportError(Exception):
    """The export could not be written or read back intact; the message says why."""


def records_checksum(records: list[dict[str, Any]]) -> str:
    """Hex SHA-256 of the records as compact JSON with sorted keys, non-ASCII kept."""
    encoded = json.dumps(records, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def signing_message(document: dict[str, Any]) -> bytes:
    """The bytes a kiosk signs: the context and the :data:`SIGNED_FIELDS`, one per line.

    UTF-8, lines joined by a single LF, no trailing newline. ``ValueError`` when a field is
    not a string or holds an LF (its lines could then be read as another field's).
    """
    lines = [SIGNATURE_CONTEXT]
    for name in SIGNED_FIELDS:
        value = document.get(name)
        if not isinstance(value, str):
            raise ValueError(f"'{name}' is missing or not text")
        if "\n" in value:
            raise ValueError(f"'{name}' contains a line break")
        lines.append(value)
    return "\n".join(lines).encode("utf-8")


def raw_public_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def sign_export(document: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """``document`` with ``public_key`` and ``signature`` (base64) added."""
    signature = key.sign(signing_message(document))
    return {
        **document,
        "public_key": base64.b64encode(raw_public_key(key)).decode("ascii"),
        "signature": base64.b64encode(signature).decode("ascii"),
    }


def decode_public_key(text: object) -> bytes:
    """The 32 raw bytes of a base64 Ed25519 public key; ``ValueError`` when it is not one."""
    raw = _unbase64(text, "public_key")
    if len(raw) != 32:
        raise ValueError("'public_key' is not 32 bytes")
    return raw


def _unbase64(text: object, name: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError(f"'{name}' is not text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError(f"'{name}' is not base64") from None


def check_signature(document: dict[str, Any], source: str) -> bytes:
    """The signer's raw public key when the document's signature verifies with its own
    ``public_key``; :class:`ExportError` otherwise."""
    if "signature" not in document or "public_key" not in document:
        raise ExportError(f"{source}: the file is not signed; nothing from it can be trusted")
    try:
        raw_key = decode_public_key(document["public_key"])
        signature = _unbase64(document["signature"], "signature")
        message = signing_message(document)
    except ValueError as exc:
        raise ExportError(f"{source}: the signature cannot be checked ({exc})") from None
    if not is_safe_ed25519_public_key(raw_key):
        # A small-order key "verifies" signatures made without any private key.
        raise ExportError(f"{source}: the file's public key is weak or not an Ed25519 key")
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise ExportError(
            f"{source}: the signature does not verify; the file is damaged or was edited"
        ) from None
    return raw_key


def parse_export(raw: bytes, source: str) -> dict[str, Any]:
    """Check an export document's bytes; :class:`ExportError` says what is wrong with it."""
    try:
        document = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ExportError(f"{source}: not an export file (invalid JSON: {exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ExportError(f"{source}: not an {FORMAT} file")
    version = document.get("version")
    if version == 1:
        raise ExportError(
            f"{source}: export version 1 is not signed and is no longer accepted; "
            "export again from the kiosk after updating it"
        )
    if version != VERSION:
        raise ExportError(f"{source}: export version {version!r} is not supported")
    records = document.get("records")
    if not isinstance(records, list):
        raise ExportError(f"{source}: 'records' is missing")
    if records_checksum(records) != document.get("records_sha256"):
        raise ExportError(f"{source}: checksum mismatch; the file is damaged or was edited")
    check_signature(document, source)
    return document


def read_export(path: Path) -> dict[str, Any]:
    """Read and check an export file; :class:`ExportError` says what is wrong with it."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ExportError(f"{path}: cannot be read ({exc.strerror})") from exc
    return parse_export(raw, str(path))
