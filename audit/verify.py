#!/usr/bin/env python3
"""Check an Ukukavshiri audit export, without trusting the server that made it.

    python audit/verify.py AUDIT.zip [--lang ka|en]

Needs Python 3.11 or newer and the ``cryptography`` package (for Ed25519), nothing else: it
imports nothing of the Ukukavshiri code, so it can be read, and trusted, on its own.
``kiosk-server audit-export`` makes the ZIP; docs/audit.md explains each check in plain words.

For each device (a kiosk, or one of the web channel's chains, which the server writes and signs
itself) it checks:

1. every record's hash: the SHA-256 of the record's canonical bytes, rebuilt here from the
   rules of docs/records.md ("Canonical encoding and the chain");
2. every link: each record's prev_hash is the hash of the record before it (64 zeros before
   seq 1), across records the server set aside too;
3. gaps: every seq of the device's range is there;
4. every signed head, with the key the device had when the server received it (its key
   history in devices.json: the one key in force at the head's received_at); a key that
   anyone could sign for is refused, and no two keys may be in force at once:
   - a head of an upload: the Ed25519 signature of the head message of docs/protocol.md
     ("Uploading a batch") verifies, and the head's hash is the hash of that seq's record;
   - a head of an imported export file: the file's records_sha256 (docs/export.md) is that of
     the records of its seqs here, and the signature of the export message built from it
     verifies; it vouches for the file's newest record;
5. records outside any signed head: a verified head vouches for its record and, through the
   links, for every record before it; a record no verified head vouches for could have been
   written by anyone holding the database.

For each published snapshot in the ZIP it checks that the stored SHA-256 of the figures is
theirs, that the chain heads it names are the records', and that the published figures equal
what the records say, recounted here as docs/results.md states (see ``check_snapshot``).

It prints a plain report (Georgian by default, ``--lang en`` for English) and exits with 0 when
it found no problem, 1 when it found at least one, 2 when the file is not an audit export it
can read.
"""

# Each message of the report stays on one line, so that a reader sees each sentence whole:
# ruff: noqa: E501

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import itertools
import json
import math
import re
import sys
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "ukukavshiri-audit"
VERSION = 2
RESULTS_FORMAT = "ukukavshiri-results"
GENESIS_HASH = "0" * 64
HEADLINE_CHANNELS = ("kiosk", "web-verified")
"""The channels the published tables count since results version 2 (docs/results.md)."""
ALL_CHANNELS = ("kiosk", "web-verified", "web-open")
HASHED_FIELDS = (
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
"""Every field of a record but ``hash`` (docs/records.md, "Fields")."""
RECORD_FIELDS = (*HASHED_FIELDS, "hash")


# == 1. The canonical bytes of a record (docs/records.md) =====================================


class NotCanonical(ValueError):
    """A record holding something the canonical encoding has no form for."""


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def encode_string(text: str) -> str:
    """A string in double quotes: ``"`` and ``\\`` escaped, the five named control characters
    as ``\\b \\t \\n \\f \\r``, any other below U+0020 as ``\\u00XX`` (lowercase hex), every
    other character as itself."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char < " ":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def encode_value(value: Any) -> str:
    """``null``, a decimal integer, a string, or a list of them; nothing else is a record's."""
    if value is None:
        return "null"
    if isinstance(value, bool):  # JSON true/false: no field of a record holds one
        raise NotCanonical("true or false where a record holds none")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return encode_string(value)
    if isinstance(value, list):
        return "[" + ",".join(encode_value(item) for item in value) + "]"
    raise NotCanonical(f"a {type(value).__name__} where a record holds none")


def canonical_bytes(record: dict[str, Any]) -> bytes:
    """One JSON object of every field but ``hash``, keys in ascending order, no whitespace,
    encoded as UTF-8 (a text that is not valid Unicode has no UTF-8 form: NotCanonical)."""
    pairs = [
        encode_string(name) + ":" + encode_value(record[name]) for name in sorted(HASHED_FIELDS)
    ]
    try:
        return ("{" + ",".join(pairs) + "}").encode("utf-8")
    except UnicodeEncodeError:
        raise NotCanonical("a text that is not valid Unicode") from None


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(record)).hexdigest()


def record_form_problem(record: Any) -> str | None:
    """Why ``record`` is not a record of the documented form, or None (only what the checks
    below rely on; the server checks the rest of each field's rule)."""
    if not isinstance(record, dict):
        return "not a JSON object"
    if set(record) != set(RECORD_FIELDS):
        return "fields " + ", ".join(sorted(set(record) ^ set(RECORD_FIELDS))) + " do not belong"
    for name in ("seq", "utc_offset_min"):
        if type(record[name]) is not int:
            return f"{name} is not an integer"
    for name in (
        "uuid",
        "kind",
        "rating_uuid",
        "device_id",
        "center_id",
        "service_id",
        "created_at",
        "prev_hash",
        "hash",
    ):
        if not isinstance(record[name], str):
            return f"{name} is not text"
    if record["score"] is not None and type(record["score"]) is not int:
        return "score is not an integer"
    if not isinstance(record["flags"], list):
        return "flags is not a list"
    return None


# == 2. Keys and signatures (docs/protocol.md) ================================================

ED25519_P = 2**255 - 19
ED25519_D = -121665 * pow(121666, -1, ED25519_P) % ED25519_P
SMALL_ORDER_Y = {
    0,
    1,
    ED25519_P - 1,
    int.from_bytes(bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), "little"),
    int.from_bytes(bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"), "little"),
}  # fmt: skip
"""The y coordinates of the 8 points of small order of edwards25519."""


def decode_base64(text: Any) -> bytes | None:
    """Standard base64 with padding (RFC 4648 §4), or None."""
    if not isinstance(text, str):
        return None
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, binascii.Error):
        return None


def is_safe_public_key(raw: bytes) -> bool:
    """False for a key nobody should trust: with a point of small order (e.g. 32 zero bytes)
    or a non-canonical encoding a "signature" can be made without any private key, and
    common Ed25519 libraries accept it. A key must be 32 bytes, a canonical point of the curve
    (y < p, x² = (y² − 1)/(d·y² + 1) a non-zero square) and not of small order."""
    if len(raw) != 32:
        return False
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    if y >= ED25519_P or y in SMALL_ORDER_Y:
        return False
    y2 = y * y % ED25519_P
    x2 = (y2 - 1) * pow(ED25519_D * y2 + 1, ED25519_P - 2, ED25519_P) % ED25519_P
    return x2 != 0 and pow(x2, (ED25519_P - 1) // 2, ED25519_P) == 1


EXPORT_CONTEXT = "ukukavshiri-export-v2"
"""The first line of the message a kiosk signs for an export file (docs/export.md)."""


def head_message(device_id: str, seq: int, head_hash: str) -> bytes:
    """Four ASCII lines joined by a line feed, none after the last."""
    return f"ukukavshiri-head-v1\n{device_id}\n{seq}\n{head_hash}".encode("ascii")


def signature_verifies(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# == 3. Time and the published statistics (docs/results.md) ===================================


def local_month(created_at: str, utc_offset_min: int) -> str | None:
    """``YYYY-MM`` of the rating's local time (created_at in UTC plus utc_offset_min), or None
    when the time cannot be read."""
    text = created_at[:-1] + "+00:00" if created_at.endswith("Z") else created_at
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        moment += timedelta(minutes=utc_offset_min)
    except (ValueError, OverflowError):
        return None
    return f"{moment.year:04d}-{moment.month:02d}"


PERIOD = re.compile(r"(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?")


def period_months(period: str) -> list[str] | None:
    """The local months of ``YYYY``, ``YYYY-Qn`` or ``YYYY-MM``; None for anything else."""
    found = PERIOD.fullmatch(period)
    if found is None:
        return None
    year, quarter, month = found.groups()
    if month:
        return [period]
    first, count = (3 * int(quarter) - 2, 3) if quarter else (1, 12)
    return [f"{year}-{m:02d}" for m in range(first, first + count)]


Z_95 = 1.959963984540054
"""The 97.5 % quantile of the normal distribution (docs/results.md rounds it to 1.959964)."""


def wilson_low(k: int, n: int) -> float:
    """The lower bound of the 95 % Wilson score interval of k of n (n > 0)."""
    p = k / n
    z2 = Z_95 * Z_95
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = Z_95 / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return 0.0 if k == 0 else max(0.0, centre - half)


# == 4. The report =============================================================================

PROBLEM, WARNING, NOTE, OK = "problem", "warning", "note", "ok"
"""A problem is something the export contradicts; a warning, something it cannot show either
way; a note, something worth knowing; ok, a check passed. Only problems fail the audit."""


@dataclass
class Finding:
    level: str
    message: str
    """The key of its words in MESSAGES."""
    values: dict[str, Any]


@dataclass
class Section:
    """The findings about one part of the export (the archive, a device, a snapshot)."""

    message: str
    values: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)

    def add(self, level: str, message: str, **values: Any) -> None:
        self.findings.append(Finding(level, message, values))

    def has_problem(self, since: int = 0) -> bool:
        return any(f.level == PROBLEM for f in self.findings[since:])


@dataclass
class Report:
    path: str
    header: list[Finding] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    unreadable: bool = False

    def section(self, message: str, **values: Any) -> Section:
        self.sections.append(Section(message, values))
        return self.sections[-1]

    def findings(self) -> list[Finding]:
        return [f for s in self.sections for f in s.findings]

    def count(self, level: str) -> int:
        return sum(f.level == level for f in self.findings())

    @property
    def exit_status(self) -> int:
        if self.unreadable:
            return 2
        return 1 if self.count(PROBLEM) else 0


# == 5. Reading the archive ====================================================================


class Unreadable(Exception):
    """Not an audit export this verifier can read."""

    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message)
        self.message = message
        self.values = values


