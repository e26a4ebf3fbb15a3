"""Small-cell suppression: properties over random tables and thresholds, and worked examples."""

from __future__ import annotations

from fractions import Fraction

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from kindred.reports.suppression import SuppressedTable, suppress_table


def _grid(counts):
    """The table with its totals, as rows of (true value, shown value)."""
    rows = [[*r, sum(r)] for r in counts]
    rows.append([sum(col) for col in zip(*rows, strict=True)])
    return rows


def _shown_grid(table: SuppressedTable):
    rows = [[*cells, total] for cells, total in zip(table.cells, table.row_totals, strict=True)]
    rows.append([*table.column_totals, table.total])
    return rows


def _lines(n_rows, n_cols):
    """Each row and column of the table with totals: (its numbers, its total)."""
    lines = [([(i, j) for j in range(n_cols)], (i, n_cols)) for i in range(n_rows + 1)]
    lines += [([(i, j) for i in range(n_rows)], (n_rows, j)) for j in range(n_cols + 1)]
    return lines


def _determined(true, shown) -> set[tuple[int, int]]:
    """The hidden numbers an attacker can work out exactly from all the shown ones: x is determined iff
    its unit vector lies in the row space of the line equations restricted to the hidden numbers."""
    n_rows, n_cols = len(true) - 1, len(true[0]) - 1
    unknowns = [(i, j) for i, row in enumerate(shown) for j, v in enumerate(row) if v is None]
    index = {p: k for k, p in enumerate(unknowns)}
    equations = []
    for members, total in _lines(n_rows, n_cols):
        coefficients = [Fraction(0)] * len(unknowns)
        for p in members:
            if p in index:
                coefficients[index[p]] += 1
        if total in index:
            coefficients[index[total]] -= 1
        if any(coefficients):
            equations.append(coefficients)
    basis = _row_echelon(equations)
    rank = len(basis)
    determined = set()
    for p, k in index.items():
        unit = [Fraction(0)] * len(unknowns)
        unit[k] = Fraction(1)
        if len(_row_echelon([*basis, unit])) == rank:
            determined.add(p)
    return determined


def _row_echelon(rows):
    rows = [list(r) for r in rows]
    result = []
    width = len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((r for r in rows if r[column] != 0), None)
        if pivot is None:
            continue
        rows.remove(pivot)
        rows = [[a - b * r[column] / pivot[column] for a, b in zip(r, pivot, strict=True)] for r in rows]
        result.append(pivot)
    return result


tables = st.integers(min_value=1, max_value=5).flatmap(
    lambda n_cols: st.lists(
        st.lists(
            st.one_of(st.integers(0, 6), st.integers(0, 30)),
            min_size=n_cols,
            max_size=n_cols,
        ),
        min_size=1,
        max_size=5,
    )
)
thresholds = st.integers(min_value=1, max_value=8)


@settings(max_examples=300, deadline=None, database=None)
@given(counts=tables, t=thresholds)
def test_published_numbers_are_true_and_never_small(counts, t):
    table = suppress_table(counts, t)
    for true_row, shown_row in zip(_grid(counts), _shown_grid(table), strict=True):
        for true, shown in zip(true_row, shown_row, strict=True):
            assert shown is None or shown == true
            assert shown is None or not 0 < shown < t
            assert not (shown is None and true == 0), "a zero is never hidden"


@settings(max_examples=300, deadline=None, database=None)
@given(counts=tables, t=thresholds)
def test_hidden_numbers_of_a_line_with_a_shown_total_add_up_to_the_threshold(counts, t):
    table = suppress_table(counts, t)
    true, shown = _grid(counts), _shown_grid(table)
    n_rows, n_cols = len(counts), len(counts[0])
    for members, total in _lines(n_rows, n_cols):
        hidden = [true[i][j] for i, j in members if shown[i][j] is None]
        if shown[total[0]][total[1]] is not None:
            # No difference of shown numbers reveals a count under the threshold...
            assert sum(hidden) == 0 or sum(hidden) >= t
            # ...nor any single hidden number, unless it is the (shown) grand total itself.
            assert len(hidden) != 1 or hidden[0] == true[n_rows][n_cols]
        elif true[total[0]][total[1]] > 0:
            assert hidden, "a hidden total is not the sum of shown numbers"


@settings(max_examples=300, deadline=None, database=None)
@given(counts=tables, t=thresholds)
def test_no_hidden_number_can_be_worked_out_from_all_shown_numbers_together(counts, t):
    table = suppress_table(counts, t)
    true, shown = _grid(counts), _shown_grid(table)
    grand_total = true[-1][-1]
    for i, j in _determined(true, shown):
        assert true[i][j] == grand_total and grand_total >= t, (i, j)


