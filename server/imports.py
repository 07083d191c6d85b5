"""``kiosk-server import``: store the records of export files carried from kiosks without network.

- The file is checked whole first (format, version, checksum, signature, header;
  ``docs/export.md``): a damaged, edited or unsigned file stores nothing.
- The signature must be made with the device's key: the key the kiosk enrolled with, or for a
  device known only from imports, the key of its first file, kept on its offline entry. A file
  signed with any other key stores nothing, however consistent it is in itself.
- Its records then go through :func:`server.batches.receive_records`, the path of uploads: the
  same per-record rules, the same rejected-record keeping and chain bookkeeping, and a record
  already received (by upload, or from an earlier or overlapping file) is a duplicate.
- A device the server does not know gets an ``offline`` kiosk entry in the file's center (or
  ``--center``), keeping the file's public key. That key only checks later files: the API
  authenticates ``active`` kiosks alone, so nothing can sign requests as an offline entry.
  Enrolling the device later (``reenroll-kiosk`` for that entry, or ``add-kiosk`` under a new
  name, which takes the entry over) binds its key to the same device id, so its chain and
  high-water mark continue.
- Records are judged in chunks of :data:`CHUNK`, one transaction each, so a file from months
  offline does not hold the database's write lock long enough to stall uploads. An interrupted
  import is completed by importing the file again; nothing is counted twice.
- Every import leaves a row in ``imports`` (file, checksum, device, export time, counts) for
  audit; ``finished_at`` is set once every record of the file was judged. The row also keeps
  the file's signature and key and the seqs of its records, so the audit export can offer the
  file as a signed head of its device (``docs/audit.md``): records that came only on a USB
  stick are vouched for like uploaded ones.
- A device's key, when an import gives it one (a new offline entry, or an offline entry from
  before files were signed), goes into its key history (``kiosk_keys``) as in force from the
  import's start, when its files are checked against it.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, Row, select, update
from sqlalchemy.engine import Connection

from common.export_format import ExportError, decode_public_key, read_export
from common.messages import HEX64, ExportHeader, first_error
from common.protocol import DUPLICATE, MAX_BATCH_RECORDS, REJECTED, STORED
from common.records import MAX_SEQ
from server.batches import Received, receive_records
from server.db import KEY_IMPORT, centers, imports, insert_new, kiosks, put_key_in_force, utc_now
from server.enrollment import OFFLINE, AdminError

log = logging.getLogger("server.imports")

CHUNK = MAX_BATCH_RECORDS


@dataclass(frozen=True)
class _Sender:
    id: int
    name: str
    center_id: str
    device_id: str


@dataclass
class ImportSummary:
    """What one file brought: counts, rejection reasons and the device's chain afterwards."""

    path: Path
    kiosk_name: str
    new_kiosk: bool
    record_count: int
    stored: int = 0
    duplicate: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    high_water_mark: int = 0
    missing: list[tuple[int, int]] = field(default_factory=list)
    intact: bool = True

    def add(self, received: Received) -> None:
        self.stored += received.count(STORED)
        self.duplicate += received.count(DUPLICATE)
        self.rejected += received.count(REJECTED)
        for reason, count in received.reasons().items():
            self.reasons[reason] = self.reasons.get(reason, 0) + count
        self.high_water_mark = received.high_water_mark
        self.missing = received.missing
        self.intact = received.intact

    def line(self) -> str:
        """The one-line summary staff read."""
        rejected = f"rejected {self.rejected}"
        if self.reasons:
            rejected += " (" + ", ".join(f"{r} {n}" for r, n in sorted(self.reasons.items())) + ")"
        kiosk = f"kiosk {self.kiosk_name!r}" + (", new offline entry" if self.new_kiosk else "")
        chain = f"complete to seq {self.high_water_mark}"
        if self.missing:
            chain += "; missing seq " + ", ".join(
                str(a) if a == b else f"{a}-{b}" for a, b in self.missing
            )
        if not self.intact:
            chain += "; CHAIN BROKEN"
        return (
            f"{self.path}: stored {self.stored}, duplicates {self.duplicate}, {rejected}; "
            f"{kiosk}; {chain}"
        )