class Archive:
    """The ZIP. Opening it checks every file the manifest lists against its SHA-256 and size,
    and that the ZIP holds no other file."""

    def __init__(self, path: Path, section: Section) -> None:
        self.section = section
        self.damaged: set[str] = set()
        try:
            self.zip = zipfile.ZipFile(path)
            self.names = self.zip.namelist()
        except (OSError, zipfile.BadZipFile) as exc:
            raise Unreadable("not_zip", error=str(exc)) from None
        try:
            manifest = json.loads(self.zip.read("manifest.json").decode("utf-8"))
        except (KeyError, ValueError, zipfile.BadZipFile, zlib.error):
            raise Unreadable("not_audit") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise Unreadable("not_audit")
        if manifest.get("version") != VERSION:
            raise Unreadable("bad_version", version=manifest.get("version"), expected=VERSION)
        files = manifest.get("files")
        if not isinstance(files, list) or not all(isinstance(e, dict) for e in files):
            raise Unreadable("not_audit")
        self.manifest = manifest
        listed = {str(entry.get("name")): entry for entry in files}
        for name, times in Counter(self.names).items():
            if times > 1:
                section.add(PROBLEM, "file_duplicate", name=name)
        for name in sorted(set(self.names) - set(listed) - {"manifest.json"}):
            section.add(PROBLEM, "file_unlisted", name=name)
        for name, entry in listed.items():
            data = self.read(name)
            if data is None:
                if name not in self.damaged:
                    section.add(PROBLEM, "file_missing", name=name)
            elif hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != entry.get(
                "bytes"
            ):
                section.add(PROBLEM, "file_changed", name=name)
        if not section.findings:
            section.add(OK, "files_ok", count=len(listed))

    def read(self, name: str) -> bytes | None:
        """A file's bytes; None when it is not there or damaged (reported once)."""
        if name not in self.names:
            return None
        try:
            return self.zip.read(name)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError):
            if name not in self.damaged:
                self.damaged.add(name)
                self.section.add(PROBLEM, "file_damaged", name=name)
            return None

    def json(self, name: str, section: Section) -> Any:
        """A JSON file's value; None when it is missing or unreadable."""
        data = self.read(name)
        if data is None:
            return None
        try:
            return json.loads(data.decode("utf-8"))
        except ValueError as exc:
            section.add(PROBLEM, "file_unreadable", name=name, line=1, error=str(exc))
            return None

    def json_lines(self, name: str, section: Section) -> list[tuple[int, Any]]:
        """(line number, value) of each line of a JSON Lines file."""
        data = self.read(name)
        if data is None:
            return []
        try:
            text = data.decode("utf-8")
        except ValueError as exc:
            section.add(PROBLEM, "file_unreadable", name=name, line=1, error=str(exc))
            return []
        out = []
        lines = text.split("\n")  # not splitlines(): U+2028 or U+0085 may stand in a comment
        if lines[-1] == "":
            lines.pop()
        for number, line in enumerate(lines, start=1):
            try:
                out.append((number, json.loads(line)))
            except ValueError as exc:
                section.add(PROBLEM, "file_unreadable", name=name, line=number, error=str(exc))
        return out


# == 6. One device's chain =====================================================================


@dataclass
class Rating:
    """What the published figures count of one stored rating."""

    record_id: int
    """The server's number for the record: a snapshot counts those up to its max_record_id."""
    month: str
    service: str
    center: str
    channel: str
    burst: bool
    score: int


@dataclass
class Device:
    """One device's records as the checks read them."""

    device_id: str
    channel: Any
    first: int
    last: int
    folder: str
    chain: dict[int, dict[str, Any]] = field(default_factory=dict)
    """seq → record, stored or set aside: the links of the chain."""
    stored: dict[int, int] = field(default_factory=dict)
    """seq → the server's record id, of the stored records (set-aside ones are not counted)."""
    ratings: list[Rating] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


def check_device(
    archive: Archive, entry: dict[str, Any], months: list[str] | None, report: Report
) -> Device | None:
    """Checks 1–5 of the module docstring for one device of devices.json."""
    device_id = str(entry.get("device_id"))
    web = entry.get("kind") == "web"
    section = report.section(
        "sec_device_web" if web else "sec_device_kiosk",
        device=device_id,
        name=entry.get("name"),
        center=entry.get("center_id"),
        channel=entry.get("channel"),
    )
    first, last = entry.get("first_seq"), entry.get("last_seq")
    if type(first) is not int or type(last) is not int or not 1 <= first <= last:
        section.add(PROBLEM, "range_unreadable")
        return None
    device = Device(device_id, entry.get("channel"), first, last, f"devices/{device_id}")
    read_records(archive, device, months, section)
    set_aside = read_set_aside(archive, device, section)
    good, linked = check_links(device, section)
    verified = check_heads(archive, device, entry, section)
    check_vouched(device, good, linked, verified, months, section)

    said = as_dict(entry.get("counts"))
    for what in ("records", "set_aside", "heads"):
        if said.get(what) != device.counts[what]:
            found = device.counts[what]
            section.add(PROBLEM, "count_differs", what=what, said=said.get(what), found=found)
    if entry.get("period_ratings") != device.counts["period_ratings"]:
        found = device.counts["period_ratings"]
        section.add(
            PROBLEM, "count_differs", what="period_ratings", said=entry.get("period_ratings"),
            found=found,
        )  # fmt: skip
    if not section.has_problem():
        section.add(
            OK, "device_ok", first=first, last=last, records=device.counts["records"],
            ratings=device.counts["period_ratings"], set_aside=set_aside, heads=len(verified),
        )  # fmt: skip
    return device


def read_records(
    archive: Archive, device: Device, months: list[str] | None, section: Section
) -> None:
    """The stored records: in ascending seq order, each once, inside the device's range, of
    this device and its channel; the ratings kept for counting."""
    name = f"{device.folder}/records.jsonl"
    previous = 0
    for line, item in archive.json_lines(name, section):
        record = item.get("record") if isinstance(item, dict) else None
        server = item.get("server") if isinstance(item, dict) else None
        problem = record_form_problem(record)
        if problem is None and (not isinstance(server, dict) or type(server.get("id")) is not int):
            problem = "no server part with the record's id"
        if problem is not None:
            section.add(PROBLEM, "bad_line", name=name, line=line, error=problem)
            continue
        assert isinstance(record, dict) and isinstance(server, dict)
        seq = record["seq"]
        if record["device_id"] != device.device_id:
            section.add(PROBLEM, "wrong_device", seq=seq, other=record["device_id"])
        if seq <= previous:
            section.add(PROBLEM, "out_of_order", seq=seq, before=previous)
            continue
        previous = seq
        if not device.first <= seq <= device.last:
            section.add(PROBLEM, "outside_range", seq=seq, first=device.first, last=device.last)
            continue
        device.chain[seq] = record
        device.stored[seq] = server["id"]
        device.counts["records"] += 1
        channel = server.get("channel")
        if channel != device.channel:
            section.add(PROBLEM, "channel_differs", seq=seq, found=channel, channel=device.channel)
        if record["kind"] != "rating":
            continue
        month = local_month(record["created_at"], record["utc_offset_min"])
        if month is None or type(record["score"]) is not int:
            section.add(PROBLEM, "no_time", seq=seq)
            continue
        if months is None or month in months:
            device.counts["period_ratings"] += 1
        device.ratings.append(
            Rating(
                server["id"], month, record["service_id"], record["center_id"], str(channel),
                "burst" in record["flags"], record["score"],
            )
        )  # fmt: skip


