"""The device key: every kiosk has one from its first start, private, and never replaced."""

from __future__ import annotations

import os
import stat

import pytest

from common import protocol
from kiosk.keys import (
    KEY_FILE,
    PENDING_KEY_FILE,
    CredentialsError,
    device_key,
    ensure_device_key,
    generate_key,
    save_private_key,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def public(key) -> str:
    return protocol.public_key_b64(key)


@posix_only
def test_the_device_key_is_made_once_readable_only_by_its_user(tmp_path):
    key = device_key(tmp_path)
    path = tmp_path / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public(device_key(tmp_path)) == public(key)
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY_FILE]  # no temporary files left


def test_an_existing_key_is_kept(tmp_path):
    existing = generate_key()
    save_private_key(tmp_path / KEY_FILE, existing)
    assert public(device_key(tmp_path)) == public(existing)


def test_a_pending_key_of_a_first_enrollment_becomes_the_device_key(tmp_path):
    # A kiosk that started enrolling before it had a device key already sent this key.
    pending = generate_key()
    save_private_key(tmp_path / PENDING_KEY_FILE, pending)
    assert public(device_key(tmp_path)) == public(pending)
    assert public(device_key(tmp_path)) == public(pending)


def test_a_damaged_device_key_is_reported_not_replaced(tmp_path):
    path = tmp_path / KEY_FILE
    path.write_bytes(b"not a key")
    with pytest.raises(CredentialsError, match="damaged"):
        device_key(tmp_path)
    assert path.read_bytes() == b"not a key"


def test_start_up_makes_the_key_and_survives_a_damaged_one(tmp_path, caplog):
    ensure_device_key(tmp_path)
    assert (tmp_path / KEY_FILE).exists()
    (tmp_path / KEY_FILE).write_bytes(b"not a key")
    ensure_device_key(tmp_path)  # logged, not raised: the kiosk still starts
    assert "no usable device key" in caplog.text
