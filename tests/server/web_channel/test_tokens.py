"""Form tokens: signed, expiring, for one step, and a chain of nonces that lets each step of
an answer count once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import zlib

import pytest

from common.records import Channel
from server.web_channel.tokens import FormToken, TokenError, Tokens

KEY = bytes(range(32))


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tokens(clock: Clock) -> Tokens:
    return Tokens(KEY, max_age_s=7200, clock=clock)


def test_a_token_comes_back_as_it_was_made(tokens: Tokens) -> None:
    made = tokens.first(Channel.WEB_VERIFIED, "hall", "meals", code="ABCDEFGHJKMN")
    assert made.step == "rating" and made.issued_ms == 1_800_000_000_000
    assert tokens.load(tokens.dump(made), "rating") == made


def test_the_payload_is_readable_json_signed_with_hmac_sha256(tokens: Tokens) -> None:
    text = tokens.dump(tokens.first(Channel.WEB_OPEN, "hall", "meals"))
    payload, timestamp, signature = text.rsplit(".", 2)
    raw = payload.lstrip(".")
    data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    body = json.loads(zlib.decompress(data) if payload.startswith(".") else data)
    assert body["channel"] == "web-open" and body["center_id"] == "hall"
    derived = hashlib.sha256(b"ukukavshiri-web-form-v1" + b"signer" + KEY).digest()
    expected = hmac.new(derived, f"{payload}.{timestamp}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)) == expected


@pytest.mark.parametrize("change", ["payload", "signature", "key"])
def test_an_altered_or_foreign_token_is_invalid(tokens: Tokens, change: str) -> None:
    text = tokens.dump(tokens.first(Channel.WEB_OPEN, "hall", "meals"))
    if change == "payload":
        text = "x" + text[1:]
    elif change == "signature":
        text = text[:-2] + ("AA" if not text.endswith("AA") else "BB")
    else:
        text = Tokens(b"another key", 7200).dump(tokens.first(Channel.WEB_OPEN, "hall", "meals"))
    with pytest.raises(TokenError) as caught:
        tokens.load(text, "rating")
    assert caught.value.kind == "invalid"


@pytest.mark.parametrize("text", ["", "nonsense", "a.b.c", "ქართული", "x" * 5000])
def test_garbage_is_invalid(tokens: Tokens, text: str) -> None:
    with pytest.raises(TokenError, match="invalid"):
        tokens.load(text, "rating")


def test_a_token_expires_after_its_age(tokens: Tokens, clock: Clock) -> None:
    text = tokens.dump(tokens.first(Channel.WEB_OPEN, "hall", "meals"))
    clock.now += 7200
    assert tokens.load(text, "rating").center_id == "hall"
    clock.now += 2
    with pytest.raises(TokenError) as caught:
        tokens.load(text, "rating")
    assert caught.value.kind == "expired"


def test_a_token_is_for_its_own_step_only(tokens: Tokens) -> None:
    rating = tokens.first(Channel.WEB_OPEN, "hall", "meals")
    with pytest.raises(TokenError, match="invalid"):
        tokens.load(tokens.dump(rating), "reasons")


def test_the_next_steps_nonces_follow_from_the_first(tokens: Tokens, clock: Clock) -> None:
    rating = tokens.first(Channel.WEB_VERIFIED, "hall", "meals", code="ABCDEFGHJKMN")
    clock.now += 30
    reasons = tokens.following(rating, "reasons", rating_uuid="u", score=2, flags=("unverified",))
    again = tokens.following(rating, "reasons", rating_uuid="u", score=2, flags=("unverified",))
    assert reasons.nonce == again.nonce != rating.nonce
    assert reasons.code is None  # the code goes no further than the faces page
    assert (reasons.step, reasons.score, reasons.flags) == ("reasons", 2, ("unverified",))
    assert reasons.issued_ms == rating.issued_ms + 30_000
    comment = tokens.following(reasons, "comment")
    assert comment.nonce not in (rating.nonce, reasons.nonce)
    assert tokens.load(tokens.dump(comment), "comment") == comment
    other = tokens.first(Channel.WEB_VERIFIED, "hall", "meals")
    assert tokens.following(other, "reasons").nonce != reasons.nonce


def test_fresh_pages_get_fresh_nonces(tokens: Tokens) -> None:
    nonces = {tokens.first(Channel.WEB_OPEN, "hall", "meals").nonce for _ in range(50)}
    assert len(nonces) == 50


def test_token_fields(tokens: Tokens) -> None:
    made = tokens.first(Channel.WEB_OPEN, "hall", "meals")
    assert isinstance(made, FormToken) and made.code is None and made.flags == ()