def read_set_aside(archive: Archive, device: Device, section: Section) -> int:
    """Records the server set aside at seqs no stored record holds: links of the chain, not
    counted. Where one seq was set aside more than once, the copy that links is taken.
    Returns how many seqs they fill."""
    name = f"{device.folder}/set-aside.jsonl"
    by_seq: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line, item in archive.json_lines(name, section):
        device.counts["set_aside"] += 1
        seq = item.get("seq") if isinstance(item, dict) else None
        if type(seq) is not int or seq in device.chain or not device.first <= seq <= device.last:
            error = "not a set-aside record of a free seq of the range"
            section.add(PROBLEM, "bad_line", name=name, line=line, error=error)
            continue
        assert isinstance(item, dict)
        if record_form_problem(item.get("record")) is not None:
            section.add(PROBLEM, "set_aside_unreadable", seq=seq)
            continue
        by_seq[seq].append(item)
    for seq, copies in sorted(by_seq.items()):
        before = device.chain.get(seq - 1)
        linking = [
            c for c in copies
            if hash_ok(c["record"]) and (before is None or c["record"]["prev_hash"] == before["hash"])
        ]  # fmt: skip
        chosen = (linking or copies)[0]
        record = chosen["record"]
        if record["device_id"] != device.device_id or record["seq"] != seq:
            section.add(PROBLEM, "wrong_device", seq=seq, other=record["device_id"])
        device.chain[seq] = record
        section.add(NOTE, "set_aside_note", seq=seq, reason=chosen.get("reason"))
    return len(by_seq)


def check_links(device: Device, section: Section) -> tuple[set[int], set[int]]:
    """1. hashes, 2. links, 3. gaps. Returns (seqs whose hash is right, seqs whose prev_hash
    is the hash of the record before)."""
    good: set[int] = set()
    linked: set[int] = set()
    missing: list[int] = []
    for seq in range(device.first, device.last + 1):
        record = device.chain.get(seq)
        if record is None:
            missing.append(seq)
            continue
        if hash_ok(record):
            good.add(seq)
        else:
            section.add(PROBLEM, "bad_hash", seq=seq)
        before = device.chain.get(seq - 1)
        if seq == 1:
            if record["prev_hash"] == GENESIS_HASH:
                linked.add(seq)
            else:
                section.add(PROBLEM, "bad_genesis")
        elif before is not None:
            if record["prev_hash"] == before["hash"]:
                linked.add(seq)
            else:
                section.add(PROBLEM, "bad_link", seq=seq, before=seq - 1)
    for low, high in runs(missing):
        section.add(PROBLEM, "gap", low=low, high=high)
    return good, linked


@dataclass
class Key:
    """One entry of a device's key history (devices.json, "keys")."""

    number: int
    """Its place in the history, from 1 (oldest first), as the report names it."""
    public_key: bytes | None
    """None when it is no usable Ed25519 key (reported): nothing it signed is trusted."""
    since: datetime | None
    """In force from this moment; None: from the chain's start (a web chain's key)."""
    until: datetime | None
    """In force until just before this moment; None: still in force."""
    reason: str

    def covers(self, moment: datetime) -> bool:
        return (self.since is None or self.since <= moment) and (
            self.until is None or moment < self.until
        )

    def overlaps(self, other: Key) -> bool:
        """Whether some moment lies in both (a key never in force overlaps nothing)."""
        if self.since is not None and self.until is not None and self.since >= self.until:
            return False
        if other.since is not None and other.until is not None and other.since >= other.until:
            return False
        return (self.since is None or other.until is None or self.since < other.until) and (
            other.since is None or self.until is None or other.since < self.until
        )


def parse_time(text: Any) -> datetime | None:
    """An ISO 8601 time with its offset (a ``Z`` or ``±HH:MM``) as UTC; None otherwise."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def read_keys(entry: dict[str, Any], section: Section) -> list[Key]:
    """The device's key history: each key usable and safe, dates readable, and no two keys in
    force at the same moment."""
    items = entry.get("keys")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        section.add(PROBLEM, "keys_unreadable")
        return []
    if not items:
        section.add(WARNING, "key_missing")
        return []
    keys: list[Key] = []
    for number, item in enumerate(items, start=1):
        since, until = parse_time(item.get("valid_from")), parse_time(item.get("valid_until"))
        if (
            (since is None and item.get("valid_from") is not None)
            or (until is None and item.get("valid_until") is not None)
            or (since is not None and until is not None and until < since)
        ):
            section.add(PROBLEM, "key_dates", number=number)
            continue
        raw = decode_base64(item.get("public_key"))
        usable = raw is not None and is_safe_public_key(raw)
        shown = str(item.get("public_key"))[:60]
        if usable:
            reason = str(item.get("reason"))
            section.add(
                NOTE, "key_note", number=number, public_key=shown, reason=reason_label(reason),
                since=item.get("valid_from") or ("key_from_start",),
                until=item.get("valid_until") or ("key_until_now",),
            )  # fmt: skip
        else:
            section.add(PROBLEM, "key_unsafe", number=number, public_key=shown)
        keys.append(Key(number, raw if usable else None, since, until, str(item.get("reason"))))
    for first, second in itertools.combinations(keys, 2):
        if first.overlaps(second):
            section.add(PROBLEM, "keys_overlap", first=first.number, second=second.number)
    return keys


def reason_label(reason: str) -> tuple[str, ...]:
    """How a key came in force, in the report's words (an unknown reason as it stands)."""
    known = f"key_reason_{reason}"
    return (known,) if known in MESSAGES else ("key_reason_other", reason)


def key_for(
    keys: list[Key], received: datetime, head: tuple[str, ...], seq: int, section: Section
) -> Key | None:
    """The key in force when the server received the head, or None (and why, when it is not
    said already: no key at all is a warning of its own, overlapping keys a problem)."""
    in_force = [key for key in keys if key.covers(received)]
    if len(in_force) == 1:
        return in_force[0]
    if in_force or not keys:
        return None
    earliest = min(keys, key=lambda key: key.since or datetime.min.replace(tzinfo=UTC))
    if earliest.since is not None and received < earliest.since and earliest.reason == "migration":
        section.add(
            WARNING, "head_before_keys", head=head, seq=seq, received=received.isoformat(),
            since=earliest.since.isoformat(),
        )  # fmt: skip
    else:
        section.add(PROBLEM, "head_no_key", head=head, seq=seq, received=received.isoformat())
    return None


def export_message(
    device: Device, head: dict[str, Any], line: int, section: Section
) -> bytes | None:
    """The message an imported export file's kiosk signed (docs/export.md, "The signed
    message"), once the file's records_sha256 is shown to be that of the records here; None
    (and a problem) otherwise."""
    label = head_label(head)
    name = f"{device.folder}/heads.jsonl"
    seqs = expand_runs(head.get("seqs"))
    fields = [head.get(field) for field in ("center_id", "exported_at", "records_sha256")]
    if seqs is None or seqs[-1] != head["head_seq"]:
        error = "no seqs of the file's records, in ascending order, ending at its head"
        section.add(PROBLEM, "bad_line", name=name, line=line, error=error)
        return None
    if not all(isinstance(f, str) and "\n" not in f for f in fields):
        error = "the signed fields of the file are not texts of one line"
        section.add(PROBLEM, "bad_line", name=name, line=line, error=error)
        return None
    missing = [seq for seq in seqs if seq not in device.chain]
    if missing:
        low, high = runs(missing)[0]
        section.add(PROBLEM, "file_records_missing", head=label, low=low, high=high)
        return None
    try:
        checksum: str | None = export_checksum([device.chain[seq] for seq in seqs])
    except UnicodeEncodeError:  # a text that is not valid Unicode: no file held it
        checksum = None
    if checksum != fields[-1]:
        section.add(PROBLEM, "file_checksum_differs", head=label, first=seqs[0], last=seqs[-1])
        return None
    lines = [EXPORT_CONTEXT, device.device_id, *map(str, fields)]
    try:
        return "\n".join(lines).encode("utf-8")
    except UnicodeEncodeError:
        return b""  # no text a kiosk could have signed: the signature cannot verify


