"""Results statistics against values computed by hand.

Wilson bounds are checked against the roots of the quadratic the interval comes from,
(p̂ − p)² = z²·p(1 − p)/n, i.e. a·p² − b·p + c = 0 with a = n + z², b = 2k + z², c = k²/n and
p = (b ± √(b² − 4ac)) / 2a — a different route from the centre ± half-width form the code uses.
z = 1.959963984540054, z² = 3.841459 (rounded; bounds compared to 1e-6).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.results.statistics import (
    Cell,
    Interval,
    Position,
    PriorityItem,
    Table,
    Visibility,
    rank_priorities,
    suppress,
    suppress_line,
    visibility,
    wilson,
)

TOL = 1e-6


def bounds(interval: Interval | None) -> tuple[float, float]:
    assert interval is not None
    return interval.low, interval.high


# --- wilson ----------------------------------------------------------------------------------


def test_wilson_half_of_ten() -> None:
    # k=5, n=10: a = 13.841459, b = 13.841459, c = 2.5; b² − 4ac = 191.585 − 138.415 = 53.171394,
    # √ = 7.291872; p = (13.841459 ∓ 7.291872) / 27.682918 = 0.236593, 0.763407
    assert bounds(wilson(5, 10)) == pytest.approx((0.236593, 0.763407), abs=TOL)


def test_wilson_none_of_n_starts_at_zero() -> None:
    # k=0, n=10: c = 0, so p = 0 or p = b/a = z²/(n + z²) = 3.841459/13.841459 = 0.277533
    assert bounds(wilson(0, 10)) == (0.0, pytest.approx(0.277533, abs=TOL))


def test_wilson_all_of_n_ends_at_one() -> None:
    # k=n=10: mirror of 0 of 10: low = n/(n + z²) = 10/13.841459 = 0.722467, high = 1
    assert bounds(wilson(10, 10)) == (pytest.approx(0.722467, abs=TOL), 1.0)


def test_wilson_single_rating() -> None:
    # n=1, k=0: high = z²/(1 + z²) = 3.841459/4.841459 = 0.793451
    assert bounds(wilson(0, 1)) == (0.0, pytest.approx(0.793451, abs=TOL))
    # n=1, k=1: low = 1/(1 + z²) = 1/4.841459 = 0.206549
    assert bounds(wilson(1, 1)) == (pytest.approx(0.206549, abs=TOL), 1.0)


def test_wilson_of_nobody_is_none() -> None:
    assert wilson(0, 0) is None


@pytest.mark.parametrize("n", [1, 2, 3, 7, 50, 1000, 123_457])
def test_wilson_bounds_stay_within_zero_and_one(n: int) -> None:
    for k in {0, 1, n // 2, n - 1, n}:
        interval = wilson(k, n)
        assert interval is not None
        assert 0.0 <= interval.low <= k / n <= interval.high <= 1.0


def test_wilson_takes_another_z() -> None:
    # z = 1, k=0, n=1: high = z²/(n + z²) = 1/2
    assert bounds(wilson(0, 1, z=1.0)) == (0.0, 0.5)


@pytest.mark.parametrize(("k", "n"), [(-1, 5), (6, 5), (0, -1)])
def test_wilson_refuses_impossible_counts(k: int, n: int) -> None:
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson(k, n)


# --- Cell ------------------------------------------------------------------------------------


def test_cell_from_counts() -> None:
    cell = Cell.from_counts([2, 3, 5, 6, 4])
    assert cell.counts == (2, 3, 5, 6, 4)
    assert cell.n == 20  # 2 + 3 + 5 + 6 + 4
    # (1·2 + 2·3 + 3·5 + 4·6 + 5·4) / 20 = (2 + 6 + 15 + 24 + 20) / 20 = 67/20
    assert cell.mean == pytest.approx(3.35)
    assert [s.count for s in cell.distribution] == [2, 3, 5, 6, 4]
    # 2/20, 3/20, 5/20, 6/20, 4/20
    assert [s.share for s in cell.distribution] == pytest.approx([0.10, 0.15, 0.25, 0.30, 0.20])
    # score 4, k=6, n=20: a = 23.841459, b = 15.841459, c = 1.8; b² − 4ac = 250.952 − 171.659
    # = 79.293314, √ = 8.904679; p = (15.841459 ∓ 8.904679) / 47.682918 = 0.145477, 0.518973
    assert bounds(cell.distribution[3].interval) == pytest.approx((0.145477, 0.518973), abs=TOL)

    # satisfied = scores 4–5 = 6 + 4 = 10 of 20 = 0.5; a = b = 23.841459, c = 5;
    # b² − 4ac = 568.415 − 476.829 = 91.585982, √ = 9.570057;
    # p = (23.841459 ∓ 9.570057) / 47.682918 = 0.299298, 0.700702
    assert (cell.satisfied.count, cell.satisfied.n) == (10, 20)
    assert cell.satisfied.share == pytest.approx(0.5)
    assert bounds(cell.satisfied.interval) == pytest.approx((0.299298, 0.700702), abs=TOL)

    # dissatisfied = scores 1–2 = 2 + 3 = 5 of 20 = 0.25; a = 23.841459, b = 13.841459,
    # c = 1.25; b² − 4ac = 191.585 − 119.207 = 72.378688, √ = 8.507567;
    # p = (13.841459 ∓ 8.507567) / 47.682918 = 0.111862, 0.468701
    assert cell.dissatisfied.count == 5
    assert cell.dissatisfied.share == pytest.approx(0.25)
    assert bounds(cell.dissatisfied.interval) == pytest.approx((0.111862, 0.468701), abs=TOL)
    assert not hasattr(cell, "net")  # no net score: it hides how many were neutral


def test_empty_cell_has_no_shares_and_no_mean() -> None:
    cell = Cell.from_counts((0, 0, 0, 0, 0))
    assert cell.n == 0
    assert cell.mean is None
    assert cell.satisfied.share is None
    assert cell.satisfied.interval is None
    assert cell.dissatisfied.count == 0
    assert all(s.share is None and s.interval is None for s in cell.distribution)


def test_cell_of_one_score_only() -> None:
    cell = Cell.from_counts([0, 0, 0, 0, 3])
    assert cell.mean == 5.0
    # k=n=3: low = 3/(3 + z²) = 3/6.841459 = 0.438503
    assert bounds(cell.satisfied.interval) == (pytest.approx(0.438503, abs=TOL), 1.0)
    # k=0, n=3: high = z²/(3 + z²) = 3.841459/6.841459 = 0.561497
    assert bounds(cell.dissatisfied.interval) == (0.0, pytest.approx(0.561497, abs=TOL))


@pytest.mark.parametrize("counts", [[1, 2, 3, 4], [1, 2, 3, 4, 5, 6], [1, -1, 0, 0, 0]])
def test_cell_refuses_bad_counts(counts: list[int]) -> None:
    with pytest.raises(ValueError, match="five non-negative counts"):
        Cell.from_counts(counts)


# --- Visibility ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, Visibility.NONE),
        (1, Visibility.TOO_FEW),
        (9, Visibility.TOO_FEW),
        (10, Visibility.SHOWN),
        (11, Visibility.SHOWN),
    ],
)
def test_visibility_at_ten(n: int, expected: Visibility) -> None:
    assert visibility(n, 10) is expected


def test_cell_visibility_depends_on_the_threshold() -> None:
    cell = Cell.from_counts([1, 1, 1, 1, 3])  # n = 7
    assert cell.visibility(5) is Visibility.SHOWN  # staff threshold
    assert cell.visibility(10) is Visibility.TOO_FEW  # public threshold
    assert Cell.from_counts([0] * 5).visibility(5) is Visibility.NONE
    assert Visibility.TOO_FEW == "too_few"  # the pages' templates compare strings


# --- Secondary suppression -------------------------------------------------------------------


def grid(rows: str, columns: str, *lines: tuple[int, ...]) -> Table:
    """A table from one letter per row and per column id, and the n counts row by row."""
    return Table(tuple(rows), tuple(columns), tuple(lines))


def lines_of(table: Table) -> list[list[Position]]:
    """Written out again here rather than trusted from ``Table.lines``."""
    rows: list[str | None] = [*table.rows, None]
    columns: list[str | None] = [*table.columns, None]
    return [[(r, c) for c in columns] for r in rows] + [[(r, c) for r in rows] for c in columns]


def assert_two_per_line(table: Table, hidden: set[Position]) -> None:
    """Brute force over every line (each row, each column, the totals row and column, all with
    their totals): a line with exactly one hidden entry gives it away by subtraction."""
    for line in lines_of(table):
        count = sum(position in hidden for position in line)
        assert count != 1, f"{line} has one hidden entry: recoverable by subtraction"


def recoverable(table: Table, hidden: set[Position]) -> set[Position]:
    """Hidden entries an attacker can compute exactly from the published ones with any
    combination of the line sums (exact linear algebra over the hidden unknowns)."""
    unknowns = sorted(hidden, key=str)
    equations: list[list[Fraction]] = []
    for line in lines_of(table):
        *cells, total = line
        row = [Fraction(0)] * len(unknowns)
        for position in cells:
            if position in hidden:
                row[unknowns.index(position)] += 1
        if total in hidden:
            row[unknowns.index(total)] -= 1
        equations.append(row)

    def rank(matrix: list[list[Fraction]]) -> int:
        m = [r[:] for r in matrix]
        rank = 0
        for col in range(len(unknowns)):
            pivot = next((i for i in range(rank, len(m)) if m[i][col] != 0), None)
            if pivot is None:
                continue
            m[rank], m[pivot] = m[pivot], m[rank]
            for i in range(len(m)):
                if i != rank and m[i][col] != 0:
                    factor = m[i][col] / m[rank][col]
                    m[i] = [a - factor * b for a, b in zip(m[i], m[rank], strict=True)]
            rank += 1
        return rank

    base = rank(equations)
    found = set()
    for index, position in enumerate(unknowns):
        unit = [Fraction(int(i == index)) for i in range(len(unknowns))]
        if rank([*equations, unit]) == base:
            found.add(position)
    return found


def test_totals_are_the_sums() -> None:
    table = grid("AB", "xyz", (25, 3, 40), (30, 20, 15))
    assert table.n(("A", None)) == 68  # 25 + 3 + 40
    assert table.n((None, "y")) == 23  # 3 + 20
    assert table.n((None, None)) == 133  # 68 + 65
    assert table.n(("B", "z")) == 15


def test_a_total_and_all_but_one_center_are_never_all_published() -> None:
    # min_n = 10       x    y    z  | total
    #   A             25    3   40  |  68
    #   B             30   20   15  |  65
    #   total         55   23   55  | 133
    # Primary: (A, y) = 3. Published as is, A's total 68 − 25 − 40 gives the 3 back.
    table = grid("AB", "xyz", (25, 3, 40), (30, 20, 15))
    assert recoverable(table, {("A", "y")}) == {("A", "y")}  # the attack the rule prevents

    hidden = suppress(table, 10)
    # Row A: one hidden → its smallest other non-zero cell, x = 25 (not z = 40, not the 68).
    # Column x: (A, x) alone → (B, x) = 30 (not the total 55).
    # Column y: (A, y) alone → (B, y) = 20 (not the total 23).
    # Row B: now x and y, two hidden; the totals lines: none hidden. Stable.
    assert hidden == {("A", "x"), ("A", "y"), ("B", "x"), ("B", "y")}
    assert_two_per_line(table, hidden)
    assert recoverable(table, hidden) == set()


def test_suppression_cascades_across_rows_and_columns() -> None:
    # min_n = 5        1    2    3  | total
    #   P              3   12   90  | 105
    #   Q             40   15   20  |  75
    #   R             25   30   22  |  77
    # Primary: (P, 1) = 3.
    # Pass 1 — row P: → (P, 2) = 12 (smallest of 12, 90);
    #          column 1: (P, 1) alone → (R, 1) = 25 (smallest of 40, 25);
    #          column 2: (P, 2) alone → (Q, 2) = 15 (smallest of 15, 30).
    # Pass 2 — row Q: (Q, 2) alone → (Q, 3) = 20 (smallest of 40, 20);
    #          row R: (R, 1) alone → (R, 3) = 22 (smallest of 30, 22);
    #          column 3: (Q, 3), (R, 3), two hidden. Pass 3 changes nothing.
    table = grid("PQR", "123", (3, 12, 90), (40, 15, 20), (25, 30, 22))
    hidden = suppress(table, 5)
    assert hidden == {("P", "1"), ("P", "2"), ("Q", "2"), ("Q", "3"), ("R", "1"), ("R", "3")}
    assert_two_per_line(table, hidden)
    assert recoverable(table, hidden) == set()


def test_one_column_table_hides_totals_too() -> None:
    # min_n = 10     hall | total
    #   A               4 |   4
    #   B              25 |  25
    #   C              12 |  12
    #   D               0 |   0
    #   total          41 |  41
    # Primary: (A, hall) = 4 and its row total (A) = 4 (the same number).
    # Column hall: (A, hall) alone → smallest non-zero of B 25, C 12 (D is 0) → (C, hall).
    # Row totals: (A, total) alone → (C, total) = 12 (not B 25, not D 0, not the 41).
    # Row C: hall and total, two hidden. Stable.
    table = grid("ABCD", "h", (4,), (25,), (12,), (0,))
    hidden = suppress(table, 10)
    assert hidden == {("A", "h"), ("A", None), ("C", "h"), ("C", None)}
    assert_two_per_line(table, hidden)
    assert recoverable(table, hidden) == set()


def test_a_small_row_hides_its_total_and_zeros_stay_published() -> None:
    # min_n = 5        x    y    z  | total
    #   A              2    0    0  |   2
    #   B              9    0    6  |  15
    #   C              8    7    0  |  15
    #   total         19    7    6  |  32
    # Primary: (A, x) = 2 and A's total 2: row A has two hidden (the zeros are not needed).
    # Column x: (A, x) alone → smallest of B 9, C 8 → (C, x).
    # Row totals: (A, total) alone → smallest non-zero of B 15, C 15 → B (first of the tie).
    # Pass 2 — row B: its total alone → smallest cell 6 → (B, z) (x = 9 is larger).
    #          row C: (C, x) alone → (C, y) = 7 (the zero at z never).
    #          column y: (C, y) alone → B and A are 0 → the total (None, y) = 7.
    #          column z: (B, z) alone → A and C are 0 → the total (None, z) = 6.
    #          totals row: y and z totals, two hidden.
    # Pass 3 — row B: total and z: two. Row C: x and y: two. Stable.
    table = grid("ABC", "xyz", (2, 0, 0), (9, 0, 6), (8, 7, 0))
    hidden = suppress(table, 5)
    assert hidden == {
        ("A", "x"),
        ("A", None),
        ("C", "x"),
        ("B", None),
        ("B", "z"),
        ("C", "y"),
        (None, "y"),
        (None, "z"),
    }
    assert all(table.n(position) > 0 for position in hidden)
    assert_two_per_line(table, hidden)
    assert recoverable(table, hidden) == set()


def test_a_hidden_cell_joining_two_blocks_is_tied_back_into_a_cycle() -> None:
    # min_n = 5        0    1    2  | total
    #   r0             1   20   40  |  61
    #   r1             0    0    8  |   8
    #   r2            40    0    1  |  41
    #   total         41   20   49  | 110
    # Primary: (r0, 0) = 1, (r2, 2) = 1. Two per line:
    # Pass 1 — row r0 → (r0, 1) = 20; row r2 → (r2, 0) = 40 (not its total 41);
    #          column 1: (r0, 1) alone, r1 and r2 are 0 → its total 20;
    #          column 2: (r2, 2) alone → (r1, 2) = 8 (not 40, not 49);
    #          totals row: the column-1 total alone → the column-0 total 41 (not 49, not 110).
    # Pass 2 — row r1: (r1, 2) alone, its cells 0 → its total 8;
    #          totals column: r1's total alone → r2's total 41 (not 61, not 110). Stable.
    # Every line now has 0 or ≥ 2 hidden, yet (r2, 0) can be computed:
    #   totals column: r1 total + r2 total = 110 − 61 = 49; column 2: (r1, 2) + (r2, 2) = 49 − 40
    #   = 9; row r1: (r1, 2) = r1 total; row r2: (r2, 0) = r2 total − (r2, 2); so
    #   (r2, 0) = 49 − 9 = 40.
    two_per_line = {
        ("r0", "0"),
        ("r0", "1"),
        ("r2", "0"),
        ("r2", "2"),
        ("r1", "2"),
        ("r1", None),
        ("r2", None),
        (None, "0"),
        (None, "1"),
    }
    table = Table(("r0", "r1", "r2"), ("0", "1", "2"), ((1, 20, 40), (0, 0, 8), (40, 0, 1)))
    assert_two_per_line(table, two_per_line)
    assert recoverable(table, two_per_line) == {("r2", "0")}
    # The cheapest published entries joining row r2 to column 0 another way: r2 reaches r1 and
    # column 2 through hidden entries; column 0 reaches r0 and the totals row through hidden
    # entries; between them (r0, 2) = 40 is cheaper than the column-2 total 49 or r0's
    # total 61 (the zeros cannot be used). So (r0, 2) is hidden too.
    hidden = suppress(table, 5)
    assert hidden == two_per_line | {("r0", "2")}
    assert_two_per_line(table, hidden)
    assert recoverable(table, hidden) == set()


def test_nothing_to_hide() -> None:
    table = grid("AB", "xy", (10, 0), (12, 30))
    assert suppress(table, 10) == set()
    assert suppress(grid("AB", "xy", (0, 0), (0, 0)), 10) == set()
    assert suppress(grid("A", "x", (3,)), 1) == set()  # threshold 1: nothing is small


def test_table_from_counts_fills_zeros_and_checks_ids() -> None:
    table = Table.from_counts(["a", "b"], ["x"], {("a", "x"): 4})
    assert table.counts == ((4,), (0,))
    with pytest.raises(ValueError, match="unknown"):
        Table.from_counts(["a"], ["x"], {("b", "x"): 1})
    with pytest.raises(ValueError, match="unique"):
        Table(("a", "a"), ("x",), ((1,), (2,)))
    with pytest.raises(ValueError, match="one line per row"):
        Table(("a",), ("x", "y"), ((1,),))
    with pytest.raises(ValueError, match="negative"):
        Table(("a",), ("x",), ((-1,),))


@settings(deadline=None)  # exact linear algebra in the check, not in the code under test
@given(
    st.integers(1, 4).flatmap(
        lambda width: st.lists(
            st.lists(st.integers(0, 14), min_size=width, max_size=width), min_size=1, max_size=4
        )
    ),
    st.integers(1, 12),
)
def test_no_hidden_entry_of_any_table_can_be_computed(counts: list[list[int]], min_n: int) -> None:
    table = Table(
        tuple(f"r{i}" for i in range(len(counts))),
        tuple(f"c{j}" for j in range(len(counts[0]))),
        tuple(tuple(line) for line in counts),
    )
    hidden = suppress(table, min_n)
    every = [position for line in lines_of(table) for position in line]
    assert {p for p in every if 0 < table.n(p) < min_n} <= hidden
    assert all(table.n(position) > 0 for position in hidden)
    assert_two_per_line(table, hidden)
    assert recoverable(table, hidden) == set()


# --- Priorities ------------------------------------------------------------------------------


def test_priorities_rank_by_the_lower_bound() -> None:
    ranked = rank_priorities(
        [
            # 3 of 5 = 60 %: a = 8.841459, b = 9.841459, c = 1.8; b² − 4ac = 96.855 − 63.659
            # = 33.195808, √ = 5.761580; p = (9.841459 ∓ 5.761580) / 17.682918 = 0.230724, 0.882379
            PriorityItem("small", 3, 5),
            # 300 of 1000 = 30 %: a = 1003.841459, b = 603.841459, c = 90;
            # b² − 4ac = 364624.5 − 361382.9 = 3241.582215, √ = 56.934895;
            # p = (603.841459 ∓ 56.934895) / 2007.682918 = 0.272407, 0.329124
            PriorityItem("large", 300, 1000),
            # 1 of 50 = 2 %: a = 53.841459, b = 5.841459, c = 0.02; b² − 4ac = 34.123 − 4.307
            # = 29.815324, √ = 5.460341; p = (5.841459 ∓ 5.460341) / 107.682918 = 0.003539, 0.104954
            PriorityItem("content", 1, 50),
            PriorityItem("unrated", 0, 0),
            # 0 of 3: [0, z²/(3 + z²)] = [0, 3.841459/6.841459] = [0, 0.561497]
            PriorityItem("few", 0, 3),
        ]
    )
    # 0.272407 > 0.230724 > 0.003539 > 0; unrated last. The 60 % of 5 ranks below the 30 % of
    # 1000: the lower bound asks what the ratings show at least.
    assert [r.id for r in ranked] == ["large", "small", "content", "few", "unrated"]
    large, small, content, few, unrated = ranked
    assert large.share == pytest.approx(0.3)
    assert small.share == pytest.approx(0.6)
    assert (large.dissatisfied, large.n) == (300, 1000)
    assert bounds(large.interval) == pytest.approx((0.272407, 0.329124), abs=TOL)
    assert bounds(small.interval) == pytest.approx((0.230724, 0.882379), abs=TOL)
    assert bounds(content.interval) == pytest.approx((0.003539, 0.104954), abs=TOL)
    assert bounds(few.interval) == pytest.approx((0.0, 0.561497), abs=TOL)
    assert unrated.interval is None
    assert unrated.share is None

    # large [0.2724, 0.3291] and small [0.2307, 0.8824] overlap: no clear difference.
    assert (large.overlaps_above, large.overlaps_below) == (False, True)
    assert (small.overlaps_above, small.overlaps_below) == (True, False)
    # small's low 0.2307 is above content's high 0.1050: a clear difference.
    # content [0.0035, 0.1050] and few [0, 0.5615] overlap.
    assert (content.overlaps_above, content.overlaps_below) == (False, True)
    # unrated has no interval: nothing to overlap.
    assert (few.overlaps_above, few.overlaps_below) == (True, False)
    assert (unrated.overlaps_above, unrated.overlaps_below) == (False, False)


def test_priorities_separate_when_intervals_do_not_touch() -> None:
    # 15 of 20: a = 23.841459, b = 33.841459, c = 11.25; b² − 4ac = 72.378688, √ = 8.507567;
    # p = (33.841459 ∓ 8.507567) / 47.682918 = 0.531299, 0.888138
    # 2 of 20: b = 7.841459, c = 0.2; b² − 4ac = 61.489 − 19.073 = 42.415309, √ = 6.512704;
    # p = (7.841459 ∓ 6.512704) / 47.682918 = 0.027866, 0.301034
    ranked = rank_priorities([PriorityItem("b", 2, 20), PriorityItem("a", 15, 20)])
    assert [r.id for r in ranked] == ["a", "b"]
    assert bounds(ranked[0].interval) == pytest.approx((0.531299, 0.888138), abs=TOL)
    assert bounds(ranked[1].interval) == pytest.approx((0.027866, 0.301034), abs=TOL)
    assert not ranked[0].overlaps_below  # 0.531299 > 0.301034
    assert not ranked[1].overlaps_above


def test_priorities_ties_and_empty_input() -> None:
    # 0 of 3 and 0 of 10 both have lower bound 0 and share 0: the larger n goes first.
    ranked = rank_priorities([PriorityItem("three", 0, 3), PriorityItem("ten", 0, 10)])
    assert [r.id for r in ranked] == ["ten", "three"]
    assert ranked[0].overlaps_below and ranked[1].overlaps_above
    assert rank_priorities([]) == []
    with pytest.raises(ValueError, match="0 <= k <= n"):
        rank_priorities([PriorityItem("x", 4, 3)])


def test_a_line_with_one_small_entry_hides_its_smallest_other_entry_too() -> None:
    assert suppress_line({"kiosk": 12, "web": 3, "other": 20}, 10) == {"kiosk", "web"}
    assert suppress_line({"kiosk": 3, "web": 4}, 10) == {"kiosk", "web"}
    assert suppress_line({"kiosk": 12, "web": 0}, 10) == set()
    assert suppress_line({"kiosk": 10, "web": 11}, 10) == set()
    # A lone small entry with only zeros beside it: the total equals it and must be hidden by
    # the caller (it is itself below the threshold); the zeros stay published.
    assert suppress_line({"kiosk": 3, "web": 0}, 10) == {"kiosk"}


@given(st.lists(st.integers(0, 30), min_size=1, max_size=6), st.integers(1, 12))
@settings(max_examples=200, deadline=None)
def test_a_suppressed_line_never_gives_back_a_single_hidden_entry(
    values: list[int], min_n: int
) -> None:
    counts = {f"e{i}": n for i, n in enumerate(values)}
    hidden = suppress_line(counts, min_n)
    assert {k for k, n in counts.items() if 0 < n < min_n} <= hidden
    total = sum(values)
    if total >= min_n or total == 0:  # the total is published: never exactly one hidden
        assert len(hidden) != 1
