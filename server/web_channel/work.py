"""Proof of work for the open channel when its rate limits trip (the ``altcha`` package, its
v1 scheme, solved by our own small script: no third-party service or widget).

A challenge is ``SHA-256(salt + number)`` for a secret number below ``pow_max_number``, signed
with HMAC-SHA256 under the server's proof-of-work key; the browser tries numbers until the
hash matches and sends ``base64(JSON{algorithm, challenge, number, salt, signature})`` in the
form field ``altcha``. The salt starts with the form token's nonce and carries an expiry, so a
solution is good for one answer only, for ten minutes.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from altcha.v1 import (
    ChallengeOptions,
    PayloadType,
    create_challenge,
    extract_params,
    verify_solution,
)

LIFETIME = timedelta(minutes=10)
FIELD = "altcha"


@dataclass(frozen=True)
class Challenge:
    algorithm: str
    challenge: str
    max_number: int
    salt: str
    signature: str


def make_challenge(key: bytes, nonce: str, max_number: int, now: datetime) -> Challenge:
    options = ChallengeOptions(
        hmac_key=key.hex(),
        max_number=max_number,
        salt=f"{nonce}.{secrets.token_hex(6)}",
        expires=now + LIFETIME,
    )
    made = create_challenge(options)
    return Challenge(made.algorithm, made.challenge, made.max_number, made.salt, made.signature)


def solved(key: bytes, payload: str, nonce: str) -> bool:
    """Whether ``payload`` solves a challenge this server made for this nonce, in time."""
    if not payload or len(payload) > 2000:
        return False
    try:
        data = cast(PayloadType, json.loads(base64.b64decode(payload, validate=True)))
        if not isinstance(data, dict) or not str(data.get("salt", "")).startswith(f"{nonce}."):
            return False
        if not extract_params(data).get("expires"):
            return False  # a challenge without an expiry is not one of ours
        good, _error = verify_solution(data, key.hex(), check_expires=True)
    except (ValueError, TypeError, KeyError, binascii.Error):
        return False
    return bool(good)
