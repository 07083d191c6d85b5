"""The public results page: closed periods only, from frozen snapshots, no login.

A budget year or a quarter is published once it has ended and ``publish_after_days`` more days
have passed (so kiosks that were offline have caught up). Publication freezes the figures in a
snapshot (``server.results.snapshots``) with small numbers suppressed (docs/results.md); the
page always shows the snapshot, never live numbers, and counts ratings that arrived later
apart. Each period's snapshot can be downloaded as open data.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.engine import Connection
from starlette.responses import HTMLResponse, RedirectResponse, Response

from common import __version__
from server.local_time import local_time_text
from server.results import channels, queries, rollups
from server.results.periods import Period, PeriodKind, is_closed, periods_with_data
from server.results.privacy import mask_personal_data
from server.results.snapshots import (
    SnapshotExists,
    list_snapshots,
    received_after,
    snapshot,
    take_snapshot,
)
from server.results.statistics import (
    Cell,
    Position,
    PriorityItem,
    Table,
    rank_priorities,
    suppress,
    suppress_line,
)
from server.web.charts import IntervalRow, Palette, interval_chart
from server.web.results_view import (
    CHANNEL_NAMES,
    interval_text,
    load_names,
    percent,
    period_label,
)
from server.web.site import Site
from server.web.templating import SECURITY_HEADERS, Page, Templates

BODY_FORMAT = "ukukavshiri-results"
BODY_VERSION = 2
"""2: the cells count the headline channels (kiosk and web with a code), and ``channels``
gives each channel apart. Bodies of version 1 (every rating came from a kiosk then) have no
``channels`` and are shown as they were published."""
PUBLISHED_KINDS: tuple[PeriodKind, ...] = ("year", "quarter")
PUBLIC_COMMENTS = 20
TOP_REASONS = 3


def build_body(conn: Connection, period: Period, min_n: int) -> dict[str, Any]:
    """The published figures of ``period``: counts per program × center with margins, small
    cells suppressed (their counts left out), priorities and low-score reasons, all over the
    headline channels; and each channel apart per program (:func:`_channel_rows`)."""
    names = load_names(conn)
    by_channel = queries.channel_score_counts(conn, period.months)
    cells = queries.add_channels(by_channel, channels.HEADLINE)
    services = names.ordered({s for (s, _c) in cells} | _services_of(by_channel))
    centers = sorted({c for (_s, c) in cells})
    counts: dict[tuple[str | None, str | None], list[int]] = {}
    for (service, center), cell_counts in cells.items():
        keys: tuple[tuple[str | None, str | None], ...] = (
            (service, center),
            (service, None),
            (None, center),
            (None, None),
        )
        for key in keys:
            total = counts.setdefault(key, [0] * 5)
            for index, value in enumerate(cell_counts):
                total[index] += value
    headline_services = [s for s in services if (s, None) in counts]
    table = Table.from_counts(headline_services, centers, {k: sum(v) for k, v in cells.items()})
    hidden = suppress(table, min_n)
    published = []
    for key, key_counts in sorted(counts.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")):
        n = sum(key_counts)
        state = None
        if key in hidden:
            state = "too_few" if 0 < n < min_n else "protects_another"
        published.append(
            {
                "service": key[0],
                "center": key[1],
                "n": None if state else n,
                "counts": None if state else key_counts,
                "suppressed": state,
            }
        )
    reasons = queries.reason_counts(conn, period.months, channel=channels.HEADLINE)
    items = []
    for service in headline_services:
        total_counts = counts[(service, None)]
        if (service, None) not in hidden and sum(total_counts) >= min_n:
            items.append(
                PriorityItem(service, total_counts[0] + total_counts[1], sum(total_counts))
            )
    priorities: list[dict[str, Any]] = []
    for entry in rank_priorities(items):
        low: Counter[str] = reasons.get(entry.id, {}).get("low", Counter())
        priorities.append(
            {
                "service": entry.id,
                "dissatisfied": entry.dissatisfied,
                "n": entry.n,
                "low_reasons": [[r, n] for r, n in low.most_common(TOP_REASONS)],
            }
        )
    return {
        "format": BODY_FORMAT,
        "version": BODY_VERSION,
        "period": str(period),
        "min_n": min_n,
        "services": [
            {"id": s, "ka": names.service(s, "ka"), "en": names.service(s, "en")} for s in services
        ],
        "centers": [
            {"id": c, "ka": names.center(c, "ka"), "en": names.center(c, "en")} for c in centers
        ],
        "reasons": {
            r: {"ka": names.reason(r, "ka"), "en": names.reason(r, "en")}
            for p in priorities
            for r, _n in p["low_reasons"]
        },
        "cells": published,
        "priorities": priorities,
        "burst_left_out": queries.burst_count(conn, period.months, channel=channels.HEADLINE),
        "channels": {
            "headline": list(channels.HEADLINE),
            "rows": _channel_rows(services, by_channel, hidden, min_n),
        },
    }


def _services_of(by_channel: dict[str, dict[tuple[str, str], queries.ScoreCounts]]) -> set[str]:
    return {service for cells in by_channel.values() for (service, _center) in cells}


def _channel_rows(
    services: list[str],
    by_channel: dict[str, dict[tuple[str, str], queries.ScoreCounts]],
    hidden: set[Position],
    min_n: int,
) -> list[dict[str, Any]]:
    """Each program's ratings per channel, and each channel's total, suppressed so that no
    hidden number can be worked out, also with the program × center table beside them:

    - kiosk + web with a code is the program's published headline total, so the two are one
      line with that total: hidden both, when either is small (``suppress_line``); hidden
      both, when the headline total itself is hidden (unless zero);
    - their totals over programs are published only when every program's entry is, since
      kiosk + web with a code = the published grand total (or when one of them is zero: the
      other is then that grand total);
    - the open link is in no other published sum: its programs are one line with its total.
    """
    totals: dict[tuple[str, str | None], list[int]] = {}
    for channel in channels.ALL:
        for (service, _center), cell_counts in by_channel.get(channel, {}).items():
            for key in ((channel, service), (channel, None)):
                total = totals.setdefault(key, [0] * 5)
                for index, value in enumerate(cell_counts):
                    total[index] += value

    def n(channel: str, service: str | None) -> int:
        return sum(totals.get((channel, service), ()))

    states: dict[tuple[str, str | None], str] = {}

    def hide(channel: str, service: str | None) -> None:
        count = n(channel, service)
        states[(channel, service)] = "too_few" if 0 < count < min_n else "protects_another"

    for service in services:
        pair = {channel: n(channel, service) for channel in channels.HEADLINE}
        if (service, None) in hidden:
            wanted = {channel for channel, count in pair.items() if count > 0}
        else:
            wanted = suppress_line(pair, min_n)
        for channel in wanted:
            hide(channel, service)
    pair = {channel: n(channel, None) for channel in channels.HEADLINE}
    column_hidden = any(channel in channels.HEADLINE for channel, _service in states)
    # With one of the two at zero, the other is the published grand total: nothing to hide.
    if (None, None) in hidden or (column_hidden and all(pair.values())):
        for channel, count in pair.items():
            if count:
                hide(channel, None)
    open_line = {service: n(channels.WEB_OPEN, service) for service in services}
    for service in suppress_line(open_line, min_n):
        hide(channels.WEB_OPEN, service)
    if 0 < n(channels.WEB_OPEN, None) < min_n:
        hide(channels.WEB_OPEN, None)
    rows = []
    lines: list[str | None] = [*services, None]
    for line in lines:
        for channel in channels.ALL:
            state = states.get((channel, line))
            counts = totals.get((channel, line), [0] * 5)
            rows.append(
                {
                    "service": line,
                    "channel": channel,
                    "n": None if state else sum(counts),
                    "counts": None if state else counts,
                    "suppressed": state,
                }
            )
    return rows


def publish_due(site: Site, today: date | None = None) -> list[Period]:
    """Take the snapshot of every closed year and quarter whose waiting time has passed."""
    today = today or datetime.now(UTC).date()
    wait = timedelta(days=site.settings.publish_after_days)
    rollups.refresh(site.engine)
    with site.engine.connect() as conn:
        conn.execution_options(read_only=True)
        done = {str(info.period) for info in list_snapshots(conn)}
        due = [
            period
            for period in periods_with_data(conn, PUBLISHED_KINDS)
            if str(period) not in done
            and is_closed(period, today)
            and period.last_day + wait < today
        ]
    published = []
    for period in due:
        try:
            take_snapshot(
                site.engine,
                period,
                _builder(period, site.settings.public_min_n),
                today=today,
            )
        except SnapshotExists:
            continue
        published.append(period)
    return published


def _builder(period: Period, min_n: int) -> Callable[[Connection], Any]:
    return lambda conn: build_body(conn, period, min_n)


def routes(site: Site, templates: Templates) -> APIRouter:
    router = APIRouter()

    @router.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse("/results", status_code=303)

    def load(period_text: str | None) -> tuple[list[Any], Any, int]:
        publish_due(site)
        with site.engine.connect() as conn:
            conn.execution_options(read_only=True)
            infos = sorted(list_snapshots(conn), key=lambda i: i.period.sort_key(), reverse=True)
            chosen = next((i for i in infos if str(i.period) == period_text), None)
            if chosen is None and infos:
                years = [i for i in infos if i.period.kind == "year"]
                chosen = years[0] if years else infos[0]
            if chosen is None:
                return infos, None, 0
            shot = snapshot(conn, chosen.period)
            late = received_after(conn, chosen)
        return infos, shot, late

    @router.get("/results", response_class=HTMLResponse)
    def results(request: Request) -> HTMLResponse:
        page = Page.of(request)
        infos, shot, late = load(request.query_params.get("period"))
        context: dict[str, Any] = {
            "title": page._("Results"),
            "nav": "results",
            "infos": infos,
            "period_label": lambda p: period_label(page, p),
            "publish_after_days": site.settings.publish_after_days,
            "min_n": site.settings.public_min_n,
        }
        if shot is None:
            return templates.render(page, "public/results.html", shot=None, **context)
        body = json.loads(shot.body_json)
        lang = page.language
        service_name = {s["id"]: s[lang] for s in body["services"]}
        center_name = {c["id"]: c[lang] for c in body["centers"]}
        reason_name = {r: t[lang] for r, t in body["reasons"].items()}
        cells = {(c["service"], c["center"]): c for c in body["cells"]}
        rows = []
        for service in body["services"]:
            cell = cells.get((service["id"], None))
            rows.append(_public_row(service_name[service["id"]], cell))
        total = _public_row(page._("All programs and services"), cells.get((None, None)))
        grid = [
            (
                service_name[s["id"]],
                [
                    _public_row(center_name[c["id"]], cells.get((s["id"], c["id"])))
                    for c in body["centers"]
                ],
            )
            for s in body["services"]
        ]
        priorities = []
        chart_rows = []
        ranked = rank_priorities(
            PriorityItem(p["service"], p["dissatisfied"], p["n"]) for p in body["priorities"]
        )
        reasons_of = {p["service"]: p["low_reasons"] for p in body["priorities"]}
        for entry in ranked:
            priorities.append(
                {
                    "name": service_name.get(entry.id, entry.id),
                    "rank": entry,
                    "reasons": [(reason_name.get(r, r), n) for r, n in reasons_of[entry.id]],
                }
            )
            if entry.interval is not None and entry.share is not None:
                chart_rows.append(
                    IntervalRow(
                        service_name.get(entry.id, entry.id),
                        entry.share,
                        entry.interval.low,
                        entry.interval.high,
                        marked=entry.overlaps_above,
                    )
                )
        chart = interval_chart(
            chart_rows,
            Palette(ink=site.theme.text, accent=site.theme.primary, faint=site.theme.border),
            title=page._("Share of dissatisfied users, with {level} intervals").format(level="95%"),
            desc=page._("Programs in the order of the table below."),
            ident="public-priorities",
        )
        comments = _public_comments(site, shot.period, body)
        return templates.render(
            page,
            "public/results.html",
            shot=shot,
            body=body,
            rows=rows,
            total=total,
            by_channel=_by_channel(page, body, service_name),
            channel_names={k: page._(v) for k, v in CHANNEL_NAMES.items()},
            grid=grid,
            centers=[center_name[c["id"]] for c in body["centers"]],
            priorities=priorities,
            chart=chart,
            late=late,
            comments=[(service_name.get(c.service_id, c.service_id), text) for c, text in comments],
            taken_at=local_time_text(shot.taken_at),
            percent=percent,
            interval_text=interval_text,
            **context,
        )

    @router.get("/results/{period}/open-data.zip")
    def open_data(period: str) -> Response:
        try:
            wanted = Period.parse(period)
        except ValueError:
            return Response(status_code=404)
        with site.engine.connect() as conn:
            shot = snapshot(conn, wanted)
        if shot is None:
            return Response(status_code=404)
        data = _open_data_zip(shot)
        return Response(
            data,
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="ukukavshiri-{period}.zip"',
                **SECURITY_HEADERS,
            },
        )

    return router


def _by_channel(
    page: Page, body: dict[str, Any], service_name: dict[str, str]
) -> list[tuple[str, list[dict[str, Any]]]] | None:
    """(program name, one public row per channel) for every program and the total; None for a
    body published before channels were told apart."""
    if "channels" not in body:
        return None
    rows = {(r["service"], r["channel"]): r for r in body["channels"]["rows"]}
    lines: list[tuple[str, str | None]] = [
        (service_name[s["id"]], s["id"]) for s in body["services"]
    ]
    lines.append((page._("All programs and services"), None))
    return [
        (name, [_public_row(name, rows.get((service, channel))) for channel in channels.ALL])
        for name, service in lines
    ]


def _public_row(name: str, cell: dict[str, Any] | None) -> dict[str, Any]:
    if cell is None:
        return {"name": name, "state": "none"}
    if cell["suppressed"]:
        return {"name": name, "state": cell["suppressed"]}
    computed = Cell.from_counts(cell["counts"])
    return {"name": name, "state": "shown" if computed.n else "none", "cell": computed}


def _public_comments(site: Site, period: Period, body: dict[str, Any]) -> list[Any]:
    """Approved comments, masked, only from program × center cells published in full."""
    allowed = {
        (c["service"], c["center"])
        for c in body["cells"]
        if c["service"] and c["center"] and not c["suppressed"] and c["n"] >= body["min_n"]
    }
    if not allowed:
        return []
    with site.engine.connect() as conn:
        conn.execution_options(read_only=True)
        found = queries.comments(
            conn,
            months=period.months,
            service_ids=sorted({s for s, _c in allowed}),
            center_ids=sorted({c for _s, c in allowed}),
            channel=channels.HEADLINE,
            approved_only=True,
            limit=PUBLIC_COMMENTS * 3,
        )
    kept = [c for c in found.comments if (c.service_id, c.center_id) in allowed]
    return [(c, mask_personal_data(c.text).text) for c in kept[:PUBLIC_COMMENTS]]


OPEN_DATA_README = """Ukukavshiri open data: {period}

