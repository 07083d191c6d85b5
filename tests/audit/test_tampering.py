"""Every way of changing an audit export that we could think of, and the check that catches it.

Each tamper works on a copy of one real export (``q1_export``) and, unless it is about the
manifest itself, re-seals the manifest (new SHA-256 and sizes), so that the file hashes cannot
be what catches it: the test names the content check that must.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.protocol import public_key_b64
from common.records import record_hash
from tests.audit.conftest import Exported, verifier


@dataclass
class Unpacked:
    """An audit export's files, to change and pack again."""

    files: dict[str, bytes]
    devices: dict[str, str]
    """Kiosk name in the scenario ("a" … "d") → device id."""

    @classmethod
    def of(cls, exported: Exported) -> Unpacked:
        with zipfile.ZipFile(exported.path) as archive:
            files = {name: archive.read(name) for name in archive.namelist()}
        return cls(files, exported.devices)

    def json(self, name: str) -> Any:
        return json.loads(self.files[name])

    def set_json(self, name: str, value: Any) -> None:
        self.files[name] = json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")

    def lines(self, name: str) -> list[Any]:
        return [json.loads(line) for line in self.files[name].decode("utf-8").split("\n") if line]

    def set_lines(self, name: str, items: list[Any]) -> None:
        text = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
        self.files[name] = text.encode("utf-8")

    def records(self, kiosk: str) -> str:
        return f"devices/{self.devices[kiosk]}/records.jsonl"

    def heads(self, kiosk: str) -> str:
        return f"devices/{self.devices[kiosk]}/heads.jsonl"

    def device(self, kiosk: str) -> dict[str, Any]:
        """The kiosk's entry of devices.json (a copy: store it with :meth:`set_device`)."""
        found = [d for d in self.json("devices.json") if d["device_id"] == self.devices[kiosk]]
        return dict(found[0])

    def set_device(self, entry: dict[str, Any]) -> None:
        devices = [
            entry if d["device_id"] == entry["device_id"] else d for d in self.json("devices.json")
        ]
        self.set_json("devices.json", devices)

    def snapshot(self) -> dict[str, Any]:
        return dict(self.json("snapshots/2026-Q1/snapshot.json"))

    def set_snapshot(self, body: dict[str, Any], *, update_sha: bool = True) -> None:
        data = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        self.files["snapshots/2026-Q1/snapshot.json"] = data.encode("utf-8")
        if update_sha:
            integrity = self.json("snapshots/2026-Q1/integrity.json")
            integrity["body_sha256"] = hashlib.sha256(data.encode("utf-8")).hexdigest()
            self.set_json("snapshots/2026-Q1/integrity.json", integrity)

    def reseal(self) -> None:
        """The manifest's SHA-256 and size of every file it lists, made true again."""
        manifest = self.json("manifest.json")
        for entry in manifest["files"]:
            if entry["name"] in self.files:
                data = self.files[entry["name"]]
                entry["sha256"] = hashlib.sha256(data).hexdigest()
                entry["bytes"] = len(data)
        self.set_json("manifest.json", manifest)

    def write(self, path: Path) -> Path:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.files.items():
                archive.writestr(name, data)
        return path


def problems(path: Path) -> set[str]:
    report = verifier().verify(path)
    assert report.exit_status == 1, verifier().render(report, "en")
    return {f.message for f in report.findings() if f.level == "problem"}