def export_checksum(records: list[dict[str, Any]]) -> str:
    """records_sha256 of an export file (docs/export.md): its records as JSON with sorted keys,
    no whitespace, non-ASCII kept, in UTF-8."""
    text = json.dumps(records, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def expand_runs(value: Any) -> list[int] | None:
    """The seqs of ``[first, last]`` runs, strictly ascending; None when they are not that."""
    if not isinstance(value, list) or not value:
        return None
    seqs: list[int] = []
    for run in value:
        if not isinstance(run, list) or len(run) != 2 or not all(type(s) is int for s in run):
            return None
        low, high = run
        if low > high or (seqs and low <= seqs[-1]) or high - low > 10_000_000:
            return None
        seqs.extend(range(low, high + 1))
    return seqs


def head_label(head: dict[str, Any]) -> tuple[str, ...]:
    if head.get("source") == "import":
        return ("head_import", str(head.get("file_name")), str(head.get("received_at")))
    return ("head_upload", str(head.get("batch_id")))


def check_heads(
    archive: Archive, device: Device, entry: dict[str, Any], section: Section
) -> set[int]:
    """4. The signed heads, each with the key in force when the server received it; returns
    the seqs of those that verify."""
    keys = read_keys(entry, section)
    verified: set[int] = set()
    name = f"{device.folder}/heads.jsonl"
    for line, head in archive.json_lines(name, section):
        device.counts["heads"] += 1
        received = parse_time(head.get("received_at")) if isinstance(head, dict) else None
        if (
            not isinstance(head, dict)
            or type(head.get("head_seq")) is not int
            or head.get("source") not in ("upload", "import")
            or received is None
        ):
            error = "not a signed head (source, head_seq, received_at)"
            section.add(PROBLEM, "bad_line", name=name, line=line, error=error)
            continue
        seq, label = head["head_seq"], head_label(head)
        record = device.chain.get(seq)
        if record is None:
            section.add(PROBLEM, "head_record_missing", head=label, seq=seq)
            continue
        if head.get("head_hash") != record["hash"]:
            section.add(
                PROBLEM, "head_hash_differs", head=label, seq=seq, signed=head.get("head_hash"),
                found=record["hash"],
            )  # fmt: skip
            continue
        if head["source"] == "import":
            message = export_message(device, head, line, section)
            signature = decode_base64(head.get("signature"))
        else:
            try:
                message = head_message(device.device_id, seq, record["hash"])
            except UnicodeEncodeError:  # not a device id or hash at all
                message = b""
            signature = decode_base64(head.get("head_signature"))
        if message is None:
            continue
        key = key_for(keys, received, label, seq, section)
        if key is None or key.public_key is None:
            continue
        if signature is not None and signature_verifies(key.public_key, message, signature):
            verified.add(seq)
        else:
            section.add(PROBLEM, "head_bad_signature", head=label, seq=seq, number=key.number)
    return verified


def check_vouched(
    device: Device,
    good: set[int],
    linked: set[int],
    verified: set[int],
    months: list[str] | None,
    section: Section,
) -> None:
    """5. A verified head vouches for its record, and a vouched record whose prev_hash links
    vouches for the record before it (whose hash is right): walking back from the newest seq.
    Every stored record nothing vouches for is a problem."""
    vouched: set[int] = set()
    for seq in range(device.last, device.first - 1, -1):
        if seq in good and (seq in verified or (seq + 1 in vouched and seq + 1 in linked)):
            vouched.add(seq)
    for low, high in runs([seq for seq in device.stored if seq not in vouched]):
        ratings = sum(
            1 for seq in range(low, high + 1)
            if seq in device.stored and is_period_rating(device.chain[seq], months)
        )  # fmt: skip
        section.add(PROBLEM, "uncovered", low=low, high=high, ratings=ratings)


def hash_ok(record: dict[str, Any]) -> bool:
    try:
        return bool(record_hash(record) == record["hash"])
    except (NotCanonical, ValueError):
        return False


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def is_period_rating(record: dict[str, Any], months: list[str] | None) -> bool:
    if record["kind"] != "rating":
        return False
    month = local_month(record["created_at"], record["utc_offset_min"])
    return months is None or month in months


def runs(seqs: Iterable[int]) -> list[tuple[int, int]]:
    """Seqs as runs (low, high), in order."""
    out: list[tuple[int, int]] = []
    for seq in sorted(seqs):
        if out and seq == out[-1][1] + 1:
            out[-1] = (out[-1][0], seq)
        else:
            out.append((seq, seq))
    return out


# == 7. A published snapshot against the records ===============================================

Entry = tuple[str | None, str | None]
"""A table entry: (program, center) of the main table, (program, channel) of the by-channel
table; None stands for "all"."""


def check_snapshot(
    archive: Archive,
    period: str,
    devices: dict[str, Device],
    months: list[str] | None,
    report: Report,
) -> None:
    """Compare one published snapshot with the records. Precisely:

    - the records it counted are the stored ratings whose server id is at most its
      max_record_id and whose local month is one of the period's;
    - the chain head it names for each device in the export is that device's highest seq
      among the records it counted, with that record's hash;
    - version 2 (the current one): the programs × centers table (each program at each center,
      with the totals of each program, each center and the grand total) counts the ratings of
      the kiosk and web-verified channels not flagged burst; the by-channel table counts each
      of the three channels apart, not flagged burst; burst_left_out counts the ratings of
      kiosk and web-verified flagged burst. Version 1 counts every channel in both;
    - every published entry's n and five score counts equal the records'; every entry the
      records give ratings for is there; no entry of 1 to min_n − 1 ratings is published; an
      entry hidden as "too_few" has 1 to min_n − 1 ratings, one hidden as "protects_another"
      has at least min_n; no line of the programs × centers table (a program's row with its
      total, a center's column with its total, the row of center totals with the grand
      total, the column of program totals with the grand total) has exactly one hidden entry;
    - the priorities are exactly the programs whose total is published with at least min_n
      ratings, each with its n and its count of scores 1–2, ordered by the lower bound of the
      95 % Wilson interval of that share, highest first (then the higher share, then the
      larger n). Their reasons and the names of programs and centers are not compared: the
      export holds no catalog.
    """
    folder = f"snapshots/{period}"
    body_bytes = archive.read(f"{folder}/snapshot.json")
    integrity = archive.json(f"{folder}/integrity.json", archive.section)
    taken_at = integrity.get("taken_at") if isinstance(integrity, dict) else "?"
    section = report.section("sec_snapshot", period=period, taken_at=taken_at)
    if body_bytes is None or not isinstance(integrity, dict):
        section.add(PROBLEM, "snap_unreadable", error="snapshot.json, integrity.json")
        return
    sha = hashlib.sha256(body_bytes).hexdigest()
    section.add(NOTE, "snap_sha", sha=sha)
    if integrity.get("body_sha256") != sha:
        section.add(PROBLEM, "snap_sha_differs", stored=integrity.get("body_sha256"))
    body = read_body(body_bytes, section)
    if body is None:
        return
    if body["period"] != period or integrity.get("period") != period:
        section.add(PROBLEM, "snap_period_differs", found=body["period"])
    snap_months = period_months(period)
    if snap_months is None or (months is not None and not set(snap_months) <= set(months)):
        section.add(PROBLEM, "snap_outside")
        return
    max_id, min_n = integrity.get("max_record_id"), body["min_n"]
    heads = integrity.get("chain_heads")
    if type(max_id) is not int or not isinstance(heads, dict):
        section.add(PROBLEM, "snap_unreadable", error="integrity.json")
        return
    check_snapshot_heads(section, heads, devices, max_id)

    # The records' counts.
    version = body["version"]
    cells: dict[Entry, list[int]] = defaultdict(lambda: [0] * 5)
    by_channel: dict[Entry, list[int]] = defaultdict(lambda: [0] * 5)
    burst = late = 0
    for device in devices.values():
        for rating in device.ratings:
            if rating.month not in snap_months:
                continue
            if rating.record_id > max_id:
                late += 1
                continue
            headline = version == 1 or rating.channel in HEADLINE_CHANNELS
            if rating.burst:
                burst += headline
                continue
            if not 1 <= rating.score <= 5:  # the server stores none; the tables have no column
                continue
            if headline:
                service, center = rating.service, rating.center
                for entry in ((service, center), (service, None), (None, center), (None, None)):
                    cells[entry][rating.score - 1] += 1
            for entry in ((rating.service, rating.channel), (None, rating.channel)):
                by_channel[entry][rating.score - 1] += 1

    # The programs × centers table.
    before = len(section.findings)
    shown, too_few, protecting = compare_table(section, body["cells"], cells, min_n, cell_label)
    for label, line in table_lines(body["cells"]):
        if sum(1 for entry in line if body["cells"][entry].get("suppressed")) == 1:
            section.add(PROBLEM, "line_single_hidden", line=label)
    if not section.has_problem(before):
        section.add(
            OK, "cells_ok", shown=shown, too_few=too_few, protecting=protecting, min_n=min_n
        )

    # The by-channel table: a row for every program named and every channel.
    if version == 2:
        for service in [*body["services"], None]:
            for channel in ALL_CHANNELS:
                by_channel.setdefault((service, channel), [0] * 5)
        before = len(section.findings)
        shown, too_few, protecting = compare_table(
            section, body["channels"], by_channel, min_n, channel_label
        )
        if not section.has_problem(before):
            section.add(OK, "channels_ok", shown=shown, hidden=too_few + protecting)

    if body["burst_left_out"] != burst:
        section.add(PROBLEM, "burst_differs", said=body["burst_left_out"], found=burst)
    else:
        section.add(OK, "burst_ok", count=burst)
    check_priorities(section, body["priorities"], body["cells"], cells, min_n)
    if late:
        section.add(NOTE, "late_note", count=late)


def read_body(data: bytes, section: Section) -> dict[str, Any] | None:
    """The parts of snapshot.json the checks compare, or None (and a problem)."""
    try:
        body = json.loads(data.decode("utf-8"))
    except ValueError as exc:
        section.add(PROBLEM, "snap_unreadable", error=str(exc))
        return None
    if not isinstance(body, dict) or body.get("format") != RESULTS_FORMAT:
        section.add(PROBLEM, "snap_unknown_version", version=None)
        return None
    version = body.get("version")
    if version not in (1, 2):
        section.add(PROBLEM, "snap_unknown_version", version=version)
        return None
    try:
        channels = body["channels"]["rows"] if version == 2 else []
        parsed = {
            "version": version,
            "period": body["period"],
            "min_n": body["min_n"],
            "burst_left_out": body["burst_left_out"],
            "services": [s["id"] for s in body["services"]],
            "cells": {(c["service"], c["center"]): c for c in body["cells"]},
            "channels": {(r["service"], r["channel"]): r for r in channels},
            "priorities": [(p["service"], p["n"], p["dissatisfied"]) for p in body["priorities"]],
        }
    except (KeyError, TypeError):
        section.add(PROBLEM, "snap_unreadable", error="snapshot.json")
        return None
    texts = [*parsed["services"], *(p for key in parsed["cells"] for p in key)]
    if (
        type(parsed["min_n"]) is not int
        or parsed["min_n"] < 1
        or not all(t is None or isinstance(t, str) for t in texts)
    ):
        section.add(PROBLEM, "snap_unreadable", error="snapshot.json")
        return None
    return parsed


def check_snapshot_heads(
    section: Section, heads: dict[str, Any], devices: dict[str, Device], max_id: int
) -> None:
    """The chain head the snapshot names for each device of the export."""
    matched = 0
    for device_id, device in sorted(devices.items()):
        counted = [seq for seq, record_id in device.stored.items() if record_id <= max_id]
        named = heads.get(device_id)
        if not counted:  # none of its records in this export was counted
            if isinstance(named, list) and named and named[0] in device.stored:
                section.add(
                    PROBLEM, "snap_head_differs", device=device_id, named=named, expected="-"
                )
            continue
        seq = max(counted)
        expected = [seq, device.chain[seq]["hash"]]
        if named is None:
            section.add(PROBLEM, "snap_head_missing", device=device_id, seq=seq)
        elif named != expected:
            shown = str(named)[:100]
            section.add(
                PROBLEM, "snap_head_differs", device=device_id, named=shown, expected=expected
            )
        else:
            matched += 1
    if matched:
        section.add(OK, "snap_heads_ok", count=matched)
    elsewhere = len(set(heads) - set(devices))
    if elsewhere:
        section.add(NOTE, "snap_heads_elsewhere", count=elsewhere)


def compare_table(
    section: Section,
    published: dict[Entry, dict[str, Any]],
    expected: dict[Entry, list[int]],
    min_n: int,
    label: Callable[[Entry], tuple[str, ...]],
) -> tuple[int, int, int]:
    """Each entry of a published table against the records' counts; returns how many are
    shown, hidden as too few, and hidden to protect another."""
    shown = too_few = protecting = 0
    for key in sorted(set(published) | set(expected), key=lambda k: (k[0] or "", k[1] or "")):
        counts = expected.get(key, [0] * 5)
        n = sum(counts)
        entry = published.get(key)
        name = label(key)
        if entry is None:
            if n:
                section.add(PROBLEM, "cell_missing", cell=name, n=n)
            continue
        state = entry.get("suppressed")
        if state is None:
            shown += 1
            if entry.get("n") != n or entry.get("counts") != counts:
                section.add(
                    PROBLEM, "cell_differs", cell=name, n=entry.get("n"),
                    counts=entry.get("counts"), exp_n=n, exp_counts=counts,
                )  # fmt: skip
            elif 0 < n < min_n:
                section.add(PROBLEM, "cell_small_published", cell=name, n=n, min_n=min_n)
        elif state == "too_few":
            too_few += 1
            if not 0 < n < min_n:
                section.add(PROBLEM, "cell_too_few_wrong", cell=name, n=n, min_n=min_n)
        elif state == "protects_another":
            protecting += 1
            if n < min_n:
                section.add(PROBLEM, "cell_protect_wrong", cell=name, n=n, min_n=min_n)
        else:
            section.add(PROBLEM, "cell_state_unknown", cell=name, state=state)
    return shown, too_few, protecting


def table_lines(cells: dict[Entry, Any]) -> list[tuple[tuple[str, ...], list[Entry]]]:
    """Every line of the programs × centers table that a sum ties, as (label, its entries in
    the snapshot); an entry not in the snapshot has no ratings and is never hidden."""
    services = sorted({s for s, c in cells if s is not None and c is not None})
    centers = sorted({c for s, c in cells if s is not None and c is not None})
    every_center: list[str | None] = [*centers, None]
    every_service: list[str | None] = [*services, None]
    lines: list[tuple[tuple[str, ...], list[Entry]]] = []
    for service in services:
        lines.append((("line_row", service), [(service, c) for c in every_center]))
    for center in centers:
        lines.append((("line_column", center), [(s, center) for s in every_service]))
    lines.append((("line_center_totals",), [(None, c) for c in every_center]))
    lines.append((("line_program_totals",), [(s, None) for s in every_service]))
    return [(label, [e for e in line if e in cells]) for label, line in lines]


def check_priorities(
    section: Section,
    priorities: list[tuple[Any, Any, Any]],
    published: dict[Entry, dict[str, Any]],
    cells: dict[Entry, list[int]],
    min_n: int,
) -> None:
    """The priorities against the records (see check_snapshot)."""
    expected: dict[str, tuple[int, int]] = {}
    for (service, center), entry in published.items():
        if service is None or center is not None or entry.get("suppressed"):
            continue  # not a program's published total
        counts = cells.get((service, center), [0] * 5)
        if sum(counts) >= min_n:
            expected[service] = (sum(counts), counts[0] + counts[1])
    listed = [service for service, _n, _d in priorities]
    if sorted(map(str, listed)) != sorted(expected) or len(set(listed)) != len(listed):
        section.add(PROBLEM, "priority_set_differs", found=len(listed), expected=len(expected))
        return
    before = len(section.findings)
    order = []
    for service, n, dissatisfied in priorities:
        exp_n, exp_d = expected[service]
        if (n, dissatisfied) != (exp_n, exp_d):
            section.add(
                PROBLEM, "priority_differs", service=service, n=n, d=dissatisfied,
                exp_n=exp_n, exp_d=exp_d,
            )  # fmt: skip
        order.append(((-wilson_low(exp_d, exp_n), -exp_d / exp_n, -exp_n), service))
    for (above, name), (below, next_name) in itertools.pairwise(order):
        if above > below:
            section.add(PROBLEM, "priority_order", service=name, next=next_name)
    if not section.has_problem(before):
        section.add(OK, "priorities_ok", count=len(order))


def cell_label(key: Entry) -> tuple[str, ...]:
    service, center = key
    if service is None:
        return ("cell_all_center", "", center) if center else ("cell_all",)
    return ("cell_service_center", service, center) if center else ("cell_service_all", service)


def channel_label(key: Entry) -> tuple[str, ...]:
    service, channel = key
    return (
        ("channel_service", service, str(channel)) if service else ("channel_all", "", str(channel))
    )


# == 8. The whole archive ======================================================================


def verify(path: Path) -> Report:
    """Every check of the archive at ``path``."""
    report = Report(str(path))
    files = Section("sec_files", {})
    try:
        archive = Archive(path, files)
    except Unreadable as exc:
        report.unreadable = True
        report.header.append(Finding(PROBLEM, exc.message, {"path": str(path), **exc.values}))
        return report
    report.sections.append(files)
    manifest = archive.manifest
    period, months = manifest.get("period"), manifest.get("months")
    made = {"made_at": manifest.get("made_at"), "version": manifest.get("server_version")}
    if period is None:
        months = None
        report.header.append(Finding(NOTE, "export_all", made))
    else:
        report.header.append(Finding(NOTE, "export_period", {"period": period, **made}))
        if not isinstance(period, str) or period_months(period) != months:
            files.add(PROBLEM, "months_differ")
            months = period_months(str(period)) or []

    entries = archive.json("devices.json", files)
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        error = "not a list of devices"
        files.add(PROBLEM, "file_unreadable", name="devices.json", line=1, error=error)
        entries = []
    ids = [str(e.get("device_id")) for e in entries]
    named = manifest.get("devices")
    if not isinstance(named, list) or sorted(map(str, named)) != sorted(ids):
        files.add(PROBLEM, "devices_differ")
    if len(set(ids)) != len(ids):
        files.add(PROBLEM, "devices_differ")
    for name in archive.names:
        if name.startswith("devices/") and name.split("/")[1] not in ids:
            files.add(PROBLEM, "device_undescribed", name=name)

    devices: dict[str, Device] = {}
    for entry in entries:
        device = check_device(archive, entry, months, report)
        if device is not None:
            devices[device.device_id] = device
    snapshots = manifest.get("snapshots")
    snapshots = [str(p) for p in snapshots] if isinstance(snapshots, list) else []
    for period_name in snapshots:
        check_snapshot(archive, period_name, devices, months, report)

    found = {
        "devices": len(entries),
        "records": sum(d.counts["records"] for d in devices.values()),
        "period_ratings": sum(d.counts["period_ratings"] for d in devices.values()),
        "set_aside": sum(d.counts["set_aside"] for d in devices.values()),
        "heads": sum(d.counts["heads"] for d in devices.values()),
        "snapshots": len(snapshots),
    }
    said = as_dict(manifest.get("counts"))
    for what, count in found.items():
        if said.get(what) != count:
            files.add(PROBLEM, "count_differs", what=what, said=said.get(what), found=count)
    left_out = manifest.get("snapshots_left_out")
    for item in left_out if isinstance(left_out, list) else []:
        if isinstance(item, dict):
            files.add(NOTE, "snapshot_left_out", period=item.get("period"))
    return report


# == 9. Words ==================================================================================

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (English, Georgian)
    "title": ("Ukukavshiri: audit of the published results",
              "უკუკავშირი: გამოქვეყნებული შედეგების აუდიტი"),
    "file": ("File: {path}", "ფაილი: {path}"),
    "export_period": ("An export of the period {period}, made {made_at} by server version {version}.",
                      "პერიოდის ({period}) ექსპორტი, შექმნილია {made_at}, სერვერის ვერსია {version}."),
    "export_all": ("An export of every period, made {made_at} by server version {version}.",
                   "ყველა პერიოდის ექსპორტი, შექმნილია {made_at}, სერვერის ვერსია {version}."),
    "not_zip": ("{path} is not a ZIP archive, or cannot be opened: {error}",
                "{path} არ არის ZIP არქივი, ან ვერ იხსნება: {error}"),
    "not_audit": ("{path} is not an Ukukavshiri audit export (it holds no manifest.json of that format).",
                  "{path} არ არის უკუკავშირის აუდიტის ექსპორტი (მასში ასეთი ფორმატის manifest.json არ არის)."),
    "bad_version": ("{path} is an audit export of version {version}; this verifier reads version {expected}.",
                    "{path} აუდიტის ექსპორტის {version} ვერსიაა; ეს შემმოწმებელი {expected} ვერსიას კითხულობს."),
    # levels
    OK: ("[ok]", "[კარგია]"),
    PROBLEM: ("[PROBLEM]", "[პრობლემა]"),
    WARNING: ("[warning]", "[გაფრთხილება]"),
    NOTE: ("[note]", "[შენიშვნა]"),
    # sections
    "sec_files": ("The archive", "არქივი"),
    "sec_device_kiosk": ("Device {device}: kiosk \"{name}\", center {center}, channel {channel}",
                         "მოწყობილობა {device}: კიოსკი „{name}“, ცენტრი {center}, არხი {channel}"),
    "sec_device_web": ("Device {device}: web chain \"{name}\" (written and signed by the server itself), channel {channel}",
                       "მოწყობილობა {device}: ვებგვერდის ჯაჭვი „{name}“ (მას თვითონ სერვერი წერს და ხელს აწერს), არხი {channel}"),
    "sec_snapshot": ("Published results of {period} (taken {taken_at})",
                     "{period} პერიოდის გამოქვეყნებული შედეგები (დაფიქსირდა {taken_at})"),
    # the archive
    "files_ok": ("files: {count}, each with the SHA-256 and size the manifest gives",
                 "ფაილები: {count}, თითოეულს აქვს მანიფესტში მითითებული SHA-256 და ზომა"),
    "file_missing": ("{name} is in the manifest but not in the archive",
                     "{name} მანიფესტშია, მაგრამ არქივში არ არის"),
    "file_unlisted": ("{name} is in the archive but not in the manifest",
                      "{name} არქივშია, მაგრამ მანიფესტში არ არის"),
    "file_duplicate": ("{name} is in the archive more than once",
                       "{name} არქივში ერთზე მეტჯერ გვხვდება"),
    "file_changed": ("{name} differs from what the manifest says (SHA-256 or size): it was changed after the export was made",
                     "{name} არ ემთხვევა მანიფესტს (SHA-256 ან ზომა): ექსპორტის შექმნის შემდეგ შეიცვალა"),
    "file_damaged": ("{name} is damaged: the ZIP cannot unpack it",
                     "{name} დაზიანებულია: ZIP მის გახსნას ვერ ახერხებს"),
    "file_unreadable": ("{name}, line {line}: cannot be read as JSON ({error})",
                        "{name}, სტრიქონი {line}: JSON-ად ვერ იკითხება ({error})"),
    "bad_line": ("{name}, line {line}: {error}", "{name}, სტრიქონი {line}: {error}"),
    "count_differs": ("{what}: the export says {said}, the files hold {found}",
                      "{what}: ექსპორტის მიხედვით {said}, ფაილებში კი {found}"),
    "devices_differ": ("the manifest and devices.json do not name the same devices",
                       "მანიფესტი და devices.json ერთსა და იმავე მოწყობილობებს არ ასახელებს"),
    "device_undescribed": ("{name} belongs to no device of devices.json",
                           "{name} devices.json-ის არცერთ მოწყობილობას არ ეკუთვნის"),
    "months_differ": ("the manifest's months are not those of its period",
                      "მანიფესტში მითითებული თვეები მისი პერიოდის თვეები არ არის"),
    "snapshot_left_out": ("the published results of {period} are not in this export: they also cover other months (export {period} to check them)",
                          "{period} პერიოდის გამოქვეყნებული შედეგები ამ ექსპორტში არ არის: ისინი სხვა თვეებსაც მოიცავს (შესამოწმებლად {period} პერიოდის ექსპორტი გააკეთეთ)"),
    # a device
    "range_unreadable": ("devices.json gives no readable seq range for this device",
                         "devices.json ამ მოწყობილობის seq-ების წაკითხვად დიაპაზონს არ იძლევა"),
    "device_ok": ("records seq {first}–{last}: stored {records}, ratings of the period {ratings}, set aside {set_aside}; every hash and link holds, no seq is missing, signed heads that verify: {heads}, and every record lies under one",
                  "ჩანაწერები seq {first}–{last}: შენახული — {records}, ამ პერიოდის შეფასებები — {ratings}, გვერდზე გადადებული — {set_aside}; ყველა ჰეში და კავშირი სწორია, არცერთი seq არ აკლია, მოწმდება ხელმოწერილი თავები — {heads}, და ყოველი ჩანაწერი რომელიმე მათგანის ქვეშაა"),
    "key_note": ("key {number}: {public_key}; in force from {since} until {until}; {reason}",
                 "გასაღები {number}: {public_key}; მოქმედების დასაწყისი — {since}, დასასრული — {until}; {reason}"),
    "key_from_start": ("the start of the chain", "ჯაჭვის დასაწყისი"),
    "key_until_now": ("now (still in force)", "ახლაც მოქმედებს"),
    "key_reason_enrollment": ("it came with the kiosk's enrollment", "კიოსკის რეგისტრაციისას მიღებული"),
    "key_reason_reenrollment": ("it came with a new enrollment of the kiosk", "კიოსკის ხელახალი რეგისტრაციისას მიღებული"),
    "key_reason_import": ("kept from the kiosk's export files imported from a USB stick", "შენახულია USB მეხსიერებიდან იმპორტირებული კიოსკის ექსპორტის ფაილებიდან"),
    "key_reason_migration": ("the key the kiosk held when the server began to keep every key; its earlier keys are not known",
                             "გასაღები, რომელიც კიოსკს ჰქონდა, როცა სერვერმა ყველა გასაღების შენახვა დაიწყო; მისი უფრო ადრინდელი გასაღებები უცნობია"),
    "key_reason_server": ("the server's own key for the website's answers", "სერვერის საკუთარი გასაღები ვებგვერდის პასუხებისთვის"),
    "key_reason_other": ("in force, as the server says, by: {0}", "ძალაშია, სერვერის თქმით, შემდეგი მიზეზით: {0}"),
    "keys_unreadable": ("devices.json gives no readable list of this device's keys",
                        "devices.json ამ მოწყობილობის გასაღებების წაკითხვად სიას არ იძლევა"),
    "key_missing": ("the server holds no public key for this device, so no signature can be checked",
                    "სერვერს ამ მოწყობილობის საჯარო გასაღები არ აქვს, ამიტომ ვერცერთი ხელმოწერა ვერ შემოწმდება"),
    "key_unsafe": ("key {number} ({public_key}) is not a usable Ed25519 key (anyone could sign for it), so nothing signed with it is trusted",
                   "გასაღები {number} ({public_key}) Ed25519-ის გამოსადეგი გასაღები არ არის (მისით ნებისმიერს შეუძლია ხელის მოწერა), ამიტომ მისით ხელმოწერილ არაფერს ვენდობით"),
    "key_dates": ("key {number}: its dates cannot be read, or it ends before it begins",
                  "გასაღები {number}: მისი თარიღები ვერ იკითხება, ან ის დაწყებამდე მთავრდება"),
    "keys_overlap": ("keys {first} and {second} are both in force at some moment, but a device has one key at a time",
                     "გასაღებები {first} და {second} რაღაც მომენტში ერთდროულად მოქმედებს, მოწყობილობას კი ერთ დროს ერთი გასაღები აქვს"),
    "wrong_device": ("seq {seq}: the record belongs to another device ({other})",
                     "seq {seq}: ჩანაწერი სხვა მოწყობილობას ეკუთვნის ({other})"),
    "out_of_order": ("seq {seq} comes after seq {before}: the records are not in ascending seq order, each once",
                     "seq {seq} მოდის seq {before}-ის შემდეგ: ჩანაწერები seq-ის ზრდადი რიგით, თითო ერთხელ არ არის"),
    "outside_range": ("seq {seq} lies outside the range {first}–{last} that devices.json gives",
                      "seq {seq} devices.json-ში მითითებული დიაპაზონის ({first}–{last}) გარეთაა"),
    "channel_differs": ("seq {seq}: channel {found}, but the device's channel is {channel}",
                        "seq {seq}: არხი {found}, მოწყობილობის არხი კი {channel}"),
    "no_time": ("seq {seq}: the rating's time, score or server id cannot be read, so it cannot be counted",
                "seq {seq}: შეფასების დრო, ქულა ან სერვერის ნომერი ვერ იკითხება, ამიტომ მისი დათვლა შეუძლებელია"),
    "set_aside_note": ("seq {seq}: set aside by the server ({reason}); a link of the chain, not counted",
                       "seq {seq}: სერვერმა გვერდზე გადადო ({reason}); ჯაჭვის რგოლია, მაგრამ არ ითვლება"),
    "set_aside_unreadable": ("seq {seq}: the record set aside there is not of the documented form",
                             "seq {seq}: იქ გვერდზე გადადებული ჩანაწერი დოკუმენტირებული ფორმის არ არის"),
    "bad_hash": ("seq {seq}: the hash does not match the record's content: the record was changed",
                 "seq {seq}: ჰეში ჩანაწერის შინაარსს არ ემთხვევა: ჩანაწერი შეიცვალა"),
    "bad_genesis": ("seq 1: prev_hash is not 64 zeros", "seq 1: prev_hash 64 ნული არ არის"),
    "bad_link": ("seq {seq}: prev_hash is not the hash of seq {before}: a record was changed, removed or inserted here",
                 "seq {seq}: prev_hash არ არის seq {before}-ის ჰეში: აქ ჩანაწერი შეიცვალა, წაიშალა ან ჩაემატა"),
    "gap": ("seq {low}–{high} missing: the chain cannot be followed across",
            "seq {low}–{high} აკლია: ჯაჭვის გაგრძელება ამ ადგილას ვერ მოწმდება"),
    "head_upload": ("signed head of batch {0}", "ბატჩის {0} ხელმოწერილი თავი"),
    "head_import": ("signed export file {0} (imported {1})", "ხელმოწერილი ექსპორტის ფაილი {0} (იმპორტირებულია {1})"),
    "head_record_missing": ("{head}: seq {seq} is not among the records",
                            "{head}: seq {seq} ჩანაწერებს შორის არ არის"),
    "head_hash_differs": ("{head}: it names hash {signed} for seq {seq}, the record has {found}",
                          "{head}: seq {seq}-ისთვის ასახელებს ჰეშს {signed}, ჩანაწერს კი აქვს {found}"),
    "head_bad_signature": ("{head} (seq {seq}): the signature does not verify with key {number}, the device's key when the server received it: this device did not sign it, or it was changed",
                           "{head} (seq {seq}): ხელმოწერა არ მოწმდება გასაღებით {number}, რომელიც მოწყობილობას ჰქონდა, როცა სერვერმა ის მიიღო: ეს მოწყობილობა მას ხელს არ აწერდა, ან შეიცვალა"),
    "head_before_keys": ("{head} (seq {seq}) arrived {received}, before the oldest key the server kept (in force from {since}, when it began to keep every key), so it cannot be checked",
                         "{head} (seq {seq}) მოვიდა {received}, სერვერის მიერ შენახულ უძველეს გასაღებამდე (მოქმედებს {since}-დან, როცა სერვერმა ყველა გასაღების შენახვა დაიწყო), ამიტომ მისი შემოწმება შეუძლებელია"),
    "head_no_key": ("{head} (seq {seq}) arrived {received}, when by its key history the device had no key: no key vouches for it",
                    "{head} (seq {seq}) მოვიდა {received}, როცა გასაღებების ისტორიის მიხედვით მოწყობილობას გასაღები არ ჰქონდა: მას ვერცერთი გასაღები ვერ ადასტურებს"),
    "file_records_missing": ("{head}: its records seq {low}–{high} are not among the records, so what it signed cannot be checked",
                             "{head}: მისი ჩანაწერები seq {low}–{high} ჩანაწერებს შორის არ არის, ამიტომ მისი ხელმოწერილი შინაარსის შემოწმება შეუძლებელია"),
    "file_checksum_differs": ("{head}: the records seq {first}–{last} here are not those of the file (their records_sha256 differs): they were changed after the kiosk signed them",
                              "{head}: აქ მოცემული ჩანაწერები seq {first}–{last} ფაილისას არ ემთხვევა (მათი records_sha256 განსხვავდება): ისინი კიოსკის ხელმოწერის შემდეგ შეიცვალა"),
    "uncovered": ("seq {low}–{high} (ratings of the period among them: {ratings}): no verified signed head vouches for these records, so nothing shows that the device wrote them",
                  "seq {low}–{high} (მათ შორის ამ პერიოდის შეფასებები — {ratings}): ამ ჩანაწერებს ვერცერთი შემოწმებული ხელმოწერილი თავი არ ადასტურებს, ამიტომ არაფერი ამტკიცებს, რომ ისინი მოწყობილობამ დაწერა"),
    # a snapshot
    "snap_sha": ("SHA-256 of snapshot.json: {sha}; compare it with the fingerprint on the public results page",
                 "snapshot.json-ის SHA-256: {sha}; შეადარეთ საჯარო შედეგების გვერდზე მოცემულ ციფრულ ანაბეჭდს"),
    "snap_sha_differs": ("snapshot.json is not the body the server stored with SHA-256 {stored}: the published figures were changed",
                         "snapshot.json არ არის ის, რაც სერვერმა SHA-256 {stored}-ით შეინახა: გამოქვეყნებული მონაცემები შეიცვალა"),
    "snap_unreadable": ("the snapshot cannot be read ({error})", "შედეგების წაკითხვა შეუძლებელია ({error})"),
    "snap_unknown_version": ("results version {version} is unknown to this verifier: the figures are not compared",
                             "შედეგების {version} ვერსია ამ შემმოწმებლისთვის უცნობია: მონაცემები არ შედარდება"),
    "snap_period_differs": ("the snapshot names period {found}", "შედეგებში მითითებულია პერიოდი {found}"),
    "snap_outside": ("the snapshot covers months outside this export: its figures cannot be compared",
                     "შედეგები ამ ექსპორტის გარეთ მყოფ თვეებსაც მოიცავს: მათი შედარება შეუძლებელია"),
    "snap_heads_ok": ("the chain heads it names are the records' (devices: {count})",
                      "მასში დასახელებული ჯაჭვის თავები ჩანაწერებს ემთხვევა (მოწყობილობები: {count})"),
    "snap_heads_elsewhere": ("devices it names that have no records of this period in the export: {count}",
                             "მასში დასახელებული მოწყობილობები, რომელთაც ამ პერიოდის ჩანაწერი ექსპორტში არ აქვთ: {count}"),
    "snap_head_missing": ("device {device}: it counted records up to seq {seq}, but the snapshot names no chain head for it",
                          "მოწყობილობა {device}: დათვლილია ჩანაწერები seq {seq}-მდე, მაგრამ შედეგებში მისი ჯაჭვის თავი არ არის"),
    "snap_head_differs": ("device {device}: the snapshot names {named} (seq, hash) as its chain head, the records give {expected}",
                          "მოწყობილობა {device}: შედეგებში ჯაჭვის თავად დასახელებულია {named} (seq, ჰეში), ჩანაწერების მიხედვით კი {expected}"),
    "cells_ok": ("programs × centers: published entries, each equal to the records: {shown}; hidden as fewer than {min_n}: {too_few}; hidden to protect those: {protecting}; each hidden one as the records say",
                 "პროგრამები × ცენტრები: გამოქვეყნებული მონაცემები, თითოეული ჩანაწერების ტოლი — {shown}; დამალული, როგორც {min_n}-ზე ნაკლები — {too_few}; დამალული მათ დასაცავად — {protecting}; ყოველი დამალული ჩანაწერების შესაბამისია"),
    "channels_ok": ("by channel: published entries, each equal to the records: {shown}; hidden, as the records say: {hidden}",
                    "არხების მიხედვით: გამოქვეყნებული მონაცემები, თითოეული ჩანაწერების ტოლი — {shown}; დამალული, ჩანაწერების შესაბამისად — {hidden}"),
    "cell_differs": ("{cell}: published n = {n}, scores 1–5 {counts}; the records give n = {exp_n}, {exp_counts}",
                     "{cell}: გამოქვეყნებულია n = {n}, ქულები 1–5 {counts}; ჩანაწერების მიხედვით n = {exp_n}, {exp_counts}"),
    "cell_missing": ("{cell}: the records give {n} ratings, but the published results have no entry",
                     "{cell}: ჩანაწერების მიხედვით {n} შეფასებაა, გამოქვეყნებულ შედეგებში კი ასეთი მონაცემი არ არის"),
    "cell_small_published": ("{cell}: published with n = {n}, fewer than {min_n}",
                             "{cell}: გამოქვეყნებულია n = {n}, რაც {min_n}-ზე ნაკლებია"),
    "cell_too_few_wrong": ("{cell}: hidden as fewer than {min_n}, but the records give {n}",
                           "{cell}: დამალულია, როგორც {min_n}-ზე ნაკლები, ჩანაწერების მიხედვით კი {n}-ია"),
    "cell_protect_wrong": ("{cell}: hidden to protect another, but the records give {n} (fewer than {min_n})",
                           "{cell}: დამალულია სხვის დასაცავად, ჩანაწერების მიხედვით კი {n}-ია ({min_n}-ზე ნაკლები)"),
    "cell_state_unknown": ("{cell}: hidden for an unknown reason ({state})",
                           "{cell}: დამალულია უცნობი მიზეზით ({state})"),
    "line_single_hidden": ("{line}: exactly one hidden entry, which the total minus the others gives back",
                           "{line}: მხოლოდ ერთი დამალული მონაცემია, რომელიც ჯამს გამოკლებული დანარჩენებით აღდგება"),
    "burst_ok": ("ratings flagged as a burst, left out of the figures: {count}, as the records say",
                 "სერიულად მონიშნული შეფასებები, რომლებიც არ ითვლება: {count}, ჩანაწერების შესაბამისად"),
    "burst_differs": ("the results say {said} ratings flagged as a burst were left out; the records give {found}",
                      "შედეგების მიხედვით სერიულად მონიშნული {said} შეფასება არ ჩაითვალა; ჩანაწერების მიხედვით {found}"),
    "priorities_ok": ("priorities ({count}): each program's n and dissatisfied count as the records say, in the order of the Wilson lower bound",
                      "პრიორიტეტები ({count}): თითოეული პროგრამის n და უკმაყოფილოთა რაოდენობა ჩანაწერებს ემთხვევა, დალაგება — უილსონის ქვედა ზღვრის მიხედვით"),
    "priority_set_differs": ("the priorities list {found} programs; the published totals with at least min_n ratings give {expected}",
                             "პრიორიტეტებში {found} პროგრამაა; min_n-ზე არანაკლები გამოქვეყნებული ჯამები კი {expected}-ს იძლევა"),
    "priority_differs": ("priority {service}: published n = {n}, dissatisfied {d}; the records give n = {exp_n}, dissatisfied {exp_d}",
                         "პრიორიტეტი {service}: გამოქვეყნებულია n = {n}, უკმაყოფილო {d}; ჩანაწერების მიხედვით n = {exp_n}, უკმაყოფილო {exp_d}"),
    "priority_order": ("priority {service} is ranked above {next}, though the ratings put it lower",
                       "პრიორიტეტი {service} დგას {next}-ზე მაღლა, თუმცა შეფასებების მიხედვით დაბლა უნდა იყოს"),
    "late_note": ("ratings of this period that reached the server after publication: {count}; they are not in these figures (the public page shows the same number)",
                  "ამ პერიოდის შეფასებები, რომლებიც სერვერს გამოქვეყნების შემდეგ მიუვიდა: {count}; ისინი ამ მონაცემებში არ არის (საჯარო გვერდზეც იგივე რიცხვია)"),
    # labels
    "cell_service_center": ("program {0} at center {1}", "პროგრამა {0}, ცენტრი {1}"),
    "cell_service_all": ("program {0}, all centers", "პროგრამა {0}, ყველა ცენტრი"),
    "cell_all_center": ("all programs at center {1}", "ყველა პროგრამა, ცენტრი {1}"),
    "cell_all": ("all programs, all centers", "ყველა პროგრამა, ყველა ცენტრი"),
    "channel_service": ("program {0}, channel {1}", "პროგრამა {0}, არხი {1}"),
    "channel_all": ("all programs, channel {1}", "ყველა პროგრამა, არხი {1}"),
    "line_row": ("the row of program {0}", "პროგრამა {0}-ის სტრიქონი"),
    "line_column": ("the column of center {0}", "ცენტრი {0}-ის სვეტი"),
    "line_center_totals": ("the row of the centers' totals", "ცენტრების ჯამების სტრიქონი"),
    "line_program_totals": ("the column of the programs' totals", "პროგრამების ჯამების სვეტი"),
    # the end
    "result_ok": ("Result: no problem found.", "შედეგი: პრობლემა არ აღმოჩნდა."),
    "result_problems": ("Result: problems found: {count}, marked {mark} above.",
                        "შედეგი: აღმოჩენილი პრობლემები — {count}, ზემოთ მონიშნულია როგორც {mark}."),
    "result_warnings": ("Warnings (what could not be checked): {count}, marked {mark} above.",
                        "გაფრთხილებები (რისი შემოწმებაც ვერ მოხერხდა) — {count}, ზემოთ მონიშნულია როგორც {mark}."),
    "result_unreadable": ("Result: the file could not be checked.", "შედეგი: ფაილის შემოწმება ვერ მოხერხდა."),
}  # fmt: skip
COUNT_NAMES = {
    "devices": ("devices", "მოწყობილობები"),
    "records": ("records", "ჩანაწერები"),
    "period_ratings": ("ratings of the period", "პერიოდის შეფასებები"),
    "set_aside": ("records set aside", "გვერდზე გადადებული ჩანაწერები"),
    "heads": ("signed heads", "ხელმოწერილი თავები"),
    "snapshots": ("published results", "გამოქვეყნებული შედეგები"),
}


