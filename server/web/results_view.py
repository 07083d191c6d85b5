"""What the results pages share: the names of programs, centers and reasons, the filters of a
request, and figures formatted for people.

Names come from every catalog version the server has kept (newest wins), so a program that a
newer catalog dropped still has a name in the years it was rated; centers come from the
``centers`` table. Ids that no catalog names are shown as they are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection
from starlette.requests import Request

from common.catalog import CatalogError, Text, parse_catalog
from server.db import catalog_versions, centers
from server.results import channels
from server.results.periods import Period, periods_with_data
from server.results.statistics import Interval, Share
from server.web.templating import N_, Page


@dataclass(frozen=True)
class Names:
    """Ids → names in both languages, and the catalog order of programs."""

    services: Mapping[str, Text]
    centers: Mapping[str, Text]
    reasons: Mapping[str, Text]
    service_order: tuple[str, ...]
    low_max: int = 2

    def service(self, service_id: str, language: str) -> str:
        return _name(self.services, service_id, language)

    def center(self, center_id: str, language: str) -> str:
        return _name(self.centers, center_id, language)

    def reason(self, reason_id: str, language: str) -> str:
        return _name(self.reasons, reason_id, language)

    def ordered(self, service_ids: set[str]) -> list[str]:
        """``service_ids`` in catalog order, unknown ids last (alphabetically)."""
        known = [s for s in self.service_order if s in service_ids]
        return known + sorted(service_ids - set(known))


def _name(names: Mapping[str, Text], ident: str, language: str) -> str:
    text = names.get(ident)
    return text.get(language) if text is not None else ident


def load_names(conn: Connection) -> Names:
    services: dict[str, Text] = {}
    reasons: dict[str, Text] = {}
    order: list[str] = []
    low_max = 2
    rows = conn.execute(
        select(catalog_versions.c.body).order_by(catalog_versions.c.loaded_at.desc())
    )
    for index, (body,) in enumerate(rows):
        try:
            catalog = parse_catalog(json.loads(body), "catalog")
        except (CatalogError, ValueError):
            continue
        if index == 0:
            low_max = catalog.low_max
        for service in catalog.services:
            services.setdefault(service.id, service.name)
            if service.id not in order:
                order.append(service.id)
        for reason in catalog.reasons.values():
            reasons.setdefault(reason.id, reason.text)
    center_names = {
        row.id: Text(row.name_ka, row.name_en)
        for row in conn.execute(select(centers.c.id, centers.c.name_ka, centers.c.name_en))
    }
    return Names(services, center_names, reasons, tuple(order), low_max)


ALL_CHANNELS = "all"
"""The channel filter's value for every channel, the open link included."""


@dataclass(frozen=True)
class Filters:
    """The GET form of a staff page: which period, program, center, channel; bursts or not."""

    period: Period | None
    service: str | None
    center: str | None
    channel: str | None
    """One channel, :data:`ALL_CHANNELS`, or None for the headline channels."""
    include_burst: bool
    periods: tuple[Period, ...]
    """Every period with data, newest first (the period menu)."""

    @classmethod
    def of(cls, request: Request, conn: Connection) -> Filters:
        query = request.query_params
        periods = tuple(reversed(periods_with_data(conn, ("year", "quarter", "month"))))
        wanted = query.get("period", "")
        period = next((p for p in periods if str(p) == wanted), None)
        if period is None and periods:
            years = [p for p in periods if p.kind == "year"]
            period = years[0] if years else periods[0]
        channel = query.get("channel") or None
        return cls(
            period=period,
            service=query.get("service") or None,
            center=query.get("center") or None,
            channel=channel if channel in (*channels.ALL, ALL_CHANNELS) else None,
            include_burst=query.get("burst") == "1",
            periods=periods,
        )

    @property
    def months(self) -> tuple[str, ...]:
        return self.period.months if self.period is not None else ()

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels the page's figures count (the headline ones unless one was chosen)."""
        if self.channel == ALL_CHANNELS:
            return channels.ALL
        return (self.channel,) if self.channel else channels.HEADLINE

    def params(self, **changes: str | None) -> dict[str, str | None]:
        """The filters as query parameters (for links that keep them)."""
        values: dict[str, str | None] = {
            "period": str(self.period) if self.period else None,
            "service": self.service,
            "center": self.center,
            "channel": self.channel,
            "burst": "1" if self.include_burst else None,
        }
        values.update(changes)
        return values


def period_label(page: Page, period: Period) -> str:
    """ "2026", "2026, quarter 1" or "2026-03" in the page's language."""
    if period.kind == "year":
        return page._("{year} (budget year)").format(year=period.year)
    if period.kind == "quarter":
        return page._("{year}, quarter {n}").format(year=period.year, n=period.number)
    return str(period)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def interval_text(interval: Interval | None) -> str:
    if interval is None:
        return "—"
    return f"{interval.low * 100:.0f}–{interval.high * 100:.0f}%"


def share_text(share: Share) -> str:
    """ "42% (35–49%)": the share and its 95 % interval."""
    return f"{percent(share.share)} ({interval_text(share.interval)})"


def mean_text(mean: float | None) -> str:
    return "—" if mean is None else f"{mean:.2f}"


CHANNEL_NAMES = {
    channels.KIOSK: N_("Kiosk"),
    channels.WEB_VERIFIED: N_("Web, with a one-time code"),
    channels.WEB_OPEN: N_("Web, open link (unverified)"),
}
"""Each channel as the pages name it, translated where it is shown."""
HEADLINE_NAME = N_("Kiosk and web with a code")
ALL_CHANNELS_NAME = N_("All channels, open link included")

SCORE_WORDS = {
    1: N_("Very dissatisfied"),
    2: N_("Dissatisfied"),
    3: N_("Neutral"),
    4: N_("Satisfied"),
    5: N_("Very satisfied"),
}
"""The words of the kiosk's five faces, translated where they are shown."""
