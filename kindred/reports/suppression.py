"""Small-cell suppression for a table of counts with row and column totals.

The table is read together with its totals as one grid: the counts, a column of row totals,
a row of column totals and the grand total in the corner. Every row of that grid adds up to
its total, and so does every column; the row totals add up to the grand total, and so do the
column totals. Each such row or column is a *line*.

The rule, with `threshold` t (settings.STATS_SUPPRESSION_THRESHOLD, 5 unless configured):

1. Primary suppression: every number n with 0 < n < t is hidden, counts and totals alike.
   Zeros are shown: a zero reveals nobody.
2. Complementary suppression, so that no hidden number can be worked out from a shown total
   and the other shown numbers of its line: in every line whose total is shown, the hidden
   numbers are either none, or at least two that together add up to at least t. Until that
   holds, the next-smallest non-zero shown number of the line is hidden as well; a line that
   runs out of such numbers has its total hidden instead. A line whose total is hidden has at
   least one hidden number besides (otherwise the total is just the sum of the shown ones).
3. Step 2 is repeated over all rows and columns until nothing changes, since hiding a number
   for its row may break the rule for its column.
4. Finally, no hidden number may be worked out by combining several lines either. Think of
   the lines as the nodes of a graph and of each hidden number as an edge between its row and
   its column: a hidden number is determined by the shown ones exactly when its edge is a
   bridge of that graph (lies on no cycle). Each bridge is closed into a cycle by hiding the
   cheapest chain of shown non-zero numbers that joins its two ends; then steps 2-3 run again.
   Because no hidden number is zero, every hidden number on a cycle could be one more or one
   less without any number turning negative, so none can be pinned down.

The grand total is only ever hidden by step 1: it is the number of respondents, shown
anyway. (The one case this leaves open is a number that equals the grand total itself,
which is then not small.) Tables linked to others (below) are different: there the grand
total is hidden like any other number when a line needs it, since a number that equals it
may be one another table relies on being hidden.

A report with several tables that share totals (the zone counts of one instrument appear in
every cross-tabulation of it) passes the totals hidden in one table to the others through
`hidden_row_totals` and `hidden_column_totals`, and repeats until no table hides anything new.

Reports that share numbers in general (a part's row in its parent's drill-down is the part's own
total in its own report, and the parent's total is a row of the grandparent's) are suppressed
together by `suppress_linked`: each number has a key, every table is suppressed with the numbers
hidden anywhere else hidden in it too, until no table hides anything new. A number is then hidden
in every report it appears in, so no report can be read against another to work it out.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from django.conf import settings

Position = tuple[int, int]


@dataclass(frozen=True)
class SuppressedTable:
    """A table of counts as published: each number, or None where it is hidden."""

    threshold: int
    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    total: int | None

    @property
    def hidden_row_totals(self) -> frozenset[int]:
        return frozenset(i for i, v in enumerate(self.row_totals) if v is None)

    @property
    def hidden_column_totals(self) -> frozenset[int]:
        return frozenset(j for j, v in enumerate(self.column_totals) if v is None)

    @property
    def hidden_count(self) -> int:
        grid = [*self.cells, self.row_totals, self.column_totals, (self.total,)]
        return sum(v is None for line in grid for v in line)


def default_threshold() -> int:
    return max(1, int(settings.STATS_SUPPRESSION_THRESHOLD))


def suppress_table(
    counts: Sequence[Sequence[int]],
    threshold: int | None = None,
    *,
    hidden_row_totals: Iterable[int] = (),
    hidden_column_totals: Iterable[int] = (),
    hidden_cells: Iterable[Position] = (),
    hidden_total: bool = False,
    total_may_be_hidden: bool = False,
) -> SuppressedTable:
    """Apply the rule in the module docstring to `counts` (rows of equal length, non-negative).

    The numbers named by `hidden_row_totals`, `hidden_column_totals`, `hidden_cells` ((row, column) of a
    count) and `hidden_total` are hidden from the start, as a linked table hides them (zeros stay shown).
    With `total_may_be_hidden` the grand total is hidden like any other number when a line needs it."""
    t = default_threshold() if threshold is None else threshold
    if t < 1:
        raise ValueError("The threshold must be at least 1.")
    rows = [list(r) for r in counts]
    n_rows = len(rows)
    n_cols = len(rows[0]) if rows else 0
    if any(len(r) != n_cols for r in rows):
        raise ValueError("Every row must have the same number of cells.")
    if any(v < 0 for r in rows for v in r):
        raise ValueError("Counts cannot be negative.")

    grid = _with_totals(rows, n_rows, n_cols)
    corner = (n_rows, n_cols)
    hidden = {(i, j) for i, line in enumerate(grid) for j, v in enumerate(line) if 0 < v < t}
    hidden |= {(i, n_cols) for i in hidden_row_totals if grid[i][n_cols] > 0}
    hidden |= {(n_rows, j) for j in hidden_column_totals if grid[n_rows][j] > 0}
    hidden |= {(i, j) for i, j in hidden_cells if 0 <= i < n_rows and 0 <= j < n_cols and grid[i][j] > 0}
    if hidden_total and grid[n_rows][n_cols] > 0:
        hidden.add(corner)

    if n_rows and n_cols:
        lines = _lines(n_rows, n_cols)
        accepted: set[Position] = set()
        while True:
            _complement(grid, hidden, lines, t, None if total_may_be_hidden else corner)
            bridge = next((e for e in _bridges(hidden, n_rows, n_cols) if e not in accepted), None)
            if bridge is None:
                break
            path = _cheapest_cycle(grid, hidden, bridge, corner, total_may_be_hidden)
            if path:
                hidden |= path
            else:
                accepted.add(bridge)  # only a number equal to the shown grand total gets here

    def shown(i: int, j: int) -> int | None:
        return None if (i, j) in hidden else grid[i][j]

    return SuppressedTable(
        threshold=t,
        cells=tuple(tuple(shown(i, j) for j in range(n_cols)) for i in range(n_rows)),
        row_totals=tuple(shown(i, n_cols) for i in range(n_rows)),
        column_totals=tuple(shown(n_rows, j) for j in range(n_cols)),
        total=shown(n_rows, n_cols),
    )


def _with_totals(rows: list[list[int]], n_rows: int, n_cols: int) -> list[list[int]]:
    grid = [[*r, sum(r)] for r in rows]
    column_totals = [sum(r[j] for r in rows) for j in range(n_cols)]
    grid.append([*column_totals, sum(column_totals)])
    return grid


@cache
def _lines(n_rows: int, n_cols: int) -> list[tuple[list[Position], Position]]:
    """Each line as (its numbers, its total), the totals row and column included."""
    lines = [([(i, j) for j in range(n_cols)], (i, n_cols)) for i in range(n_rows + 1)]
    lines += [([(i, j) for i in range(n_rows)], (n_rows, j)) for j in range(n_cols + 1)]
    return lines


def _complement(grid, hidden: set[Position], lines, t: int, corner: Position | None) -> None:
    """Steps 2 and 3: repeat over every line until nothing changes. `corner` is the grand total that is never
    hidden here (None: any total may be)."""

    def value(p: Position) -> int:
        return grid[p[0]][p[1]]

    changed = True
    while changed:
        changed = False
        for members, total in lines:
            hidden_members = [p for p in members if p in hidden]
            if total not in hidden:
                if not hidden_members:
                    continue
                amount, count = sum(map(value, hidden_members)), len(hidden_members)
                candidates = sorted(
                    (p for p in members if p not in hidden and value(p) > 0), key=lambda p: (value(p), p)
                )
                for p in candidates:
                    if count >= 2 and amount >= t:
                        break
                    hidden.add(p)
                    amount, count, changed = amount + value(p), count + 1, True
                if (count < 2 or amount < t) and total != corner:
                    hidden.add(total)
                    changed = True
            elif not hidden_members:
                smallest = min((p for p in members if value(p) > 0), key=lambda p: (value(p), p))
                hidden.add(smallest)
                changed = True


def _node_edges(hidden: set[Position], n_rows: int) -> dict:
    # Rows are nodes 0..n_rows (the last is the totals row), columns are nodes after them.
    adjacency: dict[int, list[tuple[int, Position]]] = {}
    for i, j in sorted(hidden):
        a, b = i, n_rows + 1 + j
        adjacency.setdefault(a, []).append((b, (i, j)))
        adjacency.setdefault(b, []).append((a, (i, j)))
    return adjacency


def _bridges(hidden: set[Position], n_rows: int, n_cols: int) -> list[Position]:
    """The hidden numbers whose edge lies on no cycle (Tarjan's bridge search), in a fixed order."""
    adjacency = _node_edges(hidden, n_rows)
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    found: list[Position] = []
    for root in sorted(adjacency):
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack = [(root, None, iter(adjacency[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            step = next(neighbours, None)
            if step is None:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.append(via)
                continue
            other, edge = step
            if edge == via:
                continue
            if other in order:
                low[node] = min(low[node], order[other])
            else:
                order[other] = low[other] = len(order)
                stack.append((other, edge, iter(adjacency[other])))
    return sorted(found)


def _cheapest_cycle(
    grid, hidden: set[Position], bridge: Position, corner: Position, total_may_be_hidden: bool = False
) -> set[Position]:
    """The shown non-zero numbers of least total that join the bridge's row and column another way (the grand
    total among them only if it is already hidden or `total_may_be_hidden`)."""
    n_rows, n_cols = corner
    start, goal = bridge[0], n_rows + 1 + bridge[1]

    def edges(node: int):
        if node <= n_rows:
            positions = [(node, j) for j in range(n_cols + 1)]
        else:
            positions = [(i, node - n_rows - 1) for i in range(n_rows + 1)]
        for i, j in positions:
            shown_corner = (i, j) == corner and (i, j) not in hidden and not total_may_be_hidden
            if (i, j) == bridge or grid[i][j] == 0 or shown_corner:
                continue
            other = n_rows + 1 + j if node <= n_rows else i
            yield other, (i, j), 0 if (i, j) in hidden else grid[i][j]

    best: dict[int, int] = {start: 0}
    queue: list[tuple[int, int, tuple[Position, ...]]] = [(0, start, ())]
    while queue:
        cost, node, path = heapq.heappop(queue)
        if node == goal:
            return {p for p in path if p not in hidden}
        if cost > best.get(node, cost):
            continue
        for other, position, price in edges(node):
            if cost + price < best.get(other, cost + price + 1):
                best[other] = cost + price
                heapq.heappush(queue, (cost + price, other, (*path, position)))
    return set()


# --- Tables that share numbers ------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedTable:
    """One table of a set whose numbers are shared: each count and total has a key, and the same key is
    the same number wherever it appears (the caller sees to that)."""

    counts: tuple[tuple[int, ...], ...]
    keys: tuple[tuple[Hashable, ...], ...]
    row_keys: tuple[Hashable, ...]
    column_keys: tuple[Hashable, ...]
    total_key: Hashable

    def suppress(self, hidden: frozenset | set, threshold: int) -> SuppressedTable:
        """The table with every number whose key is in `hidden` hidden from the start."""
        return suppress_table(
            self.counts,
            threshold,
            hidden_cells=[(i, j) for i, row in enumerate(self.keys) for j, key in enumerate(row) if key in hidden],
            hidden_row_totals=[i for i, key in enumerate(self.row_keys) if key in hidden],
            hidden_column_totals=[j for j, key in enumerate(self.column_keys) if key in hidden],
            hidden_total=self.total_key in hidden,
            total_may_be_hidden=True,
        )

    def hidden_keys(self, table: SuppressedTable) -> set[Hashable]:
        found = {
            key
            for row, shown in zip(self.keys, table.cells, strict=True)
            for key, v in zip(row, shown, strict=True)
            if v is None
        }
        found |= {key for key, v in zip(self.row_keys, table.row_totals, strict=True) if v is None}
        found |= {key for key, v in zip(self.column_keys, table.column_totals, strict=True) if v is None}
        if table.total is None:
            found.add(self.total_key)
        return found

    def all_keys(self) -> set[Hashable]:
        return {*(key for row in self.keys for key in row), *self.row_keys, *self.column_keys, self.total_key}


def suppress_linked(
    tables: Sequence[LinkedTable], threshold: int | None = None, hidden: Iterable[Hashable] = ()
) -> frozenset[Hashable]:
    """The keys of the numbers to hide so that every table passes the rule, each read with all the others
    (the grand totals included: in linked tables they are hidden like any other number when needed).

    The tables are suppressed in turn (always the first one waiting, so the result does not depend on
    anything but the tables), each with every number hidden so far hidden in it too; a table waits again
    when another hides one of its numbers. At the end every table is exactly as suppress_table publishes
    it with those numbers hidden, and a number is hidden in every table it appears in."""
    t = default_threshold() if threshold is None else threshold
    found: set[Hashable] = set(hidden)
    tables_of: dict[Hashable, list[int]] = {}
    for k, table in enumerate(tables):
        for key in table.all_keys():
            tables_of.setdefault(key, []).append(k)
    waiting = list(range(len(tables)))
    queued = set(waiting)
    heapq.heapify(waiting)
    while waiting:
        k = heapq.heappop(waiting)
        queued.discard(k)
        table = tables[k]
        keys = table.all_keys()
        if (
            not (found & keys)
            and not any(0 < v < t for row in table.counts for v in row)
            and not _small_totals(table.counts, t)
        ):
            continue  # nothing small and nothing hidden elsewhere: the table shows everything
        new = table.hidden_keys(table.suppress(found, t)) - found
        if not new:
            continue
        found |= new
        for key in new:
            for other in tables_of[key]:
                if other != k and other not in queued:
                    queued.add(other)
                    heapq.heappush(waiting, other)
    return frozenset(found)


def _small_totals(counts: Sequence[Sequence[int]], t: int) -> bool:
    rows = [sum(r) for r in counts]
    columns = [sum(c) for c in zip(*counts, strict=True)] if counts else []
    return any(0 < v < t for v in (*rows, *columns, sum(rows)))