def words(message: str, lang: str, **values: Any) -> str:
    """The message in the language, with its values (labels and count names translated)."""
    english, georgian = MESSAGES[message]
    template = georgian if lang == "ka" else english
    shown = {}
    for name, value in values.items():
        if isinstance(value, tuple):  # a label: (message key, its parts)
            parts = MESSAGES[value[0]][1 if lang == "ka" else 0]
            value = parts.format(*value[1:])
        elif name == "what" and value in COUNT_NAMES:
            value = COUNT_NAMES[value][1 if lang == "ka" else 0]
        elif name == "mark":
            value = MESSAGES[value][1 if lang == "ka" else 0]
        shown[name] = "null" if value is None else value
    return template.format(**shown)


def render(report: Report, lang: str) -> str:
    lines = [words("title", lang), words("file", lang, path=report.path)]
    for finding in report.header:
        lines.append(words(finding.message, lang, **finding.values))
    for section in report.sections:
        lines.append("")
        lines.append(words(section.message, lang, **section.values))
        for finding in section.findings:
            mark = words(finding.level, lang)
            lines.append(f"  {mark} {words(finding.message, lang, **finding.values)}")
    lines.append("")
    if report.unreadable:
        lines.append(words("result_unreadable", lang))
    elif report.count(PROBLEM):
        lines.append(words("result_problems", lang, count=report.count(PROBLEM), mark=PROBLEM))
    else:
        lines.append(words("result_ok", lang))
    if report.count(WARNING):
        lines.append(words("result_warnings", lang, count=report.count(WARNING), mark=WARNING))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check an Ukukavshiri audit export (kiosk-server audit-export)."
    )
    parser.add_argument("archive", type=Path, help="the audit ZIP")
    parser.add_argument(
        "--lang",
        choices=["ka", "en"],
        default="ka",
        help="language of the report: ka (Georgian, the default) or en",
    )
    args = parser.parse_args(argv)
    report = verify(args.archive)
    text = render(report, args.lang)
    try:
        text.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):  # a console that cannot show Georgian
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    sys.stdout.write(text)
    return report.exit_status


if __name__ == "__main__":
    sys.exit(main())
