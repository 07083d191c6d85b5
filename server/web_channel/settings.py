"""The web channel's settings, read from the environment when the app is made.

Environment variables rather than ``serve`` options, so every uvicorn worker and every test
server gets the same values without a new command-line option each (``docs/web.md`` lists
them). A value that cannot be read stops the server with a message naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


class SettingsError(ValueError):
    """An environment variable of the web channel holds something unusable."""


@dataclass(frozen=True)
class WebSettings:
    min_fill_s: float = 2.0
    """A rating sent sooner than this after its page was made is marked ``unverified``."""
    token_max_age_s: int = 2 * 3600
    """How long a page's form token stays valid."""
    limit_window_s: int = 600
    """The rate limits count open-channel ratings in fixed windows of this length."""
    address_limit: int = 10
    """Open ratings from one address per window before it must do proof of work."""
    global_limit: int = 600
    """Open ratings from everyone per window before everyone must do proof of work."""
    code_failure_limit: int = 20
    """Unknown or malformed codes from one address per window before 429."""
    pow_max_number: int = 100_000
    """The proof of work's range: on average a browser hashes half of it (about a second)."""
    comment_max: int = 500
    """The longest comment, in characters (the kiosk's default)."""
    utc_offset_min: int = 240
    """The municipality's UTC offset in minutes, recorded with each web answer (Georgia)."""
    embed_origins: tuple[str, ...] = ()
    """Origins allowed to show the rating pages in an ``<iframe>`` (``frame-ancestors``)."""
    custom_css: str = ""
    """A stylesheet file served as ``/static/rate-custom.css`` after the pages' own."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WebSettings:
        """Defaults, with each ``UKUK_WEB_<FIELD>`` that is set taking its place."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in fields(cls):
            name = f"UKUK_WEB_{field.name.upper()}"
            raw = environ.get(name)
            if raw is None or not raw.strip():
                continue
            default = getattr(cls, field.name)
            if isinstance(default, tuple):
                values[field.name] = tuple(raw.split())
                continue
            if isinstance(default, str):
                values[field.name] = raw.strip()
                continue
            try:
                number = float(raw) if isinstance(default, float) else int(raw)
            except ValueError:
                raise SettingsError(f"{name}={raw!r} is not a number") from None
            if number < 0:
                raise SettingsError(f"{name} must not be negative")
            values[field.name] = number
        return cls(**values)
