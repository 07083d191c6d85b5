"""Charts as inline SVG drawn on the server: no script, no canvas, nothing to download.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that says in words
what it shows; the pages put the same numbers in a table beside it, so a screen reader or a
text browser gets everything. Colours come from the theme (non-text graphics need 3:1 against
the page, which the theme's primary and text colours give). Jinja2's ``Markup`` is returned so
templates can place a chart without ``|safe``; every text inside is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup


@dataclass(frozen=True)
class IntervalRow:
    """One bar of an interval chart: a share (0–1) with its 95 % interval."""

    label: str
    share: float
    low: float
    high: float
    marked: bool = False
    """Drawn hatched: e.g. "no clear difference" from the row above."""


@dataclass(frozen=True)
class Palette:
    ink: str
    accent: str
    faint: str


def _svg(width: int, height: int, title: str, desc: str, body: str, ident: str) -> Markup:
    t, d = f"{ident}-title", f"{ident}-desc"
    return Markup(
        f'<svg class="chart" role="img" aria-labelledby="{t} {d}" viewBox="0 0 {width} {height}"'
        f' width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{t}">{escape(title)}</title><desc id="{d}">{escape(desc)}</desc>{body}</svg>'
    )


def interval_chart(
    rows: Sequence[IntervalRow],
    palette: Palette,
    *,
    title: str,
    desc: str,
    ident: str,
    percent: str = "{:.0%}",
) -> Markup:
    """Horizontal dots with their interval as a line, one row per item, on a 0–100 % axis.

    Labels stay in the table beside the chart (they can be long, in Georgian); the chart
    carries the row number so the two can be read together.
    """
    left, right, row_h, top = 34, 30, 34, 30
    width = 420
    plot = width - left - right
    height = top + row_h * len(rows) + 8
    x = lambda share: left + plot * max(0.0, min(1.0, share))  # noqa: E731
    parts = []
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{height - 4}" '
            f'stroke="{palette.faint}" stroke-width="1"/>'
            f'<text x="{x(tick):.1f}" y="{top - 10}" font-size="16" text-anchor="middle" '
            f'fill="{palette.ink}">{escape(percent.format(tick))}</text>'
        )
    for index, row in enumerate(rows):
        y = top + row_h * index + row_h / 2
        dash = ' stroke-dasharray="4 3"' if row.marked else ""
        parts.append(
            f'<text x="2" y="{y + 6:.1f}" font-size="17" fill="{palette.ink}">{index + 1}</text>'
            f'<line x1="{x(row.low):.1f}" y1="{y:.1f}" x2="{x(row.high):.1f}" y2="{y:.1f}" '
            f'stroke="{palette.accent}" stroke-width="4" stroke-linecap="round"{dash}/>'
            f'<circle cx="{x(row.share):.1f}" cy="{y:.1f}" r="6" fill="{palette.ink}"/>'
        )
    return _svg(width, height, title, desc, "".join(parts), ident)


def distribution_bar(
    counts: Sequence[int], colors: Sequence[str], *, title: str, desc: str, ident: str
) -> Markup:
    """One stacked bar of the five scores (1 to 5, left to right), widths by count."""
    width, height = 320, 24
    total = sum(counts)
    parts = []
    start = 0.0
    for count, color in zip(counts, colors, strict=True):
        if total and count:
            span = width * count / total
            parts.append(
                f'<rect x="{start:.2f}" y="0" width="{span:.2f}" height="{height}" fill="{color}"/>'
            )
            start += span
    if not total:
        parts.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="none"/>')
    return _svg(width, height, title, desc, "".join(parts), ident)


def trend_chart(
    points: Sequence[IntervalRow | None],
    month_labels: Sequence[str],
    palette: Palette,
    *,
    title: str,
    desc: str,
    ident: str,
) -> Markup:
    """A share per month with its interval as a vertical line; a month without data is a gap."""
    left, bottom, top = 52, 34, 16
    width, height = 400, 220
    plot_w, plot_h = width - left - 8, height - top - bottom
    step = plot_w / max(1, len(points))
    y = lambda share: top + plot_h * (1 - max(0.0, min(1.0, share)))  # noqa: E731
    parts = []
    for tick in (0.0, 0.5, 1.0):
        parts.append(
            f'<line x1="{left}" y1="{y(tick):.1f}" x2="{width - 8}" y2="{y(tick):.1f}" '
            f'stroke="{palette.faint}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y(tick) + 5:.1f}" font-size="16" text-anchor="end" '
            f'fill="{palette.ink}">{tick:.0%}</text>'
        )
    previous: tuple[float, float] | None = None
    for index, (point, label) in enumerate(zip(points, month_labels, strict=True)):
        cx = left + step * index + step / 2
        if index % 2 == 0 or len(month_labels) <= 6:
            parts.append(
                f'<text x="{cx:.1f}" y="{height - 8}" font-size="15" text-anchor="middle" '
                f'fill="{palette.ink}">{escape(label)}</text>'
            )
        if point is None:
            previous = None
            continue
        parts.append(
            f'<line x1="{cx:.1f}" y1="{y(point.low):.1f}" x2="{cx:.1f}" y2="{y(point.high):.1f}" '
            f'stroke="{palette.accent}" stroke-width="4" stroke-linecap="round"/>'
        )
        if previous is not None:
            parts.append(
                f'<line x1="{previous[0]:.1f}" y1="{previous[1]:.1f}" x2="{cx:.1f}" '
                f'y2="{y(point.share):.1f}" stroke="{palette.ink}" stroke-width="2"/>'
            )
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{y(point.share):.1f}" r="4" fill="{palette.ink}"/>'
        )
        previous = (cx, y(point.share))
    return _svg(width, height, title, desc, "".join(parts), ident)
