"""Disclosure control, by property: random tables, random organisation trees and random counts.

(a) One table: suppress_table never shows a number from 1 to t − 1, and every hidden number has two
    different non-negative integer completions that agree with everything published. The second
    completion is built (not just argued): find a cycle of hidden numbers through the one in question, add
    ±1 around it, and check every row and column of the table with its totals again.
(b) Reports that share numbers: the figure for a scope with its drill-down, and the figure for each of its
    parts opened on its own with its own drill-down. A number is hidden in both or shown in both, and no
    hidden number can be worked out from the two reports read together (every line of both, as one system of
    equations; this covers "a total shown in one minus the cells shown in the other").
(c) A period and its previous never publish a number from 1 to t − 1, rounded totals and shares included.
(d) Every report on a country read together: no number under the threshold can be worked out, on a fixed
    sample, and a known counterexample (xfail) to the general claim: suppressing linked tables one by one
    is not an exact audit of every combination of three or more reports.

The figures are computed by kindred.reports.kpis.figure itself, on an in-memory geography and a metric whose
"query" returns the random counts, so no database is needed and each example takes milliseconds.
"""

from __future__ import annotations

from collections import deque
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kindred.reports import kpis
from kindred.reports.scopes import Geography, Period, Scope
from kindred.reports.suppression import SuppressedTable, suppress_table

PERIOD = Period.months("2025-03", "2025-04")
TOTAL = "total"

# --- (a) One table --------------------------------------------------------------------------------------------


def full_grid(counts) -> list[list[int]]:
    """The counts with a column of row totals, a row of column totals and the grand total."""
    rows = [[*r, sum(r)] for r in counts]
    rows.append([sum(column) for column in zip(*rows, strict=True)])
    return rows


def shown_grid(table: SuppressedTable) -> list[list[int | None]]:
    rows = [[*cells, total] for cells, total in zip(table.cells, table.row_totals, strict=True)]
    rows.append([*table.column_totals, table.total])
    return rows


def lines(n_rows: int, n_cols: int):
    """Each row and column of the grid: (its members, its total)."""
    found = [([(i, j) for j in range(n_cols)], (i, n_cols)) for i in range(n_rows + 1)]
    found += [([(i, j) for i in range(n_rows)], (n_rows, j)) for j in range(n_cols + 1)]
    return found


def consistent(grid, shown) -> bool:
    """Every line of `grid` adds up, no number is negative, and every shown number is as published."""
    n_rows, n_cols = len(grid) - 1, len(grid[0]) - 1
    if any(v < 0 for row in grid for v in row):
        return False
    if any(
        s is not None and s != v for row, srow in zip(grid, shown, strict=True) for v, s in zip(row, srow, strict=True)
    ):
        return False
    return all(sum(grid[i][j] for i, j in members) == grid[t[0]][t[1]] for members, t in lines(n_rows, n_cols))


def another_completion(grid, shown, target) -> list[list[int]] | None:
    """A second completion of the hidden numbers that differs at `target`, or None when there is none.

    Rows (the totals row included) and columns (the totals column included) are the nodes of a graph, each
    hidden number an edge. If another path of hidden numbers joins the target's row and column, the target
    lies on a cycle: adding +1 and -1 alternately around it (a total counts with the opposite sign in its
    line) keeps every line's sum, and since no hidden number is zero nothing turns negative."""
    n_rows, n_cols = len(grid) - 1, len(grid[0]) - 1
    hidden = {(i, j) for i, row in enumerate(shown) for j, v in enumerate(row) if v is None}
    start, goal = ("r", target[0]), ("c", target[1])

    def ends(p):
        return ("r", p[0]), ("c", p[1])

    adjacency: dict = {}
    for p in hidden - {target}:
        a, b = ends(p)
        adjacency.setdefault(a, []).append((b, p))
        adjacency.setdefault(b, []).append((a, p))
    came: dict = {start: None}
    queue = deque([start])
    while queue and goal not in came:
        node = queue.popleft()
        for other, p in adjacency.get(node, []):
            if other not in came:
                came[other] = (node, p)
                queue.append(other)
    if goal not in came:
        return None
    path, node = [], goal  # the edges from the target's column back to its row
    while came[node] is not None:
        node, p = came[node]
        path.append(p)
    cycle = [target, *path]  # target: row -> column; then column -> ... -> row

    def sign(node, p) -> int:
        kind, _index = node
        if kind == "r":
            return -1 if p[1] == n_cols else 1
        return -1 if p[0] == n_rows else 1

    delta = {target: 1}
    node = goal
    for before, after in pairwise(cycle):
        delta[after] = -sign(node, before) * sign(node, after) * delta[before]
        a, b = ends(after)
        node = b if a == node else a
    assert node == start
    assert sign(start, cycle[-1]) * delta[cycle[-1]] + sign(start, target) * delta[target] == 0
    second = [list(row) for row in grid]
    for (i, j), d in delta.items():
        second[i][j] += d
    return second


