"""The kiosk's enrollment state, and which key an enrollment binds on the server.

The device key itself lives in the tablet core (:mod:`kiosk.keys`): every kiosk has one from
its first start, enrolled or not, and signs its export files with it. Enrolling a kiosk that
was never enrolled binds that same key, so a server that already imported its files knows it.
Re-enrolling an enrolled kiosk makes a fresh key, kept *pending* until the server has accepted
it, so the current key stays in use until then and a retried enrollment sends the same key.

The enrollment file is kept next to the key, not in the ratings database, so staff can still
see where the kiosk belongs when the database is damaged. Every write goes to a temporary file
that is flushed and then renamed over the old one, so a power cut leaves either the old or the
new content, never half a file.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.files import atomic_write, fsync_dir
from kiosk.keys import (
    KEY_FILE,
    PENDING_KEY_FILE,
    CredentialsError,
    generate_key,
    read_private_key,
    save_private_key,
)

log = logging.getLogger("sync.keys")

ENROLLMENT_FILE = "enrollment.json"
DB_FILE = "kiosk.db"
"""The ratings database inside the data directory."""


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
        """The key to enroll with.

        A kiosk never enrolled enrolls with its device key (:func:`kiosk.keys.device_key`),
        the one its export files are signed with. Otherwise, or when it has no usable device
        key yet, the key is a pending one, made once and reused by a retried enrollment;
        :meth:`commit_enrollment` makes it the kiosk's key once the server has accepted it,
        so an enrolled kiosk keeps signing with its current key until then.
        """
        if self.key_path.exists() and not self._enrolled():
            try:
                key = read_private_key(self.key_path)
            except CredentialsError:
                log.warning("device key %s is unusable; enrolling with a new one", self.key_path)
            else:
                # A pending key left from an earlier attempt must not replace it on commit.
                if self.pending_key_path.exists():
                    self.pending_key_path.unlink(missing_ok=True)
                    fsync_dir(self.data_dir)
                return key
        if self.pending_key_path.exists():
            try:
                return read_private_key(self.pending_key_path)
            except CredentialsError:
                log.warning("pending key %s is unusable; making a new one", self.pending_key_path)
        key = generate_key()
        save_private_key(self.pending_key_path, key)
        return key

    def _enrolled(self) -> bool:
        """True when an enrollment was saved (a damaged enrollment file counts as one)."""
        try:
            return self.enrollment() is not None
        except CredentialsError:
            return True

    def commit_enrollment(self, enrollment: Enrollment) -> None:
        """Make the pending key the kiosk's key and save the enrollment (key first)."""
        if self.pending_key_path.exists():
            os.replace(self.pending_key_path, self.key_path)
            fsync_dir(self.data_dir)
        atomic_write(self.enrollment_path, enrollment.to_json(), mode=0o600)
