"""Staff pages (analysts and admins): results, priorities, trends and comments, with downloads.

Every figure comes from the roll-ups (refreshed before each page; cheap when nothing is new)
and is shown with its n and its 95 % interval; a cell with fewer ratings than the staff
threshold shows its counts and "not enough data" instead of percentages (docs/results.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from server.results import channels, queries, rollups
from server.results.privacy import mask_personal_data
from server.results.statistics import (
    Cell,
    PriorityItem,
    RankedPriority,
    Visibility,
    rank_priorities,
)
from server.web.auth import Analyst, page_router
from server.web.charts import IntervalRow, Palette, distribution_bar, interval_chart, trend_chart
from server.web.downloads import Table, csv_response, xlsx_response
from server.web.results_view import (
    CHANNEL_NAMES,
    SCORE_WORDS,
    Filters,
    Names,
    interval_text,
    load_names,
    mean_text,
    percent,
    period_label,
    share_text,
)
from server.web.site import Site
from server.web.templating import Page, Templates

SCORE_COLORS = ("#B3261E", "#E8710A", "#8A8A8A", "#4F8A3C", "#1E6B34")
"""Scores 1–5 in the distribution bars (each 3:1 or more against white)."""
COMMENTS_PER_PAGE = 50
TOP_REASONS = 3


@dataclass(frozen=True)
class Row:
    """One program (or center) line of a results table."""

    ident: str
    name: str
    cell: Cell
    shown: bool
    """Percentages are shown (n is at least the staff threshold)."""
    chart: Any


@dataclass(frozen=True)
class ChannelLine:
    """One line of a by-channel table: a program, a month or the total, with one cell per
    channel in :data:`channels.ALL` order."""

    name: str
    cells: list[tuple[str, Cell, bool]]
    """(channel, its cell, whether its percentages are shown)."""


@dataclass(frozen=True)
class Figures:
    """What the results and priorities pages read from the roll-ups for one set of filters."""

    cells: dict[tuple[str, str], queries.ScoreCounts]
    """The channels the filters ask for (the headline ones by default), added up."""
    by_channel: dict[str, dict[tuple[str, str], queries.ScoreCounts]]
    """Every channel apart, for the by-channel table."""
    burst: int
    """Ratings flagged as a burst (counted apart)."""
    reasons: dict[str, dict[str, Counter[str]]]


@dataclass(frozen=True)
class Trends:
    """The trends page's figures: satisfaction per month, when ratings arrive, and reasons."""

    filters: Filters
    names: Names
    months: dict[str, Cell]
    by_channel: dict[str, dict[str, queries.ScoreCounts]]
    """channel → month → score counts."""
    hours: dict[tuple[int, int], Cell]
    bands: dict[str, Counter[str]]


@dataclass(frozen=True)
class Priority:
    rank: RankedPriority
    name: str
    reasons: list[tuple[str, int]]


def _palette(site: Site) -> Palette:
    return Palette(ink=site.theme.text, accent=site.theme.primary, faint=site.theme.border)


def _row(page: Page, site: Site, ident: str, name: str, counts: Sequence[int]) -> Row:
    cell = Cell.from_counts(counts)
    words = ", ".join(
        f"{page._(SCORE_WORDS[score])}: {count}" for score, count in enumerate(counts, start=1)
    )
    chart = distribution_bar(
        counts,
        SCORE_COLORS,
        title=page._("Scores of {name}").format(name=name),
        desc=words,
        ident=f"dist-{ident}",
    )
    shown = cell.visibility(site.settings.staff_min_n) is Visibility.SHOWN
    return Row(ident, name, cell, shown, chart)


def _channel_line(
    name: str, counts_of: Mapping[str, Sequence[Sequence[int]]], min_n: int
) -> ChannelLine:
    """A line of the by-channel table from each channel's score counts (summed)."""
    cells = []
    for channel in channels.ALL:
        cell = Cell.from_counts(_sum(counts_of.get(channel, [])))
        cells.append((channel, cell, cell.visibility(min_n) is Visibility.SHOWN))
    return ChannelLine(name, cells)


