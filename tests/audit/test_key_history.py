"""A kiosk enrolled again with a new key: each of its signed heads is checked with the key in
force when the server received it, on both backends; a history that was changed is caught;
a database upgraded from before the history was kept warns about what it cannot check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.protocol import STORED, public_key_b64
from server.audit_export import write_audit_export
from server.db import alembic_config
from server.enrollment import reenroll_kiosk
from tests.audit.conftest import HALL, Chain, Exported, Town, verifier
from tests.audit.test_tampering import Unpacked
from tests.server.live import BACKENDS


def enrolled_twice(town: Town) -> Chain:
    """Two ratings sent with the first key, the kiosk enrolled again, one more sent."""
    kiosk = town.kiosk(HALL)
    kiosk.rating(4, "2026-01-10")
    kiosk.rating(2, "2026-01-11")
    assert kiosk.send() == [STORED, STORED]
    code = reenroll_kiosk(town.engine, str(kiosk.kiosk.name)).code
    kiosk.kiosk.new_key()
    assert kiosk.kiosk.enroll(code).status_code == 201
    kiosk.rating(5, "2026-02-01")
    assert kiosk.send() == [STORED]
    return kiosk


@pytest.mark.parametrize("town", BACKENDS, indirect=True)
def test_each_head_is_checked_with_the_key_in_force_when_it_arrived(
    town: Town, tmp_path: Path
) -> None:
    kiosk = enrolled_twice(town)
    path = tmp_path / "audit.zip"
    write_audit_export(town.engine, path)
    report = verifier().verify(path)
    assert report.exit_status == 0, verifier().render(report, "en")
    assert not [f for f in report.findings() if f.level == "warning"]
    (ok,) = [f for f in report.findings() if f.message == "device_ok"]
    assert ok.values["heads"] == 2

    export = Unpacked.of(Exported(path, {"k": kiosk.device_id}))
    entry = export.device("k")
    assert [k["reason"] for k in entry["keys"]] == ["enrollment", "reenrollment"]
    assert entry["keys"][1]["public_key"] == public_key_b64(kiosk.kiosk.key)

    entry["keys"][0]["public_key"] = public_key_b64(Ed25519PrivateKey.generate())
    export.set_device(entry)
    export.reseal()
    assert problems(export.write(tmp_path / "other-key.zip")) == {"head_bad_signature"}

    export = Unpacked.of(Exported(path, {"k": kiosk.device_id}))
    heads = export.lines(export.heads("k"))
    heads[0]["received_at"] = heads[1]["received_at"]  # under the second key
    export.set_lines(export.heads("k"), heads)
    export.reseal()
    assert problems(export.write(tmp_path / "moved.zip")) == {"head_bad_signature"}


@pytest.mark.parametrize("town", BACKENDS, indirect=True)
def test_a_database_upgraded_from_before_the_history_warns_of_older_heads(
    town: Town, tmp_path: Path
) -> None:
    """Made before revision 0007 (kept only the newest key): the first head, signed with the
    key the kiosk had before, cannot be checked; the later head vouches for every record."""
    kiosk = enrolled_twice(town)
    with town.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0006")
        command.upgrade(alembic_config(conn), "0007")
    path = tmp_path / "audit.zip"
    write_audit_export(town.engine, path)
    devices = json.loads(Unpacked.of(Exported(path, {})).files["devices.json"])
    (key,) = devices[0]["keys"]
    assert (key["reason"], key["public_key"]) == ("migration", public_key_b64(kiosk.kiosk.key))

    report = verifier().verify(path)
    assert report.exit_status == 0, verifier().render(report, "en")
    warnings = [(f.message, f.values["seq"]) for f in report.findings() if f.level == "warning"]
    assert warnings == [("head_before_keys", 2)]
    (ok,) = [f for f in report.findings() if f.message == "device_ok"]
    assert ok.values["heads"] == 1


def problems(path: Path) -> set[str]:
    report = verifier().verify(path)
    return {f.message for f in report.findings() if f.level == "problem"}
