"""What every page needs: the database, the municipality's theme, the results settings and
the templates, gathered once when the app is made."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from common.theme import Theme, load_theme


@dataclass(frozen=True)
class ResultsSettings:
    """Thresholds below which numbers are not published as facts (server settings)."""

    staff_min_n: int = 5
    """Staff pages show counts but no percentages for a cell with fewer ratings."""
    public_min_n: int = 10
    """The public page shows only "fewer than 10 responses" for a cell with fewer ratings."""
    publish_after_days: int = 14
    """A closed year or quarter is published this many days after it ends, so that kiosks
    that were offline have sent their ratings."""
    secure_cookies: bool = True
    """Session cookies carry ``Secure`` (the server runs behind TLS); off only for local tests."""


@dataclass(frozen=True)
class Site:
    engine: Engine
    theme: Theme
    settings: ResultsSettings = field(default_factory=ResultsSettings)

    @classmethod
    def make(
        cls, engine: Engine, theme: str | Path = "demo", settings: ResultsSettings | None = None
    ) -> Site:
        return cls(engine, load_theme(theme), settings or ResultsSettings())