def read_file(path: Path) -> tuple[dict[str, Any], ExportHeader]:
    """The checked document and its header; :class:`ExportError` when it cannot be used.

    The document's signature verifies with its own ``public_key``; whether that key is the
    device's is checked against the database by :func:`import_file`.
    """
    try:
        document = read_export(path)
    except (ValueError, RecursionError) as exc:  # e.g. lone surrogates, absurd nesting
        raise ExportError(f"{path}: not a usable export file ({type(exc).__name__})") from None
    try:
        header = ExportHeader.model_validate(document)
    except ValidationError as exc:
        raise ExportError(f"{path}: the file header is not valid ({first_error(exc)})") from None
    return document, header


def import_file(engine: Engine, path: Path, center: str | None = None) -> ImportSummary:
    """Check ``path`` and store its records like an upload from its device would be stored.

    Raises :class:`ExportError` for a file that cannot be used (damaged, unsigned, or signed
    with a key that is not the device's; nothing is stored) and :class:`AdminError` when the
    server cannot take it (unknown center, revoked kiosk).
    """
    document, header = read_file(path)
    signer = decode_public_key(document["public_key"])  # read_file checked it
    raws: list[Any] = document["records"]
    now = utc_now()
    chunks = [raws[i : i + CHUNK] for i in range(0, len(raws), CHUNK)] or [[]]
    summary: ImportSummary | None = None
    import_id = 0
    for number, chunk in enumerate(chunks, start=1):
        with engine.begin() as conn:
            sender, created = _sender_for(
                conn, path, header, signer, center, now, check_key=summary is None
            )
            if summary is None:
                summary = ImportSummary(path, sender.name, created, len(raws))
                import_id = _start_audit(conn, path, header, document, sender, now)
            # As for uploads, a record must name its kiosk's center; staff who file a kiosk
            # under another center with --center take its records as they are.
            checked_center = sender.center_id if center is None else None
            received = receive_records(
                conn, sender, chunk, f"import-{import_id}", now, center_id=checked_center
            )
            summary.add(received)
            conn.execute(
                update(imports)
                .where(imports.c.id == import_id)
                .values(
                    stored=summary.stored,
                    duplicate=summary.duplicate,
                    rejected=summary.rejected,
                    finished_at=utc_now() if number == len(chunks) else None,
                )
            )
    assert summary is not None
    log.info(
        "import %d of %s (%s): %d stored, %d duplicate, %d rejected; mark %d",
        import_id,
        path,
        summary.kiosk_name,
        summary.stored,
        summary.duplicate,
        summary.rejected,
        summary.high_water_mark,
    )
    return summary


def _sender_for(
    conn: Connection,
    path: Path,
    header: ExportHeader,
    signer: bytes,
    center: str | None,
    now: datetime,
    *,
    check_key: bool,
) -> tuple[_Sender, bool]:
    """The kiosk holding the file's device, made as an offline entry when there is none.

    With ``check_key`` (the first chunk), the file must be signed with the device's key.
    Later chunks are not checked again: the file was the device's when its import began,
    and a refusal halfway would store part of it (a re-enrollment may replace the key).
    """
    created = False
    row = _kiosk_of(conn, header.device_id)
    if row is None:
        row, created = _add_offline_kiosk(conn, header, signer, center, now)
    if check_key:
        _check_signer(conn, path, header, row, signer, now)
    if row.status == "revoked":
        raise AdminError(
            f"device {header.device_id} belongs to kiosk {row.name!r}, which is revoked; "
            "its records are not imported"
        )
    if center is not None and center != row.center_id:
        raise AdminError(
            f"device {header.device_id} is kiosk {row.name!r} of center {row.center_id!r}, "
            f"not {center!r}; leave out --center"
        )
    return _Sender(row.id, row.name, row.center_id, header.device_id), created