tables = st.integers(min_value=1, max_value=5).flatmap(
    lambda n_cols: st.lists(
        st.lists(st.one_of(st.integers(0, 6), st.integers(0, 25)), min_size=n_cols, max_size=n_cols),
        min_size=1,
        max_size=5,
    )
)


@settings(max_examples=100, deadline=None, database=None)
@given(counts=tables, t=st.integers(1, 8))
def test_a_table_never_shows_a_small_number_and_every_hidden_one_has_two_completions(counts, t):
    table = suppress_table(counts, t)
    grid, shown = full_grid(counts), shown_grid(table)
    assert consistent(grid, shown)
    for row in shown:
        assert all(v is None or not 0 < v < t for v in row)
    for i, row in enumerate(shown):
        for j, v in enumerate(row):
            if v is not None:
                continue
            assert grid[i][j] > 0, "a zero is never hidden"
            second = another_completion(grid, shown, (i, j))
            if second is None:
                # The one case suppression.py leaves open: a number as big as the shown grand total.
                assert grid[i][j] == grid[-1][-1] == shown[-1][-1] >= t, (i, j)
                continue
            assert consistent(second, shown) and second[i][j] != grid[i][j], (i, j)


def test_the_completion_checker_finds_a_derivable_number():
    """The checker itself: a lone hidden number in a line with a shown total has no second completion."""
    grid = full_grid([[2, 8], [6, 9]])
    shown = [[None, 8, None], [6, 9, 15], [None, 17, 25]]
    assert another_completion(grid, shown, (0, 0)) is None
    shown = shown_grid(suppress_table([[2, 8], [6, 9]], 5))
    assert all(another_completion(grid, shown, p) is not None for p in [(0, 0), (0, 1), (1, 0), (1, 1)])


# --- An in-memory geography and metric for (b) and (c) ---------------------------------------------------------

MUNICIPALITIES = {
    ("NO", "1103"): {"country": "NO", "number": "1103", "name": "Stavanger", "region": "Rogaland"},
    ("NO", "1108"): {"country": "NO", "number": "1108", "name": "Sandnes", "region": "Rogaland"},
    ("NO", "4601"): {"country": "NO", "number": "4601", "name": "Bergen", "region": "Vestland"},
}


class MemoryGeography(Geography):
    """A Geography read from dictionaries instead of the database."""

    def __init__(self, parents: list[int | None], numbers: list[str]) -> None:
        self.orgs = {
            i + 1: {
                "id": i + 1,
                "name": f"Unit {i + 1:02d}",
                "parent_id": None if parent is None else parent + 1,
                "municipality_number": number,
                "country": "NO",
            }
            for i, (parent, number) in enumerate(zip(parents, numbers, strict=True))
        }
        self.municipalities = MUNICIPALITIES
        self.description = list(zip(parents, numbers, strict=True))
        self.children = {}
        for org in sorted(self.orgs.values(), key=lambda o: o["name"]):
            self.children.setdefault(org["parent_id"], []).append(org["id"])

    def __repr__(self) -> str:
        return f"MemoryGeography(parents and municipalities: {self.description})"


def fake_metric(current: dict[int, list[int]], previous: dict[int, list[int]], width: int) -> kpis.Metric:
    def query(ids, period):
        """Rows as kpis.Metric.query gives them: per organisation (all of them when ids is None) and category."""
        counts = current if period == PERIOD else previous
        return [
            {"org": i, "category": f"c{j}", "n": n}
            for i in (sorted(counts) if ids is None else ids)
            for j, n in enumerate(counts.get(i, [0] * width))
            if n
        ]

    categories = tuple((f"c{j}", f"category {j}") for j in range(width))
    return kpis.Metric("fake", f"now {current}, before {previous}", "children", categories, query, share_of=("c0",))


@st.composite
def worlds(draw):
    """A random forest of 2-7 organisations in three municipalities (or none), with small counts. A sub-unit
    may lie in another municipality than its parent, as the clinics of a hospital trust do."""
    n = draw(st.integers(2, 7))
    parents = [None] + [draw(st.one_of(st.none(), st.integers(0, k - 1))) for k in range(1, n)]
    numbers = [draw(st.sampled_from(["1103", "1103", "1108", "4601", ""])) for _k in range(n)]
    width = draw(st.integers(1, 3))
    small = st.one_of(st.integers(0, 4), st.integers(0, 12))
    counts = st.lists(small, min_size=width, max_size=width)
    current = {i + 1: draw(counts) for i in range(n)}
    previous = {i + 1: draw(counts) for i in range(n)}
    t = draw(st.integers(2, 5))
    return MemoryGeography(parents, numbers), fake_metric(current, previous, width), t


