"""The key history (``kiosk_keys``): every path that gives a device a key records it, with when
it came in force and why, and ends the key it replaces; revision 0007 starts the history of an
existing database from the keys its kiosks hold.

In-process on both backends: the staff functions, ``enroll`` as the API calls it, and
``import_file`` with export files signed by real keys.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, insert, select, text

from common.export_format import records_checksum, sign_export
from common.messages import EnrollRequest
from common.protocol import public_key_b64
from server.db import (
    alembic_config,
    database_revision,
    imports,
    kiosk_keys,
    kiosks,
    utc_now,
)
from server.enrollment import (
    add_kiosks,
    enroll,
    forget_offline_key,
    reenroll_kiosk,
    revoke_kiosk,
)
from server.imports import file_head, import_file
from tests.server.kiosk_driver import make_chain

CENTER = "tbilisi"


@dataclass(frozen=True)
class Key:
    kiosk: str
    public_key: str
    reason: str
    valid_from: datetime
    valid_until: datetime | None
    ended_by: str | None


def history(engine: Engine, device_id: str) -> list[Key]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(kiosks.c.name, kiosk_keys)
            .join(kiosks, kiosks.c.id == kiosk_keys.c.kiosk_id)
            .where(kiosk_keys.c.device_id == device_id)
            .order_by(kiosk_keys.c.valid_from, kiosk_keys.c.id)
        ).mappings()
        return [
            Key(
                r["name"], r["public_key"], r["reason"], r["valid_from"], r["valid_until"],
                r["ended_by"],
            )
            for r in rows
        ]  # fmt: skip


def enrolled(engine: Engine, code: str, device_id: str, key: Ed25519PrivateKey) -> datetime:
    """Enroll as the API does; the kiosk's enrolled_at."""
    request = EnrollRequest(
        code=code, device_id=device_id, public_key=public_key_b64(key), app_version="0.1.0"
    )
    enroll(engine, request, "127.0.0.1")
    with engine.connect() as conn:
        return conn.execute(
            select(kiosks.c.enrolled_at).where(kiosks.c.device_id == device_id)
        ).scalar_one()


def export_file(folder: Path, device_id: str, key: Ed25519PrivateKey, count: int = 2) -> Path:
    """A signed export file of ``count`` records of the device (its first ones)."""
    records = make_chain(device_id, count, center_id=CENTER)
    document = {
        "format": "ukukavshiri-export", "version": 2, "device_id": device_id,
        "center_id": CENTER, "app_version": "0.1.0",
        "exported_at": "2026-02-03T09:00:00.000000Z", "records": records,
        "records_sha256": records_checksum(records),
    }  # fmt: skip
    path = folder / f"export-{uuid.uuid4().hex[:8]}.json"
    path.write_text(json.dumps(sign_export(document, key)), encoding="utf-8")
    return path


def test_an_enrollment_and_a_reenrollment(engine: Engine) -> None:
    device, first = str(uuid.uuid4()), Ed25519PrivateKey.generate()
    code = add_kiosks(engine, ["hall-1"], CENTER)[0].code
    first_at = enrolled(engine, code, device, first)
    assert history(engine, device) == [
        Key("hall-1", public_key_b64(first), "enrollment", first_at, None, None)
    ]
    second = Ed25519PrivateKey.generate()
    second_at = enrolled(engine, reenroll_kiosk(engine, "hall-1").code, device, second)
    assert second_at > first_at
    assert history(engine, device) == [
        Key("hall-1", public_key_b64(first), "enrollment", first_at, second_at, "replaced"),
        Key("hall-1", public_key_b64(second), "reenrollment", second_at, None, None),
    ]


def test_a_revoked_kiosks_device_enrolled_under_another_kiosk(engine: Engine) -> None:
    device, old, new = str(uuid.uuid4()), Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    first, other = add_kiosks(engine, ["hall-1", "hall-2"], CENTER)
    enrolled(engine, first.code, device, old)
    revoke_kiosk(engine, "hall-1")
    moved_at = enrolled(engine, other.code, device, new)
    keys = history(engine, device)
    assert [(k.kiosk, k.reason, k.ended_by) for k in keys] == [
        ("hall-1", "enrollment", "replaced"),
        ("hall-2", "enrollment", None),  # hall-2's own first enrollment
    ]
    assert keys[0].valid_until == keys[1].valid_from == moved_at


def test_an_offline_device_from_its_first_file_to_its_enrollment(
    engine: Engine, tmp_path: Path
) -> None:
    """An import keeps the file's key (a second file adds nothing); enrolling the device under
    a new kiosk name takes the entry over, its key history with it."""
    device, key = str(uuid.uuid4()), Ed25519PrivateKey.generate()
    before = utc_now()
    assert import_file(engine, export_file(tmp_path, device, key)).new_kiosk
    import_file(engine, export_file(tmp_path, device, key, count=3))
    (kept,) = history(engine, device)
    offline = f"offline-{device[:8]}"
    assert (kept.kiosk, kept.public_key, kept.reason, kept.valid_until) == (
        offline, public_key_b64(key), "import", None,
    )  # fmt: skip
    assert before <= kept.valid_from <= utc_now()
    with engine.connect() as conn:
        began = conn.execute(
            select(imports.c.imported_at)
            .where(imports.c.device_id == device)
            .order_by(imports.c.id)
            .limit(1)
        ).scalar_one()
    assert kept.valid_from == began  # in force from when the first import began

    bound_at = enrolled(engine, add_kiosks(engine, ["lobby-1"], CENTER)[0].code, device, key)
    keys = history(engine, device)
    assert [(k.kiosk, k.reason, k.valid_until, k.ended_by) for k in keys] == [
        ("lobby-1", "import", bound_at, "replaced"),  # moved with the entry it came from
        ("lobby-1", "enrollment", None, None),
    ]
    assert {k.public_key for k in keys} == {public_key_b64(key)}


