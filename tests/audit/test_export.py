"""``kiosk-server audit-export`` on SQLite and PostgreSQL: what the ZIP holds, how a period is
cut, and that the stand-alone verifier finds nothing wrong with an honest server's export."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from common.export_format import sign_export
from common.protocol import STORED, public_key_b64
from common.records import Channel
from kiosk.keys import device_key
from server.audit_export import FORMAT, VERSION, AuditExportError, write_audit_export
from server.db import records, snapshots
from server.imports import import_file
from server.results.periods import Period
from tests.audit.conftest import AGENCY, HALL, Q1, Chain, Tablet, Town, populate, verifier
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
    for device in web:  # the server's own key, one for the whole chain
        (key,) = device["keys"]
        assert key["public_key"] == web[0]["keys"][0]["public_key"]
        assert (key["reason"], key["valid_from"], key["valid_until"]) == ("server", None, None)
    a = devices[chains["a"].device_id]
    # seq 1 (December) is there as the neighbour of seq 2; seq 13 (April) and 14 (March, sent
    # late) up to the head that covers them.
    assert (a["first_seq"], a["last_seq"], a["period_ratings"]) == (1, 14, 10)
    assert a["counts"] == {"records": 14, "set_aside": 0, "heads": 4}
    assert a["channel"] == "kiosk" and a["status"] == "active" and a["center_id"] == HALL
    assert [c["used_by_this_device"] for c in a["enrollment_codes"]] == [True]
    c = devices[chains["c"].device_id]
    assert [code["used_by_this_device"] for code in c["enrollment_codes"]] == [True, True]
    # c re-enrolled with a new key: both keys, the first until the second came in force.
    old, new = c["keys"]
    assert (old["reason"], old["ended_by"], new["reason"], new["ended_by"]) == (
        "enrollment", "replaced", "reenrollment", None,
    )  # fmt: skip
    assert old["valid_until"] == new["valid_from"] and new["valid_until"] is None
    assert old["public_key"] != new["public_key"]
    assert isinstance(chains["c"], Chain) and isinstance(chains["d"], Tablet)
    assert new["public_key"] == public_key_b64(chains["c"].kiosk.key)
    # d: the key of its export files, kept by the import, then the same key enrolled.
    d = devices[chains["d"].device_id]
    assert [key["reason"] for key in d["keys"]] == ["import", "enrollment"]
    tablet_key = public_key_b64(device_key(chains["d"].folder))
    assert {key["public_key"] for key in d["keys"]} == {tablet_key}
    d_heads = jsonl(files[f"devices/{d['device_id']}/heads.jsonl"])
    assert [(h["source"], h["head_seq"]) for h in d_heads] == [
        ("import", 3), ("import", 4), ("upload", 5),
    ]  # fmt: skip
    assert [h["seqs"] for h in d_heads[:2]] == [[[1, 3]], [[1, 4]]]
    assert [i["stored"] for i in d["imports"]] == [3, 1]
    b = devices[chains["b"].device_id]
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

    assert (summary.devices, summary.records, summary.heads) == (6, 33, 15)
    assert manifest["counts"] == {
        "devices": 6, "records": 33, "period_ratings": 28, "set_aside": 1, "heads": 15,
        "snapshots": 1,
    }  # fmt: skip
    report = verified(path)
    # Every head verifies with the key in force when it arrived, c's first with its old key.
    assert [f for f in report.findings() if f.level == "warning"] == []
    device_ok = {
        s.values["device"]: f.values["heads"]
        for s in report.sections for f in s.findings if f.message == "device_ok"
    }  # fmt: skip
    assert device_ok[c["device_id"]] == 2 and device_ok[d["device_id"]] == 3
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
    assert summary.period_ratings == 30  # every rating stored
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


@pytest.mark.parametrize("town", BACKENDS, indirect=True)
def test_records_that_came_only_on_a_usb_stick_lie_under_the_files_signature(
    town: Town, tmp_path: Path
) -> None:
    """A kiosk that never had a network: its export file, imported, is its only signed head;
    the verifier rebuilds the file's checksum from the records (one of them set aside by the
    server) and checks its signature."""
    tablet = town.tablet(AGENCY)
    tablet.at("2026-02-02")
    tablet.rate(1, comment='რიგი ძალიან გრძელი იყო\n"რატომ?" 😞')
    tablet.rate(4, reasons=("no-such-reason",))
    file = tablet.export()
    tablet.store.close()
    imported = import_file(town.engine, file)
    assert (imported.stored, imported.rejected) == (3, 1)
    path = tmp_path / "audit.zip"
    summary = write_audit_export(town.engine, path, Q1)
    assert summary.heads == 1

    files = read_zip(path)
    (device,) = devices_of(files).values()
    assert device["status"] == "offline" and device["imports"][0]["stored"] == 3
    assert device["counts"]["set_aside"] == 1
    (key,) = device["keys"]
    document = json.loads(file.read_text(encoding="utf-8"))
    assert (key["reason"], key["public_key"]) == ("import", document["public_key"])
    (head,) = jsonl(files[f"devices/{device['device_id']}/heads.jsonl"])
    assert head["source"] == "import" and head["seqs"] == [[1, 4]]
    assert (head["head_seq"], head["head_hash"]) == (4, document["records"][-1]["hash"])
    signed = {name: document[name] for name in ("center_id", "exported_at", "records_sha256")}
    assert {name: head[name] for name in signed} == signed
    assert head["signature"] == document["signature"]
    report = verified(path)
    assert not [f for f in report.findings() if f.level == "warning"]

    # The same file's head with another file's signature: caught, and nothing else vouches.
    other = {**document, "exported_at": "2026-02-03T09:00:00.000000Z"}
    forged = sign_export(
        {k: v for k, v in other.items() if k not in ("public_key", "signature")},
        Ed25519PrivateKey.generate(),
    )
    tampered = files | {
        f"devices/{device['device_id']}/heads.jsonl": (
            json.dumps(head | {"signature": forged["signature"]}) + "\n"
        ).encode()
    }
    report = verifier().verify(rezip(tampered, tmp_path / "tampered.zip"))
    found = {f.message for f in report.findings() if f.level == "problem"}
    assert {"head_bad_signature", "uncovered"} <= found


def rezip(files: dict[str, bytes], path: Path) -> Path:
    """The files as an audit ZIP again, the manifest's SHA-256 and sizes made true."""
    manifest = json.loads(files["manifest.json"])
    for entry in manifest["files"]:
        entry["sha256"] = hashlib.sha256(files[entry["name"]]).hexdigest()
        entry["bytes"] = len(files[entry["name"]])
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, json.dumps(manifest) if name == "manifest.json" else data)
    return path


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
