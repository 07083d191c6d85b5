"""The staff PIN: stored only as a salted scrypt hash, with lock-outs that grow after wrong
guesses, so a citizen cannot guess their way into the admin panel.

A lock-out is timed by a monotonic clock, never the wall clock: setting the tablet's date back
must not lock staff out for a day, nor setting it forward let a guesser in. What the database
keeps (``meta``) is the failure count and the lock-out time *remaining*, saved when the lock
starts and again every few seconds while it runs (:meth:`PinGuard.checkpoint`), so a restart
or a power cut resumes the lock-out where it was (a little longer at worst, never shorter),
and never beyond the 15-minute cap.

The guard keeps its state in memory and only hands writes to the store, so with the app's
database (``kiosk.database``) checking a PIN never waits for the disk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
MIN_DIGITS = 6
FREE_ATTEMPTS = 3
"""Wrong PINs allowed before the first lock-out."""
FIRST_LOCKOUT_S = 30.0
MAX_LOCKOUT_S = 15 * 60.0

T = TypeVar("T", int, float)


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
    # Imported here: the kiosk reads its PIN state at start, but hashes only when staff come.
    import base64
    import hashlib
    import secrets

    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    encode = base64.b64encode
    return (
        f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(digest).decode()}"
    )


def pin_matches(pin: str, stored: str) -> bool:
    import base64
    import hashlib
    import hmac

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
    REMAINING_KEY = "admin_pin_lock_remaining_s"
    LOCKED_UNTIL_KEY = "admin_pin_locked_until"
    """Older versions kept the lock-out's end by the wall clock; read once, then cleared."""
    CHECKPOINT_S = 10.0
    """How often (at most) a running lock-out's remaining time is saved."""

    def __init__(self, store: MetaStore, clock: Callable[[], float] = time.monotonic) -> None:
        """``clock``: monotonic seconds (any origin); the state is read from ``store`` once."""
        self.store = store
        self.clock = clock
        self._hash = store.get_meta(self.HASH_KEY) or None
        self._failures = _number(store.get_meta(self.FAILURES_KEY), 0)
        remaining = _number(store.get_meta(self.REMAINING_KEY), 0.0)
        legacy = _number(store.get_meta(self.LOCKED_UNTIL_KEY), 0.0)
        if legacy:
            remaining = max(remaining, legacy - time.time())
        remaining = min(max(remaining, 0.0), MAX_LOCKOUT_S)
        self._until = self.clock() + remaining
        self._saved_at = self.clock()
        self._saved = remaining
        if legacy:
            store.set_meta(self.LOCKED_UNTIL_KEY, "0")
            self._save_remaining(remaining)

    def is_set(self) -> bool:
        return bool(self._hash)

    def set_pin(self, pin: str, repeated: str) -> None:
        validate_new_pin(pin, repeated)
        self._keep_hash(hash_pin(pin))

    def set_hash(self, hashed: str) -> None:
        """Keep a new PIN's hash made elsewhere: :func:`hash_pin` is slow on purpose, so the UI
        checks the PIN with :func:`validate_new_pin` and hashes it off the GUI thread."""
        if not hashed.startswith("scrypt$"):
            raise ValueError("not a PIN hash")
        self._keep_hash(hashed)

    def _keep_hash(self, hashed: str) -> None:
        self._hash = hashed
        self.store.set_meta(self.HASH_KEY, hashed)
        self._reset()

    def locked_for(self) -> float:
        """Seconds until PINs are compared again (0 when not locked)."""
        return min(MAX_LOCKOUT_S, max(0.0, self._until - self.clock()))

    def failures(self) -> int:
        return self._failures

    def stored_hash(self) -> str | None:
        return self._hash

    def check(self, pin: str) -> Attempt:
        """Try a PIN. While locked, no PIN is even compared."""
        locked = self.locked_for()
        if locked > 0:
            return Attempt(ok=False, locked_for_s=locked, failures=self._failures)
        stored = self.stored_hash()
        return self.record(bool(stored) and pin_matches(pin, stored or ""))

    def record(self, ok: bool) -> Attempt:
        """Count the outcome of a comparison made elsewhere (the slow hash runs off the GUI
        thread); wrong PINs add up to lock-outs, a right one clears them."""
        if ok:
            self._reset()
            return Attempt(ok=True)
        self._failures += 1
        self.store.set_meta(self.FAILURES_KEY, str(self._failures))
        lockout = lockout_after(self._failures)
        if lockout:
            self._until = self.clock() + lockout
            self._save_remaining(lockout)
        return Attempt(ok=False, locked_for_s=lockout, failures=self._failures)

    def checkpoint(self) -> None:
        """Save the remaining lock-out time if it moved on since it was last saved; the app
        calls this every few seconds, so a restart resumes the lock-out where it was."""
        remaining = self.locked_for()
        if remaining == self._saved:
            return
        if remaining == 0 or self.clock() - self._saved_at >= self.CHECKPOINT_S:
            self._save_remaining(remaining)

    def _save_remaining(self, remaining: float) -> None:
        self._saved = remaining
        self._saved_at = self.clock()
        self.store.set_meta(self.REMAINING_KEY, f"{remaining:.1f}")

    def _reset(self) -> None:
        self._failures = 0
        self._until = self.clock()
        self.store.set_meta(self.FAILURES_KEY, "0")
        self._save_remaining(0.0)


def _number(text: str | None, default: T) -> T:
    """A number kept as text in ``meta``; the default for a missing or damaged one."""
    try:
        value = type(default)(text or default)
    except (TypeError, ValueError):
        return default
    if isinstance(value, float) and value != value:  # NaN
        return default
    return value


def lockout_after(failures: int) -> float:
    """0 for the first free attempts, then 30 s, 60 s, 120 s … up to 15 minutes."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    return min(MAX_LOCKOUT_S, FIRST_LOCKOUT_S * 2 ** (failures - FREE_ATTEMPTS))
