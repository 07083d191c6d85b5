"""Retry delays for the sync loop: exponential backoff with full jitter, and Retry-After.

Why full jitter: many kiosks lose the network together (a municipal uplink goes down) and come
back together. Drawing each delay uniformly from ``[0, min(cap, base * 2**attempt)]`` spreads
their retries out instead of letting them hit the server in waves. There is no retry limit:
a kiosk keeps its ratings and keeps trying, at most every ``cap`` seconds, for as long as it
takes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

DEFAULT_BASE_S = 2.0
DEFAULT_CAP_S = 15 * 60.0
RATE_LIMIT_DEFAULT_S = 60.0
"""Wait after a 429 answer that carries no usable ``Retry-After``."""
RETRY_AFTER_MAX_S = 60 * 60.0
"""Longest ``Retry-After`` honoured, so a wrong header cannot silence a kiosk for days."""


class Backoff:
    """Delays for consecutive failures; :meth:`reset` after a success starts over."""

    def __init__(
        self,
        base: float = DEFAULT_BASE_S,
        cap: float = DEFAULT_CAP_S,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if base <= 0 or cap < base:
            raise ValueError("backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.rand = rand
        self.attempt = 0

    def ceiling(self) -> float:
        """The upper bound of the next jittered delay."""
        # Stop growing the exponent once past the cap so it never overflows.
        if self.attempt >= 64:
            return self.cap
        return min(self.cap, self.base * (2**self.attempt))

    def next_delay(self, retry_after: float | None = None) -> float:
        """Seconds to wait before the next try; a server's ``retry_after`` wins over jitter."""
        ceiling = self.ceiling()
        self.attempt += 1
        if retry_after is not None:
            return min(max(retry_after, 0.0), RETRY_AFTER_MAX_S)
        return ceiling * self.rand()

    def reset(self) -> None:
        self.attempt = 0


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta seconds or HTTP date); None if unusable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (moment - current).total_seconds())
