"""``kiosk-server audit-export``: a ZIP with which anyone can check the published results.

The ZIP holds what an outsider needs to check, without trusting the server, that the records
were not changed, removed or added after the kiosks signed them, and that the published
figures are what those records say (``docs/audit.md``; ``audit/verify.py`` checks it):

- every record of the period, with its ``hash`` and ``prev_hash``, one file per device;
- the chain heads each device signed: those of its uploads (the ``batches`` table) and the
  signatures of the export files imported for it (the ``imports`` table), and every public key
  it has had, with when each was in force (``kiosk_keys``), and its enrollment history;
- the published snapshots of the period, byte for byte as stored;
- a manifest: the format version, how the period was cut, what each file holds, counts and
  the SHA-256 of every file.

Why this shape:
- A record belongs to the period of its rating's local month, as the roll-ups place it; a
  rating to its own. The figures count ratings only, so that is the cut that matters.
- A device is a device: kiosks and the web channel's chains (server-side rows of ``kiosks``
  with status ``web``) are exported the same way, each with its own chain, heads and key.
- Per device the export holds one unbroken run of seqs: from the record before its first
  record of the period (so the first link can be checked) up to the first signed head at or
  after its last one, and at least to its chain head at each published snapshot (so the
  snapshot's heads can be checked). A signed head vouches for every record before it through
  the links, so the records of the period need the records after them up to that head; with
  no such head, the run goes to the device's newest record and the verifier says what no
  signature covers. When that head is an imported file's, the run also starts no later than
  the file's first record: its signature covers every record of the file at once.
- Each head is checked with the key the device had when the server received it, so the
  export holds the device's whole key history, not only its key of today.
- Records the server set aside (``rejected_records``) that hold a seq of the run are
  included apart: a kiosk chains them like any other record, so the links across them can be
  checked, and they are not counted.
- Everything is read in one transaction (``REPEATABLE READ`` on PostgreSQL; one read
  transaction on SQLite, which sees one state of the WAL), so uploads during the export
  cannot make its files disagree with each other.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, and_, case, func, select, union
from sqlalchemy.engine import Connection

from common import __version__
from common.records import FIELDS, LIST_FIELDS, Channel, Kind
from server.db import (
    batches,
    chains,
    enrollment_codes,
    imports,
    kiosk_keys,
    kiosks,
    records,
    rejected_records,
    utc_now,
)
from server.results.periods import Period, local_month_sql
from server.results.snapshots import Snapshot, list_snapshots, snapshot
from server.web_channel.names import WEB_STATUS

log = logging.getLogger("server.audit_export")

FORMAT = "ukukavshiri-audit"
VERSION = 2
"""2: devices.json holds each device's key history ("keys"), heads.jsonl the signatures of
imported export files too ("source")."""
SERVER_KEY = "server"
"""The reason given for a web chain's key: the server's own, in force for the whole chain."""
STREAM_ROWS = 2000
"""Rows fetched at a time while writing a device's records."""

MANIFEST = "manifest.json"
README = "README.txt"
DEVICES = "devices.json"

CUT_PERIOD = (
    "A rating belongs to the period that holds its local month (its created_at, which is UTC, "
    "plus its utc_offset_min), as the results count it; a reasons or comment record belongs "
    "to its rating's period (to its own local month when its rating is not stored). For each "
    "device with records of the period, the export holds every record from seq first_seq to "
    "last_seq (devices.json): from the record before its first record of the period, so that "
    "the first link can be checked, up to the first chain head the device signed at or after "
    "its last record of the period and its chain head at each snapshot included (or up to its "
    "newest record when it signed no head that far); when that head is an imported export "
    "file's, from its first record at the latest. Records of other periods in that run are "
    "there as chain neighbours."
)
CUT_ALL = (
    "Every period: every record the server stores, of every device, from seq 1 to its newest "
    "record, and every published snapshot."
)

