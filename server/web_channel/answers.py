"""Storing a web answer, step by step: the rating, then its reasons, then its comment.

The rules of ``docs/web.md`` in one place, free of HTTP: each step's form token says what the
answer is; a token seen before stores nothing and leads to the same next step; a verified
rating spends its code in the transaction that stores it; an open rating counts against the
rate limits and, past them, needs proof of work; a soft check that fails marks the records
``unverified`` and never drops them.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from common.catalog import Catalog, Service
from common.records import Channel, Flag
from server.db import utc_now
from server.web_channel import limits
from server.web_channel.catalog_view import center_catalog
from server.web_channel.chains import Draft, append, chain_for, stored_answer
from server.web_channel.codes import check_code, spend_code
from server.web_channel.keys import WebKeys, web_keys
from server.web_channel.settings import WebSettings
from server.web_channel.tokens import FormToken, Tokens
from server.web_channel.work import Challenge, make_challenge, solved

log = logging.getLogger("server.web_channel")

RefusalReason = Literal[
    "no_catalog",
    "unknown_service",
    "unknown_reason",
    "code_unknown",
    "code_spent",
    "code_expired",
    "code_revoked",
]
CODE_REFUSALS: dict[str, RefusalReason] = {
    "spent": "code_spent",
    "expired": "code_expired",
    "revoked": "code_revoked",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Refused(Exception):
    """The answer cannot be stored, for a reason the citizen is told (nothing was stored)."""

    def __init__(self, reason: RefusalReason) -> None:
        super().__init__(reason)
        self.reason = reason


class NeedsWork(Exception):
    """The open channel's limits tripped and the form carried no valid proof of work."""

    def __init__(self, retry_after_s: int, challenge: Challenge) -> None:
        super().__init__("proof of work needed")
        self.retry_after_s = retry_after_s
        self.challenge = challenge


@dataclass(frozen=True)
class SoftChecks:
    """What the form showed about its sender; any failure marks the answer ``unverified``."""

    honeypot_filled: bool = False


