"""The kiosk's signing key and enrollment state, kept as small files in the data directory.

Why files and not the ratings database: the private key must be readable only by the kiosk's
user (mode 0600) and never leave the tablet, and both files must survive a damaged database
so staff can still see where the kiosk belongs. Every write goes to a temporary file that is
flushed and then renamed over the old one, so a power cut leaves either the old or the new
content, never half a key.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.files import atomic_write, fsync_dir

log = logging.getLogger("sync.keys")

KEY_FILE = "kiosk_key.pem"
PENDING_KEY_FILE = "kiosk_key.pending.pem"
"""Key made for an enrollment that has not been confirmed yet; reused if it is retried."""
ENROLLMENT_FILE = "enrollment.json"
DB_FILE = "kiosk.db"
"""The ratings database inside the data directory."""


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


@dataclass(frozen=True)
class Enrollment:
    """Where this kiosk sends its ratings and who the server says it is."""

    server_url: str
    device_id: str
    center_id: str
    kiosk_name: str
    enrolled_at: str
    ca_bundle: str | None = None

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False).encode("utf-8") + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> Enrollment:
        values = json.loads(data.decode("utf-8"))
        if not isinstance(values, dict):
            raise ValueError("enrollment file is not a JSON object")
        return cls(
            server_url=str(values["server_url"]),
            device_id=str(values["device_id"]),
            center_id=str(values["center_id"]),
            kiosk_name=str(values["kiosk_name"]),
            enrolled_at=str(values["enrolled_at"]),
            ca_bundle=values.get("ca_bundle"),
        )


class KioskFiles:
    """Paths and loaders for the sync files of one data directory."""

    def __init__(self, data_dir: Path | str) -> None:
        self.data_dir = Path(data_dir)

    @property
    def key_path(self) -> Path:
        return self.data_dir / KEY_FILE

    @property
    def pending_key_path(self) -> Path:
        return self.data_dir / PENDING_KEY_FILE

    @property
    def enrollment_path(self) -> Path:
        return self.data_dir / ENROLLMENT_FILE

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILE

    def enrollment(self) -> Enrollment | None:
        """The saved enrollment, or None if this kiosk was never enrolled."""
        try:
            data = self.enrollment_path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CredentialsError(
                f"{self.enrollment_path} cannot be read: {exc.strerror}"
            ) from exc
        try:
            return Enrollment.from_json(data)
        except (ValueError, KeyError, UnicodeDecodeError) as exc:
            raise CredentialsError(
                f"{self.enrollment_path} is damaged; enroll the kiosk again."
            ) from exc

    def private_key(self) -> Ed25519PrivateKey:
        return read_private_key(self.key_path)

    def key_for_enrollment(self) -> Ed25519PrivateKey:
        """The key to enroll with: a retried enrollment reuses the key it already sent."""
        if self.pending_key_path.exists():
            try:
                return read_private_key(self.pending_key_path)
            except CredentialsError:
                log.warning("pending key %s is unusable; making a new one", self.pending_key_path)
        key = generate_key()
        save_private_key(self.pending_key_path, key)
        return key

    def commit_enrollment(self, enrollment: Enrollment) -> None:
        """Make the pending key the kiosk's key and save the enrollment (key first)."""
        if self.pending_key_path.exists():
            os.replace(self.pending_key_path, self.key_path)
            fsync_dir(self.data_dir)
        atomic_write(self.enrollment_path, enrollment.to_json(), mode=0o600)