README_TEXT = """Ukukavshiri audit export ({scope})

Made {made_at} by the municipal server (version {version}).

This archive holds the rating records of {scope}, the chain heads the kiosks signed (when
they sent ratings, and on the export files carried from them on a USB stick), every public key
each kiosk has had and its enrollment history, and the results the server published. Anyone can
check with it that the records are the ones the kiosks signed and that the published figures
are what the records say:

    python audit/verify.py THIS-FILE.zip

(audit/verify.py is in the Ukukavshiri source; it needs Python 3.11 or newer and the
"cryptography" package.) manifest.json says what each file holds; docs/audit.md in the source
explains every check in plain words.

The records include the citizens' comments as they were typed. Handle this archive as the
municipality's rules for personal data require; do not publish it.
"""


class AuditExportError(Exception):
    """The export cannot be written (e.g. the output file cannot be made)."""


@dataclass
class AuditSummary:
    """What an export holds, for the command's report."""

    period: Period | None
    output: Path
    devices: int = 0
    records: int = 0
    period_ratings: int = 0
    set_aside: int = 0
    heads: int = 0
    snapshots: list[str] = field(default_factory=list)

    def line(self) -> str:
        scope = f"period {self.period}" if self.period else "all periods"
        published = ", ".join(self.snapshots) if self.snapshots else "none"
        return (
            f"Audit export of {scope} written to {self.output}: {self.devices} devices, "
            f"{self.records} records ({self.period_ratings} ratings of the period, "
            f"{self.set_aside} set aside), {self.heads} signed heads; snapshots: {published}."
        )


@dataclass
class _Run:
    """One device's part of the export: the seqs it covers and why."""

    device_id: str
    first_seq: int
    last_seq: int
    period_ratings: int
    files: list[_FileHead] = field(default_factory=list)
    """The device's imported export files whose signature the server keeps."""


@dataclass(frozen=True)
class _FileHead:
    """An imported export file as a signed head: its signature covers its records' seqs."""

    first_seq: int
    head_seq: int
    row: Any
    """Its ``imports`` row."""


