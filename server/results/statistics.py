"""Honest statistics for the results pages: shares with their uncertainty, small numbers kept
small, and priorities ranked by what the data can vouch for rather than by a raw average.

Why these choices:
- A share of a few ratings says little, so every share comes with its 95 % Wilson score
  interval (unlike the textbook "p ± 1.96·se", it stays inside [0, 1] and behaves at 0 of n
  and n of n).
- Satisfied (scores 4–5) and dissatisfied (scores 1–2) are reported separately, each with its
  own interval; there is deliberately no "net score", which hides how many were neutral.
- A cell with few ratings is not published as a percentage (``Visibility``), and in a
  published table other entries are hidden too, so that no sum or difference of the
  published ones gives a hidden one back (``suppress``).
- Priorities are ranked by the lower bound of the share dissatisfied: a program rises only
  as far as the evidence carries it, so three unhappy ratings out of five do not outrank
  three hundred out of a thousand (``rank_priorities``).

Pure functions and frozen dataclasses; the pages do all formatting.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from common.records import SCORES

Z_95 = 1.959963984540054
"""The two-sided 95 % quantile of the normal distribution."""

SATISFIED_SCORES = (4, 5)
DISSATISFIED_SCORES = (1, 2)


@dataclass(frozen=True)
class Interval:
    """A confidence interval for a share, both bounds within [0, 1]."""

    low: float
    high: float

    def overlaps(self, other: Interval) -> bool:
        """Whether the two intervals share a point: the data cannot tell the shares apart."""
        return self.low <= other.high and other.low <= self.high


def wilson(k: int, n: int, z: float = Z_95) -> Interval | None:
    """The Wilson score interval of ``k`` successes in ``n`` trials; ``None`` when ``n`` is 0,
    since nothing can be said about a share of nobody."""
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return None
    p = k / n
    z2 = z * z
    denominator = 1 + z2 / n
    center = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # At 0 of n and n of n the exact bound is 0 or 1; rounding must not move it off.
    low = 0.0 if k == 0 else max(0.0, center - half)
    high = 1.0 if k == n else min(1.0, center + half)
    return Interval(low, high)


@dataclass(frozen=True)
class Share:
    """A count out of ``n``, its share (``None`` when ``n`` is 0) and its Wilson interval."""

    count: int
    n: int
    share: float | None
    interval: Interval | None

    @classmethod
    def of(cls, count: int, n: int) -> Share:
        return cls(count, n, count / n if n else None, wilson(count, n))


@dataclass(frozen=True)
class Cell:
    """The ratings of one program (at one center, in one period) from its five score counts.

    ``distribution`` holds one ``Share`` per score, in score order 1..5.
    """

    counts: tuple[int, int, int, int, int]
    n: int
    distribution: tuple[Share, Share, Share, Share, Share]
    mean: float | None
    satisfied: Share
    """Scores 4 and 5."""
    dissatisfied: Share
    """Scores 1 and 2."""

    @classmethod
    def from_counts(cls, counts: Sequence[int]) -> Cell:
        """``counts[i]`` is the number of ratings with score ``i + 1``."""
        if len(counts) != len(SCORES) or any(c < 0 for c in counts):
            raise ValueError(f"need five non-negative counts (scores 1..5), got {counts!r}")
        c1, c2, c3, c4, c5 = (int(c) for c in counts)
        n = c1 + c2 + c3 + c4 + c5
        by_score = dict(zip(SCORES, (c1, c2, c3, c4, c5), strict=True))
        s1, s2, s3, s4, s5 = (Share.of(c, n) for c in (c1, c2, c3, c4, c5))
        mean = sum(score * count for score, count in by_score.items()) / n if n else None
        return cls(
            counts=(c1, c2, c3, c4, c5),
            n=n,
            distribution=(s1, s2, s3, s4, s5),
            mean=mean,
            satisfied=Share.of(sum(by_score[s] for s in SATISFIED_SCORES), n),
            dissatisfied=Share.of(sum(by_score[s] for s in DISSATISFIED_SCORES), n),
        )

    def visibility(self, min_n: int) -> Visibility:
        return visibility(self.n, min_n)


class Visibility(StrEnum):
    """How much of a cell a page may show, so that a handful of ratings is never dressed up
    as a percentage (and, on the public page, a handful of people cannot be singled out)."""

    SHOWN = "shown"
    """At least ``min_n`` ratings: counts, percentages and intervals."""
    TOO_FEW = "too_few"
    """Some ratings but fewer than ``min_n``: staff pages show the counts and "not enough
    data" instead of percentages; the public page shows only "fewer than {min_n} responses"."""
    NONE = "none"
    """No ratings at all."""


def visibility(n: int, min_n: int) -> Visibility:
    if n <= 0:
        return Visibility.NONE
    return Visibility.SHOWN if n >= min_n else Visibility.TOO_FEW