def _by_service(
    by_channel: dict[str, dict[tuple[str, str], queries.ScoreCounts]],
) -> dict[str, dict[str, list[queries.ScoreCounts]]]:
    """service → channel → the score counts of its centers."""
    found: dict[str, dict[str, list[queries.ScoreCounts]]] = {}
    for channel, cells in by_channel.items():
        for (service_id, _center_id), counts in cells.items():
            found.setdefault(service_id, {}).setdefault(channel, []).append(counts)
    return found


def _sum(counts: Sequence[Sequence[int]]) -> tuple[int, int, int, int, int]:
    total = [0] * 5
    for row in counts:
        for index, value in enumerate(row):
            total[index] += value
    return (total[0], total[1], total[2], total[3], total[4])


def routes(site: Site, templates: Templates) -> APIRouter:
    router = page_router(site, templates)

    def context(
        page: Page, filters: Filters, names: Names, user: Any, **extra: Any
    ) -> dict[str, Any]:
        return {
            "user": user,
            "filters": filters,
            "names": names,
            "period_label": lambda p: period_label(page, p),
            "percent": percent,
            "share_text": share_text,
            "interval_text": interval_text,
            "mean_text": mean_text,
            "staff_min_n": site.settings.staff_min_n,
            "channel_names": {k: page._(v) for k, v in CHANNEL_NAMES.items()},
            **extra,
        }

    def read(request: Request) -> tuple[Filters, Names, Figures]:
        rollups.refresh(site.engine)
        with site.engine.connect() as conn:
            conn.execution_options(read_only=True)
            filters = Filters.of(request, conn)
            names = load_names(conn)
            months = filters.months
            burst = filters.include_burst
            where: dict[str, Any] = {
                "channel": filters.channel,
                "center_ids": [filters.center] if filters.center else None,
            }
            by_channel = queries.channel_score_counts(
                conn, months, include_burst=burst, center_ids=where["center_ids"]
            )
            where["channel"] = filters.channels
            figures = Figures(
                cells=queries.add_channels(by_channel, filters.channels),
                by_channel=by_channel,
                burst=queries.burst_count(conn, months, **where),
                reasons=queries.reason_counts(conn, months, include_burst=burst, **where),
            )
        return filters, names, figures

    def channel_lines(
        page: Page, names: Names, figures: Figures, service_ids: Sequence[str]
    ) -> tuple[list[ChannelLine], ChannelLine]:
        """The by-channel lines of ``service_ids`` (in that order) and of all of them."""
        min_n = site.settings.staff_min_n
        by_service = _by_service(figures.by_channel)
        lines = [
            _channel_line(names.service(sid, page.language), by_service.get(sid, {}), min_n)
            for sid in service_ids
        ]
        everything: dict[str, list[queries.ScoreCounts]] = {}
        for by_channel in by_service.values():
            for channel, counts in by_channel.items():
                everything.setdefault(channel, []).extend(counts)
        return lines, _channel_line(page._("All programs and services"), everything, min_n)

    def service_rows(
        page: Page, filters: Filters, names: Names, cells: dict[tuple[str, str], Any]
    ) -> list[Row]:
        by_service: dict[str, list[Any]] = {}
        for (service_id, _center_id), counts in cells.items():
            by_service.setdefault(service_id, []).append(counts)
        return [
            _row(page, site, sid, names.service(sid, page.language), _sum(by_service[sid]))
            for sid in names.ordered(set(by_service))
        ]

    def center_rows(
        page: Page, names: Names, cells: dict[tuple[str, str], Any], service_id: str
    ) -> list[Row]:
        by_center = {c: counts for (s, c), counts in cells.items() if s == service_id}
        return [
            _row(page, site, f"{service_id}-{cid}", names.center(cid, page.language), counts)
            for cid, counts in sorted(by_center.items())
        ]

    @router.get("/staff/results", response_class=HTMLResponse)
    def results(request: Request, user: Analyst) -> HTMLResponse:
        page = Page.of(request)
        filters, names, figures = read(request)
        rows = service_rows(page, filters, names, figures.cells)
        total = _row(page, site, "all", page._("All programs and services"), _sum(
            [row.cell.counts for row in rows]
        ))  # fmt: skip
        centers = (
            center_rows(page, names, figures.cells, filters.service) if filters.service else []
        )
        every_service = {sid for cells in figures.by_channel.values() for (sid, _c) in cells}
        lines, lines_total = channel_lines(page, names, figures, names.ordered(every_service))
        return templates.render(
            page,
            "staff/results.html",
            title=page._("Results"),
            nav="staff-results",
            rows=rows,
            total=total,
            center_rows=centers,
            channel_lines=lines,
            channel_total=lines_total,
            burst=figures.burst,
            **context(page, filters, names, user),
        )

    def priorities_of(page: Page, names: Names, figures: Figures) -> list[Priority]:
        by_service: dict[str, list[Any]] = {}
        for (service_id, _center_id), counts in figures.cells.items():
            by_service.setdefault(service_id, []).append(counts)
        items = []
        for service_id, rows in by_service.items():
            cell = Cell.from_counts(_sum(rows))
            if cell.n >= site.settings.staff_min_n:
                items.append(PriorityItem(service_id, cell.dissatisfied.count, cell.n))
        ranked = rank_priorities(items)
        out = []
        for entry in ranked:
            low: Counter[str] = figures.reasons.get(entry.id, {}).get("low", Counter())
            top = [
                (names.reason(reason_id, page.language), count)
                for reason_id, count in low.most_common(TOP_REASONS)
            ]
            out.append(Priority(entry, names.service(entry.id, page.language), top))
        return out

    @router.get("/staff/priorities", response_class=HTMLResponse)
    def priorities(request: Request, user: Analyst) -> HTMLResponse:
        page = Page.of(request)
        filters, names, figures = read(request)
        ranked = priorities_of(page, names, figures)
        rows = [
            IntervalRow(
                p.name,
                p.rank.share or 0.0,
                p.rank.interval.low if p.rank.interval else 0.0,
                p.rank.interval.high if p.rank.interval else 0.0,
                marked=p.rank.overlaps_above,
            )
            for p in ranked
        ]
        chart = interval_chart(
            rows,
            _palette(site),
            title=page._("Share of dissatisfied users, with {level} intervals").format(level="95%"),
            desc=page._(
                "Programs in the order of the table below; a dot is the share of ratings "
                "of 1 or 2, its line the {level} interval; a dashed line: no clear difference "
                "from the program above."
            ).format(level="95%"),
            ident="priorities",
        )
        few = sorted(
            names.service(s, page.language)
            for s in {s for (s, _c) in figures.cells}
            if s not in {p.rank.id for p in ranked}
        )
        ranked_ids = [p.rank.id for p in ranked]
        every_service = {sid for cells in figures.by_channel.values() for (sid, _c) in cells}
        others = names.ordered(every_service - set(ranked_ids))
        lines, lines_total = channel_lines(page, names, figures, ranked_ids + others)
        return templates.render(
            page,
            "staff/priorities.html",
            title=page._("Priorities"),
            nav="priorities",
            priorities=ranked,
            chart=chart,
            too_few=few,
            channel_lines=lines,
            channel_total=lines_total,
            **context(page, filters, names, user),
        )

    def trend_figures(request: Request) -> Trends:
        rollups.refresh(site.engine)
        with site.engine.connect() as conn:
            conn.execution_options(read_only=True)
            filters = Filters.of(request, conn)
            names = load_names(conn)
            year_months = (
                tuple(f"{filters.period.year:04d}-{m:02d}" for m in range(1, 13))
                if filters.period
                else ()
            )
            burst = filters.include_burst
            where: dict[str, Any] = {
                "service_ids": [filters.service] if filters.service else None,
                "center_ids": [filters.center] if filters.center else None,
            }
            by_channel = queries.channel_monthly_counts(
                conn, year_months, include_burst=burst, **where
            )
            where["channel"] = filters.channels
            monthly = queries.monthly_counts(conn, year_months, include_burst=burst, **where)
            hours = queries.hour_table(
                conn, filters.months, channel=filters.channels, include_burst=burst
            )
            reasons = queries.reason_counts(conn, filters.months, include_burst=burst, **where)
        total_by_month: dict[str, list[Sequence[int]]] = {}
        for by_month in monthly.values():
            for month, counts in by_month.items():
                total_by_month.setdefault(month, []).append(counts)
        band_counts: dict[str, Counter[str]] = {"low": Counter(), "high": Counter()}
        for by_band in reasons.values():
            for band, counter in by_band.items():
                band_counts.setdefault(band, Counter()).update(counter)
        return Trends(
            filters=filters,
            names=names,
            months={m: Cell.from_counts(_sum(total_by_month.get(m, []))) for m in year_months},
            by_channel=by_channel,
            hours={key: Cell.from_counts(counts) for key, counts in hours.items()},
            bands=band_counts,
        )

    @router.get("/staff/trends", response_class=HTMLResponse)
    def trends(request: Request, user: Analyst) -> HTMLResponse:
        page = Page.of(request)
        found = trend_figures(request)
        filters, names, month_cells = found.filters, found.names, found.months
        points: list[IntervalRow | None] = []
        for month, cell in month_cells.items():
            interval = cell.satisfied.interval
            shown = interval is not None and cell.n >= site.settings.staff_min_n
            points.append(
                IntervalRow(month, cell.satisfied.share or 0.0, interval.low, interval.high)
                if shown and interval is not None
                else None
            )
        chart = trend_chart(
            points,
            [m[5:] for m in month_cells],
            _palette(site),
            title=page._("Share of satisfied users per month, with {level} intervals").format(
                level="95%"
            ),
            desc=page._("The same figures are in the table below."),
            ident="trend",
        )
        min_n = site.settings.staff_min_n
        month_lines = [
            _channel_line(
                month,
                {ch: [counts] for ch, by_month in found.by_channel.items()
                 if (counts := by_month.get(month)) is not None},
                min_n,
            )
            for month in month_cells
        ]  # fmt: skip
        band_counts = found.bands
        hour_cells = found.hours
        hours_seen = sorted({hour for (_day, hour) in hour_cells})
        return templates.render(
            page,
            "staff/trends.html",
            title=page._("Trends"),
            nav="trends",
            month_cells=month_cells,
            channel_lines=month_lines,
            chart=chart,
            band_counts={
                band: [(names.reason(r, page.language), n) for r, n in counter.most_common(10)]
                for band, counter in band_counts.items()
            },
            hour_cells=hour_cells,
            hours_seen=hours_seen,
            weekdays=[
                page._("Mon"),
                page._("Tue"),
                page._("Wed"),
                page._("Thu"),
                page._("Fri"),
                page._("Sat"),
                page._("Sun"),
            ],
            **context(page, filters, names, user),
        )

    @router.get("/staff/trends/download")
    def download_trends(request: Request, user: Analyst) -> Response:
        page = Page.of(request)
        found = trend_figures(request)
        min_n = site.settings.staff_min_n

        def shares(cell: Cell) -> list[Any]:
            out: list[Any] = []
            for share in (cell.satisfied, cell.dissatisfied):
                if cell.n >= min_n and share.share is not None and share.interval is not None:
                    low, high = share.interval.low, share.interval.high
                    out += [round(share.share * 100, 1), round(low * 100, 1), round(high * 100, 1)]
                else:
                    out += [None, None, None]
            return out

        header = [
            page._("Satisfied (4–5)"),
            page._("Satisfied, {level} interval, low").format(level="95%"),
            page._("Satisfied, {level} interval, high").format(level="95%"),
            page._("Dissatisfied (1–2)"),
            page._("Dissatisfied, {level} interval, low").format(level="95%"),
            page._("Dissatisfied, {level} interval, high").format(level="95%"),
        ]
        months = Table(
            page._("Month"),
            [page._("Month"), "n", *header],
            ([month, cell.n, *shares(cell)] for month, cell in found.months.items()),
        )
        hours = Table(
            page._("Hour"),
            [page._("Weekday (1 = Monday)"), page._("Hour"), "n", *header],
            (
                [day + 1, hour, cell.n, *shares(cell)]
                for (day, hour), cell in sorted(found.hours.items())
            ),
        )
        filters = found.filters
        period = str(filters.period) if filters.period else "none"
        if request.query_params.get("format") == "xlsx":
            return xlsx_response([months, hours], f"trends-{period}.xlsx")
        return csv_response(months, f"trends-{period}.csv")

    @router.get("/staff/comments", response_class=HTMLResponse)
    def comments(request: Request, user: Analyst) -> HTMLResponse:
        page = Page.of(request)
        query = request.query_params
        try:
            number = max(1, int(query.get("page", "1")))
        except ValueError:
            number = 1
        score = query.get("score", "")
        scores = [int(score)] if score in ("1", "2", "3", "4", "5") else None
        show_hidden = query.get("hidden") == "1"
        rollups.refresh(site.engine)
        with site.engine.connect() as conn:
            conn.execution_options(read_only=True)
            filters = Filters.of(request, conn)
            names = load_names(conn)
            found = queries.comments(
                conn,
                months=filters.months,
                service_ids=[filters.service] if filters.service else None,
                center_ids=[filters.center] if filters.center else None,
                scores=scores,
                channel=filters.channels if filters.channel else None,
                include_hidden=show_hidden,
                limit=COMMENTS_PER_PAGE,
                offset=(number - 1) * COMMENTS_PER_PAGE,
            )
        shown = [(comment, mask_personal_data(comment.text).text) for comment in found.comments]
        pages = max(1, -(-found.total // COMMENTS_PER_PAGE))
        return templates.render(
            page,
            "staff/comments.html",
            title=page._("Comments"),
            nav="comments",
            comments=shown,
            total=found.total,
            number=number,
            pages=pages,
            score=score,
            show_hidden=show_hidden,
            score_words={k: page._(v) for k, v in SCORE_WORDS.items()},
            back=request.url.path + ("?" + request.url.query if request.url.query else ""),
            **context(page, filters, names, user),
        )

    @router.post("/staff/comments/moderate")
    def moderate(
        request: Request,
        user: Analyst,
        uuid: Annotated[str, Form()],
        action: Annotated[str, Form()],
        reason: Annotated[str, Form()] = "",
        back: Annotated[str, Form()] = "/staff/comments",
    ) -> Response:
        page = Page.of(request)
        hidden = action == "hide"
        if action not in ("hide", "approve", "unhide"):
            return HTMLResponse(page._("Unknown action."), status_code=400)
        if hidden and not reason.strip():
            reason_text = page._("No reason given")
        else:
            reason_text = reason.strip()[:500] or (
                "approved" if action == "approve" else "shown again"
            )
        try:
            with site.engine.begin() as conn:
                queries.moderate(conn, uuid, hidden, reason_text, user.id)
        except queries.ModerationError:
            return HTMLResponse(page._("There is no such comment."), status_code=404)
        target = back if back.startswith("/staff/comments") else "/staff/comments"
        return RedirectResponse(target, status_code=303)

    # -- downloads ------------------------------------------------------------------------

    def table_of(page: Page, rows: list[Row], first: str) -> Table:
        header = [
            first,
            "n",
            page._("Mean score"),
            page._("Satisfied (4–5), %"),
            page._("Satisfied, {level} interval, low").format(level="95%"),
            page._("Satisfied, {level} interval, high").format(level="95%"),
            page._("Dissatisfied (1–2), %"),
            page._("Dissatisfied, {level} interval, low").format(level="95%"),
            page._("Dissatisfied, {level} interval, high").format(level="95%"),
            *(f"{page._('Score')} {score}" for score in range(1, 6)),
        ]

        def lines() -> Iterator[list[Any]]:
            for row in rows:
                cell = row.cell
                figures: list[Any] = []
                for share in (cell.satisfied, cell.dissatisfied):
                    if row.shown and share.share is not None and share.interval is not None:
                        figures += [
                            round(share.share * 100, 1),
                            round(share.interval.low * 100, 1),
                            round(share.interval.high * 100, 1),
                        ]
                    else:
                        figures += [None, None, None]
                mean = round(cell.mean, 3) if row.shown and cell.mean is not None else None
                yield [row.name, cell.n, mean, *figures, *cell.counts]

        return Table(page._("Results"), header, lines())

    @router.get("/staff/results/download")
    def download(request: Request, user: Analyst) -> Response:
        page = Page.of(request)
        filters, names, figures = read(request)
        rows = service_rows(page, filters, names, figures.cells)
        period = str(filters.period) if filters.period else "none"
        table = table_of(page, rows, page._("Program or service"))
        if request.query_params.get("format") == "xlsx":
            return xlsx_response([table], f"results-{period}.xlsx")
        return csv_response(table, f"results-{period}.csv")

    @router.get("/staff/priorities/download")
    def download_priorities(request: Request, user: Analyst) -> Response:
        page = Page.of(request)
        filters, names, figures = read(request)
        ranked = priorities_of(page, names, figures)
        header = [
            "#",
            page._("Program or service"),
            "n",
            page._("Dissatisfied (1–2)"),
            page._("Dissatisfied, {level} interval, low").format(level="95%"),
            page._("Dissatisfied, {level} interval, high").format(level="95%"),
            page._("Compared with the one above"),
            page._("Most frequent reasons for low scores"),
        ]

        def lines() -> Iterator[list[Any]]:
            for number, entry in enumerate(ranked, start=1):
                rank = entry.rank
                low = rank.interval.low * 100 if rank.interval else None
                high = rank.interval.high * 100 if rank.interval else None
                compared = (
                    ""
                    if number == 1
                    else page._("no clear difference")
                    if rank.overlaps_above
                    else page._("clearly lower")
                )
                yield [
                    number,
                    entry.name,
                    rank.n,
                    round((rank.share or 0) * 100, 1),
                    None if low is None else round(low, 1),
                    None if high is None else round(high, 1),
                    compared,
                    "; ".join(f"{name} ({count})" for name, count in entry.reasons),
                ]

        period = str(filters.period) if filters.period else "none"
        table = Table(page._("Priorities"), header, lines())
        if request.query_params.get("format") == "xlsx":
            return xlsx_response([table], f"priorities-{period}.xlsx")
        return csv_response(table, f"priorities-{period}.csv")

    @router.get("/staff/ratings/download")
    def download_ratings(request: Request, user: Analyst) -> Response:
        with site.engine.connect() as conn:
            filters = Filters.of(request, conn)
        period = str(filters.period) if filters.period else "none"
        header = [
            "service_id",
            "center_id",
            "local_date",
            "local_hour",
            "score",
            "reasons",
            "language",
            "channel",
            "burst",
            "unverified",
        ]

        def lines() -> Iterator[list[Any]]:
            for rating in queries.raw_ratings(
                site.engine,
                filters.months,
                channel=filters.channels,
                include_burst=filters.include_burst,
            ):
                yield [
                    rating["service_id"],
                    rating["center_id"],
                    rating["date"],
                    rating["hour"],
                    rating["score"],
                    ";".join(rating["reasons"]),
                    rating["language"],
                    rating["channel"],
                    int(bool(rating["burst"])),
                    int(bool(rating["unverified"])),
                ]

        table = Table("ratings", header, lines())
        if request.query_params.get("format") == "xlsx":
            return xlsx_response([table], f"ratings-{period}.xlsx")
        return csv_response(table, f"ratings-{period}.csv")

    return router
