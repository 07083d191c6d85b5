"""The kiosk key and enrollment files: private, atomic, and clear about damage."""

from __future__ import annotations

import os
import stat

import pytest

from common import protocol
from kiosk.files import atomic_write
from kiosk.keys import (
    CredentialsError,
    device_key,
    generate_key,
    read_private_key,
    save_private_key,
)
from sync.keys import Enrollment, KioskFiles

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@posix_only
def test_private_key_is_written_readable_only_by_its_user(tmp_path):
    key = generate_key()
    path = tmp_path / "kiosk_key.pem"
    save_private_key(path, key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = read_private_key(path)
    assert protocol.public_key_b64(loaded) == protocol.public_key_b64(key)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@posix_only
def test_a_key_left_readable_by_others_is_restricted_on_load(tmp_path):
    path = tmp_path / "kiosk_key.pem"
    save_private_key(path, generate_key())
    path.chmod(0o644)
    read_private_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_atomic_write_replaces_the_whole_file(tmp_path):
    path = tmp_path / "state.json"
    atomic_write(path, b"old")
    atomic_write(path, b"new content")
    assert path.read_bytes() == b"new content"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "missing"),
        (b"not a key", "damaged"),
    ],
)
def test_missing_or_damaged_key_is_a_clear_error(tmp_path, content, words):
    path = tmp_path / "kiosk_key.pem"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CredentialsError, match=words):
        read_private_key(path)


def test_enrollment_round_trips_and_damage_is_reported(tmp_path):
    files = KioskFiles(tmp_path)
    assert files.enrollment() is None
    enrollment = Enrollment(
        server_url="https://sync.example.ge",
        device_id="d-1",
        center_id="central-service-hall",
        kiosk_name="ფოიე",
        enrolled_at="2026-03-14T09:30:00Z",
        ca_bundle="/etc/ukuk/ca.pem",
    )
    files.commit_enrollment(enrollment)
    assert files.enrollment() == enrollment
    files.enrollment_path.write_text("{ half")
    with pytest.raises(CredentialsError, match="damaged"):
        files.enrollment()


def test_a_retried_enrollment_reuses_the_key_it_already_sent(tmp_path):
    files = KioskFiles(tmp_path)
    first = files.key_for_enrollment()
    again = files.key_for_enrollment()
    assert protocol.public_key_b64(first) == protocol.public_key_b64(again)
    assert not files.key_path.exists()
    files.commit_enrollment(Enrollment("http://127.0.0.1:1", "d", "c", "k", "2026-03-14T09:30:00Z"))
    assert not files.pending_key_path.exists()
    assert protocol.public_key_b64(files.private_key()) == protocol.public_key_b64(first)
    # A later re-enrollment makes a fresh key and leaves the current one in use until it works.
    fresh = files.key_for_enrollment()
    assert protocol.public_key_b64(fresh) != protocol.public_key_b64(first)
    assert protocol.public_key_b64(files.private_key()) == protocol.public_key_b64(first)


def test_a_kiosk_never_enrolled_enrolls_with_its_device_key(tmp_path):
    key = device_key(tmp_path)  # made at first start; its export files are signed with it
    files = KioskFiles(tmp_path)
    sent = files.key_for_enrollment()
    assert protocol.public_key_b64(sent) == protocol.public_key_b64(key)
    assert not files.pending_key_path.exists()
    # The answer was lost (or the kiosk crashed) before saving: the retry sends the same key.
    assert protocol.public_key_b64(files.key_for_enrollment()) == protocol.public_key_b64(key)
    files.commit_enrollment(Enrollment("http://127.0.0.1:1", "d", "c", "k", "2026-03-14T09:30:00Z"))
    assert protocol.public_key_b64(files.private_key()) == protocol.public_key_b64(key)
    assert protocol.public_key_b64(device_key(tmp_path)) == protocol.public_key_b64(key)


def test_a_stale_pending_key_does_not_replace_the_device_key_on_commit(tmp_path):
    key = device_key(tmp_path)
    files = KioskFiles(tmp_path)
    save_private_key(files.pending_key_path, generate_key())
    sent = files.key_for_enrollment()
    assert protocol.public_key_b64(sent) == protocol.public_key_b64(key)
    files.commit_enrollment(Enrollment("http://127.0.0.1:1", "d", "c", "k", "2026-03-14T09:30:00Z"))
    assert protocol.public_key_b64(files.private_key()) == protocol.public_key_b64(key)


def test_a_first_enrollment_begun_before_the_device_key_existed_keeps_its_key(tmp_path):
    files = KioskFiles(tmp_path)
    sent = files.key_for_enrollment()  # no device key yet: a pending key, as before
    assert protocol.public_key_b64(device_key(tmp_path)) == protocol.public_key_b64(sent)
    assert protocol.public_key_b64(files.key_for_enrollment()) == protocol.public_key_b64(sent)
    files.commit_enrollment(Enrollment("http://127.0.0.1:1", "d", "c", "k", "2026-03-14T09:30:00Z"))
    assert protocol.public_key_b64(files.private_key()) == protocol.public_key_b64(sent)