@settings(max_examples=200, deadline=None, database=None)
@given(counts=tables, t=thresholds, data=st.data())
def test_totals_hidden_in_a_linked_table_stay_hidden(counts, t, data):
    n_rows, n_cols = len(counts), len(counts[0])
    rows = data.draw(st.sets(st.integers(0, n_rows - 1)))
    columns = data.draw(st.sets(st.integers(0, n_cols - 1)))
    table = suppress_table(counts, t, hidden_row_totals=rows, hidden_column_totals=columns)
    for i in rows:
        assert table.row_totals[i] is None or table.row_totals[i] == 0
    for j in columns:
        assert table.column_totals[j] is None or table.column_totals[j] == 0
    true, shown = _grid(counts), _shown_grid(table)
    for i, j in _determined(true, shown):
        assert true[i][j] == true[-1][-1]
    assert suppress_table(counts, t, hidden_row_totals=rows, hidden_column_totals=columns) == table


def test_threshold_of_one_hides_nothing():
    table = suppress_table([[1, 0], [2, 3]], 1)
    assert table.cells == ((1, 0), (2, 3)) and table.total == 6 and table.hidden_count == 0


def test_one_small_cell_in_a_two_by_two_table_hides_the_inside():
    table = suppress_table([[3, 10], [8, 12]], 5)
    assert table.cells == ((None, None), (None, None))
    assert table.row_totals == (13, 20) and table.column_totals == (11, 22) and table.total == 33


def test_the_next_smallest_cells_are_hidden_with_a_small_one():
    counts = [[2, 7, 9], [10, 12, 20], [6, 15, 30]]
    table = suppress_table(counts, 5)
    # 2 could be worked out from its row and from its column. Row 0 hides the next-smallest 7 with it and
    # column 0 the 6; column 1 then hides 12 with the 7, row 1 hides 10 with the 12 and row 2 hides 15 with
    # the 6: every line has at least two hidden numbers, together at least 5.
    assert table.cells == ((None, None, 9), (None, None, 20), (None, None, 30))
    assert table.row_totals == (18, 42, 51) and table.column_totals == (18, 34, 59) and table.total == 111
    assert _determined(_grid(counts), _shown_grid(table)) == set()


def test_a_number_that_several_lines_together_reveal_is_protected_too():
    counts = [[0, 0, 3], [10, 10, 15], [3, 0, 2]]
    table = suppress_table(counts, 5)
    # Each row and column alone keeps at least two hidden numbers here, yet without the last step the 3 in
    # the bottom-left corner could be worked out by combining rows and columns; hiding the 15 closes that.
    assert table.cells == ((0, 0, None), (None, None, None), (None, 0, None))
    assert table.row_totals == (None, 35, None) and table.column_totals == (None, None, 20) and table.total == 43
    assert _determined(_grid(counts), _shown_grid(table)) == set()


def test_small_totals_are_hidden_and_zeros_shown():
    table = suppress_table([[3, 0], [0, 3]], 5)
    assert table.cells == ((None, 0), (0, None))
    assert table.row_totals == (None, None) and table.column_totals == (None, None)
    assert table.total == 6


def test_a_one_row_distribution_hides_at_least_two_cells():
    table = suppress_table([[6, 3, 0]], 5)
    assert table.cells == ((None, None, 0),) and table.total == 9 and table.row_totals == (9,)


def test_everything_below_the_threshold_hides_everything_but_zeros():
    table = suppress_table([[1, 2], [0, 1]], 5)
    assert table.cells == ((None, None), (0, None)) and table.total is None


def test_a_count_as_big_as_the_whole_table_is_shown():
    assert suppress_table([[7]], 5) == SuppressedTable(5, ((7,),), (7,), (7,), 7)
    assert suppress_table([[0, 9, 0]], 5).cells == ((0, 9, 0),)


def test_empty_table():
    table = suppress_table([], 5)
    assert table.cells == () and table.total == 0


@override_settings(STATS_SUPPRESSION_THRESHOLD=3)
def test_default_threshold_comes_from_settings():
    table = suppress_table([[3, 4], [4, 4]])
    assert table.threshold == 3 and table.hidden_count == 0


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="threshold"):
        suppress_table([[1]], 0)
    with pytest.raises(ValueError, match="same number"):
        suppress_table([[1, 2], [3]], 5)
    with pytest.raises(ValueError, match="negative"):
        suppress_table([[-1]], 5)
