"""Table grids: merged cells resolved so that every row has a cell at every column."""

from __future__ import annotations

from typing import Any

from pipelines.limits import MAX_GRID_CELLS, MAX_SPAN, check
from pipelines.lines import Cell, Line


class GridBuilder:
    """Place cells row by row, skipping positions taken by earlier rowspans."""

    def __init__(self) -> None:
        self.rows: list[dict[int, Cell]] = []  # rows below the cursor may hold rowspans already
        self.cursor = 0
        self.cells = 0  # grid positions filled so far

    def add_row(self, cells: list[tuple[str, int, int]]) -> None:
        """cells: (text, rowspan, colspan) in printed order, spans already bounded."""
        index = self.cursor
        self.cursor += 1
        while index >= len(self.rows):
            self.rows.append({})
        taken = self.rows[index]
        col = 0
        for text, rowspan, colspan in cells:
            while col in taken:
                col += 1
            self.cells += rowspan * colspan
            check("cells of a table", self.cells, MAX_GRID_CELLS)  # before the cells are made
            for dr in range(rowspan):
                while index + dr >= len(self.rows):
                    self.rows.append({})
                for dc in range(colspan):
                    first = dr == 0 and dc == 0
                    self.rows[index + dr][col + dc] = Cell(text, col + dc, spanned=not first)
            col += colspan

    def lines(self, table: int, origin: dict[str, Any] | None = None) -> list[Line]:
        out: list[Line] = []
        for number, row in enumerate(self.rows):
            if not row:
                continue
            cells = [row[c] for c in sorted(row)]
            out.append(Line(cells, {**(origin or {}), "table": table, "row": number}, grid=True, table=table))
        return out


def bounded_span(raw: Any) -> int:
    """A printed rowspan/colspan/gridSpan as a span of 1 to MAX_SPAN (a broken one reads as 1)."""
    try:
        span = int(str(raw).strip()[:6] or 1)  # 6 digits: never near Python's int-string limit
    except ValueError:
        return 1
    return max(1, min(span, MAX_SPAN))
