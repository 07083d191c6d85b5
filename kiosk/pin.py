"""The staff PIN: stored only as a salted scrypt hash, with lock-outs that grow after wrong
guesses, so a citizen cannot guess their way into the admin panel.

The failure count and the lock-out end are kept in the kiosk database (``meta``), so turning
the tablet off and on does not reset them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
MIN_DIGITS = 6
FREE_ATTEMPTS = 3
"""Wrong PINs allowed before the first lock-out."""
FIRST_LOCKOUT_S = 30.0
MAX_LOCKOUT_S = 15 * 60.0


class PinError(ValueError):
    """A PIN that cannot be set (too short, not digits, not repeated the same)."""


class MetaStore(Protocol):
    def get_meta(self, key: str, default: str | None = None) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...


def validate_new_pin(pin: str, repeated: str) -> None:
    if not pin.isdigit() or not pin.isascii():
        raise PinError("The PIN must be digits only.")
    if len(pin) < MIN_DIGITS:
        raise PinError(f"The PIN must have at least {MIN_DIGITS} digits.")
    if len(set(pin)) == 1 or pin in "01234567890" or pin in "09876543210":
        raise PinError("The PIN is too easy to guess.")
    if pin != repeated:
        raise PinError("The two PINs are not the same.")


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    encode = base64.b64encode
    return (
        f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(digest).decode()}"
    )


def pin_matches(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        actual = hashlib.scrypt(
            pin.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class Attempt:
    ok: bool
    locked_for_s: float = 0.0
    """How long PIN entry is now refused (0 when not locked)."""
    failures: int = 0


class PinGuard:
    """Checks PINs against the stored hash and enforces growing lock-outs."""

    HASH_KEY = "admin_pin"
    FAILURES_KEY = "admin_pin_failures"
    LOCKED_UNTIL_KEY = "admin_pin_locked_until"

    def __init__(self, store: MetaStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    def is_set(self) -> bool:
        return bool(self.store.get_meta(self.HASH_KEY))

    def set_pin(self, pin: str, repeated: str) -> None:
        validate_new_pin(pin, repeated)
        self.store.set_meta(self.HASH_KEY, hash_pin(pin))
        self._reset()

    def set_hash(self, hashed: str) -> None:
        """Keep a new PIN's hash made elsewhere: :func:`hash_pin` is slow on purpose, so the UI
        checks the PIN with :func:`validate_new_pin` and hashes it off the GUI thread."""
        if not hashed.startswith("scrypt$"):
            raise ValueError("not a PIN hash")
        self.store.set_meta(self.HASH_KEY, hashed)
        self._reset()

    def locked_for(self) -> float:
        until = float(self.store.get_meta(self.LOCKED_UNTIL_KEY, "0") or 0)
        return max(0.0, until - self.clock())

    def failures(self) -> int:
        return int(self.store.get_meta(self.FAILURES_KEY, "0") or 0)

    def stored_hash(self) -> str | None:
        return self.store.get_meta(self.HASH_KEY)

    def check(self, pin: str) -> Attempt:
        """Try a PIN. While locked, no PIN is even compared."""
        locked = self.locked_for()
        if locked > 0:
            return Attempt(ok=False, locked_for_s=locked, failures=self.failures())
        stored = self.stored_hash()
        return self.record(bool(stored) and pin_matches(pin, stored or ""))

    def record(self, ok: bool) -> Attempt:
        """Count the outcome of a comparison made elsewhere (the slow hash runs off the GUI
        thread); wrong PINs add up to lock-outs, a right one clears them."""
        if ok:
            self._reset()
            return Attempt(ok=True)
        failures = self.failures() + 1
        self.store.set_meta(self.FAILURES_KEY, str(failures))
        lockout = lockout_after(failures)
        if lockout:
            self.store.set_meta(self.LOCKED_UNTIL_KEY, str(self.clock() + lockout))
        return Attempt(ok=False, locked_for_s=lockout, failures=failures)

    def _reset(self) -> None:
        self.store.set_meta(self.FAILURES_KEY, "0")
        self.store.set_meta(self.LOCKED_UNTIL_KEY, "0")


def lockout_after(failures: int) -> float:
    """0 for the first free attempts, then 30 s, 60 s, 120 s … up to 15 minutes."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    return min(MAX_LOCKOUT_S, FIRST_LOCKOUT_S * 2 ** (failures - FREE_ATTEMPTS))
