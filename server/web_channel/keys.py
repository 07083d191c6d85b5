"""Secrets every server process shares, kept in ``server_keys`` and made on first need.

Several uvicorn workers (or servers on one database) must sign, hash and check with the same
keys, so a key is never made per process: the first process to need it inserts a random
value with ``INSERT … ON CONFLICT DO NOTHING`` and every process then reads back whichever
value won. Keys never change once made, so each process caches them.
"""

from __future__ import annotations

import base64
import secrets
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import Engine, select

from common.protocol import public_key_b64
from server.db import insert_ignore, server_keys, utc_now

SIGNING_KEY = "web-signing-ed25519"
"""The Ed25519 private key (raw 32 bytes, base64) that signs the web chains' heads."""
CODE_KEY = "web-code-hmac"
"""HMAC-SHA256 key (32 random bytes, hex) for the one-time codes."""
FORM_KEY = "web-form-token"
"""itsdangerous key (32 random bytes, hex) for the form tokens."""
POW_KEY = "web-pow-hmac"
"""HMAC key (32 random bytes, hex) for the proof-of-work challenges."""

_cache: weakref.WeakKeyDictionary[Engine, dict[str, str]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _random_hex() -> str:
    return secrets.token_hex(32)


def _new_signing_key() -> str:
    raw = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    return base64.b64encode(raw).decode("ascii")


MAKERS: dict[str, Callable[[], str]] = {
    SIGNING_KEY: _new_signing_key,
    CODE_KEY: _random_hex,
    FORM_KEY: _random_hex,
    POW_KEY: _random_hex,
}


def key(engine: Engine, name: str) -> str:
    """The stored value of key ``name``, made (once, by whichever process is first) if needed."""
    with _lock:
        known = _cache.setdefault(engine, {})
        if name in known:
            return known[name]
    make = MAKERS[name]
    with engine.begin() as conn:
        conn.execute(
            insert_ignore(server_keys, conn.dialect.name).values(
                name=name, value=make(), created_at=utc_now()
            )
        )
        stored = select(server_keys.c.value).where(server_keys.c.name == name)
        value = str(conn.execute(stored).scalar_one())
    with _lock:
        _cache.setdefault(engine, {})[name] = value
    return value


def secret_bytes(engine: Engine, name: str) -> bytes:
    """A hex key as bytes (the code, form and proof-of-work keys)."""
    return bytes.fromhex(key(engine, name))


def signing_key(engine: Engine) -> Ed25519PrivateKey:
    """The web chains' signing key."""
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(key(engine, SIGNING_KEY)))


@dataclass(frozen=True)
class WebKeys:
    """Every key of the web channel, read once before any transaction that needs one (a key
    made inside another transaction would wait for it on SQLite)."""

    form: bytes
    code: bytes
    pow: bytes
    signing: Ed25519PrivateKey
    public_key: str
    """The signing key's public half, base64, as kept on the web chains' ``kiosks`` rows."""


def web_keys(engine: Engine) -> WebKeys:
    private = signing_key(engine)
    return WebKeys(
        form=secret_bytes(engine, FORM_KEY),
        code=secret_bytes(engine, CODE_KEY),
        pow=secret_bytes(engine, POW_KEY),
        signing=private,
        public_key=public_key_b64(private),
    )