def node(scope: Scope) -> tuple[int, ...]:
    return tuple(sorted(scope.organisation_ids))


def published(geography: Geography, metric: kpis.Metric, scope: Scope, t: int, previous: bool = False):
    """The figure's table as {key: shown value} plus its lines as (member keys, total key), with its true
    values; a key names the same number in every report: (organisations, category or TOTAL)."""
    parts = geography.parts(scope)
    f = kpis.figure(metric, scope, parts, PERIOD, t, geography=geography)
    table = f.previous if previous else f.table
    rows = f.parts
    width = len(metric.categories)
    true = kpis.raw_counts(metric, rows, PERIOD.previous() if previous else PERIOD)
    grid_keys = [[(node(r), j) for j in range(width)] + [(node(r), TOTAL)] for r in rows]
    grid_keys.append([(node(scope), j) for j in range(width)] + [(node(scope), TOTAL)])
    values = {}
    shown = {}
    for key_row, true_row, shown_row in zip(grid_keys, full_grid(true), shown_grid(table), strict=True):
        for key, v, s in zip(key_row, true_row, shown_row, strict=True):
            values[key] = v
            shown[key] = s
    report_lines = [
        ([grid_keys[i][j] for i, j in members], grid_keys[total[0]][total[1]])
        for members, total in lines(len(rows), width)
    ]
    return f, shown, values, report_lines


def derivable(reports) -> set:
    """The hidden keys that the lines of all `reports` together pin down exactly: those that take the same
    value in every solution of the equations (a key that is not pinned down can move along some direction
    that keeps every line's sum). Also checks that no key is shown in one report and hidden in another."""
    shown, values, equations = {}, {}, []
    for _f, report_shown, report_values, report_lines in reports:
        for key, v in report_shown.items():
            assert shown.get(key, v) == v, f"{key} is shown in one report and hidden in another"
            shown[key] = v
        values.update(report_values)
        equations += report_lines
    unknowns = sorted((k for k, v in shown.items() if v is None), key=repr)
    index = {k: n for n, k in enumerate(unknowns)}
    matrix = []
    for members, total in equations:
        row = [Fraction(0)] * len(unknowns)
        for k in members:
            if k in index:
                row[index[k]] += 1
        if total in index:
            row[index[total]] -= 1
        if any(row):
            matrix.append(row)
    return {unknowns[k] for k in determined(matrix, len(unknowns))}


def determined(matrix: list[list[Fraction]], width: int) -> set[int]:
    """The unknowns every solution agrees on: those on which every vector of the null space is zero (the
    null space read off the reduced row echelon form)."""
    rows = [list(r) for r in matrix]
    pivots: list[int] = []
    for column in range(width):
        pivot = next((r for r in rows[len(pivots) :] if r[column] != 0), None)
        if pivot is None:
            continue
        rows.remove(pivot)
        pivot = [v / pivot[column] for v in pivot]
        rows = [[a - r[column] * b for a, b in zip(r, pivot, strict=True)] for r in rows]
        rows.insert(len(pivots), pivot)
        pivots.append(column)
    free = [c for c in range(width) if c not in pivots]
    moving = set(free)  # each free unknown moves in its own null-space vector...
    for f in free:  # ...and so does every pivot unknown that depends on it
        moving |= {pivots[k] for k in range(len(pivots)) if rows[k][f] != 0}
    return set(range(width)) - moving


def test_the_linear_checker():
    one = Fraction(1)
    assert determined([[one, one]], 2) == set()  # x + y known: neither is
    assert determined([[one, one], [0 * one, one]], 2) == {0, 1}
    assert determined([[one, one, 0 * one], [0 * one, one, one]], 3) == set()
    assert determined([[one, -one, 0 * one], [one, one, 0 * one]], 3) == {0, 1}


def openable(geography: Geography, part: Scope) -> Scope | None:
    """The scope a reader gets by opening a part of the drill-down (None for "X itself")."""
    return None if part.kind == "part" else geography.parse(geography.slug(part))


def small_and_derivable(reports, t: int, *, only_small: bool = False) -> list:
    """Hidden numbers that the reports together give away, other than the one case suppression.py accepts: a
    number as big as a shown grand total (which is then not small). With `only_small`, just those under t."""
    values = {k: v for report in reports for k, v in report[2].items()}
    shown = {k: v for report in reports for k, v in report[1].items()}
    grand_totals = {shown[report[3][-1][1]] for report in reports} - {None}
    found = [(key, values[key]) for key in derivable(reports) if not (values[key] in grand_totals and values[key] >= t)]
    return [(key, v) for key, v in found if v < t] if only_small else found


# --- (b) A scope and its parts, read together ------------------------------------------------------------------