# --- Secondary suppression of a published table ---------------------------------------------

Position = tuple[str | None, str | None]
"""``(row id, column id)`` of a table entry; ``None`` stands for the total: ``(row, None)`` is a
row total, ``(None, column)`` a column total and ``(None, None)`` the grand total."""


@dataclass(frozen=True)
class Table:
    """The n counts of a table to publish: rows (programs/services) × columns (service
    centers). The totals are the sums of the cells, as the page prints them."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    """``counts[i][j]`` is the n of ``rows[i]`` at ``columns[j]``."""

    def __post_init__(self) -> None:
        if len(set(self.rows)) != len(self.rows) or len(set(self.columns)) != len(self.columns):
            raise ValueError("row and column ids must be unique")
        if len(self.counts) != len(self.rows) or any(
            len(line) != len(self.columns) for line in self.counts
        ):
            raise ValueError("counts must have one line per row and one entry per column")
        if any(c < 0 for line in self.counts for c in line):
            raise ValueError("counts must not be negative")

    @classmethod
    def from_counts(
        cls, rows: Sequence[str], columns: Sequence[str], counts: Mapping[tuple[str, str], int]
    ) -> Table:
        """From ``{(row id, column id): n}``; a missing pair counts 0."""
        unknown = {key for key in counts if key[0] not in rows or key[1] not in columns}
        if unknown:
            raise ValueError(f"counts for unknown rows or columns: {sorted(unknown)}")
        return cls(
            tuple(rows),
            tuple(columns),
            tuple(tuple(counts.get((r, c), 0) for c in columns) for r in rows),
        )

    def n(self, position: Position) -> int:
        row, column = position
        rows = range(len(self.rows)) if row is None else (self.rows.index(row),)
        columns = range(len(self.columns)) if column is None else (self.columns.index(column),)
        return sum(self.counts[i][j] for i in rows for j in columns)

    def lines(self) -> list[list[Position]]:
        """Every set of entries tied by a sum, the line's total last: each row with its total,
        each column with its total, the column totals with the grand total, and the row totals
        with the grand total."""
        rows: list[str | None] = list(self.rows)
        columns: list[str | None] = list(self.columns)
        totals_row: list[Position] = [(None, c) for c in columns]
        totals_column: list[Position] = [(r, None) for r in rows]
        return [
            *([(r, c) for c in columns] + [(r, None)] for r in rows),
            *([(r, c) for r in rows] + [(None, c)] for c in columns),
            [*totals_row, (None, None)],
            [*totals_column, (None, None)],
        ]


def suppress(table: Table, min_n: int) -> set[Position]:
    """The entries (margins included) to hide when publishing ``table`` with threshold
    ``min_n``, so that no hidden n can be found from the published ones.

    Primary: every entry with 0 < n < min_n. Then, until nothing changes, every line with
    exactly one hidden entry gets a second: its smallest other non-zero entry, a cell before
    the line's total, so no single subtraction gives a hidden entry back. That "two per line"
    rule alone still leaves a hidden entry recoverable when adding and subtracting whole lines
    isolates it (two blocks of hidden cells joined by one hidden cell), so such an entry is
    then tied back into a cycle by the cheapest published entries that do it.

    Zeros are published: they describe nobody, and hiding one protects nothing (a zero cannot
    serve as the complement).
    """
    lines = table.lines()
    order = list(dict.fromkeys(position for line in lines for position in line))
    counts = {position: table.n(position) for position in order}
    hidden = {position for position, n in counts.items() if 0 < n < min_n}
    while True:
        _two_per_line(lines, counts, hidden)
        bridge = next((p for p in order if p in hidden and _is_bridge(p, hidden)), None)
        if bridge is None:
            return hidden
        hidden |= _cheapest_detour(bridge, order, counts, hidden)


def _two_per_line(
    lines: list[list[Position]], counts: dict[Position, int], hidden: set[Position]
) -> None:
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(position in hidden for position in line) != 1:
                continue
            total = line[-1]
            candidates = [p for p in line if p not in hidden and counts[p] > 0]
            # Never empty: with one positive entry hidden, the sum tying the line forces
            # another positive entry (the total, or a cell when the total is the hidden one).
            hidden.add(min(candidates, key=lambda p: (p == total, counts[p], line.index(p))))
            changed = True


def suppress_line(counts: Mapping[str, int], min_n: int) -> set[str]:
    """The entries to hide of one line whose total is published and whose entries appear in
    no other published sum: every entry with 0 < n < min_n and, when that is exactly one,
    the smallest other non-zero entry too, so the total minus the rest gives neither back.
    (With one hidden entry the total forces another non-zero one, unless the total itself is
    below ``min_n`` and is hidden as well.)"""
    hidden = {key for key, n in counts.items() if 0 < n < min_n}
    if len(hidden) == 1:
        others = [key for key, n in counts.items() if key not in hidden and n > 0]
        if others:
            hidden.add(min(others, key=lambda key: (counts[key], list(counts).index(key))))
    return hidden


# An entry (row, column) ties the node of its row line to the node of its column line (the
# totals row and the totals column are lines too). With the hidden entries as edges, one is
# computable from the published entries exactly when it lies on no cycle: every cycle of
# this bipartite graph lets the hidden values shift by +t, −t in turn without changing a sum.
_Node = tuple[bool, str | None]
"""``(True, row)`` or ``(False, column)``; ``None`` is the totals row or column."""


def _ends(position: Position) -> tuple[_Node, _Node]:
    return (True, position[0]), (False, position[1])


def _is_bridge(edge: Position, hidden: set[Position]) -> bool:
    start, goal = _ends(edge)
    neighbours: dict[_Node, list[_Node]] = {}
    for position in hidden - {edge}:
        a, b = _ends(position)
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    seen, todo = {start}, [start]
    while todo:
        for node in neighbours.get(todo.pop(), []):
            if node == goal:
                return False
            if node not in seen:
                seen.add(node)
                todo.append(node)
    return True


def _cheapest_detour(
    bridge: Position, order: list[Position], counts: dict[Position, int], hidden: set[Position]
) -> set[Position]:
    """The published entries to hide so that ``bridge`` lies on a cycle: the path between its
    two ends (not through it) that hides the fewest ratings, over non-zero entries only.
    Such a path always exists: a row's total, the grand total and a column's total connect
    any row to any column."""
    start, goal = _ends(bridge)
    edges: dict[_Node, list[tuple[int, _Node, Position]]] = {}
    for position in order:
        if position == bridge or counts[position] == 0:
            continue
        cost = 0 if position in hidden else counts[position]
        a, b = _ends(position)
        edges.setdefault(a, []).append((cost, b, position))
        edges.setdefault(b, []).append((cost, a, position))
    best: dict[_Node, int] = {start: 0}
    via: dict[_Node, tuple[_Node, Position]] = {}
    pushed = itertools.count()  # ties leave the heap in the order they came, never by node
    queue: list[tuple[int, int, _Node]] = [(0, next(pushed), start)]
    while queue:
        so_far, _, node = heapq.heappop(queue)
        if node == goal:
            break
        if so_far > best[node]:
            continue
        for cost, other, position in edges.get(node, []):
            if other not in best or so_far + cost < best[other]:
                best[other] = so_far + cost
                via[other] = (node, position)
                heapq.heappush(queue, (so_far + cost, next(pushed), other))
    path: set[Position] = set()
    node = goal
    while node != start:
        node, position = via[node]
        path.add(position)
    return path - hidden


# --- Priorities ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriorityItem:
    """A program (or service) with how many of its ``n`` ratings were dissatisfied (1–2)."""

    id: str
    dissatisfied: int
    n: int


@dataclass(frozen=True)
class RankedPriority:
    """One line of the priorities list, highest need first.

    ``overlaps_above`` / ``overlaps_below``: this interval overlaps the one ranked just above /
    just below, so the data show no clear difference between the two (the page says so
    instead of implying an order the ratings cannot support).
    """

    id: str
    dissatisfied: int
    n: int
    share: float | None
    interval: Interval | None
    overlaps_above: bool
    overlaps_below: bool


def rank_priorities(items: Iterable[PriorityItem]) -> list[RankedPriority]:
    """Items ranked by the Wilson lower bound of their share dissatisfied, highest first:
    what the ratings show at least, not what a few of them suggest. Ties go to the higher
    share, then the larger n, then the given order; items without ratings come last."""
    shares = [(item, Share.of(item.dissatisfied, item.n)) for item in items]

    def key(entry: tuple[PriorityItem, Share]) -> tuple[bool, float, float, int]:
        item, share = entry
        if share.interval is None or share.share is None:
            return (True, 0.0, 0.0, 0)
        return (False, -share.interval.low, -share.share, -item.n)

    ordered = sorted(shares, key=key)
    intervals = [share.interval for _, share in ordered]

    def overlap(i: int, j: int) -> bool:
        if not 0 <= j < len(intervals):
            return False
        a, b = intervals[i], intervals[j]
        return a is not None and b is not None and a.overlaps(b)

    return [
        RankedPriority(
            id=item.id,
            dissatisfied=item.dissatisfied,
            n=item.n,
            share=share.share,
            interval=share.interval,
            overlaps_above=overlap(i, i - 1),
            overlaps_below=overlap(i, i + 1),
        )
        for i, (item, share) in enumerate(ordered)
    ]