def write_audit_export(
    engine: Engine, output: Path, period: Period | None = None, *, now: datetime | None = None
) -> AuditSummary:
    """Write the audit ZIP of ``period`` (None: every period) to ``output``.

    The file is written under a temporary name beside ``output`` and renamed when complete, so
    an interrupted export never leaves a file that looks whole.
    """
    made_at = (now or utc_now()).astimezone(UTC)
    summary = AuditSummary(period, output)
    partial = output.with_name(output.name + ".part")
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            conn.execution_options(read_only=True)
            with conn.begin(), partial.open("wb") as raw:
                _write(conn, raw, period, made_at, summary)
                raw.flush()
                os.fsync(raw.fileno())
        os.replace(partial, output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise AuditExportError(f"cannot write {output}: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    log.info("%s", summary.line())
    return summary


# -- what goes in -----------------------------------------------------------------------------


def _write(
    conn: Connection,
    raw: IO[bytes],
    period: Period | None,
    made_at: datetime,
    summary: AuditSummary,
) -> None:
    shots = _snapshots(conn, period)
    runs = _runs(conn, period, shots)
    stamp = made_at.timetuple()[:6]
    files: list[dict[str, Any]] = []
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:

        def put(name: str, holds: str, chunks: Iterable[bytes]) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            digest = hashlib.sha256()
            size = 0
            with archive.open(info, "w", force_zip64=True) as stream:
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    stream.write(chunk)
            files.append(
                {"name": name, "holds": holds, "sha256": digest.hexdigest(), "bytes": size}
            )

        scope = f"the period {period}" if period else "every period"
        put(
            README,
            "A short note on what this archive is and how to check it.",
            [README_TEXT.format(scope=scope, made_at=_iso(made_at), version=__version__).encode()],
        )
        devices = []
        for run in runs:
            device, counts = _device(conn, run)
            devices.append(device)
            folder = f"devices/{run.device_id}"
            put(
                f"{folder}/records.jsonl",
                f"The records of device {run.device_id} from seq {run.first_seq} to "
                f"{run.last_seq} that the server stores, one JSON object a line in seq order: "
                '"record" holds the record exactly as the device hashed it, "server" what the '
                "server added (its row id, the channel, the batch and time it arrived).",
                _lines(_records_of(conn, run), counts, "records"),
            )
            put(
                f"{folder}/set-aside.jsonl",
                f"The records of device {run.device_id} in that seq range that the server set "
                "aside and does not count, with the reason; they are links of the chain all the "
                "same.",
                _lines(_set_aside_of(conn, run), counts, "set_aside"),
            )
            put(
                f"{folder}/heads.jsonl",
                f"The chain heads device {run.device_id} signed in that seq range, one a line "
                'in head seq order. "source" "upload": a batch it sent, with the head seq and '
                "hash and the Ed25519 signature of the head message of docs/protocol.md; "
                '"source" "import": an export file carried from it and imported, with the seqs '
                "of its records and the signature of the export message of docs/export.md.",
                _lines(_heads_of(conn, run), counts, "heads"),
            )
            summary.records += counts["records"]
            summary.set_aside += counts["set_aside"]
            summary.heads += counts["heads"]
            summary.period_ratings += run.period_ratings
            device["counts"] = counts
        summary.devices = len(devices)
        put(
            DEVICES,
            "Every device in the export: its kiosk (or web chain), channel, every public key it "
            "has had with when each was in force, the kiosk rows and enrollment codes it had, "
            "the export files imported for it, and the seq range and counts of its files.",
            [_pretty(devices)],
        )
        for shot in shots:
            folder = f"snapshots/{shot.period}"
            put(
                f"{folder}/snapshot.json",
                f"The published figures of {shot.period}, byte for byte as the server stored "
                "them; their SHA-256 is shown on the public results page.",
                [shot.body_json.encode("utf-8")],
            )
            put(
                f"{folder}/integrity.json",
                f"When the snapshot of {shot.period} was taken, the highest record id it counts "
                "(max_record_id), the SHA-256 of snapshot.json and each device's chain head "
                "(seq, hash) among the records it counts.",
                [_pretty(_integrity(shot))],
            )
            summary.snapshots.append(str(shot.period))
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "made_at": _iso(made_at),
            "server_version": __version__,
            "period": str(period) if period else None,
            "months": list(period.months) if period else None,
            "cut": CUT_PERIOD if period else CUT_ALL,
            "devices": [run.device_id for run in runs],
            "snapshots": summary.snapshots,
            "snapshots_left_out": _left_out(conn, period),
            "counts": {
                "devices": summary.devices,
                "records": summary.records,
                "period_ratings": summary.period_ratings,
                "set_aside": summary.set_aside,
                "heads": summary.heads,
                "snapshots": len(shots),
            },
            "files": files,
        }
        info = zipfile.ZipInfo(MANIFEST, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, _pretty(manifest))


def _snapshots(conn: Connection, period: Period | None) -> list[Snapshot]:
    """The published snapshots inside the period (every one without a period)."""
    found = []
    for info in list_snapshots(conn):
        if period is None or set(info.period.months) <= set(period.months):
            shot = snapshot(conn, info.period)
            if shot is not None:
                found.append(shot)
    return found


def _left_out(conn: Connection, period: Period | None) -> list[dict[str, str]]:
    """Snapshots that overlap the period without lying inside it: checking them needs records
    of other months too, so they are named, not included."""
    if period is None:
        return []
    wanted = set(period.months)
    return [
        {
            "period": str(info.period),
            "why": f"it also covers months outside {period}; export {info.period} to check it",
        }
        for info in list_snapshots(conn)
        if wanted & set(info.period.months) and not set(info.period.months) <= wanted
    ]


def _runs(conn: Connection, period: Period | None, shots: list[Snapshot]) -> list[_Run]:
    """Each device's seq range, as ``CUT_PERIOD`` states it."""
    is_rating = case((records.c.kind == Kind.RATING.value, 1), else_=0)
    if period is None:
        query = select(
            records.c.device_id,
            func.min(records.c.seq),
            func.max(records.c.seq),
            func.sum(is_rating),
        ).group_by(records.c.device_id)
    else:
        rating = records.alias("rating")
        month = local_month_sql(
            conn.dialect.name,
            func.coalesce(rating.c.created_at, records.c.created_at),
            func.coalesce(rating.c.utc_offset_min, records.c.utc_offset_min),
        )
        query = (
            select(
                records.c.device_id,
                func.min(records.c.seq),
                func.max(records.c.seq),
                func.sum(is_rating),
            )
            .select_from(
                records.outerjoin(
                    rating,
                    and_(
                        rating.c.uuid == records.c.rating_uuid,
                        rating.c.device_id == records.c.device_id,
                        rating.c.kind == Kind.RATING.value,
                    ),
                )
            )
            .where(month.in_(list(period.months)))
            .group_by(records.c.device_id)
        )
    runs = []
    for device_id, low, high, ratings in conn.execute(query).all():
        high = max(
            [int(high), *(s.chain_heads[device_id][0] for s in shots if device_id in s.chain_heads)]
        )
        first = max(1, int(low) - 1) if period is not None else 1
        files = _file_heads(conn, device_id)
        last, file_first = _run_end(conn, device_id, high, files)
        runs.append(_Run(device_id, min(first, file_first), last, int(ratings or 0), files))
    return sorted(runs, key=lambda run: run.device_id)


def _run_end(
    conn: Connection, device_id: str, high: int, files: list[_FileHead]
) -> tuple[int, int]:
    """The first signed head at or after ``high``, else the device's newest seq; and the first
    seq that head needs (its file's first record when it is an imported file's)."""
    head = conn.execute(
        select(func.min(batches.c.head_seq)).where(
            batches.c.device_id == device_id, batches.c.head_seq >= high
        )
    ).scalar()
    file = min(
        (f for f in files if f.head_seq >= high and (head is None or f.head_seq < head)),
        key=lambda f: (f.head_seq, -f.first_seq),
        default=None,
    )
    if file is not None:
        return file.head_seq, file.first_seq
    if head is not None:
        return int(head), high
    newest = conn.execute(
        select(func.max(records.c.seq)).where(records.c.device_id == device_id)
    ).scalar()
    return max(high, int(newest or 0)), high


def _file_heads(conn: Connection, device_id: str) -> list[_FileHead]:
    """The device's imported files that are signed heads: with their signature and seqs kept,
    and every record judged (an interrupted import vouches for nothing until it is done)."""
    query = (
        select(imports)
        .where(
            imports.c.device_id == device_id,
            imports.c.seqs.is_not(None),
            imports.c.signature.is_not(None),
            imports.c.finished_at.is_not(None),
        )
        .order_by(imports.c.id)
    )
    found = []
    for row in conn.execute(query).mappings():
        runs = json.loads(row["seqs"])
        found.append(_FileHead(int(runs[0][0]), int(row["head_seq"]), row))
    return found


def _records_of(conn: Connection, run: _Run) -> Iterator[dict[str, Any]]:
    query = (
        select(records)
        .where(
            records.c.device_id == run.device_id, records.c.seq.between(run.first_seq, run.last_seq)
        )
        .order_by(records.c.seq)
    )
    for row in conn.execute(query.execution_options(yield_per=STREAM_ROWS)).mappings():
        record = {name: row[name] for name in FIELDS}
        for name in LIST_FIELDS:
            record[name] = json.loads(record[name])
        yield {
            "record": record,
            "server": {
                "id": int(row["id"]),
                "channel": row["channel"],
                "batch_id": row["batch_id"],
                "received_at": _iso(row["received_at"]),
            },
        }


def _set_aside_of(conn: Connection, run: _Run) -> Iterator[dict[str, Any]]:
    """Rejected records holding a seq of the run that no stored record holds."""
    stored = select(records.c.id).where(
        records.c.device_id == rejected_records.c.device_id, records.c.seq == rejected_records.c.seq
    )
    query = (
        select(rejected_records)
        .where(
            rejected_records.c.device_id == run.device_id,
            rejected_records.c.seq.between(run.first_seq, run.last_seq),
            ~stored.exists(),
        )
        .order_by(rejected_records.c.seq, rejected_records.c.id)
    )
    for row in conn.execute(query).mappings():
        yield {
            "seq": int(row["seq"]),
            "reason": row["reason"],
            "message": row["message"],
            "batch_id": row["batch_id"],
            "received_at": _iso(row["received_at"]),
            "record": json.loads(row["raw"]),
        }


def _heads_of(conn: Connection, run: _Run) -> list[dict[str, Any]]:
    """The uploads' heads in the run, and the imported files wholly inside it, by head seq."""
    query = (
        select(batches)
        .where(
            batches.c.device_id == run.device_id,
            batches.c.head_seq.between(run.first_seq, run.last_seq),
        )
        .order_by(batches.c.head_seq, batches.c.received_at, batches.c.id)
    )
    heads = [_upload_head(row) for row in conn.execute(query).mappings()]
    heads += [
        _file_head(file.row)
        for file in run.files
        if run.first_seq <= file.first_seq and file.head_seq <= run.last_seq
    ]
    return sorted(heads, key=lambda head: (head["head_seq"], head["received_at"]))


def _upload_head(row: Any) -> dict[str, Any]:
    return {
        "source": "upload",
        "batch_id": row["batch_id"],
        "head_seq": int(row["head_seq"]),
        "head_hash": row["head_hash"],
        "head_signature": row["head_signature"],
        "received_at": _iso(row["received_at"]),
        "last_received_at": _iso(row["last_received_at"]),
        "times_received": int(row["times_received"]),
        "record_count": int(row["record_count"]),
        "stored": int(row["stored"]),
        "duplicate": int(row["duplicate"]),
        "rejected": int(row["rejected"]),
    }


def _file_head(row: Any) -> dict[str, Any]:
    """An imported file's head: what rebuilds the message its kiosk signed (docs/export.md,
    "The signed message") and the seqs of the records whose checksum that message holds."""
    return {
        "source": "import",
        "file_name": row["file_name"],
        "head_seq": int(row["head_seq"]),
        "head_hash": row["head_hash"],
        "seqs": json.loads(row["seqs"]),
        "center_id": row["file_center_id"],
        "exported_at": row["exported_at"],
        "records_sha256": row["records_sha256"],
        "signature": row["signature"],
        "received_at": _iso(row["imported_at"]),
        "record_count": int(row["record_count"]),
        "stored": int(row["stored"]),
        "duplicate": int(row["duplicate"]),
        "rejected": int(row["rejected"]),
    }


def _device(conn: Connection, run: _Run) -> tuple[dict[str, Any], dict[str, int]]:
    """What devices.json says of one device (its counts are filled in once its files are
    written)."""
    device_id = run.device_id
    linked = union(
        select(records.c.kiosk_id.label("id")).where(records.c.device_id == device_id).distinct(),
        select(batches.c.kiosk_id.label("id")).where(batches.c.device_id == device_id),
        select(chains.c.kiosk_id.label("id")).where(chains.c.device_id == device_id),
        select(kiosk_keys.c.kiosk_id.label("id")).where(kiosk_keys.c.device_id == device_id),
        select(kiosks.c.id.label("id")).where(kiosks.c.device_id == device_id),
    ).subquery()
    rows = (
        conn.execute(
            select(kiosks).where(kiosks.c.id.in_(select(linked.c.id))).order_by(kiosks.c.created_at)
        )
        .mappings()
        .all()
    )
    holder = next((row for row in rows if row["device_id"] == device_id), None)
    names = {row["id"]: row["name"] for row in rows}
    codes = conn.execute(
        select(enrollment_codes)
        .where(enrollment_codes.c.kiosk_id.in_(list(names)))
        .order_by(enrollment_codes.c.created_at, enrollment_codes.c.id)
    ).mappings()
    files = conn.execute(
        select(imports).where(imports.c.device_id == device_id).order_by(imports.c.id)
    ).mappings()
    web = holder is not None and holder["status"] == WEB_STATUS
    channel = holder["name"].split("@", 1)[0] if web and holder is not None else Channel.KIOSK.value
    device = {
        "device_id": device_id,
        "kind": "web" if web else "kiosk",
        "channel": channel,
        "name": holder["name"] if holder is not None else None,
        "center_id": holder["center_id"] if holder is not None else None,
        "status": holder["status"] if holder is not None else None,
        "keys": _keys(conn, device_id, names, holder if web else None),
        "first_seq": run.first_seq,
        "last_seq": run.last_seq,
        "period_ratings": run.period_ratings,
        "kiosks": [
            {
                "name": row["name"],
                "center_id": row["center_id"],
                "status": row["status"],
                "holds_this_device_now": row["device_id"] == device_id,
                "created_at": _iso(row["created_at"]),
                "enrolled_at": _iso(row["enrolled_at"]),
                "revoked_at": _iso(row["revoked_at"]),
            }
            for row in rows
        ],
        "enrollment_codes": [
            {
                "kiosk": names[row["kiosk_id"]],
                "created_at": _iso(row["created_at"]),
                "expires_at": _iso(row["expires_at"]),
                "used_at": _iso(row["used_at"]),
                "used_by_this_device": row["used_by_device"] == device_id,
                "cancelled_at": _iso(row["cancelled_at"]),
            }
            for row in codes
        ],
        "imports": [
            {
                "file_name": row["file_name"],
                "records_sha256": row["records_sha256"],
                "file_center_id": row["file_center_id"],
                "exported_at": row["exported_at"],
                "imported_at": _iso(row["imported_at"]),
                "finished_at": _iso(row["finished_at"]),
                "record_count": int(row["record_count"]),
                "stored": int(row["stored"]),
                "duplicate": int(row["duplicate"]),
                "rejected": int(row["rejected"]),
            }
            for row in files
        ],
    }
    return device, {"records": 0, "set_aside": 0, "heads": 0}


def _keys(
    conn: Connection, device_id: str, names: dict[int, str], web_holder: Any
) -> list[dict[str, Any]]:
    """The device's key history, oldest first. A web chain's key is the server's own, never
    replaced: in force for the whole chain (no dates)."""
    if web_holder is not None:
        return [
            {
                "public_key": web_holder["public_key"],
                "kiosk": web_holder["name"],
                "reason": SERVER_KEY,
                "valid_from": None,
                "valid_until": None,
                "ended_by": None,
            }
        ]
    rows = conn.execute(
        select(kiosk_keys)
        .where(kiosk_keys.c.device_id == device_id)
        .order_by(kiosk_keys.c.valid_from, kiosk_keys.c.id)
    ).mappings()
    return [
        {
            "public_key": row["public_key"],
            "kiosk": names.get(row["kiosk_id"]),
            "reason": row["reason"],
            "valid_from": _iso(row["valid_from"]),
            "valid_until": _iso(row["valid_until"]),
            "ended_by": row["ended_by"],
        }
        for row in rows
    ]


def _integrity(shot: Snapshot) -> dict[str, Any]:
    return {
        "period": str(shot.period),
        "taken_at": _iso(shot.taken_at),
        "max_record_id": shot.max_record_id,
        "body_sha256": shot.body_sha256,
        "chain_heads": {device: list(head) for device, head in shot.chain_heads.items()},
    }


# -- encoding ---------------------------------------------------------------------------------


def _lines(items: Iterable[dict[str, Any]], counts: dict[str, int], name: str) -> Iterator[bytes]:
    """JSON Lines, UTF-8 (a text that is not valid Unicode keeps its ``\\u`` escapes)."""
    for item in items:
        counts[name] += 1
        text = json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        try:
            yield text.encode("utf-8") + b"\n"
        except UnicodeEncodeError:
            yield json.dumps(item, sort_keys=True, separators=(",", ":")).encode("ascii") + b"\n"


def _pretty(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _iso(moment: datetime | None) -> str | None:
    """UTC with microseconds and a ``Z``, as records write times."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
