"""``kiosk-server export``: records written by a real kiosk store, uploaded, exported as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from common.records import Record
from kiosk.storage import Draft, Store
from server.db import kiosks, record_columns, records
from server.enrollment import add_center, add_kiosks
from server.export import write_csv
from tests.server.conftest import CENTER, KioskPool
from tests.server.inprocess import fresh_engine
from tests.server.kiosk_driver import SERVICE, KioskDriver
from tests.server.live import LiveServer


def draft(kind: str, rating_uuid: str | None = None, **fields: object) -> Draft:
    return Draft(
        kind=kind,
        rating_uuid=rating_uuid,
        center_id=CENTER,
        service_id=SERVICE,
        catalog_version="2026.1",
        language="ka",
        **fields,  # type: ignore[arg-type]
    )


def test_export_joins_reasons_and_comments_to_their_rating(
    server: LiveServer, kiosk_pool: KioskPool, tmp_path: Path
) -> None:
    with Store(tmp_path / "kiosk.db") as store:
        low = store.append(draft("rating", score=2))
        store.append(draft("reasons", low.uuid, reasons=("long-wait", "unclear-info")))
        store.append(draft("comment", low.uuid, comment="=SUM(A1) რიგი ძალიან გრძელი იყო"))
        high = store.append(draft("rating", score=5, flags=("burst",)))
        alone = store.append(draft("rating", score=3))
        records = [record.to_wire() for record in store.pending()]
        device_id = store.device_id

    name, code = kiosk_pool.take()
    driver = KioskDriver(server.url, device_id)
    assert driver.enroll(code).status_code == 201
    response = driver.post_batch(records)
    assert [r["status"] for r in response.json()["results"]] == ["stored"] * 5

    out = tmp_path / "ratings.csv"
    result = server.cli("export", "--output", str(out))
    assert "ratings written" in result.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM, for spreadsheets
    text = out.read_text(encoding="utf-8-sig")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["kiosk"] == name]
    by_uuid = {row["rating_uuid"]: row for row in rows}
    assert list(by_uuid) == [low.uuid, high.uuid, alone.uuid]

    first = by_uuid[low.uuid]
    assert first["score"] == "2"
    assert first["reasons"] == "long-wait;unclear-info"
    assert first["comment"] == "'=SUM(A1) რიგი ძალიან გრძელი იყო"
    assert first["device_id"] == device_id
    assert first["center_id"] == CENTER
    assert first["service_id"] == SERVICE
    assert first["created_at"] == low.created_at
    assert first["seq"] == str(low.seq)
    assert by_uuid[high.uuid]["flags"] == "burst"
    assert (by_uuid[alone.uuid]["reasons"], by_uuid[alone.uuid]["comment"]) == ("", "")

    stdout = server.cli("export").stdout
    streamed = [r for r in csv.DictReader(io.StringIO(stdout)) if r["kiosk"] == name]
    assert streamed == rows


def test_export_to_an_unwritable_place(server: LiveServer, tmp_path: Path) -> None:
    result = server.cli(
        "export", "--output", str(tmp_path / "no" / "such" / "dir.csv"), check=False
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot write")


def test_every_text_cell_is_formula_escaped(tmp_path: Path) -> None:
    """Whatever reached the database (older rules, imports, hostile kiosk names), no text cell
    of the export starts like a formula; numbers stay numbers."""
    with fresh_engine("sqlite", tmp_path) as engine:
        add_center(engine, "tbilisi", "თბილისი", "Tbilisi")
        kiosk = add_kiosks(engine, ['=HYPERLINK("http://x")'], "tbilisi")[0].kiosk_name
        hostile = Record(
            uuid="=rating",
            seq=5,
            kind="rating",
            rating_uuid="=rating",
            device_id="@device",
            center_id="=center",
            service_id="+service",
            catalog_version="-1+1",
            score=4,
            reasons=(),
            comment=None,
            language="=ka",
            created_at="\t2026-03-14T09:30:00.000000Z",
            utc_offset_min=-240,
            flags=("\rflag",),
            prev_hash="0" * 64,
            hash="=hash",
        )
        children = [
            replace(hostile, uuid="=c1", seq=6, kind="reasons", score=None, reasons=("=r", "x")),
            replace(hostile, uuid="=c2", seq=7, kind="comment", score=None, comment="@comment"),
        ]
        with engine.begin() as conn:
            kiosk_id = conn.execute(select(kiosks.c.id).where(kiosks.c.name == kiosk)).scalar()
            for record in (hostile, *children):
                conn.execute(
                    insert(records).values(
                        **record_columns(record),
                        kiosk_id=kiosk_id,
                        batch_id="b",
                        received_at=datetime(2026, 3, 14, tzinfo=UTC),
                    )
                )
        out = io.StringIO()
        assert write_csv(engine, out) == 1
    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert row == {
        "rating_uuid": "'=rating",
        "kiosk": '\'=HYPERLINK("http://x")',
        "device_id": "'@device",
        "seq": "5",
        "center_id": "'=center",
        "service_id": "'+service",
        "catalog_version": "'-1+1",
        "score": "4",
        "reasons": "'=r;x",
        "comment": "'@comment",
        "language": "'=ka",
        "created_at": "'\t2026-03-14T09:30:00.000000Z",
        "utc_offset_min": "-240",
        "flags": "'\rflag",
        "received_at": "2026-03-14T00:00:00+00:00",
    }
