"""CSV export for staff: one row per rating, with its reasons and comment joined in.

Reasons and comments are separate records that point at their rating through ``rating_uuid``;
staff want them on the rating's row. Every text cell that a spreadsheet would run as a
formula (text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading
apostrophe, as OWASP recommends against CSV injection: comments are typed by the public, and
the other texts (kiosk names, ids, languages, times) came from kiosks or files, or were stored
under older rules. Numbers (``seq``, ``score``, ``utc_offset_min``) come from integer columns,
cannot hold a formula and stay numbers (``-240`` is an offset, not a formula).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, TextIO

from sqlalchemy import Engine, and_, select

from server.db import kiosks, records

COLUMNS = [
    "rating_uuid",
    "kiosk",
    "device_id",
    "seq",
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
    "received_at",
]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(cell: object) -> object:
    """The cell with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def _rows(engine: Engine) -> Iterator[dict[str, Any]]:
    rating = records.alias("rating")
    child = records.alias("child")
    query = (
        select(
            rating.c.uuid,
            kiosks.c.name.label("kiosk"),
            rating.c.device_id,
            rating.c.seq,
            rating.c.center_id,
            rating.c.service_id,
            rating.c.catalog_version,
            rating.c.score,
            rating.c.language,
            rating.c.created_at,
            rating.c.utc_offset_min,
            rating.c.flags,
            rating.c.received_at,
            child.c.kind.label("child_kind"),
            child.c.reasons.label("child_reasons"),
            child.c.comment.label("child_comment"),
        )
        .join(kiosks, kiosks.c.id == rating.c.kiosk_id)
        .outerjoin(
            child,
            and_(child.c.rating_uuid == rating.c.uuid, child.c.kind != "rating"),
        )
        .where(rating.c.kind == "rating")
        .order_by(rating.c.id, child.c.seq)
    )
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        current: dict[str, Any] | None = None
        for row in conn.execute(query):
            if current is None or current["rating_uuid"] != row.uuid:
                if current is not None:
                    yield current
                current = {
                    "rating_uuid": row.uuid,
                    "kiosk": row.kiosk,
                    "device_id": row.device_id,
                    "seq": row.seq,
                    "center_id": row.center_id,
                    "service_id": row.service_id,
                    "catalog_version": row.catalog_version,
                    "score": row.score,
                    "reasons": [],
                    "comment": [],
                    "language": row.language,
                    "created_at": row.created_at,
                    "utc_offset_min": row.utc_offset_min,
                    "flags": ";".join(json.loads(row.flags)),
                    "received_at": row.received_at.isoformat(),
                }
            if row.child_kind == "reasons":
                current["reasons"].extend(json.loads(row.child_reasons))
            elif row.child_kind == "comment" and row.child_comment:
                current["comment"].append(row.child_comment)
        if current is not None:
            yield current


def write_csv(engine: Engine, out: TextIO) -> int:
    """Write every rating as CSV to ``out``; return how many rows were written."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for row in _rows(engine):
        row["reasons"] = ";".join(row["reasons"])
        row["comment"] = "\n".join(row["comment"])
        writer.writerow({column: formula_safe(value) for column, value in row.items()})
        count += 1
    return count
