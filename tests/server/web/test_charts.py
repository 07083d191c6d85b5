"""Charts are accessible SVG: a role, a title and a description, and escaped text."""

from __future__ import annotations

from server.web.charts import IntervalRow, Palette, distribution_bar, interval_chart, trend_chart

PALETTE = Palette(ink="#1A1A1A", accent="#0B5394", faint="#CCCCCC")


def test_interval_chart_is_labelled_and_escapes_its_text() -> None:
    rows = [IntervalRow("<b>x</b>", 0.3, 0.2, 0.4), IntervalRow("y", 0.25, 0.1, 0.45, True)]
    svg = str(interval_chart(rows, PALETTE, title="A & B", desc="<desc>", ident="p"))
    assert svg.startswith('<svg class="chart" role="img" aria-labelledby="p-title p-desc"')
    assert '<title id="p-title">A &amp; B</title>' in svg
    assert "&lt;desc&gt;" in svg
    assert "<b>" not in svg
    assert svg.count("<circle") == 2
    assert 'stroke-dasharray="4 3"' in svg  # the marked row


def test_distribution_bar_widths_follow_the_counts() -> None:
    colors = ["#111111", "#222222", "#333333", "#444444", "#555555"]
    svg = str(distribution_bar([1, 0, 0, 0, 3], colors, title="t", desc="d", ident="d1"))
    assert svg.count("<rect") == 2
    assert 'width="80.00"' in svg
    assert 'width="240.00"' in svg


def test_trend_chart_leaves_a_gap_for_a_month_without_data() -> None:
    points = [IntervalRow("", 0.5, 0.4, 0.6), None, IntervalRow("", 0.6, 0.5, 0.7)]
    svg = str(trend_chart(points, ["1", "2", "3"], PALETTE, title="t", desc="d", ident="t1"))
    assert svg.count("<circle") == 2
    assert svg.count('stroke-width="2"') == 0  # no line drawn across the gap
