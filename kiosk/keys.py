"""The kiosk's Ed25519 device key, kept as a small file in the data directory.

Every kiosk has its own key from its first start, enrolled or not: it signs the export files
of a kiosk without network (``docs/export.md``) and, once the kiosk is enrolled, its sync
requests. Enrolling binds this same key on the server (``sync.keys``), so the files a kiosk
exported before it ever had a network and its later uploads come from one identity.

Why a file and not the ratings database: the private key must be readable only by the kiosk's
user (mode 0600) and never leave the tablet, and it must survive a damaged database. Every
write goes to a temporary file that is flushed and then renamed (or linked) into place, so a
power cut leaves either no key or a whole one, never half a key.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.files import atomic_write, fsync_dir

log = logging.getLogger("kiosk.keys")

KEY_FILE = "kiosk_key.pem"
"""The device key: made at first start, or by a first enrollment if that came first."""
PENDING_KEY_FILE = "kiosk_key.pending.pem"
"""Key made for an enrollment that has not been confirmed yet; reused if it is retried."""


class CredentialsError(Exception):
    """The key or enrollment file is missing, unreadable or damaged; the message says which."""


def generate_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _key_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def save_private_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Write ``key`` to ``path`` (mode 0600), replacing whatever was there."""
    atomic_write(path, _key_bytes(key), mode=0o600)


def read_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise CredentialsError(f"The kiosk key {path} is missing; enroll the kiosk again.") from exc
    except OSError as exc:
        raise CredentialsError(f"The kiosk key {path} cannot be read: {exc.strerror}") from exc
    if os.name == "posix":
        loose = Path(path).stat().st_mode & 0o077
        if loose:
            log.warning("kiosk key %s was readable by others; restricting it to 0600", path)
            with contextlib.suppress(OSError):
                os.chmod(path, 0o600)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise CredentialsError(f"The kiosk key {path} is damaged; enroll the kiosk again.") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CredentialsError(
            f"The kiosk key {path} is not an Ed25519 key; enroll the kiosk again."
        )
    return key


def device_key(data_dir: Path | str) -> Ed25519PrivateKey:
    """The kiosk's device key in ``data_dir``, made (mode 0600) when there is none yet.

    A kiosk whose first enrollment started before it had a device key made that key as the
    pending one; it becomes the device key, so the key the server may already hold is kept.
    Two processes making the key at the same moment end up with the same one: the file is
    only ever created, never replaced, here. :class:`CredentialsError` when the key file
    exists but cannot be used (it is never silently replaced: the server may know it).
    """
    directory = Path(data_dir)
    path = directory / KEY_FILE
    if path.exists():
        return read_private_key(path)
    key: Ed25519PrivateKey | None = None
    pending = directory / PENDING_KEY_FILE
    if pending.exists():
        try:
            key = read_private_key(pending)
        except CredentialsError:
            log.warning("pending key %s is unusable; making a new device key", pending)
    if key is None:
        key = generate_key()
    if _create(path, _key_bytes(key)):
        log.info("device key %s made", path)
        return key
    return read_private_key(path)  # another process made it first: that one is the key


def ensure_device_key(data_dir: Path | str) -> None:
    """Make the device key at start-up when there is none, so it exists from the first start.

    Never fatal: a key file that cannot be used is logged, and the export (or the sync) that
    needs the key reports it to staff.
    """
    try:
        device_key(data_dir)
    except (CredentialsError, OSError) as exc:
        log.error("no usable device key: %s", exc)


def _create(path: Path, data: bytes) -> bool:
    """Put ``data`` at ``path`` (0600) unless a file is already there; True if it was put.

    The bytes go to a flushed temporary file first, which is then hard-linked to ``path``:
    linking fails when ``path`` exists, so nothing there is ever overwritten.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:  # mkstemp made it 0600
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    fsync_dir(path.parent)
    return True
