"""``kiosk-server audit-export`` on SQLite and PostgreSQL: what the ZIP holds, how a period is
cut, and that the stand-alone verifier finds nothing wrong with an honest server's export."""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from common.export_format import records_checksum, sign_export
from common.protocol import STORED
from common.records import Channel
from server.audit_export import FORMAT, VERSION, AuditExportError, write_audit_export
from server.db import records, snapshots
from server.imports import import_file
from server.results.periods import Period
from tests.audit.conftest import AGENCY, HALL, Q1, Town, at, populate, verifier
from tests.server.kiosk_driver import make_chain
from tests.server.live import BACKENDS


def read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def jsonl(data: bytes) -> list[Any]:
    return [json.loads(line) for line in data.decode("utf-8").split("\n") if line]


def verified(path: Path) -> Any:
    """The verifier's report, which must find no problem."""
    report = verifier().verify(path)
    assert report.exit_status == 0, verifier().render(report, "en")
    return report


def devices_of(files: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    return {d["device_id"]: d for d in json.loads(files["devices.json"])}


@pytest.mark.parametrize("town", BACKENDS, indirect=True)
def test_a_quarter_is_exported_whole_and_verifies(town: Town, tmp_path: Path) -> None:
    chains = populate(town)
    path = tmp_path / "audit.zip"
    summary = write_audit_export(town.engine, path, Q1)

    files = read_zip(path)
    manifest = json.loads(files["manifest.json"])
    assert (manifest["format"], manifest["version"]) == (FORMAT, VERSION)
    assert (manifest["period"], manifest["months"]) == (
        "2026-Q1",
        ["2026-01", "2026-02", "2026-03"],
    )
    assert "local month" in manifest["cut"]
    assert manifest["snapshots"] == ["2026-Q1"]  # not 2025, which lies outside
    listed = {entry["name"]: entry for entry in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json"}
    for name, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(files[name]).hexdigest()
        assert entry["bytes"] == len(files[name]) and entry["holds"]

    devices = devices_of(files)
    web = [d for d in devices.values() if d["kind"] == "web"]
    assert sorted(d["channel"] for d in web) == ["web-open", "web-verified"]
    assert all(d["public_key"] == web[0]["public_key"] for d in web)  # the server's web key
    a = devices[chains["a"].kiosk.device_id]
    # seq 1 (December) is there as the neighbour of seq 2; seq 13 (April) and 14 (March, sent
    # late) up to the head that covers them.
    assert (a["first_seq"], a["last_seq"], a["period_ratings"]) == (1, 14, 10)
    assert a["counts"] == {"records": 14, "set_aside": 0, "heads": 4}
    assert a["channel"] == "kiosk" and a["status"] == "active" and a["center_id"] == HALL
    assert [c["used_by_this_device"] for c in a["enrollment_codes"]] == [True]
    c = devices[chains["c"].kiosk.device_id]
    assert [code["used_by_this_device"] for code in c["enrollment_codes"]] == [True, True]
    b = devices[chains["b"].kiosk.device_id]
    set_aside = jsonl(files[f"devices/{b['device_id']}/set-aside.jsonl"])
    assert [(s["seq"], s["reason"]) for s in set_aside] == [(6, "unknown_reason")]

    # Every record exactly as stored and hashed.
    lines = jsonl(files[f"devices/{a['device_id']}/records.jsonl"])
    with town.engine.connect() as conn:
        rows = (
            conn.execute(
                select(records).where(records.c.device_id == a["device_id"]).order_by(records.c.seq)
            )
            .mappings()
            .all()
        )
        stored = conn.execute(select(snapshots).where(snapshots.c.period == "2026-Q1")).one()
    for line, row in zip(lines, rows, strict=True):
        assert line["record"]["hash"] == row["hash"] and line["server"]["id"] == row["id"]
        assert line["record"]["reasons"] == json.loads(row["reasons"])
        assert line["record"]["comment"] == row["comment"]
    assert files["snapshots/2026-Q1/snapshot.json"] == stored.body.encode("utf-8")
    integrity = json.loads(files["snapshots/2026-Q1/integrity.json"])
    assert integrity["max_record_id"] == stored.max_record_id
    assert integrity["body_sha256"] == stored.body_sha256

    assert (summary.devices, summary.records, summary.heads) == (5, 28, 12)
    assert manifest["counts"] == {
        "devices": 5, "records": 28, "period_ratings": 24, "set_aside": 1, "heads": 12,
        "snapshots": 1,
    }  # fmt: skip
    report = verified(path)
    warnings = [f for f in report.findings() if f.level == "warning"]
    # Kiosk c re-enrolled with a new key: its first head was signed with the key it replaced.
    assert [(w.message, w.values["seq"]) for w in warnings] == [("head_old_key", 2)]
    notes = {f.message: f.values for f in report.findings() if f.level == "note"}
    assert notes["late_note"] == {"count": 1}
    assert notes["set_aside_note"]["seq"] == 6


@pytest.mark.parametrize("town", BACKENDS, indirect=True)
def test_a_month_is_cut_by_the_ratings_local_month(town: Town, tmp_path: Path) -> None:
    """Local time decides, on both databases: 21:30 UTC on 31 January is 1 February in
    Georgia; a reasons record goes with its rating whatever its own time."""
    kiosk = town.kiosk(HALL)
    kiosk.rating(3, "2026-01-30")
    january = kiosk.add(kind="rating", score=4, created_at="2026-01-31T19:59:59.999999Z")
    kiosk.add(kind="reasons", rating_uuid=january["uuid"], reasons=("long-wait",),
              created_at="2026-01-31T20:00:05.000000Z")  # fmt: skip
    kiosk.add(kind="rating", score=2, created_at="2026-01-31T21:30:00.000000Z")
    kiosk.add(kind="rating", score=5, created_at="2026-02-28T20:00:00.000000Z")  # 1 March
    kiosk.rating(1, "2026-03-05")
    assert set(kiosk.send()) == {STORED}
    path = tmp_path / "february.zip"
    write_audit_export(town.engine, path, Period.parse("2026-02"))

    files = read_zip(path)
    (device,) = devices_of(files).values()
    # The reasons record (seq 3) is January's, with its rating: February begins at seq 4.
    assert (device["first_seq"], device["last_seq"], device["period_ratings"]) == (3, 6, 1)
    assert [
        line["record"]["seq"]
        for line in jsonl(files[f"devices/{device['device_id']}/records.jsonl"])
    ] == [3, 4, 5, 6]
    assert json.loads(files["manifest.json"])["snapshots"] == []
    verified(path)


@pytest.mark.parametrize("town", BACKENDS, indirect=True)
def test_every_period_at_once(town: Town, tmp_path: Path) -> None:
    populate(town)
    path = tmp_path / "all.zip"
    summary = write_audit_export(town.engine, path)
    files = read_zip(path)
    manifest = json.loads(files["manifest.json"])
    assert manifest["period"] is None and manifest["months"] is None
    assert manifest["snapshots"] == ["2025", "2026-Q1"]
    assert all(d["first_seq"] == 1 for d in devices_of(files).values())
    assert summary.period_ratings == 26  # every rating stored
    verified(path)


def test_snapshots_that_overlap_the_period_are_named_not_included(
    town: Town, tmp_path: Path
) -> None:
    populate(town)
    path = tmp_path / "march.zip"
    write_audit_export(town.engine, path, Period.parse("2026-03"))
    manifest = json.loads(read_zip(path)["manifest.json"])
    assert manifest["snapshots"] == []
    assert [item["period"] for item in manifest["snapshots_left_out"]] == ["2026-Q1"]
    report = verified(path)
    assert any(f.message == "snapshot_left_out" for f in report.findings())


def test_records_only_imported_are_reported_as_signed_by_no_head(
    town: Town, tmp_path: Path
) -> None:
    """The server keeps no signature of an imported export file, so records that only came
    that way are vouched for by nothing until the kiosk syncs after them."""
    device_id = str(uuid.uuid4())
    chain = make_chain(device_id, 3, center_id=AGENCY, service_id="free-canteen",
                       created_at=at("2026-02-02"))  # fmt: skip
    document = {
        "format": "ukukavshiri-export", "version": 2, "device_id": device_id,
        "center_id": AGENCY, "app_version": "0.2.0", "exported_at": "2026-02-03T09:00:00.000000Z",
        "records": chain, "records_sha256": records_checksum(chain),
    }  # fmt: skip
    file = tmp_path / "offline.json"
    file.write_text(json.dumps(sign_export(document, Ed25519PrivateKey.generate())))
    import_file(town.engine, file)
    path = tmp_path / "audit.zip"
    write_audit_export(town.engine, path, Q1)

    (device,) = devices_of(read_zip(path)).values()
    assert device["status"] == "offline" and device["imports"][0]["stored"] == 3
    report = verifier().verify(path)
    problems = [(f.message, f.values) for f in report.findings() if f.level == "problem"]
    assert problems == [("uncovered", {"low": 1, "high": 3, "ratings": 3})]
    assert report.exit_status == 1


def test_an_unwritable_output_is_a_plain_error_and_leaves_nothing(
    town: Town, tmp_path: Path
) -> None:
    with pytest.raises(AuditExportError, match="cannot write"):
        write_audit_export(town.engine, tmp_path / "no" / "such" / "dir" / "audit.zip", Q1)
    assert not list(tmp_path.rglob("*.part"))


def test_the_web_channels_chains_are_devices_like_any_kiosk(town: Town, tmp_path: Path) -> None:
    town.web(Channel.WEB_OPEN, datetime(2026, 1, 15, 8, 0, tzinfo=UTC), 2, 4, 5)
    path = tmp_path / "web.zip"
    write_audit_export(town.engine, path, Q1)
    files = read_zip(path)
    (device,) = devices_of(files).values()
    assert (device["kind"], device["channel"], device["name"]) == (
        "web",
        "web-open",
        f"web-open@{HALL}",
    )
    heads = jsonl(files[f"devices/{device['device_id']}/heads.jsonl"])
    assert [h["head_seq"] for h in heads] == [1, 2, 3]  # one signed head per answer
    verified(path)