def test_a_forgotten_offline_key_and_the_new_one(engine: Engine, tmp_path: Path) -> None:
    device, old, new = str(uuid.uuid4()), Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    import_file(engine, export_file(tmp_path, device, old))
    offline = f"offline-{device[:8]}"
    forget_offline_key(engine, offline)
    (forgotten,) = history(engine, device)
    assert forgotten.ended_by == "forgotten" and forgotten.valid_until is not None
    import_file(engine, export_file(tmp_path, device, new, count=3))
    keys = history(engine, device)
    assert [(k.public_key, k.reason, k.ended_by) for k in keys] == [
        (public_key_b64(old), "import", "forgotten"),
        (public_key_b64(new), "import", None),
    ]
    assert forgotten.valid_until is not None and keys[1].valid_from >= forgotten.valid_until


def test_an_import_keeps_the_files_signature_and_what_it_covers(
    engine: Engine, tmp_path: Path
) -> None:
    device, key = str(uuid.uuid4()), Ed25519PrivateKey.generate()
    path = export_file(tmp_path, device, key, count=3)
    document = json.loads(path.read_text(encoding="utf-8"))
    import_file(engine, path)
    with engine.connect() as conn:
        row = conn.execute(select(imports).where(imports.c.device_id == device)).mappings().one()
    assert (row["public_key"], row["signature"]) == (document["public_key"], document["signature"])
    assert json.loads(row["seqs"]) == [[1, 3]]
    assert (row["head_seq"], row["head_hash"]) == (3, document["records"][-1]["hash"])


@pytest.mark.parametrize(
    ("seqs", "head"),
    [
        ([1, 2, 3], ([[1, 3]], 3)),
        ([4, 5, 9, 10, 12], ([[4, 5], [9, 10], [12, 12]], 12)),
        ([], None),
        ([2, 1], None),
        ([1, 1], None),
        ([0, 1], None),
        ([1, 2**63], None),
    ],
)
def test_the_seqs_a_file_signature_covers(seqs: list[int], head: Any) -> None:
    device = str(uuid.uuid4())
    raws = [{"device_id": device, "seq": seq, "hash": f"{seq:064x}"} for seq in seqs]
    found = file_head(device, raws)
    if head is None:
        assert found is None
    else:
        assert found == (head[0], head[1], f"{head[1]:064x}")


def test_a_file_naming_another_device_or_no_hash_covers_nothing() -> None:
    device, other = str(uuid.uuid4()), str(uuid.uuid4())
    good = {"device_id": device, "seq": 1, "hash": "a" * 64}
    assert file_head(device, [good]) is not None
    assert file_head(device, [good, {**good, "seq": 2, "device_id": other}]) is None
    assert file_head(device, [good, "not a record"]) is None
    assert file_head(device, [{**good, "hash": "A" * 64}]) is None


# -- revision 0007 on a database with kiosks ----------------------------------------------------


def test_the_upgrade_from_0006_starts_the_history_from_each_kiosks_key(engine: Engine) -> None:
    """Kiosks of every status, made at 0006: those holding a device and a key get it as their
    'migration' key, in force from their last enrollment (an offline entry: its creation)."""
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0006")
        assert database_revision(conn) == "0006"
    made = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    rows = [  # name, status, device id, holds a key, enrolled_at
        ("active-1", "active", str(uuid.uuid4()), True, made + timedelta(days=1)),
        ("revoked-1", "revoked", str(uuid.uuid4()), True, made + timedelta(days=2)),
        ("gave-up", "revoked", None, True, made + timedelta(days=3)),
        ("offline-1", "offline", str(uuid.uuid4()), True, None),
        ("offline-2", "offline", str(uuid.uuid4()), False, None),
        ("pending-1", "pending", None, False, None),
        ("web-open@tbilisi", "web", str(uuid.uuid4()), True, None),
    ]
    with engine.begin() as conn:
        for name, status, device, has_key, enrolled_at in rows:
            key = public_key_b64(Ed25519PrivateKey.generate()) if has_key else None
            conn.execute(
                insert(kiosks).values(
                    name=name, center_id=CENTER, status=status, device_id=device,
                    public_key=key, created_at=made, enrolled_at=enrolled_at,
                )
            )  # fmt: skip
        offline_id = conn.execute(
            select(kiosks.c.id).where(kiosks.c.name == "offline-1")
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO imports (file_name, records_sha256, device_id, kiosk_id, "
                "file_center_id, exported_at, imported_at, record_count, stored, duplicate, "
                "rejected) VALUES ('old.json', :sha, :device, :kiosk, 'tbilisi', "
                "'2026-01-05T09:00:00.000000Z', :at, 0, 0, 0, 0)"
            ),
            {"sha": "0" * 64, "device": rows[3][2], "kiosk": offline_id, "at": made},
        )
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0007")
        held = {row.id: row for row in conn.execute(select(kiosks))}
        found = conn.execute(select(kiosk_keys)).mappings().all()
        old_import = conn.execute(select(imports)).mappings().one()
    by_kiosk = {held[row["kiosk_id"]].name: row for row in found}
    assert set(by_kiosk) == {"active-1", "revoked-1", "offline-1"}
    for row in found:
        kiosk = held[row["kiosk_id"]]
        since = kiosk.enrolled_at or kiosk.created_at
        assert (row["device_id"], row["public_key"], row["valid_from"]) == (
            kiosk.device_id, kiosk.public_key, since,
        )  # fmt: skip
        assert (row["reason"], row["valid_until"], row["ended_by"]) == ("migration", None, None)
    assert [old_import[c] for c in ("public_key", "signature", "seqs", "head_seq")] == [None] * 4