def rehashed(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = {**record, **changes}
    changed["hash"] = record_hash(changed)
    return changed


def first_rating(lines: list[dict[str, Any]], **where: Any) -> int:
    """Index of the first line holding a rating (with those fields) counted by the snapshot."""
    for index, line in enumerate(lines):
        record = line["record"]
        if record["kind"] == "rating" and all(record[k] == v for k, v in where.items()):
            return index
    raise AssertionError("no such rating")


# -- the records -------------------------------------------------------------------------------


def edit_a_score(export: Unpacked) -> None:
    lines = export.lines(export.records("a"))
    index = first_rating(lines, score=1)
    lines[index]["record"]["score"] = 5
    export.set_lines(export.records("a"), lines)


def edit_a_score_and_its_hash(export: Unpacked) -> None:
    lines = export.lines(export.records("a"))
    index = first_rating(lines, score=1)
    lines[index]["record"] = rehashed(lines[index]["record"], score=5)
    export.set_lines(export.records("a"), lines)


def edit_a_score_and_rebuild_the_chain(export: Unpacked) -> None:
    """A score changed, every later record re-hashed and re-linked, the heads' hashes too:
    only the signatures are left to tell."""
    lines = export.lines(export.records("a"))
    index = first_rating(lines, score=1)
    lines[index]["record"] = rehashed(lines[index]["record"], score=5)
    new_hash = {lines[index]["record"]["seq"]: lines[index]["record"]["hash"]}
    for line in lines[index + 1 :]:
        record = line["record"]
        line["record"] = rehashed(record, prev_hash=new_hash[record["seq"] - 1])
        new_hash[record["seq"]] = line["record"]["hash"]
    export.set_lines(export.records("a"), lines)
    heads = export.lines(export.heads("a"))
    for head in heads:
        head["head_hash"] = new_hash.get(head["head_seq"], head["head_hash"])
    export.set_lines(export.heads("a"), heads)


def delete_a_record(export: Unpacked) -> None:
    lines = export.lines(export.records("a"))
    del lines[first_rating(lines, score=2)]
    export.set_lines(export.records("a"), lines)


def insert_a_record(export: Unpacked) -> None:
    """A made-up rating appended to kiosk a's chain, correctly hashed and linked, counted."""
    lines = export.lines(export.records("a"))
    last = lines[-1]
    made_up = copy.deepcopy(lines[first_rating(lines, score=5)])
    made_up_uuid = "7d0bde6e-4d9b-4c55-9a0a-1f8f7c3c2b11"
    made_up["record"] = rehashed(
        made_up["record"], uuid=made_up_uuid, rating_uuid=made_up_uuid,
        seq=last["record"]["seq"] + 1, prev_hash=last["record"]["hash"],
    )  # fmt: skip
    lines.append(made_up)
    export.set_lines(export.records("a"), lines)
    entry = export.device("a")
    entry["last_seq"] += 1
    entry["counts"]["records"] += 1
    entry["period_ratings"] += 1
    export.set_device(entry)


def duplicate_a_record(export: Unpacked) -> None:
    lines = export.lines(export.records("a"))
    index = first_rating(lines, score=4)
    lines.insert(index, copy.deepcopy(lines[index]))
    export.set_lines(export.records("a"), lines)


def reorder_records(export: Unpacked) -> None:
    lines = export.lines(export.records("a"))
    index = first_rating(lines, score=5)
    lines[index], lines[index + 1] = lines[index + 1], lines[index]
    export.set_lines(export.records("a"), lines)


def swap_two_kiosks_records(export: Unpacked) -> None:
    a, b = export.records("a"), export.records("b")
    export.files[a], export.files[b] = export.files[b], export.files[a]


def move_a_rating_to_another_kiosk(export: Unpacked) -> None:
    """A rating of kiosk a re-written as kiosk b's newest record, hashed and linked."""
    a_lines, b_lines = export.lines(export.records("a")), export.lines(export.records("b"))
    moved = a_lines.pop(first_rating(a_lines, score=5))
    last = b_lines[-1]["record"]
    moved["record"] = rehashed(
        moved["record"], device_id=export.devices["b"], seq=last["seq"] + 1,
        prev_hash=last["hash"], center_id=last["center_id"],
    )  # fmt: skip
    b_lines.append(moved)
    export.set_lines(export.records("a"), a_lines)
    export.set_lines(export.records("b"), b_lines)


def count_a_rating_as_late(export: Unpacked) -> None:
    """The server's id of a counted rating raised above the snapshot's max_record_id."""
    lines = export.lines(export.records("a"))
    lines[first_rating(lines, score=1)]["server"]["id"] = 10**9
    export.set_lines(export.records("a"), lines)


def relabel_the_open_links_answers(export: Unpacked) -> None:
    """The open link's chain passed off as answers given with a code."""
    devices = export.json("devices.json")
    web_open = next(d for d in devices if d["channel"] == "web-open")
    web_open["channel"] = "web-verified"
    export.set_json("devices.json", devices)
    name = f"devices/{web_open['device_id']}/records.jsonl"
    lines = export.lines(name)
    for line in lines:
        line["server"]["channel"] = "web-verified"
    export.set_lines(name, lines)


def drop_a_device(export: Unpacked) -> None:
    device_id = export.devices["b"]
    for name in [n for n in export.files if n.startswith(f"devices/{device_id}/")]:
        del export.files[name]
    export.set_json(
        "devices.json", [d for d in export.json("devices.json") if d["device_id"] != device_id]
    )
    manifest = export.json("manifest.json")
    manifest["devices"].remove(device_id)
    manifest["files"] = [
        f for f in manifest["files"] if not f["name"].startswith(f"devices/{device_id}/")
    ]
    export.set_json("manifest.json", manifest)


def drop_the_set_aside_record(export: Unpacked) -> None:
    export.files[f"devices/{export.devices['b']}/set-aside.jsonl"] = b""


# -- heads and keys ----------------------------------------------------------------------------


def drop_the_last_head(export: Unpacked) -> None:
    heads = export.lines(export.heads("a"))
    export.set_lines(export.heads("a"), heads[:-1])
    entry = export.device("a")
    entry["counts"]["heads"] -= 1
    export.set_device(entry)


def replace_a_public_key(export: Unpacked) -> None:
    entry = export.device("a")
    entry["keys"][0]["public_key"] = public_key_b64(Ed25519PrivateKey.generate())
    export.set_device(entry)


def replace_a_public_key_and_its_date(export: Unpacked) -> None:
    """Another key, said to be in force only after every head arrived."""
    entry = export.device("a")
    entry["keys"][0]["public_key"] = public_key_b64(Ed25519PrivateKey.generate())
    entry["keys"][0]["valid_from"] = "2999-01-01T00:00:00.000000Z"
    export.set_device(entry)


def pass_a_key_off_as_from_before_key_history(export: Unpacked) -> None:
    """Another key, said to be in force only after every head arrived, and the only key known
    since the upgrade that began key history: a warning for each head, but then nothing
    vouches for the records."""
    replace_a_public_key_and_its_date(export)
    entry = export.device("a")
    entry["keys"][0]["reason"] = "migration"
    export.set_device(entry)


def forge_heads_with_a_weak_key(export: Unpacked) -> None:
    """The identity point as the key and "signatures" anyone can make for it."""
    entry = export.device("a")
    entry["keys"][0]["public_key"] = base64.b64encode(b"\x01" + bytes(31)).decode("ascii")
    export.set_device(entry)
    forged = base64.b64encode(b"\x01" + bytes(31) + bytes(32)).decode("ascii")
    heads = export.lines(export.heads("a"))
    for head in heads:
        head["head_signature"] = forged
    export.set_lines(export.heads("a"), heads)


def rewrite_an_answer_on_the_website(export: Unpacked) -> None:
    """The newest answer of the open link's chain given another score, re-hashed, and its
    head made to name the new hash: the server's own signature no longer verifies."""
    web_open = next(d for d in export.json("devices.json") if d["channel"] == "web-open")
    name = f"devices/{web_open['device_id']}/records.jsonl"
    lines = export.lines(name)
    lines[-1]["record"] = rehashed(
        lines[-1]["record"], score=5 if lines[-1]["record"]["score"] != 5 else 4
    )
    export.set_lines(name, lines)
    heads_name = f"devices/{web_open['device_id']}/heads.jsonl"
    heads = export.lines(heads_name)
    heads[-1]["head_hash"] = lines[-1]["record"]["hash"]
    export.set_lines(heads_name, heads)


def claim_a_head_that_was_never_signed(export: Unpacked) -> None:
    heads = export.lines(export.heads("a"))
    heads[-1]["head_signature"] = heads[0]["head_signature"]
    export.set_lines(export.heads("a"), heads)


# -- the key history (kiosk c was enrolled again with a new key between its two heads) --------


def replace_a_historic_key(export: Unpacked) -> None:
    entry = export.device("c")
    entry["keys"][0]["public_key"] = public_key_b64(Ed25519PrivateKey.generate())
    export.set_device(entry)


def move_a_head_to_the_other_key(export: Unpacked) -> None:
    """c's first head said to have arrived after the new key came in force."""
    heads = export.lines(export.heads("c"))
    heads[0]["received_at"] = export.device("c")["keys"][1]["valid_from"]
    export.set_lines(export.heads("c"), heads)


def let_the_new_key_reach_back(export: Unpacked) -> None:
    entry = export.device("c")
    entry["keys"][1]["valid_from"] = entry["keys"][0]["valid_from"]
    export.set_device(entry)


def drop_the_replaced_key(export: Unpacked) -> None:
    entry = export.device("c")
    del entry["keys"][0]
    export.set_device(entry)


def make_a_key_end_before_it_begins(export: Unpacked) -> None:
    entry = export.device("c")
    entry["keys"][0]["valid_until"] = "2000-01-01T00:00:00.000000Z"
    export.set_device(entry)


# -- the export files carried on a USB stick (tablet d: files of seq 1–3 and 1–4) --------------


def forge_a_files_signature(export: Unpacked) -> None:
    """The first file's head given the second file's signature."""
    heads = export.lines(export.heads("d"))
    heads[0]["signature"] = heads[1]["signature"]
    export.set_lines(export.heads("d"), heads)


def redate_a_file(export: Unpacked) -> None:
    heads = export.lines(export.heads("d"))
    heads[0]["exported_at"] = "2026-03-01T09:00:00.000000Z"
    export.set_lines(export.heads("d"), heads)


def stretch_a_files_seqs(export: Unpacked) -> None:
    """The first file said to hold seq 1–4 (head 4), as if it also vouched for the fourth."""
    heads = export.lines(export.heads("d"))
    lines = export.lines(export.records("d"))
    heads[0].update(seqs=[[1, 4]], head_seq=4, head_hash=lines[3]["record"]["hash"])
    export.set_lines(export.heads("d"), heads)


def edit_a_score_a_file_signed(export: Unpacked) -> None:
    """A score of d changed, its chain rebuilt and every head made to name the new hashes:
    the files' checksums, and the upload's signature, are left to tell."""
    lines = export.lines(export.records("d"))
    new_hash: dict[int, str] = {}
    for line in lines:
        record = line["record"]
        if record["seq"] == 1:
            line["record"] = rehashed(record, score=5)
        else:
            line["record"] = rehashed(record, prev_hash=new_hash[record["seq"] - 1])
        new_hash[record["seq"]] = line["record"]["hash"]
    export.set_lines(export.records("d"), lines)
    heads = export.lines(export.heads("d"))
    for head in heads:
        head["head_hash"] = new_hash[head["head_seq"]]
    export.set_lines(export.heads("d"), heads)


def import_a_file_before_its_key(export: Unpacked) -> None:
    heads = export.lines(export.heads("d"))
    heads[0]["received_at"] = "2000-01-01T00:00:00.000000Z"
    export.set_lines(export.heads("d"), heads)


def drop_a_record_a_file_signed(export: Unpacked) -> None:
    """A record of d's first file left out of the records: what it signed cannot be rebuilt."""
    lines = export.lines(export.records("d"))
    export.set_lines(export.records("d"), lines[1:])


# -- the published snapshot --------------------------------------------------------------------


def published_cell(body: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in body["cells"] if c["suppressed"] is None and c["n"])


def alter_a_published_total(export: Unpacked) -> None:
    body = export.snapshot()
    cell = published_cell(body)
    cell["n"] += 1
    cell["counts"][4] += 1
    export.set_snapshot(body)


def alter_a_published_total_keep_its_sha(export: Unpacked) -> None:
    body = export.snapshot()
    published_cell(body)["counts"][0] += 1
    export.set_snapshot(body, update_sha=False)


def alter_the_burst_count(export: Unpacked) -> None:
    body = export.snapshot()
    body["burst_left_out"] += 1
    export.set_snapshot(body)


def hide_a_large_cell_as_too_few(export: Unpacked) -> None:
    body = export.snapshot()
    cell = published_cell(body)
    cell.update(n=None, counts=None, suppressed="too_few")
    export.set_snapshot(body)


def call_a_small_cell_protecting(export: Unpacked) -> None:
    body = export.snapshot()
    cell = next(c for c in body["cells"] if c["suppressed"] == "too_few")
    cell["suppressed"] = "protects_another"
    export.set_snapshot(body)


def show_a_cell_hidden_to_protect_another(export: Unpacked) -> None:
    """One of a line's two hidden entries published: the other could be worked out."""
    body = export.snapshot()
    cell = next(c for c in body["cells"] if c["suppressed"] == "protects_another")
    cell.update(suppressed=None, n=0, counts=[0, 0, 0, 0, 0])
    export.set_snapshot(body)


def alter_a_priority(export: Unpacked) -> None:
    body = export.snapshot()
    body["priorities"][0]["dissatisfied"] += 1
    export.set_snapshot(body)


def alter_a_channel_row(export: Unpacked) -> None:
    body = export.snapshot()
    row = next(r for r in body["channels"]["rows"] if r["suppressed"] is None and r["n"])
    row["n"] -= 1
    export.set_snapshot(body)


def drop_a_chain_head_of_the_snapshot(export: Unpacked) -> None:
    integrity = export.json("snapshots/2026-Q1/integrity.json")
    del integrity["chain_heads"][export.devices["a"]]
    export.set_json("snapshots/2026-Q1/integrity.json", integrity)


def move_a_chain_head_of_the_snapshot(export: Unpacked) -> None:
    integrity = export.json("snapshots/2026-Q1/integrity.json")
    seq, _hash = integrity["chain_heads"][export.devices["a"]]
    lines = export.lines(export.records("a"))
    integrity["chain_heads"][export.devices["a"]] = [seq + 1, lines[-1]["record"]["hash"]]
    export.set_json("snapshots/2026-Q1/integrity.json", integrity)


# -- the manifest ------------------------------------------------------------------------------


def edit_the_manifests_count(export: Unpacked) -> None:
    manifest = export.json("manifest.json")
    manifest["counts"]["period_ratings"] -= 1
    export.set_json("manifest.json", manifest)


def edit_a_files_hash_in_the_manifest(export: Unpacked) -> None:
    manifest = export.json("manifest.json")
    manifest["files"][1]["sha256"] = "0" * 64
    export.set_json("manifest.json", manifest)


def edit_a_file_keep_the_manifest(export: Unpacked) -> None:
    export.files["devices.json"] = export.files["devices.json"].replace(b'"kiosk"', b'"kiosk" ', 1)


def add_a_file(export: Unpacked) -> None:
    export.files["devices/extra.jsonl"] = b"{}\n"


def claim_another_period(export: Unpacked) -> None:
    manifest = export.json("manifest.json")
    manifest["period"] = "2026-Q2"
    export.set_json("manifest.json", manifest)


def devices_json_claims_another_range(export: Unpacked) -> None:
    entry = export.device("a")
    entry["first_seq"] = 3
    export.set_device(entry)


Tamper = Callable[[Unpacked], None]
CASES: list[tuple[Tamper, bool, set[str]]] = [
    # (tamper, re-seal the manifest afterwards, the problems that may catch it)
    (edit_a_score, True, {"bad_hash"}),
    (edit_a_score_and_its_hash, True, {"bad_link"}),
    (edit_a_score_and_rebuild_the_chain, True, {"head_bad_signature"}),
    (delete_a_record, True, {"gap"}),
    (insert_a_record, True, {"uncovered"}),
    (duplicate_a_record, True, {"out_of_order"}),
    (reorder_records, True, {"out_of_order"}),
    (swap_two_kiosks_records, True, {"wrong_device"}),
    (move_a_rating_to_another_kiosk, True, {"uncovered"}),
    (count_a_rating_as_late, True, {"cell_differs"}),
    (relabel_the_open_links_answers, True, {"cell_differs"}),
    (drop_a_device, True, {"cell_differs"}),
    (drop_the_set_aside_record, True, {"gap"}),
    (drop_the_last_head, True, {"uncovered"}),
    (replace_a_public_key, True, {"head_bad_signature"}),
    (replace_a_public_key_and_its_date, True, {"head_no_key"}),
    (pass_a_key_off_as_from_before_key_history, True, {"uncovered"}),
    (forge_heads_with_a_weak_key, True, {"key_unsafe"}),
    (claim_a_head_that_was_never_signed, True, {"head_bad_signature"}),
    (rewrite_an_answer_on_the_website, True, {"head_bad_signature"}),
    (replace_a_historic_key, True, {"head_bad_signature"}),
    (move_a_head_to_the_other_key, True, {"head_bad_signature"}),
    (let_the_new_key_reach_back, True, {"keys_overlap"}),
    (drop_the_replaced_key, True, {"head_no_key"}),
    (make_a_key_end_before_it_begins, True, {"key_dates"}),
    (forge_a_files_signature, True, {"head_bad_signature"}),
    (redate_a_file, True, {"head_bad_signature"}),
    (stretch_a_files_seqs, True, {"file_checksum_differs"}),
    (edit_a_score_a_file_signed, True, {"file_checksum_differs"}),
    (import_a_file_before_its_key, True, {"head_no_key"}),
    (drop_a_record_a_file_signed, True, {"file_records_missing"}),
    (alter_a_published_total, True, {"cell_differs"}),
    (alter_a_published_total_keep_its_sha, True, {"snap_sha_differs"}),
    (alter_the_burst_count, True, {"burst_differs"}),
    (hide_a_large_cell_as_too_few, True, {"cell_too_few_wrong"}),
    (call_a_small_cell_protecting, True, {"cell_protect_wrong"}),
    (show_a_cell_hidden_to_protect_another, True, {"line_single_hidden"}),
    (alter_a_priority, True, {"priority_differs"}),
    (alter_a_channel_row, True, {"cell_differs"}),
    (drop_a_chain_head_of_the_snapshot, True, {"snap_head_missing"}),
    (move_a_chain_head_of_the_snapshot, True, {"snap_head_differs"}),
    (edit_the_manifests_count, True, {"count_differs"}),
    (edit_a_files_hash_in_the_manifest, False, {"file_changed"}),
    (edit_a_file_keep_the_manifest, False, {"file_changed"}),
    (add_a_file, True, {"file_unlisted"}),
    (claim_another_period, True, {"months_differ"}),
    (devices_json_claims_another_range, True, {"outside_range"}),
]


@pytest.mark.parametrize(
    ("tamper", "reseal", "caught_by"), CASES, ids=[case[0].__name__ for case in CASES]
)
def test_the_verifier_catches(
    q1_export: Exported, tmp_path: Path, tamper: Tamper, reseal: bool, caught_by: set[str]
) -> None:
    export = Unpacked.of(q1_export)
    tamper(export)
    if reseal:
        export.reseal()
    found = problems(export.write(tmp_path / "tampered.zip"))
    assert found & caught_by, found


def test_the_untouched_export_passes_and_repacking_changes_nothing(
    q1_export: Exported, tmp_path: Path
) -> None:
    """The control for every case above: unpacked, re-sealed and packed again, it passes."""
    export = Unpacked.of(q1_export)
    export.reseal()
    report = verifier().verify(export.write(tmp_path / "same.zip"))
    assert report.exit_status == 0, verifier().render(report, "en")
