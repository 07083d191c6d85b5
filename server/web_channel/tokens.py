"""Signed form tokens: what a rating page knows, carried by the page itself, and the key that
makes each answer count once.

Each page of an answer (faces, reasons, comment) carries a token in a hidden field: its step,
a nonce, the channel, center and service, the time it was made (for the minimum fill time),
and what the earlier steps settled (the code on a verified faces page; the rating, its score
and its flags after it). It is signed with itsdangerous (HMAC-SHA256 over a timestamped,
URL-safe JSON payload, under the server's form key), so it needs no cookie and no table, and
expires after ``token_max_age_s``. Its nonce is the ``batch_id`` the answer's records are
stored under: the same token sent twice stores nothing the second time. The next step's nonce
is derived from this one (HMAC), so a step can be answered at most once per rating however
often an earlier step is re-sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from common.records import Channel

Step = Literal["rating", "reasons", "comment"]
STEPS: tuple[Step, ...] = ("rating", "reasons", "comment")
SALT = "ukukavshiri-web-form-v1"
NONCE_BYTES = 16


class TokenError(Exception):
    """A token that cannot be used: ``expired`` (older than allowed) or ``invalid`` (not
    signed by this server, altered, or for another step)."""

    def __init__(self, kind: Literal["expired", "invalid"]) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class FormToken:
    step: Step
    nonce: str
    channel: Channel
    center_id: str
    service_id: str
    issued_ms: int
    """When the page was made (server clock, milliseconds since the epoch)."""
    code: str | None = None
    """The normalised one-time code, on a verified faces page only."""
    rating_uuid: str | None = None
    score: int | None = None
    flags: tuple[str, ...] = ()


def wall_clock() -> float:
    """Seconds since the epoch; the one clock of the tokens (tests replace it)."""
    return time.time()


def new_nonce() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(NONCE_BYTES)).decode("ascii").rstrip("=")


class Tokens:
    """Makes and reads form tokens with one key; ``clock`` (seconds) is replaceable in tests."""

    def __init__(
        self, key: bytes, max_age_s: int, clock: Callable[[], float] | None = None
    ) -> None:
        self._key = key
        self.max_age_s = max_age_s
        self.clock: Callable[[], float] = clock or (lambda: wall_clock())

        tokens = self

        class _Signer(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(tokens.clock())

        self._serializer = URLSafeTimedSerializer(
            key, salt=SALT, signer=_Signer, signer_kwargs={"digest_method": hashlib.sha256}
        )

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def first(
        self,
        channel: Channel,
        center_id: str,
        service_id: str,
        code: str | None = None,
    ) -> FormToken:
        """The token of a new faces page."""
        return FormToken(
            "rating", new_nonce(), channel, center_id, service_id, self.now_ms(), code=code
        )

    def following(self, token: FormToken, step: Step, **settled: Any) -> FormToken:
        """The token of the step after ``token``: same answer, derived nonce, new time."""
        mac = hmac.new(self._key, f"{token.nonce}\n{step}".encode(), hashlib.sha256).digest()
        nonce = base64.urlsafe_b64encode(mac[:NONCE_BYTES]).decode("ascii").rstrip("=")
        return replace(token, step=step, nonce=nonce, issued_ms=self.now_ms(), code=None, **settled)

    def dump(self, token: FormToken) -> str:
        data = asdict(token)
        data["channel"] = token.channel.value
        data["flags"] = list(token.flags)
        return self._serializer.dumps({k: v for k, v in data.items() if v is not None})

    def load(self, text: str, step: Step) -> FormToken:
        """The token of ``step`` in ``text``; :class:`TokenError` otherwise."""
        if not text or len(text) > 4000:
            raise TokenError("invalid")
        try:
            data = self._serializer.loads(text, max_age=self.max_age_s)
        except SignatureExpired:
            raise TokenError("expired") from None
        except BadData:
            raise TokenError("invalid") from None
        try:
            token = FormToken(
                step=data["step"],
                nonce=str(data["nonce"]),
                channel=Channel(data["channel"]),
                center_id=str(data["center_id"]),
                service_id=str(data["service_id"]),
                issued_ms=int(data["issued_ms"]),
                code=data.get("code"),
                rating_uuid=data.get("rating_uuid"),
                score=data.get("score"),
                flags=tuple(data.get("flags", ())),
            )
        except (KeyError, TypeError, ValueError):  # signed by us, so only an older format
            raise TokenError("invalid") from None
        if token.step != step:
            raise TokenError("invalid")
        return token
