"""``kiosk-server import``: export files written by a real kiosk store, imported by the real CLI.

The rules are those of uploads: every record is counted once however it arrives (file, same
file again, overlapping file, sync upload), damaged files store nothing, and a device the server
never saw gets an offline kiosk entry that can be enrolled later without breaking its chain.
Files are signed with the kiosk's device key: unsigned files, and files signed with another key
than the one the server holds for the device, store nothing.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, text

from common.export_format import records_checksum, sign_export
from common.protocol import PATH_SYNC_STATE, public_key_b64
from kiosk.export import write_export
from kiosk.keys import device_key
from kiosk.storage import Draft, Store
from tests.server.conftest import CENTER, OPEN_CENTER, KioskPool
from tests.server.kiosk_driver import SERVICE, KioskDriver, make_chain
from tests.server.live import LiveServer


class Tablet:
    """A real kiosk store in tmp_path that writes ratings and export files."""

    def __init__(self, folder: Path, center: str = CENTER) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.center = center
        self.store = Store(folder / "kiosk.db")
        self.device_id = self.store.device_id
        self.offline_name = f"offline-{self.device_id[:8]}"
        self.exports = 0

    def draft(self, kind: str, rating_uuid: str | None = None, **fields: Any) -> Draft:
        return Draft(
            kind=kind,
            rating_uuid=rating_uuid,
            center_id=self.center,
            service_id=fields.pop("service_id", SERVICE),
            catalog_version="2026.1",
            language="ka",
            **fields,
        )

    def rate(self, score: int = 4, **fields: Any) -> str:
        """A rating; returns its uuid."""
        return self.store.append(self.draft("rating", score=score, **fields)).uuid

    def rate_with_details(self, score: int, reasons: tuple[str, ...], comment: str) -> str:
        rating = self.rate(score)
        self.store.append(self.draft("reasons", rating, reasons=reasons))
        self.store.append(self.draft("comment", rating, comment=comment))
        return rating

    def export(self) -> Path:
        """An export of everything pending, in its own folder (names carry only seconds)."""
        self.exports += 1
        target = self.folder / f"usb-{self.exports}"
        target.mkdir()
        return write_export(self.store, target, self.center).path

    def pending_wire(self) -> list[dict[str, Any]]:
        return [record.to_wire() for record in self.store.pending()]

    @property
    def key(self) -> Ed25519PrivateKey:
        """The device key its files are signed with (and it enrolls with)."""
        return device_key(self.folder)

    def driver(self, url: str) -> KioskDriver:
        """Speaks the protocol as this tablet, with its device key."""
        driver = KioskDriver(url, self.device_id)
        driver.key = self.key
        return driver


def resigned(path: Path, key: Ed25519PrivateKey, target: Path, **changes: Any) -> Path:
    """A copy of an export file, changed and then signed (consistently) with ``key``."""
    document = json.loads(path.read_text(encoding="utf-8"))
    document.update(changes)
    unsigned = {k: v for k, v in document.items() if k not in ("public_key", "signature")}
    target.write_text(json.dumps(sign_export(unsigned, key), ensure_ascii=False), "utf-8")
    return target


@pytest.fixture
def tablet(tmp_path: Path) -> Iterator[Tablet]:
    made = Tablet(tmp_path / "kiosk")
    try:
        yield made
    finally:
        made.store.close()


def import_files(
    server: LiveServer, *paths: Path | str, center: str | None = None
) -> subprocess.CompletedProcess[str]:
    extra = ["--center", center] if center else []
    return server.cli("import", *map(str, paths), *extra, check=False)


def assert_imported(result: subprocess.CompletedProcess[str], *summaries: str) -> list[str]:
    """Exit 0 and one line per file, each with its ``stored …, duplicates …, rejected …``."""
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(summaries), result.stdout
    for line, summary in zip(lines, summaries, strict=True):
        assert summary in line, line
    return lines


def count(server: LiveServer, table: str, device_id: str) -> int:
    rows = server.query(f"SELECT count(*) FROM {table} WHERE device_id = :d", d=device_id)
    return int(rows[0][0])


def kiosk_row(server: LiveServer, device_id: str) -> Any:
    rows = server.query(
        "SELECT id, name, center_id, status, public_key FROM kiosks WHERE device_id = :d",
        d=device_id,
    )
    return rows[0] if rows else None


def chain(server: LiveServer, device_id: str) -> tuple[int, int]:
    rows = server.query(
        "SELECT high_water_mark, max_seq FROM chains WHERE device_id = :d", d=device_id
    )
    return tuple(rows[0]) if rows else (0, 0)


def csv_rows(server: LiveServer, device_id: str) -> list[dict[str, str]]:
    text = server.cli("export").stdout
    return [r for r in csv.DictReader(io.StringIO(text)) if r["device_id"] == device_id]


def test_import_stores_once_however_often_and_overlapping(
    server: LiveServer, tablet: Tablet
) -> None:
    low = tablet.rate_with_details(2, ("long-wait",), "რიგი ძალიან გრძელი იყო")
    tablet.rate(5)
    tablet.rate(3)
    first = tablet.export()

    lines = assert_imported(import_files(server, first), "stored 5, duplicates 0, rejected 0")
    assert f"kiosk '{tablet.offline_name}', new offline entry" in lines[0]
    assert lines[0].startswith(str(first))
    assert "complete to seq 5" in lines[0]
    row = kiosk_row(server, tablet.device_id)
    assert (row.name, row.center_id, row.status, row.public_key) == (
        tablet.offline_name, CENTER, "offline", public_key_b64(tablet.key),
    )  # fmt: skip
    assert count(server, "records", tablet.device_id) == 5
    assert chain(server, tablet.device_id) == (5, 5)

    # The same file again, and both files at once after two more ratings: counted once.
    assert_imported(import_files(server, first), "stored 0, duplicates 5, rejected 0")
    tablet.rate(1)
    tablet.rate(4)
    second = tablet.export()
    assert_imported(import_files(server, second), "stored 2, duplicates 5, rejected 0")
    lines = assert_imported(
        import_files(server, first, second),
        "stored 0, duplicates 5, rejected 0",
        "stored 0, duplicates 7, rejected 0",
    )
    assert "new offline entry" not in "".join(lines)
    assert count(server, "records", tablet.device_id) == 7
    assert chain(server, tablet.device_id) == (7, 7)
    assert count(server, "chain_breaks", tablet.device_id) == 0
    assert len(server.query("SELECT id FROM kiosks WHERE name = :n", n=tablet.offline_name)) == 1

    audit = server.query(
        "SELECT file_name, records_sha256, exported_at, file_center_id, app_version, "
        "record_count, stored, duplicate, rejected, finished_at, kiosk_id "
        "FROM imports WHERE device_id = :d ORDER BY id",
        d=tablet.device_id,
    )
    document = json.loads(first.read_text(encoding="utf-8"))
    assert [(a.file_name, a.record_count, a.stored, a.duplicate, a.rejected) for a in audit] == [
        (str(first), 5, 5, 0, 0),
        (str(first), 5, 0, 5, 0),
        (str(second), 7, 2, 5, 0),
        (str(first), 5, 0, 5, 0),
        (str(second), 7, 0, 7, 0),
    ]
    assert (audit[0].records_sha256, audit[0].exported_at, audit[0].file_center_id) == (
        document["records_sha256"], document["exported_at"], CENTER,
    )  # fmt: skip
    assert audit[0].app_version == document["app_version"]
    assert all(a.finished_at is not None and a.kiosk_id == row.id for a in audit)

    rows = {r["rating_uuid"]: r for r in csv_rows(server, tablet.device_id)}
    assert len(rows) == 5  # ratings only; reasons and comment sit on their rating's row
    assert rows[low]["kiosk"] == tablet.offline_name
    assert (rows[low]["score"], rows[low]["reasons"]) == ("2", "long-wait")
    assert rows[low]["comment"] == "რიგი ძალიან გრძელი იყო"


def test_import_then_sync_after_enrolling_the_offline_entry(
    server: LiveServer, tablet: Tablet
) -> None:
    for score in (5, 4, 3):
        tablet.rate(score)
    assert_imported(import_files(server, tablet.export()), "stored 3")
    offline_id = kiosk_row(server, tablet.device_id).id

    # Signed with the very key kept on the offline entry: still no request is accepted.
    driver = tablet.driver(server.url)
    refused = driver.post_batch(tablet.pending_wire())
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unknown_device"

    # A code for the offline entry works only for its own device.
    code = server.reenroll_kiosk(tablet.offline_name)
    stranger = KioskDriver(server.url)
    conflict = stranger.enroll(code)
    assert conflict.status_code == 409, conflict.text
    assert conflict.json()["error"]["code"] == "device_conflict"

    enrolled = driver.enroll(code)
    assert enrolled.status_code == 201, enrolled.text
    assert enrolled.json()["kiosk_name"] == tablet.offline_name
    row = kiosk_row(server, tablet.device_id)
    assert (row.id, row.status, row.public_key) == (
        offline_id,
        "active",
        public_key_b64(tablet.key),
    )

    tablet.rate(2)
    tablet.rate(1)
    response = driver.post_batch(tablet.pending_wire())
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["duplicate"] * 3 + ["stored"] * 2
    assert body["high_water_mark"] == 5
    assert body["chain"] == {"intact": True, "missing": []}
    assert driver.get(PATH_SYNC_STATE).json()["high_water_mark"] == 5
    assert count(server, "records", tablet.device_id) == 5
    assert len(csv_rows(server, tablet.device_id)) == 5


def test_a_new_kiosk_takes_over_the_offline_entry(
    server: LiveServer, tablet: Tablet, kiosk_pool: KioskPool
) -> None:
    tablet.rate(4)
    tablet.rate(5)
    file = tablet.export()
    assert_imported(import_files(server, file), "stored 2")

    name, code = kiosk_pool.take()
    driver = tablet.driver(server.url)
    enrolled = driver.enroll(code)
    assert enrolled.status_code == 201, enrolled.text
    assert enrolled.json()["kiosk_name"] == name
    new_id = kiosk_row(server, tablet.device_id).id
    assert server.query("SELECT id FROM kiosks WHERE name = :n", n=tablet.offline_name) == []
    kiosk_ids = server.query(
        "SELECT DISTINCT kiosk_id FROM records WHERE device_id = :d "
        "UNION SELECT kiosk_id FROM imports WHERE device_id = :d "
        "UNION SELECT kiosk_id FROM chains WHERE device_id = :d",
        d=tablet.device_id,
    )
    assert [tuple(k) for k in kiosk_ids] == [(new_id,)]
    assert {r["kiosk"] for r in csv_rows(server, tablet.device_id)} == {name}

    tablet.rate(3)
    response = driver.post_batch(tablet.pending_wire())
    assert [r["status"] for r in response.json()["results"]] == ["duplicate", "duplicate", "stored"]
    assert response.json()["high_water_mark"] == 3
    lines = assert_imported(import_files(server, file), "stored 0, duplicates 2, rejected 0")
    assert f"kiosk '{name}'" in lines[0]


def test_upload_then_import_of_an_enrolled_kiosk(
    server: LiveServer, tablet: Tablet, kiosk_pool: KioskPool
) -> None:
    name, code = kiosk_pool.take()
    driver = tablet.driver(server.url)
    assert driver.enroll(code).status_code == 201
    for score in (1, 2, 3, 4):
        tablet.rate(score)
    uploaded = driver.post_batch(tablet.pending_wire()[:2])
    assert [r["status"] for r in uploaded.json()["results"]] == ["stored"] * 2

    file = tablet.export()  # the kiosk had not heard back: all four are still pending
    wrong_center = import_files(server, file, center=OPEN_CENTER)
    assert wrong_center.returncode == 1
    assert f"kiosk '{name}' of center '{CENTER}'" in wrong_center.stderr
    assert count(server, "records", tablet.device_id) == 2

    lines = assert_imported(import_files(server, file), "stored 2, duplicates 2, rejected 0")
    assert f"kiosk '{name}';" in lines[0]
    assert (kiosk_row(server, tablet.device_id).name, chain(server, tablet.device_id)) == (
        name, (4, 4),
    )  # fmt: skip
    assert driver.get(PATH_SYNC_STATE).json()["high_water_mark"] == 4


def test_rejected_records_are_kept_and_reported(server: LiveServer, tablet: Tablet) -> None:
    tablet.rate(4)
    tablet.rate(3)
    tablet.rate(5, service_id="no-such-service")
    tablet.rate(2)
    file = tablet.export()
    # A record that no longer matches its hash in a file its own kiosk signed (damaged on the
    # tablet before the export): the file is authentic, the record hash still tells.
    records = json.loads(file.read_text(encoding="utf-8"))["records"]
    records[1]["score"] = 5
    resigned(file, tablet.key, file, records=records, records_sha256=records_checksum(records))

    lines = assert_imported(
        import_files(server, file),
        "stored 2, duplicates 0, rejected 2 (bad_hash 1, unknown_service 1)",
    )
    assert "CHAIN BROKEN" not in lines[0]
    kept = server.query(
        "SELECT seq, reason FROM rejected_records WHERE device_id = :d ORDER BY seq",
        d=tablet.device_id,
    )
    assert [tuple(r) for r in kept] == [(2, "bad_hash"), (3, "unknown_service")]
    assert chain(server, tablet.device_id) == (4, 4)  # rejected records do not hold it back

    assert_imported(import_files(server, file), "stored 0, duplicates 2, rejected 2")
    assert count(server, "rejected_records", tablet.device_id) == 2
    assert count(server, "records", tablet.device_id) == 2


def test_damaged_or_unreadable_files_store_nothing(
    server: LiveServer, tablet: Tablet, tmp_path: Path
) -> None:
    tablet.rate(4)
    tablet.rate(2)
    file = tablet.export()
    good = file.read_text(encoding="utf-8")
    document = json.loads(good)
    document["records"][0]["score"] = 5
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document), encoding="utf-8")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(good[: len(good) // 2], encoding="utf-8")
    other = tmp_path / "other.json"
    other.write_text('{"format": "something-else"}', encoding="utf-8")
    bad_header = resigned(file, tablet.key, tmp_path / "header.json", device_id="not-a-uuid")

    refused = {
        edited: "checksum mismatch; the file is damaged or was edited",
        truncated: "invalid JSON",
        other: "not an ukukavshiri-export file",
        tmp_path / "missing.json": "cannot be read",
        bad_header: "device_id",
    }
    result = import_files(server, *refused)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == len(refused), result.stderr
    for line, (path, reason) in zip(lines, refused.items(), strict=True):
        assert line.startswith(f"error: {path}: "), line
        assert reason in line, line
        assert line.endswith("nothing was stored from it"), line
    assert kiosk_row(server, tablet.device_id) is None
    assert count(server, "records", tablet.device_id) == 0
    assert count(server, "imports", tablet.device_id) == 0

    # A damaged file among good ones: the good ones are imported, the exit status tells.
    mixed = import_files(server, edited, file)
    assert mixed.returncode == 2
    assert "checksum mismatch" in mixed.stderr
    assert "stored 2, duplicates 0, rejected 0" in mixed.stdout
    assert count(server, "records", tablet.device_id) == 2


def _drop_signature(document: dict[str, Any]) -> None:
    del document["signature"]


def _as_version_1(document: dict[str, Any]) -> None:
    """What a kiosk from before signing wrote: no key, no signature."""
    document.pop("signature", None)
    document.pop("public_key", None)
    document["version"] = 1


def _flip_signature_bit(document: dict[str, Any]) -> None:
    signature = bytearray(base64.b64decode(document["signature"]))
    signature[10] ^= 0x01
    document["signature"] = base64.b64encode(bytes(signature)).decode("ascii")


def _weak_key_and_forged_signature(document: dict[str, Any]) -> None:
    """The identity point as key: R = identity, S = 0 "verifies" any message under it."""
    identity = bytes([1]) + bytes(31)
    document["public_key"] = base64.b64encode(identity).decode("ascii")
    document["signature"] = base64.b64encode(identity + bytes(32)).decode("ascii")


def _edit_record_keep_checksum_consistent(document: dict[str, Any]) -> None:
    document["records"][0]["score"] = 1
    document["records_sha256"] = records_checksum(document["records"])


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_drop_signature, "the file is not signed"),
        (_as_version_1, "export version 1 is not signed and is no longer accepted"),
        (_flip_signature_bit, "the signature does not verify"),
        (_edit_record_keep_checksum_consistent, "the signature does not verify"),
        (_weak_key_and_forged_signature, "the file's public key is weak"),
    ],
    ids=["unsigned", "version-1", "bad-signature", "tampered-record", "weak-key"],
)
def test_unsigned_badly_signed_or_tampered_files_store_nothing(
    server: LiveServer, tablet: Tablet, tmp_path: Path, change: Any, reason: str
) -> None:
    tablet.rate(4)
    tablet.rate(2)
    document = json.loads(tablet.export().read_text(encoding="utf-8"))
    change(document)
    file = tmp_path / "changed.json"
    file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    result = import_files(server, file)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {file}: {reason}"), result.stderr
    assert result.stderr.endswith("nothing was stored from it\n")
    assert len(result.stderr.splitlines()) == 1
    assert kiosk_row(server, tablet.device_id) is None
    for table in ("records", "rejected_records", "imports"):
        assert count(server, table, tablet.device_id) == 0, table


def test_a_file_for_an_enrolled_kiosk_must_be_signed_with_its_enrolled_key(
    server: LiveServer, tablet: Tablet, kiosk_pool: KioskPool, tmp_path: Path
) -> None:
    name, code = kiosk_pool.take()
    enrolled = KioskDriver(server.url, tablet.device_id)  # its own key, not the tablet's
    assert enrolled.enroll(code).status_code == 201
    tablet.rate(4)
    file = tablet.export()  # self-consistent: it verifies with the key it carries

    result = import_files(server, file)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(
        f"error: {file}: signed with another key than the one kiosk {name!r} enrolled with"
    ), result.stderr
    assert count(server, "records", tablet.device_id) == 0
    assert count(server, "imports", tablet.device_id) == 0
    assert kiosk_row(server, tablet.device_id).public_key == public_key_b64(enrolled.key)

    # The same content signed with the enrolled key is the device's.
    accepted = resigned(file, enrolled.key, tmp_path / "enrolled-key.json")
    assert_imported(import_files(server, accepted), "stored 1, duplicates 0, rejected 0")


def test_later_files_of_an_offline_device_must_carry_the_key_of_its_first(
    server: LiveServer, tablet: Tablet, tmp_path: Path
) -> None:
    tablet.rate(4)
    assert_imported(import_files(server, tablet.export()), "stored 1")
    tablet.rate(3)
    second = tablet.export()
    forged = resigned(second, Ed25519PrivateKey.generate(), tmp_path / "forged.json")

    result = import_files(server, forged)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(
        f"error: {forged}: signed with another key than the one kept for offline kiosk "
        f"{tablet.offline_name!r} from its earlier files"
    ), result.stderr
    assert count(server, "records", tablet.device_id) == 1
    assert kiosk_row(server, tablet.device_id).public_key == public_key_b64(tablet.key)

    assert_imported(import_files(server, second), "stored 1, duplicates 1, rejected 0")


def test_an_offline_entry_made_before_signing_takes_the_key_of_its_first_signed_file(
    server: LiveServer, tablet: Tablet, tmp_path: Path
) -> None:
    tablet.rate(4)
    first = tablet.export()
    assert_imported(import_files(server, first), "stored 1")
    engine = create_engine(server.db_url)  # as an import from before signing left it
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE kiosks SET public_key = NULL WHERE device_id = :d"),
                {"d": tablet.device_id},
            )
    finally:
        engine.dispose()

    forged = resigned(first, Ed25519PrivateKey.generate(), tmp_path / "forged.json")
    tablet.rate(3)
    assert_imported(import_files(server, tablet.export()), "stored 1, duplicates 1")
    assert kiosk_row(server, tablet.device_id).public_key == public_key_b64(tablet.key)
    assert import_files(server, forged).returncode == 2


def test_unknown_center_is_a_clear_error(server: LiveServer, tmp_path: Path) -> None:
    atlantis = f"atlantis-{uuid.uuid4().hex[:6]}"
    tablet = Tablet(tmp_path / "far", center=atlantis)
    try:
        tablet.rate(5)
        file = tablet.export()
    finally:
        tablet.store.close()

    result = import_files(server, file)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith(f"error: {file}: ")
    assert "Traceback" not in result.stderr
    for fragment in (f"center {atlantis!r}", "add-center", "--center"):
        assert fragment in result.stderr
    missing = import_files(server, file, center="nowhere")
    assert missing.returncode == 1
    assert "no center 'nowhere'" in missing.stderr
    assert kiosk_row(server, tablet.device_id) is None
    assert count(server, "records", tablet.device_id) == 0

    # Filed under an existing center (which has no catalog, so any service is accepted).
    assert_imported(import_files(server, file, center=OPEN_CENTER), "stored 1")
    assert kiosk_row(server, tablet.device_id).center_id == OPEN_CENTER


def test_revoked_kiosk_records_are_not_imported(server: LiveServer, tablet: Tablet) -> None:
    tablet.rate(4)
    assert_imported(import_files(server, tablet.export()), "stored 1")
    server.cli("revoke-kiosk", tablet.offline_name)
    tablet.rate(3)
    result = import_files(server, tablet.export())
    assert result.returncode == 1
    assert "revoked" in result.stderr
    assert count(server, "records", tablet.device_id) == 1


def test_a_long_file_is_imported_in_chunks(server: LiveServer, tmp_path: Path) -> None:
    device_id = str(uuid.uuid4())
    records = make_chain(device_id, 1234, center_id=CENTER)
    document = {
        "format": "ukukavshiri-export",
        "version": 2,
        "device_id": device_id,
        "center_id": CENTER,
        "app_version": "0.1.0",
        "exported_at": "2026-03-14T09:30:00.000000Z",
        "records": records,
        "records_sha256": records_checksum(records),
    }
    file = tmp_path / "long.json"
    signed = sign_export(document, Ed25519PrivateKey.generate())
    file.write_text(json.dumps(signed), encoding="utf-8")
    assert_imported(import_files(server, file), "stored 1234, duplicates 0, rejected 0")
    assert count(server, "records", device_id) == 1234
    assert chain(server, device_id) == (1234, 1234)
    audit = server.query(
        "SELECT stored, duplicate, rejected FROM imports WHERE device_id = :d", d=device_id
    )
    assert [tuple(a) for a in audit] == [(1234, 0, 0)]


def test_the_offline_device_enrolls_only_with_the_key_that_signed_its_files(
    server: LiveServer, tablet: Tablet
) -> None:
    tablet.rate(5)
    assert_imported(import_files(server, tablet.export()), "stored 1")
    code = server.reenroll_kiosk(tablet.offline_name)

    impostor = KioskDriver(server.url, tablet.device_id)  # same device id, another key
    refused = impostor.enroll(code)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "key_mismatch"
    assert f"forget-offline-key {tablet.offline_name}" in refused.json()["error"]["message"]
    assert kiosk_row(server, tablet.device_id).status == "offline"

    # The tablet was reset, say: staff accept a new key, and the same code still works.
    forgot = server.cli("forget-offline-key", tablet.offline_name)
    assert forgot.returncode == 0, forgot.stderr
    enrolled = impostor.enroll(code)
    assert enrolled.status_code == 201, enrolled.text
    assert kiosk_row(server, tablet.device_id).status == "active"


def test_records_naming_another_center_than_their_kiosks_are_rejected(
    server: LiveServer, tablet: Tablet
) -> None:
    tablet.rate(4)
    tablet.center = OPEN_CENTER  # the tablet's records now claim another center
    tablet.rate(3)
    tablet.center = CENTER
    result = import_files(server, tablet.export())
    assert_imported(result, "stored 1, duplicates 0, rejected 1 (wrong_center 1)")