@settings(max_examples=80, deadline=None, database=None)
@given(world=worlds(), data=st.data())
def test_a_scope_and_each_part_opened_on_its_own_give_nothing_away_together(world, data):
    geography, metric, t = world
    candidates = [scope for scope, rows in geography.reports("NO") if geography.parts(scope)]
    scope = data.draw(st.sampled_from(candidates))
    whole = published(geography, metric, scope, t)
    for part in geography.parts(scope):
        own = openable(geography, part)
        if own is None:
            continue
        alone = published(geography, metric, own, t)
        assert small_and_derivable([whole, alone], t) == [], (scope, own)
        if node(own) == node(part):
            # The same numbers: the part's row in the whole's table is the part's own totals row.
            i = whole[0].parts.index(part)
            assert whole[0].table.cells[i] == alone[0].table.column_totals
            assert whole[0].table.row_totals[i] == alone[0].table.total


@settings(max_examples=50, deadline=None, database=None, derandomize=True)
@given(world=worlds())
def test_all_the_reports_on_a_country_together_on_a_fixed_sample(world):
    """Every report on the country read together (and the overlaps of organisation trees and municipalities):
    no number under the threshold can be worked out. Checked on a fixed sample only, since suppressing each
    table with the numbers hidden in the others does not guarantee it for every combination of three or more
    reports (see the known counterexample below); on random worlds it fails for a few in a thousand."""
    geography, metric, t = world
    reports = [published(geography, metric, scope, t) for scope, _rows in geography.reports("NO")]
    assert small_and_derivable(reports, t, only_small=True) == []


@pytest.mark.xfail(strict=True, reason="table-by-table suppression of linked tables is not an exact audit")
def test_known_limitation_three_reports_can_still_combine():
    """Five units, each on its own, three of them in Stavanger (one with 1 and 1 in categories 1 and 2, one
    with 1 in category 0), one in Sandnes and one in Bergen with 1 in category 2 each. The country's grand
    total (5) and category-2 total (3), Rogaland's row for Stavanger (3) and the zeros shown around them
    combine into 1 for the Stavanger unit's category 2, though no single table gives it away. An exact
    audit over all reports (linear programming) would be needed to rule this out."""
    geography = MemoryGeography([None] * 5, ["1103", "1108", "4601", "1103", "1103"])
    metric = fake_metric({1: [1, 0, 0], 2: [0, 0, 1], 3: [0, 0, 1], 4: [0, 0, 0], 5: [0, 1, 1]}, {}, 3)
    reports = [published(geography, metric, scope, 2) for scope, _rows in geography.reports("NO")]
    assert small_and_derivable(reports, 2, only_small=True) == []


def test_the_example_that_independent_suppression_gets_wrong():
    """Alfa itself has 2 and 10, Beta itself 4 and 10, Gamma (under Beta) 3 and 10. Suppressed on their own,
    Alfa's table hides Beta's row (7, 20) and shows the column total 9, while Beta's own table shows its
    column totals 7 and 20: 9 - 7 gives away Alfa's 2. Suppressed together, it is hidden everywhere."""
    geography = MemoryGeography([None, 0, 1], ["1103", "1103", "1103"])
    metric = fake_metric({1: [2, 10], 2: [4, 10], 3: [3, 10]}, {}, 2)
    alfa, beta = geography.organisation(1), geography.organisation(2)
    assert suppress_table([[2, 10], [7, 20]], 5).column_totals == (9, 30)
    assert suppress_table([[4, 10], [3, 10]], 5).column_totals == (7, 20)
    whole, part = published(geography, metric, alfa, 5), published(geography, metric, beta, 5)
    assert whole[0].table.cells[1] == part[0].table.column_totals
    assert small_and_derivable([whole, part], 5) == []


# --- (c) A period and its previous -----------------------------------------------------------------------------


@settings(max_examples=80, deadline=None, database=None)
@given(world=worlds(), data=st.data())
def test_a_period_and_its_previous_never_publish_a_small_number(world, data):
    geography, metric, t = world
    scope = data.draw(st.sampled_from([scope for scope, _rows in geography.reports("NO")]))
    f = kpis.figure(metric, scope, geography.parts(scope), PERIOD, t, geography=geography)
    for table in (f.table, f.previous):
        for row in shown_grid(table):
            assert all(v is None or not 0 < v < t for v in row)
    for total in (f.rounded_total, f.previous_rounded_total):
        assert total is None or total == 0 or total >= t
    for share, table in ((f.share, f.table), (f.previous_share, f.previous)):
        assert share is None or (table.total is not None and table.total >= t and table.column_totals[0] is not None)
    for _key, _label, n in f.category_totals:
        assert n is None or not 0 < n < t
    # Each period is suppressed together with all the reports of the same period.
    current = published(geography, metric, scope, t)
    before = published(geography, metric, scope, t, previous=True)
    assert small_and_derivable([current], t) == [] and small_and_derivable([before], t) == []