def _check_signer(
    conn: Connection,
    path: Path,
    header: ExportHeader,
    row: Row[*tuple[Any, ...]],
    signer: bytes,
    now: datetime,
) -> None:
    """Refuse a file not signed with the key the server holds for the device.

    An offline entry from before files were signed (or whose key staff forgot) holds no key:
    the first signed file of its device gives it one.
    """
    if row.public_key is None and row.status == OFFLINE:
        conn.execute(update(kiosks).where(kiosks.c.id == row.id).values(public_key=_b64(signer)))
        put_key_in_force(conn, row.id, header.device_id, _b64(signer), KEY_IMPORT, now)
        log.info("offline kiosk %s keeps the key of %s from now on", row.name, path)
        return
    try:
        registered = decode_public_key(row.public_key)
    except ValueError:
        registered = None
    if registered == signer:
        return
    if row.status == OFFLINE:
        whose = f"the one kept for offline kiosk {row.name!r} from its earlier files"
    else:
        whose = f"the one kiosk {row.name!r} enrolled with"
    raise ExportError(
        f"{path}: signed with another key than {whose}; it is not from device "
        f"{header.device_id}, or that device's key was replaced"
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _kiosk_of(conn: Connection, device_id: str) -> Row[*tuple[Any, ...]] | None:
    """The device's kiosk row, locked so an enrollment cannot take it over mid-chunk."""
    return conn.execute(
        select(
            kiosks.c.id,
            kiosks.c.name,
            kiosks.c.center_id,
            kiosks.c.status,
            kiosks.c.public_key,
        )
        .where(kiosks.c.device_id == device_id)
        .with_for_update()
    ).first()


def _add_offline_kiosk(
    conn: Connection, header: ExportHeader, signer: bytes, center: str | None, now: datetime
) -> tuple[Row[*tuple[Any, ...]], bool]:
    """The new offline entry (and True), or the one an import running at the same moment made."""
    center_id = center or header.center_id
    if conn.execute(select(centers.c.id).where(centers.c.id == center_id)).first() is None:
        if center is not None:
            raise AdminError(f"there is no center {center_id!r}; add it with add-center first")
        raise AdminError(
            f"the file comes from center {center_id!r}, which this server does not know; "
            f"add it with `kiosk-server add-center {center_id} --name-ka … --name-en …` "
            "or pass --center ID to file the kiosk under an existing center"
        )
    device_id = header.device_id
    for name in (f"offline-{device_id[:8]}", f"offline-{device_id}"):
        inserted = insert_new(
            conn, kiosks, name=name, center_id=center_id, status=OFFLINE, device_id=device_id,
            public_key=_b64(signer), created_at=now,
        )  # fmt: skip
        row = _kiosk_of(conn, device_id)
        if row is not None:
            if inserted:
                put_key_in_force(conn, row.id, device_id, _b64(signer), KEY_IMPORT, now)
                log.info("offline kiosk %s added for device %s", name, device_id)
            return row, inserted
    raise AdminError(f"cannot name an offline kiosk for device {device_id}: both names are taken")


def _start_audit(
    conn: Connection,
    path: Path,
    header: ExportHeader,
    document: dict[str, Any],
    sender: _Sender,
    now: datetime,
) -> int:
    head = file_head(header.device_id, document["records"])
    signed = {"public_key": document["public_key"], "signature": document["signature"]}
    if head is not None:
        runs, head_seq, head_hash = head
        signed |= {"seqs": json.dumps(runs), "head_seq": head_seq, "head_hash": head_hash}
    return int(
        conn.execute(
            imports.insert()
            .values(
                file_name=str(path),
                records_sha256=header.records_sha256,
                device_id=header.device_id,
                kiosk_id=sender.id,
                file_center_id=header.center_id,
                app_version=header.app_version,
                exported_at=header.exported_at,
                imported_at=now,
                record_count=len(document["records"]),
                stored=0,
                duplicate=0,
                rejected=0,
                **signed,
            )
            .returning(imports.c.id)
        ).scalar_one()
    )


def file_head(device_id: str, raws: list[Any]) -> tuple[list[list[int]], int, str] | None:
    """The seqs of a file's records as ``[first, last]`` runs, and its newest record's seq and
    hash: what its signature vouches for, as the audit names it.

    None when the records cannot be named that way: none at all, one that is no record of
    this device with a seq it could hold, or seqs not strictly ascending (a kiosk writes them
    in seq order). Such a file is stored as before; only its signature vouches for nothing.
    """
    runs: list[list[int]] = []
    for raw in raws:
        if not isinstance(raw, dict) or raw.get("device_id") != device_id:
            return None
        seq = raw.get("seq")
        if type(seq) is not int or not 1 <= seq <= MAX_SEQ or (runs and seq <= runs[-1][1]):
            return None
        if runs and seq == runs[-1][1] + 1:
            runs[-1][1] = seq
        else:
            runs.append([seq, seq])
    newest = raws[-1] if raws else None
    if not runs or not isinstance(newest, dict) or not HEX64.match(str(newest.get("hash"))):
        return None
    return runs, runs[-1][1], str(newest["hash"])