Published {taken_at} by the municipal server (version {version}). The figures never change
after publication; ratings that reached the server later are not in them.

Files
- cells.csv: one row per program (service_id) and service center (center_id), with the totals
  of each program (center_id empty), of each center (service_id empty) and the grand total
  (both empty). n is the number of ratings; score_1 ... score_5 how many gave each score.
  suppressed is empty when the row is published, "too_few" when it has fewer than {min_n}
  ratings, "protects_another" when it is hidden so that a too_few row cannot be recovered by
  subtraction; the counts of a suppressed row are left empty.
- priorities.csv: programs ranked by the lower bound of the 95 % Wilson interval of the share
  of ratings of 1 or 2 (dissatisfied), with n and that count.
- snapshot.json: the same, exactly as the server stored it (canonical JSON: sorted keys, no
  spaces, UTF-8). Its SHA-256 is body_sha256 in integrity.json.
- integrity.json: when the snapshot was taken, the highest record id it counts, and the chain
  head (highest seq and its hash) of every kiosk it covers, so a kiosk's records can be checked
  against what was published.

Ratings flagged as a burst are left out ({burst} in this period). How every figure is computed:
docs/results.md of the Ukukavshiri source.
"""
OPEN_DATA_CHANNELS = """
Channels
- cells.csv and priorities.csv count the ratings made at the kiosks (channel "kiosk") and on
  the web with a one-time code handed out with the service ("web-verified").