class WebChannel:
    """The web channel of one app: its database, settings and (lazily read) keys."""

    def __init__(self, engine: Engine, settings: WebSettings) -> None:
        self.engine = engine
        self.settings = settings
        self._keys: WebKeys | None = None
        self._tokens: Tokens | None = None
        self._lock = threading.Lock()

    @property
    def keys(self) -> WebKeys:
        """The keys, read on first use (never inside a transaction: see ``WebKeys``)."""
        with self._lock:
            if self._keys is None:
                self._keys = web_keys(self.engine)
            return self._keys

    @property
    def tokens(self) -> Tokens:
        keys = self.keys
        with self._lock:
            if self._tokens is None:
                self._tokens = Tokens(keys.form, self.settings.token_max_age_s)
            return self._tokens

    def catalog_and_service(self, conn: Connection, token: FormToken) -> tuple[Catalog, Service]:
        catalog = center_catalog(conn, token.center_id)
        if catalog is None:
            raise Refused("no_catalog")
        try:
            return catalog, catalog.service(token.service_id)
        except KeyError:
            raise Refused("unknown_service") from None

    def challenge_for(self, nonce: str) -> Challenge:
        return make_challenge(self.keys.pow, nonce, self.settings.pow_max_number, utc_now())

    def needs_work(self, address: str) -> bool:
        """Whether an open faces page for this address should carry a challenge now."""
        now = utc_now()
        with self.engine.connect() as conn:
            conn.execution_options(read_only=True)
            hashed = limits.known_hash(conn, address, now) or "-"
            return limits.open_limits(conn, hashed, now, self.settings).needs_work

    # -- the steps ---------------------------------------------------------------------------

    def rate(
        self,
        token: FormToken,
        score: int,
        language: str,
        soft: SoftChecks,
        address: str,
        work: str = "",
    ) -> FormToken:
        """Store the rating once; the token of the step that follows it (reasons or comment)."""
        now = utc_now()
        flags = set(token.flags)
        too_fast = self.tokens.now_ms() - token.issued_ms < self.settings.min_fill_s * 1000
        if soft.honeypot_filled or too_fast:
            flags.add(Flag.UNVERIFIED.value)
        with self.engine.begin() as conn:
            catalog, service = self.catalog_and_service(conn, token)
            chain = chain_for(conn, self.keys.public_key, token.channel, token.center_id)
            earlier = stored_answer(conn, chain, token.nonce)
            if earlier is None:
                if token.channel == Channel.WEB_VERIFIED:
                    self._spend(conn, token, now)
                else:
                    flags |= self._pass_limits(conn, token, address, work, now)
                draft = Draft(
                    "rating",
                    None,
                    service.id,
                    catalog.version,
                    language,
                    score=score,
                    flags=tuple(sorted(flags)),
                )
                stored = append(
                    conn,
                    self.keys.signing,
                    chain,
                    token.nonce,
                    [draft],
                    now,
                    self.settings.utc_offset_min,
                ).records
            else:
                stored = earlier
        rating = stored[0]
        settled = self.tokens.following(
            token, "reasons", rating_uuid=rating.uuid, score=rating.score, flags=rating.flags
        )
        if catalog.reasons_for(service, rating.score or 0):
            return settled
        return self.tokens.following(settled, "comment")

    def _spend(self, conn: Connection, token: FormToken, now: datetime) -> None:
        key = self.keys.code
        code = token.code or ""
        if spend_code(conn, key, code, now):
            return
        state = check_code(conn, key, code, now).state
        raise Refused(CODE_REFUSALS.get(state, "code_unknown"))

    def _pass_limits(
        self, conn: Connection, token: FormToken, address: str, work: str, now: datetime
    ) -> set[str]:
        """The flags the open limits add, after counting this rating; ``NeedsWork`` when they
        tripped and ``work`` does not solve this form's challenge."""
        hashed = limits.address_hash(conn, address, now)
        state = limits.open_limits(conn, hashed, now, self.settings)
        if state.needs_work and not solved(self.keys.pow, work, token.nonce):
            raise NeedsWork(state.retry_after_s, self.challenge_for(token.nonce))
        limits.note_open(conn, hashed, now, self.settings)
        return {Flag.UNVERIFIED.value} if state.address_over else set()

    def give_reasons(
        self, token: FormToken, chosen: list[str], language: str, soft: SoftChecks
    ) -> FormToken:
        """Store the chosen reasons (in catalog order) once; the comment step's token.

        ``Refused("unknown_reason")`` when one is not offered for this rating."""
        now = utc_now()
        self.keys  # noqa: B018 - read before the transaction (see WebKeys)
        if chosen:
            with self.engine.begin() as conn:
                catalog, service = self.catalog_and_service(conn, token)
                offered = [r.id for r in catalog.reasons_for(service, token.score or 0)]
                if any(reason not in offered for reason in chosen):
                    raise Refused("unknown_reason")
                ordered = tuple(r for r in offered if r in chosen)
                self._append_follow_up(
                    conn, token, catalog, "reasons", language, soft, now, reasons=ordered
                )
        return self.tokens.following(token, "comment")

    def comment(self, token: FormToken, text: str, language: str, soft: SoftChecks) -> None:
        """Store a non-empty comment once (``clean_comment`` first)."""
        if not text:
            return
        now = utc_now()
        self.keys  # noqa: B018 - read before the transaction (see WebKeys)
        with self.engine.begin() as conn:
            catalog, _service = self.catalog_and_service(conn, token)
            self._append_follow_up(
                conn, token, catalog, "comment", language, soft, now, comment=text
            )

    def _append_follow_up(
        self,
        conn: Connection,
        token: FormToken,
        catalog: Catalog,
        kind: str,
        language: str,
        soft: SoftChecks,
        now: datetime,
        reasons: tuple[str, ...] = (),
        comment: str | None = None,
    ) -> None:
        flags = set(token.flags)
        if soft.honeypot_filled:
            flags.add(Flag.UNVERIFIED.value)
        chain = chain_for(conn, self.keys.public_key, token.channel, token.center_id)
        draft = Draft(
            kind,
            token.rating_uuid,
            token.service_id,
            catalog.version,
            language,
            reasons=reasons,
            comment=comment,
            flags=tuple(sorted(flags)),
        )
        append(
            conn, self.keys.signing, chain, token.nonce, [draft], now, self.settings.utc_offset_min
        )


def clean_comment(text: str) -> str:
    """A comment as stored: line ends made ``\\n``, control characters other than tab and
    newline removed, spaces trimmed at both ends."""
    unified = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", unified).strip()