- channels.csv: the same programs (service_id; empty for all of them) per channel, the open
  web link ("web-open", which anyone can use) included, with n, the score counts and
  suppressed as in cells.csv. An entry is also hidden when it would give back a hidden one:
  kiosk and web-verified add up to the program's total in cells.csv.
"""


def _open_data_zip(shot: Any) -> bytes:
    body = json.loads(shot.body_json)
    cells = io.StringIO()
    writer = csv.writer(cells, lineterminator="\r\n")
    writer.writerow(
        ["service_id", "center_id", "n", *(f"score_{s}" for s in range(1, 6)), "suppressed"]
    )
    for cell in body["cells"]:
        counts = cell["counts"] or [None] * 5
        writer.writerow(
            [
                cell["service"] or "",
                cell["center"] or "",
                cell["n"],
                *counts,
                cell["suppressed"] or "",
            ]
        )
    priorities = io.StringIO()
    writer = csv.writer(priorities, lineterminator="\r\n")
    writer.writerow(["rank", "service_id", "n", "dissatisfied"])
    ranked = rank_priorities(
        PriorityItem(p["service"], p["dissatisfied"], p["n"]) for p in body["priorities"]
    )
    for rank, entry in enumerate(ranked, start=1):
        writer.writerow([rank, entry.id, entry.n, entry.dissatisfied])
    integrity = {
        "period": str(shot.period),
        "taken_at": shot.taken_at.isoformat(),
        "max_record_id": shot.max_record_id,
        "body_sha256": shot.body_sha256,
        "chain_heads": {device: list(head) for device, head in shot.chain_heads.items()},
    }
    readme = OPEN_DATA_README.format(
        period=shot.period,
        taken_at=shot.taken_at.isoformat(),
        version=__version__,
        min_n=body["min_n"],
        burst=body["burst_left_out"],
    )
    by_channel = None
    if "channels" in body:
        readme += OPEN_DATA_CHANNELS
        by_channel = io.StringIO()
        writer = csv.writer(by_channel, lineterminator="\r\n")
        writer.writerow(
            ["service_id", "channel", "n", *(f"score_{s}" for s in range(1, 6)), "suppressed"]
        )
        for row in body["channels"]["rows"]:
            counts = row["counts"] or [None] * 5
            writer.writerow(
                [row["service"] or "", row["channel"], row["n"], *counts, row["suppressed"] or ""]
            )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme)
        archive.writestr("cells.csv", "\ufeff" + cells.getvalue())
        archive.writestr("priorities.csv", "\ufeff" + priorities.getvalue())
        if by_channel is not None:
            archive.writestr("channels.csv", "\ufeff" + by_channel.getvalue())
        archive.writestr("snapshot.json", shot.body_json)
        archive.writestr("integrity.json", json.dumps(integrity, indent=1, sort_keys=True))
    return out.getvalue()
